/* t_maildir.c: unit tests of lib/maildir, in a fresh temp dir: open
 * makes tmp/new/cur, a delivery lands in new/ with tmp/ left empty, a
 * second delivery of the same NAME adds nothing (returns 1), maildir_has
 * finds NAME in new/ and as NAME:2,FLAGS in cur/, and bad names fail. */
#include "maildir.h"
#include "unit.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static char top[64];
static int md = -1;

static int deliver(const char *name, const char *data)
{
  int fd = maildir_tmp(md, name);
  size_t n = strlen(data);
  if (fd == -1) return -2;
  if (write(fd, data, n) != (ssize_t)n) { maildir_abort(md, name, fd); return -2; }
  return maildir_commit(md, name, fd);
}

static void test_open(void)
{
  char path[128];
  int fd;
  snprintf(path, sizeof path, "%s/Maildir", top);
  md = maildir_open(path);
  if (!CHECK(md >= 0, "maildir_open %s: %s", path, strerror(errno)))
    unit_fatal("t_maildir", "maildir_open");
  CHECK(unit_mode(AT_FDCWD, path) == 0700 && unit_mode(md, "tmp") == 0700 &&
        unit_mode(md, "new") == 0700 && unit_mode(md, "cur") == 0700,
        "Maildir, tmp, new, cur made with mode 0700");
  fd = maildir_open(path);
  CHECK(fd >= 0, "maildir_open of an existing Maildir");
  if (fd >= 0) close(fd);
  snprintf(path, sizeof path, "%s/no/Maildir", top);
  errno = 0;
  CHECK(maildir_open(path) == -1 && errno == ENOENT,
        "maildir_open under a missing directory: errno %d", errno);
  snprintf(path, sizeof path, "%s/file", top);
  CHECK(unit_write(AT_FDCWD, path, "", 0, 0600) == 0, "a plain file");
  errno = 0;
  CHECK(maildir_open(path) == -1 && errno == ENOTDIR,
        "maildir_open of a plain file: errno %d", errno);
}

static void test_commit(void)
{
  int r;
  r = deliver("1700000000.abc.host", "first");
  CHECK(r == 0, "first delivery: %d", r);
  CHECK(unit_same_file(md, "new/1700000000.abc.host", "first", 5), "new/NAME content");
  CHECK(unit_count(md, "tmp", "") == 0, "tmp/ empty after delivery");
  CHECK(unit_count(md, "new", "") == 1, "new/ holds one file");

  r = deliver("1700000000.abc.host", "second");
  CHECK(r == 1, "second delivery of the same NAME: %d", r);
  CHECK(unit_same_file(md, "new/1700000000.abc.host", "first", 5),
        "new/NAME still holds the first delivery");
  CHECK(unit_count(md, "new", "") == 1, "new/ still holds exactly one file: %ld",
        unit_count(md, "new", ""));
  CHECK(unit_count(md, "tmp", "") == 0, "tmp/ empty after the second delivery");

  r = deliver("other", "");
  CHECK(r == 0 && unit_same_file(md, "new/other", "", 0), "empty message: %d", r);
  CHECK(unit_count(md, "new", "") == 2 && unit_count(md, "tmp", "") == 0, "two in new/");
}

static void test_tmp_abort(void)
{
  int fd;
  /* a stale tmp/NAME is removed: the fresh one starts empty */
  CHECK(unit_write(md, "tmp/stale", "junk", 4, 0600) == 0, "stale tmp file");
  fd = maildir_tmp(md, "stale");
  CHECK(fd >= 0 && unit_same_file(md, "tmp/stale", "", 0), "maildir_tmp replaces stale");
  if (fd >= 0) maildir_abort(md, "stale", fd);
  CHECK(!unit_exists(md, "tmp/stale") && !unit_exists(md, "new/stale"),
        "maildir_abort removes tmp/NAME");
  fd = maildir_tmp(md, "twice");
  if (CHECK(fd >= 0, "maildir_tmp twice")) {
    int fd2 = maildir_tmp(md, "twice");
    CHECK(fd2 >= 0, "maildir_tmp again on the same NAME");
    if (fd2 >= 0) maildir_abort(md, "twice", fd2);
    close(fd);
  }
  CHECK(unit_count(md, "tmp", "") == 0, "tmp/ empty after aborts");
}

struct has_row {
  const char *name;
  int ret;
};

static void test_has(void)
{
  static const struct has_row rows[] = {
    {"1700000000.abc.host", 1},   /* in new/ */
    {"seen", 1},                  /* cur/seen:2,S */
    {"plain", 1},                 /* cur/plain */
    {"flags", 1},                 /* cur/flags:2,FRS */
    {"see", 0},
    {"seenx", 0},
    {"seen:2,S", -1},
    {"other", 1},
    {"1700000000.abc", 0},
    {"missing", 0},
    {"trap", 0},                  /* only cur/trapX:2,S and tmp/trap */
  };
  size_t i;
  CHECK(unit_write(md, "cur/seen:2,S", "x", 1, 0600) == 0 &&
        unit_write(md, "cur/plain", "x", 1, 0600) == 0 &&
        unit_write(md, "cur/flags:2,FRS", "x", 1, 0600) == 0 &&
        unit_write(md, "cur/trapX:2,S", "x", 1, 0600) == 0 &&
        unit_write(md, "tmp/trap", "x", 1, 0600) == 0,
        "setup of cur/");
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int r = maildir_has(md, rows[i].name);
    CHECK(r == rows[i].ret, "maildir_has row %zu %s: %d", i, rows[i].name, r);
  }
  CHECK(unlinkat(md, "tmp/trap", 0) == 0, "remove tmp/trap");

  /* a message moved to cur/ by a reader is still found */
  CHECK(renameat(md, "new/other", md, "cur/other:2,S") == 0, "move other to cur/");
  CHECK(maildir_has(md, "other") == 1, "maildir_has other in cur/ as other:2,S");
}

static void test_names(void)
{
  static char n200[201], n201[202];
  struct { const char *name; int ok; } rows[] = {
    {"", 0}, {"a/b", 0}, {"a:b", 0}, {".hidden", 0}, {".", 0}, {"..", 0},
    {"/", 0}, {"a:2,S", 0}, {n200, 1}, {n201, 0}, {"ok.name", 1}, {"-", 1},
  };
  size_t i;
  memset(n200, 'n', 200);
  memset(n201, 'n', 201);
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int fd, r;
    errno = 0;
    fd = maildir_tmp(md, rows[i].name);
    if (rows[i].ok) {
      CHECK(fd >= 0, "maildir_tmp of a good name row %zu: %s", i, strerror(errno));
      if (fd >= 0) {
        r = maildir_commit(md, rows[i].name, fd);
        CHECK(r == 0, "maildir_commit of a good name row %zu: %d", i, r);
      }
    } else {
      CHECK(fd == -1 && errno == EINVAL, "maildir_tmp of a bad name row %zu: errno %d", i,
            errno);
      if (fd >= 0) close(fd);
      errno = 0;
      r = maildir_has(md, rows[i].name);
      CHECK(r == -1 && errno == EINVAL, "maildir_has of a bad name row %zu: %d", i, r);
    }
  }
  /* commit with a bad name: refused, and the descriptor is closed */
  {
    int fd = openat(md, "tmp/x", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (CHECK(fd >= 0, "open tmp/x")) {
      CHECK(maildir_commit(md, "x/", fd) == -1, "maildir_commit with a bad name");
      errno = 0;
      CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "the descriptor was closed");
      CHECK(unlinkat(md, "tmp/x", 0) == 0, "remove tmp/x");
    }
  }
  /* a refused name must not be used to remove anything: "../new/victim"
   * names new/victim, a delivered message */
  CHECK(deliver("victim", "keep me") == 0, "deliver victim");
  {
    int fd = openat(md, "tmp/y", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (CHECK(fd >= 0, "open tmp/y")) {
      CHECK(maildir_commit(md, "../new/victim", fd) == -1,
            "maildir_commit of ../new/victim refused");
      CHECK(unit_same_file(md, "new/victim", "keep me", 7),
            "maildir_commit with the bad name \"../new/victim\" removed new/victim");
      CHECK(unlinkat(md, "tmp/y", 0) == 0, "remove tmp/y");
    }
  }
  CHECK(unit_count(md, "tmp", "") == 0, "tmp/ empty after the name checks");
}

int main(void)
{
  umask(022);
  if (unit_tmpdir(top) == -1) unit_fatal("t_maildir", "mkdtemp");
  test_open();
  test_commit();
  test_tmp_abort();
  test_has();
  test_names();
  close(md);
  CHECK(unit_rmtree(top) == 0, "remove %s", top);
  return unit_done("t_maildir");
}
