/* fuzz_rfc822.c: libFuzzer harness for lib/rfc822.  The input is read
 * three ways: its first line by rfc822_line (a decided prefix must give
 * the answer of the whole line), the whole as a header block by
 * rfc822_field_next (fields tile the block, names are what rfc822.h
 * says), and the whole as an address list by rfc822_addrs_next
 * (addresses bounded and without blanks, the end or the error sticks, and
 * an address that passes addr_check parses back to itself). */
#include "addr.h"
#include "rfc822.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int namechar(uint8_t c)
{
  return c > 32 && c < 127 && c != ':';
}

static void line(const uint8_t *p, size_t n)
{
  const size_t cuts[] = {0, 1, 2, n / 2, n > 0 ? n - 1 : 0, n};
  size_t i, c;
  int first;
  for (first = 0; first < 2; first++) {
    int whole = rfc822_line(p, n, first, 1);
    if (whole == RFC822_MORE) abort();
    if (whole == RFC822_CONT && (first || (p[0] != ' ' && p[0] != '\t'))) abort();
    if (whole == RFC822_FIELD) {
      const uint8_t *colon = memchr(p, ':', n);
      if (!colon || colon == p || colon - p > RFC822_NAME_MAX || !namechar(p[0])) abort();
      for (i = 0; p + i < colon; i++)
        if (!namechar(p[i]) && p[i] != ' ' && p[i] != '\t') abort();
    }
    for (c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
      int part;
      if (cuts[c] > n) continue;
      part = rfc822_line(p, cuts[c], first, 0);
      if (part == RFC822_MORE) {
        if (cuts[c] > RFC822_NAME_MAX) abort();
      } else if (part != whole) {
        abort();
      }
    }
  }
}

static void fields(const uint8_t *p, size_t n)
{
  struct rfc822_field f;
  size_t pos = 0, last = 0, count = 0, i;
  int r;
  while ((r = rfc822_field_next(p, n, &pos, &f)) == 1) {
    if (f.start != last || f.end != pos || f.end <= f.start || f.end > n) abort();
    if (f.name != p + f.start || f.namelen == 0) abort();
    for (i = 0; i < f.namelen; i++)
      if (!namechar(f.name[i])) abort();
    if (f.value <= f.name + f.namelen || f.value[-1] != ':') abort();
    if (f.value + f.valuelen != p + f.end) abort();
    if (!rfc822_field_is(&f, "x") && f.namelen == 1 && (f.name[0] | 0x20) == 'x') abort();
    last = pos;
    if (++count > n) abort();
  }
  if (r == 0 && pos != n) abort();
  if (r == -1 && pos != last) abort();
  if (r != 0 && r != -1) abort();
}

/* again: the address a, written as a list in several ways, gives a */
static void again(const char *a)
{
  static const char *const pre[] = {"", "N <", " (c) g: \"q, r\" <", "<@r,@s:"};
  static const char *const post[] = {"", ">", "> ;", ">,"};
  char v[ADDR_MAX + 64], out[ADDR_MAX + 1];
  size_t k;
  for (k = 0; k < sizeof pre / sizeof pre[0]; k++) {
    struct rfc822_addrs ad;
    snprintf(v, sizeof v, "%s%s%s", pre[k], a, post[k]);
    rfc822_addrs_init(&ad, v, strlen(v));
    if (rfc822_addrs_next(&ad, out) != 1 || strcmp(out, a)) abort();
    if (rfc822_addrs_next(&ad, out) != 0 || ad.err) abort();
  }
}

static void addrs(const uint8_t *p, size_t n)
{
  struct rfc822_addrs ad;
  char out[ADDR_MAX + 1];
  size_t count = 0, before = 0;
  int r;
  rfc822_addrs_init(&ad, p, n);
  while ((r = rfc822_addrs_next(&ad, out)) == 1) {
    size_t len = strlen(out);
    if (len < 3 || len > ADDR_MAX || !strchr(out, '@')) abort();
    if (strpbrk(out, "\r\n")) abort();
    if (ad.pos <= before || ad.pos > n || ad.err) abort();
    before = ad.pos;
    if (++count > n) abort();
    if (addr_check(out, len)) again(out);
  }
  if ((r == -1) != (ad.err != RFC822_OK)) abort();
  if (r == -1 && !strcmp(rfc822_strerror(ad.err), rfc822_strerror(-1))) abort();
  if (rfc822_addrs_next(&ad, out) != r) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr(data, '\n', size);
  line(data, nl ? (size_t)(nl - data) : size);
  fields(data, size);
  addrs(data, size);
  return 0;
}
