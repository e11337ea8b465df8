/* t_packet.c: unit tests of lib/packet with real keys: requests and
 * responses sealed and opened at every size limit, padding to the exact
 * length, boxes that never open in the other direction, one-bit flips
 * anywhere that never open, and the key cache (same keys as
 * crypto_box_beforenm, rate limit on new keys only). */
#include "packet.h"
#include "unit.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char cpk[32], csk[32], spk[32], ssk[32];
static unsigned char kcli[32], ksrv[32];   /* beforenm on each side */
static unsigned char body[PACKET_MAX];

/* what a server does with a datagram: peek, key from the peeked client
 * key, open.  0 and the body, or -1. */
static int server_open(const unsigned char *p, size_t n, int *kind, unsigned char *plain,
                       const unsigned char **b, size_t *bl, unsigned char reqid[8])
{
  const unsigned char *pk;
  unsigned char k[32];
  int r;
  if (packet_peek_request(p, n, kind, &pk) == -1) return -1;
  if (!memcmp(pk, cpk, 32)) memcpy(k, ksrv, 32);
  else if (crypto_box_beforenm(k, pk, ssk) != 0) return -1;
  r = packet_open_request(p, n, k, plain, b, bl, reqid);
  sodium_memzero(k, sizeof k);
  return r;
}

struct req_row {
  int kind;
  size_t bodylen;
  size_t padto;
  int ret;   /* the datagram length, or -1 (EMSGSIZE) */
};

#define MINQ (PACKET_QHDR + PACKET_MAC + 1)   /* 79 */
static const struct req_row reqs[] = {
  {KIND_NOTIFY, 0, 0, MINQ},
  {KIND_LIST, 10, 0, MINQ + 10},
  {KIND_DONE, 10, MINQ + 9, MINQ + 10},     /* padto under the natural size */
  {KIND_DONE, 10, MINQ + 10, MINQ + 10},
  {KIND_DONE, 10, MINQ + 11, MINQ + 11},
  {KIND_FETCH, 10, 600, 600},
  {KIND_CONFIRM, 10, 1199, 1199},
  {KIND_CONFIRM, 10, 1200, 1200},
  {KIND_CONFIRM, 10, 1201, -1},
  {KIND_CONFIRM, 10, (size_t)-1, -1},
  {KIND_NOTIFY, PACKET_QBODY_MAX - 1, 0, 1199},
  {KIND_NOTIFY, PACKET_QBODY_MAX, 0, 1200},
  {KIND_NOTIFY, PACKET_QBODY_MAX, 1200, 1200},
  {KIND_NOTIFY, PACKET_QBODY_MAX + 1, 0, -1},
  {KIND_NOTIFY, (size_t)-1, 0, -1},
  {KIND_INDEX, 1, 0, MINQ + 1},
};

static int zeros(const unsigned char *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void test_requests(void)
{
  size_t i;
  for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    const struct req_row *t = &reqs[i];
    unsigned char out[PACKET_MAX + 16], plain[PACKET_MAX], reqid[8], rid2[8];
    const unsigned char *b = NULL, *pk = NULL;
    size_t bl = 0;
    int r, kind = 0;
    memset(out, 0xee, sizeof out);
    errno = 0;
    r = packet_seal_request(out, t->kind, cpk, kcli, body, t->bodylen, t->padto, reqid);
    CHECK(r == t->ret, "packet_seal_request row %zu (body %zu pad %zu): %d", i,
          t->bodylen, t->padto, r);
    if (r == -1) {
      CHECK(errno == EMSGSIZE, "packet_seal_request row %zu: errno %d", i, errno);
      continue;
    }
    if (r != t->ret) continue;
    CHECK(out[PACKET_MAX] == 0xee, "packet_seal_request row %zu wrote past 1200", i);
    CHECK(!memcmp(out, "IM2K", 4) && out[4] == PACKET_VERSION && out[5] == t->kind &&
          !memcmp(out + 6, cpk, 32) && !memcmp(out + 38, "IM2K-REQ", 8) &&
          !memcmp(out + 46, reqid, 8),
          "request row %zu: header", i);
    CHECK(packet_peek_request(out, (size_t)r, &kind, &pk) == 0 && kind == t->kind &&
          pk == out + 6,
          "packet_peek_request row %zu", i);
    memset(plain, 0x77, sizeof plain);
    CHECK(packet_open_request(out, (size_t)r, ksrv, plain, &b, &bl, rid2) == 0,
          "packet_open_request row %zu", i);
    CHECK(bl == (size_t)r - PACKET_QHDR - PACKET_MAC - 1 && b == plain + 1 &&
          plain[0] == t->kind,
          "request row %zu: body length %zu", i, bl);
    CHECK(bl >= t->bodylen && !memcmp(b, body, t->bodylen) &&
          zeros(b + t->bodylen, bl - t->bodylen),
          "request row %zu: body and zero padding", i);
    CHECK(!memcmp(reqid, rid2, 8), "request row %zu: reqid", i);
    /* one byte less or more does not open */
    CHECK(packet_open_request(out, (size_t)r - 1, ksrv, plain, &b, &bl, rid2) == -1,
          "request row %zu: one byte short opens", i);
    if ((size_t)r < PACKET_MAX) {
      out[r] = 0;
      CHECK(packet_open_request(out, (size_t)r + 1, ksrv, plain, &b, &bl, rid2) == -1,
            "request row %zu: one byte more opens", i);
    }
  }
}

/* two requests with the same content differ (fresh nonce, fresh reqid) */
static void test_fresh(void)
{
  unsigned char a[PACKET_MAX], b[PACKET_MAX], ra[8], rb[8];
  int la = packet_seal_request(a, KIND_LIST, cpk, kcli, body, 5, 0, ra);
  int lb = packet_seal_request(b, KIND_LIST, cpk, kcli, body, 5, 0, rb);
  CHECK(la == lb && la > 0 && memcmp(a, b, (size_t)la) && memcmp(ra, rb, 8),
        "two seals of the same request differ");
}

struct rsp_row {
  size_t max;
  size_t bodylen;
  int ret;
};

#define MINR (PACKET_RHDR + PACKET_MAC + 1 + PACKET_REQID)   /* 55 */
static const struct rsp_row rsps[] = {
  {MINQ, PACKET_RBODY_ROOM(MINQ), MINQ},
  {MINQ, PACKET_RBODY_ROOM(MINQ) + 1, -1},
  {MINQ, 0, MINR},
  {MINR, 0, MINR},
  {MINR - 1, 0, -1},
  {PACKET_RHDR + PACKET_MAC, 0, -1},
  {0, 0, -1},
  {600, PACKET_RBODY_ROOM(600), 600},
  {600, PACKET_RBODY_ROOM(600) + 1, -1},
  {1200, PACKET_RBODY_MAX, 1200},
  {1200, PACKET_RBODY_MAX + 1, -1},
  {5000, PACKET_RBODY_MAX, 1200},
  {5000, PACKET_RBODY_MAX + 1, -1},
  {(size_t)-1, PACKET_RBODY_MAX + 1, -1},
  {1200, (size_t)-1, -1},
  {1200, (size_t)-1 - 8, -1},
};

/* a body length that does not fit must be refused before anything is
 * copied; run in a child, as a wrong answer here overruns the stack */
static int huge_response(const void *arg)
{
  const struct rsp_row *t = arg;
  unsigned char out[PACKET_MAX], reqid[8] = {0};
  int r;
  errno = 0;
  r = packet_seal_response(out, t->max, KIND_FETCH, ksrv, reqid, body, t->bodylen);
  return r == -1 && errno == EMSGSIZE ? 0 : 1;
}

static void test_responses(void)
{
  size_t i;
  CHECK(PACKET_RBODY_ROOM(MINQ) == 24 && PACKET_RBODY_MAX == 1145 &&
        PACKET_QBODY_MAX == 1121,
        "size constants");
  for (i = 0; i < sizeof rsps / sizeof rsps[0]; i++) {
    const struct rsp_row *t = &rsps[i];
    unsigned char out[PACKET_MAX + 16], plain[PACKET_MAX], reqid[8], got[8];
    const unsigned char *b = NULL;
    size_t bl = 0;
    int r;
    if (t->bodylen > PACKET_MAX) {
      r = unit_child(huge_response, t);
      CHECK(r == 0, "packet_seal_response row %zu (max %zu body %zu): %s", i, t->max,
            t->bodylen, r == -1 ? "crashed" : "not refused with EMSGSIZE");
      continue;
    }
    randombytes_buf(reqid, 8);
    memset(out, 0xee, sizeof out);
    errno = 0;
    r = packet_seal_response(out, t->max, KIND_FETCH, ksrv, reqid, body, t->bodylen);
    CHECK(r == t->ret, "packet_seal_response row %zu (max %zu body %zu): %d", i, t->max,
          t->bodylen, r);
    if (r == -1) {
      CHECK(errno == EMSGSIZE, "packet_seal_response row %zu: errno %d", i, errno);
      continue;
    }
    if (r != t->ret) continue;
    CHECK(out[PACKET_MAX] == 0xee, "packet_seal_response row %zu wrote past 1200", i);
    CHECK(!memcmp(out, "IM2K", 4) && out[4] == PACKET_VERSION &&
          out[5] == (KIND_FETCH | KIND_RESPONSE) && !memcmp(out + 6, "IM2K-RSP", 8),
          "response row %zu: header", i);
    CHECK(packet_open_response(out, (size_t)r, KIND_FETCH, kcli, plain, &b, &bl, got) == 0,
          "packet_open_response row %zu", i);
    CHECK(bl == t->bodylen && !memcmp(b, body, bl) && !memcmp(got, reqid, 8),
          "response row %zu: body %zu and reqid", i, bl);
    CHECK(packet_open_response(out, (size_t)r, KIND_CONFIRM, kcli, plain, &b, &bl, got) ==
              -1,
          "response row %zu opens as a response to another kind", i);
    CHECK(packet_open_response(out, (size_t)r - 1, KIND_FETCH, kcli, plain, &b, &bl, got) ==
              -1,
          "response row %zu opens one byte short", i);
  }
}

/* A request never opens as a response and a response never as a
 * request, even with the header rewritten to the other direction's
 * layout, kind bit and nonce label. */
static void test_directions(void)
{
  unsigned char q[PACKET_MAX], rs[PACKET_MAX], x[PACKET_MAX], plain[PACKET_MAX];
  unsigned char reqid[8], got[8];
  const unsigned char *b, *pk;
  size_t bl, boxlen;
  int ql, rl, kind;

  ql = packet_seal_request(q, KIND_FETCH, cpk, kcli, body, 100, 0, reqid);
  rl = packet_seal_response(rs, (size_t)ql, KIND_FETCH, ksrv, reqid, body, 50);
  if (!CHECK(ql > 0 && rl > 0, "seal for the direction tests")) return;

  CHECK(packet_open_response(q, (size_t)ql, KIND_FETCH, kcli, plain, &b, &bl, got) == -1,
        "a request opens as a response as it is");
  CHECK(packet_peek_request(rs, (size_t)rl, &kind, &pk) == -1,
        "a response peeks as a request as it is");
  CHECK(packet_open_request(rs, (size_t)rl, ksrv, plain, &b, &bl, got) == -1,
        "a response opens as a request as it is");

  /* request box in a response header: kind|0x80, label IM2K-RSP */
  boxlen = (size_t)ql - PACKET_QHDR;
  memcpy(x, q, 6);
  x[5] |= KIND_RESPONSE;
  memcpy(x + 6, q + 38, PACKET_NONCE);
  memcpy(x + 6, "IM2K-RSP", 8);
  memcpy(x + PACKET_RHDR, q + PACKET_QHDR, boxlen);
  CHECK(packet_open_response(x, PACKET_RHDR + boxlen, KIND_FETCH, kcli, plain, &b, &bl,
                             got) == -1,
        "a request box opens as a response (label rewritten)");
  memcpy(x + 6, "IM2K-REQ", 8);
  CHECK(packet_open_response(x, PACKET_RHDR + boxlen, KIND_FETCH, kcli, plain, &b, &bl,
                             got) == -1,
        "a request box opens as a response (label kept)");
  /* the same with the server's key too (the key is symmetric) */
  memcpy(x + 6, "IM2K-RSP", 8);
  CHECK(packet_open_response(x, PACKET_RHDR + boxlen, KIND_FETCH, ksrv, plain, &b, &bl,
                             got) == -1,
        "a request box opens as a response with the server's key");

  /* only the kind bit flipped in the request */
  memcpy(x, q, (size_t)ql);
  x[5] |= KIND_RESPONSE;
  CHECK(packet_peek_request(x, (size_t)ql, &kind, &pk) == -1 &&
            packet_open_request(x, (size_t)ql, ksrv, plain, &b, &bl, got) == -1,
        "a request with the response bit set opens");
  /* only the label changed in the request */
  memcpy(x, q, (size_t)ql);
  memcpy(x + 38, "IM2K-RSP", 8);
  CHECK(packet_peek_request(x, (size_t)ql, &kind, &pk) == -1 &&
            packet_open_request(x, (size_t)ql, ksrv, plain, &b, &bl, got) == -1,
        "a request with the response label opens");

  /* response box in a request header: kind without 0x80, label IM2K-REQ */
  boxlen = (size_t)rl - PACKET_RHDR;
  memcpy(x, rs, 6);
  x[5] &= (unsigned char)~KIND_RESPONSE;
  memcpy(x + 6, cpk, 32);
  memcpy(x + 38, rs + 6, PACKET_NONCE);
  memcpy(x + 38, "IM2K-REQ", 8);
  memcpy(x + PACKET_QHDR, rs + PACKET_RHDR, boxlen);
  CHECK(server_open(x, PACKET_QHDR + boxlen, &kind, plain, &b, &bl, got) == -1,
        "a response box opens as a request (label rewritten)");
  CHECK(packet_open_request(x, PACKET_QHDR + boxlen, kcli, plain, &b, &bl, got) == -1,
        "a response box opens as a request with the client's key");
  memcpy(x + 38, "IM2K-RSP", 8);
  CHECK(packet_open_request(x, PACKET_QHDR + boxlen, ksrv, plain, &b, &bl, got) == -1,
        "a response box opens as a request (label kept)");

  /* only the kind bit cleared in the response */
  memcpy(x, rs, (size_t)rl);
  x[5] &= (unsigned char)~KIND_RESPONSE;
  CHECK(packet_open_response(x, (size_t)rl, KIND_FETCH, kcli, plain, &b, &bl, got) == -1,
        "a response with the response bit cleared opens");
  /* only the label changed in the response */
  memcpy(x, rs, (size_t)rl);
  memcpy(x + 6, "IM2K-REQ", 8);
  CHECK(packet_open_response(x, (size_t)rl, KIND_FETCH, kcli, plain, &b, &bl, got) == -1,
        "a response with the request label opens");
}

/* Every single-bit flip anywhere in a datagram makes it fail to open,
 * the server's way (peek, key from the header's client key, open).  The
 * header's client key is covered only through the shared key, and X25519
 * ignores the top bit of a public key: flipping bit 7 of its last byte
 * (datagram byte 37) gives the same shared key unless peek refuses
 * such keys. */
static void test_flips(void)
{
  unsigned char q[PACKET_MAX], rs[PACKET_MAX], plain[PACKET_MAX], reqid[8], got[8];
  const unsigned char *b;
  size_t bl, i;
  int ql, rl, kind, bit;
  unsigned long tried = 0;

  ql = packet_seal_request(q, KIND_CONFIRM, cpk, kcli, body, 20, 120, reqid);
  rl = packet_seal_response(rs, (size_t)ql, KIND_CONFIRM, ksrv, reqid, body, 10);
  if (!CHECK(ql == 120 && rl > 0, "seal for the flip tests")) return;
  CHECK(server_open(q, (size_t)ql, &kind, plain, &b, &bl, got) == 0 && kind == KIND_CONFIRM,
        "unflipped request opens");
  for (i = 0; i < (size_t)ql; i++)
    for (bit = 0; bit < 8; bit++) {
      q[i] ^= (unsigned char)(1 << bit);
      tried++;
      CHECK(server_open(q, (size_t)ql, &kind, plain, &b, &bl, got) == -1,
            "request with byte %zu bit %d flipped opens", i, bit);
      q[i] ^= (unsigned char)(1 << bit);
    }
  CHECK(packet_open_response(rs, (size_t)rl, KIND_CONFIRM, kcli, plain, &b, &bl, got) == 0,
        "unflipped response opens");
  for (i = 0; i < (size_t)rl; i++)
    for (bit = 0; bit < 8; bit++) {
      rs[i] ^= (unsigned char)(1 << bit);
      tried++;
      CHECK(packet_open_response(rs, (size_t)rl, KIND_CONFIRM, kcli, plain, &b, &bl, got) ==
                -1,
            "response with byte %zu bit %d flipped opens", i, bit);
      rs[i] ^= (unsigned char)(1 << bit);
    }
  CHECK(tried == (unsigned long)(ql + rl) * 8, "flips: %lu tried", tried);
}

static void test_peek(void)
{
  unsigned char q[PACKET_MAX], x[PACKET_MAX], reqid[8];
  const unsigned char *pk;
  int ql, kind;
  static const int kinds[] = {0, KIND_RESPONSE, KIND_RESPONSE | KIND_NOTIFY, 0xff};
  size_t i;
  ql = packet_seal_request(q, KIND_NOTIFY, cpk, kcli, body, 0, 0, reqid);
  if (!CHECK(ql == MINQ, "seal for the peek tests")) return;
  CHECK(packet_peek_request(q, MINQ - 1, &kind, &pk) == -1, "peek of 78 bytes");
  CHECK(packet_peek_request(q, 0, &kind, &pk) == -1, "peek of 0 bytes");
  memcpy(x, q, MINQ);
  memset(x + MINQ, 0, PACKET_MAX - MINQ);
  CHECK(packet_peek_request(x, PACKET_MAX, &kind, &pk) == 0, "peek of 1200 bytes");
  CHECK(packet_peek_request(x, PACKET_MAX + 1, &kind, &pk) == -1, "peek of 1201 bytes");
  memcpy(x, q, MINQ);
  x[0] = 'i';
  CHECK(packet_peek_request(x, MINQ, &kind, &pk) == -1, "peek with bad magic");
  memcpy(x, q, MINQ);
  x[4] = PACKET_VERSION + 1;
  CHECK(packet_peek_request(x, MINQ, &kind, &pk) == -1, "peek with version 2");
  x[4] = 0;
  CHECK(packet_peek_request(x, MINQ, &kind, &pk) == -1, "peek with version 0");
  for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    memcpy(x, q, MINQ);
    x[5] = (unsigned char)kinds[i];
    CHECK(packet_peek_request(x, MINQ, &kind, &pk) == -1, "peek with kind %d", kinds[i]);
  }
}

static void test_wrong_key(void)
{
  unsigned char opk[32], osk[32], ko[32], q[PACKET_MAX], rs[PACKET_MAX];
  unsigned char plain[PACKET_MAX], reqid[8], got[8];
  const unsigned char *b;
  size_t bl;
  int ql, rl;
  if (!CHECK(crypto_box_keypair(opk, osk) == 0 && crypto_box_beforenm(ko, spk, osk) == 0,
             "another client key"))
    return;
  ql = packet_seal_request(q, KIND_LIST, cpk, kcli, body, 30, 0, reqid);
  CHECK(ql > 0 && packet_open_request(q, (size_t)ql, ko, plain, &b, &bl, got) == -1,
        "a request opens with another client's key");
  rl = packet_seal_response(rs, (size_t)ql, KIND_LIST, ksrv, reqid, body, 5);
  CHECK(rl > 0 &&
            packet_open_response(rs, (size_t)rl, KIND_LIST, ko, plain, &b, &bl, got) == -1,
        "a response opens with another client's key");
  /* a request claiming another client's public key */
  if (ql > 0) {
    memcpy(q + 6, opk, 32);
    CHECK(server_open(q, (size_t)ql, &(int){0}, plain, &b, &bl, got) == -1,
          "a request opens under another client's public key");
  }
}

static void test_keycache(void)
{
  struct keycache *kc;
  unsigned char pk[12][32], sk[32], want[12][32], k[32], zero[32];
  uint64_t st[4];
  size_t i, round;
  int ok;

  for (i = 0; i < 12; i++)
    if (crypto_box_keypair(pk[i], sk) != 0 || crypto_box_beforenm(want[i], pk[i], ssk) != 0)
      unit_fatal("t_packet", "keypair");

  /* keys are crypto_box_beforenm's; a second lookup is a hit */
  kc = keycache_new(ssk, 64, 1000);
  if (!CHECK(kc != NULL, "keycache_new")) return;
  for (round = 0; round < 2; round++)
    for (i = 0; i < 10; i++) {
      memset(k, 0, 32);
      CHECK(keycache_get(kc, pk[i], k) == 0 && !memcmp(k, want[i], 32),
            "keycache_get round %zu key %zu", round, i);
    }
  memset(k, 0, 32);
  CHECK(keycache_get(kc, cpk, k) == 0 && !memcmp(k, ksrv, 32),
        "keycache_get of the client key equals crypto_box_beforenm");
  keycache_stats(kc, st);
  CHECK(st[0] == 21 && st[1] == 10 && st[2] == 11 && st[3] == 0,
        "stats %llu %llu %llu %llu", (unsigned long long)st[0], (unsigned long long)st[1],
        (unsigned long long)st[2], (unsigned long long)st[3]);
  keycache_free(kc);

  /* one set of 4 ways, 12 keys in turn: evictions never give a wrong key */
  kc = keycache_new(ssk, 4, 1000000);
  if (!CHECK(kc != NULL, "keycache_new with 4 slots")) return;
  ok = 1;
  for (round = 0; round < 3; round++)
    for (i = 0; i < 12; i++)
      if (keycache_get(kc, pk[(i * 5 + round) % 12], k) != 0 ||
          memcmp(k, want[(i * 5 + round) % 12], 32))
        ok = 0;
  CHECK(ok, "4-slot cache with 12 keys gives the right keys");
  keycache_free(kc);

  kc = keycache_new(ssk, 0, 1000);
  CHECK(kc != NULL && keycache_get(kc, pk[0], k) == 0 && !memcmp(k, want[0], 32) &&
            keycache_get(kc, pk[1], k) == 0 && !memcmp(k, want[1], 32) &&
            keycache_get(kc, pk[0], k) == 0 && !memcmp(k, want[0], 32),
        "keycache with 0 slots");
  keycache_free(kc);

  /* rate 2: two new keys pass, the third in a tight loop is refused,
   * known keys still pass */
  kc = keycache_new(ssk, 64, 2);
  if (!CHECK(kc != NULL, "keycache_new rate 2")) return;
  CHECK(keycache_get(kc, pk[0], k) == 0 && !memcmp(k, want[0], 32), "rate 2: first new key");
  CHECK(keycache_get(kc, pk[1], k) == 0 && !memcmp(k, want[1], 32), "rate 2: second new key");
  errno = 0;
  CHECK(keycache_get(kc, pk[2], k) == -1 && errno == EAGAIN,
        "rate 2: third new key refused: errno %d", errno);
  memset(k, 0, 32);
  CHECK(keycache_get(kc, pk[0], k) == 0 && !memcmp(k, want[0], 32),
        "rate 2: a cached key still passes");
  CHECK(keycache_get(kc, pk[1], k) == 0 && !memcmp(k, want[1], 32),
        "rate 2: the other cached key still passes");
  errno = 0;
  CHECK(keycache_get(kc, pk[3], k) == -1 && errno == EAGAIN,
        "rate 2: a fourth new key refused: errno %d", errno);
  errno = 0;
  CHECK(keycache_get(kc, pk[2], k) == -1 && errno == EAGAIN,
        "rate 2: the refused key is refused again: errno %d", errno);
  keycache_stats(kc, st);
  CHECK(st[0] == 7 && st[1] == 2 && st[2] == 2 && st[3] == 3,
        "rate 2 stats %llu %llu %llu %llu", (unsigned long long)st[0],
        (unsigned long long)st[1], (unsigned long long)st[2], (unsigned long long)st[3]);
  keycache_free(kc);

  /* a key with no shared secret (the all-zero point) */
  kc = keycache_new(ssk, 64, 10);
  memset(zero, 0, 32);
  errno = 0;
  CHECK(kc != NULL && keycache_get(kc, zero, k) == -1 && errno == EINVAL,
        "keycache_get of the zero key: errno %d", errno);
  errno = 0;
  CHECK(kc != NULL && keycache_get(kc, zero, k) == -1 && errno == EINVAL,
        "keycache_get of the zero key again (not cached): errno %d", errno);
  CHECK(kc != NULL && keycache_get(kc, pk[5], k) == 0 && !memcmp(k, want[5], 32),
        "a good key after the zero key");
  keycache_free(kc);
  keycache_free(NULL);
  sodium_memzero(sk, sizeof sk);
}

/* a child made by fork never sends a nonce its parent sends: seal in the
 * parent (filling its pool), fork, seal in both, compare */
static void test_fork(void)
{
  unsigned char a[PACKET_MAX], b[PACKET_MAX], c[PACKET_MAX], reqid[PACKET_REQID];
  int fds[2], ws;
  pid_t pid;
  ssize_t got;
  CHECK(packet_seal_request(a, KIND_FETCH, cpk, kcli, body, 10, 0, reqid) > 0, "seal before fork");
  if (!CHECK(pipe(fds) == 0, "pipe")) return;
  pid = fork();
  if (pid == 0) {
    int ok = packet_seal_request(c, KIND_FETCH, cpk, kcli, body, 10, 0, reqid) > 0;
    if (!ok || write(fds[1], c + 38, PACKET_NONCE) != PACKET_NONCE) _exit(1);
    _exit(0);
  }
  CHECK(pid > 0, "fork");
  close(fds[1]);
  CHECK(packet_seal_request(b, KIND_FETCH, cpk, kcli, body, 10, 0, reqid) > 0, "seal after fork");
  got = read(fds[0], c, PACKET_NONCE);
  close(fds[0]);
  if (pid > 0) waitpid(pid, &ws, 0);
  CHECK(got == PACKET_NONCE, "the child's nonce came back");
  CHECK(memcmp(b + 38, c, PACKET_NONCE) != 0 && memcmp(a + 38, c, PACKET_NONCE) != 0,
        "parent and child after fork: different nonces");
}

int main(void)
{
  size_t i;
  if (sodium_init() < 0) unit_fatal("t_packet", "sodium_init");
  if (crypto_box_keypair(cpk, csk) != 0 || crypto_box_keypair(spk, ssk) != 0 ||
      crypto_box_beforenm(kcli, spk, csk) != 0 || crypto_box_beforenm(ksrv, cpk, ssk) != 0)
    unit_fatal("t_packet", "keys");
  CHECK(!memcmp(kcli, ksrv, 32), "both sides compute the same key");
  for (i = 0; i < sizeof body; i++) body[i] = (unsigned char)(i * 13 + 1);
  test_requests();
  test_fresh();
  test_responses();
  test_directions();
  test_flips();
  test_peek();
  test_wrong_key();
  test_keycache();
  test_fork();
  return unit_done("t_packet");
}
