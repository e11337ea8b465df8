/* dns.c: DNS queries and answers through libresolv.  Answers are outside
 * input: ns_initparse checks the message's structure, and here every
 * record's length is checked before its data is read; an answer counts
 * only when its id, its QR bit and its question match what was asked. */
#include "dns.h"
#include "bytes.h"
#include "file.h"
#include "lines.h"
#include "udp.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <resolv.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int ipport(const char *s, size_t n, struct sockaddr_in *sa)
{
  char ip[16];
  uint64_t port = 53;
  const char *c = memchr(s, ':', n);
  size_t il = c ? (size_t)(c - s) : n;
  if (il == 0 || il >= sizeof ip) return -1;
  memcpy(ip, s, il);
  ip[il] = 0;
  if (c && (scan_u64(c + 1, n - il - 1, 65535, &port) == -1 || port == 0)) return -1;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

int dns_conf_read(int homefd, struct dns_conf *c)
{
  unsigned char *p;
  size_t n, i;
  int fd;
  memset(c, 0, sizeof *c);
  fd = openat(homefd, "control/dnsip", O_RDONLY | O_CLOEXEC);
  if (fd == -1 && errno != ENOENT) return -1;
  if (fd == -1) {
    struct __res_state st;
    memset(&st, 0, sizeof st);
    if (res_ninit(&st) == -1) { errno = EIO; return -1; }
    for (i = 0; i < (size_t)st.nscount && c->nns < DNS_SERVERS; i++)
      if (st.nsaddr_list[i].sin_family == AF_INET) c->ns[c->nns++] = st.nsaddr_list[i];
    res_nclose(&st);
    if (!c->nns) { /* resolv.conf's own default */
      ipport("127.0.0.1", 9, &c->ns[0]);
      c->nns = 1;
    }
    return 0;
  }
  if (file_read_fd(fd, 4096, &p, &n) == -1) { close(fd); return -1; }
  close(fd);
  {
    struct lines l;
    const char *line;
    size_t len;
    int r;
    lines_init(&l, p, n);
    while ((r = lines_next(&l, &line, &len)) == 1) {
      if (c->nns == DNS_SERVERS) continue; /* as resolv.conf: the first three */
      if (ipport(line, len, &c->ns[c->nns]) == -1) break;
      c->nns++;
    }
    if (r != 0) {
      free(p);
      errno = EINVAL;
      return -1;
    }
  }
  free(p);
  if (!c->nns) { errno = EINVAL; return -1; }
  return 0;
}

int dns_query(const char *name, int type, uint16_t id, unsigned char *out, size_t max)
{
  static struct __res_state st;
  static int ready;
  int n;
  size_t l = strlen(name);
  if (l == 0 || l > 253 || max > 65535) { errno = EINVAL; return -1; }
  if (!ready) {
    /* only for res_nmkquery's options (recursion desired); nothing
     * here is sent to resolv.conf's servers */
    memset(&st, 0, sizeof st);
    st.options = RES_DEFAULT | RES_INIT | RES_RECURSE;
    ready = 1;
  }
  n = res_nmkquery(&st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, out, (int)max);
  if (n < 12) { errno = EINVAL; return -1; }
  out[0] = (unsigned char)(id >> 8);
  out[1] = (unsigned char)id;
  return n;
}

int dns_answer_id(const unsigned char *p, size_t n)
{
  if (n < 12 || !(p[2] & 0x80)) return -1;
  return (p[0] << 8) | p[1];
}

static int samename(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la && a[la - 1] == '.') la--;
  if (lb && b[lb - 1] == '.') lb--;
  return la == lb && !strncasecmp(a, b, la);
}

/* open: parse the answer and check it answers (name, type); its rcode */
static int open_answer(const unsigned char *p, size_t n, const char *name, int type, ns_msg *m)
{
  ns_rr rr;
  if (n < 12 || n > 65535 || ns_initparse(p, (int)n, m) == -1) return -1;
  if (!ns_msg_getflag(*m, ns_f_qr) || ns_msg_getflag(*m, ns_f_tc)) return -1;
  if (ns_msg_count(*m, ns_s_qd) != 1 || ns_parserr(m, ns_s_qd, 0, &rr) == -1) return -1;
  if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in || !samename(ns_rr_name(rr), name))
    return -1;
  return ns_msg_getflag(*m, ns_f_rcode);
}

static uint32_t clampttl(uint32_t t, uint32_t hi)
{
  if (t < DNS_TTL_MIN) return DNS_TTL_MIN;
  return t > hi ? hi : t;
}

/* negative: the answer's negative TTL (RFC 2308: the SOA's TTL and its
 * minimum field, the smaller) */
static uint32_t negative(ns_msg *m)
{
  int i, cnt = ns_msg_count(*m, ns_s_ns);
  for (i = 0; i < cnt; i++) {
    ns_rr rr;
    const unsigned char *d, *end;
    int k;
    if (ns_parserr(m, ns_s_ns, i, &rr) == -1) break;
    if (ns_rr_type(rr) != ns_t_soa) continue;
    d = ns_rr_rdata(rr);
    end = d + ns_rr_rdlen(rr);
    for (k = 0; k < 2; k++) {
      int s = dn_skipname(d, end);
      if (s < 0) return DNS_NEG_TTL;
      d += s;
    }
    if (end - d < 20) return DNS_NEG_TTL;
    {
      uint32_t min = get_u32(d + 16), ttl = ns_rr_ttl(rr);
      return clampttl(min < ttl ? min : ttl, 3600);
    }
  }
  return DNS_NEG_TTL;
}

/* records: common to the readers: NONE, FAIL, or FOUND with m open */
static int records(const unsigned char *p, size_t n, const char *name, int type, ns_msg *m,
                   uint32_t *ttl)
{
  int rc = open_answer(p, n, name, type, m), i, cnt;
  if (rc == ns_r_nxdomain) { *ttl = negative(m); return DNS_NONE; }
  if (rc != ns_r_noerror) return DNS_FAIL;
  cnt = ns_msg_count(*m, ns_s_an);
  for (i = 0; i < cnt; i++) {
    ns_rr rr;
    if (ns_parserr(m, ns_s_an, i, &rr) == -1) return DNS_FAIL;
    if ((int)ns_rr_type(rr) == type && ns_rr_class(rr) == ns_c_in) return DNS_FOUND;
  }
  *ttl = negative(m);
  return DNS_NONE;
}

int dns_txt_answer(const unsigned char *p, size_t n, const char *name, const char *prefix,
                   char txt[DNS_TXT_MAX], uint32_t *ttl)
{
  ns_msg m;
  int i, cnt, r = records(p, n, name, ns_t_txt, &m, ttl);
  if (r != DNS_FOUND) return r;
  cnt = ns_msg_count(m, ns_s_an);
  for (i = 0; i < cnt; i++) {
    ns_rr rr;
    const unsigned char *d, *end;
    size_t len = 0;
    if (ns_parserr(&m, ns_s_an, i, &rr) == -1) return DNS_FAIL;
    if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in) continue;
    d = ns_rr_rdata(rr);
    end = d + ns_rr_rdlen(rr);
    while (d < end) {
      size_t sl = *d++;
      if (sl > (size_t)(end - d)) return DNS_FAIL;
      if (len + sl >= DNS_TXT_MAX) { len = DNS_TXT_MAX; break; }
      memcpy(txt + len, d, sl);
      len += sl;
      d += sl;
    }
    if (len >= DNS_TXT_MAX) continue; /* too long to be ours */
    txt[len] = 0;
    if (memchr(txt, 0, len)) continue;
    if (prefix && strncmp(txt, prefix, strlen(prefix))) continue;
    *ttl = clampttl(ns_rr_ttl(rr), DNS_TTL_MAX);
    return DNS_FOUND;
  }
  *ttl = DNS_NEG_TTL;
  return DNS_NONE;
}

int dns_mx_answer(const unsigned char *p, size_t n, const char *name, struct dns_mx *mx,
                  int *nmx, uint32_t *ttl)
{
  int sawnull = 0;
  ns_msg m;
  int i, j, cnt, r = records(p, n, name, ns_t_mx, &m, ttl);
  *nmx = 0;
  if (r != DNS_FOUND) return r;
  *ttl = DNS_TTL_MAX;
  cnt = ns_msg_count(m, ns_s_an);
  for (i = 0; i < cnt; i++) {
    ns_rr rr;
    const unsigned char *d;
    struct dns_mx x;
    if (ns_parserr(&m, ns_s_an, i, &rr) == -1) return DNS_FAIL;
    if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in) continue;
    if (ns_rr_rdlen(rr) < 3) return DNS_FAIL;
    d = ns_rr_rdata(rr);
    x.pref = (uint16_t)((d[0] << 8) | d[1]);
    if (dn_expand(ns_msg_base(m), ns_msg_end(m), d + 2, x.host, sizeof x.host) < 0)
      return DNS_FAIL;
    if (!x.host[0]) { sawnull = 1; continue; } /* "." : a null MX (RFC 7505) */
    if (clampttl(ns_rr_ttl(rr), DNS_TTL_MAX) < *ttl) *ttl = clampttl(ns_rr_ttl(rr), DNS_TTL_MAX);
    /* kept sorted as they come, equal preferences in the order given;
     * when full, the worst is dropped: the best DNS_MX_MAX are kept,
     * whatever the order of the answer */
    j = *nmx;
    while (j > 0 && mx[j - 1].pref > x.pref) j--;
    if (j == DNS_MX_MAX) continue;
    if (*nmx < DNS_MX_MAX) (*nmx)++;
    memmove(&mx[j + 1], &mx[j], (size_t)(*nmx - 1 - j) * sizeof *mx);
    mx[j] = x;
  }
  if (!*nmx && sawnull) return DNS_NULLMX;
  return *nmx ? DNS_FOUND : DNS_NONE;
}

int dns_a_answer(const unsigned char *p, size_t n, const char *name, struct in_addr *a,
                 int max, int *na, uint32_t *ttl)
{
  ns_msg m;
  int i, cnt, r = records(p, n, name, ns_t_a, &m, ttl);
  *na = 0;
  if (r != DNS_FOUND) return r;
  *ttl = DNS_TTL_MAX;
  cnt = ns_msg_count(m, ns_s_an);
  for (i = 0; i < cnt && *na < max; i++) {
    ns_rr rr;
    if (ns_parserr(&m, ns_s_an, i, &rr) == -1) return DNS_FAIL;
    if (ns_rr_type(rr) != ns_t_a || ns_rr_class(rr) != ns_c_in) continue;
    if (ns_rr_rdlen(rr) != 4) return DNS_FAIL;
    memcpy(&a[*na], ns_rr_rdata(rr), 4);
    if (clampttl(ns_rr_ttl(rr), DNS_TTL_MAX) < *ttl) *ttl = clampttl(ns_rr_ttl(rr), DNS_TTL_MAX);
    (*na)++;
  }
  return *na ? DNS_FOUND : DNS_NONE;
}

int dns_ask(const struct dns_conf *c, const char *name, int type, unsigned char *ans,
            size_t max, int timeout_ms)
{
  unsigned char q[512];
  int round, i, ql;
  uint16_t id = (uint16_t)randombytes_uniform(65536);
  ql = dns_query(name, type, id, q, sizeof q);
  if (ql == -1) return -1;
  for (round = 0; round < 3; round++)
    for (i = 0; i < c->nns; i++) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      int64_t end;
      if (fd == -1) return -1;
      if (connect(fd, (const struct sockaddr *)&c->ns[i], sizeof c->ns[i]) == -1 ||
          send(fd, q, (size_t)ql, 0) == -1) {
        close(fd);
        continue;
      }
      end = now_ms() + timeout_ms;
      for (;;) {
        struct pollfd pf;
        ssize_t n;
        int64_t left = end - now_ms();
        if (left <= 0) break;
        pf.fd = fd;
        pf.events = POLLIN;
        if (poll(&pf, 1, (int)left) <= 0) continue;
        n = recv(fd, ans, max, 0);
        if (n == -1) break; /* refused: the next server */
        if (dns_answer_id(ans, (size_t)n) == id) {
          close(fd);
          return (int)n;
        }
      }
      close(fd);
    }
  errno = ETIMEDOUT;
  return -1;
}

int dns_txt(const struct dns_conf *c, const char *name, const char *prefix,
            char txt[DNS_TXT_MAX], uint32_t *ttl)
{
  unsigned char ans[4096];
  int n = dns_ask(c, name, ns_t_txt, ans, sizeof ans, 1000);
  if (n == -1) return DNS_FAIL;
  return dns_txt_answer(ans, (size_t)n, name, prefix, txt, ttl);
}

int dns_mx(const struct dns_conf *c, const char *name, struct dns_mx *mx, int *nmx)
{
  unsigned char ans[4096];
  uint32_t ttl;
  int n = dns_ask(c, name, ns_t_mx, ans, sizeof ans, 1000);
  *nmx = 0;
  if (n == -1) return DNS_FAIL;
  return dns_mx_answer(ans, (size_t)n, name, mx, nmx, &ttl);
}

int dns_a(const struct dns_conf *c, const char *name, struct in_addr *a, int max, int *na)
{
  unsigned char ans[4096];
  uint32_t ttl;
  int n = dns_ask(c, name, ns_t_a, ans, sizeof ans, 1000);
  *na = 0;
  if (n == -1) return DNS_FAIL;
  return dns_a_answer(ans, (size_t)n, name, a, max, na, &ttl);
}
