/* netstr.h: netstrings ("5:hello,"), the record format of im2k's queue
 * and archive files.  Reading is bounded and strict. */
#ifndef IM2K_NETSTR_H
#define IM2K_NETSTR_H

#include "buf.h"
#include "bytes.h"

#define NETSTR_MAX 99999999  /* longest payload a reader accepts */

int netstr_put(struct buf *b, const void *p, size_t n);
int netstr_puts(struct buf *b, const char *s);
int netstr_putu(struct buf *b, unsigned long long v);
/* netstr_get: the next netstring in r, in place; 0, or -1 (r->err set)
 * on bad syntax, a leading zero, or a length over max. */
int netstr_get(struct rd *r, const unsigned char **p, size_t *n, size_t max);

#endif
