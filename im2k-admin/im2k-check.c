/* im2k-check: check an installed im2k home against the table in
 * lib/hier.c, the one im2k-setup lays homes out from; one line per
 * problem on standard output.  A separate program, as djbdns's instcheck
 * is, so that checking can never change the tree it checks.
 * SECURITY: read-only; trusts nothing in the home: follows no symlink
 * under it, never waits on a fifo, bounds every read; reads keys/secret
 * only to compare it with keys/public, and wipes it. */
#include "ctl.h"
#include "die.h"
#include "file.h"
#include "hier.h"
#include "home.h"
#include "keys.h"
#include "servers.h"
#include "table.h"
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <grp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE "usage: im2k-check [-d DESTDIR] HOME"

static char home[HOME_MAX];   /* what is checked: DESTDIR/HOME */
static const char *runhome;   /* HOME as the daemons see it */
static char bindir[HOME_MAX];
static int hfd, bfd;
static int owners;      /* check owners against the table (root) */
static int staged;      /* -d: im2k-setup set no owners, check none */
static int privileged;  /* expect the run scripts of a root-run home */
static unsigned long problems;
static int noaccount[USERS_N];
static char me[256];
static int me_ok;
static unsigned char pk[crypto_box_PUBLICKEYBYTES];
static int pk_ok;

static const char *where(const char *path)
{
  static char buf[HOME_MAX + 300];
  if (!strcmp(path, ".")) return home;
  snprintf(buf, sizeof buf, "%s/%s", home, path);
  return buf;
}

__attribute__((format(printf, 2, 3))) static void problem(const char *path, const char *fmt, ...)
{
  va_list ap;
  printf("im2k-check: %s: ", where(path));
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  problems++;
}

static const char *kindname(mode_t m)
{
  switch (m & S_IFMT) {
  case S_IFDIR: return "directory";
  case S_IFREG: return "file";
  case S_IFIFO: return "fifo";
  case S_IFLNK: return "symbolic link";
  case S_IFSOCK: return "socket";
  case S_IFCHR: return "character device";
  case S_IFBLK: return "block device";
  }
  return "unknown file type";
}

static mode_t wanttype(const struct hier *h)
{
  return h->kind == HIER_DIR ? S_IFDIR : h->kind == HIER_FIFO ? S_IFIFO : S_IFREG;
}

static void uname_of(uid_t u, char *out, size_t max)
{
  struct passwd *pw = getpwuid(u);
  if (pw) snprintf(out, max, "%s", pw->pw_name);
  else snprintf(out, max, "%lu", (unsigned long)u);
}

static void gname_of(gid_t g, char *out, size_t max)
{
  struct group *gr = getgrgid(g);
  if (gr) snprintf(out, max, "%s", gr->gr_name);
  else snprintf(out, max, "%lu", (unsigned long)g);
}

static void noaccount_once(int role)
{
  if (role < 0 || role >= USERS_N || noaccount[role]) return;
  noaccount[role] = 1;
  printf("im2k-check: account %s: missing (create the accounts named in conf-users)\n",
         auto_users[role]);
  problems++;
}

static void check_owner(const struct hier *h, const struct stat *st)
{
  char got[64], want[64];
  uid_t u;
  gid_t g;
  if (staged) return;
  if (!owners) {
    /* a single-account home: everything is the installer's; the group
     * is whatever the system gave */
    if (st->st_uid != geteuid()) {
      uname_of(st->st_uid, got, sizeof got);
      uname_of(geteuid(), want, sizeof want);
      problem(h->path, "owner %s, want %s", got, want);
    }
    return;
  }
  if (hier_uid(h->owner, &u) == -1) noaccount_once(h->owner);
  else if (st->st_uid != u) {
    uname_of(st->st_uid, got, sizeof got);
    problem(h->path, "owner %s, want %s", got, h->owner == HIER_ROOT ? "root" : auto_users[h->owner]);
  }
  if (hier_gid(h->group, &g) == -1) noaccount_once(h->group);
  else if (st->st_gid != g) {
    gname_of(st->st_gid, got, sizeof got);
    gname_of(g, want, sizeof want);
    problem(h->path, "group %s, want %s", got, h->group == HIER_ROOT ? want : auto_users[h->group]);
  }
}

static void check_prog(const struct hier *h, int pfd, const char *base)
{
  unsigned char *a, *b;
  size_t an, bn;
  if (file_read(bfd, base, 256 << 20, &a, &an) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/%s", bindir, base);
  if (file_read(pfd, base, 256 << 20, &b, &bn) == -1) {
    problem(h->path, "unable to read: %s", strerror(errno));
    free(a);
    return;
  }
  if (an != bn || memcmp(a, b, an)) problem(h->path, "differs from %s/%s", bindir, base);
  free(a);
  free(b);
}

static void check_servers(const struct hier *h, int pfd, const char *base)
{
  struct table t;
  struct server sv;
  int r;
  if (table_open(&t, pfd, base) == -1) {
    if (errno == EINVAL) problem(h->path, "not a cdb file");
    else problem(h->path, "unable to open: %s", strerror(errno));
    return;
  }
  if (me_ok) {
    r = servers_lookup(&t, me, &sv);
    if (r == 0) problem(h->path, "no entry for %s (control/me)", me);
    else if (r == -1) problem(h->path, "damaged entry for %s: %s", me, strerror(errno));
    else if (pk_ok && sodium_memcmp(sv.pk, pk, sizeof pk) != 0)
      problem(h->path, "the entry for %s does not hold keys/public", me);
  }
  table_close(&t);
}

static void check_users(const struct hier *h, int pfd, const char *base)
{
  struct table t;
  char v[256];
  if (table_open(&t, pfd, base) == -1) {
    if (errno == EINVAL) problem(h->path, "not a cdb file");
    else problem(h->path, "unable to open: %s", strerror(errno));
    return;
  }
  /* a lookup walks the hash tables: a damaged file shows */
  if (table_get(&t, "im2k-check", 10, v, sizeof v, NULL) == -1 && errno == EIO)
    problem(h->path, "damaged cdb file");
  table_close(&t);
}

static void check_run(const struct hier *h, int pfd, const char *base)
{
  char want[1024];
  unsigned char *p;
  size_t n;
  if (hier_run(want, sizeof want, runhome, h, privileged) == -1)
    die_sys(EXIT_TEMP, "unable to make the run script for %s", h->path);
  if (file_read(pfd, base, 4096, &p, &n) == -1) {
    problem(h->path, "unable to read: %s", strerror(errno));
    return;
  }
  if (n != strlen(want) || memcmp(p, want, n))
    problem(h->path, "not the run script im2k-setup writes");
  free(p);
}

static void check_content(const struct hier *h, int pfd, const char *base, const struct stat *st)
{
  unsigned char sk[crypto_box_SECRETKEYBYTES], derived[crypto_box_PUBLICKEYBYTES];
  if (h->kind == HIER_PROG) {
    check_prog(h, pfd, base);
    return;
  }
  switch (h->gen) {
  case HIER_GEN_NONE:
    break;
  case HIER_GEN_SECRET:
  case HIER_GEN_TOKEN:
    if (st->st_size != 32) problem(h->path, "size %lld, want 32", (long long)st->st_size);
    break;
  case HIER_GEN_PUBLIC:
    if (keys_read_hex(pfd, base, pk) == -1) {
      problem(h->path, "not a public key (64 hexadecimal digits)");
      break;
    }
    pk_ok = 1;
    if (keys_read(pfd, "secret", sk, sizeof sk) == -1) break; /* reported with keys/secret */
    if (crypto_scalarmult_base(derived, sk) != 0 || sodium_memcmp(derived, pk, sizeof pk) != 0)
      problem(h->path, "does not match keys/secret");
    sodium_memzero(sk, sizeof sk);
    break;
  case HIER_GEN_ME:
    if (ctl_me(hfd, me) == -1) problem(h->path, "not a domain name: %s", strerror(errno));
    else me_ok = 1;
    break;
  case HIER_GEN_SERVERS:
  case HIER_GEN_USERS:
  case HIER_GEN_SMTPLISTEN:
    break;
  case HIER_GEN_SMTPRULES: {
    struct table t;
    if (table_open(&t, pfd, base) == -1) problem(h->path, "not a cdb file (make it with tcprules)");
    else table_close(&t);
    break;
  }
  case HIER_GEN_SERVERSCDB:
    check_servers(h, pfd, base);
    break;
  case HIER_GEN_USERSCDB:
    check_users(h, pfd, base);
    break;
  case HIER_GEN_RUN:
  case HIER_GEN_LOGRUN:
    check_run(h, pfd, base);
    break;
  }
}

/* under: is path below the directory d? */
static int under(const char *path, const char *d)
{
  size_t n = strlen(d);
  return !strcmp(d, ".") || (!strncmp(path, d, n) && path[n] == '/');
}

int main(int argc, char **argv)
{
  const char *destdir = NULL, *base;
  const char **gone;   /* directories found missing or not directories */
  size_t i, j, ngone = 0;
  struct stat st;
  int opt, pfd;

  die_prog = "im2k-check";
  while ((opt = getopt(argc, argv, "d:")) != -1) {
    if (opt != 'd') die(EXIT_PERM, USAGE);
    destdir = optarg;
  }
  argc -= optind;
  argv += optind;
  if (argc != 1) die(EXIT_PERM, USAGE);
  runhome = argv[0];
  if (runhome[0] != '/') die(EXIT_PERM, "HOME must be an absolute path: %s", runhome);
  if (destdir && destdir[0] != '/') die(EXIT_PERM, "DESTDIR must be an absolute path: %s", destdir);
  if (strlen(runhome) + (destdir ? strlen(destdir) : 0) >= sizeof home)
    die(EXIT_PERM, "HOME too long: %s", runhome);
  snprintf(home, sizeof home, "%s%s", destdir ? destdir : "", runhome);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");
  bfd = open(bindir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bfd == -1) die_sys(EXIT_TEMP, "unable to open %s", bindir);
  /* the same rules as im2k-setup's */
  staged = destdir != NULL;
  owners = geteuid() == 0 && !destdir;
  privileged = geteuid() == 0 || destdir;
  gone = calloc(hier_n, sizeof *gone);
  if (!gone) die_nomem();

  hfd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (hfd == -1) {
    if (lstat(home, &st) == -1 && errno == ENOENT) problem(".", "missing");
    else if (lstat(home, &st) == -1) problem(".", "unable to stat: %s", strerror(errno));
    else problem(".", "%s, want directory", kindname(st.st_mode));
    hfd = -1;
  }

  for (i = 0; hfd != -1 && i < hier_n; i++) {
    const struct hier *h = &hier[i];
    for (j = 0; j < ngone; j++)
      if (under(h->path, gone[j])) break;
    if (j < ngone) continue; /* its directory was reported */
    pfd = hier_parent(hfd, h->path, &base);
    if (pfd == -1) {
      problem(h->path, "unable to reach: %s", strerror(errno));
      continue;
    }
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
      if (errno == ENOENT) problem(h->path, "missing");
      else problem(h->path, "unable to stat: %s", strerror(errno));
      gone[ngone++] = h->path;
      close(pfd);
      continue;
    }
    if ((st.st_mode & S_IFMT) != wanttype(h)) {
      problem(h->path, "%s, want %s", kindname(st.st_mode), kindname(wanttype(h)));
      gone[ngone++] = h->path;
      close(pfd);
      continue;
    }
    check_owner(h, &st);
    if ((st.st_mode & 07777) != hier_mode(h, owners))
      problem(h->path, "mode %04o, want %04o", (unsigned)(st.st_mode & 07777),
              (unsigned)hier_mode(h, owners));
    if (h->kind != HIER_DIR && h->kind != HIER_FIFO) check_content(h, pfd, base, &st);
    close(pfd);
  }

  free(gone);
  if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, "unable to write to standard output");
  return problems ? EXIT_PERM : EXIT_OK;
}
