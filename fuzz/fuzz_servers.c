/* fuzz_servers.c: libFuzzer harness for the servers and users tables.
 * The input is tried as one line with server_line and user_line, then
 * as a whole control file walked by lines_next with the ctl rows
 * servers_row, users_row and lists_row.  Whatever is accepted must satisfy what
 * lines.h and servers.h promise. */
#include "addr.h"
#include "ctl.h"
#include "lines.h"
#include "servers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the key of a servers row: a domain, already in lower case */
static int lower_domain(const char *d, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (d[i] >= 'A' && d[i] <= 'Z') return 0;
  return domain_check(d, n);
}

static void one_server(const char *s, size_t n)
{
  char domain[256];
  const char *val;
  size_t vlen;
  struct server sv, again;
  if (server_line(s, n, domain, &val, &vlen, &sv) == -1) return;
  if (!lower_domain(domain, strlen(domain))) abort();
  if (val < s || val > s + n || vlen != (size_t)(s + n - val) || val[-1] != ':') abort();
  if (strlen(domain) != (size_t)(val - 1 - s)) abort();
  if (sv.inbox_port == 0 || sv.fetch_port == 0) abort();
  if (memchr(sv.ip, 0, sizeof sv.ip) == NULL) abort();
  /* the value part alone parses to the same server */
  if (server_parse(val, vlen, &again) == -1) abort();
  if (strcmp(sv.ip, again.ip) || sv.inbox_port != again.inbox_port ||
      sv.fetch_port != again.fetch_port || memcmp(sv.pk, again.pk, 32))
    abort();
}

static void one_user(const char *s, size_t n)
{
  char name[65];
  unsigned char pk[32];
  if (user_line(s, n, name, pk) == -1) return;
  if (!local_check(name, strlen(name))) abort();
  if (n != strlen(name) + 1 + 64 || s[strlen(name)] != ':') abort();
}

static void one_row(ctl_row row, int (*keycheck)(const char *, size_t), const char *s,
                    size_t n)
{
  char key[256];
  size_t klen;
  const char *val;
  size_t vlen;
  if (row(s, n, key, &klen, &val, &vlen) == -1) return;
  if (klen == 0 || klen > 255 || !keycheck(key, klen)) abort();
  if (val < s || val > s + n || vlen != (size_t)(s + n - val)) abort();
  if (memchr(key, ':', klen) || memchr(val, '\n', vlen)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data, *line;
  struct lines l;
  size_t len;
  int r;
  one_server(s, size);
  one_user(s, size);
  lines_init(&l, data, size);
  while ((r = lines_next(&l, &line, &len)) == 1) {
    if (line < s || line + len > s + size || len == 0) abort();
    if (line[0] == '#' || line[0] == ' ' || line[0] == '\t') abort();
    if (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r') abort();
    if (memchr(line, '\n', len) || memchr(line, 0, len)) abort();
    if (l.lineno == 0 || l.lineno > size) abort();
    one_server(line, len);
    one_user(line, len);
    one_row(servers_row, lower_domain, line, len);
    one_row(users_row, local_check, line, len);
    one_row(lists_row, local_check, line, len);
  }
  if (r != 0 && r != -1) abort();
  return 0;
}
