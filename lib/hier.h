/* hier.h: what goes where in an im2k home, as one table: each entry a
 * path under the home, its kind, owner, group and mode.  im2k-setup lays
 * a home out from it and im2k-check checks a home against it (djbdns's
 * hier.c, read by install and instcheck).  Owners and groups are roles
 * from users.h, resolved by name at run time, or root. */
#ifndef IM2K_HIER_H
#define IM2K_HIER_H

#include <stddef.h>
#include <sys/types.h>

#define HIER_ROOT (-1) /* owner or group root: uid 0, gid 0 */

enum hier_kind {
  HIER_DIR,  /* a directory */
  HIER_PROG, /* a program, copied from the build's bin/ (same name) */
  HIER_FIFO, /* a named pipe */
  HIER_FILE  /* a file im2k-setup makes: gen says how */
};

enum hier_gen {
  HIER_GEN_NONE,
  HIER_GEN_SECRET,     /* keys/secret: 32 random bytes, made once, kept */
  HIER_GEN_PUBLIC,     /* keys/public: derived from keys/secret */
  HIER_GEN_TOKEN,      /* keys/token: 32 random bytes, made once, kept */
  HIER_GEN_ME,         /* control/me: the domain, written once, kept */
  HIER_GEN_SERVERS,    /* control/servers: this host's line, once, kept */
  HIER_GEN_USERS,      /* control/users: a comment, once, kept */
  HIER_GEN_SERVERSCDB, /* compiled from control/servers at every run */
  HIER_GEN_USERSCDB,   /* compiled from control/users at every run */
  HIER_GEN_RUN,        /* service/NAME/run, rewritten at every run */
  HIER_GEN_LOGRUN,     /* service/NAME/log/run, rewritten at every run */
  HIER_GEN_SMTPLISTEN, /* control/smtplisten: "IP PORT" for im2k-smtpd's
                        * tcpserver (setup's IP, port 25), once, kept */
  HIER_GEN_SMTPRULES   /* control/smtp.cdb: tcprules' allow-all default,
                        * made once, kept (recompile with tcprules) */
};

struct hier {
  const char *path;   /* relative to the home; "." is the home itself */
  enum hier_kind kind;
  int owner;          /* a USER_* role naming a user, or HIER_ROOT */
  int group;          /* a USER_* role naming a group, or HIER_ROOT */
  mode_t mode;        /* with owners set; see hier_mode */
  enum hier_gen gen;  /* HIER_FILE only */
  int account;        /* HIER_GEN_RUN: the account envuidgid gives the
                       * daemon; HIER_GEN_LOGRUN: multilog's account */
};

/* The table.  Every entry's directory comes before it. */
extern const struct hier hier[];
extern const size_t hier_n;

/* hier_uid, hier_gid: the id of a role's account (getpwnam, getgrnam;
 * HIER_ROOT is 0); -1 with ENOENT if there is no such account, EINVAL
 * for a role out of range. */
int hier_uid(int role, uid_t *out);
int hier_gid(int role, gid_t *out);

/* hier_mode: the mode an entry gets.  owners is 0 when the installer
 * sets no owners (an unprivileged or staged install): then files get
 * no set-id bits, which mean something only with the table's group. */
mode_t hier_mode(const struct hier *h, int owners);

/* hier_parent: a descriptor for the directory holding homefd/path,
 * reached without following any symlink (O_NOFOLLOW at every step), and
 * in *base the last component of path.  -1 with errno: ELOOP or ENOTDIR
 * when a component is a symlink or not a directory, ENOENT when one is
 * missing, ENAMETOOLONG. */
int hier_parent(int homefd, const char *path, const char **base);

/* hier_run: the text of a HIER_GEN_RUN or HIER_GEN_LOGRUN file into out
 * (NUL-terminated).  home is the home as the daemons will see it (not
 * the staging directory); privileged is 1 for a home run by root (the
 * daemon gets its account's ids from envuidgid, multilog runs under
 * setuidgid), 0 for a single-account home.  -1 with ENAMETOOLONG if out
 * is too small, EINVAL if h is not a run file. */
int hier_run(char *out, size_t max, const char *home, const struct hier *h,
             int privileged);

#endif
