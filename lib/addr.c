/* addr.c: address syntax.  Everything it reads is untrusted: addresses
 * arrive in packets, headers, command lines and queue files. */
#include "addr.h"

#include <string.h>

static int localchar(unsigned char c)
{
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= 'A' && c <= 'Z') return 1;
  if (c >= '0' && c <= '9') return 1;
  return c && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

int local_check(const char *s, size_t n)
{
  size_t i;
  if (n == 0 || n > LOCAL_MAX) return 0;
  if (s[0] == '.' || s[n - 1] == '.') return 0;
  for (i = 0; i < n; i++) {
    if (!localchar((unsigned char)s[i])) return 0;
    if (s[i] == '.' && i + 1 < n && s[i + 1] == '.') return 0;
  }
  return 1;
}

int domain_check(const char *s, size_t n)
{
  size_t i, label = 0;
  if (n == 0 || n > DOMAIN_MAX) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-') return 0;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-'))
      return 0;
    if (c == '-' && label == 0) return 0;
    if (++label > 63) return 0;
  }
  return label > 0 && s[n - 1] != '-';
}

int addr_check(const char *s, size_t n)
{
  const char *at;
  if (n == 0 || n > ADDR_MAX || memchr(s, 0, n)) return 0;
  at = memchr(s, '@', n);
  if (!at) return 0;
  if (memchr(at + 1, '@', n - (size_t)(at - s) - 1)) return 0;
  return local_check(s, (size_t)(at - s)) &&
         domain_check(at + 1, n - (size_t)(at - s) - 1);
}

const char *addr_domain(const char *s)
{
  const char *at = strrchr(s, '@');
  return at ? at + 1 : s + strlen(s);
}

void domain_lower(char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

void addr_lower(char *s)
{
  char *at = strrchr(s, '@');
  if (at) domain_lower(at + 1);
}
