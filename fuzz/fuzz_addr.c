/* fuzz_addr.c: libFuzzer harness for address syntax.  The input, not
 * NUL-terminated, goes to addr_check, domain_check and local_check;
 * whatever they accept must have the shape addr.h describes. */
#include "addr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* no control characters, spaces, DEL or 8-bit bytes, no quoting */
static int plain(const uint8_t *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i] < 33 || p[i] > 126 || p[i] == '"' || p[i] == '\\') return 0;
  return 1;
}

static void lower_check(const char *d, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (d[i] >= 'A' && d[i] <= 'Z') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  char a[ADDR_MAX + 1];
  const uint8_t *at;
  size_t ll, i;
  size_t label = 0;

  if (addr_check(s, size)) {
    if (size == 0 || size > ADDR_MAX || !plain(data, size)) abort();
    at = memchr(data, '@', size);
    if (!at || memchr(at + 1, '@', size - (size_t)(at - data) - 1)) abort();
    ll = (size_t)(at - data);
    if (!local_check(s, ll) || !domain_check(s + ll + 1, size - ll - 1)) abort();
    memcpy(a, data, size);
    a[size] = 0;
    if (addr_domain(a) != a + ll + 1) abort();
    addr_lower(a);
    if (memcmp(a, data, ll) || !addr_check(a, size)) abort();
    lower_check(a + ll + 1, size - ll - 1);
  }
  if (domain_check(s, size)) {
    if (size == 0 || size > DOMAIN_MAX || !plain(data, size)) abort();
    if (data[0] == '.' || data[0] == '-' || data[size - 1] == '.' || data[size - 1] == '-')
      abort();
    for (i = 0; i < size; i++) {
      uint8_t c = data[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.'))
        abort();
      if (c == '.' && (data[i + 1] == '.' || data[i + 1] == '-' || data[i - 1] == '-')) abort();
      label = c == '.' ? 0 : label + 1;
      if (label > 63) abort();
    }
    memcpy(a, data, size);
    a[size] = 0;
    domain_lower(a);
    lower_check(a, size);
    if (!domain_check(a, size)) abort();
  }
  if (local_check(s, size)) {
    if (size == 0 || size > LOCAL_MAX || !plain(data, size)) abort();
    if (memchr(data, '@', size)) abort();
    if (data[0] == '.' || data[size - 1] == '.') abort();
    for (i = 0; i + 1 < size; i++)
      if (data[i] == '.' && data[i + 1] == '.') abort();
  }
  return 0;
}
