/* fuzz_smtp.c: libFuzzer harness for lib/smtp.  The input is read as
 * command lines (smtp_verb, smtp_path for MAIL and RCPT) and, whole, as
 * a DATA stream fed in pieces of sizes taken from its first byte; the
 * stream must give the same verdict and output however it is cut, and
 * an end is only ever found right after CRLF "." CRLF. */
#include "smtp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lines(const uint8_t *p, size_t n)
{
  size_t i = 0;
  while (i < n) {
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    size_t l = nl ? (size_t)(nl - (p + i)) : n - i, argn;
    const char *arg;
    char a[SMTP_PATH_MAX + 1];
    uint64_t sz;
    enum smtp_verb v = smtp_verb((const char *)p + i, l, &arg, &argn);
    if (arg < (const char *)p + i || arg + argn > (const char *)p + i + l) abort();
    if (v == SMTP_MAIL || v == SMTP_RCPT) {
      if (smtp_path(arg, argn, v == SMTP_MAIL, a, &sz) == SMTP_PATH_OK) {
        size_t k, al = strlen(a);
        if (al > SMTP_PATH_MAX || (v == SMTP_RCPT && al == 0)) abort();
        for (k = 0; k < al; k++)
          if ((unsigned char)a[k] <= 32 || (unsigned char)a[k] >= 127 || a[k] == '<' || a[k] == '>')
            abort();
      }
    }
    i += l + 1;
  }
}

/* feed: the stream in pieces of step bytes; the output into out */
static size_t feed(const uint8_t *p, size_t n, size_t step, uint64_t max, struct smtp_data *d,
                   uint8_t *out, size_t *outn)
{
  size_t used = 0, ol;
  *outn = 0;
  smtp_data_init(d, max);
  while (used < n && !d->done) {
    size_t c = n - used < step ? n - used : step, u;
    u = smtp_data_feed(d, p + used, c, out + *outn, &ol);
    if (u > c || ol > u) abort();
    *outn += ol;
    used += u;
    if (u < c && !d->done) abort();
  }
  return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct smtp_data d1, d2;
  uint8_t *o1, *o2;
  size_t u1, u2, n1, n2, step;
  uint64_t max;
  if (size == 0) return 0;
  lines(data, size);
  step = (size_t)(data[0] % 7) + 1;
  max = data[0] & 0x80 ? 64 : 1 << 20;
  o1 = malloc(size);
  o2 = malloc(size);
  if (!o1 || !o2) abort();
  u1 = feed(data + 1, size - 1, size, max, &d1, o1, &n1);
  u2 = feed(data + 1, size - 1, step, max, &d2, o2, &n2);
  if (u1 != u2 || n1 != n2 || memcmp(o1, o2, n1) || d1.done != d2.done || d1.bare != d2.bare ||
      d1.toolong != d2.toolong || d1.toolarge != d2.toolarge)
    abort();
  if (d1.done && (u1 < 5 ? !(u1 == 3 && !memcmp(data + 1, ".\r\n", 3))
                          : memcmp(data + 1 + u1 - 5, "\r\n.\r\n", 5)))
    abort();
  if (n1 > max || memchr(o1, '\r', n1)) abort();
  free(o1);
  free(o2);
  return 0;
}
