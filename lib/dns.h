/* dns.h: DNS lookups through the C library's resolver (libresolv):
 * queries built by res_nmkquery, answers read by ns_initparse and
 * ns_parserr, sent to the name servers in control/dnsip, or to the
 * system's (resolv.conf) when that file does not exist.  Answers are
 * outside input: every record is checked before it is used.
 *
 * Results: DNS_FOUND (records, with their TTL), DNS_NONE (the name does
 * not exist, or has no record of that type: a final answer, cached for
 * the zone's negative TTL), DNS_FAIL (no answer, SERVFAIL, a damaged
 * answer: try again later). */
#ifndef IM2K_DNS_H
#define IM2K_DNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum { DNS_FAIL = -1, DNS_NONE = 0, DNS_FOUND = 1,
       DNS_NULLMX = 2 /* dns_mx only: the domain's one MX is "." (RFC 7505):
                       * it takes no mail */ };

#define DNS_SERVERS 3
#define DNS_TXT_MAX 512    /* the one TXT string we keep, its strings joined */
#define DNS_MX_MAX 16      /* exchangers kept, by preference */
#define DNS_TTL_MIN 5
#define DNS_TTL_MAX 86400
#define DNS_NEG_TTL 300    /* negative TTL when the answer carries no SOA */

struct dns_conf {
  struct sockaddr_in ns[DNS_SERVERS];
  int nns;
};

/* dns_conf_read: the name servers from homefd's control/dnsip, one
 * "IPV4" or "IPV4:PORT" per line (# comments), else from resolv.conf
 * through res_ninit.  0, or -1 (EINVAL: a bad line in control/dnsip). */
int dns_conf_read(int homefd, struct dns_conf *c);

/* dns_query: a query for name of type (ns_t_txt, ns_t_mx, ns_t_a) with
 * the given id, into out; its length, or -1 (EINVAL: a bad name). */
int dns_query(const char *name, int type, uint16_t id, unsigned char *out, size_t max);
/* dns_answer_id: the id of an answer, -1 if it is not one. */
int dns_answer_id(const unsigned char *p, size_t n);

/* dns_txt_answer: read an answer to a TXT query for name: DNS_FOUND with
 * the first TXT record's strings joined in txt (NUL-terminated) and its
 * TTL; DNS_NONE with the negative TTL; DNS_FAIL.  When several TXT
 * records exist, the first that begins with prefix is taken (prefix may
 * be NULL: the first). */
int dns_txt_answer(const unsigned char *p, size_t n, const char *name, const char *prefix,
                   char txt[DNS_TXT_MAX], uint32_t *ttl);

struct dns_mx {
  uint16_t pref;
  char host[256];
};
/* dns_mx_answer: the MX records of an answer to an MX query for name,
 * sorted by preference (at most DNS_MX_MAX); DNS_NONE when there are none
 * (the caller then uses the name's own address, RFC 5321 5.1);
 * DNS_NULLMX when the only ones are null MX records ("."). */
int dns_mx_answer(const unsigned char *p, size_t n, const char *name, struct dns_mx *mx,
                  int *nmx, uint32_t *ttl);
/* dns_a_answer: the IPv4 addresses of an answer to an A query for name
 * (at most max). */
int dns_a_answer(const unsigned char *p, size_t n, const char *name, struct in_addr *a,
                 int max, int *na, uint32_t *ttl);

/* dns_ask: a blocking query to the servers in c, each tried in turn with
 * a timeout of timeout_ms, the whole at most three rounds; the answer in
 * ans (at most max bytes).  Its length, or -1 (ETIMEDOUT: no server
 * answered). */
int dns_ask(const struct dns_conf *c, const char *name, int type, unsigned char *ans,
            size_t max, int timeout_ms);

/* the blocking lookups, for clients (im2k-pickup, im2k-remote) */
int dns_txt(const struct dns_conf *c, const char *name, const char *prefix,
            char txt[DNS_TXT_MAX], uint32_t *ttl);
int dns_mx(const struct dns_conf *c, const char *name, struct dns_mx *mx, int *nmx);
int dns_a(const struct dns_conf *c, const char *name, struct in_addr *a, int max, int *na);

#endif
