/* t_hier.c: unit tests of lib/hier: the table's own rules (parents
 * first, no duplicates, no file a daemon account owns, no set-id bit but
 * im2k-archive's, nothing writable by others but the trigger fifo, every
 * program of the build listed), the owners and modes the design fixes,
 * hier_mode, the run scripts hier_run writes, and hier_parent refusing
 * symlinks on the way, in a fresh temp dir. */
#include "hier.h"
#include "users.h"
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static const struct hier *find(const char *path)
{
  size_t i;
  for (i = 0; i < hier_n; i++)
    if (!strcmp(hier[i].path, path)) return &hier[i];
  return NULL;
}

static long pos(const char *path)
{
  const struct hier *h = find(path);
  return h ? (long)(h - hier) : -1;
}

static int isuser(int role)
{
  return role == HIER_ROOT || role == USER_NOTIFYD || role == USER_INBOXD ||
         role == USER_FETCHD || role == USER_LOG;
}

static int isgroup(int role)
{
  return role == HIER_ROOT || role == USER_QUEUE_GROUP || role == USER_ARCHIVE_GROUP;
}

static void test_rules(void)
{
  size_t i, j;
  CHECK(hier_n > 0 && !strcmp(hier[0].path, ".") && hier[0].kind == HIER_DIR,
        "the home itself comes first");
  for (i = 0; i < hier_n; i++) {
    const struct hier *h = &hier[i];
    const char *p = h->path, *slash = strrchr(p, '/');
    char dir[256];
    size_t n = strlen(p);
    const struct hier *d;
    CHECK(n > 0 && p[0] != '/' && p[n - 1] != '/' && !strstr(p, "//"), "%s: a plain relative path", p);
    CHECK(i == 0 || (strcmp(p, ".") && strncmp(p, "./", 2) && !strstr(p, "/./") &&
                     !strstr(p, "..")),
          "%s: no . or .. components", p);
    for (j = 0; j < i && strcmp(hier[j].path, p); j++) continue;
    CHECK(j == i, "%s listed once", p);
    if (i > 0) {
      if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
      else snprintf(dir, sizeof dir, ".");
      d = find(dir);
      CHECK(d && d < h && d->kind == HIER_DIR, "%s: its directory %s comes before it", p, dir);
    }
    CHECK((h->mode & ~(mode_t)07777) == 0, "%s: mode %o has only permission bits", p, (unsigned)h->mode);
    CHECK(!(h->mode & 04000), "%s: no setuid bit", p);
    CHECK(!(h->mode & 02000) || h->kind == HIER_DIR || !strcmp(p, "bin/im2k-archive"),
          "%s: setgid only on directories and im2k-archive", p);
    CHECK(!(h->mode & 01000) || h->kind == HIER_DIR, "%s: sticky only on directories", p);
    CHECK(!(h->mode & 0002) || h->kind == HIER_FIFO, "%s: writable by others only if a fifo", p);
    CHECK(isuser(h->owner), "%s: owner is a user role", p);
    CHECK(isgroup(h->group), "%s: group is a group role", p);
    /* a daemon account could change what it owns: files are root's */
    if (h->kind == HIER_PROG || h->kind == HIER_FILE)
      CHECK(h->owner == HIER_ROOT, "%s: a file belongs to root", p);
    CHECK((h->kind == HIER_FILE) == (h->gen != HIER_GEN_NONE), "%s: generated iff a file", p);
    if (h->kind == HIER_PROG) CHECK(!strncmp(p, "bin/", 4) && !strchr(p + 4, '/'), "%s: programs in bin/", p);
    if (h->gen == HIER_GEN_RUN)
      CHECK(h->account == USER_INBOXD || h->account == USER_FETCHD || h->account == USER_NOTIFYD ||
                h->account == USER_SMTPD,
            "%s: the daemon runs as a daemon account", p);
    if (h->gen == HIER_GEN_LOGRUN) CHECK(h->account == USER_LOG, "%s: multilog runs as the log account", p);
  }
  /* im2k-setup makes each generated file from those before it, and
   * im2k-check reads control/me and keys/public before servers.cdb */
  CHECK(pos("keys/secret") >= 0 && pos("keys/secret") < pos("keys/public"), "secret before public");
  CHECK(pos("keys/public") < pos("control/servers"), "public before servers");
  CHECK(pos("control/servers") < pos("control/servers.cdb"), "servers before servers.cdb");
  CHECK(pos("control/me") >= 0 && pos("control/me") < pos("control/servers.cdb"), "me before servers.cdb");
  CHECK(pos("control/users") >= 0 && pos("control/users") < pos("control/users.cdb"), "users before users.cdb");
}

/* what the design fixes (im2k-setup(8), FILES): a change here is a
 * change of the design */
struct pin_row {
  const char *path;
  enum hier_kind kind;
  int owner, group;
  mode_t mode;
};

static const struct pin_row pins[] = {
  {".", HIER_DIR, HIER_ROOT, HIER_ROOT, 0755},
  {"bin", HIER_DIR, HIER_ROOT, HIER_ROOT, 0755},
  {"bin/im2k-archive", HIER_PROG, HIER_ROOT, USER_QUEUE_GROUP, 02755},
  {"bin/im2k-inject", HIER_PROG, HIER_ROOT, HIER_ROOT, 0755},
  {"bin/im2k-check", HIER_PROG, HIER_ROOT, HIER_ROOT, 0755},
  {"keys", HIER_DIR, HIER_ROOT, HIER_ROOT, 0700},
  {"keys/secret", HIER_FILE, HIER_ROOT, HIER_ROOT, 0600},
  {"keys/token", HIER_FILE, HIER_ROOT, HIER_ROOT, 0600},
  {"keys/public", HIER_FILE, HIER_ROOT, HIER_ROOT, 0644},
  {"control", HIER_DIR, HIER_ROOT, HIER_ROOT, 0755},
  {"control/servers.cdb", HIER_FILE, HIER_ROOT, HIER_ROOT, 0644},
  {"archive", HIER_DIR, HIER_ROOT, HIER_ROOT, 0755},
  {"queue", HIER_DIR, HIER_ROOT, HIER_ROOT, 0755},
  {"queue/job", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0770},
  {"queue/job/tmp", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0770},
  {"queue/job/new", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0770},
  {"queue/job/cur", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0700},
  {"queue/job/bad", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0700},
  {"queue/confirm", HIER_DIR, USER_FETCHD, USER_QUEUE_GROUP, 02770},
  {"queue/confirm/tmp", HIER_DIR, USER_FETCHD, USER_QUEUE_GROUP, 02770},
  {"queue/confirm/new", HIER_DIR, USER_FETCHD, USER_QUEUE_GROUP, 02770},
  {"queue/status", HIER_DIR, USER_NOTIFYD, USER_QUEUE_GROUP, 0711},
  {"queue/trigger", HIER_FIFO, USER_NOTIFYD, USER_QUEUE_GROUP, 0622},
  {"service/im2k-inboxd", HIER_DIR, HIER_ROOT, HIER_ROOT, 01755},
  {"service/im2k-fetchd/run", HIER_FILE, HIER_ROOT, HIER_ROOT, 0755},
  {"service/im2k-notifyd/log/main", HIER_DIR, USER_LOG, HIER_ROOT, 0750},
  {"service/im2k-notifyd/log/run", HIER_FILE, HIER_ROOT, HIER_ROOT, 0755},
};

static void test_pins(void)
{
  size_t i;
  for (i = 0; i < sizeof pins / sizeof pins[0]; i++) {
    const struct pin_row *t = &pins[i];
    const struct hier *h = find(t->path);
    CHECK(h != NULL, "%s is in the table", t->path);
    if (!h) continue;
    CHECK(h->kind == t->kind && h->owner == t->owner && h->group == t->group && h->mode == t->mode,
          "%s: kind %d owner %d group %d mode %o", t->path, (int)h->kind, h->owner, h->group,
          (unsigned)h->mode);
  }
}

/* every program the build makes is installed, and only those: the
 * programs are in ../bin beside this test's directory */
static void test_progs(void)
{
  char self[PATH_MAX], bin[PATH_MAX + 8], path[300];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  char *slash;
  size_t i, nprog = 0;
  DIR *d;
  struct dirent *de;
  if (n <= 0) { CHECK(0, "readlink /proc/self/exe"); return; }
  self[n] = 0;
  slash = strrchr(self, '/');
  if (!slash) { CHECK(0, "no directory in %s", self); return; }
  *slash = 0;
  snprintf(bin, sizeof bin, "%s/../bin", self);
  d = opendir(bin);
  if (!d) { CHECK(0, "open %s: %s", bin, strerror(errno)); return; }
  while ((de = readdir(d))) {
    const struct hier *h;
    if (de->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "bin/%s", de->d_name);
    h = find(path);
    CHECK(h && h->kind == HIER_PROG, "the build's %s is installed", de->d_name);
  }
  closedir(d);
  for (i = 0; i < hier_n; i++) {
    struct stat st;
    char p[PATH_MAX + 80];
    if (hier[i].kind != HIER_PROG) continue;
    nprog++;
    snprintf(p, sizeof p, "%s/%s", bin, hier[i].path + 4);
    CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode), "%s is built", hier[i].path);
  }
  CHECK(nprog == 15, "15 programs, not %zu", nprog);
}

struct mode_row {
  const char *path;
  int owners;
  mode_t want;
};

static const struct mode_row modes[] = {
  {"bin/im2k-archive", 1, 02755},
  {"bin/im2k-archive", 0, 0755},  /* setgid means nothing without im2kq */
  {"bin/im2k-inject", 0, 0755},
  {"queue/confirm", 0, 02770},    /* directories keep theirs */
  {"service/im2k-inboxd", 0, 01755},
  {"keys/secret", 0, 0600},
  {"queue/trigger", 0, 0622},
  {"queue/trigger", 1, 0622},
};

static void test_mode(void)
{
  size_t i;
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    const struct hier *h = find(modes[i].path);
    mode_t m;
    if (!CHECK(h != NULL, "%s is in the table", modes[i].path)) continue;
    m = hier_mode(h, modes[i].owners);
    CHECK(m == modes[i].want, "hier_mode %s owners=%d: %o, want %o", modes[i].path,
          modes[i].owners, (unsigned)m, (unsigned)modes[i].want);
  }
}

struct run_row {
  const char *path;
  const char *home;
  int privileged;
  const char *want;  /* NULL: refused with EINVAL */
};

static const struct run_row runs[] = {
  {"service/im2k-inboxd/run", "/var/im2k", 1,
   "#!/bin/sh\n# started by supervise; the daemon drops to $UID/$GID itself\n"
   "exec 2>&1\nexec envuidgid im2ki softlimit -o 1024 /var/im2k/bin/im2k-inboxd\n"},
  {"service/im2k-fetchd/run", "/var/im2k", 1,
   "#!/bin/sh\n# started by supervise; the daemon drops to $UID/$GID itself\n"
   "exec 2>&1\nexec envuidgid im2kf softlimit -o 1024 /var/im2k/bin/im2k-fetchd\n"},
  {"service/im2k-notifyd/run", "/srv/mail/im2k", 1,
   "#!/bin/sh\n# started by supervise; the daemon drops to $UID/$GID itself\n"
   "exec 2>&1\nexec envuidgid im2kn softlimit -o 1024 /srv/mail/im2k/bin/im2k-notifyd\n"},
  {"service/im2k-notifyd/run", "/tmp/t/a", 0,
   "#!/bin/sh\nexec 2>&1\nexec softlimit -o 1024 /tmp/t/a/bin/im2k-notifyd\n"},
  {"service/im2k-smtpd/run", "/var/im2k", 1,
   "#!/bin/sh\n# started by supervise; tcpserver drops to $UID/$GID and runs im2k-smtpd per connection\n"
   "exec 2>&1\nread ip port </var/im2k/control/smtplisten || exit 111\n"
   "exec envuidgid im2ks tcpserver -U -H -R -x /var/im2k/control/smtp.cdb -c 40 -- \"$ip\" \"$port\" /var/im2k/bin/im2k-smtpd\n"},
  {"service/im2k-smtpd/run", "/tmp/t/a", 0,
   "#!/bin/sh\n# started by supervise; tcpserver runs im2k-smtpd per connection\n"
   "exec 2>&1\nread ip port </tmp/t/a/control/smtplisten || exit 111\n"
   "exec tcpserver -H -R -x /tmp/t/a/control/smtp.cdb -c 40 -- \"$ip\" \"$port\" /tmp/t/a/bin/im2k-smtpd\n"},
  {"service/im2k-inboxd/log/run", "/var/im2k", 1, "#!/bin/sh\nexec setuidgid im2kl multilog t ./main\n"},
  {"service/im2k-inboxd/log/run", "/var/im2k", 0, "#!/bin/sh\nexec multilog t ./main\n"},
  {"keys/secret", "/var/im2k", 1, NULL},
  {"service/im2k-inboxd", "/var/im2k", 1, NULL},
  {"bin/im2k-inject", "/var/im2k", 1, NULL},
};

static void test_run(void)
{
  size_t i;
  char out[1024];
  const struct hier *h;
  for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    const struct run_row *t = &runs[i];
    int r;
    h = find(t->path);
    if (!CHECK(h != NULL, "%s is in the table", t->path)) continue;
    errno = 0;
    r = hier_run(out, sizeof out, t->home, h, t->privileged);
    if (t->want)
      CHECK(r == 0 && !strcmp(out, t->want), "hier_run row %zu (%s): %s", i, t->path, r ? "-1" : out);
    else
      CHECK(r == -1 && errno == EINVAL, "hier_run row %zu (%s) refused: %d errno %d", i, t->path, r, errno);
  }
  /* a buffer one byte short of the script and its NUL */
  h = find("service/im2k-inboxd/log/run");
  if (h) {
    size_t n = strlen("#!/bin/sh\nexec multilog t ./main\n");
    errno = 0;
    CHECK(hier_run(out, n, "/x", h, 0) == -1 && errno == ENAMETOOLONG, "hier_run: short buffer");
    CHECK(hier_run(out, n + 1, "/x", h, 0) == 0, "hier_run: exact buffer");
  }
}

struct parent_row {
  const char *path;
  const char *dir;   /* the parent expected, relative to the temp dir; NULL: refused */
  const char *base;
  int err1, err2;    /* the errno expected (either) */
};

static const struct parent_row parents[] = {
  {".", ".", ".", 0, 0},
  {"x", ".", "x", 0, 0},
  {"a/b", "a", "b", 0, 0},
  {"a/b/c", "a/b", "c", 0, 0},
  {"a/b/c/missing", "a/b/c", "missing", 0, 0},
  {"a/lb/c", NULL, NULL, ELOOP, ENOTDIR},  /* a/lb -> b */
  {"la/b/c", NULL, NULL, ELOOP, ENOTDIR},  /* la -> a */
  {"labs/x", NULL, NULL, ELOOP, ENOTDIR},  /* labs -> / */
  {"f/x", NULL, NULL, ENOTDIR, ENOTDIR},
  {"missing/x", NULL, NULL, ENOENT, ENOENT},
};

static void test_parent(int dfd)
{
  size_t i;
  char longp[600];
  const char *base;
  int fd;
  if (mkdirat(dfd, "a", 0755) == -1 || mkdirat(dfd, "a/b", 0755) == -1 ||
      mkdirat(dfd, "a/b/c", 0755) == -1 || symlinkat("b", dfd, "a/lb") == -1 ||
      symlinkat("a", dfd, "la") == -1 || symlinkat("/", dfd, "labs") == -1 ||
      unit_write(dfd, "f", "x", 1, 0644) == -1)
    unit_fatal("t_hier", "make the parent tree");
  for (i = 0; i < sizeof parents / sizeof parents[0]; i++) {
    const struct parent_row *t = &parents[i];
    errno = 0;
    base = NULL;
    fd = hier_parent(dfd, t->path, &base);
    if (t->dir) {
      struct stat a, b;
      CHECK(fd >= 0 && base && !strcmp(base, t->base), "hier_parent %s: base %s", t->path,
            base ? base : "(none)");
      CHECK(fd >= 0 && fstat(fd, &a) == 0 && fstatat(dfd, t->dir, &b, 0) == 0 &&
                a.st_ino == b.st_ino && a.st_dev == b.st_dev,
            "hier_parent %s: the directory %s", t->path, t->dir);
      CHECK(fd != dfd, "hier_parent %s: a descriptor of its own", t->path);
    } else {
      CHECK(fd == -1 && (errno == t->err1 || errno == t->err2), "hier_parent %s refused: %d errno %d",
            t->path, fd, errno);
    }
    if (fd >= 0) close(fd);
  }
  memset(longp, 'n', 300);
  memcpy(longp + 300, "/x", 3);
  errno = 0;
  CHECK(hier_parent(dfd, longp, &base) == -1 && errno == ENAMETOOLONG, "hier_parent: a long component");
}

static void test_ids(void)
{
  uid_t u = 1;
  gid_t g = 1;
  CHECK(hier_uid(HIER_ROOT, &u) == 0 && u == 0, "hier_uid root");
  CHECK(hier_gid(HIER_ROOT, &g) == 0 && g == 0, "hier_gid root");
  errno = 0;
  CHECK(hier_uid(USERS_N, &u) == -1 && errno == EINVAL, "hier_uid out of range");
  errno = 0;
  CHECK(hier_gid(-2, &g) == -1 && errno == EINVAL, "hier_gid out of range");
}

int main(void)
{
  char dir[64];
  int dfd;
  umask(022);
  test_rules();
  test_pins();
  test_progs();
  test_mode();
  test_run();
  test_ids();
  if (unit_tmpdir(dir) == -1) unit_fatal("t_hier", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_hier", "open temp dir");
  test_parent(dfd);
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_hier");
}
