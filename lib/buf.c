/* buf.c: bounded growable buffers.  Trusts nothing about sizes:
 * every addition is checked against max and for overflow. */
#include "buf.h"
#include "grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
  b->p = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

/* grow: room for need bytes, never more than max + 1 (the content and
 * the NUL of buf_appendz); the callers have checked need against it */
static int grow(struct buf *b, size_t need)
{
  size_t lim = b->max < (size_t)-1 ? b->max + 1 : (size_t)-1;
  return grow_bounded(&b->p, &b->cap, need, 1, 64, lim);
}

int buf_append(struct buf *b, const void *p, size_t n)
{
  if (n > b->max || b->len > b->max - n) { errno = EMSGSIZE; return -1; }
  if (b->len + n == (size_t)-1) { errno = ENOMEM; return -1; }
  if (grow(b, b->len + n + 1) == -1) return -1;
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

int buf_appends(struct buf *b, const char *s)
{
  return buf_append(b, s, strlen(s));
}

int buf_appendz(struct buf *b)
{
  if (grow(b, b->len + 1) == -1) return -1;
  b->p[b->len] = 0;
  return 0;
}

void buf_free(struct buf *b)
{
  free(b->p);
  buf_init(b, b->max);
}
