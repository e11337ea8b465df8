/* backoff.h: the next wait of an exponential backoff: twice the last,
 * but never more than a ceiling, computed so that no doubling overflows
 * however large the last wait or the ceiling. */
#ifndef IM2K_BACKOFF_H
#define IM2K_BACKOFF_H

#include <stdint.h>

/* backoff_next: 2 * wait, or max when that is not below max (the same
 * value as "wait * 2 < max ? wait * 2 : max" wherever that does not
 * overflow).  A negative wait counts as 0; max is taken as at least 0.
 * The result is always in [0, max]. */
int64_t backoff_next(int64_t wait, int64_t max);

#endif
