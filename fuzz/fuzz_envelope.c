/* fuzz_envelope.c: libFuzzer harness for envelope_next.  The input is an
 * envelope as im2k-archive reads it on descriptor 1; whatever parses must
 * encode again (envelope_from, _to, _end) to the input with its domains
 * in lower case, and that encoding must parse to the same records. */
#include "addr.h"
#include "buf.h"
#include "envelope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* what envelope.h promises of a record */
static void check_record(const struct envelope *e, int r, const char *a)
{
  size_t n = strlen(a);
  if (r != 'F' && r != 'T') abort();
  if (r == 'F' && e->nrcpt) abort();           /* F comes first */
  if (r == 'T' && !addr_check(a, n)) abort();
  if (r == 'F' && n && !addr_check(a, n)) abort();
  if (e->nrcpt > JOB_RCPT_MAX) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct envelope e, e2;
  struct buf b;
  char a[ADDR_MAX + 1], a2[ADDR_MAX + 1];
  size_t i;
  int r, r2;
  envelope_init(&e, data, size);
  buf_init(&b, ENVELOPE_MAX);
  while ((r = envelope_next(&e, a)) > 0) {
    check_record(&e, r, a);
    if ((r == 'F' ? envelope_from(&b, a) : envelope_to(&b, a)) == -1) abort();
  }
  if (r == -1) {
    /* a refusal says why, points into the input, and stays */
    if (e.err == ENVELOPE_OK) abort();
    if (e.bad && ((const uint8_t *)e.bad < data || (const uint8_t *)e.bad >= data + size ||
                  !memchr(e.bad, 0, size - (size_t)((const uint8_t *)e.bad - data))))
      abort();
    if (envelope_next(&e, a) != -1) abort();
    buf_free(&b);
    return 0;
  }
  if (envelope_next(&e, a) != 0) abort();
  if (envelope_end(&b) == -1) abort();
  /* one spelling but for the case of domains */
  if (b.len != size) abort();
  for (i = 0; i < size; i++)
    if (b.p[i] != data[i] && !(data[i] >= 'A' && data[i] <= 'Z' && b.p[i] == data[i] - 'A' + 'a'))
      abort();
  /* and the encoding parses to the same records */
  envelope_init(&e, data, size);
  envelope_init(&e2, b.p, b.len);
  do {
    r = envelope_next(&e, a);
    r2 = envelope_next(&e2, a2);
    if (r != r2 || (r > 0 && strcmp(a, a2))) abort();
  } while (r > 0);
  buf_free(&b);
  return 0;
}
