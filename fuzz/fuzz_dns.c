/* fuzz_dns.c: libFuzzer harness for DNS answers and the _im2k TXT record.
 * The input is read as an answer by dns_txt_answer, dns_mx_answer and
 * dns_a_answer, for fixed names, then for the name of its own question
 * with the question's type set to each reader's (so that most inputs
 * get past the question); by dns_answer_id; and as a record's text by
 * discover_txt_parse.  What is accepted must satisfy dns.h and
 * discover.h: results in range, TTLs clamped, TXT NUL-terminated and
 * under DNS_TXT_MAX, MX sorted and at most DNS_MX_MAX, no write past the
 * arrays, an answer only to the question asked, servers that parse back
 * to themselves. */
#include "discover.h"
#include "dns.h"
#include "hex.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AMAX 4

static void ttl_in(uint32_t ttl, uint32_t hi)
{
  if (ttl < DNS_TTL_MIN || ttl > hi) abort();
}

static int samename(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la && a[la - 1] == '.') la--;
  if (lb && b[lb - 1] == '.') lb--;
  return la == lb && !strncasecmp(a, b, la);
}

/* answered: a reader's result other than DNS_FAIL is only for an answer
 * (QR set, TC clear) of one question, name of type */
static void answered(const uint8_t *p, size_t n, const char *name, int type)
{
  ns_msg m;
  ns_rr rr;
  if (dns_answer_id(p, n) == -1) abort();
  if (ns_initparse(p, (int)n, &m) == -1 || ns_msg_count(m, ns_s_qd) != 1 ||
      ns_parserr(&m, ns_s_qd, 0, &rr) == -1)
    abort();
  if (!ns_msg_getflag(m, ns_f_qr) || ns_msg_getflag(m, ns_f_tc)) abort();
  if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in || !samename(ns_rr_name(rr), name))
    abort();
}

static void server_ok(const struct server *s, unsigned postage)
{
  struct in_addr ia;
  char txt[DNS_TXT_MAX], pk[65];
  struct server again;
  unsigned p2;
  int n;
  if (!memchr(s->ip, 0, sizeof s->ip) || inet_pton(AF_INET, s->ip, &ia) != 1) abort();
  if (s->inbox_port == 0 || s->fetch_port == 0 || postage > 40) abort();
  /* written out again, it parses to the same */
  hex_encode(pk, s->pk, 32);
  n = snprintf(txt, sizeof txt, "v=im2k1; a=%s; n=%u; f=%u; k=%s; p=%u", s->ip, s->inbox_port,
               s->fetch_port, pk, postage);
  if (n < 0 || (size_t)n >= sizeof txt) abort();
  if (discover_txt_parse(txt, (size_t)n, &again, &p2) == -1) abort();
  if (strcmp(again.ip, s->ip) || again.inbox_port != s->inbox_port ||
      again.fetch_port != s->fetch_port || memcmp(again.pk, s->pk, 32) || p2 != postage)
    abort();
}

static void one_txt(const uint8_t *p, size_t n, const char *name)
{
  int k;
  for (k = 0; k < 2; k++) {
    const char *prefix = k ? NULL : DISCOVER_PREFIX;
    char t[DNS_TXT_MAX + 1];
    uint32_t ttl = 0;
    int r;
    memset(t, 0x7f, sizeof t);
    r = dns_txt_answer(p, n, name, prefix, t, &ttl);
    if (t[DNS_TXT_MAX] != 0x7f) abort();
    if (r == DNS_FAIL) continue;
    answered(p, n, name, ns_t_txt);
    if (r == DNS_NONE) {
      ttl_in(ttl, 3600);
      continue;
    }
    if (r != DNS_FOUND) abort();
    if (!memchr(t, 0, DNS_TXT_MAX)) abort();
    if (prefix && strncmp(t, prefix, strlen(prefix))) abort();
    ttl_in(ttl, DNS_TTL_MAX);
    if (prefix) {
      struct server s;
      unsigned post;
      if (discover_txt_parse(t, strlen(t), &s, &post) == 0) server_ok(&s, post);
    }
  }
}

static void one_mx(const uint8_t *p, size_t n, const char *name)
{
  struct dns_mx mx[DNS_MX_MAX + 1];
  uint32_t ttl = 0;
  int nmx = -1, r, i;
  memset(mx, 0x7f, sizeof mx);
  r = dns_mx_answer(p, n, name, mx, &nmx, &ttl);
  if (mx[DNS_MX_MAX].pref != 0x7f7f || mx[DNS_MX_MAX].host[0] != 0x7f) abort();
  if (r == DNS_FAIL) return;
  answered(p, n, name, ns_t_mx);
  if (r == DNS_NONE || r == DNS_NULLMX) {
    if (nmx != 0) abort();
    ttl_in(ttl, DNS_TTL_MAX); /* a null MX's answer keeps DNS_TTL_MAX */
    return;
  }
  if (r != DNS_FOUND || nmx < 1 || nmx > DNS_MX_MAX) abort();
  ttl_in(ttl, DNS_TTL_MAX);
  for (i = 0; i < nmx; i++) {
    if (!memchr(mx[i].host, 0, sizeof mx[i].host) || !mx[i].host[0]) abort();
    if (i && mx[i - 1].pref > mx[i].pref) abort();
  }
  /* the best are kept: counted again here, every exchanger better than
   * the worst kept is among those kept, and all are kept when they fit */
  {
    ns_msg m;
    int cnt, all = 0, better = 0;
    if (ns_initparse(p, (int)n, &m) == -1) abort();
    cnt = ns_msg_count(m, ns_s_an);
    for (i = 0; i < cnt; i++) {
      ns_rr rr;
      char host[256];
      const unsigned char *d;
      if (ns_parserr(&m, ns_s_an, i, &rr) == -1) abort();
      if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in) continue;
      d = ns_rr_rdata(rr);
      if (ns_rr_rdlen(rr) < 3 ||
          dn_expand(ns_msg_base(m), ns_msg_end(m), d + 2, host, sizeof host) < 0)
        abort();
      if (!host[0]) continue;
      all++;
      if ((d[0] << 8 | d[1]) < mx[nmx - 1].pref) better++;
    }
    if (all < nmx || (nmx < DNS_MX_MAX && all != nmx) || better >= nmx) abort();
  }
}

static void one_a(const uint8_t *p, size_t n, const char *name)
{
  struct in_addr a[AMAX + 1];
  uint32_t ttl = 0;
  int na = -1, r;
  memset(a, 0x7f, sizeof a);
  r = dns_a_answer(p, n, name, a, AMAX, &na, &ttl);
  if (a[AMAX].s_addr != 0x7f7f7f7f) abort();
  if (r == DNS_FAIL) return;
  answered(p, n, name, ns_t_a);
  if (r == DNS_NONE) {
    if (na != 0) abort();
    ttl_in(ttl, 3600);
    return;
  }
  if (r != DNS_FOUND || na < 1 || na > AMAX) abort();
  ttl_in(ttl, DNS_TTL_MAX);
}

static void one_id(const uint8_t *p, size_t n)
{
  int id = dns_answer_id(p, n);
  if (n < 12 || !(p[2] & 0x80)) {
    if (id != -1) abort();
  } else if (id != (p[0] << 8 | p[1]))
    abort();
}

static void one_record(const uint8_t *p, size_t n)
{
  struct server s;
  unsigned post;
  size_t i = 0;
  if (discover_txt_parse((const char *)p, n, &s, &post) == -1) return;
  if (memchr(p, 0, n)) abort();
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  if (n - i < 7 || memcmp(p + i, DISCOVER_PREFIX, 7)) abort();
  server_ok(&s, post);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const int types[3] = {ns_t_txt, ns_t_mx, ns_t_a};
  ns_msg m;
  ns_rr rr;
  one_id(data, size);
  one_record(data, size);
  one_txt(data, size, "_im2k.a.example");
  one_mx(data, size, "a.example");
  one_a(data, size, "mx.a.example");
  /* the input's own question, asked as each reader's type */
  if (size >= 12 && size <= 65535 && ns_initparse(data, (int)size, &m) == 0 &&
      ns_msg_count(m, ns_s_qd) >= 1 && ns_parserr(&m, ns_s_qd, 0, &rr) == 0) {
    char name[NS_MAXDNAME + 1];
    int s = dn_skipname(data + 12, data + size), k;
    uint8_t *copy;
    snprintf(name, sizeof name, "%s", ns_rr_name(rr));
    if (s < 0 || 12 + (size_t)s + 4 > size) return 0;
    copy = malloc(size);
    if (!copy) return 0;
    for (k = 0; k < 3; k++) {
      memcpy(copy, data, size);
      copy[12 + s] = (uint8_t)(types[k] >> 8);
      copy[13 + s] = (uint8_t)types[k];
      if (k == 0) one_txt(copy, size, name);
      if (k == 1) one_mx(copy, size, name);
      if (k == 2) one_a(copy, size, name);
    }
    free(copy);
  }
  return 0;
}
