/* netstr.c: netstrings.  Trusts nothing it reads: lengths are bounded
 * before use and the digits are strictly checked. */
#include "netstr.h"

#include <stdio.h>

int netstr_put(struct buf *b, const void *p, size_t n)
{
  char h[32];
  int l = snprintf(h, sizeof h, "%zu:", n);
  if (buf_append(b, h, (size_t)l) == -1) return -1;
  if (buf_append(b, p, n) == -1) return -1;
  return buf_append(b, ",", 1);
}

int netstr_puts(struct buf *b, const char *s)
{
  size_t n = 0;
  while (s[n]) n++;
  return netstr_put(b, s, n);
}

int netstr_putu(struct buf *b, unsigned long long v)
{
  char d[32];
  int l = snprintf(d, sizeof d, "%llu", v);
  return netstr_put(b, d, (size_t)l);
}

int netstr_get(struct rd *r, const unsigned char **p, size_t *n, size_t max)
{
  size_t len = 0, digits = 0;
  unsigned char c;
  if (max > NETSTR_MAX) max = NETSTR_MAX;
  for (;;) {
    const unsigned char *q = rd_ptr(r, 1);
    if (!q) return -1;
    c = *q;
    if (c == ':') break;
    if (c < '0' || c > '9' || (digits == 1 && len == 0) || digits >= 9) {
      r->err = 1;
      return -1;
    }
    len = len * 10 + (size_t)(c - '0');
    digits++;
  }
  if (digits == 0 || len > max) { r->err = 1; return -1; }
  *p = rd_ptr(r, len);
  if (!*p) return -1;
  if (rd_u8(r) != ',' || r->err) { r->err = 1; return -1; }
  *n = len;
  return 0;
}
