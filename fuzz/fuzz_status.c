/* fuzz_status.c: libFuzzer harness for status_parse.  The input is a
 * queue/status/ file; whatever parses must encode and parse back to the
 * same records.  Each field has exactly one spelling, so the encoding
 * must also be the input itself. */
#include "addr.h"
#include "buf.h"
#include "status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char empty[1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct status_rec *a = NULL, *b = NULL;
  size_t na, nb, i;
  struct buf e;
  if (status_parse(data, size, &a, &na) == -1) return 0;
  for (i = 0; i < na; i++)
    if (a[i].state < 0 || a[i].state >= STATUS_NSTATES ||
        !addr_check(a[i].rcpt, strlen(a[i].rcpt)) || a[i].last < 0)
      abort();
  buf_init(&e, 2 * size + 4096);
  if (status_encode(a, na, &e) == -1) abort();
  /* an empty encoding has no buffer: give the parser a real pointer */
  if (status_parse(e.len ? e.p : empty, e.len, &b, &nb) == -1) abort();
  if (na != nb) abort();
  for (i = 0; i < na; i++)
    if (a[i].state != b[i].state || a[i].tries != b[i].tries ||
        a[i].last != b[i].last || strcmp(a[i].rcpt, b[i].rcpt) ||
        strcmp(a[i].reply ? a[i].reply : "", b[i].reply ? b[i].reply : ""))
      abort();
  if (e.len != size || (size && memcmp(e.p, data, size))) abort();
  status_free(a, na);
  status_free(b, nb);
  buf_free(&e);
  return 0;
}
