/* hier.c: the layout of an im2k home, the one list both im2k-setup and
 * im2k-check read.  Trusts nothing on disk: paths are walked one
 * component at a time without following symlinks. */
#include "hier.h"
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define R HIER_ROOT
#define DIR_(p, o, g, m) {p, HIER_DIR, o, g, m, HIER_GEN_NONE, 0}
#define PROG(n) {"bin/" n, HIER_PROG, R, R, 0755, HIER_GEN_NONE, 0}
#define GEN(p, gen, m) {p, HIER_FILE, R, R, m, gen, 0}
/* a daemontools service directory: the daemon starts as root (to read
 * keys/ and bind its port), gets its account's ids from envuidgid and
 * drops to them itself; its log belongs to the log account */
#define SERVICE(n, acct)                                                   \
  DIR_("service/" n, R, R, 01755),                                         \
  {"service/" n "/run", HIER_FILE, R, R, 0755, HIER_GEN_RUN, acct},        \
  DIR_("service/" n "/log", R, R, 0755),                                   \
  DIR_("service/" n "/log/main", USER_LOG, R, 0750),                       \
  {"service/" n "/log/run", HIER_FILE, R, R, 0755, HIER_GEN_LOGRUN, USER_LOG}

const struct hier hier[] = {
  DIR_(".", R, R, 0755),

  /* programs: root's, so that no daemon account can change them */
  DIR_("bin", R, R, 0755),
  PROG("im2k-inject"),
  /* im2k-archive's one privilege: the queue group */
  {"bin/im2k-archive", HIER_PROG, R, USER_QUEUE_GROUP, 02755, HIER_GEN_NONE, 0},
  PROG("im2k-status"),
  PROG("im2k-setup"),
  PROG("im2k-check"),
  PROG("im2k-mkarchive"),
  PROG("im2k-notifyd"),
  PROG("im2k-inboxd"),
  PROG("im2k-servers"),
  PROG("im2k-users"),
  PROG("im2k-fetchd"),
  PROG("im2k-pickup"),
  PROG("im2k-keygen"),
  PROG("im2k-smtpd"),
  PROG("im2k-remote"),

  /* keys: root only; the daemons read them before they drop privilege */
  DIR_("keys", R, R, 0700),
  GEN("keys/secret", HIER_GEN_SECRET, 0600),
  GEN("keys/public", HIER_GEN_PUBLIC, 0644),
  GEN("keys/token", HIER_GEN_TOKEN, 0600),

  DIR_("control", R, R, 0755),
  GEN("control/me", HIER_GEN_ME, 0644),
  GEN("control/servers", HIER_GEN_SERVERS, 0644),
  GEN("control/users", HIER_GEN_USERS, 0644),
  GEN("control/servers.cdb", HIER_GEN_SERVERSCDB, 0644),
  GEN("control/users.cdb", HIER_GEN_USERSCDB, 0644),
  GEN("control/smtplisten", HIER_GEN_SMTPLISTEN, 0644),
  GEN("control/smtp.cdb", HIER_GEN_SMTPRULES, 0644),

  /* archive/UID: made by im2k-mkarchive */
  DIR_("archive", R, R, 0755),

  DIR_("queue", R, R, 0755),
  /* jobs: written by im2k-archive (egid im2kq), taken by im2k-notifyd */
  DIR_("queue/job", USER_NOTIFYD, USER_QUEUE_GROUP, 0770),
  DIR_("queue/job/tmp", USER_NOTIFYD, USER_QUEUE_GROUP, 0770),
  DIR_("queue/job/new", USER_NOTIFYD, USER_QUEUE_GROUP, 0770),
  DIR_("queue/job/cur", USER_NOTIFYD, USER_QUEUE_GROUP, 0700),
  DIR_("queue/job/bad", USER_NOTIFYD, USER_QUEUE_GROUP, 0700),
  /* confirmations: written by im2k-fetchd, read and removed by notifyd */
  DIR_("queue/confirm", USER_FETCHD, USER_QUEUE_GROUP, 02770),
  DIR_("queue/confirm/tmp", USER_FETCHD, USER_QUEUE_GROUP, 02770),
  DIR_("queue/confirm/new", USER_FETCHD, USER_QUEUE_GROUP, 02770),
  /* status: notifyd's records; searchable, not listable: a sender finds
   * a record only by the name kept in the sender's own archive */
  DIR_("queue/status", USER_NOTIFYD, USER_QUEUE_GROUP, 0711),
  /* anyone may wake im2k-notifyd; a wake-up carries no data */
  {"queue/trigger", HIER_FIFO, USER_NOTIFYD, USER_QUEUE_GROUP, 0622, HIER_GEN_NONE, 0},

  DIR_("service", R, R, 0755),
  SERVICE("im2k-inboxd", USER_INBOXD),
  SERVICE("im2k-fetchd", USER_FETCHD),
  SERVICE("im2k-notifyd", USER_NOTIFYD),
  /* SMTP in: tcpserver as root binds the port, drops to the gateway
   * account (-U) and runs im2k-smtpd per connection */
  SERVICE("im2k-smtpd", USER_SMTPD),
};
const size_t hier_n = sizeof hier / sizeof hier[0];

int hier_uid(int role, uid_t *out)
{
  struct passwd *pw;
  if (role == HIER_ROOT) { *out = 0; return 0; }
  if (role < 0 || role >= USERS_N) { errno = EINVAL; return -1; }
  errno = 0;
  pw = getpwnam(auto_users[role]);
  if (!pw) { if (!errno) errno = ENOENT; return -1; }
  *out = pw->pw_uid;
  return 0;
}

int hier_gid(int role, gid_t *out)
{
  struct group *gr;
  if (role == HIER_ROOT) { *out = 0; return 0; }
  if (role < 0 || role >= USERS_N) { errno = EINVAL; return -1; }
  errno = 0;
  gr = getgrnam(auto_users[role]);
  if (!gr) { if (!errno) errno = ENOENT; return -1; }
  *out = gr->gr_gid;
  return 0;
}

mode_t hier_mode(const struct hier *h, int owners)
{
  if (!owners && h->kind != HIER_DIR) return h->mode & ~(mode_t)06000;
  return h->mode;
}

int hier_parent(int homefd, const char *path, const char **base)
{
  char comp[256];
  const char *p = path, *slash;
  int fd, next;
  fd = fcntl(homefd, F_DUPFD_CLOEXEC, 0);
  if (fd == -1) return -1;
  while ((slash = strchr(p, '/'))) {
    size_t n = (size_t)(slash - p);
    if (n >= sizeof comp) { close(fd); errno = ENAMETOOLONG; return -1; }
    memcpy(comp, p, n);
    comp[n] = 0;
    next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next == -1) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    close(fd);
    fd = next;
    p = slash + 1;
  }
  *base = p;
  return fd;
}

int hier_run(char *out, size_t max, const char *home, const struct hier *h,
             int privileged)
{
  char name[64];
  const char *p, *e;
  int n;
  if (h->kind != HIER_FILE || (h->gen != HIER_GEN_RUN && h->gen != HIER_GEN_LOGRUN) ||
      h->account < 0 || h->account >= USERS_N || strncmp(h->path, "service/", 8)) {
    errno = EINVAL;
    return -1;
  }
  /* the service's name is the program's: service/NAME/... */
  p = h->path + 8;
  e = strchr(p, '/');
  if (!e || e == p || (size_t)(e - p) >= sizeof name) { errno = EINVAL; return -1; }
  memcpy(name, p, (size_t)(e - p));
  name[e - p] = 0;
  if (h->gen == HIER_GEN_RUN && !strcmp(name, "im2k-smtpd"))
    n = snprintf(out, max,
                 "#!/bin/sh\n# started by supervise; tcpserver%s runs im2k-smtpd per connection\n"
                 "exec 2>&1\nread ip port <%s/control/smtplisten || exit 111\n"
                 "exec %s%s%stcpserver %s-H -R -x %s/control/smtp.cdb -c 40 -- \"$ip\" \"$port\" %s/bin/%s\n",
                 privileged ? " drops to $UID/$GID and" : "", home,
                 privileged ? "envuidgid " : "", privileged ? auto_users[h->account] : "",
                 privileged ? " " : "",
                 privileged ? "-U " : "", home, home, name);
  else if (h->gen == HIER_GEN_RUN && privileged)
    n = snprintf(out, max,
                 "#!/bin/sh\n# started by supervise; the daemon drops to $UID/$GID itself\n"
                 "exec 2>&1\nexec envuidgid %s softlimit -o 1024 %s/bin/%s\n",
                 auto_users[h->account], home, name);
  else if (h->gen == HIER_GEN_RUN)
    n = snprintf(out, max, "#!/bin/sh\nexec 2>&1\nexec softlimit -o 1024 %s/bin/%s\n",
                 home, name);
  else if (privileged)
    n = snprintf(out, max, "#!/bin/sh\nexec setuidgid %s multilog t ./main\n",
                 auto_users[h->account]);
  else
    n = snprintf(out, max, "#!/bin/sh\nexec multilog t ./main\n");
  if (n < 0 || (size_t)n >= max) { errno = ENAMETOOLONG; return -1; }
  return 0;
}
