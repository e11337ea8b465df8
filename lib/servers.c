/* servers.c: parsing the servers, users and lists tables.  Trusts nothing:
 * the text comes from an operator, the cdb from a disk. */
#include "servers.h"
#include "addr.h"
#include "bytes.h"
#include "ctl.h"
#include "hex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static int port(const char *s, size_t n, uint16_t *out)
{
  uint64_t v;
  if (scan_u64(s, n, 65535, &v) == -1 || v == 0) return -1;
  *out = (uint16_t)v;
  return 0;
}

int server_parse(const char *s, size_t n, struct server *out)
{
  const char *f[4];
  size_t fl[4];
  size_t i, k = 0, start = 0;
  struct in_addr a;
  for (i = 0; i <= n && k < 4; i++)
    if (i == n || s[i] == ':') {
      f[k] = s + start;
      fl[k++] = i - start;
      start = i + 1;
    }
  if (k != 4 || start != n + 1) goto bad;
  if (fl[0] == 0 || fl[0] >= sizeof out->ip) goto bad;
  memcpy(out->ip, f[0], fl[0]);
  out->ip[fl[0]] = 0;
  if (inet_pton(AF_INET, out->ip, &a) != 1) goto bad;
  if (port(f[1], fl[1], &out->inbox_port) || port(f[2], fl[2], &out->fetch_port))
    goto bad;
  if (hex_decode(out->pk, 32, f[3], fl[3])) goto bad;
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

int server_line(const char *s, size_t n, char domain[256], const char **val,
                size_t *vlen, struct server *out)
{
  const char *c = memchr(s, ':', n);
  size_t dl;
  if (!c) goto bad;
  dl = (size_t)(c - s);
  if (!domain_check(s, dl)) goto bad;
  memcpy(domain, s, dl);
  domain[dl] = 0;
  domain_lower(domain);
  *val = c + 1;
  *vlen = n - dl - 1;
  return server_parse(*val, *vlen, out);
bad:
  errno = EINVAL;
  return -1;
}

int servers_lookup(struct table *t, const char *domain, struct server *out)
{
  char v[256], d[256];
  size_t n = strlen(domain), vl;
  int r;
  if (!domain_check(domain, n)) return 0;
  memcpy(d, domain, n + 1);
  domain_lower(d);
  r = table_get(t, d, n, v, sizeof v, &vl);
  if (r <= 0) {
    if (r == -1 && errno == EMSGSIZE) errno = EINVAL;
    return r;
  }
  if (server_parse(v, vl, out) == -1) return -1;
  return 1;
}

int user_line(const char *s, size_t n, char name[65], unsigned char pk[32])
{
  const char *c = memchr(s, ':', n);
  size_t l;
  if (!c) goto bad;
  l = (size_t)(c - s);
  if (!local_check(s, l)) goto bad;
  memcpy(name, s, l);
  name[l] = 0;
  if (hex_decode(pk, 32, c + 1, n - l - 1)) goto bad;
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

int servers_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
                size_t *vlen)
{
  struct server s;
  char d[256];
  if (server_line(l, n, d, val, vlen, &s) == -1) return -1;
  *klen = strlen(d);
  memcpy(key, d, *klen);
  return 0;
}

int users_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
              size_t *vlen)
{
  char name[65];
  unsigned char pk[32];
  const char *c;
  if (user_line(l, n, name, pk) == -1) return -1;
  c = memchr(l, ':', n);
  *klen = strlen(name);
  memcpy(key, name, *klen);
  *val = c + 1;
  *vlen = n - (size_t)(c + 1 - l);
  return 0;
}

int lists_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
              size_t *vlen)
{
  const char *c = memchr(l, ':', n);
  uint64_t uid;
  if (!c || !local_check(l, (size_t)(c - l))) return -1;
  *val = c + 1;
  *vlen = n - (size_t)(c + 1 - l);
  /* uid 0 is root's, which has no archive; (uid_t)-1 is no uid */
  if (scan_u64(*val, *vlen, 0xfffffffeU, &uid) == -1 || uid == 0) return -1;
  *klen = (size_t)(c - l);
  memcpy(key, l, *klen);
  return 0;
}

int lists_lookup(int homefd, const char *name, uint32_t *uid)
{
  struct table t;
  int r;
  if (!local_check(name, strlen(name))) return 0;
  if (table_open(&t, homefd, "control/lists.cdb") == -1) return errno == ENOENT ? 0 : -1;
  r = lists_get(&t, name, uid);
  table_close(&t);
  return r;
}

int lists_get(struct table *t, const char *name, uint32_t *uid)
{
  char v[32];
  size_t n = strlen(name), vl;
  uint64_t u;
  int r;
  if (!local_check(name, n)) return 0;
  r = table_get(t, name, n, v, sizeof v, &vl);
  if (r == -1 && errno == EMSGSIZE) { errno = EINVAL; return -1; }
  if (r <= 0) return r;
  if (scan_u64(v, vl, 0xfffffffeU, &u) == -1 || u == 0) { errno = EINVAL; return -1; }
  *uid = (uint32_t)u;
  return 1;
}

int servers_me(int homefd, char me[256], struct server *out)
{
  struct table t;
  int r;
  if (ctl_me(homefd, me) == -1) return -1;
  if (table_open(&t, homefd, "control/servers.cdb") == -1) return -1;
  r = servers_lookup(&t, me, out);
  table_close(&t);
  if (r == 0) { errno = ENOENT; return -1; }
  return r == 1 ? 0 : -1;
}
