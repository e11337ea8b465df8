/* grow.h: room in a caller's array, grown by doubling, with every size
 * checked for overflow, so that no count can wrap into a short allocation.
 *
 * The array is the caller's pointer T *a with room for *cap elements of
 * elsize bytes each; pass its address (&a) as pp.  Growth doubles from
 * first (or from *cap if it is already non-zero) until need fits, so n
 * appends cost O(n) copying in all.  On any failure the array, its
 * contents and *cap are as they were.  Typical use:
 *     if (n == cap && grow_array(&a, &cap, n + 1, sizeof *a, 16) == -1)
 *       return -1;
 *     a[n++] = x; */
#ifndef IM2K_GROW_H
#define IM2K_GROW_H

#include <stddef.h>

/* grow_array: room for at least need elements in *pp; 0, or -1 with
 * errno ENOMEM (need * elsize beyond PTRDIFF_MAX, or no memory).  need <=
 * *cap does nothing.  first 0 counts as 1.  When doubling would pass
 * PTRDIFF_MAX bytes, the room is the most that fits, still at least need. */
int grow_array(void *pp, size_t *cap, size_t need, size_t elsize, size_t first);

/* grow_bounded: as grow_array, but the room never exceeds max elements
 * (doubling stops at max); need > max gives -1 with errno EMSGSIZE. */
int grow_bounded(void *pp, size_t *cap, size_t need, size_t elsize, size_t first,
                 size_t max);

#endif
