/* t_table.c: unit tests of lib/table: build a cdb in a fresh temp dir,
 * look keys up with values at, under and over the bound, open files
 * that are not cdbs, and check that builds leave no temp files and that
 * a rebuild never disturbs an open reader. */
#include "table.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sodium.h>
#include <string.h>

static int dfd = -1;

struct kv {
  const char *k;
  size_t klen;
  const char *v;
  size_t vlen;
};

static char longval[1000];

static const struct kv kvs[] = {
  {"a", 1, "1", 1},
  {"empty", 5, "", 0},
  {"k\0z", 3, "nul key", 7},
  {"K", 1, "upper", 5},
  {"example.com", 11, "127.0.0.1:1:2:00", 16},
  {"bin", 3, "v\0v", 3},
  {"long", 4, NULL, sizeof longval},   /* longval */
};
#define NKV (sizeof kvs / sizeof kvs[0])

static int build(const char *name)
{
  struct table_make tm;
  size_t i;
  if (table_make_start(&tm, dfd, name) == -1) return -1;
  for (i = 0; i < NKV; i++)
    if (table_make_add(&tm, kvs[i].k, kvs[i].klen, kvs[i].v ? kvs[i].v : longval,
                       kvs[i].vlen) == -1) {
      table_make_abort(&tm);
      return -1;
    }
  return table_make_finish(&tm);
}

struct get_row {
  const char *k;
  size_t klen;
  size_t max;
  int ret;
  int err;           /* errno when ret is -1 */
  const char *want;  /* value when ret is 1 (NULL: longval) */
  size_t wantlen;
};

static const struct get_row gets[] = {
  {"a", 1, 2, 1, 0, "1", 1},
  {"a", 1, 100, 1, 0, "1", 1},
  {"a", 1, 1, -1, EMSGSIZE, NULL, 0},
  {"a", 1, 0, -1, EMSGSIZE, NULL, 0},
  {"empty", 5, 1, 1, 0, "", 0},
  {"empty", 5, 0, -1, EMSGSIZE, NULL, 0},
  {"k\0z", 3, 100, 1, 0, "nul key", 7},
  {"k", 1, 100, 0, 0, NULL, 0},
  {"k\0", 2, 100, 0, 0, NULL, 0},
  {"k\0zz", 4, 100, 0, 0, NULL, 0},
  {"K", 1, 100, 1, 0, "upper", 5},
  {"A", 1, 100, 0, 0, NULL, 0},
  {"example.com", 11, 17, 1, 0, "127.0.0.1:1:2:00", 16},
  {"example.com", 11, 16, -1, EMSGSIZE, NULL, 0},
  {"EXAMPLE.COM", 11, 100, 0, 0, NULL, 0},
  {"example.co", 10, 100, 0, 0, NULL, 0},
  {"bin", 3, 4, 1, 0, "v\0v", 3},
  {"long", 4, sizeof longval + 1, 1, 0, NULL, sizeof longval},
  {"long", 4, sizeof longval, -1, EMSGSIZE, NULL, 0},
  {"long", 4, 2, -1, EMSGSIZE, NULL, 0},
  {"missing", 7, 100, 0, 0, NULL, 0},
  {"", 0, 100, 0, 0, NULL, 0},
};

static void test_lookup(void)
{
  struct table t;
  size_t i;
  char out[1100];
  CHECK(build("t.cdb") == 0, "build t.cdb: %s", strerror(errno));
  CHECK(unit_count(dfd, ".", ".tmp") == 0, "no temp file left after the build");
  CHECK(unit_exists(dfd, "t.cdb"), "t.cdb exists");
  if (!CHECK(table_open(&t, dfd, "t.cdb") == 0, "table_open t.cdb: %s", strerror(errno)))
    return;
  for (i = 0; i < sizeof gets / sizeof gets[0]; i++) {
    const struct get_row *g = &gets[i];
    size_t len = 9999;
    int r;
    memset(out, 'x', sizeof out);
    errno = 0;
    r = table_get(&t, g->k, g->klen, out, g->max, &len);
    CHECK(r == g->ret, "table_get row %zu \"%s\" max %zu: %d", i, g->k, g->max, r);
    if (r == 1 && g->ret == 1) {
      const char *want = g->want ? g->want : longval;
      CHECK(len == g->wantlen && !memcmp(out, want, len) && out[len] == 0,
            "table_get row %zu: value", i);
      CHECK(len + 1 >= sizeof out || out[len + 1] == 'x', "table_get row %zu: overrun", i);
    }
    if (r == -1 && g->ret == -1)
      CHECK(errno == g->err, "table_get row %zu: errno %d", i, errno);
    if (g->max < sizeof out)
      CHECK(out[g->max] == 'x' || g->max == 0, "table_get row %zu wrote past max", i);
  }
  {
    char big[0x10001];
    memset(big, 'a', sizeof big);
    CHECK(table_get(&t, big, sizeof big, out, sizeof out, NULL) == 0,
          "table_get with a key over 0xffff bytes");
  }
  CHECK(table_get(&t, "a", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "1"),
        "table_get with len NULL");
  table_close(&t);
  table_close(&t);  /* twice is harmless */
}

/* files that are not cdbs */
static void test_not_cdb(void)
{
  static unsigned char junk[4096];
  struct table t;
  char out[64];
  int r;
  memset(junk, 0xff, sizeof junk);
  CHECK(unit_write(dfd, "text", "example.com:1.2.3.4\n", 20, 0644) == 0 &&
        unit_write(dfd, "zero", "", 0, 0644) == 0 &&
        unit_write(dfd, "junk", junk, sizeof junk, 0644) == 0 &&
        mkdirat(dfd, "dir", 0700) == 0,
        "setup of non-cdb files");
  errno = 0;
  CHECK(table_open(&t, dfd, "text") == -1 && errno == EINVAL,
        "table_open of a text file: errno %d", errno);
  errno = 0;
  CHECK(table_open(&t, dfd, "zero") == -1 && errno == EINVAL,
        "table_open of an empty file: errno %d", errno);
  errno = 0;
  CHECK(table_open(&t, dfd, "dir") == -1 && errno == EINVAL,
        "table_open of a directory: errno %d", errno);
  errno = 0;
  CHECK(table_open(&t, dfd, "missing") == -1 && errno == ENOENT,
        "table_open of a missing file: errno %d", errno);
  /* 4096 bytes of 0xff look like a cdb header to tinycdb; lookups must
   * then report damage, not read outside the file */
  if (table_open(&t, dfd, "junk") == 0) {
    errno = 0;
    r = table_get(&t, "a", 1, out, sizeof out, NULL);
    CHECK(r == -1 && errno == EIO, "table_get in a damaged cdb: %d errno %d", r, errno);
    table_close(&t);
  } else {
    CHECK(errno == EINVAL, "table_open of junk: errno %d", errno);
  }
}

/* a reader keeps its table while a rebuild replaces the file */
static void test_rebuild(void)
{
  struct table old, cur;
  struct table_make tm;
  char out[64];
  CHECK(table_make_start(&tm, dfd, "r.cdb") == 0 &&
        table_make_add(&tm, "k", 1, "old", 3) == 0 && table_make_finish(&tm) == 0,
        "build r.cdb (old)");
  if (!CHECK(table_open(&old, dfd, "r.cdb") == 0, "open old r.cdb")) return;
  CHECK(table_make_start(&tm, dfd, "r.cdb") == 0 &&
        table_make_add(&tm, "k", 1, "new", 3) == 0 && table_make_finish(&tm) == 0,
        "rebuild r.cdb (new)");
  CHECK(table_get(&old, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "old"),
        "the open reader still sees the old table");
  if (CHECK(table_open(&cur, dfd, "r.cdb") == 0, "open new r.cdb")) {
    CHECK(table_get(&cur, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "new"),
          "a new reader sees the new table");
    table_close(&cur);
  }
  table_close(&old);
  CHECK(unit_count(dfd, ".", ".tmp") == 0, "no temp file left after the rebuild");
}

/* a private copy survives its file rewritten in place (truncated, then
 * garbage), where a mapping would fault */
static void test_copy(void)
{
  static unsigned char junk[100];
  struct table t;
  char out[64];
  int fd;
  CHECK(build("c.cdb") == 0, "build c.cdb");
  if (!CHECK(table_open_copy(&t, dfd, "c.cdb") == 0, "table_open_copy c.cdb: %s", strerror(errno)))
    return;
  fd = openat(dfd, "c.cdb", O_WRONLY | O_TRUNC);
  CHECK(fd != -1, "truncate c.cdb in place");
  if (fd != -1) {
    memset(junk, 0xee, sizeof junk);
    CHECK(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk, "rewrite c.cdb in place");
    close(fd);
  }
  CHECK(table_get(&t, "a", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "1"),
        "the copy still answers after an in-place rewrite");
  table_close(&t);
  errno = 0;
  CHECK(table_open_copy(&t, dfd, "c.cdb") == -1 && errno == EINVAL,
        "a copy of a file that is not a cdb: errno %d", errno);
  errno = 0;
  CHECK(table_open_copy(&t, dfd, "missing") == -1 && errno == ENOENT,
        "a copy of a missing file: errno %d", errno);
}

/* a kept table: the same copy within a second, the new file after it
 * (a rebuild), a file changed in place, then none once it is gone */
static void test_kept(void)
{
  struct table_kept k = TABLE_KEPT("k.cdb");
  struct table_make tm;
  struct table *t;
  char out[64];
  int fd;
  CHECK(table_make_start(&tm, dfd, "k.cdb") == 0 && table_make_add(&tm, "k", 1, "one", 3) == 0 &&
        table_make_finish(&tm) == 0, "build k.cdb (one)");
  t = table_kept(&k, dfd, 10000);
  CHECK(t && table_get(t, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "one"), "kept: first copy");
  CHECK(table_make_start(&tm, dfd, "k.cdb") == 0 && table_make_add(&tm, "k", 1, "two", 3) == 0 &&
        table_make_finish(&tm) == 0, "rebuild k.cdb (two)");
  t = table_kept(&k, dfd, 10500);
  CHECK(t && table_get(t, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "one"),
        "kept: within a second, the same copy");
  t = table_kept(&k, dfd, 11000);
  CHECK(t && table_get(t, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "two"),
        "kept: a second later, the rebuilt table");
  {
    /* the bytes of another table written over k.cdb, not by rename */
    static unsigned char b[65536];
    ssize_t n = -1;
    int in;
    CHECK(table_make_start(&tm, dfd, "k3.cdb") == 0 && table_make_add(&tm, "k", 1, "three", 5) == 0 &&
          table_make_finish(&tm) == 0, "build k3.cdb (three)");
    in = openat(dfd, "k3.cdb", O_RDONLY);
    if (in != -1) { n = read(in, b, sizeof b); close(in); }
    fd = openat(dfd, "k.cdb", O_WRONLY | O_TRUNC);
    CHECK(n > 0 && fd != -1 && write(fd, b, (size_t)n) == n, "rewrite k.cdb in place");
    if (fd != -1) close(fd);
  }
  t = table_kept(&k, dfd, 12000);
  CHECK(t && table_get(t, "k", 1, out, sizeof out, NULL) == 1 && !strcmp(out, "three"),
        "kept: a file rewritten in place is copied again");
  CHECK(unlinkat(dfd, "k.cdb", 0) == 0, "remove k.cdb");
  errno = 0;
  CHECK(table_kept(&k, dfd, 13000) == NULL && errno == ENOENT, "kept: none once the file is gone");
  CHECK(k.t.fd == -1, "kept: the copy is closed");
}

static void test_make_edges(void)
{
  struct table_make tm;
  struct table t;
  char name[300], out[8];
  size_t i;
  int ok = 1;

  /* abort before any add, and after adds: no temp file, no table */
  CHECK(table_make_start(&tm, dfd, "aborted.cdb") == 0, "start aborted.cdb");
  table_make_abort(&tm);
  CHECK(table_make_start(&tm, dfd, "aborted.cdb") == 0 &&
        table_make_add(&tm, "k", 1, "v", 1) == 0,
        "start and add for aborted.cdb");
  table_make_abort(&tm);
  CHECK(unit_count(dfd, ".", ".tmp") == 0 && !unit_exists(dfd, "aborted.cdb"),
        "table_make_abort leaves nothing");

  /* names: 255 is the longest the struct holds, 256 is ENAMETOOLONG */
  memset(name, 'n', 256);
  name[256] = 0;
  errno = 0;
  CHECK(table_make_start(&tm, dfd, name) == -1 && errno == ENAMETOOLONG,
        "table_make_start with a 256-byte name: errno %d", errno);
  name[255] = 0;
  if (CHECK(table_make_start(&tm, dfd, name) == 0, "table_make_start with 255 bytes"))
    CHECK(table_make_finish(&tm) == 0 && unit_exists(dfd, name),
          "table_make_finish with a 255-byte name");

  /* an empty table, and a large one */
  CHECK(table_make_start(&tm, dfd, "empty.cdb") == 0 && table_make_finish(&tm) == 0,
        "build an empty table");
  if (CHECK(table_open(&t, dfd, "empty.cdb") == 0, "open the empty table")) {
    CHECK(table_get(&t, "a", 1, out, sizeof out, NULL) == 0, "lookup in the empty table");
    table_close(&t);
  }
  CHECK(table_make_start(&tm, dfd, "big.cdb") == 0, "start big.cdb");
  for (i = 0; i < 5000; i++) {
    char k[16], v[16];
    int kl = snprintf(k, sizeof k, "key%zu", i), vl = snprintf(v, sizeof v, "%zu", i * 7);
    if (table_make_add(&tm, k, (size_t)kl, v, (size_t)vl) != 0) ok = 0;
  }
  CHECK(ok && table_make_finish(&tm) == 0, "build big.cdb with 5000 keys");
  if (CHECK(table_open(&t, dfd, "big.cdb") == 0, "open big.cdb")) {
    ok = 1;
    for (i = 0; i < 5000; i++) {
      char k[16], v[16], o[16];
      int kl = snprintf(k, sizeof k, "key%zu", i);
      snprintf(v, sizeof v, "%zu", i * 7);
      if (table_get(&t, k, (size_t)kl, o, sizeof o, NULL) != 1 || strcmp(o, v)) ok = 0;
    }
    CHECK(ok, "all 5000 keys found with their values");
    CHECK(table_get(&t, "key5000", 7, out, sizeof out, NULL) == 0, "key5000 absent");
    table_close(&t);
  }
  /* the temp file is made in dirfd; a final name in a missing directory
   * fails at the rename, and the temp file goes */
  if (CHECK(table_make_start(&tm, dfd, "nodir/x.cdb") == 0, "start nodir/x.cdb")) {
    errno = 0;
    CHECK(table_make_add(&tm, "k", 1, "v", 1) == 0 && table_make_finish(&tm) == -1 &&
          errno == ENOENT,
          "table_make_finish into a missing directory: errno %d", errno);
  }
  CHECK(unit_count(dfd, ".", ".tmp") == 0, "no temp file left after a failed finish");
}

int main(void)
{
  char dir[64];
  if (sodium_init() < 0) unit_fatal("t_table", "sodium_init");
  memset(longval, 'L', sizeof longval);
  longval[0] = 'S';
  longval[sizeof longval - 1] = 'E';
  if (unit_tmpdir(dir) == -1) unit_fatal("t_table", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_table", "open temp dir");
  test_lookup();
  test_not_cdb();
  test_rebuild();
  test_copy();
  test_kept();
  test_make_edges();
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_table");
}
