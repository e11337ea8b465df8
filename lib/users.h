/* users.h: the account names from conf-users, compiled in; resolved
 * with getpwnam/getgrnam at run time, never as numbers. */
#ifndef IM2K_USERS_H
#define IM2K_USERS_H

enum {
  USER_QUEUE_GROUP,    /* im2kq: im2k-archive's setgid group */
  USER_ARCHIVE_GROUP,  /* im2kr: may read archives (fetchd) */
  USER_NOTIFYD,        /* im2kn */
  USER_INBOXD,         /* im2ki */
  USER_FETCHD,         /* im2kf */
  USER_LOG,            /* im2kl */
  USER_SMTPD,          /* im2ks: the SMTP gateway: im2k-smtpd runs as it,
                        * its archive holds the mail from the old world */
  USERS_N
};

extern const char *const auto_users[USERS_N];

#endif
