/* fuzz_packet.c: libFuzzer harness for the datagram layer.  Keys are
 * fixed (from fixed seeds) so that runs are reproducible and seed
 * packets can be made with them.  The first byte picks the mode:
 *  even: the rest is a datagram off the wire: packet_peek_request, then
 *        packet_open_request when it passes, and packet_open_response
 *        for every kind;
 *  odd:  the rest after a second byte (padding, in units of 5 bytes) is
 *        a body: it is sealed as a request of kind 1 + (byte0 >> 1) % 127,
 *        which must peek and open to the same body followed by zeros
 *        only; then as a response no longer than that request, which
 *        must open to the same body. */
#include "packet.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char cpk[crypto_box_PUBLICKEYBYTES], csk[crypto_box_SECRETKEYBYTES];
static unsigned char spk[crypto_box_PUBLICKEYBYTES], ssk[crypto_box_SECRETKEYBYTES];
static unsigned char k[PACKET_KEY];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  unsigned char seed[crypto_box_SEEDBYTES], k2[PACKET_KEY];
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  memset(seed, 'c', sizeof seed);
  if (crypto_box_seed_keypair(cpk, csk, seed) != 0) abort();
  memset(seed, 's', sizeof seed);
  if (crypto_box_seed_keypair(spk, ssk, seed) != 0) abort();
  if (crypto_box_beforenm(k, spk, csk) != 0) abort();
  /* both ends must arrive at the same key */
  if (crypto_box_beforenm(k2, cpk, ssk) != 0 || memcmp(k, k2, sizeof k)) abort();
  return 0;
}

static int zeros(const unsigned char *p, size_t n)
{
  while (n--)
    if (*p++) return 0;
  return 1;
}

static void raw(const uint8_t *p, size_t n)
{
  unsigned char plain[PACKET_MAX], reqid[PACKET_REQID];
  const unsigned char *body, *pk;
  size_t bodylen;
  int kind;
  if (packet_peek_request(p, n, &kind, &pk) == 0) {
    if (n < PACKET_QHDR + PACKET_MAC + 1 || n > PACKET_MAX) abort();
    if (kind <= 0 || kind >= KIND_RESPONSE || kind != p[5] || pk != p + 6) abort();
    if (pk[PACKET_KEY - 1] & 0x80) abort();  /* one spelling per client key */
    if (packet_open_request(p, n, k, plain, &body, &bodylen, reqid) == 0) {
      if (body != plain + 1 || bodylen != n - PACKET_QHDR - PACKET_MAC - 1) abort();
      if (plain[0] != kind) abort();
      if (memcmp(reqid, p + 6 + PACKET_KEY + 8, PACKET_REQID)) abort();
    }
  }
  for (kind = 0; kind < KIND_RESPONSE; kind++)
    if (packet_open_response(p, n, kind, k, plain, &body, &bodylen, reqid) == 0) {
      if (n < PACKET_RHDR + PACKET_MAC + 1 + PACKET_REQID || n > PACKET_MAX) abort();
      if (body != plain + 1 + PACKET_REQID ||
          bodylen != n - PACKET_RHDR - PACKET_MAC - 1 - PACKET_REQID)
        abort();
      if (p[5] != (kind | KIND_RESPONSE) || plain[0] != p[5]) abort();
    }
}

static void sealed(int kind, size_t padto, const uint8_t *in, size_t inlen)
{
  unsigned char out[PACKET_MAX], rsp[PACKET_MAX], plain[PACKET_MAX];
  unsigned char reqid[PACKET_REQID], reqid2[PACKET_REQID];
  const unsigned char *body, *pk;
  size_t bodylen, want;
  int n, m, kind2, i;

  n = packet_seal_request(out, kind, cpk, k, in, inlen, padto, reqid);
  if (inlen > PACKET_QBODY_MAX || padto > PACKET_MAX) {
    if (n != -1 || errno != EMSGSIZE) abort();
    return;
  }
  if (n == -1) abort();
  want = PACKET_QHDR + PACKET_MAC + 1 + inlen;
  if (padto > want) want = padto;
  if ((size_t)n != want || n > PACKET_MAX) abort();
  if (packet_peek_request(out, (size_t)n, &kind2, &pk) == -1) abort();
  if (kind2 != kind || memcmp(pk, cpk, PACKET_KEY)) abort();
  if (packet_open_request(out, (size_t)n, k, plain, &body, &bodylen, reqid2) == -1) abort();
  if (memcmp(reqid, reqid2, PACKET_REQID)) abort();
  if (bodylen < inlen || memcmp(body, in, inlen) || !zeros(body + inlen, bodylen - inlen))
    abort();
  /* a request never opens as a response, nor with a wrong key */
  for (i = 0; i < KIND_RESPONSE; i++)
    if (packet_open_response(out, (size_t)n, i, k, plain, &body, &bodylen, reqid2) == 0)
      abort();
  {
    unsigned char bad[PACKET_KEY];
    memcpy(bad, k, PACKET_KEY);
    bad[0] ^= 1;
    if (packet_open_request(out, (size_t)n, bad, plain, &body, &bodylen, reqid2) == 0)
      abort();
  }

  /* the answer, limited to the request's length */
  m = packet_seal_response(rsp, (size_t)n, kind, k, reqid, in, inlen);
  if (inlen > PACKET_RBODY_ROOM((size_t)n)) {
    if (m != -1 || errno != EMSGSIZE) abort();
    return;
  }
  if (m == -1 || m > n) abort();
  if ((size_t)m != PACKET_RHDR + PACKET_MAC + 1 + PACKET_REQID + inlen) abort();
  if (packet_peek_request(rsp, (size_t)m, &kind2, &pk) == 0) abort();
  if (packet_open_response(rsp, (size_t)m, kind, k, plain, &body, &bodylen, reqid2) == -1)
    abort();
  if (memcmp(reqid, reqid2, PACKET_REQID) || bodylen != inlen ||
      (inlen && memcmp(body, in, inlen)))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  if (!(data[0] & 1)) {
    raw(data + 1, size - 1);
    return 0;
  }
  if (size < 2) return 0;
  sealed(1 + (data[0] >> 1) % 127, (size_t)data[1] * 5, data + 2, size - 2);
  return 0;
}
