/* grow.c: checked doubling of a caller's array.  Trusts the caller's
 * pointer and *cap to describe the array; trusts no count not to wrap. */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_bounded(void *pp, size_t *cap, size_t need, size_t elsize, size_t first,
                 size_t max)
{
  size_t n, lim;
  void *p;
  if (need <= *cap) return 0;
  if (need > max) { errno = EMSGSIZE; return -1; }
  /* lim: the most elements whose bytes fit in a ptrdiff_t (no object
   * may be larger: differences of pointers into it must be defined) */
  lim = elsize ? (size_t)PTRDIFF_MAX / elsize : (size_t)PTRDIFF_MAX;
  if (lim > max) lim = max;
  if (need > lim) { errno = ENOMEM; return -1; }
  n = *cap ? *cap : first ? first : 1;
  while (n < need) {
    if (n > lim / 2) { n = lim; break; }
    n *= 2;
  }
  if (n > lim) n = lim;
  /* the caller's pointer, whatever its type: all object pointers share
   * one representation on the systems we build for (POSIX asks it) */
  memcpy(&p, pp, sizeof p);
  p = realloc(p, n * elsize > 0 ? n * elsize : 1);
  if (!p) { errno = ENOMEM; return -1; }
  memcpy(pp, &p, sizeof p);
  *cap = n;
  return 0;
}

int grow_array(void *pp, size_t *cap, size_t need, size_t elsize, size_t first)
{
  return grow_bounded(pp, cap, need, elsize, first, SIZE_MAX);
}
