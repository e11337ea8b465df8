/* server.c: requests in, at most one response out for each.  Every
 * datagram is hostile; it costs at most one cache lookup (or one
 * rate-limited beforenm) and one failed open.  Datagrams are taken and
 * answered in batches (recvmmsg, sendmmsg): one system call each way for
 * up to SERVER_BATCH requests instead of three per request. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#define SERVER_BATCH 32

/* the daemons that use this are single-threaded: the buffers are static
 * to keep 75 KB off the stack */
static unsigned char in[SERVER_BATCH][PACKET_MAX + 1], out[SERVER_BATCH][PACKET_MAX];
static struct sockaddr_in from[SERVER_BATCH], to[SERVER_BATCH];

/* answer: the response to one request in out[i], or -1 for none */
static int answer(const unsigned char *p, size_t n, struct keycache *kc, server_fn fn,
                  void *ctx, unsigned char *o)
{
  unsigned char plain[PACKET_MAX], rbody[PACKET_MAX], k[PACKET_KEY], reqid[PACKET_REQID];
  const unsigned char *pk, *body;
  size_t bodylen;
  struct rd r;
  struct wr w;
  int kind, len = -1;
  if (packet_peek_request(p, n, &kind, &pk) == -1) return -1;
  if (keycache_get(kc, pk, k) == -1) return -1;
  if (packet_open_request(p, n, k, plain, &body, &bodylen, reqid) == 0) {
    rd_init(&r, body, bodylen);
    wr_init(&w, rbody, PACKET_RBODY_ROOM(n));
    if (fn(ctx, kind, pk, &r, &w, n) && !w.err)
      len = packet_seal_response(o, n, kind, k, reqid, rbody, w.pos);
  }
  sodium_memzero(k, sizeof k);
  return len;
}

int server_step(int fd, struct keycache *kc, server_fn fn, void *ctx, int timeout_ms,
                struct server_stats *st)
{
  struct mmsghdr mi[SERVER_BATCH], mo[SERVER_BATCH];
  struct iovec vi[SERVER_BATCH], vo[SERVER_BATCH];
  struct pollfd pf;
  int i, n, no = 0, pr, done;

  pf.fd = fd;
  pf.events = POLLIN;
  pf.revents = 0;
  pr = poll(&pf, 1, timeout_ms);
  if (pr == -1) return errno == EINTR ? 0 : -1;
  if (pr == 0) return 0;
  memset(mi, 0, sizeof mi);
  for (i = 0; i < SERVER_BATCH; i++) {
    vi[i].iov_base = in[i];
    vi[i].iov_len = sizeof in[i];
    mi[i].msg_hdr.msg_iov = &vi[i];
    mi[i].msg_hdr.msg_iovlen = 1;
    mi[i].msg_hdr.msg_name = &from[i];
    mi[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  n = recvmmsg(fd, mi, SERVER_BATCH, MSG_DONTWAIT, NULL);
  if (n == -1) return errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED ? 0 : -1;
  for (i = 0; i < n; i++) {
    int len;
    st->received++;
    if (mi[i].msg_hdr.msg_namelen != sizeof from[i] || from[i].sin_family != AF_INET) {
      st->dropped++;
      continue;
    }
    len = answer(in[i], mi[i].msg_len, kc, fn, ctx, out[no]);
    if (len == -1) { st->dropped++; continue; }
    to[no] = from[i];
    vo[no].iov_base = out[no];
    vo[no].iov_len = (size_t)len;
    memset(&mo[no], 0, sizeof mo[no]);
    mo[no].msg_hdr.msg_iov = &vo[no];
    mo[no].msg_hdr.msg_iovlen = 1;
    mo[no].msg_hdr.msg_name = &to[no];
    mo[no].msg_hdr.msg_namelen = sizeof to[no];
    no++;
  }
  /* a response that cannot be sent is a lost packet: the client
   * retransmits; the rest of the batch still goes */
  for (done = 0; done < no;) {
    int s = sendmmsg(fd, mo + done, (unsigned)(no - done), 0);
    if (s == -1) {
      if (errno == EINTR) continue;
      done++;
      continue;
    }
    st->answered += (uint64_t)s;
    done += s;
  }
  return 1;
}
