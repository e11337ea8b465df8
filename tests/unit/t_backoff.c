/* t_backoff.c: unit tests of lib/backoff: the edges 0, max, odd and even
 * ceilings, near INT64_MAX, negative inputs, and agreement with the
 * open-coded "wait * 2 < max ? wait * 2 : max" wherever that is defined. */
#include "backoff.h"
#include "unit.h"

#include <stdint.h>

struct row {
  int64_t wait, max, want;
};

static const struct row rows[] = {
  {0, 0, 0},
  {0, 100, 0},                      /* no floor: 0 stays 0, as before */
  {1, 100, 2},
  {49, 100, 98},
  {50, 100, 100},
  {51, 100, 100},
  {100, 100, 100},
  {1000, 100, 100},                 /* already past a lowered ceiling */
  {2, 5, 4},                        /* odd ceiling */
  {3, 5, 5},
  {1000, 3600000, 2000},
  {2048000, 3600000, 3600000},
  {1800000, 86400000, 3600000},
  {INT64_MAX / 2, INT64_MAX, INT64_MAX - 1},
  {INT64_MAX / 2 + 1, INT64_MAX, INT64_MAX},
  {INT64_MAX, INT64_MAX, INT64_MAX},
  {INT64_MAX, 100, 100},
  {INT64_MAX - 1, INT64_MAX - 1, INT64_MAX - 1},
  {-1, 100, 0},                     /* negative waits count as 0 */
  {INT64_MIN, 100, 0},
  {5, -1, 0},                       /* so does a negative ceiling */
  {INT64_MIN, INT64_MIN, 0},
};

int main(void)
{
  size_t i, bad = 0;
  int64_t w, m;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int64_t r = backoff_next(rows[i].wait, rows[i].max);
    CHECK(r == rows[i].want, "row %zu: backoff_next(%lld, %lld) = %lld, want %lld", i,
          (long long)rows[i].wait, (long long)rows[i].max, (long long)r,
          (long long)rows[i].want);
  }
  /* the old expression, over a range where it cannot overflow */
  for (m = 0; m < 300; m++)
    for (w = 0; w < 400; w++)
      if (backoff_next(w, m) != (w * 2 < m ? w * 2 : m)) bad++;
  CHECK(bad == 0, "differs from the open-coded doubling %zu times", bad);
  /* a wait doubled until the ceiling reaches it exactly and stays */
  for (w = 1000, i = 0; i < 100; i++) w = backoff_next(w, (int64_t)3600 * 1000);
  CHECK(w == 3600 * 1000, "repeated doubling ends at %lld", (long long)w);
  return unit_done("t_backoff");
}
