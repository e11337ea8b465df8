/* server.c: one request in, at most one response out.  Every datagram is
 * hostile; it costs at most one cache lookup (or one rate-limited
 * beforenm) and one failed open. */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

int server_step(int fd, struct keycache *kc, server_fn fn, void *ctx, int timeout_ms,
                struct server_stats *st)
{
  unsigned char in[PACKET_MAX + 1], plain[PACKET_MAX], out[PACKET_MAX],
      rbody[PACKET_MAX], k[PACKET_KEY], reqid[PACKET_REQID];
  const unsigned char *pk, *body;
  size_t bodylen;
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  struct pollfd pf;
  struct rd r;
  struct wr w;
  ssize_t n;
  int kind, len, pr;

  pf.fd = fd;
  pf.events = POLLIN;
  pf.revents = 0;
  pr = poll(&pf, 1, timeout_ms);
  if (pr == -1) return errno == EINTR ? 0 : -1;
  if (pr == 0) return 0;
  n = recvfrom(fd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
  if (n == -1) return errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED ? 0 : -1;
  st->received++;
  if (packet_peek_request(in, (size_t)n, &kind, &pk) == -1) goto drop;
  if (keycache_get(kc, pk, k) == -1) goto drop;
  if (packet_open_request(in, (size_t)n, k, plain, &body, &bodylen, reqid) == -1) goto drop;
  rd_init(&r, body, bodylen);
  wr_init(&w, rbody, PACKET_RBODY_ROOM((size_t)n));
  if (!fn(ctx, kind, pk, &r, &w, (size_t)n) || w.err) goto drop;
  len = packet_seal_response(out, (size_t)n, kind, k, reqid, rbody, w.pos);
  sodium_memzero(k, sizeof k);
  if (len == -1) goto drop;
  /* a failed send is a lost packet: the client retransmits */
  if (sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&from, fl) != -1) st->answered++;
  return 1;
drop:
  sodium_memzero(k, sizeof k);
  st->dropped++;
  return 1;
}
