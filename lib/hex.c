/* hex.c: hexadecimal.  Rejects anything that is not exactly the
 * expected number of digits. */
#include "hex.h"

#include <errno.h>

void hex_encode(char *out, const unsigned char *in, size_t n)
{
  static const char d[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = d[in[i] >> 4];
    out[2 * i + 1] = d[in[i] & 15];
  }
  out[2 * n] = 0;
}

static int val(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int hex_decode(unsigned char *out, size_t n, const char *s, size_t slen)
{
  size_t i;
  if (slen != 2 * n) { errno = EINVAL; return -1; }
  for (i = 0; i < n; i++) {
    int hi = val(s[2 * i]), lo = val(s[2 * i + 1]);
    if (hi < 0 || lo < 0) { errno = EINVAL; return -1; }
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}
