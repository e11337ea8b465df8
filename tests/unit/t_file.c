/* t_file.c: unit tests of lib/file, in a fresh temp dir: unique names,
 * exclusive creation (no following symlinks), atomic replacement with
 * the exact mode and no temp files left, and bounded reading at max-1,
 * max and max+1 around the 4096-byte growth steps. */
#include "file.h"
#include "unit.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

static int dfd = -1;

static void test_unique(void)
{
  char a[FILE_UNIQUE_MAX], b[FILE_UNIQUE_MAX];
  size_t i, n;
  const char *p;
  int ok = 1;
  memset(a, 'x', sizeof a);
  file_unique(a);
  file_unique(b);
  n = strlen(a);
  CHECK(n > 0 && n < FILE_UNIQUE_MAX, "file_unique length %zu", n);
  CHECK(strcmp(a, b) != 0, "two file_unique names differ: %s", a);
  /* SECONDS.PID.16HEX */
  p = a;
  if (*p < '0' || *p > '9') ok = 0;
  while (*p >= '0' && *p <= '9') p++;
  if (*p++ != '.') ok = 0;
  if (ok && (*p < '0' || *p > '9')) ok = 0;
  while (ok && *p >= '0' && *p <= '9') p++;
  if (ok && *p++ != '.') ok = 0;
  for (i = 0; ok && i < 16; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) ok = 0;
  if (ok && p[16] != 0) ok = 0;
  CHECK(ok, "file_unique format: %s", a);
  CHECK(!strchr(a, '/') && a[0] != '.', "file_unique is a plain name");
}

static void test_create(void)
{
  int fd;
  long m;
  fd = file_create(dfd, "c1", 0644);
  CHECK(fd >= 0, "file_create c1: %s", strerror(errno));
  if (fd >= 0) {
    CHECK(file_write_all(fd, "abc", 3) == 0, "file_write_all");
    CHECK(file_sync_close(fd) == 0, "file_sync_close");
  }
  CHECK(unit_same_file(dfd, "c1", "abc", 3), "c1 holds abc");
  m = unit_mode(dfd, "c1");
  CHECK(m == 0644, "c1 mode %lo", m);
  errno = 0;
  CHECK(file_create(dfd, "c1", 0644) == -1 && errno == EEXIST,
        "file_create of an existing file: errno %d", errno);
  CHECK(unit_same_file(dfd, "c1", "abc", 3), "c1 untouched");

  /* a dangling symlink is not followed: nothing appears at its target */
  CHECK(symlinkat("target", dfd, "link") == 0, "symlink");
  errno = 0;
  fd = file_create(dfd, "link", 0644);
  CHECK(fd == -1 && errno == EEXIST, "file_create through a symlink: errno %d", errno);
  if (fd >= 0) close(fd);
  CHECK(!unit_exists(dfd, "target"), "no file at the symlink's target");
  errno = 0;
  CHECK(file_create(dfd, "nodir/x", 0644) == -1 && errno == ENOENT,
        "file_create in a missing directory: errno %d", errno);

  fd = file_create(dfd, "c2", 0600);
  CHECK(fd >= 0 && close(fd) == 0 && unit_mode(dfd, "c2") == 0600, "file_create 0600");

  errno = 0;
  CHECK(file_write_all(-1, "x", 1) == -1 && errno == EBADF, "file_write_all to fd -1");
  CHECK(file_write_all(-1, "x", 0) == 0, "file_write_all of nothing");
  errno = 0;
  CHECK(file_sync_close(-1) == -1 && errno == EBADF, "file_sync_close(-1)");

  CHECK(file_sync_dir(dfd, ".") == 0, "file_sync_dir .");
  errno = 0;
  CHECK(file_sync_dir(dfd, "nope") == -1 && errno == ENOENT, "file_sync_dir of nothing");
  errno = 0;
  CHECK(file_sync_dir(dfd, "c1") == -1 && errno == ENOTDIR, "file_sync_dir of a file");
}

/* file_write_all + file_read at the growth steps of the reader */
struct rw_row {
  size_t size;
  size_t max;
  int ret;   /* -1: EMSGSIZE */
};

static const struct rw_row rws[] = {
  {0, 0, 0},
  {0, 10, 0},
  {1, 0, -1},
  {1, 1, 0},
  {5, 4, -1},
  {5, 5, 0},
  {5, 6, 0},
  {4095, 4095, 0},
  {4096, 4095, -1},
  {4096, 4096, 0},
  {4097, 4096, -1},
  {4097, 4097, 0},
  {8192, 8191, -1},
  {8192, 8192, 0},
  {8193, 8192, -1},
  {8193, 8193, 0},
  {100000, 99999, -1},
  {100000, 100000, 0},
  {100000, SIZE_MAX, 0},
  {1 << 20, (1 << 20) - 1, -1},
  {1 << 20, 1 << 20, 0},
};

static void test_read(void)
{
  static unsigned char data[1 << 20];
  size_t i;
  for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 31 + (i >> 12));
  for (i = 0; i < sizeof rws / sizeof rws[0]; i++) {
    const struct rw_row *t = &rws[i];
    char name[32];
    unsigned char *p = NULL;
    size_t len = 777;
    int fd, r;
    snprintf(name, sizeof name, "r%zu", i);
    fd = file_create(dfd, name, 0600);
    CHECK(fd >= 0 && file_write_all(fd, data, t->size) == 0 && file_sync_close(fd) == 0,
          "write row %zu (%zu bytes)", i, t->size);
    CHECK(unit_same_file(dfd, name, data, t->size), "row %zu: file content", i);
    errno = 0;
    r = file_read(dfd, name, t->max, &p, &len);
    CHECK(r == t->ret, "file_read row %zu (%zu bytes, max %zu): %d", i, t->size, t->max, r);
    if (r == 0) {
      CHECK(len == t->size && (len == 0 || !memcmp(p, data, len)),
            "file_read row %zu: content (%zu bytes)", i, len);
      free(p);
    } else {
      CHECK(errno == EMSGSIZE, "file_read row %zu: errno %d", i, errno);
    }
  }
}

static void test_read_special(void)
{
  unsigned char *p = NULL;
  size_t len = 0;
  int pfd[2];
  CHECK(unit_write(dfd, "plain", "abc", 3, 0644) == 0 && symlinkat("plain", dfd, "sym") == 0 &&
        mkdirat(dfd, "sub", 0700) == 0 && mkfifoat(dfd, "fifo", 0600) == 0,
        "setup of special files");
  errno = 0;
  CHECK(file_read(dfd, "sym", 100, &p, &len) == -1 && errno == ELOOP,
        "file_read of a symlink: errno %d", errno);
  errno = 0;
  CHECK(file_read(dfd, "sub", 100, &p, &len) == -1 && errno == EINVAL,
        "file_read of a directory: errno %d", errno);
  errno = 0;
  CHECK(file_read(dfd, "fifo", 100, &p, &len) == -1 && errno == EINVAL,
        "file_read of a fifo (without blocking): errno %d", errno);
  errno = 0;
  CHECK(file_read(dfd, "missing", 100, &p, &len) == -1 && errno == ENOENT,
        "file_read of a missing file: errno %d", errno);

  /* file_read_fd from a pipe: short reads until EOF */
  if (CHECK(pipe(pfd) == 0, "pipe")) {
    CHECK(write(pfd[1], "hello", 5) == 5, "write to pipe");
    close(pfd[1]);
    CHECK(file_read_fd(pfd[0], 5, &p, &len) == 0 && len == 5 && !memcmp(p, "hello", 5),
          "file_read_fd from a pipe");
    if (len == 5) free(p);
    close(pfd[0]);
  }
  if (CHECK(pipe(pfd) == 0, "pipe")) {
    CHECK(write(pfd[1], "hello", 5) == 5, "write to pipe");
    close(pfd[1]);
    errno = 0;
    CHECK(file_read_fd(pfd[0], 4, &p, &len) == -1 && errno == EMSGSIZE,
          "file_read_fd from a pipe over max");
    close(pfd[0]);
  }
}

struct put_row {
  const char *name;
  const char *data;
  mode_t mode;
  int ret;
  int err;
};

static const struct put_row puts_[] = {
  {"p1", "first", 0640, 0, 0},
  {"p1", "second, longer", 0600, 0, 0},   /* replaces */
  {"p1", "", 0644, 0, 0},                  /* replaces with nothing */
  {"p2", "x", 0400, 0, 0},
  {"sub", "x", 0644, -1, EISDIR},          /* a directory is not replaced */
  {"nodir/p", "x", 0644, -1, ENOENT},
};

static void test_put_atomic(void)
{
  size_t i;
  umask(077);  /* the mode must not depend on the umask */
  for (i = 0; i < sizeof puts_ / sizeof puts_[0]; i++) {
    const struct put_row *t = &puts_[i];
    size_t n = strlen(t->data);
    int r;
    errno = 0;
    r = file_put_atomic(dfd, t->name, t->data, n, t->mode);
    CHECK(r == t->ret, "file_put_atomic row %zu %s: %d", i, t->name, r);
    if (r == 0) {
      long m = unit_mode(dfd, t->name);
      CHECK(unit_same_file(dfd, t->name, t->data, n), "file_put_atomic row %zu: content",
            i);
      CHECK(m == (long)t->mode, "file_put_atomic row %zu: mode %lo", i, m);
    } else {
      CHECK(errno == t->err, "file_put_atomic row %zu: errno %d", i, errno);
    }
    CHECK(unit_count(dfd, ".", ".tmp") == 0, "file_put_atomic row %zu: temp file left",
          i);
  }
  CHECK(unit_exists(dfd, "sub") && unit_count(dfd, "sub", "") == 0, "sub untouched");
  /* a symlink at the name is replaced, never written through */
  CHECK(symlinkat("plain", dfd, "sym2") == 0, "symlink sym2");
  CHECK(file_put_atomic(dfd, "sym2", "new", 3, 0644) == 0 &&
        unit_same_file(dfd, "sym2", "new", 3) && unit_same_file(dfd, "plain", "abc", 3),
        "file_put_atomic over a symlink replaces the link");
  umask(022);
}

int main(void)
{
  char dir[64];
  if (sodium_init() < 0) unit_fatal("t_file", "sodium_init");
  umask(022);
  if (unit_tmpdir(dir) == -1) unit_fatal("t_file", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_file", "open temp dir");
  test_unique();
  test_create();
  test_read();
  test_read_special();
  test_put_atomic();
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_file");
}
