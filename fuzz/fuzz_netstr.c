/* fuzz_netstr.c: libFuzzer harness for netstr_get, reading the input as
 * a sequence of netstrings until the end or the first error, once with
 * the largest bound and once with a small one.  Each netstring read must
 * lie inside the input and be spelt exactly as netstr_put spells it. */
#include "buf.h"
#include "bytes.h"
#include "netstr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *data, size_t size, size_t max)
{
  struct rd r;
  struct buf b;
  rd_init(&r, data, size);
  buf_init(&b, NETSTR_MAX + 16);
  while (rd_left(&r)) {
    const unsigned char *p;
    size_t n, start = r.pos;
    if (netstr_get(&r, &p, &n, max) == -1) {
      if (!r.err || rd_left(&r)) abort();  /* an error sticks */
      break;
    }
    if (r.err || n > max || n > NETSTR_MAX) abort();
    if (p < data + start || p + n + 1 != data + r.pos || r.pos > size) abort();
    if (p[n] != ',') abort();
    b.len = 0;
    if (netstr_put(&b, p, n) == -1) abort();
    if (b.len != r.pos - start || memcmp(b.p, data + start, b.len)) abort();
  }
  buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  walk(data, size, (size_t)-1);
  walk(data, size, 20);
  return 0;
}
