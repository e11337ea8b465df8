/* udp.h: UDP sockets, and the client side of one request/one response
 * with retransmission: a request is resent with doubling intervals
 * (250 ms, 500 ms, 1 s, 2 s, ...) until a response that opens and
 * carries its request id arrives, or the time allowed runs out.
 * Requests are idempotent, so resending is always safe. */
#ifndef IM2K_UDP_H
#define IM2K_UDP_H

#include "packet.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* udp_bind: a socket bound to ip:port (port 0: any), close-on-exec, with
 * a receive buffer of UDP_RCVBUF bytes where the kernel allows it. */
#define UDP_RCVBUF (4 << 20)
int udp_bind(const char *ip, uint16_t port);
int udp_addr(struct sockaddr_in *sa, const char *ip, uint16_t port);

struct udp_client {
  int fd;
  struct sockaddr_in sa;
  unsigned char mypk[PACKET_KEY];
  unsigned char k[PACKET_KEY];   /* beforenm(server pk, my sk) */
};

/* udp_client_open: a connected socket to ip:port and the shared key. */
int udp_client_open(struct udp_client *c, const char *ip, uint16_t port,
                    const unsigned char serverpk[PACKET_KEY],
                    const unsigned char mypk[PACKET_KEY],
                    const unsigned char mysk[PACKET_KEY]);
void udp_client_close(struct udp_client *c);
/* udp_call: send a request, wait for its response.  resp (PACKET_MAX
 * bytes) receives the plaintext; *body and *bodylen point into it.  0, or
 * -1 with ETIMEDOUT or another errno.  timeout_ms bounds the whole call. */
int udp_call(struct udp_client *c, int kind, const unsigned char *req, size_t reqlen,
             size_t padto, unsigned char *resp, const unsigned char **body,
             size_t *bodylen, int timeout_ms);
/* udp_send: send one request without waiting (for windows of requests);
 * pkt keeps the datagram for resending, *pktlen its length. */
int udp_send(struct udp_client *c, int kind, const unsigned char *req, size_t reqlen,
             size_t padto, unsigned char pkt[PACKET_MAX], size_t *pktlen,
             unsigned char reqid[PACKET_REQID]);
/* udp_recv: wait up to timeout_ms for one response of this kind that
 * opens; 0 with its reqid and body, -1 with ETIMEDOUT. */
int udp_recv(struct udp_client *c, int kind, int timeout_ms, unsigned char *resp,
             const unsigned char **body, size_t *bodylen,
             unsigned char reqid[PACKET_REQID]);

/* now_ms: a monotonic clock in milliseconds. */
int64_t now_ms(void);

#endif
