/* im2kb-load: a load generator for the benchmarks, built from the same
 * lib/ as the daemons.  Requests are sealed before the clock starts, so
 * what is timed is the server; every answer is opened and matched to its
 * request.  Not installed; loopback only.
 *   im2kb-load notify IP PORT SERVERPK KEYDIR SENDER DOMAIN USERS COUNT WINDOW
 *       COUNT distinct notifications from SENDER (sealed with KEYDIR/secret,
 *       KEYDIR/public: the sender ISP's keys) to im2kbuN@DOMAIN, N from 1
 *       to USERS in turn, WINDOW at a time; an unanswered one is resent
 *       after 500 ms.  Prints "notify COUNT OK OTHER SECONDS RATE".
 *   im2kb-load fetch IP PORT SERVERPK TOKENKEY HANDLE RCPT SIZE SECONDS WINDOW
 *       FETCH requests for blocks of message HANDLE (SIZE bytes) as RCPT,
 *       with the token made from the ISP's TOKENKEY file, never for the
 *       first block (whose first fetch is recorded on disk), for SECONDS.
 *       Prints "fetch ANSWERS OK SECONDS RATE".
 * Exit 0, 111 on a local error. */
#define _GNU_SOURCE
#include "hex.h"
#include "keys.h"
#include "msg.h"
#include "packet.h"
#include "token.h"
#include "udp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define WMAX 4096

static void die(const char *what)
{
  fprintf(stderr, "im2kb-load: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

struct req {
  unsigned char *p;
  size_t len;
  unsigned char reqid[PACKET_REQID];
};

static struct req *reqs;
static size_t nreqs;

/* a slot of the window: the request it carries and when it was sent */
struct slot {
  long r;
  int64_t at;
};

static int fd;
static unsigned char k[PACKET_KEY];

static void key_from_hex(unsigned char out[32], const char *s)
{
  if (hex_decode(out, 32, s, strlen(s)) == -1) { errno = EINVAL; die("bad key"); }
}

static void open_sock(const char *ip, const char *port)
{
  struct sockaddr_in sa;
  int sz = 8 << 20;
  if (udp_addr(&sa, ip, (uint16_t)atoi(port)) == -1) die("bad address");
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd == -1) die("socket");
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) == -1)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("connect");
}

/* run: keep window requests in flight; next() names the next request to
 * send (-1: none left); done() takes an answer's body.  Stops when every
 * request has been answered, or at the deadline. */
static int64_t run(int window, int cycle, int64_t deadline, int kind, uint64_t *answers,
                   uint64_t *ok)
{
  static struct slot sl[WMAX];
  static unsigned char in[BATCH][PACKET_MAX + 1];
  struct mmsghdr mm[BATCH];
  struct iovec iov[BATCH];
  size_t next = 0, left = nreqs;
  int i, inflight = 0;
  int64_t t0 = now_ms();
  for (i = 0; i < window; i++) sl[i].r = -1;
  while (cycle ? now_ms() < deadline : left > 0) {
    struct pollfd pf = {fd, POLLIN, 0};
    int64_t t = now_ms();
    int n = 0;
    /* fill free slots, resend stale ones */
    for (i = 0; i < window && n < BATCH; i++) {
      if (sl[i].r == -1) {
        if (next >= nreqs) {
          if (!cycle) continue;
          next = 0;
        }
        sl[i].r = (long)next++;
        inflight++;
      } else if (t - sl[i].at < 500)
        continue;
      sl[i].at = t;
      iov[n].iov_base = reqs[sl[i].r].p;
      iov[n].iov_len = reqs[sl[i].r].len;
      memset(&mm[n].msg_hdr, 0, sizeof mm[n].msg_hdr);
      mm[n].msg_hdr.msg_iov = &iov[n];
      mm[n].msg_hdr.msg_iovlen = 1;
      n++;
    }
    if (n && sendmmsg(fd, mm, (unsigned)n, 0) == -1 && errno != EAGAIN && errno != ENOBUFS &&
        errno != ECONNREFUSED)
      die("sendmmsg");
    if (poll(&pf, 1, 20) <= 0) continue;
    for (i = 0; i < BATCH; i++) {
      iov[i].iov_base = in[i];
      iov[i].iov_len = sizeof in[i];
      memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
      mm[i].msg_hdr.msg_iov = &iov[i];
      mm[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
    for (i = 0; i < n; i++) {
      unsigned char plain[PACKET_MAX], rid[PACKET_REQID];
      const unsigned char *body;
      size_t bl;
      int j;
      if (packet_open_response(in[i], mm[i].msg_len, kind, k, plain, &body, &bl, rid) == -1) continue;
      for (j = 0; j < window; j++)
        if (sl[j].r != -1 && !memcmp(reqs[sl[j].r].reqid, rid, PACKET_REQID)) break;
      if (j == window) continue; /* an answer to a resent request, already counted */
      sl[j].r = -1;
      inflight--;
      left--;
      (*answers)++;
      if (bl >= 1 && body[0] == MSG_OK) (*ok)++;
    }
  }
  return now_ms() - t0;
}

static void seal(size_t i, int kind, const unsigned char pk[32], const unsigned char *body,
                 size_t len, size_t padto)
{
  unsigned char pkt[PACKET_MAX];
  int n = packet_seal_request(pkt, kind, pk, k, body, len, padto, reqs[i].reqid);
  if (n == -1) die("seal");
  reqs[i].p = malloc((size_t)n);
  if (!reqs[i].p) die("malloc");
  memcpy(reqs[i].p, pkt, (size_t)n);
  reqs[i].len = (size_t)n;
}

static int notify(char **a)
{
  unsigned char spk[32], pk[32], sk[32], body[PACKET_MAX];
  struct msg_note n;
  size_t users = strtoul(a[6], NULL, 10), count = strtoul(a[7], NULL, 10), i;
  int window = atoi(a[8]), dfd;
  uint64_t answers = 0, ok = 0;
  int64_t ms;
  key_from_hex(spk, a[2]);
  dfd = open(a[3], O_RDONLY | O_DIRECTORY);
  if (dfd == -1 || keys_read(dfd, "secret", sk, 32) == -1 || keys_read_hex(dfd, "public", pk) == -1)
    die("unable to read the sender's keys");
  if (crypto_box_beforenm(k, spk, sk) != 0) die("beforenm");
  if (window < 1 || window > WMAX || users < 1) { errno = EINVAL; die("window or users"); }
  reqs = calloc(count, sizeof *reqs);
  if (!reqs) die("calloc");
  memset(&n, 0, sizeof n);
  snprintf(n.sender, sizeof n.sender, "%s", a[4]);
  n.size = 10240;
  for (i = 0; i < count; i++) {
    struct wr w;
    snprintf(n.rcpt, sizeof n.rcpt, "im2kbu%zu@%s", 1 + i % users, a[5]);
    randombytes_buf(n.handle, sizeof n.handle);
    randombytes_buf(n.hash, sizeof n.hash);
    randombytes_buf(n.token, sizeof n.token);
    wr_init(&w, body, PACKET_QBODY_MAX);
    msg_put_note(&w, &n);
    if (w.err) { errno = EINVAL; die("note too long"); }
    seal(i, KIND_NOTIFY, pk, body, w.pos, 0);
  }
  nreqs = count;
  open_sock(a[0], a[1]);
  ms = run(window, 0, 0, KIND_NOTIFY, &answers, &ok);
  printf("notify %zu %llu %llu %.3f %.0f\n", count, (unsigned long long)ok,
         (unsigned long long)(answers - ok), ms / 1000.0, ms ? answers * 1000.0 / ms : 0);
  return 0;
}

static int fetch(char **a)
{
  unsigned char spk[32], pk[32], sk[32], tk[TOKEN_KEY], body[PACKET_MAX];
  struct msg_fetch_req q;
  uint64_t size = strtoull(a[6], NULL, 10), answers = 0, ok = 0;
  double secs = atof(a[7]);
  int window = atoi(a[8]), tfd;
  size_t i, blocks;
  int64_t ms;
  key_from_hex(spk, a[2]);
  tfd = open(a[3], O_RDONLY);
  if (tfd == -1 || read(tfd, tk, sizeof tk) != (ssize_t)sizeof tk) die("unable to read the token key");
  crypto_box_keypair(pk, sk);
  if (crypto_box_beforenm(k, spk, sk) != 0) die("beforenm");
  if (window < 1 || window > WMAX) { errno = EINVAL; die("window"); }
  memset(&q, 0, sizeof q);
  if (hex_decode(q.handle, MSG_HANDLE, a[4], strlen(a[4])) == -1) { errno = EINVAL; die("handle"); }
  snprintf(q.rcpt, sizeof q.rcpt, "%s", a[5]);
  token_make(q.token, tk, q.handle, q.rcpt);
  blocks = (size_t)(size / 1024);
  if (blocks < 2) { errno = EINVAL; die("message too small"); }
  nreqs = 4096;
  reqs = calloc(nreqs, sizeof *reqs);
  if (!reqs) die("calloc");
  for (i = 0; i < nreqs; i++) {
    struct wr w;
    q.offset = 1024 * (1 + i % (blocks - 1));
    q.want = 1024;
    wr_init(&w, body, PACKET_QBODY_MAX);
    msg_put_fetch_req(&w, &q);
    seal(i, KIND_FETCH, pk, body, w.pos, PACKET_MAX);
  }
  open_sock(a[0], a[1]);
  ms = run(window, 1, now_ms() + (int64_t)(secs * 1000), KIND_FETCH, &answers, &ok);
  printf("fetch %llu %llu %.3f %.0f\n", (unsigned long long)answers, (unsigned long long)ok,
         ms / 1000.0, ms ? answers * 1000.0 / ms : 0);
  return 0;
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) { errno = 0; die("sodium_init"); }
  if (argc == 11 && !strcmp(argv[1], "notify")) return notify(argv + 2);
  if (argc == 11 && !strcmp(argv[1], "fetch")) return fetch(argv + 2);
  fprintf(stderr, "usage: im2kb-load notify IP PORT SERVERPK KEYDIR SENDER DOMAIN USERS COUNT WINDOW\n"
                  "       im2kb-load fetch IP PORT SERVERPK TOKENKEY HANDLE RCPT SIZE SECONDS WINDOW\n");
  return 111;
}
