/* udp.c: sockets and the retransmitting client.  A response is trusted
 * only once it opens under the shared key and names our request. */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int udp_addr(struct sockaddr_in *sa, const char *ip, uint16_t port)
{
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons(port);
  if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) { errno = EINVAL; return -1; }
  return 0;
}

int udp_bind(const char *ip, uint16_t port)
{
  struct sockaddr_in sa;
  int fd, rcvbuf = UDP_RCVBUF;
  if (udp_addr(&sa, ip, port) == -1) return -1;
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return -1;
  /* a burst of requests (a fan-out of notifications, a window of fetches
   * from many clients) waits in the kernel rather than being dropped and
   * resent a second later; as root (before dropping privilege) the size
   * may exceed net.core.rmem_max.  Failing is harmless: the default. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) == -1)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int udp_client_open(struct udp_client *c, const char *ip, uint16_t port,
                    const unsigned char serverpk[PACKET_KEY],
                    const unsigned char mypk[PACKET_KEY],
                    const unsigned char mysk[PACKET_KEY])
{
  if (udp_addr(&c->sa, ip, port) == -1) return -1;
  if (crypto_box_beforenm(c->k, serverpk, mysk) != 0) { errno = EINVAL; return -1; }
  memcpy(c->mypk, mypk, PACKET_KEY);
  c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (c->fd == -1) return -1;
  if (connect(c->fd, (struct sockaddr *)&c->sa, sizeof c->sa) == -1) {
    int e = errno;
    close(c->fd);
    c->fd = -1;
    errno = e;
    return -1;
  }
  return 0;
}

void udp_client_close(struct udp_client *c)
{
  if (c->fd != -1) close(c->fd);
  c->fd = -1;
  sodium_memzero(c->k, sizeof c->k);
}

int udp_send(struct udp_client *c, int kind, const unsigned char *req, size_t reqlen,
             size_t padto, unsigned char pkt[PACKET_MAX], size_t *pktlen,
             unsigned char reqid[PACKET_REQID])
{
  int n = packet_seal_request(pkt, kind, c->mypk, c->k, req, reqlen, padto, reqid);
  if (n == -1) return -1;
  *pktlen = (size_t)n;
  /* a lost send is the same as a lost packet: the caller resends */
  if (send(c->fd, pkt, (size_t)n, 0) == -1 && errno != ECONNREFUSED &&
      errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
    return -1;
  return 0;
}

int udp_recv(struct udp_client *c, int kind, int timeout_ms, unsigned char *resp,
             const unsigned char **body, size_t *bodylen,
             unsigned char reqid[PACKET_REQID])
{
  unsigned char in[PACKET_MAX + 1];
  int64_t end = now_ms() + timeout_ms;
  for (;;) {
    struct pollfd pf;
    ssize_t n;
    int64_t left = end - now_ms();
    if (left < 0) left = 0;
    pf.fd = c->fd;
    pf.events = POLLIN;
    pf.revents = 0;
    if (poll(&pf, 1, (int)left) == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (!(pf.revents & (POLLIN | POLLERR))) { errno = ETIMEDOUT; return -1; }
    n = recv(c->fd, in, sizeof in, MSG_DONTWAIT);
    if (n == -1) {
      /* ICMP port unreachable: the server is not up (yet); keep waiting
       * for the retransmission to find it */
      if (errno == ECONNREFUSED || errno == EAGAIN || errno == EINTR) {
        if (now_ms() >= end) { errno = ETIMEDOUT; return -1; }
        if (errno == ECONNREFUSED) {
          struct timespec ts = {0, 20 * 1000 * 1000};
          nanosleep(&ts, NULL);
        }
        continue;
      }
      return -1;
    }
    if (packet_open_response(in, (size_t)n, kind, c->k, resp, body, bodylen, reqid) == 0)
      return 0;
  }
}

int udp_call(struct udp_client *c, int kind, const unsigned char *req, size_t reqlen,
             size_t padto, unsigned char *resp, const unsigned char **body,
             size_t *bodylen, int timeout_ms)
{
  unsigned char pkt[PACKET_MAX], want[PACKET_REQID], got[PACKET_REQID];
  size_t pktlen;
  int64_t end = now_ms() + timeout_ms;
  int wait = 250;
  if (udp_send(c, kind, req, reqlen, padto, pkt, &pktlen, want) == -1) return -1;
  for (;;) {
    int64_t left = end - now_ms();
    int w = wait;
    if (left <= 0) { errno = ETIMEDOUT; return -1; }
    if (w > left) w = (int)left;
    if (udp_recv(c, kind, w, resp, body, bodylen, got) == 0) {
      if (!memcmp(got, want, PACKET_REQID)) return 0;
      continue; /* an answer to an earlier call: ignore */
    }
    if (errno != ETIMEDOUT) return -1;
    if (send(c->fd, pkt, pktlen, 0) == -1 && errno != ECONNREFUSED &&
        errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
      return -1;
    if (wait < 4000) wait *= 2;
  }
}
