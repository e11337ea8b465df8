/* t_grow.c: unit tests of lib/grow: the doubling sequence from first and
 * from a set room, need already met, the bound, products that would pass
 * PTRDIFF_MAX (refused with the array untouched), and contents kept across
 * many growths. */
#include "grow.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct row {
  size_t cap;      /* room before (0: no array yet) */
  size_t need, elsize, first, max;
  int r;           /* expected result */
  int err;         /* its errno when -1 */
  size_t after;    /* room afterwards */
};

#define BIG (SIZE_MAX / 2 + 1)

static const struct row rows[] = {
  {0, 0, 8, 16, SIZE_MAX, 0, 0, 0},        /* nothing needed */
  {0, 1, 8, 16, SIZE_MAX, 0, 0, 16},
  {0, 16, 8, 16, SIZE_MAX, 0, 0, 16},
  {0, 17, 8, 16, SIZE_MAX, 0, 0, 32},
  {0, 100, 8, 16, SIZE_MAX, 0, 0, 128},
  {0, 1, 8, 0, SIZE_MAX, 0, 0, 1},         /* first 0 counts as 1 */
  {0, 3, 8, 0, SIZE_MAX, 0, 0, 4},
  {4, 4, 8, 16, SIZE_MAX, 0, 0, 4},        /* room enough: untouched */
  {4, 5, 8, 16, SIZE_MAX, 0, 0, 8},        /* doubles from the room */
  {5, 6, 8, 16, SIZE_MAX, 0, 0, 10},
  {4, 100, 1, 16, SIZE_MAX, 0, 0, 128},
  {0, 10, 1, 64, 11, 0, 0, 11},            /* the bound cuts doubling */
  {0, 11, 1, 64, 11, 0, 0, 11},
  {0, 12, 1, 64, 11, -1, EMSGSIZE, 0},
  {8, 9, 1, 8, 12, 0, 0, 12},
  {0, 2, 4, 1, 2, 0, 0, 2},
  {0, SIZE_MAX, 1, 16, SIZE_MAX, -1, ENOMEM, 0},  /* too big to allocate */
  {0, SIZE_MAX / 8 + 1, 8, 16, SIZE_MAX, -1, ENOMEM, 0}, /* product wraps */
  {0, BIG, 2, 16, SIZE_MAX, -1, ENOMEM, 0},
  {0, (size_t)PTRDIFF_MAX / 16 + 1, 16, 16, SIZE_MAX, -1, ENOMEM, 0},
  {16, SIZE_MAX, 8, 16, SIZE_MAX, -1, ENOMEM, 16},
  {16, 17, SIZE_MAX, 16, SIZE_MAX, -1, ENOMEM, 16},
};

static void test_rows(void)
{
  size_t i;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *t = &rows[i];
    size_t cap = t->cap, k;
    unsigned char *a = NULL, *before;
    int r;
    if (cap) {
      a = malloc(cap * (t->elsize < 64 ? t->elsize : 1));
      if (!a) unit_fatal("t_grow", "malloc");
      for (k = 0; k < cap && t->elsize < 64; k++) memset(a + k * t->elsize, (int)k, t->elsize);
    }
    before = a;
    errno = 0;
    r = grow_bounded(&a, &cap, t->need, t->elsize, t->first, t->max);
    CHECK(r == t->r, "row %zu: result %d, want %d", i, r, t->r);
    if (r == -1) {
      CHECK(errno == t->err, "row %zu: errno %d, want %d", i, errno, t->err);
      CHECK(a == before && cap == t->cap, "row %zu: changed on failure", i);
    } else {
      CHECK(cap == t->after, "row %zu: room %zu, want %zu", i, cap, t->after);
      CHECK(cap == 0 || a != NULL, "row %zu: no array", i);
      /* the old contents survive and the new room is writable */
      for (k = 0; k < t->cap && t->elsize < 64; k++)
        CHECK(a[k * t->elsize] == (unsigned char)k, "row %zu: element %zu lost", i, k);
      if (cap && t->elsize < 64) memset(a, 0xa5, cap * t->elsize);
    }
    free(a);
  }
}

/* many appends through grow_array keep every element and never shrink */
static void test_appends(void)
{
  uint64_t *a = NULL;
  size_t n, cap = 0, grows = 0, last = 0, bad = 0;
  for (n = 0; n < 100000; n++) {
    if (n == cap) {
      if (grow_array(&a, &cap, n + 1, sizeof *a, 16) == -1) unit_fatal("t_grow", "grow");
      grows++;
    }
    if (cap <= n || cap < last) bad++;
    last = cap;
    a[n] = n * 0x9E3779B97F4A7C15ull;
  }
  for (n = 0; n < 100000; n++)
    if (a[n] != n * 0x9E3779B97F4A7C15ull) break;
  CHECK(n == 100000 && bad == 0, "appends: element %zu changed, %zu short rooms", n, bad);
  CHECK(cap == 131072 && grows == 14, "appends: room %zu after %zu growths", cap, grows);
  free(a);
}

int main(void)
{
  test_rows();
  test_appends();
  return unit_done("t_grow");
}
