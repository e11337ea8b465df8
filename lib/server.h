/* server.h: the receive-open-answer step shared by im2k-inboxd and
 * im2k-fetchd.  A datagram that is not a well-formed request, whose key
 * is refused by the key cache, or whose box does not open, gets no
 * answer.  The answer is sealed to at most the request's length. */
#ifndef IM2K_SERVER_H
#define IM2K_SERVER_H

#include "bytes.h"
#include "packet.h"

#include <netinet/in.h>
#include <stdint.h>

/* a handler writes the response body into out and returns 1 to answer,
 * 0 to stay silent */
typedef int (*server_fn)(void *ctx, int kind, const unsigned char clientpk[PACKET_KEY],
                         struct rd *body, struct wr *out, size_t datagram);

struct server_stats {
  uint64_t received, answered, dropped;
};

/* server_step: wait up to timeout_ms for datagrams on fd and deal with
 * those that are there (a batch of up to 32); 1 if any was handled
 * (answered or dropped), 0 on timeout, -1 on error.  Not reentrant: the
 * batch buffers are static. */
int server_step(int fd, struct keycache *kc, server_fn fn, void *ctx, int timeout_ms,
                struct server_stats *st);

#endif
