/* im2k-probe: a hostile and curious client for the scenario tests, built
 * from the same lib/ as the daemons.  Not installed.
 *   im2k-probe flood IP PORT COUNT SEED PKHEX
 *       COUNT datagrams: random bytes, random requests with fresh keys,
 *       and one-byte mutations of a sealed request; counts the bytes that
 *       come back (there must be none).
 *   im2k-probe amp IP PORT PKHEX [KEYDIR USER]
 *       every request kind, every request size from the smallest to 1200
 *       bytes, valid and broken bodies (with KEYDIR/secret, as USER's own
 *       LIST/DONE; with the tokens LIST returns, FETCH and CONFIRM of the
 *       sender's fetchd named by $FETCH_IP $FETCH_PORT $FETCH_PK); prints
 *       the counts and fails if any response was longer than its request.
 *   im2k-probe badtoken IP PORT PKHEX KEYDIR USER
 *       lists USER's notifications, then asks the fetchd named by $FETCH_*
 *       for each message with a wrong token, for another recipient, and
 *       for another handle; every answer must be "no such message".
 *   im2k-probe nonces IP PORT PKHEX COUNT
 *       sends COUNT requests that draw answers, prints the response nonces
 *       (hex, one per line) for a uniqueness check.
 * Exit 0, 1 on a broken property, 111 on a local error. */
#include "hex.h"
#include "keys.h"
#include "msg.h"
#include "packet.h"
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sock(const char *ip, unsigned port, struct sockaddr_in *sa)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd == -1 || udp_addr(sa, ip, (uint16_t)port) == -1) { perror("socket"); exit(111); }
  return fd;
}

/* drain: bytes arriving within ms */
static size_t drain(int fd, int ms)
{
  unsigned char b[2048];
  size_t total = 0;
  int64_t end = now_ms() + ms;
  for (;;) {
    struct pollfd pf = {fd, POLLIN, 0};
    int64_t left = end - now_ms();
    ssize_t n;
    if (left <= 0) break;
    if (poll(&pf, 1, (int)left) <= 0) break;
    n = recv(fd, b, sizeof b, MSG_DONTWAIT);
    if (n > 0) total += (size_t)n;
  }
  return total;
}

static int flood(const char *ip, unsigned port, unsigned long count, unsigned long seed, const char *pkhex)
{
  struct sockaddr_in sa;
  int fd = sock(ip, port, &sa);
  unsigned char spk[32], cpk[32], csk[32], k[32], pkt[PACKET_MAX], base[PACKET_MAX], body[PACKET_MAX];
  unsigned char reqid[8], sd[randombytes_SEEDBYTES];
  size_t back = 0, baselen;
  unsigned long i;
  int len;
  if (hex_decode(spk, 32, pkhex, strlen(pkhex))) { fprintf(stderr, "bad key\n"); return 111; }
  memset(sd, 0, sizeof sd);
  memcpy(sd, &seed, sizeof seed);
  if (crypto_box_keypair(cpk, csk) || crypto_box_beforenm(k, spk, csk)) return 111;
  memset(body, 0, sizeof body);
  len = packet_seal_request(base, KIND_LIST, cpk, k, body, 40, PACKET_MAX, reqid);
  if (len < 0) return 111;
  baselen = (size_t)len;
  for (i = 0; i < count; i++) {
    size_t n;
    unsigned char r[8];
    randombytes_buf_deterministic(r, sizeof r, sd);
    sd[8] ^= (unsigned char)i; sd[9] ^= (unsigned char)(i >> 8); sd[10] ^= (unsigned char)(i >> 16);
    switch (i % 4) {
    case 0: /* noise of any length */
      n = 1 + (size_t)(r[0] | r[1] << 8) % (PACKET_MAX + 200);
      randombytes_buf_deterministic(pkt, n, sd);
      break;
    case 1: /* a right header and a fresh random key: costs a beforenm */
      n = PACKET_QHDR + PACKET_MAC + 1 + (size_t)(r[0] | r[1] << 8) % (PACKET_MAX - PACKET_QHDR - PACKET_MAC);
      randombytes_buf_deterministic(pkt, n, sd);
      memcpy(pkt, "IM2K\x01", 5);
      pkt[5] = (unsigned char)(1 + r[2] % 6);
      memcpy(pkt + 38, "IM2K-REQ", 8);
      break;
    case 2: /* a sealed request with one byte changed */
      memcpy(pkt, base, baselen);
      n = baselen;
      pkt[(r[0] | r[1] << 8) % n] ^= (unsigned char)(1 + r[2] % 255);
      break;
    default: /* a sealed request cut short or extended */
      memcpy(pkt, base, baselen);
      n = (size_t)(r[0] | r[1] << 8) % (PACKET_MAX + 1);
      if (n > baselen) memset(pkt + baselen, r[3], n - baselen);
      if (n == baselen) n--; /* unchanged would be a valid request */
      if (n == 0) n = 1;
      break;
    }
    if (sendto(fd, pkt, n, 0, (struct sockaddr *)&sa, sizeof sa) == -1 && errno != ECONNREFUSED &&
        errno != ENOBUFS && errno != EAGAIN) {
      perror("sendto");
      return 111;
    }
    if (i % 64 == 63) back += drain(fd, 0);
    if (i % 2048 == 2047) back += drain(fd, 2); /* let the daemon keep up */
  }
  back += drain(fd, 1000);
  printf("flood %s:%u: sent %lu datagrams, received %zu bytes\n", ip, port, count, back);
  return back ? 1 : 0;
}

struct tally { unsigned long sent, answered, larger; size_t maxratio_req, maxratio_rsp; };

/* one: send a raw request, wait for an answer, compare the sizes */
static int one(int fd, struct sockaddr_in *sa, const unsigned char *pkt, size_t n, struct tally *t,
               unsigned char *rsp, size_t *rlen)
{
  unsigned char b[2048];
  ssize_t r = -1;
  int tries;
  t->sent++;
  /* loopback answers within a millisecond; a request that draws none
   * within 20 ms counts as unanswered, which is all the
   * amplification check needs */
  for (tries = 0; tries < 1; tries++) {
    struct pollfd pf = {fd, POLLIN, 0};
    if (sendto(fd, pkt, n, 0, (struct sockaddr *)sa, sizeof *sa) == -1) return -1;
    if (poll(&pf, 1, 20) > 0) { r = recv(fd, b, sizeof b, 0); break; }
  }
  if (r <= 0) return 0;
  t->answered++;
  if ((size_t)r > n) {
    t->larger++;
    fprintf(stderr, "amplification: %zu-byte request, %zd-byte answer (kind %d)\n", n, r, pkt[5]);
  }
  if (rsp) { memcpy(rsp, b, (size_t)r); *rlen = (size_t)r; }
  return 1;
}

/* batches: up to 64 requests in flight, answers matched by request id,
 * so that requests the daemon rightly ignores cost no waiting */
#define BATCH 64
static struct { unsigned char reqid[8]; size_t len; int done; } bq[BATCH];
static size_t bn;

static void collect(int fd, const unsigned char *k, struct tally *t)
{
  unsigned char b[2048], plain[PACKET_MAX], reqid[8];
  const unsigned char *body;
  size_t bl, i;
  for (;;) {
    struct pollfd pf = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&pf, 1, 30) <= 0) break;
    r = recv(fd, b, sizeof b, MSG_DONTWAIT);
    if (r <= 0 || r < 6) continue;
    if (packet_open_response(b, (size_t)r, b[5] & 0x7f, k, plain, &body, &bl, reqid) == -1) {
      fprintf(stderr, "an answer that does not open\n");
      t->larger++;
      continue;
    }
    for (i = 0; i < bn; i++)
      if (!bq[i].done && !memcmp(bq[i].reqid, reqid, 8)) break;
    if (i == bn) continue;
    bq[i].done = 1;
    t->answered++;
    if ((size_t)r > bq[i].len) {
      t->larger++;
      fprintf(stderr, "amplification: %zu-byte request, %zd-byte answer (kind %d)\n", bq[i].len, r, b[5] & 0x7f);
    }
  }
  bn = 0;
}

/* sizes: a request body, sent at every padded size from the least to 1200 */
static void sizes(int fd, struct sockaddr_in *sa, int kind, const unsigned char *cpk, const unsigned char *k,
                  const unsigned char *body, size_t bl, struct tally *t, int step)
{
  unsigned char pkt[PACKET_MAX];
  size_t pad;
  for (pad = 0; pad <= PACKET_MAX; pad += (size_t)step) {
    int n = packet_seal_request(pkt, kind, cpk, k, body, bl, pad, bq[bn].reqid);
    if (n < 0) continue;
    bq[bn].len = (size_t)n;
    bq[bn].done = 0;
    bn++;
    t->sent++;
    if (sendto(fd, pkt, (size_t)n, 0, (struct sockaddr *)sa, sizeof *sa) == -1) perror("sendto");
    if (bn == BATCH) collect(fd, k, t);
  }
  collect(fd, k, t);
}

static int amp(int argc, char **argv)
{
  struct sockaddr_in sa;
  int fd = sock(argv[2], (unsigned)atoi(argv[3]), &sa);
  unsigned char spk[32], cpk[32], csk[32], k[32], body[PACKET_MAX], rsp[PACKET_MAX], plain[PACKET_MAX];
  struct tally t = {0, 0, 0, 0, 0};
  struct wr w;
  int kind;

  if (hex_decode(spk, 32, argv[4], strlen(argv[4]))) return 111;
  if (argc > 6) {
    int kfd = open(argv[5], O_RDONLY | O_DIRECTORY);
    if (kfd == -1 || keys_read(kfd, "secret", csk, 32) == -1) { perror(argv[5]); return 111; }
    if (crypto_scalarmult_base(cpk, csk)) return 111;
  } else if (crypto_box_keypair(cpk, csk))
    return 111;
  if (crypto_box_beforenm(k, spk, csk)) return 111;
  /* every kind, empty and random bodies, every size */
  for (kind = 1; kind <= 8; kind++) {
    sizes(fd, &sa, kind, cpk, k, body, 0, &t, 7);
    randombytes_buf(body, 300);
    sizes(fd, &sa, kind, cpk, k, body, 300, &t, 13);
  }
  /* well-formed bodies, as a stranger or as the user */
  {
    struct msg_list_req q;
    struct msg_done_req d;
    struct msg_note n;
    struct msg_fetch_req f;
    struct msg_confirm_req c;
    memset(&q, 0, sizeof q);
    snprintf(q.user, sizeof q.user, "%s", argc > 6 ? argv[6] : "nobody");
    wr_init(&w, body, sizeof body);
    msg_put_list_req(&w, &q);
    sizes(fd, &sa, KIND_LIST, cpk, k, body, w.pos, &t, 1);
    memset(&d, 0, sizeof d);
    snprintf(d.user, sizeof d.user, "%s", q.user);
    strcpy(d.sender, "x@a.example");
    strcpy(d.rcpt, "y@b.example");
    wr_init(&w, body, sizeof body);
    msg_put_done_req(&w, &d);
    sizes(fd, &sa, KIND_DONE, cpk, k, body, w.pos, &t, 3);
    memset(&n, 0, sizeof n);
    strcpy(n.sender, "x@a.example");
    strcpy(n.rcpt, "y@b.example");
    wr_init(&w, body, sizeof body);
    msg_put_note(&w, &n);
    sizes(fd, &sa, KIND_NOTIFY, cpk, k, body, w.pos, &t, 3);
    memset(&f, 0, sizeof f);
    strcpy(f.rcpt, "y@b.example");
    f.want = MSG_BLOCK_MAX;
    wr_init(&w, body, sizeof body);
    msg_put_fetch_req(&w, &f);
    sizes(fd, &sa, KIND_FETCH, cpk, k, body, w.pos, &t, 3);
    memset(&c, 0, sizeof c);
    strcpy(c.rcpt, "y@b.example");
    wr_init(&w, body, sizeof body);
    msg_put_confirm_req(&w, &c);
    sizes(fd, &sa, KIND_CONFIRM, cpk, k, body, w.pos, &t, 3);
  }
  /* with the user's key: a real list, then fetches with real tokens at
   * every request size, from the fetchd named in the environment */
  if (argc > 6 && getenv("FETCH_IP")) {
    struct msg_list_req q;
    unsigned char pkt[PACKET_MAX], reqid[8], fspk[32], fk[32];
    const unsigned char *b;
    size_t rl = 0, bodylen;
    struct sockaddr_in fsa;
    int ffd = sock(getenv("FETCH_IP"), (unsigned)atoi(getenv("FETCH_PORT")), &fsa);
    struct msg_list_ans la;
    struct msg_list_entry le;
    struct rd r;
    int nn, cnt, i;
    if (hex_decode(fspk, 32, getenv("FETCH_PK"), 64) || crypto_box_beforenm(fk, fspk, csk)) return 111;
    memset(&q, 0, sizeof q);
    snprintf(q.user, sizeof q.user, "%s", argv[6]);
    wr_init(&w, body, sizeof body);
    msg_put_list_req(&w, &q);
    nn = packet_seal_request(pkt, KIND_LIST, cpk, k, body, w.pos, PACKET_MAX, reqid);
    if (nn < 0 || one(fd, &sa, pkt, (size_t)nn, &t, rsp, &rl) != 1 ||
        packet_open_response(rsp, rl, KIND_LIST, k, plain, &b, &bodylen, reqid) == -1) {
      fprintf(stderr, "no list answer\n");
      return 1;
    }
    rd_init(&r, b, bodylen);
    if (msg_get_list_ans(&r, &la) == -1 || la.status != MSG_OK) return 1;
    cnt = la.count;
    for (i = 0; i < cnt; i++) {
      struct msg_note n;
      struct msg_fetch_req f;
      struct msg_confirm_req c;
      if (msg_get_list_entry(&r, &le) == -1) return 1;
      n = le.note;
      memcpy(f.handle, n.handle, 16);
      memcpy(f.token, n.token, 32);
      strcpy(f.rcpt, n.rcpt);
      f.offset = 0;
      f.want = MSG_BLOCK_MAX;
      wr_init(&w, body, sizeof body);
      msg_put_fetch_req(&w, &f);
      sizes(ffd, &fsa, KIND_FETCH, cpk, fk, body, w.pos, &t, 1);
      /* the same request replayed from another source address */
      nn = packet_seal_request(pkt, KIND_FETCH, cpk, fk, body, w.pos, 0, reqid);
      {
        struct sockaddr_in other;
        int ofd = socket(AF_INET, SOCK_DGRAM, 0);
        udp_addr(&other, "127.0.0.99", 0);
        if (ofd == -1 || bind(ofd, (struct sockaddr *)&other, sizeof other) == -1) return 111;
        one(ofd, &fsa, pkt, (size_t)nn, &t, NULL, NULL);
        close(ofd);
      }
      memcpy(c.handle, n.handle, 16);
      memcpy(c.token, n.token, 32);
      c.token[0] ^= 1; /* a wrong token: an error answer, still small */
      strcpy(c.rcpt, n.rcpt);
      wr_init(&w, body, sizeof body);
      msg_put_confirm_req(&w, &c);
      sizes(ffd, &fsa, KIND_CONFIRM, cpk, fk, body, w.pos, &t, 5);
    }
    printf("amp: %d listed messages fetched at every request size\n", cnt);
  }
  printf("amp: %lu requests, %lu answered, %lu answers longer than their request\n", t.sent, t.answered, t.larger);
  return t.larger ? 1 : 0;
}

static int badtoken(char **argv)
{
  struct sockaddr_in sa, fsa;
  int fd = sock(argv[2], (unsigned)atoi(argv[3]), &sa), ffd, kfd, nn, cnt, i, v;
  unsigned char spk[32], cpk[32], csk[32], k[32], fspk[32], fk[32], body[PACKET_MAX], pkt[PACKET_MAX];
  unsigned char rsp[PACKET_MAX], plain[PACKET_MAX], reqid[8];
  const unsigned char *b;
  size_t rl, bl;
  struct tally t = {0, 0, 0, 0, 0};
  struct msg_list_req q;
  struct msg_list_ans la;
  struct msg_list_entry le;
  struct wr w;
  struct rd r;
  unsigned long asked = 0, refused = 0;
  if (!getenv("FETCH_IP") || hex_decode(spk, 32, argv[4], strlen(argv[4])) ||
      hex_decode(fspk, 32, getenv("FETCH_PK"), 64))
    return 111;
  ffd = sock(getenv("FETCH_IP"), (unsigned)atoi(getenv("FETCH_PORT")), &fsa);
  kfd = open(argv[5], O_RDONLY | O_DIRECTORY);
  if (kfd == -1 || keys_read(kfd, "secret", csk, 32) == -1 || crypto_scalarmult_base(cpk, csk) ||
      crypto_box_beforenm(k, spk, csk) || crypto_box_beforenm(fk, fspk, csk))
    return 111;
  memset(&q, 0, sizeof q);
  snprintf(q.user, sizeof q.user, "%s", argv[6]);
  wr_init(&w, body, sizeof body);
  msg_put_list_req(&w, &q);
  nn = packet_seal_request(pkt, KIND_LIST, cpk, k, body, w.pos, PACKET_MAX, reqid);
  if (nn < 0 || one(fd, &sa, pkt, (size_t)nn, &t, rsp, &rl) != 1 ||
      packet_open_response(rsp, rl, KIND_LIST, k, plain, &b, &bl, reqid) == -1)
    return 1;
  rd_init(&r, b, bl);
  if (msg_get_list_ans(&r, &la) == -1 || la.status != MSG_OK) return 1;
  cnt = la.count;
  for (i = 0; i < cnt; i++) {
    struct msg_note n;
    if (msg_get_list_entry(&r, &le) == -1) return 1;
    n = le.note;
    for (v = 0; v < 3; v++) {
      struct msg_fetch_req f;
      memcpy(f.handle, n.handle, 16);
      memcpy(f.token, n.token, 32);
      strcpy(f.rcpt, n.rcpt);
      if (v == 0) f.token[31] ^= 0x40;
      if (v == 1) strcpy(f.rcpt, "someone.else@b.example");
      if (v == 2) f.handle[15] ^= 1;
      f.offset = 0;
      f.want = MSG_BLOCK_MAX;
      wr_init(&w, body, sizeof body);
      msg_put_fetch_req(&w, &f);
      nn = packet_seal_request(pkt, KIND_FETCH, cpk, fk, body, w.pos, PACKET_MAX, reqid);
      asked++;
      if (nn >= 0 && one(ffd, &fsa, pkt, (size_t)nn, &t, rsp, &rl) == 1 &&
          packet_open_response(rsp, rl, KIND_FETCH, fk, plain, &b, &bl, reqid) == 0 && bl >= 1 &&
          b[0] == MSG_NOENT)
        refused++;
    }
  }
  printf("badtoken: %d messages, %lu wrong requests, %lu refused as no such message\n", cnt, asked, refused);
  return cnt > 0 && refused == asked ? 0 : 1;
}

static int nonces(const char *ip, unsigned port, const char *pkhex, unsigned long count)
{
  struct sockaddr_in sa;
  int fd = sock(ip, port, &sa);
  unsigned char spk[32], cpk[32], csk[32], k[32], body[PACKET_MAX], pkt[PACKET_MAX], rsp[PACKET_MAX], reqid[8];
  struct tally t = {0, 0, 0, 0, 0};
  struct msg_list_req q;
  struct wr w;
  unsigned long i;
  if (hex_decode(spk, 32, pkhex, strlen(pkhex)) || crypto_box_keypair(cpk, csk) ||
      crypto_box_beforenm(k, spk, csk))
    return 111;
  memset(&q, 0, sizeof q);
  strcpy(q.user, "nobody");
  wr_init(&w, body, sizeof body);
  msg_put_list_req(&w, &q);
  for (i = 0; i < count; i++) {
    size_t rl;
    char hx[49];
    int n = packet_seal_request(pkt, KIND_LIST, cpk, k, body, w.pos, PACKET_MAX, reqid);
    if (n < 0) return 111;
    if (one(fd, &sa, pkt, (size_t)n, &t, rsp, &rl) == 1 && rl >= PACKET_RHDR) {
      hex_encode(hx, rsp + 6, 24);
      printf("%s\n", hx);
    }
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (sodium_init() < 0) return 111;
  if (argc == 7 && !strcmp(argv[1], "flood"))
    return flood(argv[2], (unsigned)atoi(argv[3]), strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10), argv[6]);
  if ((argc == 5 || argc == 7) && !strcmp(argv[1], "amp")) return amp(argc, argv);
  if (argc == 7 && !strcmp(argv[1], "badtoken")) return badtoken(argv);
  if (argc == 6 && !strcmp(argv[1], "nonces"))
    return nonces(argv[2], (unsigned)atoi(argv[3]), argv[4], strtoul(argv[5], NULL, 10));
  fprintf(stderr, "usage: im2k-probe flood IP PORT COUNT SEED PKHEX | amp IP PORT PKHEX [KEYDIR USER] | nonces IP PORT PKHEX COUNT\n");
  return 111;
}
