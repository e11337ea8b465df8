/* im2k-remote: the SMTP client (RFC 5321) of the sender's ISP.  Run by
 * im2k-notifyd for one recipient whose domain has no im2k server: takes
 * the archived message on stdin to the domain's mail exchanger (or the
 * host control/smtproutes names) and prints one result line, K (taken),
 * Z (try again later) or D (refused for good), with the server's reply.
 * SECURITY: runs as notifyd's account, never as root; trusts its home's
 * control files and its arguments (checked all the same, so that nothing
 * can put a line end into a command); everything from the network and
 * from DNS is untrusted: replies are read by lib/smtpc (bounded lines and
 * replies, timeouts on every read and write) and reach the result line
 * only as printable ASCII, cut at 400 bytes. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "dns.h"
#include "file.h"
#include "home.h"
#include "servers.h"
#include "smtpc.h"
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESULT_MAX 400      /* the result line, its letter included */
#define TARGETS_MAX 64      /* addresses tried, at most */
#define MXADDRS_MAX 8       /* addresses taken from one host */
#define CHUNK 65536
#define QUIT_MS 10000       /* the most we wait for QUIT's reply */

static const char *domain, *sender, *rcpt;
static char me[256], home[HOME_MAX];
static int homefd;
static int connect_ms, remote_ms;
/* the address connections leave from: control/outgoingip (must be
 * bound), else this ISP's own address (bound when it is local) */
static struct in_addr outip;
static int outset, outmust;

/* the message: its length on stdin, on the wire, and whether it has
 * bytes over 127 */
static uint64_t msglen, wirelen;
static int eightbit;
static unsigned char chunk[CHUNK], wire[SMTPC_DATA_ROOM(CHUNK)];

struct target {
  struct in_addr a;
  uint16_t port;
};
static struct target tg[TARGETS_MAX];
static int ntg;

/* the connection: its socket, the peer's address for the result, the
 * input read ahead, the last reply; talking when a command may be sent
 * (no reply pending, no message half sent) */
static int fd = -1, talking;
static char peer[INET_ADDRSTRLEN + 8];
static unsigned char inbuf[4096];
static size_t inpos, inlen;
static struct smtpc_reply rep;
/* why the last address did not take the message */
static char lasterr[RESULT_MAX + 64];

static void hangup(void)
{
  if (fd != -1) close(fd);
  fd = -1;
  talking = 0;
}

static int put(const void *p, size_t n, int ms);
static int getreply(int ms);

/* result: the one line on stdout, then QUIT when the session allows it */
static _Noreturn void result(char kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void result(char kind, const char *fmt, ...)
{
  char t[1024], line[RESULT_MAX + 1];
  size_t i, k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t, sizeof t, fmt, ap);
  va_end(ap);
  line[k++] = kind;
  for (i = 0; t[i] && k < RESULT_MAX; i++) {
    unsigned char c = (unsigned char)t[i];
    line[k++] = c >= 32 && c < 127 ? (char)c : '?';
  }
  line[k++] = '\n';
  if (file_write_all(1, line, k) == -1) die_sys(EXIT_TEMP, "unable to write the result");
  if (talking) {
    int ms = remote_ms < QUIT_MS ? remote_ms : QUIT_MS;
    if (put("QUIT\r\n", 6, ms) == 0) (void)getreply(ms);
  }
  hangup();
  exit(EXIT_OK);
}

static int waitfor(short events, int ms)
{
  struct pollfd p;
  int64_t end = now_ms() + ms;
  p.fd = fd;
  p.events = events;
  for (;;) {
    int64_t left = end - now_ms();
    int k;
    if (left < 0) left = 0;
    k = poll(&p, 1, (int)left);
    if (k == -1 && errno == EINTR) continue;
    if (k == -1) return -1;
    if (k == 0) { errno = ETIMEDOUT; return -1; }
    return 0;
  }
}

/* put: all of p[0..n), each write within ms; -1 with errno */
static int put(const void *p, size_t n, int ms)
{
  const unsigned char *q = p;
  while (n) {
    ssize_t w;
    if (waitfor(POLLOUT, ms) == -1) return -1;
    w = send(fd, q, n, MSG_NOSIGNAL);
    if (w == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (w == -1) return -1;
    q += w;
    n -= (size_t)w;
  }
  return 0;
}

/* getreply: the next whole reply into rep, within ms; -1 with errno
 * (ETIMEDOUT, ECONNRESET for a close, EPROTO for a bad reply) */
static int getreply(int ms)
{
  int64_t end = now_ms() + ms;
  smtpc_reply_init(&rep);
  for (;;) {
    ssize_t r;
    int64_t left;
    if (inpos < inlen) inpos += smtpc_reply_feed(&rep, inbuf + inpos, inlen - inpos);
    if (rep.done) {
      if (rep.err != SMTPC_OK) { errno = EPROTO; return -1; }
      return 0;
    }
    left = end - now_ms();
    if (left <= 0) { errno = ETIMEDOUT; return -1; }
    if (waitfor(POLLIN, (int)left) == -1) return -1;
    r = recv(fd, inbuf, sizeof inbuf, 0);
    if (r == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (r == -1) return -1;
    if (r == 0) { errno = ECONNRESET; return -1; }
    inpos = 0;
    inlen = (size_t)r;
  }
}

/* lost: why the session broke during what (a read or write failed) */
static void lost(const char *what, int err)
{
  if (err == ETIMEDOUT)
    snprintf(lasterr, sizeof lasterr, "timeout talking to %s (%s)", peer, what);
  else if (err == ECONNRESET || err == EPIPE)
    snprintf(lasterr, sizeof lasterr, "%s closed the connection (%s)", peer, what);
  else if (err == EPROTO)
    snprintf(lasterr, sizeof lasterr, "%s sent a bad reply: %s (%s)", peer,
             smtpc_err_str(rep.err), what);
  else
    snprintf(lasterr, sizeof lasterr, "connection to %s lost: %s (%s)", peer, strerror(err),
             what);
  hangup();
}

/* command: send line (CRLF added) and read its reply; -1 (lasterr set,
 * connection closed) when either fails */
static int command(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int command(const char *step, const char *fmt, ...)
{
  char l[1100], what[32];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(l, sizeof l - 2, fmt, ap);
  va_end(ap);
  snprintf(what, sizeof what, "the reply to %s", step);
  if (n < 0 || (size_t)n >= sizeof l - 2) { lost(what, EINVAL); return -1; }
  memcpy(l + n, "\r\n", 2);
  talking = 0;
  if (put(l, (size_t)n + 2, remote_ms) == -1) { lost(what, errno); return -1; }
  if (getreply(remote_ms) == -1) { lost(what, errno); return -1; }
  talking = 1;
  return 0;
}

/* said: the server's reply as the reason */
static void said(void)
{
  snprintf(lasterr, sizeof lasterr, "%s said: %s", peer, rep.text);
}

/* refused: the reply to MAIL, RCPT, DATA or the message was not the one
 * wanted: a 5xx is final, anything else is for later */
static _Noreturn void refused(void)
{
  result(rep.code >= 500 ? 'D' : 'Z', "%s said: %s", peer, rep.text);
}

static int dial(const struct target *t)
{
  struct sockaddr_in sa;
  int err = 0;
  socklen_t el = sizeof err;
  char ip[INET_ADDRSTRLEN];
  if (!inet_ntop(AF_INET, &t->a, ip, sizeof ip)) snprintf(ip, sizeof ip, "?");
  snprintf(peer, sizeof peer, "%s", ip);
  inpos = inlen = 0;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) {
    snprintf(lasterr, sizeof lasterr, "unable to make a socket: %s", strerror(errno));
    return -1;
  }
  if (outset) {
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr = outip;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 && (outmust || errno != EADDRNOTAVAIL)) {
      char o[INET_ADDRSTRLEN];
      if (!inet_ntop(AF_INET, &outip, o, sizeof o)) snprintf(o, sizeof o, "?");
      snprintf(lasterr, sizeof lasterr, "unable to bind the outgoing address %s: %s", o, strerror(errno));
      close(fd);
      fd = -1;
      return -1;
    }
  }
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr = t->a;
  sa.sin_port = htons(t->port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
    if (errno != EINPROGRESS && errno != EINTR) err = errno;
    else if (waitfor(POLLOUT, connect_ms) == -1) err = errno;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1) err = errno;
  }
  if (err) {
    if (err == ETIMEDOUT)
      snprintf(lasterr, sizeof lasterr, "connection to %s:%u timed out", ip, (unsigned)t->port);
    else
      snprintf(lasterr, sizeof lasterr, "connection to %s:%u failed: %s", ip, (unsigned)t->port,
               strerror(err));
    hangup();
    return -1;
  }
  return 0;
}

/* data: the message, read again from stdin, as it goes on the wire.  A
 * failure leaves the server without the final dot: it drops what it got. */
static void data(void)
{
  struct smtpc_data d;
  uint64_t off = 0;
  size_t k;
  unsigned char end[5];
  smtpc_data_init(&d);
  talking = 0;
  while (off < msglen) {
    size_t want = msglen - off < CHUNK ? (size_t)(msglen - off) : CHUNK;
    ssize_t r = pread(0, chunk, want, (off_t)off);
    if (r == -1 && errno == EINTR) continue;
    if (r <= 0) {
      int e = errno;
      hangup();
      if (r == 0) result('Z', "the message on stdin shrank while it was sent");
      result('Z', "unable to read the message: %s", strerror(e));
    }
    k = smtpc_data_feed(&d, chunk, (size_t)r, wire);
    if (put(wire, k, remote_ms) == -1) {
      lost("the message", errno);
      result('Z', "%s", lasterr);
    }
    off += (size_t)r;
  }
  k = smtpc_data_end(&d, end);
  if (put(end, k, remote_ms) == -1 || getreply(remote_ms) == -1) {
    lost("the reply to the message", errno);
    result('Z', "%s", lasterr);
  }
  talking = 1;
}

/* attempt: one address.  Returns (lasterr set) when it does not answer or
 * will not talk; once MAIL is sent, the session decides the result. */
static void attempt(const struct target *t)
{
  char params[64] = "";
  unsigned ext;
  if (dial(t) == -1) return;
  if (getreply(remote_ms) == -1) { lost("the greeting", errno); return; }
  talking = 1;
  if (rep.code / 100 != 2) { said(); goto next; }
  if (command("EHLO", "EHLO %s", me) == -1) return;
  ext = rep.ext;
  if (rep.code / 100 == 5) {
    ext = 0;
    if (command("HELO", "HELO %s", me) == -1) return;
  }
  if (rep.code / 100 != 2) { said(); goto next; }
  if (eightbit && (ext & SMTPC_EXT_8BITMIME)) strcat(params, " BODY=8BITMIME");
  if (ext & SMTPC_EXT_SIZE)
    snprintf(params + strlen(params), sizeof params - strlen(params), " SIZE=%llu",
             (unsigned long long)wirelen);
  if (command("MAIL", "MAIL FROM:<%s>%s", sender, params) == -1) result('Z', "%s", lasterr);
  if (rep.code / 100 != 2) refused();
  if (command("RCPT", "RCPT TO:<%s>", rcpt) == -1) result('Z', "%s", lasterr);
  if (rep.code / 100 != 2) refused();
  if (command("DATA", "DATA") == -1) result('Z', "%s", lasterr);
  if (rep.code != 354) refused();
  data();
  if (rep.code / 100 == 2) result('K', "%s said: %s", peer, rep.text);
  refused();
next:
  /* a greeting or HELO refused: QUIT, and on to the next address */
  {
    int ms = remote_ms < QUIT_MS ? remote_ms : QUIT_MS;
    if (put("QUIT\r\n", 6, ms) == 0) (void)getreply(ms);
  }
  hangup();
}

static void add(struct in_addr a, uint16_t port)
{
  int i;
  for (i = 0; i < ntg; i++)
    if (tg[i].a.s_addr == a.s_addr && tg[i].port == port) return;
  if (ntg == TARGETS_MAX) return;
  tg[ntg].a = a;
  tg[ntg].port = port;
  ntg++;
}

static void dnsconf(struct dns_conf *c)
{
  if (dns_conf_read(homefd, c) == -1) {
    if (errno == EINVAL) result('Z', "control/dnsip is bad");
    result('Z', "unable to read the DNS configuration: %s", strerror(errno));
  }
}

/* route: the addresses to try, in order */
static void route(void)
{
  unsigned char *p = NULL;
  size_t n = 0, i;
  unsigned long bad;
  struct smtpc_route rt;
  struct dns_conf dc;
  struct dns_mx mx[DNS_MX_MAX];
  struct in_addr a[MXADDRS_MAX];
  int found = 0, na, nmx, r, j, tempfail = 0;
  uint16_t port = 25;
  if (file_read(homefd, "control/smtproutes", 1 << 20, &p, &n) == 0) {
    found = smtpc_route(p, n, domain, &rt, &bad);
    free(p);
    if (found == -1) result('Z', "control/smtproutes line %lu is bad", bad);
  } else if (errno != ENOENT) {
    result('Z', "unable to read control/smtproutes: %s", strerror(errno));
  }
  if (found) port = rt.port;
  if (found && rt.host[0]) {
    if (inet_pton(AF_INET, rt.host, &a[0]) == 1) { add(a[0], port); return; }
    dnsconf(&dc);
    r = dns_a(&dc, rt.host, a, MXADDRS_MAX, &na);
    if (r == DNS_FAIL) result('Z', "temporary DNS failure looking up %s (control/smtproutes)", rt.host);
    if (r == DNS_NONE) result('Z', "no address for %s (control/smtproutes)", rt.host);
    for (j = 0; j < na; j++) add(a[j], port);
    return;
  }
  dnsconf(&dc);
  r = dns_mx(&dc, domain, mx, &nmx);
  if (r == DNS_FAIL) result('Z', "temporary DNS failure looking up the MX records of %s", domain);
  if (r == DNS_NULLMX) result('D', "%s takes no mail (its MX record is the null MX of RFC 7505)", domain);
  if (r == DNS_NONE) {
    /* no mail exchanger: the domain's own address (RFC 5321 5.1) */
    r = dns_a(&dc, domain, a, MXADDRS_MAX, &na);
    if (r == DNS_FAIL) result('Z', "temporary DNS failure looking up the address of %s", domain);
    if (r == DNS_NONE) result('D', "no mail exchanger for %s", domain);
    for (j = 0; j < na; j++) add(a[j], port);
    return;
  }
  for (i = 0; i < (size_t)nmx; i++) {
    if (!domain_check(mx[i].host, strlen(mx[i].host))) continue;
    r = dns_a(&dc, mx[i].host, a, MXADDRS_MAX, &na);
    if (r == DNS_FAIL) tempfail = 1;
    for (j = 0; r == DNS_FOUND && j < na; j++) add(a[j], port);
  }
  if (!ntg && tempfail)
    result('Z', "temporary DNS failure looking up the mail exchangers of %s", domain);
  if (!ntg) result('D', "no address for any mail exchanger of %s", domain);
}

/* scan: the message's length, on stdin and on the wire, and its 8-bit
 * bytes, before MAIL needs them */
static void scan(void)
{
  struct smtpc_data d;
  uint64_t off = 0;
  unsigned char end[5];
  smtpc_data_init(&d);
  for (;;) {
    ssize_t r = pread(0, chunk, CHUNK, (off_t)off);
    if (r == -1 && errno == EINTR) continue;
    if (r == -1) die_sys(EXIT_TEMP, "unable to read the message on stdin");
    if (r == 0) break;
    (void)smtpc_data_feed(&d, chunk, (size_t)r, wire);
    off += (size_t)r;
  }
  (void)smtpc_data_end(&d, end);
  msglen = off;
  wirelen = d.out;
  eightbit = d.eightbit;
}

int main(int argc, char **argv)
{
  struct stat st;
  uint64_t v;
  int i;
  die_prog = "im2k-remote";
  if (argc != 4) die(EXIT_PERM, "usage: im2k-remote DOMAIN SENDER RCPT < message");
  domain = argv[1];
  sender = argv[2];
  rcpt = argv[3];
  if (!domain_check(domain, strlen(domain))) die(EXIT_PERM, "bad domain");
  domain_lower(argv[1]);
  if (sender[0] && !addr_check(sender, strlen(sender))) die(EXIT_PERM, "bad sender address");
  if (!addr_check(rcpt, strlen(rcpt))) die(EXIT_PERM, "bad recipient address");
  if (getuid() == 0 || geteuid() == 0) die(EXIT_TEMP, "refusing to run as root");
  if (fstat(0, &st) == -1) die_sys(EXIT_TEMP, "unable to read the message on stdin");
  if (!S_ISREG(st.st_mode)) die(EXIT_PERM, "stdin is not a regular file (the message)");
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die_sys(EXIT_TEMP, "unable to ignore SIGPIPE");
  homefd = home_open(home);
  if (homefd == -1) die_sys(EXIT_TEMP, "unable to open the home %s", home);
  if (ctl_me(homefd, me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", home);
  if (ctl_uint(homefd, "control/timeoutconnect", 60, 86400, &v) == -1 || v == 0)
    die(EXIT_TEMP, "%s/control/timeoutconnect: want a number of seconds from 1 to 86400", home);
  connect_ms = (int)v * 1000;
  if (ctl_uint(homefd, "control/timeoutremote", 1200, 86400, &v) == -1 || v == 0)
    die(EXIT_TEMP, "%s/control/timeoutremote: want a number of seconds from 1 to 86400", home);
  remote_ms = (int)v * 1000;
  {
    char ip[64];
    struct server self;
    char m2[256];
    int r = ctl_line(homefd, "control/outgoingip", ip, sizeof ip);
    if (r == -1 && errno != ENOENT)
      die(EXIT_TEMP, "%s/control/outgoingip: want one IPv4 address", home);
    if (r == 1) {
      if (inet_pton(AF_INET, ip, &outip) != 1) die(EXIT_TEMP, "%s/control/outgoingip: want one IPv4 address", home);
      outset = outmust = 1;
    } else if (servers_me(homefd, m2, &self) == 0 && inet_pton(AF_INET, self.ip, &outip) == 1)
      outset = 1;
  }
  scan();
  route();
  for (i = 0; i < ntg; i++) attempt(&tg[i]);
  result('Z', "%s", lasterr);
}
