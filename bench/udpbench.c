/* udpbench: the plain UDP yardstick for the benchmarks: what one core
 * moves in 1200-byte datagrams with recvmmsg/sendmmsg and no crypto, no
 * files to look up, no protocol.  Not installed; loopback only.
 *   udpbench echo IP PORT
 *       answers every datagram with itself, in batches, until killed.
 *   udpbench rr IP PORT SECONDS WINDOW
 *       keeps WINDOW 1200-byte requests at the echo server, counts the
 *       answers for SECONDS; prints "rr ANSWERS SECONDS RATE".
 *   udpbench sink IP PORT FILE
 *       receives one blast into FILE (the data of each datagram at its
 *       place), fsyncs it; prints "sink BYTES SECONDS MIBPS LOST".
 *   udpbench blast IP PORT BYTES
 *       sends BYTES to a sink in datagrams of 8 bytes of sequence number
 *       and 1192 bytes of data, never more than the sink's credit allows.
 * Exit 0, 111 on a local error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DGRAM 1200
#define DATA (DGRAM - 8)
#define BATCH 64
#define CREDIT 512 /* datagrams a blast may have beyond the sink's count */

static void die(const char *what)
{
  fprintf(stderr, "udpbench: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void addr(struct sockaddr_in *sa, const char *ip, const char *port)
{
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)atoi(port));
  if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) { errno = EINVAL; die("bad address"); }
}

static int sock(void)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 8 << 20;
  if (fd == -1) die("socket");
  /* as root the buffers may exceed the sysctl limits */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) == -1)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) == -1)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  return fd;
}

static unsigned char bufs[BATCH][DGRAM + 1];
static struct mmsghdr mm[BATCH];
static struct iovec iov[BATCH];
static struct sockaddr_in from[BATCH];

static void prep(size_t len)
{
  int i;
  memset(mm, 0, sizeof mm);
  for (i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = len;
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_name = &from[i];
    mm[i].msg_hdr.msg_namelen = sizeof from[i];
  }
}

static _Noreturn void echo(const char *ip, const char *port)
{
  struct sockaddr_in sa;
  int fd = sock(), n, i;
  addr(&sa, ip, port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("bind");
  for (;;) {
    prep(DGRAM + 1);
    n = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
    if (n == -1) {
      if (errno == EINTR) continue;
      die("recvmmsg");
    }
    for (i = 0; i < n; i++) iov[i].iov_len = mm[i].msg_len;
    if (sendmmsg(fd, mm, (unsigned)n, 0) == -1 && errno != EAGAIN && errno != ENOBUFS) die("sendmmsg");
  }
}

static int rr(const char *ip, const char *port, double secs, int window)
{
  struct sockaddr_in sa;
  int fd = sock(), inflight = 0, n, i;
  uint64_t answers = 0;
  double t0, end, last;
  addr(&sa, ip, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("connect");
  t0 = now();
  end = t0 + secs;
  last = t0;
  while (now() < end) {
    struct pollfd pf = {fd, POLLIN, 0};
    int want = window - inflight;
    if (want > BATCH) want = BATCH;
    if (want > 0) {
      prep(DGRAM);
      for (i = 0; i < want; i++) memset(bufs[i], 'x', DGRAM), mm[i].msg_hdr.msg_name = NULL, mm[i].msg_hdr.msg_namelen = 0;
      n = sendmmsg(fd, mm, (unsigned)want, 0);
      if (n > 0) inflight += n;
    }
    if (poll(&pf, 1, 10) <= 0) {
      /* nothing for 100 ms: what was in flight is lost */
      if (now() - last > 0.1) { inflight = 0; last = now(); }
      continue;
    }
    prep(DGRAM + 1);
    n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
    if (n > 0) {
      answers += (uint64_t)n;
      inflight -= n;
      if (inflight < 0) inflight = 0;
      last = now();
    }
  }
  secs = now() - t0;
  printf("rr %llu %.3f %.0f\n", (unsigned long long)answers, secs, (double)answers / secs);
  return 0;
}

static int sink(const char *ip, const char *port, const char *file)
{
  struct sockaddr_in sa, peer;
  int fd = sock(), out, n, i, havepeer = 0;
  uint64_t got = 0, total = UINT64_MAX, bytes = 0;
  double t0 = 0, t1;
  addr(&sa, ip, port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("bind");
  out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out == -1) die("open");
  for (;;) {
    struct pollfd pf = {fd, POLLIN, 0};
    unsigned char c[8];
    int r = poll(&pf, 1, t0 == 0 ? 60000 : 1000);
    if (r == -1 && errno != EINTR) die("poll");
    if (r == 0) break; /* a second with nothing: the rest was lost */
    prep(DGRAM + 1);
    n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) continue;
    if (t0 == 0) t0 = now();
    for (i = 0; i < n; i++) {
      uint64_t seq = 0;
      int k;
      if (mm[i].msg_len < 8) continue;
      for (k = 0; k < 8; k++) seq = seq << 8 | bufs[i][k];
      if (mm[i].msg_len == 8) { total = seq; continue; } /* the end: the count sent */
      if (pwrite(out, bufs[i] + 8, mm[i].msg_len - 8, (off_t)(seq * DATA)) == -1) die("write");
      bytes += mm[i].msg_len - 8;
      got++;
    }
    peer = from[0];
    havepeer = 1;
    /* credit: how many have arrived */
    for (i = 0; i < 8; i++) c[i] = (unsigned char)(got >> (56 - 8 * i));
    if (sendto(fd, c, 8, 0, (struct sockaddr *)&peer, sizeof peer) == -1 && errno != EAGAIN) die("sendto");
    if (got >= total) break;
  }
  (void)havepeer;
  if (fsync(out) == -1 || close(out) == -1) die("fsync");
  t1 = now();
  printf("sink %llu %.3f %.1f %llu\n", (unsigned long long)bytes, t1 - t0,
         (double)bytes / 1048576 / (t1 - t0),
         (unsigned long long)(total == UINT64_MAX ? 0 : total - got));
  return 0;
}

static int blast(const char *ip, const char *port, uint64_t bytes)
{
  struct sockaddr_in sa;
  int fd = sock(), n, i, k;
  uint64_t count = (bytes + DATA - 1) / DATA, sent = 0, credit = 0;
  double last = now();
  addr(&sa, ip, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) die("connect");
  while (sent < count) {
    struct pollfd pf = {fd, POLLIN, 0};
    uint64_t room = credit + CREDIT > sent ? credit + CREDIT - sent : 0;
    if (room > BATCH) room = BATCH;
    if (room > count - sent) room = count - sent;
    if (room) {
      prep(DGRAM);
      for (i = 0; i < (int)room; i++) {
        uint64_t s = sent + (uint64_t)i;
        for (k = 0; k < 8; k++) bufs[i][k] = (unsigned char)(s >> (56 - 8 * k));
        memset(bufs[i] + 8, (int)(s & 0xff), DATA);
        if (s == count - 1 && bytes % DATA) iov[i].iov_len = 8 + bytes % DATA;
        mm[i].msg_hdr.msg_name = NULL;
        mm[i].msg_hdr.msg_namelen = 0;
      }
      n = sendmmsg(fd, mm, (unsigned)room, 0);
      if (n > 0) sent += (uint64_t)n;
    }
    if (poll(&pf, 1, room ? 0 : 10) > 0) {
      unsigned char c[8];
      while (recv(fd, c, sizeof c, MSG_DONTWAIT) == 8) {
        uint64_t v = 0;
        for (k = 0; k < 8; k++) v = v << 8 | c[k];
        if (v > credit) credit = v;
        last = now();
      }
    } else if (!room && now() - last > 0.2) {
      credit = sent; /* datagrams were lost: go on without them */
      last = now();
    }
  }
  for (k = 0; k < 8; k++) bufs[0][k] = (unsigned char)(count >> (56 - 8 * k));
  for (i = 0; i < 5; i++) { /* the end, sent a few times */
    struct timespec ts = {0, 20000000};
    if (send(fd, bufs[0], 8, 0) == -1 && errno != ECONNREFUSED) die("send");
    nanosleep(&ts, NULL);
  }
  return 0;
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  if (argc == 4 && !strcmp(argv[1], "echo")) echo(argv[2], argv[3]);
  if (argc == 6 && !strcmp(argv[1], "rr")) return rr(argv[2], argv[3], atof(argv[4]), atoi(argv[5]));
  if (argc == 5 && !strcmp(argv[1], "sink")) return sink(argv[2], argv[3], argv[4]);
  if (argc == 5 && !strcmp(argv[1], "blast")) return blast(argv[2], argv[3], strtoull(argv[4], NULL, 10));
  fprintf(stderr, "usage: udpbench echo IP PORT | rr IP PORT SECONDS WINDOW | sink IP PORT FILE | blast IP PORT BYTES\n");
  return 111;
}
