/* t_dns.c: unit tests of lib/dns and lib/discover: the TXT record's parser
 * (good and bad records, every field), control/dnsip, queries as built,
 * answers built here byte by byte (found, none with the negative TTL of
 * RFC 2308, failures, damaged and truncated messages, compression loops),
 * and discover's cache against a server that never answers and against a
 * tiny DNS server of the test's own on a loopback socket. */
#include "discover.h"
#include "dns.h"
#include "file.h"
#include "table.h"
#include "udp.h"
#include "unit.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <resolv.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define PK "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define PKU "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define REC "v=im2k1; a=192.0.2.7; n=2000; f=2001; k=" PK
#define QN "_im2k.a.example"
#define L(s) s, sizeof s - 1

/* ---- discover_txt_parse ---- */

struct rec_row {
  const char *txt;
  size_t n;
  int ret;
  const char *ip;
  unsigned inbox, fetch, postage;
};

static const struct rec_row recs[] = {
  {L(REC), 0, "192.0.2.7", 2000, 2001, 0},
  {L("v=im2k1; a=10.0.0.1; n=1; f=65535; k=" PK "; p=20"), 0, "10.0.0.1", 1, 65535, 20},
  {L("v=im2k1;a=10.0.0.1;n=2;f=3;k=" PK), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1 ;  a=10.0.0.1\t;\tn=2 ;f=3;   k=" PK "  "), 0, "10.0.0.1", 2, 3, 0},
  {L("  v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a = 10.0.0.1; n =2; f= 3; k\t=\t" PK "; p = 7"), 0, "10.0.0.1", 2, 3, 7},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK ";"), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; "), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK " ;"), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; k=" PK "; f=3; n=2; a=10.0.0.1"), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PKU), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; x=1; a=10.0.0.1; zz9=a b c; n=2; f=3; k=" PK "; t=; later_tag=yes=no"), 0,
   "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a=0.0.0.0; n=65535; f=65535; k=" PK), 0, "0.0.0.0", 65535, 65535, 0},
  {L("v=im2k1; a=255.255.255.255; n=2; f=3; k=" PK), 0, "255.255.255.255", 2, 3, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=0"), 0, "10.0.0.1", 2, 3, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=1"), 0, "10.0.0.1", 2, 3, 1},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=39"), 0, "10.0.0.1", 2, 3, 39},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=40"), 0, "10.0.0.1", 2, 3, 40},
  /* the version */
  {L(""), -1, NULL, 0, 0, 0},
  {L("v=im2k1"), -1, NULL, 0, 0, 0},
  {L("a=10.0.0.1; v=im2k1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k2; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k10; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=IM2K1; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("V=im2k1; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("; v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; v=im2k1"), -1, NULL, 0, 0, 0},
  /* a field missing */
  {L("v=im2k1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; p=1"), -1, NULL, 0, 0, 0},
  /* a field twice */
  {L("v=im2k1; a=10.0.0.1; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; f=4; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=1; p=1"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a =10.0.0.9; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  /* ports */
  {L("v=im2k1; a=10.0.0.1; n=0; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=0; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=65536; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=65536; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=18446744073709551617; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=02; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=-2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=+2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2x; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2 2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  /* addresses */
  {L("v=im2k1; a=256.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1.2; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.01; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1.; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=localhost; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=::1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1 10.0.0.2; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=1000.2000.3000.4000; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  /* keys */
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1"),
   -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "0"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"),
   -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "00"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g"),
   -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
   -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k="), -1, NULL, 0, 0, 0},
  /* postage */
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=41"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=100"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=-1"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p=01"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; p="), -1, NULL, 0, 0, 0},
  /* the list's syntax */
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; flag"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; ; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1;; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK ";;"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; =x"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; x y=1"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; 9x=1"), -1, NULL, 0, 0, 0},
  {L("v=im2k1;\na=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1, a=10.0.0.1, n=2, f=3, k=" PK), -1, NULL, 0, 0, 0},
  /* NUL inside */
  {L("v=im2k1\0; a=10.0.0.1; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1\0; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1\0junk; n=2; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2\0; f=3; k=" PK), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "\0"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; x=\0"), -1, NULL, 0, 0, 0},
  {L("v=im2k1; a=10.0.0.1; n=2; f=3; k=" PK "; \0"), -1, NULL, 0, 0, 0},
};

static void test_parse(void)
{
  unsigned char pk[32];
  size_t i;
  for (i = 0; i < 32; i++) pk[i] = (unsigned char)i;
  for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
    const struct rec_row *t = &recs[i];
    struct server s;
    unsigned post = 99;
    int r;
    memset(&s, 0xa5, sizeof s);
    errno = 0;
    r = discover_txt_parse(t->txt, t->n, &s, &post);
    CHECK(r == t->ret, "discover_txt_parse row %zu \"%s\": %d", i, t->txt, r);
    if (r == 0 && t->ret == 0)
      CHECK(!strcmp(s.ip, t->ip) && s.inbox_port == t->inbox && s.fetch_port == t->fetch &&
                !memcmp(s.pk, pk, 32) && post == t->postage,
            "discover_txt_parse row %zu: fields %.16s %u %u %u", i, s.ip, s.inbox_port,
            s.fetch_port, post);
    if (r == -1) CHECK(errno == EINVAL, "discover_txt_parse row %zu: errno %d", i, errno);
  }
  /* the length is obeyed: the first record cut before its key is whole */
  {
    struct server s;
    unsigned post;
    CHECK(discover_txt_parse(REC, strlen(REC) - 1, &s, &post) == -1, "a key a digit short");
    CHECK(discover_txt_parse(REC "; p=9", strlen(REC), &s, &post) == 0 && post == 0,
          "the bytes after n are not read");
    CHECK(discover_txt_parse(REC "; p=9", strlen(REC) + 4, &s, &post) == -1, "p= empty");
  }
}

/* ---- control/dnsip ---- */

struct conf_row {
  const char *text;      /* NULL: no control/dnsip */
  int ret;
  int nns;
  const char *want;      /* "IP:PORT,IP:PORT" */
};

static const struct conf_row confs[] = {
  {"127.0.0.1\n", 0, 1, "127.0.0.1:53"},
  {"# resolvers\n10.0.0.1:5353\n\n  10.0.0.2  \n", 0, 2, "10.0.0.1:5353,10.0.0.2:53"},
  {"1.1.1.1\n2.2.2.2:1\n3.3.3.3:65535\n4.4.4.4\n", 0, 3, "1.1.1.1:53,2.2.2.2:1,3.3.3.3:65535"},
  {"10.0.0.1", 0, 1, "10.0.0.1:53"},
  {"", -1, 0, NULL},
  {"# nothing\n", -1, 0, NULL},
  {"10.0.0.1:0\n", -1, 0, NULL},
  {"10.0.0.1:65536\n", -1, 0, NULL},
  {"10.0.0.1:\n", -1, 0, NULL},
  {"10.0.0.1:x\n", -1, 0, NULL},
  {"10.0.0.256\n", -1, 0, NULL},
  {"localhost\n", -1, 0, NULL},
  {"::1\n", -1, 0, NULL},
  {":53\n", -1, 0, NULL},
  {"10.0.0.1\nbad\n", -1, 0, NULL},
  {"10.0.0.1 10.0.0.2\n", -1, 0, NULL},
};

static void test_conf(void)
{
  char dir[64];
  size_t i;
  int dfd;
  if (unit_tmpdir(dir) == -1) unit_fatal("t_dns", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1 || mkdirat(dfd, "control", 0755) == -1) unit_fatal("t_dns", "temp dir");
  for (i = 0; i < sizeof confs / sizeof confs[0]; i++) {
    const struct conf_row *t = &confs[i];
    struct dns_conf c;
    char got[200];
    size_t gl = 0;
    int r, k;
    if (unit_write(dfd, "control/dnsip", t->text, strlen(t->text), 0644) == -1)
      unit_fatal("t_dns", "write control/dnsip");
    errno = 0;
    r = dns_conf_read(dfd, &c);
    CHECK(r == t->ret, "dns_conf_read row %zu: %d", i, r);
    if (r == -1) CHECK(errno == EINVAL, "dns_conf_read row %zu: errno %d", i, errno);
    if (r != 0 || t->ret != 0) continue;
    got[0] = 0;
    for (k = 0; k < c.nns && k < DNS_SERVERS; k++) {
      char ip[16];
      inet_ntop(AF_INET, &c.ns[k].sin_addr, ip, sizeof ip);
      gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s:%u", k ? "," : "", ip,
                             ntohs(c.ns[k].sin_port));
    }
    CHECK(c.nns == t->nns && !strcmp(got, t->want), "dns_conf_read row %zu: %d %s", i,
          c.nns, got);
  }
  /* no control/dnsip: resolv.conf's, at least one */
  {
    struct dns_conf c;
    CHECK(unlinkat(dfd, "control/dnsip", 0) == 0, "remove control/dnsip");
    CHECK(dns_conf_read(dfd, &c) == 0 && c.nns >= 1 && c.nns <= DNS_SERVERS &&
              c.ns[0].sin_family == AF_INET,
          "dns_conf_read from resolv.conf: %d", c.nns);
  }
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
}

/* ---- queries ---- */

static void test_query(void)
{
  static const struct {
    const char *name;
    int type;
    unsigned id;
  } qs[] = {
      {QN, ns_t_txt, 0},          {"a.example", ns_t_mx, 1},
      {"mx.a.example", ns_t_a, 0x1234}, {"A.Example.", ns_t_txt, 0xffff},
      {"x", ns_t_a, 0x8000},
  };
  unsigned char q[512];
  char name[300];
  size_t i;
  int n;
  for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    ns_msg m;
    ns_rr rr;
    char want[300];
    n = dns_query(qs[i].name, qs[i].type, (uint16_t)qs[i].id, q, sizeof q);
    if (!CHECK(n >= 12 + 4 && n <= (int)sizeof q, "dns_query %s: %d", qs[i].name, n)) continue;
    CHECK((unsigned)(q[0] << 8 | q[1]) == qs[i].id, "dns_query %s: id %02x%02x", qs[i].name,
          q[0], q[1]);
    CHECK(!(q[2] & 0x80) && (q[2] & 0x78) == 0 && (q[2] & 0x01) && !(q[2] & 0x02),
          "dns_query %s: a query, opcode 0, RD set, TC clear: %02x", qs[i].name, q[2]);
    CHECK(q[4] == 0 && q[5] == 1 && q[6] == 0 && q[7] == 0 && q[8] == 0 && q[9] == 0,
          "dns_query %s: one question, no answers", qs[i].name);
    CHECK(dns_answer_id(q, (size_t)n) == -1, "dns_query %s: not an answer", qs[i].name);
    if (!CHECK(ns_initparse(q, n, &m) == 0 && ns_parserr(&m, ns_s_qd, 0, &rr) == 0,
               "dns_query %s: parses", qs[i].name))
      continue;
    snprintf(want, sizeof want, "%s", qs[i].name);
    if (want[strlen(want) - 1] == '.') want[strlen(want) - 1] = 0;
    CHECK(!strcmp(ns_rr_name(rr), want) && (int)ns_rr_type(rr) == qs[i].type &&
              ns_rr_class(rr) == ns_c_in,
          "dns_query %s: the question %s %d %d", qs[i].name, ns_rr_name(rr), ns_rr_type(rr),
          ns_rr_class(rr));
    /* the question is the one the readers expect: with QR set, an
     * answer without records */
    {
      char txt[DNS_TXT_MAX];
      uint32_t ttl = 0;
      q[2] |= 0x80;
      CHECK(dns_answer_id(q, (size_t)n) == (int)qs[i].id, "dns_answer_id of the query");
      if (qs[i].type == ns_t_txt)
        CHECK(dns_txt_answer(q, (size_t)n, qs[i].name, NULL, txt, &ttl) == DNS_NONE &&
                  ttl == DNS_NEG_TTL,
              "dns_query %s: an empty answer to it is DNS_NONE", qs[i].name);
    }
  }
  /* names */
  errno = 0;
  CHECK(dns_query("", ns_t_txt, 1, q, sizeof q) == -1 && errno == EINVAL, "an empty name");
  /* 253 bytes: 63 + 1 + 63 + 1 + 63 + 1 + 61 */
  memset(name, 'a', 253);
  name[63] = name[127] = name[191] = '.';
  name[253] = 0;
  n = dns_query(name, ns_t_txt, 7, q, sizeof q);
  CHECK(n == 12 + 255 + 4, "a name of 253 bytes: %d", n);
  name[253] = 'a';
  name[254] = 0;
  errno = 0;
  CHECK(dns_query(name, ns_t_txt, 7, q, sizeof q) == -1 && errno == EINVAL,
        "a name of 254 bytes");
  memset(name, 'a', 64);
  memcpy(name + 64, ".example", 9);
  errno = 0;
  CHECK(dns_query(name, ns_t_txt, 7, q, sizeof q) == -1 && errno == EINVAL,
        "a label of 64 bytes");
  CHECK(dns_query("a..example", ns_t_txt, 7, q, sizeof q) == -1, "an empty label");
  CHECK(dns_query(QN, ns_t_txt, 7, q, 20) == -1, "no room for the query");
}

/* ---- answers, built byte by byte ---- */

struct msg {
  unsigned char b[16384];
  size_t n;
};

static void put8(struct msg *m, unsigned v)
{
  if (m->n < sizeof m->b) m->b[m->n++] = (unsigned char)v;
}
static void put16(struct msg *m, unsigned v)
{
  put8(m, (v >> 8) & 255);
  put8(m, v & 255);
}
static void put32(struct msg *m, uint32_t v)
{
  put16(m, v >> 16);
  put16(m, v & 0xffff);
}
static void putmem(struct msg *m, const void *p, size_t n)
{
  const unsigned char *c = p;
  size_t i;
  for (i = 0; i < n; i++) put8(m, c[i]);
}
/* putlabels: a dotted name's labels, without the root's empty label */
static void putlabels(struct msg *m, const char *name)
{
  if (!strcmp(name, ".")) return;
  while (*name) {
    const char *dot = strchr(name, '.');
    size_t l = dot ? (size_t)(dot - name) : strlen(name);
    put8(m, (unsigned)l);
    putmem(m, name, l);
    name += l;
    if (*name == '.') name++;
  }
}
static void putname(struct msg *m, const char *name)
{
  putlabels(m, name);
  put8(m, 0);
}
static void putptr(struct msg *m, size_t off) { put16(m, 0xc000 | (unsigned)off); }

enum { QR = 0x8000, TC = 0x0200, RD = 0x0100, RA = 0x0080 };
#define ID 0x4d2e
#define Q 12 /* where the question's name begins */

static void header(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar)
{
  m->n = 0;
  put16(m, id);
  put16(m, flags);
  put16(m, qd);
  put16(m, an);
  put16(m, ns);
  put16(m, ar);
}
/* reply: an answer's header (QR RD RA and rcode) and its one question */
static void reply(struct msg *m, unsigned rcode, const char *qname, unsigned qtype, unsigned an,
                  unsigned ns)
{
  header(m, ID, QR | RD | RA | rcode, 1, an, ns, 0);
  putname(m, qname);
  put16(m, qtype);
  put16(m, ns_c_in);
}
/* rr: a record's head, owner NULL for a pointer to the question's name;
 * where its rdlength is, for rdend */
static size_t rrc(struct msg *m, const char *owner, unsigned type, unsigned class, uint32_t ttl)
{
  if (owner) putname(m, owner);
  else putptr(m, Q);
  put16(m, type);
  put16(m, class);
  put32(m, ttl);
  put16(m, 0);
  return m->n - 2;
}
static size_t rr(struct msg *m, const char *owner, unsigned type, uint32_t ttl)
{
  return rrc(m, owner, type, ns_c_in, ttl);
}
static void rdend(struct msg *m, size_t at)
{
  size_t l = m->n - at - 2;
  m->b[at] = (unsigned char)(l >> 8);
  m->b[at + 1] = (unsigned char)l;
}
/* txtrr: a TXT record, its strings separated by '|' in s */
static void txtrr(struct msg *m, const char *owner, uint32_t ttl, const char *s)
{
  size_t at = rr(m, owner, ns_t_txt, ttl);
  for (;;) {
    const char *bar = strchr(s, '|');
    size_t l = bar ? (size_t)(bar - s) : strlen(s);
    put8(m, (unsigned)l);
    putmem(m, s, l);
    if (!bar) break;
    s = bar + 1;
  }
  rdend(m, at);
}
static void soarr(struct msg *m, uint32_t ttl, uint32_t minimum)
{
  size_t at = rr(m, "a.example", ns_t_soa, ttl);
  putname(m, "ns.a.example");
  putname(m, "hostmaster.a.example");
  put32(m, 2024010101);
  put32(m, 16384);
  put32(m, 2048);
  put32(m, 1048576);
  put32(m, minimum);
  rdend(m, at);
}
static void mxrr(struct msg *m, const char *owner, uint32_t ttl, unsigned pref, const char *host)
{
  size_t at = rr(m, owner, ns_t_mx, ttl);
  put16(m, pref);
  putname(m, host);
  rdend(m, at);
}
static void arr(struct msg *m, const char *owner, uint32_t ttl, const char *ip)
{
  size_t at = rr(m, owner, ns_t_a, ttl);
  struct in_addr ia;
  if (inet_pton(AF_INET, ip, &ia) != 1) unit_fatal("t_dns", ip);
  putmem(m, &ia, 4);
  rdend(m, at);
}
static void cnamerr(struct msg *m, const char *owner, uint32_t ttl, const char *target)
{
  size_t at = rr(m, owner, ns_t_cname, ttl);
  putname(m, target);
  rdend(m, at);
}

typedef void build_fn(struct msg *m, uint32_t a1, uint32_t a2);

/* TXT answers to QN */
static void t_one(struct msg *m, uint32_t ttl, uint32_t a2)
{
  (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  txtrr(m, NULL, ttl, REC);
}
static void t_owner(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  txtrr(m, QN, 300, REC); /* the owner written out, not compressed */
}
static void t_split(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  txtrr(m, NULL, 60, "v=im2k1; a=192.0.2.7; |n=2000; f=2001; |k=" PK);
}
static void t_second(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  txtrr(m, NULL, 70, "v=spf1 -all");
  txtrr(m, NULL, 80, REC);
}
static void t_two(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  txtrr(m, NULL, 10, REC);
  txtrr(m, NULL, 20, "v=im2k1; other");
}
/* a record of len bytes (in strings of at most 200) that begins with the
 * prefix */
static void longtxt(struct msg *m, uint32_t ttl, size_t len)
{
  size_t at = rr(m, NULL, ns_t_txt, ttl), done = 0;
  while (done < len) {
    size_t l = len - done > 200 ? 200 : len - done, i;
    put8(m, (unsigned)l);
    for (i = 0; i < l; i++) put8(m, done + i < 7 ? (unsigned char)"v=im2k1"[done + i] : 'x');
    done += l;
  }
  rdend(m, at);
}
static void t_long(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  longtxt(m, 50, 600);
  txtrr(m, NULL, 90, REC);
}
static void t_len(struct msg *m, uint32_t len, uint32_t a2)
{
  (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  longtxt(m, 40, len);
}
static void t_nx(struct msg *m, uint32_t ttl, uint32_t min)
{
  reply(m, ns_r_nxdomain, QN, ns_t_txt, 0, 1);
  soarr(m, ttl, min);
}
static void t_nxbare(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, ns_r_nxdomain, QN, ns_t_txt, 0, 0);
}
static void t_nxcomp(struct msg *m, uint32_t ttl, uint32_t min)
{
  size_t at;
  reply(m, ns_r_nxdomain, QN, ns_t_txt, 0, 1);
  /* owner a.example, mname ns.a.example, rname hostmaster.a.example, all
   * pointing into the question's name */
  putptr(m, Q + 6);
  put16(m, ns_t_soa);
  put16(m, ns_c_in);
  put32(m, ttl);
  at = m->n;
  put16(m, 0);
  put8(m, 2);
  putmem(m, "ns", 2);
  putptr(m, Q + 6);
  put8(m, 10);
  putmem(m, "hostmaster", 10);
  putptr(m, Q + 6);
  put32(m, 1);
  put32(m, 2);
  put32(m, 3);
  put32(m, 4);
  put32(m, min);
  rdend(m, at);
}
static void t_nxshort(struct msg *m, uint32_t a1, uint32_t a2)
{
  size_t at;
  (void)a1, (void)a2;
  reply(m, ns_r_nxdomain, QN, ns_t_txt, 0, 1);
  at = rr(m, "a.example", ns_t_soa, 60);
  putname(m, "ns.a.example");
  putname(m, "hostmaster.a.example");
  put32(m, 1);
  put32(m, 2);
  put32(m, 3);
  put32(m, 4); /* no minimum field */
  rdend(m, at);
}
static void t_nxns(struct msg *m, uint32_t ttl, uint32_t min)
{
  size_t at;
  reply(m, ns_r_nxdomain, QN, ns_t_txt, 0, 2);
  at = rr(m, "a.example", ns_t_ns, 9999);
  putname(m, "ns.a.example");
  rdend(m, at);
  soarr(m, ttl, min);
}
static void t_empty(struct msg *m, uint32_t ttl, uint32_t min)
{
  reply(m, 0, QN, ns_t_txt, 0, 1);
  soarr(m, ttl, min);
}
static void t_emptybare(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 0, 0);
}
static void t_notours(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  txtrr(m, NULL, 70, "v=spf1 -all");
  txtrr(m, NULL, 70, "google-site-verification=|v=im2k1");
}
static void t_othertype(struct msg *m, uint32_t ttl, uint32_t min)
{
  reply(m, 0, QN, ns_t_txt, 1, 1);
  arr(m, NULL, 300, "192.0.2.1");
  soarr(m, ttl, min);
}
static void t_rcode(struct msg *m, uint32_t rcode, uint32_t a2)
{
  (void)a2;
  reply(m, rcode, QN, ns_t_txt, 1, 0);
  txtrr(m, NULL, 300, REC);
}
static void t_flags(struct msg *m, uint32_t flags, uint32_t a2)
{
  (void)a2;
  header(m, ID, flags, 1, 1, 0, 0);
  putname(m, QN);
  put16(m, ns_t_txt);
  put16(m, ns_c_in);
  txtrr(m, NULL, 300, REC);
}
static void t_qtype(struct msg *m, uint32_t qtype, uint32_t qclass)
{
  header(m, ID, QR | RD | RA, 1, 1, 0, 0);
  putname(m, QN);
  put16(m, qtype);
  put16(m, qclass);
  txtrr(m, NULL, 300, REC);
}
static void t_qdcount(struct msg *m, uint32_t qd, uint32_t a2)
{
  unsigned i;
  (void)a2;
  header(m, ID, QR | RD | RA, qd, 1, 0, 0);
  for (i = 0; i < qd; i++) {
    putname(m, QN);
    put16(m, ns_t_txt);
    put16(m, ns_c_in);
  }
  txtrr(m, QN, 300, REC);
}
static void t_cname(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  cnamerr(m, NULL, 3600, "_im2k.hosting.example");
  txtrr(m, "_im2k.hosting.example", 120, REC);
}
static void t_abefore(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 2, 0);
  arr(m, NULL, 300, "192.0.2.1");
  txtrr(m, NULL, 30, REC);
}
static void t_class(struct msg *m, uint32_t also, uint32_t a2)
{
  size_t at;
  (void)a2;
  reply(m, 0, QN, ns_t_txt, also ? 2 : 1, 0);
  at = rrc(m, NULL, ns_t_txt, ns_c_chaos, 300);
  put8(m, 7);
  putmem(m, "v=im2k1", 7);
  rdend(m, at);
  if (also) txtrr(m, NULL, 33, REC);
}
static void t_nul(struct msg *m, uint32_t also, uint32_t a2)
{
  size_t at;
  (void)a2;
  reply(m, 0, QN, ns_t_txt, also ? 2 : 1, 0);
  at = rr(m, NULL, ns_t_txt, 300);
  put8(m, sizeof REC); /* its NUL too */
  putmem(m, REC, sizeof REC);
  rdend(m, at);
  if (also) txtrr(m, NULL, 44, REC);
}
static void t_strpast(struct msg *m, uint32_t a1, uint32_t a2)
{
  size_t at;
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  at = rr(m, NULL, ns_t_txt, 300);
  put8(m, 50); /* a string of 50 in an rdata of 11 */
  putmem(m, "v=im2k1; a", 10);
  rdend(m, at);
}
static void t_rdpast(struct msg *m, uint32_t extra, uint32_t a2)
{
  (void)a2;
  t_one(m, 300, 0);
  /* rdlength past the end of the message */
  m->b[m->n - sizeof REC - 2 + 1] = (unsigned char)(m->b[m->n - sizeof REC - 2 + 1] + extra);
}
static void t_loop(struct msg *m, uint32_t where, uint32_t a2)
{
  size_t at;
  (void)a2;
  if (where == 0) { /* the question's name points at itself */
    header(m, ID, QR | RD | RA, 1, 0, 0, 0);
    putptr(m, Q);
    put16(m, ns_t_txt);
    put16(m, ns_c_in);
    return;
  }
  reply(m, 0, QN, ns_t_txt, 1, 0);
  if (where == 1) { /* the owner points at itself */
    putptr(m, m->n);
  } else if (where == 2) { /* two labels that point at each other */
    size_t here = m->n;
    put8(m, 1);
    put8(m, 'x');
    putptr(m, here + 4);
    put8(m, 1);
    put8(m, 'y');
    putptr(m, here);
  } else { /* beyond the end */
    putptr(m, 0x3fff);
  }
  put16(m, ns_t_txt);
  put16(m, ns_c_in);
  put32(m, 300);
  at = m->n;
  put16(m, 0);
  put8(m, 7);
  putmem(m, "v=im2k1", 7);
  rdend(m, at);
}
static void t_counts(struct msg *m, uint32_t an, uint32_t a2)
{
  (void)a2;
  t_one(m, 300, 0);
  m->b[7] = (unsigned char)an;
}
static void t_trailing(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  t_one(m, 300, 0);
  putmem(m, "junk", 4);
}
static void t_rd0(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, QN, ns_t_txt, 1, 0);
  rdend(m, rr(m, NULL, ns_t_txt, 300));
}
static void t_additional(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  header(m, ID, QR | RD | RA, 1, 0, 0, 1);
  putname(m, QN);
  put16(m, ns_t_txt);
  put16(m, ns_c_in);
  txtrr(m, NULL, 300, REC); /* a TXT in the additional section only */
}

#define NEG DNS_NEG_TTL

struct txt_case {
  const char *what;
  build_fn *build;
  uint32_t a1, a2;
  const char *name;      /* asked; NULL: QN */
  int noprefix;          /* NULL prefix */
  int ret;
  const char *txt;       /* DNS_FOUND: the text; NULL: a1 bytes of the prefix and x */
  uint32_t ttl;          /* unless DNS_FAIL */
};

static const struct txt_case txts[] = {
  {"one string", t_one, 300, 0, NULL, 0, DNS_FOUND, REC, 300},
  {"the owner not compressed", t_owner, 0, 0, NULL, 0, DNS_FOUND, REC, 300},
  {"strings joined", t_split, 0, 0, NULL, 0, DNS_FOUND, REC, 60},
  {"the second begins with the prefix", t_second, 0, 0, NULL, 0, DNS_FOUND, REC, 80},
  {"no prefix: the first", t_second, 0, 0, NULL, 1, DNS_FOUND, "v=spf1 -all", 70},
  {"the first of two", t_two, 0, 0, NULL, 0, DNS_FOUND, REC, 10},
  {"a record too long skipped", t_long, 0, 0, NULL, 0, DNS_FOUND, REC, 90},
  {"511 bytes kept", t_len, DNS_TXT_MAX - 1, 0, NULL, 0, DNS_FOUND, NULL, 40},
  {"512 bytes skipped", t_len, DNS_TXT_MAX, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"600 bytes skipped", t_len, 600, 0, NULL, 1, DNS_NONE, NULL, NEG},
  {"TTL 0", t_one, 0, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MIN},
  {"TTL 4", t_one, DNS_TTL_MIN - 1, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MIN},
  {"TTL 5", t_one, DNS_TTL_MIN, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MIN},
  {"TTL 6", t_one, DNS_TTL_MIN + 1, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MIN + 1},
  {"TTL a day", t_one, DNS_TTL_MAX, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MAX},
  {"TTL a day and 1", t_one, DNS_TTL_MAX + 1, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MAX},
  {"TTL 2^31-1", t_one, 0x7fffffff, 0, NULL, 0, DNS_FOUND, REC, DNS_TTL_MAX},
  {"NXDOMAIN, SOA minimum smaller", t_nx, 600, 60, NULL, 0, DNS_NONE, NULL, 60},
  {"NXDOMAIN, SOA TTL smaller", t_nx, 30, 900, NULL, 0, DNS_NONE, NULL, 30},
  {"NXDOMAIN, an hour at most", t_nx, 7200, 7200, NULL, 0, DNS_NONE, NULL, 3600},
  {"NXDOMAIN, 3601", t_nx, 3601, 86400, NULL, 0, DNS_NONE, NULL, 3600},
  {"NXDOMAIN, 3600", t_nx, 3600, 86400, NULL, 0, DNS_NONE, NULL, 3600},
  {"NXDOMAIN, SOA 0", t_nx, 0, 0, NULL, 0, DNS_NONE, NULL, DNS_TTL_MIN},
  {"NXDOMAIN, SOA 7", t_nx, 7, 7, NULL, 0, DNS_NONE, NULL, 7},
  {"NXDOMAIN without SOA", t_nxbare, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"NXDOMAIN, SOA compressed", t_nxcomp, 600, 45, NULL, 0, DNS_NONE, NULL, 45},
  {"NXDOMAIN, SOA short", t_nxshort, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"NXDOMAIN, NS then SOA", t_nxns, 500, 77, NULL, 0, DNS_NONE, NULL, 77},
  {"NXDOMAIN for another name", t_nx, 600, 60, "_im2k.b.example", 0, DNS_FAIL, NULL, 0},
  {"no answer, SOA", t_empty, 100, 50, NULL, 0, DNS_NONE, NULL, 50},
  {"no answer, no SOA", t_emptybare, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"TXT records, none ours", t_notours, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"only an A record", t_othertype, 100, 40, NULL, 0, DNS_NONE, NULL, 40},
  {"SERVFAIL", t_rcode, ns_r_servfail, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"FORMERR", t_rcode, ns_r_formerr, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"NOTIMP", t_rcode, ns_r_notimpl, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"REFUSED", t_rcode, ns_r_refused, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"rcode 15", t_rcode, 15, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"TC", t_flags, QR | TC | RD | RA, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"QR clear", t_flags, RD | RA, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"QR alone", t_flags, QR, 0, NULL, 0, DNS_FOUND, REC, 300},
  {"another name", t_one, 300, 0, "_im2k.b.example", 0, DNS_FAIL, NULL, 0},
  {"a longer name", t_one, 300, 0, QN ".com", 0, DNS_FAIL, NULL, 0},
  {"a shorter name", t_one, 300, 0, "_im2k.a.exampl", 0, DNS_FAIL, NULL, 0},
  {"the name's parent", t_one, 300, 0, "a.example", 0, DNS_FAIL, NULL, 0},
  {"names ignore case", t_one, 300, 0, "_IM2K.A.Example", 0, DNS_FOUND, REC, 300},
  {"a final dot", t_one, 300, 0, QN ".", 0, DNS_FOUND, REC, 300},
  {"another type", t_qtype, ns_t_mx, ns_c_in, NULL, 0, DNS_FAIL, NULL, 0},
  {"type A", t_qtype, ns_t_a, ns_c_in, NULL, 0, DNS_FAIL, NULL, 0},
  {"class CHAOS", t_qtype, ns_t_txt, ns_c_chaos, NULL, 0, DNS_FAIL, NULL, 0},
  {"no question", t_qdcount, 0, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"two questions", t_qdcount, 2, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"one question", t_qdcount, 1, 0, NULL, 0, DNS_FOUND, REC, 300},
  {"a CNAME first", t_cname, 0, 0, NULL, 0, DNS_FOUND, REC, 120},
  {"an A record first", t_abefore, 0, 0, NULL, 0, DNS_FOUND, REC, 30},
  {"a TXT of class CHAOS only", t_class, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"CHAOS then IN", t_class, 1, 0, NULL, 0, DNS_FOUND, REC, 33},
  {"a NUL inside only", t_nul, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"a NUL inside, then ours", t_nul, 1, 0, NULL, 0, DNS_FOUND, REC, 44},
  {"a string past its rdata", t_strpast, 0, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"rdlength past the end by 1", t_rdpast, 1, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"rdlength past the end by 100", t_rdpast, 100, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"a loop in the question", t_loop, 0, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"a pointer to itself", t_loop, 1, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"two pointers in a loop", t_loop, 2, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"a pointer past the end", t_loop, 3, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"more answers counted than given", t_counts, 2, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"fewer answers counted than given", t_counts, 0, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"bytes after the last record", t_trailing, 0, 0, NULL, 0, DNS_FAIL, NULL, 0},
  {"an empty TXT, no prefix", t_rd0, 0, 0, NULL, 1, DNS_FOUND, "", 300},
  {"an empty TXT", t_rd0, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
  {"a TXT in the additional section", t_additional, 0, 0, NULL, 0, DNS_NONE, NULL, NEG},
};

static void test_txt(void)
{
  static struct msg m;
  size_t i, k;
  for (i = 0; i < sizeof txts / sizeof txts[0]; i++) {
    const struct txt_case *t = &txts[i];
    char txt[DNS_TXT_MAX + 1];
    uint32_t ttl = 12345;
    int r;
    memset(txt, 'z', sizeof txt);
    t->build(&m, t->a1, t->a2);
    r = dns_txt_answer(m.b, m.n, t->name ? t->name : QN, t->noprefix ? NULL : DISCOVER_PREFIX,
                       txt, &ttl);
    if (!CHECK(r == t->ret, "dns_txt_answer: %s: %d", t->what, r)) continue;
    if (r == DNS_FOUND) {
      if (t->txt)
        CHECK(!strcmp(txt, t->txt), "dns_txt_answer: %s: \"%.40s\"", t->what, txt);
      else
        CHECK(memchr(txt, 0, DNS_TXT_MAX) && strlen(txt) == t->a1 && !strncmp(txt, "v=im2k1", 7),
              "dns_txt_answer: %s: %zu bytes", t->what, strnlen(txt, DNS_TXT_MAX));
    }
    if (r != DNS_FAIL)
      CHECK(ttl == t->ttl, "dns_txt_answer: %s: TTL %lu", t->what, (unsigned long)ttl);
    /* every proper prefix of a good answer fails (each lacks part of a
     * counted record) */
    for (k = 0; r != DNS_FAIL && k < m.n; k++) {
      r = dns_txt_answer(m.b, k, QN, NULL, txt, &ttl);
      if (!CHECK(r == DNS_FAIL, "dns_txt_answer: %s cut to %zu: %d", t->what, k, r)) break;
    }
  }
}

/* MX answers to a.example */
static void m_sorted(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 3, 0);
  mxrr(m, NULL, 300, 20, "b.mx.example");
  mxrr(m, NULL, 100, 10, "a.mx.example");
  mxrr(m, NULL, 200, 30, "c.mx.example");
}
static void m_stable(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 5, 0);
  mxrr(m, NULL, 300, 10, "a.mx.example");
  mxrr(m, NULL, 300, 10, "b.mx.example");
  mxrr(m, NULL, 300, 5, "c.mx.example");
  mxrr(m, NULL, 300, 10, "d.mx.example");
  mxrr(m, NULL, 300, 65535, "e.mx.example");
}
static void m_null(struct msg *m, uint32_t also, uint32_t a2)
{
  (void)a2;
  reply(m, 0, "a.example", ns_t_mx, also ? 2 : 1, 0);
  mxrr(m, NULL, 300, 0, ".");
  if (also) mxrr(m, NULL, 300, 10, "mx.a.example");
}
/* n records with preferences from first, step by step */
static void m_many(struct msg *m, uint32_t n, uint32_t down)
{
  uint32_t i;
  reply(m, 0, "a.example", ns_t_mx, n, 0);
  for (i = 0; i < n; i++) {
    char host[40];
    snprintf(host, sizeof host, "m%u.a.example", (unsigned)i);
    mxrr(m, NULL, 300, down == 2 ? 10 : down ? n - i : i + 1, host);
  }
}
static void m_comp(struct msg *m, uint32_t a1, uint32_t a2)
{
  size_t at;
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 1, 0);
  at = rr(m, NULL, ns_t_mx, 300);
  put16(m, 7);
  put8(m, 2);
  putmem(m, "mx", 2);
  putptr(m, Q); /* mx.a.example */
  rdend(m, at);
}
static void m_short(struct msg *m, uint32_t len, uint32_t a2)
{
  size_t at;
  (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 1, 0);
  at = rr(m, NULL, ns_t_mx, 300);
  putmem(m, "\0\012\0", len);
  rdend(m, at);
}
static void m_loop(struct msg *m, uint32_t a1, uint32_t a2)
{
  size_t at;
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 1, 0);
  at = rr(m, NULL, ns_t_mx, 300);
  put16(m, 10);
  putptr(m, m->n);
  rdend(m, at);
}
static void m_nx(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, ns_r_nxdomain, "a.example", ns_t_mx, 0, 1);
  soarr(m, 900, 90);
}
static void m_empty(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 0, 0);
}
static void m_mixed(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_mx, 4, 0);
  cnamerr(m, NULL, 300, "b.example");
  arr(m, "b.example", 300, "192.0.2.9");
  mxrr(m, "b.example", 0, 10, "mx.b.example");
  txtrr(m, "b.example", 300, "x");
}
static void m_servfail(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, ns_r_servfail, "a.example", ns_t_mx, 0, 0);
}
static void m_qtxt(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "a.example", ns_t_txt, 1, 0);
  mxrr(m, NULL, 300, 10, "mx.a.example");
}
struct mx_case {
  const char *what;
  build_fn *build;
  uint32_t a1, a2;
  int ret;
  const char *want; /* "PREF HOST,..." */
  uint32_t ttl;
};

static const struct mx_case mxs[] = {
  {"sorted", m_sorted, 0, 0, DNS_FOUND,
   "10 a.mx.example,20 b.mx.example,30 c.mx.example", 100},
  {"equal preferences in order", m_stable, 0, 0, DNS_FOUND,
   "5 c.mx.example,10 a.mx.example,10 b.mx.example,10 d.mx.example,65535 e.mx.example", 300},
  {"a null MX", m_null, 0, 0, DNS_NULLMX, "", 0},
  {"a null MX and another", m_null, 1, 0, DNS_FOUND, "10 mx.a.example", 300},
  {"16 kept of 16", m_many, 16, 0, DNS_FOUND,
   "1 m0.a.example,2 m1.a.example,3 m2.a.example,4 m3.a.example,5 m4.a.example,"
   "6 m5.a.example,7 m6.a.example,8 m7.a.example,9 m8.a.example,10 m9.a.example,"
   "11 m10.a.example,12 m11.a.example,13 m12.a.example,14 m13.a.example,"
   "15 m14.a.example,16 m15.a.example", 300},
  {"the best 16 of 20 (ascending)", m_many, 20, 0, DNS_FOUND,
   "1 m0.a.example,2 m1.a.example,3 m2.a.example,4 m3.a.example,5 m4.a.example,"
   "6 m5.a.example,7 m6.a.example,8 m7.a.example,9 m8.a.example,10 m9.a.example,"
   "11 m10.a.example,12 m11.a.example,13 m12.a.example,14 m13.a.example,"
   "15 m14.a.example,16 m15.a.example", 300},
  {"the best 16 of 20 (descending)", m_many, 20, 1, DNS_FOUND,
   "1 m19.a.example,2 m18.a.example,3 m17.a.example,4 m16.a.example,5 m15.a.example,"
   "6 m14.a.example,7 m13.a.example,8 m12.a.example,9 m11.a.example,10 m10.a.example,"
   "11 m9.a.example,12 m8.a.example,13 m7.a.example,14 m6.a.example,"
   "15 m5.a.example,16 m4.a.example", 300},
  {"the first 16 of 20 equal", m_many, 20, 2, DNS_FOUND,
   "10 m0.a.example,10 m1.a.example,10 m2.a.example,10 m3.a.example,10 m4.a.example,"
   "10 m5.a.example,10 m6.a.example,10 m7.a.example,10 m8.a.example,10 m9.a.example,"
   "10 m10.a.example,10 m11.a.example,10 m12.a.example,10 m13.a.example,"
   "10 m14.a.example,10 m15.a.example", 300},
  {"a host compressed", m_comp, 0, 0, DNS_FOUND, "7 mx.a.example", 300},
  {"rdlength 2", m_short, 2, 0, DNS_FAIL, NULL, 0},
  {"rdlength 0", m_short, 0, 0, DNS_FAIL, NULL, 0},
  {"rdlength 3: the root (a null MX)", m_short, 3, 0, DNS_NULLMX, "", 0},
  {"a host that loops", m_loop, 0, 0, DNS_FAIL, NULL, 0},
  {"NXDOMAIN", m_nx, 0, 0, DNS_NONE, "", 90},
  {"no answer", m_empty, 0, 0, DNS_NONE, "", NEG},
  {"CNAME, A and TXT records ignored", m_mixed, 0, 0, DNS_FOUND, "10 mx.b.example",
   DNS_TTL_MIN},
  {"SERVFAIL", m_servfail, 0, 0, DNS_FAIL, NULL, 0},
  {"a question for TXT", m_qtxt, 0, 0, DNS_FAIL, NULL, 0},
};

static void test_mx(void)
{
  static struct msg m;
  size_t i, k;
  for (i = 0; i < sizeof mxs / sizeof mxs[0]; i++) {
    const struct mx_case *t = &mxs[i];
    struct dns_mx mx[DNS_MX_MAX + 1];
    char got[2000];
    size_t gl = 0;
    uint32_t ttl = 12345;
    int nmx = -1, r, j;
    memset(mx, 0x55, sizeof mx);
    t->build(&m, t->a1, t->a2);
    r = dns_mx_answer(m.b, m.n, "a.example", mx, &nmx, &ttl);
    if (!CHECK(r == t->ret, "dns_mx_answer: %s: %d", t->what, r)) continue;
    if (r == DNS_FAIL) continue;
    for (k = 0; k < m.n; k++) {
      struct dns_mx scratch[DNS_MX_MAX];
      int n2;
      if (!CHECK(dns_mx_answer(m.b, k, "a.example", scratch, &n2, &ttl) == DNS_FAIL,
                 "dns_mx_answer: %s cut to %zu", t->what, k))
        break;
    }
    if (!CHECK(nmx >= 0 && nmx <= DNS_MX_MAX, "dns_mx_answer: %s: %d exchangers", t->what, nmx))
      continue;
    got[0] = 0;
    for (j = 0; j < nmx; j++)
      gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%u %s", j ? "," : "", mx[j].pref,
                             mx[j].host);
    CHECK(!strcmp(got, t->want), "dns_mx_answer: %s: %s", t->what, got);
    CHECK(mx[DNS_MX_MAX].pref == 0x5555, "dns_mx_answer: %s: nothing past DNS_MX_MAX", t->what);
    if (r == DNS_FOUND || t->ttl)
      CHECK(ttl == t->ttl, "dns_mx_answer: %s: TTL %lu", t->what, (unsigned long)ttl);
  }
  /* a 17th record that is damaged fails the answer, best kept or not */
  {
    struct dns_mx mx[DNS_MX_MAX];
    uint32_t ttl;
    int nmx, r;
    size_t at;
    m_many(&m, 17, 0);
    at = rr(&m, NULL, ns_t_mx, 300);
    put16(&m, 1);
    rdend(&m, at);
    m.b[7] = 18;
    r = dns_mx_answer(m.b, m.n, "a.example", mx, &nmx, &ttl);
    CHECK(r == DNS_FAIL, "dns_mx_answer: an 18th record of 2 bytes: %d", r);
  }
}

/* A answers to mx.a.example */
static void a_two(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "mx.a.example", ns_t_a, 2, 0);
  arr(m, NULL, 300, "192.0.2.1");
  arr(m, NULL, 200, "192.0.2.2");
}
static void a_five(struct msg *m, uint32_t a1, uint32_t a2)
{
  int i;
  (void)a1, (void)a2;
  reply(m, 0, "mx.a.example", ns_t_a, 5, 0);
  for (i = 1; i <= 5; i++) {
    char ip[20];
    snprintf(ip, sizeof ip, "10.0.0.%d", i);
    arr(m, NULL, (uint32_t)(1000 - i), ip);
  }
}
static void a_rdlen(struct msg *m, uint32_t len, uint32_t a2)
{
  size_t at;
  (void)a2;
  reply(m, 0, "mx.a.example", ns_t_a, 2, 0);
  arr(m, NULL, 300, "192.0.2.1");
  at = rr(m, NULL, ns_t_a, 300);
  putmem(m, "\300\0\2\2\2\2\2\2\2\2\2\2\2\2\2\2", len);
  rdend(m, at);
}
static void a_chaos(struct msg *m, uint32_t a1, uint32_t a2)
{
  size_t at;
  (void)a1, (void)a2;
  reply(m, 0, "mx.a.example", ns_t_a, 1, 0);
  at = rrc(m, NULL, ns_t_a, ns_c_chaos, 300);
  putmem(m, "abcdefghij", 10);
  rdend(m, at);
}
static void a_cname(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, 0, "mx.a.example", ns_t_a, 2, 0);
  cnamerr(m, NULL, 300, "host.b.example");
  arr(m, "host.b.example", 3, "198.51.100.1");
}
static void a_nx(struct msg *m, uint32_t a1, uint32_t a2)
{
  (void)a1, (void)a2;
  reply(m, ns_r_nxdomain, "mx.a.example", ns_t_a, 0, 1);
  soarr(m, 60, 600);
}

struct a_case {
  const char *what;
  build_fn *build;
  uint32_t a1;
  int max;
  int ret;
  const char *want;
  uint32_t ttl;
};

static const struct a_case as[] = {
  {"two", a_two, 0, 8, DNS_FOUND, "192.0.2.1,192.0.2.2", 200},
  {"five, three kept", a_five, 0, 3, DNS_FOUND, "10.0.0.1,10.0.0.2,10.0.0.3", 997},
  {"five, all kept", a_five, 0, 5, DNS_FOUND, "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5",
   995},
  {"one kept", a_five, 0, 1, DNS_FOUND, "10.0.0.1", 999},
  {"rdlength 4", a_rdlen, 4, 8, DNS_FOUND, "192.0.2.1,192.0.2.2", 300},
  {"rdlength 5", a_rdlen, 5, 8, DNS_FAIL, NULL, 0},
  {"rdlength 3", a_rdlen, 3, 8, DNS_FAIL, NULL, 0},
  {"rdlength 0", a_rdlen, 0, 8, DNS_FAIL, NULL, 0},
  {"rdlength 16", a_rdlen, 16, 8, DNS_FAIL, NULL, 0},
  {"class CHAOS ignored", a_chaos, 0, 8, DNS_NONE, "", NEG},
  {"a CNAME first", a_cname, 0, 8, DNS_FOUND, "198.51.100.1", DNS_TTL_MIN},
  {"NXDOMAIN", a_nx, 0, 8, DNS_NONE, "", 60},
};

static void test_a(void)
{
  static struct msg m;
  size_t i, k;
  for (i = 0; i < sizeof as / sizeof as[0]; i++) {
    const struct a_case *t = &as[i];
    struct in_addr a[9];
    char got[300];
    size_t gl = 0;
    uint32_t ttl = 12345;
    int na = -1, r, j;
    memset(a, 0x55, sizeof a);
    t->build(&m, t->a1, 0);
    r = dns_a_answer(m.b, m.n, "mx.a.example", a, t->max, &na, &ttl);
    if (!CHECK(r == t->ret, "dns_a_answer: %s: %d", t->what, r)) continue;
    if (r == DNS_FAIL) continue;
    CHECK(na >= 0 && na <= t->max, "dns_a_answer: %s: %d addresses", t->what, na);
    got[0] = 0;
    for (j = 0; j < na && j < t->max; j++) {
      char ip[16];
      inet_ntop(AF_INET, &a[j], ip, sizeof ip);
      gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s", j ? "," : "", ip);
    }
    CHECK(!strcmp(got, t->want), "dns_a_answer: %s: %s", t->what, got);
    CHECK(a[t->max].s_addr == 0x55555555, "dns_a_answer: %s: nothing past max", t->what);
    CHECK(ttl == t->ttl, "dns_a_answer: %s: TTL %lu", t->what, (unsigned long)ttl);
    for (k = 0; k < m.n; k++) {
      r = dns_a_answer(m.b, k, "mx.a.example", a, t->max, &na, &ttl);
      if (!CHECK(r == DNS_FAIL, "dns_a_answer: %s cut to %zu: %d", t->what, k, r)) break;
    }
  }
}

/* every byte of a few answers set to a few values: the readers give one
 * of their three results and stay in their bounds */
static void test_damage(void)
{
  static build_fn *const builds[] = {t_split, t_nxcomp, t_cname, m_sorted, m_comp, a_two};
  static const unsigned char vals[] = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff};
  static struct msg m;
  unsigned long bad = 0, runs = 0;
  size_t b, i, v;
  for (b = 0; b < sizeof builds / sizeof builds[0]; b++) {
    builds[b](&m, 600, 45);
    for (i = 0; i < m.n; i++)
      for (v = 0; v < sizeof vals; v++) {
        unsigned char keep = m.b[i];
        char txt[DNS_TXT_MAX];
        struct dns_mx mx[DNS_MX_MAX];
        struct in_addr a[4];
        uint32_t ttl;
        int r1, r2, r3, nmx, na;
        m.b[i] = vals[v];
        r1 = dns_txt_answer(m.b, m.n, QN, NULL, txt, &ttl);
        if (r1 == DNS_FOUND && !memchr(txt, 0, DNS_TXT_MAX)) bad++;
        if (r1 != DNS_FAIL && (ttl < DNS_TTL_MIN || ttl > DNS_TTL_MAX)) bad++;
        r2 = dns_mx_answer(m.b, m.n, "a.example", mx, &nmx, &ttl);
        if (r2 == DNS_FOUND && (nmx < 1 || nmx > DNS_MX_MAX)) bad++;
        r3 = dns_a_answer(m.b, m.n, "mx.a.example", a, 4, &na, &ttl);
        if (r3 == DNS_FOUND && (na < 1 || na > 4)) bad++;
        if (r1 < -1 || r1 > 1 || r2 < -1 || r2 > 2 || r3 < -1 || r3 > 1) bad++;
        m.b[i] = keep;
        runs++;
      }
  }
  CHECK(bad == 0, "damaged answers: %lu of %lu broke a promise", bad, runs);
}

static void test_id(void)
{
  static const struct {
    const char *p;
    size_t n;
    int want;
  } ids[] = {
      {"\x12\x34\x80\0\0\1\0\0\0\0\0\0", 12, 0x1234},
      {"\xff\xff\x81\x80\0\1\0\0\0\0\0\0", 12, 0xffff},
      {"\0\0\x80\0\0\0\0\0\0\0\0\0", 12, 0},
      {"\x12\x34\x80\0\0\1\0\0\0\0\0\0\xff\xff", 14, 0x1234},
      {"\x12\x34\x01\0\0\1\0\0\0\0\0\0", 12, -1},
      {"\x12\x34\x7f\xff\0\1\0\0\0\0\0\0", 12, -1},
      {"\x12\x34\x80\0\0\1\0\0\0\0\0", 11, -1},
      {"\x12\x34\x80", 3, -1},
      {"", 0, -1},
  };
  size_t i;
  for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
    CHECK(dns_answer_id((const unsigned char *)ids[i].p, ids[i].n) == ids[i].want,
          "dns_answer_id row %zu: %d", i, dns_answer_id((const unsigned char *)ids[i].p, ids[i].n));
}

/* ---- discover ---- */

static void conf_at(struct dns_conf *c, const char *ip, unsigned port)
{
  memset(c, 0, sizeof *c);
  c->ns[0].sin_family = AF_INET;
  c->ns[0].sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, ip, &c->ns[0].sin_addr) != 1) unit_fatal("t_dns", ip);
  c->nns = 1;
}

/* name: labels of 63 bytes and a last one, n bytes in all */
static void longname(char *out, size_t n)
{
  size_t i;
  memset(out, 'a', n);
  for (i = 63; i < n; i += 64) out[i] = '.';
  out[n] = 0;
}

static uint64_t sent(const struct discover *d, int which)
{
  uint64_t st[4];
  discover_stats(d, st);
  return st[which];
}

static const char *const baddoms[] = {
    "", "a..example", "-a.example", "a-.example", "a b.example", "a_b.example",
    "a.example.", ".a.example", "a@b.example", "a.example\n",
};

/* a name server that never answers (127.0.0.1 port 1), the clock given */
static void test_silent(void)
{
  struct dns_conf c, c0;
  struct discover *d;
  struct discover_answer a;
  int64_t t0, w;
  char dom[300];
  size_t i;
  int r;
  conf_at(&c, "127.0.0.1", 1);
  errno = 0;
  CHECK(discover_new(&c, 0) == NULL && errno == EINVAL, "discover_new of 0 slots");
  errno = 0;
  CHECK(discover_new(&c, 48) == NULL && errno == EINVAL, "discover_new of 48 slots");
  c0 = c;
  c0.nns = 0;
  errno = 0;
  CHECK(discover_new(&c0, 64) == NULL && errno == EINVAL, "discover_new without a server");
  d = discover_new(&c, 64);
  if (!d) unit_fatal("t_dns", "discover_new");
  CHECK(discover_fd(d) == -1, "discover_fd: no socket before the first query");
  t0 = now_ms();
  for (i = 0; i < sizeof baddoms / sizeof baddoms[0]; i++) {
    errno = 0;
    r = discover_server(d, baddoms[i], &a, t0);
    CHECK(r == DISCOVER_FAILED && errno == EINVAL, "discover_find \"%s\": %d errno %d", baddoms[i], r,
          errno);
  }
  longname(dom, 254);
  errno = 0;
  r = discover_server(d, dom, &a, t0);
  CHECK(r == DISCOVER_FAILED && errno == EINVAL, "discover_find of 254 bytes: %d", r);
  CHECK(sent(d, 0) == 0, "no query for a bad domain");

  /* one query; asked again while it waits, no second */
  CHECK(discover_server(d, "silent.example", &a, t0) == DISCOVER_WAIT, "DISCOVER_WAIT");
  CHECK(sent(d, 0) == 1, "one query sent");
  CHECK(discover_fd(d) >= 0, "discover_fd: the socket made by the first query");
  CHECK(discover_server(d, "silent.example", &a, t0 + 10) == DISCOVER_WAIT &&
            discover_server(d, "SILENT.Example", &a, t0 + 20) == DISCOVER_WAIT,
        "still DISCOVER_WAIT");
  CHECK(sent(d, 0) == 1, "no query while one waits: %lu", (unsigned long)sent(d, 0));
  /* resent after 1 and 2 s, given up 4 s after the third; tick's wait
   * is at most 1000 ms */
  w = discover_tick(d, t0 + 999);
  CHECK(w == 1 && sent(d, 0) == 1, "tick at 999 ms: %lld", (long long)w);
  w = discover_tick(d, t0 + 1000);
  CHECK(w == 1000 && sent(d, 0) == 2, "tick at 1 s: resent, next in %lld", (long long)w);
  w = discover_tick(d, t0 + 2999);
  CHECK(w == 1 && sent(d, 0) == 2, "tick at 2999 ms: %lld", (long long)w);
  w = discover_tick(d, t0 + 3000);
  CHECK(w == 1000 && sent(d, 0) == 3, "tick at 3 s: resent, next in %lld", (long long)w);
  CHECK(discover_server(d, "silent.example", &a, t0 + 6999) == DISCOVER_WAIT,
        "DISCOVER_WAIT at 6999 ms");
  w = discover_tick(d, t0 + 5000);
  CHECK(w == 1000 && sent(d, 0) == 3, "tick at 5 s: %lld", (long long)w);
  w = discover_tick(d, t0 + 6999);
  CHECK(w == 1 && sent(d, 3) == 0, "tick at 6999 ms: %lld", (long long)w);
  w = discover_tick(d, t0 + 7000);
  CHECK(sent(d, 0) == 3 && sent(d, 3) == 1, "given up at 7 s after 3 queries");
  errno = 0;
  r = discover_server(d, "silent.example", &a, t0 + 7000);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN, "DISCOVER_FAILED, EAGAIN: %d %d", r, errno);
  /* the failure is kept DISCOVER_FAIL_TTL seconds, then asked again */
  errno = 0;
  r = discover_server(d, "silent.example", &a, t0 + 7000 + DISCOVER_FAIL_TTL * 1000 - 1);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN && sent(d, 0) == 3, "the failure cached: %d", r);
  r = discover_server(d, "silent.example", &a, t0 + 7000 + DISCOVER_FAIL_TTL * 1000);
  CHECK(r == DISCOVER_WAIT && sent(d, 0) == 4, "asked again once it expired: %d", r);
  discover_free(d);

  /* two lookups on their own schedules */
  d = discover_new(&c, 64);
  if (!d) unit_fatal("t_dns", "discover_new");
  t0 = now_ms();
  CHECK(discover_server(d, "one.example", &a, t0) == DISCOVER_WAIT &&
            discover_server(d, "two.example", &a, t0 + 500) == DISCOVER_WAIT,
        "two lookups");
  w = discover_tick(d, t0 + 1000);
  CHECK(w == 500 && sent(d, 0) == 3, "at 1 s the first is resent; the second due in %lld",
        (long long)w);
  w = discover_tick(d, t0 + 1500);
  CHECK(w == 1000 && sent(d, 0) == 4, "at 1.5 s the second is resent; next in %lld", (long long)w);
  discover_free(d);

  /* a cache of one entry: a second domain waits for room */
  d = discover_new(&c, 1);
  if (!d) unit_fatal("t_dns", "discover_new");
  t0 = now_ms();
  CHECK(discover_server(d, "one.example", &a, t0) == DISCOVER_WAIT, "one entry");
  errno = 0;
  r = discover_server(d, "two.example", &a, t0);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN && sent(d, 0) == 1, "no room: %d", r);
  discover_tick(d, t0 + 1000);
  discover_tick(d, t0 + 3000);
  discover_tick(d, t0 + 7000);
  r = discover_server(d, "two.example", &a, t0 + 7000);
  CHECK(r == DISCOVER_WAIT, "a failed entry gives its room: %d", r);
  errno = 0;
  r = discover_server(d, "one.example", &a, t0 + 7000);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN, "and is gone: %d", r);
  discover_free(d);
}

static void test_wait(void)
{
  struct dns_conf c;
  struct discover *d;
  struct discover_answer a;
  int64_t t0, took;
  char dom[300];
  int r, i;
  conf_at(&c, "127.0.0.1", 1);
  d = discover_new(&c, 1024);
  if (!d) unit_fatal("t_dns", "discover_new");
  t0 = now_ms();
  errno = 0;
  r = discover_wait(d, "a..example", &a, 200);
  CHECK(r == DISCOVER_FAILED && errno == EINVAL && now_ms() - t0 < 100, "discover_wait of a bad domain");
  t0 = now_ms();
  errno = 0;
  r = discover_wait(d, "wait.example", &a, 200);
  took = now_ms() - t0;
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN, "discover_wait 200 ms: %d errno %d", r, errno);
  CHECK(took >= 200 && took < 1000, "discover_wait took %lld ms", (long long)took);
  CHECK(sent(d, 0) == 1, "one query in 200 ms");
  /* names too long for DNS with the label in front: no server */
  t0 = now_ms();
  longname(dom, 253);
  r = discover_server(d, dom, &a, t0);
  CHECK(r == DISCOVER_SMTP && sent(d, 0) == 1, "a domain of 253 bytes: %d, no query", r);
  longname(dom, 248);
  r = discover_server(d, dom, &a, t0);
  CHECK(r == DISCOVER_SMTP && sent(d, 0) == 1, "a domain of 248 bytes: %d, no query", r);
  longname(dom, 247);
  r = discover_server(d, dom, &a, t0);
  CHECK(r == DISCOVER_WAIT && sent(d, 0) == 2, "a domain of 247 bytes: %d, asked", r);
  discover_free(d);

  /* at most 200 new lookups a second */
  d = discover_new(&c, 1024);
  if (!d) unit_fatal("t_dns", "discover_new");
  t0 = now_ms();
  for (i = 0; i < 200; i++) {
    snprintf(dom, sizeof dom, "r%d.example", i);
    if (!CHECK(discover_server(d, dom, &a, t0) == DISCOVER_WAIT, "lookup %d", i)) break;
  }
  errno = 0;
  r = discover_server(d, "r200.example", &a, t0);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN && sent(d, 0) == 200, "the 201st: %d", r);
  CHECK(discover_server(d, "r7.example", &a, t0) == DISCOVER_WAIT,
        "one waiting is still found");
  CHECK(discover_server(d, "r200.example", &a, t0 + 5) == DISCOVER_WAIT,
        "5 ms later, one more");
  errno = 0;
  r = discover_server(d, "r201.example", &a, t0 + 5);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN && sent(d, 0) == 201, "and only one: %d", r);
  discover_free(d);
}

/* control/servers.cdb first */
static void test_table(void)
{
  static const char v1[] = "127.0.0.3:2525:2526:" PK;
  static const char v2[] = "127.0.0.4:2525:2526:" PK;
  static const char bad[] = "127.0.0.3:0:2526:" PK;
  char dir[64];
  struct table_make tm;
  struct discover *d;
  struct discover_answer a;
  unsigned char pk[32];
  int64_t t0;
  int dfd, r, i;
  for (i = 0; i < 32; i++) pk[i] = (unsigned char)i;
  if (unit_tmpdir(dir) == -1) unit_fatal("t_dns", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_dns", "open temp dir");
  if (mkdirat(dfd, "control", 0755) == -1 ||
      file_put_atomic(dfd, "control/dnsip", "127.0.0.1:1\n", 12, 0644) == -1)
    unit_fatal("t_dns", "control/dnsip");
  d = discover_open(dfd, 16);
  if (!d) unit_fatal("t_dns", "discover_open");
  t0 = now_ms();
  errno = 0;
  r = discover_server(d, "tab.example", &a, t0);
  CHECK(r == DISCOVER_FAILED && errno == ENOENT, "no control/servers.cdb: failed, ENOENT: %d %d", r,
        errno);
  CHECK(discover_listed(d, "tab.example", t0) == -1 && errno == ENOENT, "listed: no table");
  if (table_make_start(&tm, dfd, "control/servers.cdb") == -1 ||
      table_make_add(&tm, "tab.example", 11, v1, sizeof v1 - 1) == -1 ||
      table_make_add(&tm, "damaged.example", 15, bad, sizeof bad - 1) == -1 ||
      table_make_finish(&tm) == -1)
    unit_fatal("t_dns", "servers.cdb");
  a.postage = 99;
  a.peer = 0;
  memset(&a.s, 0, sizeof a.s);
  r = discover_server(d, "Tab.Example", &a, t0);
  CHECK(r == DISCOVER_FOUND && !strcmp(a.s.ip, "127.0.0.3") && a.s.inbox_port == 2525 &&
            a.s.fetch_port == 2526 && !memcmp(a.s.pk, pk, 32) && a.postage == 0 && a.peer == 1,
        "found in the table (taken at once, none was held): %d %s %u", r, a.s.ip, a.postage);
  r = discover_wait(d, "tab.example", &a, 100);
  CHECK(r == DISCOVER_FOUND, "discover_wait from the table: %d", r);
  CHECK(discover_listed(d, "TAB.example", t0) == 1 && discover_listed(d, "dns.example", t0) == 0,
        "discover_listed");
  errno = 0;
  r = discover_server(d, "damaged.example", &a, t0);
  CHECK(r == DISCOVER_FAILED && errno == EINVAL, "a damaged entry: %d errno %d", r, errno);
  CHECK(sent(d, 0) == 0, "the table asks nothing of DNS");
  r = discover_server(d, "dns.example", &a, t0);
  CHECK(r == DISCOVER_WAIT && sent(d, 0) == 1 && a.peer == 0, "not in the table: asked: %d", r);
  /* the table is kept: a new one is taken when looked at a second later */
  if (table_make_start(&tm, dfd, "control/servers.cdb") == -1 ||
      table_make_add(&tm, "tab.example", 11, v2, sizeof v2 - 1) == -1 || table_make_finish(&tm) == -1)
    unit_fatal("t_dns", "servers.cdb again");
  r = discover_server(d, "tab.example", &a, t0 + 10);
  CHECK(r == DISCOVER_FOUND && !strcmp(a.s.ip, "127.0.0.3"), "within the second: the copy held");
  r = discover_server(d, "tab.example", &a, t0 + 1000);
  CHECK(r == DISCOVER_FOUND && !strcmp(a.s.ip, "127.0.0.4"), "a second later: the new table: %s",
        a.s.ip);
  r = discover_server(d, "damaged.example", &a, t0 + 1000);
  CHECK(r == DISCOVER_WAIT, "an entry gone from the table: asked of DNS: %d", r);
  if (unlinkat(dfd, "control/servers.cdb", 0) == -1) unit_fatal("t_dns", "unlink");
  errno = 0;
  r = discover_server(d, "tab.example", &a, t0 + 2000);
  CHECK(r == DISCOVER_FAILED && errno == ENOENT, "the table removed: failed: %d %d", r, errno);
  discover_free(d);
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
}

/* ---- a name server of the test's own, on loopback ---- */

static int udp_bound(struct sockaddr_in *sa)
{
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof a) == -1 ||
      getsockname(fd, (struct sockaddr *)&a, &l) == -1)
    unit_fatal("t_dns", "udp socket");
  if (sa) *sa = a;
  return fd;
}

/* serve_get: the next query to the server within ms: its length (0:
 * none came), its sender in *from */
static size_t serve_get(int fd, unsigned char *q, size_t max, struct sockaddr_in *from, int ms)
{
  struct pollfd pf;
  socklen_t sl = sizeof *from;
  ssize_t n;
  pf.fd = fd;
  pf.events = POLLIN;
  if (poll(&pf, 1, ms) != 1) return 0;
  n = recvfrom(fd, q, max, MSG_DONTWAIT, (struct sockaddr *)from, &sl);
  return n > 0 ? (size_t)n : 0;
}

/* asked: the query asks for name (any case) of type, recursion desired */
static int asked(const unsigned char *q, size_t n, const char *name, int type)
{
  ns_msg m;
  ns_rr rr;
  if (n < 12 || ns_initparse(q, (int)n, &m) == -1 || ns_msg_count(m, ns_s_qd) != 1 ||
      ns_parserr(&m, ns_s_qd, 0, &rr) == -1)
    return 0;
  return (q[2] & 0x81) == 0x01 && !strcasecmp(ns_rr_name(rr), name) &&
         (int)ns_rr_type(rr) == type;
}

/* reply_to: the head of an answer to query q: its id and its question */
static void reply_to(struct msg *m, const unsigned char *q, size_t qn, unsigned rcode,
                     unsigned an, unsigned ns)
{
  int s = qn > 12 ? dn_skipname(q + 12, q + qn) : -1;
  header(m, (unsigned)(q[0] << 8 | q[1]), QR | RD | RA | rcode, 1, an, ns, 0);
  if (s > 0 && 12 + (size_t)s + 4 <= qn) putmem(m, q + 12, (size_t)s + 4);
}

static int send_to(int fd, const struct msg *m, const struct sockaddr_in *to)
{
  return sendto(fd, m->b, m->n, 0, (const struct sockaddr *)to, sizeof *to) == (ssize_t)m->n;
}

static void test_live(void)
{
  static struct msg m;
  struct sockaddr_in sa, from;
  struct dns_conf c;
  struct discover *d;
  struct discover_answer a;
  unsigned char q[600], q2[600], pk[32];
  size_t qn;
  int64_t t0;
  int srv, other, r, i;
  for (i = 0; i < 32; i++) pk[i] = (unsigned char)i;
  srv = udp_bound(&sa);
  other = udp_bound(NULL);
  memset(&c, 0, sizeof c);
  c.ns[0] = sa;
  c.nns = 1;
  d = discover_new(&c, 64);
  if (!d) unit_fatal("t_dns", "discover_new");

  /* found, and taken from the cache after */
  r = discover_server(d, "live.example", &a, now_ms());
  CHECK(r == DISCOVER_WAIT, "live: DISCOVER_WAIT: %d", r);
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(qn && asked(q, qn, "_im2k.live.example", ns_t_txt), "live: the query: %zu bytes", qn);
  /* not taken: another id, another sender, another question */
  reply_to(&m, q, qn, 0, 1, 0);
  txtrr(&m, NULL, 60, "v=im2k1; a=10.9.9.9; n=1; f=1; k=" PK);
  m.b[1] ^= 1;
  CHECK(send_to(srv, &m, &from), "send another id");
  m.b[1] ^= 1;
  CHECK(send_to(other, &m, &from), "send from another socket");
  header(&m, (unsigned)(q[0] << 8 | q[1]), QR | RD | RA, 1, 1, 0, 0);
  putname(&m, "_im2k.else.example");
  put16(&m, ns_t_txt);
  put16(&m, ns_c_in);
  txtrr(&m, NULL, 60, "v=im2k1; a=10.9.9.9; n=1; f=1; k=" PK);
  CHECK(send_to(srv, &m, &from), "send another question");
  reply_to(&m, q, qn, 0, 1, 0);
  txtrr(&m, NULL, 60, REC "; p=12");
  CHECK(send_to(srv, &m, &from), "send the answer");
  memset(&a.s, 0, sizeof a.s);
  a.postage = 99;
  r = discover_wait(d, "live.example", &a, 2000);
  CHECK(r == DISCOVER_FOUND && !strcmp(a.s.ip, "192.0.2.7") && a.s.inbox_port == 2000 &&
            a.s.fetch_port == 2001 && !memcmp(a.s.pk, pk, 32) && a.postage == 12,
        "live: DISCOVER_FOUND %d %s %u %u %u", r, a.s.ip, a.s.inbox_port, a.s.fetch_port, a.postage);
  CHECK(sent(d, 0) == 1 && sent(d, 1) == 1, "live: one query, one found");
  memset(&a.s, 0, sizeof a.s);
  r = discover_server(d, "Live.Example", &a, now_ms());
  CHECK(r == DISCOVER_FOUND && !strcmp(a.s.ip, "192.0.2.7") && a.postage == 12, "live: from the cache: %d",
        r);
  CHECK(serve_get(srv, q2, sizeof q2, &from, 100) == 0 && sent(d, 0) == 1,
        "live: no second query");

  /* NXDOMAIN: no server */
  CHECK(discover_server(d, "none.example", &a, now_ms()) == DISCOVER_WAIT, "none: WAIT");
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(qn && asked(q, qn, "_im2k.none.example", ns_t_txt), "none: the query");
  reply_to(&m, q, qn, ns_r_nxdomain, 0, 1);
  soarr(&m, 900, 120);
  CHECK(send_to(srv, &m, &from), "send NXDOMAIN");
  r = discover_wait(d, "none.example", &a, 2000);
  CHECK(r == DISCOVER_SMTP, "none: DISCOVER_SMTP: %d", r);
  r = discover_server(d, "none.example", &a, now_ms());
  CHECK(r == DISCOVER_SMTP && serve_get(srv, q2, sizeof q2, &from, 100) == 0 && sent(d, 0) == 2 &&
            sent(d, 2) == 1,
        "none: from the cache: %d", r);

  /* a damaged record: a failure, not "no server" */
  CHECK(discover_server(d, "broken.example", &a, now_ms()) == DISCOVER_WAIT, "broken");
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(qn && asked(q, qn, "_im2k.broken.example", ns_t_txt), "broken: the query");
  reply_to(&m, q, qn, 0, 1, 0);
  txtrr(&m, NULL, 600, "v=im2k1; a=127.0.5.9; n=2000");
  CHECK(send_to(srv, &m, &from), "send a damaged record");
  errno = 0;
  r = discover_wait(d, "broken.example", &a, 2000);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN, "broken: DISCOVER_FAILED: %d errno %d", r, errno);
  errno = 0;
  r = discover_server(d, "broken.example", &a, now_ms());
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN && serve_get(srv, q2, sizeof q2, &from, 100) == 0 &&
            sent(d, 3) == 1,
        "broken: from the cache: %d", r);

  /* SERVFAIL is not the answer: the lookup goes on (the clock given,
   * and no tick: no resend with another id) */
  t0 = now_ms();
  CHECK(discover_server(d, "sf.example", &a, t0) == DISCOVER_WAIT, "sf");
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(qn && asked(q, qn, "_im2k.sf.example", ns_t_txt), "sf: the query");
  reply_to(&m, q, qn, ns_r_servfail, 0, 0);
  CHECK(send_to(srv, &m, &from), "send SERVFAIL");
  {
    struct pollfd pf;
    pf.fd = discover_fd(d);
    pf.events = POLLIN;
    CHECK(poll(&pf, 1, 2000) == 1, "sf: SERVFAIL came");
    discover_input(d, t0 + 10);
    CHECK(discover_server(d, "sf.example", &a, t0 + 10) == DISCOVER_WAIT,
          "sf: still DISCOVER_WAIT after SERVFAIL");
    reply_to(&m, q, qn, 0, 1, 0);
    txtrr(&m, NULL, 60, REC);
    CHECK(send_to(srv, &m, &from), "send the answer");
    CHECK(poll(&pf, 1, 2000) == 1, "sf: the answer came");
    discover_input(d, t0 + 20);
    r = discover_server(d, "sf.example", &a, t0 + 20);
    CHECK(r == DISCOVER_FOUND && a.postage == 0 && !strcmp(a.s.ip, "192.0.2.7"), "sf: then DISCOVER_FOUND: %d",
          r);
  }

  /* TXT records, none of ours: no server */
  CHECK(discover_server(d, "smtp.example", &a, now_ms()) == DISCOVER_WAIT, "smtp");
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  reply_to(&m, q, qn, 0, 1, 0);
  txtrr(&m, NULL, 60, "v=spf1 -all");
  CHECK(send_to(srv, &m, &from), "send another TXT");
  r = discover_wait(d, "smtp.example", &a, 2000);
  CHECK(r == DISCOVER_SMTP && sent(d, 0) == 5, "smtp: DISCOVER_SMTP: %d", r);

  /* each kept for its TTL, then asked again (the clock moved on) */
  t0 = now_ms();
  errno = 0;
  r = discover_server(d, "broken.example", &a, t0 + DISCOVER_FAIL_TTL * 1000 - 2000);
  CHECK(r == DISCOVER_FAILED && errno == EAGAIN, "broken: kept: %d", r);
  r = discover_server(d, "broken.example", &a, t0 + DISCOVER_FAIL_TTL * 1000 + 1);
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(r == DISCOVER_WAIT && qn && asked(q, qn, "_im2k.broken.example", ns_t_txt),
        "broken: asked again after %d s: %d", DISCOVER_FAIL_TTL, r);
  r = discover_server(d, "live.example", &a, t0 + 55000);
  CHECK(r == DISCOVER_FOUND, "live: kept: %d", r);
  r = discover_server(d, "live.example", &a, t0 + 60001);
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(r == DISCOVER_WAIT && qn && asked(q, qn, "_im2k.live.example", ns_t_txt),
        "live: asked again after its TTL: %d", r);
  r = discover_server(d, "none.example", &a, t0 + 115000);
  CHECK(r == DISCOVER_SMTP, "none: kept: %d", r);
  r = discover_server(d, "none.example", &a, t0 + 120001);
  qn = serve_get(srv, q, sizeof q, &from, 2000);
  CHECK(r == DISCOVER_WAIT && qn && asked(q, qn, "_im2k.none.example", ns_t_txt),
        "none: asked again after the negative TTL: %d", r);
  CHECK(sent(d, 0) == 8 && serve_get(srv, q2, sizeof q2, &from, 50) == 0,
        "eight queries in all: %lu", (unsigned long)sent(d, 0));
  discover_free(d);
  close(other);
  close(srv);
}

/* the blocking lookups, against a child answering by type */
static int blocking_server(int fd)
{
  static struct msg m;
  int k;
  for (k = 0; k < 3; k++) {
    unsigned char q[600];
    struct sockaddr_in from;
    size_t qn = serve_get(fd, q, sizeof q, &from, 5000);
    int s;
    unsigned type;
    if (!qn) break;
    s = dn_skipname(q + 12, q + qn);
    if (s < 0 || 12 + (size_t)s + 4 > qn) break;
    type = (unsigned)(q[12 + s] << 8 | q[13 + s]);
    if (type == ns_t_txt) {
      reply_to(&m, q, qn, 0, 2, 0);
      txtrr(&m, NULL, 60, "v=spf1 -all");
      txtrr(&m, NULL, 60, REC);
    } else if (type == ns_t_mx) {
      reply_to(&m, q, qn, 0, 2, 0);
      mxrr(&m, NULL, 300, 20, "mx2.blk.example");
      mxrr(&m, NULL, 300, 10, "mx1.blk.example");
    } else if (type == ns_t_a) {
      reply_to(&m, q, qn, 0, 1, 0);
      arr(&m, NULL, 300, "127.0.0.9");
    } else
      break;
    if (!send_to(fd, &m, &from)) break;
  }
  return k;
}

static void test_blocking(void)
{
  struct sockaddr_in sa;
  struct dns_conf c;
  struct dns_mx mx[DNS_MX_MAX];
  struct in_addr a[4];
  char txt[DNS_TXT_MAX];
  uint32_t ttl = 0;
  int64_t t0;
  int srv, r, nmx = 0, na = 0, st;
  pid_t pid;
  srv = udp_bound(&sa);
  memset(&c, 0, sizeof c);
  c.ns[0] = sa;
  c.nns = 1;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == -1) unit_fatal("t_dns", "fork");
  if (pid == 0) _exit(blocking_server(srv));
  r = dns_txt(&c, "_im2k.blk.example", DISCOVER_PREFIX, txt, &ttl);
  CHECK(r == DNS_FOUND && !strcmp(txt, REC) && ttl == 60, "dns_txt: %d", r);
  r = dns_mx(&c, "blk.example", mx, &nmx);
  CHECK(r == DNS_FOUND && nmx == 2 && mx[0].pref == 10 && !strcmp(mx[0].host, "mx1.blk.example") &&
            !strcmp(mx[1].host, "mx2.blk.example"),
        "dns_mx: %d %d", r, nmx);
  r = dns_a(&c, "mx1.blk.example", a, 4, &na);
  CHECK(r == DNS_FOUND && na == 1 && a[0].s_addr == htonl(0x7f000009), "dns_a: %d %d", r, na);
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3,
        "the server answered three queries");
  close(srv);
  /* nobody at the port: a failure, soon (port unreachable) */
  conf_at(&c, "127.0.0.1", 1);
  t0 = now_ms();
  r = dns_txt(&c, "_im2k.blk.example", DISCOVER_PREFIX, txt, &ttl);
  CHECK(r == DNS_FAIL, "dns_txt with nobody there: %d", r);
  CHECK(now_ms() - t0 < 3000, "in %lld ms", (long long)(now_ms() - t0));
  r = dns_mx(&c, "blk.example", mx, &nmx);
  CHECK(r == DNS_FAIL && nmx == 0, "dns_mx with nobody there: %d", r);
  r = dns_a(&c, "blk.example", a, 4, &na);
  CHECK(r == DNS_FAIL && na == 0, "dns_a with nobody there: %d", r);
}

int main(void)
{
  if (sodium_init() < 0) unit_fatal("t_dns", "sodium_init");
  test_parse();
  test_conf();
  test_query();
  test_txt();
  test_mx();
  test_a();
  test_damage();
  test_id();
  test_silent();
  test_wait();
  test_table();
  test_live();
  test_blocking();
  return unit_done("t_dns");
}
