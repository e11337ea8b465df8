/* backoff.c: saturating doubling of waits.  Trusts no operand's range:
 * the comparison is made against max / 2 so that nothing is multiplied
 * before it is known to fit. */
#include "backoff.h"

int64_t backoff_next(int64_t wait, int64_t max)
{
  if (max < 0) max = 0;
  if (wait < 0) wait = 0;
  /* wait > max / 2 implies 2 * wait >= max: the ceiling (for odd max,
   * 2 * (max / 2) < max, so wait == max / 2 still doubles) */
  if (wait > max / 2) return max;
  return 2 * wait;
}
