/* im2k-setup: lay out an im2k home for one mail domain: bin/ (copies of
 * the programs beside this one), control/, keys/, archive/, queue/ and
 * the daemontools service directories, with the owners and modes the
 * design gives them.  Run by root (as an unprivileged user it makes a
 * single-account home for tests).  Running it again keeps keys and
 * control files and refreshes programs and run scripts.
 * SECURITY: creates keys readable by root only; resolves account names
 * from conf-users at run time; never follows a symlink it did not make. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "file.h"
#include "hex.h"
#include "home.h"
#include "keys.h"
#include "servers.h"
#include "users.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const progs[] = {
  "im2k-inject", "im2k-archive", "im2k-status", "im2k-setup", "im2k-mkarchive",
  "im2k-notifyd", "im2k-inboxd", "im2k-servers", "im2k-users", "im2k-fetchd",
  "im2k-pickup", "im2k-keygen", NULL};

static int root;
static uid_t uid_n, uid_i, uid_f, uid_l;
static gid_t gid_q, gid_r;
static const char *home;
static int hfd;

static void mk(const char *path, uid_t u, gid_t g, mode_t mode)
{
  int fd;
  if (mkdirat(hfd, path, 0700) == -1 && errno != EEXIST)
    die_sys(EXIT_TEMP, "unable to create %s/%s", home, path);
  /* the directory itself, never what a symlink put in its place (by a
   * daemon account that owns the parent) points to */
  fd = openat(hfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s/%s (not a directory?)", home, path);
  if (root && fchown(fd, u, g) == -1) die_sys(EXIT_TEMP, "unable to chown %s/%s", home, path);
  if (fchmod(fd, mode) == -1) die_sys(EXIT_TEMP, "unable to chmod %s/%s", home, path);
  close(fd);
}

static void put(const char *path, const void *data, size_t n, uid_t u, gid_t g,
                mode_t mode)
{
  char dir[256], *slash;
  int dfd;
  snprintf(dir, sizeof dir, "%s", path);
  slash = strrchr(dir, '/');
  if (!slash) die(EXIT_TEMP, "internal error: %s", path);
  *slash = 0;
  dfd = openat(hfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) die_sys(EXIT_TEMP, "unable to open %s/%s", home, dir);
  if (file_put_atomic(dfd, slash + 1, data, n, mode) == -1)
    die_sys(EXIT_TEMP, "unable to write %s/%s", home, path);
  if (root && fchownat(dfd, slash + 1, u, g, AT_SYMLINK_NOFOLLOW) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s/%s", home, path);
  if (fchmodat(dfd, slash + 1, mode, 0) == -1)
    die_sys(EXIT_TEMP, "unable to chmod %s/%s", home, path);
  close(dfd);
}

static int exists(const char *path)
{
  struct stat st;
  return fstatat(hfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void copyprog(const char *bindir, const char *name)
{
  char src[HOME_MAX + 64], dst[64];
  unsigned char *p;
  size_t n;
  int fd;
  mode_t mode = 0755;
  gid_t g = 0;
  snprintf(src, sizeof src, "%s/%s", bindir, name);
  fd = open(src, O_RDONLY | O_CLOEXEC);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s", src);
  if (file_read_fd(fd, 256 << 20, &p, &n) == -1) die_sys(EXIT_TEMP, "unable to read %s", src);
  close(fd);
  /* im2k-archive's one privilege: the queue group */
  if (!strcmp(name, "im2k-archive")) { mode = root ? 02755 : 0755; g = gid_q; }
  snprintf(dst, sizeof dst, "bin/%s", name);
  put(dst, p, n, 0, g, mode);
  free(p);
}

static void service(const char *name, const char *account)
{
  char path[256], run[1024];
  snprintf(path, sizeof path, "service/%s", name);
  mk(path, 0, 0, 01755);
  if (root)
    snprintf(run, sizeof run,
             "#!/bin/sh\n# started by supervise; the daemon drops to $UID/$GID itself\n"
             "exec 2>&1\nexec envuidgid %s softlimit -o 1024 %s/bin/%s\n",
             account, home, name);
  else
    snprintf(run, sizeof run, "#!/bin/sh\nexec 2>&1\nexec softlimit -o 1024 %s/bin/%s\n",
             home, name);
  snprintf(path, sizeof path, "service/%s/run", name);
  put(path, run, strlen(run), 0, 0, 0755);
  snprintf(path, sizeof path, "service/%s/log", name);
  mk(path, 0, 0, 0755);
  snprintf(path, sizeof path, "service/%s/log/main", name);
  mk(path, uid_l, 0, 0750);
  if (root)
    snprintf(run, sizeof run, "#!/bin/sh\nexec setuidgid %s multilog t ./main\n",
             auto_users[USER_LOG]);
  else
    snprintf(run, sizeof run, "#!/bin/sh\nexec multilog t ./main\n");
  snprintf(path, sizeof path, "service/%s/log/run", name);
  put(path, run, strlen(run), 0, 0, 0755);
}

static uid_t user(int i)
{
  struct passwd *pw = getpwnam(auto_users[i]);
  if (!pw) die(EXIT_TEMP, "no account %s: create the accounts named in conf-users first", auto_users[i]);
  return pw->pw_uid;
}

static gid_t group(int i)
{
  struct group *gr = getgrnam(auto_users[i]);
  if (!gr) die(EXIT_TEMP, "no group %s: create the groups named in conf-users first", auto_users[i]);
  return gr->gr_gid;
}

int main(int argc, char **argv)
{
  char bindir[HOME_MAX], line[512], pkhex[65];
  unsigned char pk[32];
  const char *domain, *ip, *inport = "2000", *fetchport = "2001";
  struct server sv;
  unsigned long bad;
  int fd;

  die_prog = "im2k-setup";
  if (argc < 4 || argc > 6)
    die(EXIT_PERM, "usage: im2k-setup HOME DOMAIN IPV4 [INBOXPORT [FETCHPORT]]");
  home = argv[1];
  domain = argv[2];
  ip = argv[3];
  if (argc > 4) inport = argv[4];
  if (argc > 5) fetchport = argv[5];
  if (home[0] != '/') die(EXIT_PERM, "HOME must be an absolute path: %s", home);
  if (!domain_check(domain, strlen(domain))) die(EXIT_PERM, "bad domain: %s", domain);
  snprintf(line, sizeof line, "%s:%s:%s:0000000000000000000000000000000000000000000000000000000000000000",
           ip, inport, fetchport);
  if (server_parse(line, strlen(line), &sv) == -1)
    die(EXIT_PERM, "bad address or ports: %s %s %s", ip, inport, fetchport);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");

  root = geteuid() == 0;
  if (root) {
    gid_q = group(USER_QUEUE_GROUP);
    gid_r = group(USER_ARCHIVE_GROUP);
    uid_n = user(USER_NOTIFYD);
    uid_i = user(USER_INBOXD);
    uid_f = user(USER_FETCHD);
    uid_l = user(USER_LOG);
  }
  umask(022);
  if (mkdir(home, 0755) == -1 && errno != EEXIST) die_sys(EXIT_TEMP, "unable to create %s", home);
  hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open %s", home);
  if (root && fchown(hfd, 0, 0) == -1) die_sys(EXIT_TEMP, "unable to chown %s", home);
  if (fchmod(hfd, 0755) == -1) die_sys(EXIT_TEMP, "unable to chmod %s", home);

  mk("bin", 0, 0, 0755);
  mk("control", 0, 0, 0755);
  mk("keys", 0, 0, 0700);
  mk("archive", 0, 0, 0755);
  mk("queue", 0, 0, 0755);
  /* jobs: written by im2k-archive (egid im2kq), taken by im2k-notifyd */
  mk("queue/job", uid_n, gid_q, 0770);
  mk("queue/job/tmp", uid_n, gid_q, 0770);
  mk("queue/job/new", uid_n, gid_q, 0770);
  mk("queue/job/cur", uid_n, gid_q, 0700);
  mk("queue/job/bad", uid_n, gid_q, 0700);
  /* confirmations: written by im2k-fetchd, read and removed by notifyd */
  mk("queue/confirm", uid_f, gid_q, 02770);
  mk("queue/confirm/tmp", uid_f, gid_q, 02770);
  mk("queue/confirm/new", uid_f, gid_q, 02770);
  /* status: notifyd's records; searchable, not listable: a sender finds
   * a record only by the name kept in the sender's own archive */
  mk("queue/status", uid_n, gid_q, 0711);
  if (!exists("queue/trigger")) {
    if (mkfifoat(hfd, "queue/trigger", 0622) == -1) die_sys(EXIT_TEMP, "unable to create %s/queue/trigger", home);
  }
  if (root && fchownat(hfd, "queue/trigger", uid_n, gid_q, AT_SYMLINK_NOFOLLOW) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s/queue/trigger", home);
  if (fchmodat(hfd, "queue/trigger", 0622, 0) == -1)
    die_sys(EXIT_TEMP, "unable to chmod %s/queue/trigger", home);
  mk("service", 0, 0, 0755);

  for (fd = 0; progs[fd]; fd++) copyprog(bindir, progs[fd]);

  fd = openat(hfd, "keys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s/keys", home);
  if (!exists("keys/secret") && keys_create(fd, "secret", "public", pk) == -1)
    die_sys(EXIT_TEMP, "unable to create %s/keys/secret", home);
  if (!exists("keys/token") && keys_create_random(fd, "token", 32) == -1)
    die_sys(EXIT_TEMP, "unable to create %s/keys/token", home);
  if (keys_read_hex(fd, "public", pk) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/public", home);
  close(fd);
  hex_encode(pkhex, pk, 32);

  if (!exists("control/me")) {
    snprintf(line, sizeof line, "%s\n", domain);
    put("control/me", line, strlen(line), 0, 0, 0644);
  }
  if (!exists("control/servers")) {
    snprintf(line, sizeof line, "# DOMAIN:IPV4:INBOXPORT:FETCHPORT:PUBLICKEY\n%s:%s:%s:%s:%s\n",
             domain, ip, inport, fetchport, pkhex);
    put("control/servers", line, strlen(line), 0, 0, 0644);
  }
  if (!exists("control/users")) {
    static const char u[] = "# NAME:PUBLICKEY (the key the user's im2k-pickup uses)\n";
    put("control/users", u, sizeof u - 1, 0, 0, 0644);
  }
  if (ctl_compile(hfd, "control/servers", "control/servers.cdb", servers_row, &bad) == -1)
    die(bad ? EXIT_PERM : EXIT_TEMP, "unable to compile %s/control/servers (line %lu)", home, bad);
  if (ctl_compile(hfd, "control/users", "control/users.cdb", users_row, &bad) == -1)
    die(bad ? EXIT_PERM : EXIT_TEMP, "unable to compile %s/control/users (line %lu)", home, bad);
  service("im2k-inboxd", auto_users[USER_INBOXD]);
  service("im2k-fetchd", auto_users[USER_FETCHD]);
  service("im2k-notifyd", auto_users[USER_NOTIFYD]);
  printf("%s:%s:%s:%s:%s\n", domain, ip, inport, fetchport, pkhex);
  return 0;
}
