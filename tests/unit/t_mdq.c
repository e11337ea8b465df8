/* t_mdq.c: unit tests of lib/mdq, in a fresh temp queue: entries land
 * in new/ with the right content and mode, tmp/ is left empty, an
 * existing entry is kept unless replace, and bad names are refused. */
#include "mdq.h"
#include "unit.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int qfd = -1;
static char name255[256], name256[257], name400[401], name401[402];

struct put_row {
  const char *name;
  const char *data;
  int replace;
  mode_t mode;
  int ret;
  int err;
  const char *want;   /* new/NAME afterwards (NULL: absent) */
};

static const struct put_row puts_[] = {
  {"m1", "one", 0, 0640, 0, 0, "one"},
  {"m1", "two", 0, 0640, -1, EEXIST, "one"},   /* kept */
  {"m1", "three", 1, 0600, 0, 0, "three"},     /* replaced */
  {"m2", "", 0, 0600, 0, 0, ""},
  {"m3", "x", 1, 0644, 0, 0, "x"},             /* replace of nothing */
  {"a/b", "x", 0, 0600, -1, EINVAL, NULL},
  {"/abs", "x", 0, 0600, -1, EINVAL, NULL},
  {"x/", "x", 0, 0600, -1, EINVAL, NULL},
  {name255, "long", 0, 0600, 0, 0, "long"},
  {name256, "x", 0, 0600, -1, ENAMETOOLONG, NULL},
  {name400, "x", 0, 0600, -1, ENAMETOOLONG, NULL},
  {name401, "x", 0, 0600, -1, EINVAL, NULL},
};

static void test_put(void)
{
  size_t i;
  for (i = 0; i < sizeof puts_ / sizeof puts_[0]; i++) {
    const struct put_row *t = &puts_[i];
    char path[600];
    size_t n = strlen(t->data);
    int r;
    errno = 0;
    r = mdq_put(qfd, t->name, t->data, n, t->mode, t->replace);
    CHECK(r == t->ret, "mdq_put row %zu (%.20s): %d", i, t->name, r);
    if (r == -1) CHECK(errno == t->err, "mdq_put row %zu: errno %d", i, errno);
    if (strlen(t->name) < 300 && !strchr(t->name, '/')) {
      snprintf(path, sizeof path, "new/%s", t->name);
      if (t->want) {
        CHECK(unit_same_file(qfd, path, t->want, strlen(t->want)),
              "mdq_put row %zu: content of new/", i);
        if (r == 0)
          CHECK(unit_mode(qfd, path) == (long)t->mode, "mdq_put row %zu: mode %lo", i,
                unit_mode(qfd, path));
      } else {
        CHECK(!unit_exists(qfd, path), "mdq_put row %zu: nothing in new/", i);
      }
    }
    CHECK(unit_count(qfd, "tmp", "") == 0, "mdq_put row %zu: tmp/ not empty", i);
  }
  CHECK(unit_count(qfd, "new", "") == 4, "new/ holds 4 entries: %ld",
        unit_count(qfd, "new", ""));
  CHECK(unit_count(qfd, "cur", "") == 0, "cur/ untouched");
}

static void test_stale(void)
{
  /* a tmp/NAME left by a crash is ours to replace */
  CHECK(unit_write(qfd, "tmp/s1", "stale junk", 10, 0600) == 0, "stale tmp/s1");
  CHECK(mdq_put(qfd, "s1", "fresh", 5, 0600, 0) == 0, "mdq_put over a stale tmp file");
  CHECK(unit_same_file(qfd, "new/s1", "fresh", 5), "new/s1 is fresh");
  CHECK(unit_count(qfd, "tmp", "") == 0, "tmp/ empty after a stale entry");
}

struct exists_row {
  const char *name;
  int ret;
};

static const struct exists_row exists[] = {
  {"m1", 1}, {"m2", 1}, {"c1", 1}, {"missing", 0}, {"m", 0}, {"m10", 0},
  {"s1", 1}, {"tmp-only", 0},
};

static void test_exists(void)
{
  size_t i;
  int q2;
  CHECK(unit_write(qfd, "cur/c1", "x", 1, 0600) == 0, "cur/c1");
  CHECK(unit_write(qfd, "tmp/tmp-only", "x", 1, 0600) == 0, "tmp/tmp-only");
  for (i = 0; i < sizeof exists / sizeof exists[0]; i++) {
    int r = mdq_exists(qfd, exists[i].name);
    CHECK(r == exists[i].ret, "mdq_exists row %zu %s: %d", i, exists[i].name, r);
  }
  CHECK(unlinkat(qfd, "tmp/tmp-only", 0) == 0, "remove tmp/tmp-only");

  /* a broken queue: new is a file, tmp missing */
  CHECK(mkdirat(qfd, "q2", 0700) == 0 && unit_write(qfd, "q2/new", "", 0, 0600) == 0,
        "setup q2");
  q2 = openat(qfd, "q2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (CHECK(q2 >= 0, "open q2")) {
    errno = 0;
    CHECK(mdq_exists(q2, "x") == -1 && errno == ENOTDIR, "mdq_exists with new a file");
    errno = 0;
    CHECK(mdq_put(q2, "x", "x", 1, 0600, 0) == -1 && errno == ENOENT,
          "mdq_put with no tmp/: errno %d", errno);
    CHECK(mkdirat(q2, "tmp", 0700) == 0, "mkdir q2/tmp");
    errno = 0;
    CHECK(mdq_put(q2, "x", "x", 1, 0600, 0) == -1 && errno == ENOTDIR,
          "mdq_put with new a file: errno %d", errno);
    CHECK(unit_count(q2, "tmp", "") == 0, "q2/tmp empty after a failed put");
    close(q2);
  }
}

int main(void)
{
  char dir[64];
  umask(022);
  memset(name255, 'n', 255);
  memset(name256, 'n', 256);
  memset(name400, 'n', 400);
  memset(name401, 'n', 401);
  if (unit_tmpdir(dir) == -1) unit_fatal("t_mdq", "mkdtemp");
  qfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1) unit_fatal("t_mdq", "open temp dir");
  if (mkdirat(qfd, "tmp", 0700) || mkdirat(qfd, "new", 0700) || mkdirat(qfd, "cur", 0700))
    unit_fatal("t_mdq", "mkdir");
  test_put();
  test_stale();
  test_exists();
  close(qfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_mdq");
}
