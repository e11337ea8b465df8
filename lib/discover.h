/* discover.h: finding a domain's im2k server.  control/servers.cdb first
 * (it overrides: private peering, tests); then DNS: a TXT record at
 * _im2k.DOMAIN (see im2k-protocol(5)):
 *     v=im2k1; a=IPV4; n=INBOXPORT; f=FETCHPORT; k=PUBLICKEYHEX[; p=BITS]
 * Answers are cached for their TTL: found, "no im2k server" (the domain
 * is reached over SMTP) for the zone's negative TTL, and a failed lookup
 * for DISCOVER_FAIL_TTL seconds (try again later).  Lookups do not block:
 * a daemon polls discover_fd; a client waits with discover_wait. */
#ifndef IM2K_DISCOVER_H
#define IM2K_DISCOVER_H

#include "dns.h"
#include "servers.h"
#include "table.h"

#include <stddef.h>
#include <stdint.h>

enum {
  DISC_FAIL = -1,   /* DNS failed: try again later */
  DISC_NONE = 0,    /* no im2k server: the domain is on SMTP only */
  DISC_FOUND = 1,
  DISC_WAIT = 2     /* asked; the answer is not here yet */
};

#define DISCOVER_FAIL_TTL 10
#define DISCOVER_PREFIX "v=im2k1"
#define DISCOVER_LABEL "_im2k."

struct discover;

/* discover_new: a cache of slots entries (a power of two) asking the
 * name servers in c; NULL with errno. */
struct discover *discover_new(const struct dns_conf *c, size_t slots);
void discover_free(struct discover *d);
/* discover_open: discover_new with the name servers of homefd's
 * control/dnsip (see dns_conf_read); NULL with errno (EINVAL: a bad line
 * there). */
struct discover *discover_open(int homefd, size_t slots);
/* discover_fd: the socket the answers come to (poll it for POLLIN); -1
 * before the first query (poll ignores it). */
int discover_fd(const struct discover *d);

/* discover_find: the server of domain.  t may be NULL (no table).
 * DISC_FOUND with *out (and *postage, the bits of postage its inbox asks
 * of strangers: 0 from the table), DISC_NONE, DISC_FAIL, DISC_WAIT; -1 is
 * DISC_FAIL, also for a damaged table entry (errno EINVAL). */
int discover_find(struct discover *d, struct table *t, const char *domain,
                  struct server *out, unsigned *postage, int64_t now);
/* discover_input: read the answers waiting on the socket. */
void discover_input(struct discover *d, int64_t now);
/* discover_tick: resend unanswered queries (after 1 and 2 s) and give
 * up on those unanswered 4 s after the third try (7 s in all).  Returns the ms until the next
 * resend is due (or 1000). */
int64_t discover_tick(struct discover *d, int64_t now);
/* discover_wait: discover_find, waiting up to timeout_ms for the answer
 * (for clients). */
int discover_wait(struct discover *d, struct table *t, const char *domain,
                  struct server *out, unsigned *postage, int timeout_ms);
/* discover_stats: lookups sent, answers found, none, failed. */
void discover_stats(const struct discover *d, uint64_t out[4]);

/* discover_txt_parse: a TXT record's text; 0, or -1 with EINVAL. */
int discover_txt_parse(const char *txt, size_t n, struct server *out, unsigned *postage);

#endif
