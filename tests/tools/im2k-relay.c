/* im2k-relay: a bad network for the tests.  Listens on LISTEN, passes each
 * client's datagrams on to TARGET from a socket of the client's own, and
 * the answers back; drops LOSS percent, duplicates DUP percent and holds
 * back REORDER percent until the next datagram has gone, in each
 * direction.  Runs until killed.  Not installed.
 *   im2k-relay LISTENIP PORT TARGETIP PORT LOSS DUP REORDER */
#include "udp.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 64

struct client {
  struct sockaddr_in addr;
  int fd;
};

static struct client cl[CLIENTS];
static int ncl;
static unsigned loss, duplicate, reorder;

struct held {
  int fd;
  struct sockaddr_in to;
  unsigned char p[2048];
  size_t n;
  int full;
};

static void out(struct held *h, int fd, const struct sockaddr_in *to, const unsigned char *p, size_t n)
{
  unsigned r = (unsigned)random() % 100;
  if (r < loss) return;
  if ((unsigned)random() % 100 < reorder && !h->full) {
    h->fd = fd;
    h->to = *to;
    memcpy(h->p, p, n);
    h->n = n;
    h->full = 1;
    return;
  }
  sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof *to);
  if ((unsigned)random() % 100 < duplicate) sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof *to);
  if (h->full) {
    sendto(h->fd, h->p, h->n, 0, (struct sockaddr *)&h->to, sizeof h->to);
    h->full = 0;
  }
}

int main(int argc, char **argv)
{
  struct sockaddr_in target;
  struct held hold = {0};
  int lfd;
  if (argc != 8) {
    fprintf(stderr, "usage: im2k-relay LISTENIP PORT TARGETIP PORT LOSS DUP REORDER\n");
    return 111;
  }
  lfd = udp_bind(argv[1], (uint16_t)atoi(argv[2]));
  if (lfd == -1 || udp_addr(&target, argv[3], (uint16_t)atoi(argv[4])) == -1) {
    perror("im2k-relay");
    return 111;
  }
  loss = (unsigned)atoi(argv[5]);
  duplicate = (unsigned)atoi(argv[6]);
  reorder = (unsigned)atoi(argv[7]);
  srandom((unsigned)getpid());
  for (;;) {
    struct pollfd pf[CLIENTS + 1];
    unsigned char p[2048];
    int i, n;
    pf[0].fd = lfd;
    pf[0].events = POLLIN;
    for (i = 0; i < ncl; i++) {
      pf[i + 1].fd = cl[i].fd;
      pf[i + 1].events = POLLIN;
    }
    n = poll(pf, (nfds_t)ncl + 1, 50);
    if (n == 0 && hold.full) { /* nothing followed: let it go */
      sendto(hold.fd, hold.p, hold.n, 0, (struct sockaddr *)&hold.to, sizeof hold.to);
      hold.full = 0;
    }
    if (n <= 0) continue;
    if (pf[0].revents & POLLIN) {
      struct sockaddr_in from;
      socklen_t fl = sizeof from;
      ssize_t r = recvfrom(lfd, p, sizeof p, 0, (struct sockaddr *)&from, &fl);
      if (r > 0) {
        for (i = 0; i < ncl; i++)
          if (cl[i].addr.sin_addr.s_addr == from.sin_addr.s_addr && cl[i].addr.sin_port == from.sin_port) break;
        if (i == ncl) {
          if (ncl == CLIENTS) i = (int)((unsigned)random() % CLIENTS), close(cl[i].fd);
          else ncl++;
          cl[i].addr = from;
          cl[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
        }
        out(&hold, cl[i].fd, &target, p, (size_t)r);
      }
    }
    for (i = 0; i < ncl; i++)
      if (pf[i + 1].revents & POLLIN) {
        ssize_t r = recv(cl[i].fd, p, sizeof p, 0);
        if (r > 0) out(&hold, lfd, &cl[i].addr, p, (size_t)r);
      }
  }
}
