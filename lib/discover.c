/* discover.c: the server of a domain, from the table or from DNS, with a
 * bounded cache.  Trusts nothing in an answer: it must come from a name
 * server of the configuration, carry the id of a lookup in flight and
 * answer its question (dns.c), and its record must parse in full. */
#include "discover.h"
#include "addr.h"
#include "bytes.h"
#include "hex.h"
#include "udp.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE 16
#define TRIES 3
#define POSTAGE_MAX 40
#define RATE 200        /* new lookups a second */

struct dentry {
  char dom[256];
  int state;              /* enum discover_result; 0 with !used: free */
  int used;
  struct server s;
  unsigned postage;
  int64_t expire;         /* ms; for DISCOVER_WAIT: when to resend */
  uint16_t id;
  int tries;
};

struct discover {
  struct dns_conf conf;
  int fd;
  size_t n;
  struct dentry *e;
  unsigned char hkey[crypto_shorthash_KEYBYTES];
  uint64_t stats[4];
  size_t nwait;           /* entries in DISCOVER_WAIT */
  int64_t due;            /* no resend is due before this */
  double tokens;          /* new lookups allowed now */
  int64_t last;
  int homefd;             /* -1: no servers table */
  struct table_kept servers;
};

/* field: one "tag=value" of the list, already trimmed: spaces and tabs
 * may stand around '=' (the tag-list of RFC 6376 3.2); a tag is a letter,
 * then letters, digits or '_'.  0, or -1 when it is no such field. */
static int field(const char *p, size_t n, const char **tag, size_t *tl, const char **v,
                 size_t *vl)
{
  const char *eq = memchr(p, '=', n);
  size_t i, a;
  if (!eq) return -1;
  a = (size_t)(eq - p);
  i = a;
  while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t')) i--;
  if (i == 0) return -1;
  *tag = p;
  *tl = i;
  for (i = 0; i < *tl; i++) {
    char c = p[i];
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '_'))) return -1;
  }
  a++;
  while (a < n && (p[a] == ' ' || p[a] == '\t')) a++;
  *v = p + a;
  *vl = n - a;
  return 0;
}

static int is(const char *tag, size_t tl, char c) { return tl == 1 && tag[0] == c; }

int discover_txt_parse(const char *txt, size_t n, struct server *out, unsigned *postage)
{
  size_t i = 0, k = 0;
  int have = 0; /* bits: a n f k p */
  struct in_addr ia;
  memset(out, 0, sizeof *out);
  *postage = 0;
  if (memchr(txt, 0, n)) goto bad; /* inet_pton would stop at it */
  while (i <= n) {
    size_t a = i, b, vl, tl;
    const char *v, *tag;
    uint64_t x;
    while (i < n && txt[i] != ';') i++;
    b = i++;
    while (a < b && (txt[a] == ' ' || txt[a] == '\t')) a++;
    while (b > a && (txt[b - 1] == ' ' || txt[b - 1] == '\t')) b--;
    if (k++ == 0) {
      /* exactly the prefix the record is chosen by (dns_txt_answer) */
      if (b - a != 7 || memcmp(txt + a, DISCOVER_PREFIX, 7)) goto bad;
      continue;
    }
    if (a == b) {
      if (i > n) break; /* a final ';' */
      goto bad;
    }
    /* a tag has a value; other tags are for later versions */
    if (field(txt + a, b - a, &tag, &tl, &v, &vl) == -1) goto bad;
    if (is(tag, tl, 'v')) goto bad; /* a second version */
    if (is(tag, tl, 'a')) {
      if (have & 1 || vl == 0 || vl >= sizeof out->ip) goto bad;
      memcpy(out->ip, v, vl);
      out->ip[vl] = 0;
      if (inet_pton(AF_INET, out->ip, &ia) != 1) goto bad;
      have |= 1;
    } else if (is(tag, tl, 'n')) {
      if (have & 2 || scan_u64(v, vl, 65535, &x) == -1 || x == 0) goto bad;
      out->inbox_port = (uint16_t)x;
      have |= 2;
    } else if (is(tag, tl, 'f')) {
      if (have & 4 || scan_u64(v, vl, 65535, &x) == -1 || x == 0) goto bad;
      out->fetch_port = (uint16_t)x;
      have |= 4;
    } else if (is(tag, tl, 'k')) {
      if (have & 8 || hex_decode(out->pk, 32, v, vl) == -1) goto bad;
      have |= 8;
    } else if (is(tag, tl, 'p')) {
      if (have & 16 || scan_u64(v, vl, POSTAGE_MAX, &x) == -1) goto bad;
      *postage = (unsigned)x;
      have |= 16;
    }
  }
  if ((have & 15) != 15) goto bad;
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

struct discover *discover_new(const struct dns_conf *c, size_t slots)
{
  struct discover *d;
  if (!slots || (slots & (slots - 1)) || !c->nns) { errno = EINVAL; return NULL; }
  d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->e = calloc(slots, sizeof *d->e);
  if (!d->e) { free(d); return NULL; }
  d->n = slots;
  d->conf = *c;
  d->fd = -1; /* made by the first query: a daemon whose peers are all in
               * its table spends no descriptor on DNS */
  crypto_shorthash_keygen(d->hkey);
  d->tokens = RATE;
  d->last = now_ms();
  d->homefd = -1;
  d->servers = (struct table_kept)TABLE_KEPT("control/servers.cdb");
  return d;
}

struct discover *discover_open(int homefd, size_t slots)
{
  struct dns_conf c;
  struct discover *d;
  if (dns_conf_read(homefd, &c) == -1) return NULL;
  d = discover_new(&c, slots);
  if (d) d->homefd = homefd;
  return d;
}

void discover_free(struct discover *d)
{
  if (!d) return;
  if (d->fd != -1) close(d->fd);
  table_kept_close(&d->servers);
  free(d->e);
  free(d);
}

int discover_fd(const struct discover *d) { return d->fd; }

void discover_stats(const struct discover *d, uint64_t out[4])
{
  memcpy(out, d->stats, sizeof d->stats);
}

static size_t hslot(const struct discover *d, const char *dom)
{
  unsigned char h[crypto_shorthash_BYTES];
  uint64_t v;
  crypto_shorthash(h, (const unsigned char *)dom, strlen(dom), d->hkey);
  memcpy(&v, h, 8);
  return (size_t)v & (d->n - 1);
}

static void ask(struct discover *d, struct dentry *x, int64_t now)
{
  unsigned char q[512];
  char name[300];
  int ql;
  const struct sockaddr_in *ns = &d->conf.ns[x->tries % d->conf.nns];
  snprintf(name, sizeof name, "%s%s", DISCOVER_LABEL, x->dom);
  x->id = (uint16_t)randombytes_uniform(65536);
  ql = dns_query(name, ns_t_txt, x->id, q, sizeof q);
  x->expire = now + ((int64_t)1000 << x->tries);
  x->tries++;
  if (x->expire < d->due) d->due = x->expire;
  if (ql == -1) { /* cannot be asked: a name too long for DNS */
    x->state = DISCOVER_SMTP;
    d->nwait--;
    x->expire = now + (int64_t)DNS_NEG_TTL * 1000;
    return;
  }
  d->stats[0]++;
  if (d->fd == -1) d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (d->fd != -1 && sendto(d->fd, q, (size_t)ql, 0, (const struct sockaddr *)ns, sizeof *ns) == -1) {
    /* counts as a try unanswered */
  }
}

/* the table: 1 with *out, 0 not listed (or no table), -1 with errno */
static int listed(struct discover *d, const char *dom, struct server *out, int64_t now)
{
  struct table *t;
  struct server s;
  if (d->homefd == -1) return 0;
  t = table_kept(&d->servers, d->homefd, now);
  if (!t) return -1;
  return servers_lookup(t, dom, out ? out : &s);
}

int discover_listed(struct discover *d, const char *domain, int64_t now)
{
  char dom[256];
  size_t n = strlen(domain);
  if (!domain_check(domain, n)) { errno = EINVAL; return -1; }
  memcpy(dom, domain, n + 1);
  domain_lower(dom);
  return listed(d, dom, NULL, now);
}

enum discover_result discover_server(struct discover *d, const char *domain,
                                     struct discover_answer *a, int64_t now)
{
  char dom[256];
  size_t n = strlen(domain), i, h, pick = (size_t)-1;
  struct dentry *x;
  int r;
  a->postage = 0;
  a->peer = 0;
  if (!domain_check(domain, n)) { errno = EINVAL; return DISCOVER_FAILED; }
  memcpy(dom, domain, n + 1);
  domain_lower(dom);
  r = listed(d, dom, &a->s, now);
  if (r == 1) { a->peer = 1; return DISCOVER_FOUND; }
  if (r == -1) { if (errno == EAGAIN) errno = EIO; return DISCOVER_FAILED; }
  h = hslot(d, dom);
  for (i = 0; i < PROBE; i++) {
    x = &d->e[(h + i) & (d->n - 1)];
    if (x->used && !strcmp(x->dom, dom)) {
      if (x->state == DISCOVER_WAIT) return DISCOVER_WAIT;
      if (now < x->expire) {
        if (x->state == DISCOVER_FOUND) {
          a->s = x->s;
          a->postage = x->postage;
        }
        if (x->state == DISCOVER_FAILED) errno = EAGAIN;
        return (enum discover_result)x->state;
      }
      pick = (h + i) & (d->n - 1); /* expired: ask again in place */
      break;
    }
  }
  if (pick == (size_t)-1) {
    int64_t oldest = INT64_MAX;
    for (i = 0; i < PROBE; i++) {
      size_t s = (h + i) & (d->n - 1);
      x = &d->e[s];
      if (!x->used) { pick = s; break; }
      if (x->state != DISCOVER_WAIT && x->expire < oldest) { oldest = x->expire; pick = s; }
    }
  }
  /* new lookups: at most RATE a second, in bursts of RATE, so that
   * requests naming ever new domains cannot flood the name server */
  d->tokens += (double)(now - d->last) * RATE / 1000;
  if (d->tokens > RATE) d->tokens = RATE;
  d->last = now;
  if (pick == (size_t)-1 || d->tokens < 1) { errno = EAGAIN; return DISCOVER_FAILED; }
  d->tokens -= 1;
  x = &d->e[pick];
  memset(x, 0, sizeof *x);
  memcpy(x->dom, dom, n + 1);
  x->used = 1;
  x->state = DISCOVER_WAIT;
  d->nwait++;
  ask(d, x, now);
  if (x->state == DISCOVER_FAILED) errno = EAGAIN;
  return (enum discover_result)x->state;
}

static int fromserver(const struct discover *d, const struct sockaddr_in *sa)
{
  int i;
  for (i = 0; i < d->conf.nns; i++)
    if (d->conf.ns[i].sin_addr.s_addr == sa->sin_addr.s_addr && d->conf.ns[i].sin_port == sa->sin_port)
      return 1;
  return 0;
}

static void answer(struct discover *d, const unsigned char *p, size_t n, int64_t now)
{
  int id = dns_answer_id(p, n);
  size_t i;
  if (id == -1) return;
  for (i = 0; i < d->n; i++) {
    struct dentry *x = &d->e[i];
    char name[300], txt[DNS_TXT_MAX];
    uint32_t ttl = DNS_NEG_TTL;
    int r;
    if (!x->used || x->state != DISCOVER_WAIT || x->id != id) continue;
    snprintf(name, sizeof name, "%s%s", DISCOVER_LABEL, x->dom);
    r = dns_txt_answer(p, n, name, DISCOVER_PREFIX, txt, &ttl);
    if (r == DNS_FAIL) continue; /* not the answer to this question */
    d->nwait--;
    if (r == DNS_NONE) {
      x->state = DISCOVER_SMTP;
      d->stats[2]++;
    } else if (discover_txt_parse(txt, strlen(txt), &x->s, &x->postage) == -1) {
      /* a record that does not parse: the domain means im2k but says it
       * wrongly; not a reason to fall back to SMTP */
      x->state = DISCOVER_FAILED;
      ttl = DISCOVER_FAIL_TTL;
      d->stats[3]++;
    } else {
      x->state = DISCOVER_FOUND;
      d->stats[1]++;
    }
    x->expire = now + (int64_t)ttl * 1000;
    return;
  }
}

void discover_input(struct discover *d, int64_t now)
{
  unsigned char p[4096];
  if (d->fd == -1) return;
  for (;;) {
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    ssize_t n = recvfrom(d->fd, p, sizeof p, MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
    if (n < 0) return;
    if (sl == sizeof sa && sa.sin_family == AF_INET && fromserver(d, &sa)) answer(d, p, (size_t)n, now);
  }
}

int64_t discover_tick(struct discover *d, int64_t now)
{
  size_t i;
  int64_t next = 1000;
  if (!d->nwait) return next;
  if (now < d->due) return d->due - now;
  for (i = 0; i < d->n; i++) {
    struct dentry *x = &d->e[i];
    if (!x->used || x->state != DISCOVER_WAIT) continue;
    if (now >= x->expire) {
      if (x->tries >= TRIES) {
        x->state = DISCOVER_FAILED;
        x->expire = now + (int64_t)DISCOVER_FAIL_TTL * 1000;
        d->stats[3]++;
        d->nwait--;
        continue;
      }
      ask(d, x, now);
      if (x->state != DISCOVER_WAIT) continue;
    }
    if (x->expire - now < next) next = x->expire - now;
  }
  if (next < 0) next = 0;
  d->due = now + next;
  return next;
}

enum discover_result discover_wait(struct discover *d, const char *domain,
                                   struct discover_answer *a, int timeout_ms)
{
  int64_t end = now_ms() + timeout_ms;
  for (;;) {
    int64_t now = now_ms(), wait;
    struct pollfd pf;
    enum discover_result r = discover_server(d, domain, a, now);
    if (r != DISCOVER_WAIT) return r;
    if (now >= end) { errno = EAGAIN; return DISCOVER_FAILED; }
    wait = discover_tick(d, now);
    if (wait > end - now) wait = end - now;
    pf.fd = d->fd;
    pf.events = POLLIN;
    if (poll(&pf, 1, (int)wait) > 0) discover_input(d, now_ms());
  }
}
