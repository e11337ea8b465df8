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
#include "kept.h"
#include "servers.h"
#include "table.h"

#include <stddef.h>
#include <stdint.h>

/* what became of a question about a domain: one answer for every caller */
enum discover_result {
  DISCOVER_FAILED = -1, /* not now: errno EAGAIN when DNS failed or would
                         * not be asked (try again after DISCOVER_FAIL_TTL
                         * seconds); anything else when control/servers.cdb
                         * cannot be read or its entry is damaged (EINVAL
                         * also for a domain that is no domain) */
  DISCOVER_SMTP = 0,    /* no im2k server: the domain is reached over SMTP */
  DISCOVER_FOUND = 1,   /* its server is in the answer */
  DISCOVER_WAIT = 2     /* DNS asked; the answer is not here yet */
};

/* a server found */
struct discover_answer {
  struct server s;
  unsigned postage;   /* bits of postage its inbox asks of strangers (the
                       * record's p=); 0 from the table */
  int peer;           /* 1: from control/servers (a peer its operator
                       * listed), 0: found through DNS */
};

#define DISCOVER_FAIL_TTL 10
#define DISCOVER_PREFIX "v=im2k1"
#define DISCOVER_LABEL "_im2k."

struct discover;

/* discover_new: a cache of slots entries (a power of two) asking the
 * name servers in c, with no servers table; NULL with errno. */
struct discover *discover_new(const struct dns_conf *c, size_t slots);
void discover_free(struct discover *d);
/* discover_open: the way daemons and pickup find servers: the table
 * homefd's control/servers.cdb (kept open as a private copy, taken again
 * when it changes; see table_kept) overriding DNS, asked of the name
 * servers of homefd's control/dnsip (see dns_conf_read).  NULL with errno
 * (EINVAL: a bad line in control/dnsip).  homefd must stay open. */
struct discover *discover_open(int homefd, size_t slots);
/* discover_fd: the socket the answers come to (poll it for POLLIN); -1
 * before the first query (poll ignores it). */
int discover_fd(const struct discover *d);

/* discover_server: the server of domain at now (ms, monotonic): the
 * table first, then the DNS cache, asking DNS when the cache has no
 * answer.  Never blocks. */
enum discover_result discover_server(struct discover *d, const char *domain,
                                     struct discover_answer *a, int64_t now);
/* discover_listed: 1 if the table lists domain, 0 if not (or there is no
 * table), -1 with errno when it cannot be read. */
int discover_listed(struct discover *d, const char *domain, int64_t now);
/* discover_input: read the answers waiting on the socket. */
void discover_input(struct discover *d, int64_t now);
/* discover_tick: resend unanswered queries (after 1 and 2 s) and give
 * up on those unanswered 4 s after the third try (7 s in all).  Returns
 * the ms until the next resend is due (or 1000). */
int64_t discover_tick(struct discover *d, int64_t now);
/* discover_wait: discover_server, waiting up to timeout_ms for DNS to
 * answer (for clients); never DISCOVER_WAIT (a timeout is
 * DISCOVER_FAILED with EAGAIN). */
enum discover_result discover_wait(struct discover *d, const char *domain,
                                   struct discover_answer *a, int timeout_ms);
/* discover_stats: lookups sent, answers found, none, failed. */
void discover_stats(const struct discover *d, uint64_t out[4]);

/* discover_txt_parse: a TXT record's text; 0, or -1 with EINVAL. */
int discover_txt_parse(const char *txt, size_t n, struct server *out, unsigned *postage);

#endif
