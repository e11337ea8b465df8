/* packet.h: the datagram layer of the im2k protocol (man/im2k-protocol.5).
 *
 * Request:  "IM2K" VERSION KIND CLIENTPK[32] NONCE[24] BOX
 * Response: "IM2K" VERSION KIND|0x80 NONCE[24] BOX
 * BOX = crypto_box (XSalsa20-Poly1305, 16-byte tag) of the plaintext
 * between the client key and the server key.  A request's plaintext is
 * KIND BODY ZEROPAD; a response's is KIND|0x80 REQID[8] BODY, where REQID
 * is bytes 8..15 of the request's nonce.  Nonces begin with an 8-byte
 * direction label ("IM2K-REQ" or "IM2K-RSP") and end with 16 random
 * bytes, so a box never opens in the other direction and never repeats.
 * Datagrams are at most PACKET_MAX bytes; a response is never longer than
 * the request it answers. */
#ifndef IM2K_PACKET_H
#define IM2K_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define PACKET_MAX 1200
#define PACKET_VERSION 1
#define PACKET_KEY 32
#define PACKET_NONCE 24
#define PACKET_MAC 16
#define PACKET_REQID 8
#define PACKET_QHDR (4 + 1 + 1 + PACKET_KEY + PACKET_NONCE)  /* 62 */
#define PACKET_RHDR (4 + 1 + 1 + PACKET_NONCE)               /* 30 */
/* most request body (after the kind byte) and response body (after kind
 * and reqid) that fit in PACKET_MAX */
#define PACKET_QBODY_MAX (PACKET_MAX - PACKET_QHDR - PACKET_MAC - 1)
#define PACKET_RBODY_MAX (PACKET_MAX - PACKET_RHDR - PACKET_MAC - 1 - PACKET_REQID)
/* a response body to a request of n bytes may hold this much */
#define PACKET_RBODY_ROOM(n) ((n) - PACKET_RHDR - PACKET_MAC - 1 - PACKET_REQID)

enum packet_kind {
  KIND_NOTIFY = 1,   /* sender ISP -> receiver inbox */
  KIND_LIST = 2,     /* receiver -> own inbox */
  KIND_DONE = 3,     /* receiver -> own inbox */
  KIND_FETCH = 4,    /* receiver -> sender fetchd */
  KIND_CONFIRM = 5,  /* receiver -> sender fetchd */
  KIND_INDEX = 6,    /* anyone -> sender fetchd: a public archive's index */
  KIND_FORWARD = 7   /* old inbox -> a moved user's new inbox */
};
#define KIND_RESPONSE 0x80

/* packet_seal_request: build a request in out (PACKET_MAX bytes).  k is
 * the crypto_box_beforenm key of the client and server.  The datagram is
 * zero-padded to padto bytes when that is larger.  reqid receives the
 * request id the response will carry.  Returns the length, or -1 with
 * EMSGSIZE. */
int packet_seal_request(unsigned char out[PACKET_MAX], int kind,
                        const unsigned char clientpk[PACKET_KEY],
                        const unsigned char k[PACKET_KEY], const unsigned char *body,
                        size_t bodylen, size_t padto, unsigned char reqid[PACKET_REQID]);
/* packet_peek_request: check the cleartext header of a datagram; kind and
 * a pointer to the client key; 0, or -1 if it is not a request. */
int packet_peek_request(const unsigned char *p, size_t n, int *kind,
                        const unsigned char **clientpk);
/* packet_open_request: open a request (checked by peek).  plain must hold
 * PACKET_MAX bytes; *body points into it after the kind byte, and reqid
 * gets the request id.  0, or -1 if it does not open. */
int packet_open_request(const unsigned char *p, size_t n,
                        const unsigned char k[PACKET_KEY], unsigned char *plain,
                        const unsigned char **body, size_t *bodylen,
                        unsigned char reqid[PACKET_REQID]);
/* packet_seal_response: a response of at most max bytes (never more than
 * the request's length); -1 EMSGSIZE if the body does not fit. */
int packet_seal_response(unsigned char out[PACKET_MAX], size_t max, int kind,
                         const unsigned char k[PACKET_KEY],
                         const unsigned char reqid[PACKET_REQID],
                         const unsigned char *body, size_t bodylen);
/* packet_open_response: open a response to a request of this kind;
 * reqid gets the request id it answers. */
int packet_open_response(const unsigned char *p, size_t n, int kind,
                         const unsigned char k[PACKET_KEY], unsigned char *plain,
                         const unsigned char **body, size_t *bodylen,
                         unsigned char reqid[PACKET_REQID]);

/* the same with the 16 random bytes of the nonce given: for the test
 * vectors in im2k-protocol(5) and reproducible tests only */
int packet_seal_request_nonce(unsigned char out[PACKET_MAX], int kind,
                              const unsigned char clientpk[PACKET_KEY],
                              const unsigned char k[PACKET_KEY], const unsigned char *body,
                              size_t bodylen, size_t padto, unsigned char reqid[PACKET_REQID],
                              const unsigned char rnd[16]);
int packet_seal_response_nonce(unsigned char out[PACKET_MAX], size_t max, int kind,
                               const unsigned char k[PACKET_KEY],
                               const unsigned char reqid[PACKET_REQID],
                               const unsigned char *body, size_t bodylen,
                               const unsigned char rnd[16]);

/* A bounded cache of crypto_box_beforenm keys, for servers: lookups of
 * known keys are cheap, new keys cost one beforenm and are limited to
 * rate per second (bursts up to rate), so a flood of fresh keys cannot
 * starve known peers.  The cache is the servers' only per-client state. */
struct keycache;
struct keycache *keycache_new(const unsigned char sk[PACKET_KEY], size_t slots,
                              unsigned rate);
/* keycache_get: 0 and the key; -1 with EAGAIN (rate limit) or EINVAL (a
 * key that gives no shared secret). */
int keycache_get(struct keycache *kc, const unsigned char pk[PACKET_KEY],
                 unsigned char k[PACKET_KEY]);
void keycache_free(struct keycache *kc);
/* keycache_stats: lookups, hits, computed, refused so far. */
void keycache_stats(const struct keycache *kc, uint64_t out[4]);

#endif
