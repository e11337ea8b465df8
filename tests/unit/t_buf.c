/* t_buf.c: unit tests of lib/buf: the hard upper bound (max-1, max,
 * max+1, SIZE_MAX), EMSGSIZE leaving the buffer as it was, the
 * uncounted NUL of buf_appendz, and content after many small appends. */
#include "buf.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct app_row {
  size_t max;
  size_t n1, n2;    /* two appends of this many bytes */
  int r1, r2;       /* expected results (-1: EMSGSIZE) */
  size_t len;       /* len afterwards */
};

static const struct app_row apps[] = {
  {0, 0, 0, 0, 0, 0},
  {0, 1, 0, -1, 0, 0},
  {1, 1, 0, 0, 0, 1},
  {1, 1, 1, 0, -1, 1},
  {10, 10, 0, 0, 0, 10},
  {10, 11, 1, -1, 0, 1},
  {10, 9, 1, 0, 0, 10},
  {10, 9, 2, 0, -1, 9},
  {10, 5, 5, 0, 0, 10},
  {10, 5, 6, 0, -1, 5},
  {10, SIZE_MAX, 1, -1, 0, 1},
  {10, 1, SIZE_MAX, 0, -1, 1},
  {10, 1, SIZE_MAX - 1, 0, -1, 1},
  {63, 63, 0, 0, 0, 63},
  {64, 64, 0, 0, 0, 64},
  {65, 64, 1, 0, 0, 65},
  {4096, 4000, 96, 0, 0, 4096},
  {4096, 4000, 97, 0, -1, 4000},
  {100000, 100000, 1, 0, -1, 100000},
};

static void test_append(void)
{
  size_t i;
  static unsigned char src[100001];
  for (i = 0; i < sizeof src; i++) src[i] = (unsigned char)(i % 251);
  for (i = 0; i < sizeof apps / sizeof apps[0]; i++) {
    const struct app_row *t = &apps[i];
    struct buf b;
    int r;
    buf_init(&b, t->max);
    errno = 0;
    /* huge n: the size check comes before any byte is read */
    r = buf_append(&b, src, t->n1);
    CHECK(r == t->r1 && (r == 0 || errno == EMSGSIZE),
          "buf_append row %zu first: %d errno %d", i, r, errno);
    errno = 0;
    r = buf_append(&b, src + 1, t->n2);
    CHECK(r == t->r2 && (r == 0 || errno == EMSGSIZE),
          "buf_append row %zu second: %d errno %d", i, r, errno);
    CHECK(b.len == t->len && b.len <= b.max, "buf_append row %zu: len %zu", i, b.len);
    if (t->r1 == 0 && t->n1 && t->len >= t->n1)
      CHECK(!memcmp(b.p, src, t->n1), "buf_append row %zu: first bytes", i);
    if (t->r2 == 0 && t->n2 && t->len >= t->n2)
      CHECK(!memcmp(b.p + t->len - t->n2, src + 1, t->n2),
            "buf_append row %zu: second bytes", i);
    CHECK(b.len == 0 || b.cap > b.len, "buf_append row %zu: cap %zu len %zu", i,
          b.cap, b.len);
    buf_free(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0 && b.max == t->max,
          "buf_free row %zu", i);
  }
}

static void test_appendz(void)
{
  struct buf b;
  buf_init(&b, 0);
  CHECK(buf_appendz(&b) == 0 && b.len == 0 && b.p && b.p[0] == 0,
        "buf_appendz on an empty buffer with max 0");
  buf_free(&b);

  buf_init(&b, 5);
  CHECK(buf_appends(&b, "hello") == 0 && buf_appendz(&b) == 0 && b.len == 5 &&
        !strcmp((char *)b.p, "hello"),
        "buf_appendz at max");
  CHECK(buf_appends(&b, "") == 0 && b.len == 5, "buf_appends empty at max");
  errno = 0;
  CHECK(buf_appends(&b, "!") == -1 && errno == EMSGSIZE && b.len == 5 &&
        !strcmp((char *)b.p, "hello"),
        "buf_appends over max leaves the buffer alone");
  buf_free(&b);

  buf_init(&b, 100);
  CHECK(buf_appends(&b, "ab") == 0 && buf_appendz(&b) == 0 && buf_appends(&b, "cd") == 0 &&
        b.len == 4 && !memcmp(b.p, "abcd", 4),
        "buf_appendz is not counted");
  buf_free(&b);
}

/* many one-byte appends across every growth step */
static void test_growth(void)
{
  struct buf b;
  size_t i;
  int ok = 1;
  buf_init(&b, 100000);
  for (i = 0; i < 100000; i++) {
    unsigned char c = (unsigned char)(i % 253);
    if (buf_append(&b, &c, 1) != 0) { ok = 0; break; }
  }
  CHECK(ok && b.len == 100000, "100000 one-byte appends: len %zu", b.len);
  for (i = 0; ok && i < b.len; i++)
    if (b.p[i] != (unsigned char)(i % 253)) ok = 0;
  CHECK(ok, "100000 one-byte appends: content");
  errno = 0;
  CHECK(buf_append(&b, "x", 1) == -1 && errno == EMSGSIZE && b.len == 100000,
        "append one over max after growth");
  CHECK(buf_appendz(&b) == 0 && b.p[100000] == 0, "appendz at max after growth");
  buf_free(&b);
}

/* max = SIZE_MAX means "no bound but memory": the buffer must still hold
 * what it says it holds.  First an empty append (a wrong capacity shows
 * as a failed check, not an overflow), then real ones in a child. */
static int huge_appends(const void *arg)
{
  struct buf b;
  int ok;
  buf_init(&b, *(const size_t *)arg);
  ok = buf_append(&b, "abc", 3) == 0 && buf_append(&b, "def", 3) == 0 &&
       buf_appendz(&b) == 0 && b.len == 6 && !strcmp((char *)b.p, "abcdef");
  buf_free(&b);
  return ok ? 0 : 1;
}

static void test_huge_max(void)
{
  struct buf b;
  static const size_t maxes[] = {SIZE_MAX - 1, SIZE_MAX};
  size_t i;
  int r;
  for (i = 0; i < 2; i++) {
    buf_init(&b, maxes[i]);
    CHECK(buf_append(&b, "", 0) == 0 && b.cap >= b.len + 1,
          "buf_append with max SIZE_MAX-%zu: cap %zu for len %zu (room for the NUL)",
          1 - i, b.cap, b.len);
    buf_free(&b);
    /* and real appends, in a child: if the bound is wrong they overrun */
    r = unit_child(huge_appends, &maxes[i]);
    CHECK(r == 0, "buf with max SIZE_MAX-%zu: append \"abc\", \"def\": %s", 1 - i,
          r == -1 ? "crashed" : "failed or wrong content");
  }
}

int main(void)
{
  test_append();
  test_appendz();
  test_growth();
  test_huge_max();
  return unit_done("t_buf");
}
