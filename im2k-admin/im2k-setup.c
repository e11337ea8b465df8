/* im2k-setup: lay out an im2k home for one mail domain from the table in
 * lib/hier.c: bin/ (copies of the programs beside this one), control/,
 * keys/, archive/, queue/ and the daemontools service directories, with
 * the owners and modes the table gives them.  Run by root (as an
 * unprivileged user it makes a single-account home for tests; with -d
 * it stages a home under DESTDIR and sets no owners).  Running it again
 * keeps keys and control files, refreshes programs and run scripts and
 * repairs owners and modes.
 * SECURITY: creates keys readable by root only; resolves account names
 * from conf-users at run time; never follows a symlink under the home
 * (each path is walked with O_NOFOLLOW, each owner and mode set through
 * a descriptor), so a daemon account that owns a directory cannot make
 * it change anything outside the home. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "file.h"
#include "hex.h"
#include "hier.h"
#include "home.h"
#include "keys.h"
#include "servers.h"
#include "table.h"
#include "token.h"
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int owners;      /* set owners: root, not staging */
static int privileged;  /* run scripts for a root-run home */
static uid_t uids[USERS_N];
static gid_t gids[USERS_N];
static char home[HOME_MAX];   /* where the files go: DESTDIR/HOME */
static const char *runhome;   /* HOME as the daemons will see it */
static const char *domain, *ip, *inport = "2000", *fetchport = "2001";
static char bindir[HOME_MAX];
static int hfd;

static uid_t uid_of(int role) { return role == HIER_ROOT ? 0 : uids[role]; }
static gid_t gid_of(int role) { return role == HIER_ROOT ? 0 : gids[role]; }

static const char *where(const char *path)
{
  static char buf[HOME_MAX + 300];
  if (!strcmp(path, ".")) return home;
  snprintf(buf, sizeof buf, "%s/%s", home, path);
  return buf;
}

static int parent(const struct hier *h, const char **base)
{
  int fd = hier_parent(hfd, h->path, base);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open the directory of %s", where(h->path));
  return fd;
}

/* fix: the entry's owner and mode, set through a descriptor for the
 * entry itself, opened without following a symlink and checked to be of
 * the table's kind (O_NONBLOCK: opening a fifo must not wait) */
static void fix(const struct hier *h, int pfd, const char *base)
{
  struct stat st;
  int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  int fd, ok;
  if (h->kind == HIER_DIR) flags |= O_DIRECTORY;
  fd = openat(pfd, base, flags);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s", where(h->path));
  if (fstat(fd, &st) == -1) die_sys(EXIT_TEMP, "unable to stat %s", where(h->path));
  if (h->kind == HIER_DIR) ok = S_ISDIR(st.st_mode);
  else if (h->kind == HIER_FIFO) ok = S_ISFIFO(st.st_mode);
  else ok = S_ISREG(st.st_mode);
  if (!ok) die(EXIT_TEMP, "%s is not a %s: remove it", where(h->path),
               h->kind == HIER_DIR ? "directory" : h->kind == HIER_FIFO ? "fifo" : "file");
  /* chown before chmod: chown clears a file's set-id bits */
  if (owners && fchown(fd, uid_of(h->owner), gid_of(h->group)) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s", where(h->path));
  if (fchmod(fd, hier_mode(h, owners)) == -1) die_sys(EXIT_TEMP, "unable to chmod %s", where(h->path));
  close(fd);
}

/* put: write pfd/base atomically, with its owner and mode set before it
 * appears under its name (a temporary file, fsync, rename) */
static void put(const struct hier *h, int pfd, const char *base, const void *data, size_t n)
{
  char tmp[FILE_UNIQUE_MAX + 8], u[FILE_UNIQUE_MAX];
  int fd;
  file_unique(u);
  snprintf(tmp, sizeof tmp, ".tmp.%s", u);
  fd = file_create(pfd, tmp, 0600);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to create a temporary file for %s", where(h->path));
  if (file_write_all(fd, data, n) == -1 ||
      (owners && fchown(fd, uid_of(h->owner), gid_of(h->group)) == -1) ||
      fchmod(fd, hier_mode(h, owners)) == -1 || file_sync_close(fd) == -1 ||
      renameat(pfd, tmp, pfd, base) == -1) {
    int e = errno;
    unlinkat(pfd, tmp, 0);
    errno = e;
    die_sys(EXIT_TEMP, "unable to write %s", where(h->path));
  }
  if (file_sync_dir(pfd, ".") == -1) die_sys(EXIT_TEMP, "unable to sync the directory of %s", where(h->path));
}

/* kind: 0 missing, else the st_mode type bits of pfd/base */
static mode_t kind(const struct hier *h, int pfd, const char *base)
{
  struct stat st;
  if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) return st.st_mode & S_IFMT;
  if (errno != ENOENT) die_sys(EXIT_TEMP, "unable to stat %s", where(h->path));
  return 0;
}

/* unlink_symlink: a symlink in place of an entry goes (its target stays
 * as it is); it is never part of the layout */
static mode_t unlink_symlink(const struct hier *h, int pfd, const char *base, mode_t k)
{
  if (k != S_IFLNK) return k;
  if (unlinkat(pfd, base, 0) == -1) die_sys(EXIT_TEMP, "unable to remove the symlink %s", where(h->path));
  return 0;
}

static void mkdir_entry(const struct hier *h, int pfd, const char *base)
{
  mode_t k = unlink_symlink(h, pfd, base, kind(h, pfd, base));
  if (!k && mkdirat(pfd, base, 0700) == -1 && errno != EEXIST)
    die_sys(EXIT_TEMP, "unable to create %s", where(h->path));
  fix(h, pfd, base);
}

static void mkfifo_entry(const struct hier *h, int pfd, const char *base)
{
  mode_t k = unlink_symlink(h, pfd, base, kind(h, pfd, base));
  if (!k && mkfifoat(pfd, base, 0600) == -1 && errno != EEXIST)
    die_sys(EXIT_TEMP, "unable to create %s", where(h->path));
  fix(h, pfd, base);
}

static void copyprog(const struct hier *h, int pfd, const char *base)
{
  char src[HOME_MAX + 64];
  unsigned char *p;
  size_t n;
  int fd;
  snprintf(src, sizeof src, "%s/%s", bindir, base);
  fd = open(src, O_RDONLY | O_CLOEXEC);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s", src);
  if (file_read_fd(fd, 256 << 20, &p, &n) == -1) die_sys(EXIT_TEMP, "unable to read %s", src);
  close(fd);
  put(h, pfd, base, p, n);
  free(p);
}

static void pubkey(unsigned char pk[crypto_box_PUBLICKEYBYTES])
{
  if (keys_read_hex(hfd, "keys/public", pk) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/keys/public", home);
}

static void generate(const struct hier *h, int pfd, const char *base)
{
  char text[1024], pkhex[65];
  unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
  unsigned long bad;
  mode_t k = kind(h, pfd, base);
  switch (h->gen) {
  case HIER_GEN_SECRET:
    if (!k && keys_create(pfd, base, "public", pk) == -1)
      die_sys(EXIT_TEMP, "unable to create %s", where(h->path));
    break;
  case HIER_GEN_PUBLIC:
    /* always from the secret key, so that the two never disagree */
    if (keys_read(pfd, "secret", sk, sizeof sk) == -1)
      die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
    if (crypto_scalarmult_base(pk, sk) != 0) {
      sodium_memzero(sk, sizeof sk);
      die(EXIT_TEMP, "unable to derive the public key from %s/keys/secret", home);
    }
    sodium_memzero(sk, sizeof sk);
    hex_encode(pkhex, pk, crypto_box_PUBLICKEYBYTES);
    snprintf(text, sizeof text, "%s\n", pkhex);
    put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_TOKEN:
    if (!k && keys_create_random(pfd, base, TOKEN_KEY) == -1)
      die_sys(EXIT_TEMP, "unable to create %s", where(h->path));
    break;
  case HIER_GEN_ME:
    snprintf(text, sizeof text, "%s\n", domain);
    if (!k) put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_SERVERS:
    if (k) break;
    pubkey(pk);
    hex_encode(pkhex, pk, crypto_box_PUBLICKEYBYTES);
    snprintf(text, sizeof text, "# DOMAIN:IPV4:INBOXPORT:FETCHPORT:PUBLICKEY\n%s:%s:%s:%s:%s\n",
             domain, ip, inport, fetchport, pkhex);
    put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_USERS:
    snprintf(text, sizeof text, "# NAME:PUBLICKEY (the key the user's im2k-pickup uses)\n");
    if (!k) put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_SERVERSCDB:
    if (ctl_compile(pfd, "servers", base, servers_row, &bad) == -1)
      die(bad ? EXIT_PERM : EXIT_TEMP, "unable to compile %s/control/servers (line %lu)", home, bad);
    break;
  case HIER_GEN_USERSCDB:
    if (ctl_compile(pfd, "users", base, users_row, &bad) == -1)
      die(bad ? EXIT_PERM : EXIT_TEMP, "unable to compile %s/control/users (line %lu)", home, bad);
    break;
  case HIER_GEN_SMTPLISTEN:
    snprintf(text, sizeof text, "%s 25\n", ip);
    if (!k) put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_SMTPRULES:
    /* tcprules' form of the one rule ":allow": the default key (empty),
     * no instructions */
    if (!k) {
      struct table_make tm;
      if (table_make_start(&tm, pfd, base) == -1 || table_make_add(&tm, "", 0, "", 0) == -1 ||
          table_make_finish(&tm) == -1)
        die_sys(EXIT_TEMP, "unable to make %s", where(h->path));
    }
    break;
  case HIER_GEN_RUN:
  case HIER_GEN_LOGRUN:
    if (hier_run(text, sizeof text, runhome, h, privileged) == -1)
      die_sys(EXIT_PERM, "unable to make %s", where(h->path));
    put(h, pfd, base, text, strlen(text));
    break;
  case HIER_GEN_NONE:
    die(EXIT_TEMP, "internal error: %s has no generator", h->path);
  }
  fix(h, pfd, base);
}

/* a run script holds the home unquoted: keep it to harmless characters */
static int plainpath(const char *s)
{
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '/' || *s == '.' || *s == '_' || *s == '-' || *s == '+' || *s == ','))
      return 0;
  return 1;
}

int main(int argc, char **argv)
{
  char line[512], pkhex[65];
  unsigned char pk[crypto_box_PUBLICKEYBYTES];
  const char *destdir = NULL;
  struct server sv;
  size_t i;
  int opt, pfd;
  const char *base;

  die_prog = "im2k-setup";
  while ((opt = getopt(argc, argv, "d:")) != -1) {
    if (opt != 'd') die(EXIT_PERM, "usage: im2k-setup [-d DESTDIR] HOME DOMAIN IPV4 [INBOXPORT [FETCHPORT]]");
    destdir = optarg;
  }
  argc -= optind;
  argv += optind;
  if (argc < 3 || argc > 5)
    die(EXIT_PERM, "usage: im2k-setup [-d DESTDIR] HOME DOMAIN IPV4 [INBOXPORT [FETCHPORT]]");
  runhome = argv[0];
  domain = argv[1];
  ip = argv[2];
  if (argc > 3) inport = argv[3];
  if (argc > 4) fetchport = argv[4];
  if (runhome[0] != '/') die(EXIT_PERM, "HOME must be an absolute path: %s", runhome);
  if (!plainpath(runhome)) die(EXIT_PERM, "HOME may hold only letters, digits and / . _ - + , (it goes into run scripts): %s", runhome);
  if (destdir && destdir[0] != '/') die(EXIT_PERM, "DESTDIR must be an absolute path: %s", destdir);
  if (strlen(runhome) + (destdir ? strlen(destdir) : 0) >= sizeof home)
    die(EXIT_PERM, "HOME too long: %s", runhome);
  snprintf(home, sizeof home, "%s%s", destdir ? destdir : "", runhome);
  if (!domain_check(domain, strlen(domain))) die(EXIT_PERM, "bad domain: %s", domain);
  snprintf(line, sizeof line, "%s:%s:%s:0000000000000000000000000000000000000000000000000000000000000000",
           ip, inport, fetchport);
  if (server_parse(line, strlen(line), &sv) == -1)
    die(EXIT_PERM, "bad address or ports: %s %s %s", ip, inport, fetchport);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");

  /* staging (-d) sets no owners: the packager's build runs
   * unprivileged, and the staged tree is for a root-run host */
  owners = geteuid() == 0 && !destdir;
  privileged = geteuid() == 0 || destdir;
  if (owners)
    for (i = 0; i < USERS_N; i++) {
      /* users.h lists the groups first */
      if (i <= USER_ARCHIVE_GROUP ? hier_gid((int)i, &gids[i]) : hier_uid((int)i, &uids[i]))
        die(EXIT_TEMP, "no %s %s: create the accounts named in conf-users first",
            i <= USER_ARCHIVE_GROUP ? "group" : "account", auto_users[i]);
    }
  umask(022);
  /* staging: DESTDIR and the directories above HOME in it, as mkdir -p */
  for (i = destdir ? 1 : strlen(home); i < strlen(home); i++)
    if (home[i] == '/') {
      home[i] = 0;
      if (mkdir(home, 0755) == -1 && errno != EEXIST) die_sys(EXIT_TEMP, "unable to create %s", home);
      home[i] = '/';
    }
  if (mkdir(home, 0755) == -1 && errno != EEXIST) die_sys(EXIT_TEMP, "unable to create %s", home);
  hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open %s", home);

  for (i = 0; i < hier_n; i++) {
    const struct hier *h = &hier[i];
    pfd = parent(h, &base);
    switch (h->kind) {
    case HIER_DIR: mkdir_entry(h, pfd, base); break;
    case HIER_FIFO: mkfifo_entry(h, pfd, base); break;
    case HIER_PROG: copyprog(h, pfd, base); fix(h, pfd, base); break;
    case HIER_FILE: generate(h, pfd, base); break;
    }
    close(pfd);
  }

  pubkey(pk);
  hex_encode(pkhex, pk, crypto_box_PUBLICKEYBYTES);
  printf("%s:%s:%s:%s:%s\n", domain, ip, inport, fetchport, pkhex);
  if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, "unable to write to standard output");
  return 0;
}
