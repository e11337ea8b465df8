/* packet.c: sealing and opening im2k datagrams.  Everything in a
 * datagram is hostile until crypto_box_open_afternm accepts it; even
 * then only the layout is checked here, the body by the msg parsers. */
#include "packet.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const unsigned char magic[4] = {'I', 'M', '2', 'K'};

/* The random half of each nonce comes from a pool filled from the
 * system's generator 4096 bytes at a time: a server answers up to 256
 * requests per getrandom call instead of one.  The nonces need to be
 * unique, not secret.  A forked child must never reuse its parent's pool
 * (both would then send the same nonces under the same key): the child
 * empties it. */
static unsigned char pool[4096];
static size_t poolpos = sizeof pool;
static int forkhook;

static void pool_child(void)
{
  sodium_memzero(pool, sizeof pool);
  poolpos = sizeof pool;
}

static void fresh(unsigned char rnd[16])
{
  if (!forkhook) {
    if (pthread_atfork(NULL, NULL, pool_child) != 0) {
      randombytes_buf(rnd, 16); /* no hook, no pool */
      return;
    }
    forkhook = 1;
  }
  if (poolpos + 16 > sizeof pool) {
    randombytes_buf(pool, sizeof pool);
    poolpos = 0;
  }
  memcpy(rnd, pool + poolpos, 16);
  sodium_memzero(pool + poolpos, 16);
  poolpos += 16;
}
static const unsigned char label_req[8] = {'I', 'M', '2', 'K', '-', 'R', 'E', 'Q'};
static const unsigned char label_rsp[8] = {'I', 'M', '2', 'K', '-', 'R', 'S', 'P'};

int packet_seal_request(unsigned char out[PACKET_MAX], int kind,
                        const unsigned char clientpk[PACKET_KEY],
                        const unsigned char k[PACKET_KEY], const unsigned char *body,
                        size_t bodylen, size_t padto, unsigned char reqid[PACKET_REQID])
{
  unsigned char rnd[16];
  fresh(rnd);
  return packet_seal_request_nonce(out, kind, clientpk, k, body, bodylen, padto, reqid, rnd);
}

int packet_seal_request_nonce(unsigned char out[PACKET_MAX], int kind,
                              const unsigned char clientpk[PACKET_KEY],
                              const unsigned char k[PACKET_KEY], const unsigned char *body,
                              size_t bodylen, size_t padto, unsigned char reqid[PACKET_REQID],
                              const unsigned char rnd[16])
{
  unsigned char plain[PACKET_MAX];
  unsigned char *nonce = out + 6 + PACKET_KEY;
  size_t plen = 1 + bodylen;
  if (bodylen > PACKET_QBODY_MAX || padto > PACKET_MAX) { errno = EMSGSIZE; return -1; }
  if (padto > PACKET_QHDR + PACKET_MAC + plen) plen = padto - PACKET_QHDR - PACKET_MAC;
  memset(plain, 0, plen);
  plain[0] = (unsigned char)kind;
  if (bodylen) memcpy(plain + 1, body, bodylen);
  memcpy(out, magic, 4);
  out[4] = PACKET_VERSION;
  out[5] = (unsigned char)kind;
  memcpy(out + 6, clientpk, PACKET_KEY);
  memcpy(nonce, label_req, 8);
  memcpy(nonce + 8, rnd, 16);
  memcpy(reqid, nonce + 8, PACKET_REQID);
  if (crypto_box_easy_afternm(out + PACKET_QHDR, plain, plen, nonce, k) != 0) {
    errno = EINVAL;
    return -1;
  }
  sodium_memzero(plain, plen);
  return (int)(PACKET_QHDR + PACKET_MAC + plen);
}

int packet_peek_request(const unsigned char *p, size_t n, int *kind,
                        const unsigned char **clientpk)
{
  if (n < PACKET_QHDR + PACKET_MAC + 1 || n > PACKET_MAX) return -1;
  if (memcmp(p, magic, 4) || p[4] != PACKET_VERSION) return -1;
  if (p[5] & KIND_RESPONSE || p[5] == 0) return -1;
  if (memcmp(p + 6 + PACKET_KEY, label_req, 8)) return -1;
  /* X25519 ignores the top bit of a public key: refuse it set, so that a
   * request has exactly one spelling of its client key */
  if (p[6 + PACKET_KEY - 1] & 0x80) return -1;
  *kind = p[5];
  *clientpk = p + 6;
  return 0;
}

int packet_open_request(const unsigned char *p, size_t n,
                        const unsigned char k[PACKET_KEY], unsigned char *plain,
                        const unsigned char **body, size_t *bodylen,
                        unsigned char reqid[PACKET_REQID])
{
  const unsigned char *nonce = p + 6 + PACKET_KEY;
  size_t clen = n - PACKET_QHDR;
  if (n < PACKET_QHDR + PACKET_MAC + 1 || n > PACKET_MAX) return -1;
  if (memcmp(nonce, label_req, 8)) return -1;
  if (crypto_box_open_easy_afternm(plain, p + PACKET_QHDR, clen, nonce, k) != 0)
    return -1;
  if (plain[0] != p[5]) return -1;
  memcpy(reqid, nonce + 8, PACKET_REQID);
  *body = plain + 1;
  *bodylen = clen - PACKET_MAC - 1;
  return 0;
}

int packet_seal_response(unsigned char out[PACKET_MAX], size_t max, int kind,
                         const unsigned char k[PACKET_KEY],
                         const unsigned char reqid[PACKET_REQID],
                         const unsigned char *body, size_t bodylen)
{
  unsigned char rnd[16];
  fresh(rnd);
  return packet_seal_response_nonce(out, max, kind, k, reqid, body, bodylen, rnd);
}

int packet_seal_response_nonce(unsigned char out[PACKET_MAX], size_t max, int kind,
                               const unsigned char k[PACKET_KEY],
                               const unsigned char reqid[PACKET_REQID],
                               const unsigned char *body, size_t bodylen,
                               const unsigned char rnd[16])
{
  unsigned char plain[PACKET_MAX];
  unsigned char *nonce = out + 6;
  size_t plen;
  if (max > PACKET_MAX) max = PACKET_MAX;
  if (bodylen > PACKET_RBODY_MAX) { errno = EMSGSIZE; return -1; } /* no overflow below */
  plen = 1 + PACKET_REQID + bodylen;
  if (max < PACKET_RHDR + PACKET_MAC || plen > max - PACKET_RHDR - PACKET_MAC) {
    errno = EMSGSIZE;
    return -1;
  }
  plain[0] = (unsigned char)(kind | KIND_RESPONSE);
  memcpy(plain + 1, reqid, PACKET_REQID);
  if (bodylen) memcpy(plain + 1 + PACKET_REQID, body, bodylen);
  memcpy(out, magic, 4);
  out[4] = PACKET_VERSION;
  out[5] = (unsigned char)(kind | KIND_RESPONSE);
  memcpy(nonce, label_rsp, 8);
  memcpy(nonce + 8, rnd, 16);
  if (crypto_box_easy_afternm(out + PACKET_RHDR, plain, plen, nonce, k) != 0) {
    errno = EINVAL;
    return -1;
  }
  sodium_memzero(plain, plen);
  return (int)(PACKET_RHDR + PACKET_MAC + plen);
}

int packet_open_response(const unsigned char *p, size_t n, int kind,
                         const unsigned char k[PACKET_KEY], unsigned char *plain,
                         const unsigned char **body, size_t *bodylen,
                         unsigned char reqid[PACKET_REQID])
{
  const unsigned char *nonce = p + 6;
  size_t clen;
  if (n < PACKET_RHDR + PACKET_MAC + 1 + PACKET_REQID || n > PACKET_MAX) return -1;
  if (memcmp(p, magic, 4) || p[4] != PACKET_VERSION) return -1;
  if (p[5] != (kind | KIND_RESPONSE)) return -1;
  if (memcmp(nonce, label_rsp, 8)) return -1;
  clen = n - PACKET_RHDR;
  if (crypto_box_open_easy_afternm(plain, p + PACKET_RHDR, clen, nonce, k) != 0)
    return -1;
  if (plain[0] != p[5]) return -1;
  memcpy(reqid, plain + 1, PACKET_REQID);
  *body = plain + 1 + PACKET_REQID;
  *bodylen = clen - PACKET_MAC - 1 - PACKET_REQID;
  return 0;
}

/* The cache: 4-way sets indexed by a keyed short hash of the public key
 * (keyed so that nobody can aim many keys at one set). */
#define WAYS 4
struct slot {
  unsigned char pk[PACKET_KEY];
  unsigned char k[PACKET_KEY];
  uint64_t used;
  int full;
};
struct keycache {
  unsigned char sk[PACKET_KEY];
  unsigned char hk[crypto_shorthash_KEYBYTES];
  size_t sets;
  struct slot *slot;
  uint64_t clock;
  unsigned rate;
  double tokens;
  struct timespec last;
  uint64_t stats[4];
};

struct keycache *keycache_new(const unsigned char sk[PACKET_KEY], size_t slots,
                              unsigned rate)
{
  struct keycache *kc;
  size_t sets = (slots + WAYS - 1) / WAYS;
  if (sets == 0) sets = 1;
  kc = sodium_malloc(sizeof *kc);
  if (!kc) { errno = ENOMEM; return NULL; }
  memset(kc, 0, sizeof *kc);
  kc->slot = sodium_allocarray(sets * WAYS, sizeof *kc->slot);
  if (!kc->slot) { sodium_free(kc); errno = ENOMEM; return NULL; }
  memset(kc->slot, 0, sets * WAYS * sizeof *kc->slot);
  memcpy(kc->sk, sk, PACKET_KEY);
  randombytes_buf(kc->hk, sizeof kc->hk);
  kc->sets = sets;
  kc->rate = rate ? rate : 1;
  kc->tokens = kc->rate;
  clock_gettime(CLOCK_MONOTONIC, &kc->last);
  return kc;
}

void keycache_free(struct keycache *kc)
{
  if (!kc) return;
  sodium_free(kc->slot);
  sodium_free(kc);
}

void keycache_stats(const struct keycache *kc, uint64_t out[4])
{
  memcpy(out, kc->stats, sizeof kc->stats);
}

static int take_token(struct keycache *kc)
{
  struct timespec now;
  double dt;
  clock_gettime(CLOCK_MONOTONIC, &now);
  dt = (double)(now.tv_sec - kc->last.tv_sec) +
       (double)(now.tv_nsec - kc->last.tv_nsec) / 1e9;
  kc->last = now;
  if (dt > 0) kc->tokens += dt * kc->rate;
  if (kc->tokens > kc->rate) kc->tokens = kc->rate;
  if (kc->tokens < 1) return 0;
  kc->tokens -= 1;
  return 1;
}

int keycache_get(struct keycache *kc, const unsigned char pk[PACKET_KEY],
                 unsigned char k[PACKET_KEY])
{
  unsigned char h[crypto_shorthash_BYTES];
  uint64_t hv;
  struct slot *set, *victim;
  int i;
  kc->stats[0]++;
  crypto_shorthash(h, pk, PACKET_KEY, kc->hk);
  memcpy(&hv, h, sizeof hv);
  set = kc->slot + (hv % kc->sets) * WAYS;
  victim = set;
  for (i = 0; i < WAYS; i++) {
    if (set[i].full && !sodium_memcmp(set[i].pk, pk, PACKET_KEY)) {
      set[i].used = ++kc->clock;
      memcpy(k, set[i].k, PACKET_KEY);
      kc->stats[1]++;
      return 0;
    }
    if (!set[i].full || set[i].used < victim->used) victim = &set[i];
    if (!set[i].full) victim = &set[i];
  }
  if (!take_token(kc)) { kc->stats[3]++; errno = EAGAIN; return -1; }
  kc->stats[2]++;
  if (crypto_box_beforenm(victim->k, pk, kc->sk) != 0) {
    victim->full = 0;
    errno = EINVAL;
    return -1;
  }
  memcpy(victim->pk, pk, PACKET_KEY);
  victim->full = 1;
  victim->used = ++kc->clock;
  memcpy(k, victim->k, PACKET_KEY);
  return 0;
}
