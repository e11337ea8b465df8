/* servers.h: the servers table: for each mail domain, the address of its
 * ISP, the UDP ports of its inbox (im2k-inboxd) and fetch (im2k-fetchd)
 * daemons, and its long-term public key.  Text form, one per line in
 * control/servers:
 *     DOMAIN:IPV4:INBOXPORT:FETCHPORT:PUBLICKEYHEX
 * compiled by im2k-servers into control/servers.cdb (key DOMAIN in lower
 * case, value the rest of the line). */
#ifndef IM2K_SERVERS_H
#define IM2K_SERVERS_H

#include "table.h"

#include <stddef.h>
#include <stdint.h>

struct server {
  char ip[16];
  uint16_t inbox_port;
  uint16_t fetch_port;
  unsigned char pk[32];
};

/* server_parse: the value part "IPV4:INBOXPORT:FETCHPORT:PKHEX"; 0 or -1
 * with EINVAL. */
int server_parse(const char *s, size_t n, struct server *out);
/* server_line: a whole text line (no newline); domain gets the lower-case
 * domain and *val points to the value part. */
int server_line(const char *s, size_t n, char domain[256], const char **val,
                size_t *vlen, struct server *out);
/* servers_lookup: 1 found, 0 unknown domain, -1 error (EINVAL: damaged
 * entry). */
int servers_lookup(struct table *t, const char *domain, struct server *out);

/* user_line: "NAME:PKHEX" from control/users; 0 or -1 EINVAL. */
int user_line(const char *s, size_t n, char name[65], unsigned char pk[32]);

/* servers_row, users_row: ctl_compile rows for control/servers and
 * control/users (key: lower-case domain or user name). */
int servers_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
                size_t *vlen);
int users_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
              size_t *vlen);

/* lists_row: ctl_compile row for control/lists, "NAME:UID" (the public
 * archives, im2k-mkarchive -p): key NAME, value UID in decimal. */
int lists_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
              size_t *vlen);
/* lists_lookup: is NAME a public list of this ISP?  1 and its uid, 0 if
 * not (or there is no control/lists.cdb: no lists), -1 on error (EINVAL:
 * a damaged entry). */
int lists_lookup(int homefd, const char *name, uint32_t *uid);
/* lists_get: the same in a table already open. */
int lists_get(struct table *t, const char *name, uint32_t *uid);

/* servers_me: control/me and its own entry in control/servers.cdb; -1
 * with ENOENT when the table has no entry for it. */
int servers_me(int homefd, char me[256], struct server *out);

#endif
