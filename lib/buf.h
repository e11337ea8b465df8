/* buf.h: a growable byte buffer with a hard upper bound, so that no
 * outside input can make a program allocate without limit. */
#ifndef IM2K_BUF_H
#define IM2K_BUF_H

#include <stddef.h>

struct buf {
  unsigned char *p;
  size_t len;
  size_t cap;
  size_t max;   /* len never exceeds max */
};

/* buf_init: empty buffer that may grow to max bytes. */
void buf_init(struct buf *b, size_t max);
/* buf_append: 0, or -1 with errno EMSGSIZE (over max) or ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_appends(struct buf *b, const char *s);
/* buf_appendz: append a NUL that is not counted in len (for C strings). */
int buf_appendz(struct buf *b);
void buf_free(struct buf *b);

#endif
