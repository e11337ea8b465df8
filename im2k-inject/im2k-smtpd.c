/* im2k-smtpd: the SMTP receiver (RFC 5321) for mail from the old world,
 * run by tcpserver: the session on descriptors 0 and 1, the peer in
 * TCPREMOTEIP.  It takes mail only for this host's own users (RCPT TO
 * LOCAL@ME, LOCAL in control/users.cdb), never relays, and stores each
 * message through im2k-archive in the archive of the account it runs as
 * (the gateway account) before it answers 250; im2k-notifyd then
 * notifies each recipient's inbox as for any other sender.
 * SECURITY: runs as the gateway account, never as root; everything read
 * from the network is untrusted and parsed by lib/smtp; lines, messages
 * and recipients are bounded; only CRLF.CRLF ends a message and a bare
 * CR or LF gets it refused, so no second message can be smuggled. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "envelope.h"
#include "file.h"
#include "home.h"
#include "smtp.h"
#include "table.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DATABYTES_DEFAULT 10485760
#define RCPT_MAX 100
#define ERRORS_MAX 20
#define TIMEOUT_MS (300 * 1000)

static char me[256], home[HOME_MAX], bindir[HOME_MAX];
static const char *remoteip = "unknown";
static unsigned char inbuf[8192];
static size_t inpos, inlen;
static char outbuf[4096];
static size_t outlen;

static void flush(void)
{
  size_t i = 0;
  while (i < outlen) {
    ssize_t w = write(1, outbuf + i, outlen - i);
    if (w == -1 && errno == EINTR) continue;
    if (w <= 0) _exit(EXIT_TEMP); /* the client is gone */
    i += (size_t)w;
  }
  outlen = 0;
}

/* reply: one line, CRLF added; held until the input is drained, so that
 * the replies to pipelined commands go out together (RFC 2920) */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
  char line[600];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof line - 2, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n > sizeof line - 3) n = (int)(sizeof line - 3);
  memcpy(line + n, "\r\n", 2);
  n += 2;
  if (outlen + (size_t)n > sizeof outbuf) flush();
  memcpy(outbuf + outlen, line, (size_t)n);
  outlen += (size_t)n;
}

static _Noreturn void quit(const char *why)
{
  reply("421 4.3.0 %s closing connection: %s", me[0] ? me : "im2k-smtpd", why);
  flush();
  info("%s: closed: %s", remoteip, why);
  _exit(EXIT_TEMP);
}

/* fill: more input, after the pending replies went out; 0 at EOF */
static size_t fill(void)
{
  struct pollfd p;
  ssize_t r;
  flush();
  p.fd = 0;
  p.events = POLLIN;
  for (;;) {
    int k = poll(&p, 1, TIMEOUT_MS);
    if (k == -1 && errno == EINTR) continue;
    if (k == 0) quit("timeout");
    if (k == -1) quit("unable to read");
    break;
  }
  do r = read(0, inbuf, sizeof inbuf);
  while (r == -1 && errno == EINTR);
  if (r == -1) return 0;
  inpos = 0;
  inlen = (size_t)r;
  return inlen;
}

/* getline: one command line, CR LF or LF removed; 0 at EOF.  *toolong
 * is set for a line over SMTP_LINE_MAX, read to its end and dropped. */
static int getcmd(char *l, size_t *n, int *toolong)
{
  size_t k = 0;
  *toolong = 0;
  for (;;) {
    unsigned char c;
    if (inpos >= inlen && fill() == 0) return 0;
    c = inbuf[inpos++];
    if (c == '\n') break;
    if (k < SMTP_LINE_MAX) l[k++] = (char)c;
    else *toolong = 1;
  }
  if (k && l[k - 1] == '\r') k--;
  if (k > SMTP_LINE_MAX - 2) *toolong = 1;
  *n = k;
  return 1;
}

/* clean: s made safe for a header or a log line: printable, no
 * parentheses or brackets, at most 64 bytes */
static void clean(char *out, size_t max, const char *s, size_t n)
{
  size_t i, k = 0;
  for (i = 0; i < n && k + 1 < max && k < 64; i++) {
    unsigned char c = (unsigned char)s[i];
    out[k++] = c > 32 && c < 127 && !strchr("()[]<>", c) ? (char)c : '?';
  }
  out[k] = 0;
}

struct txn {
  int mail;
  char from[SMTP_PATH_MAX + 1];
  char *rcpt[RCPT_MAX];
  size_t nrcpt;
};

static void txn_reset(struct txn *t)
{
  size_t i;
  for (i = 0; i < t->nrcpt; i++) free(t->rcpt[i]);
  t->nrcpt = 0;
  t->mail = 0;
  t->from[0] = 0;
}

/* rcpt: the reply to RCPT TO:<a> */
static void rcpt(struct txn *t, int hfd, const char *arg, size_t n)
{
  char a[SMTP_PATH_MAX + 1], full[SMTP_PATH_MAX + 300], v[300];
  const char *at;
  struct table users;
  size_t vl, ll, i;
  int r;
  switch (smtp_path(arg, n, 0, a, NULL)) {
  case SMTP_PATH_OK: break;
  case SMTP_PATH_SYNTAX: reply("501 5.5.4 syntax: RCPT TO:<address>"); return;
  case SMTP_PATH_ADDR: reply("553 5.1.3 bad recipient address"); return;
  case SMTP_PATH_PARAM: reply("555 5.5.4 RCPT takes no parameters here"); return;
  }
  if (!t->mail) { reply("503 5.5.1 MAIL first"); return; }
  if (t->nrcpt >= RCPT_MAX) { reply("452 4.5.3 too many recipients: send the rest again"); return; }
  /* a bare local part (postmaster) is this domain's */
  at = strrchr(a, '@');
  if (at) snprintf(full, sizeof full, "%s", a);
  else snprintf(full, sizeof full, "%s@%s", a, me);
  for (i = 0; full[i]; i++)
    if (full[i] >= 'A' && full[i] <= 'Z') full[i] = (char)(full[i] - 'A' + 'a');
  if (!addr_check(full, strlen(full))) { reply("553 5.1.3 bad recipient address"); return; }
  if (strcmp(addr_domain(full), me)) {
    reply("550 5.7.1 relaying denied: this server takes mail only for %s", me);
    return;
  }
  ll = (size_t)(addr_domain(full) - full) - 1;
  if (table_open(&users, hfd, "control/users.cdb") == -1) {
    warn_sys("unable to open %s/control/users.cdb", home);
    reply("451 4.3.0 temporary failure: try again later");
    return;
  }
  r = table_get(&users, full, ll, v, sizeof v, &vl);
  table_close(&users);
  if (r == -1) { reply("451 4.3.0 temporary failure: try again later"); return; }
  if (r == 0) { reply("550 5.1.1 no such user here"); return; }
  for (i = 0; i < t->nrcpt; i++)
    if (!strcmp(t->rcpt[i], full)) { reply("250 2.1.5 ok"); return; }
  t->rcpt[t->nrcpt] = strdup(full);
  if (!t->rcpt[t->nrcpt]) quit("out of memory");
  t->nrcpt++;
  reply("250 2.1.5 ok");
}

/* trace: the trace fields (man/im2k-smtpd.8) into head: the SMTP
 * envelope sender, then where the message came from; their length */
static size_t trace(char *head, size_t max, const struct txn *t, const char *helo, int esmtp)
{
  char date[64], host[80], hl[80];
  const char *rh = getenv("TCPREMOTEHOST");
  time_t now = time(NULL);
  int n;
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
  clean(host, sizeof host, rh ? rh : "", rh ? strlen(rh) : 0);
  clean(hl, sizeof hl, helo, strlen(helo));
  n = snprintf(head, max,
               "X-Envelope-From: <%s>\nReceived: from %s (%s%s[%s])\n\tby %s (im2k-smtpd) with %s; %s\n",
               t->from, hl[0] ? hl : "unknown", host, host[0] ? " " : "", remoteip, me,
               esmtp ? "ESMTP" : "SMTP", date);
  return n < 0 ? 0 : (size_t)n < max ? (size_t)n : max - 1;
}

/* not_whole: the reply to a message that did not reach im2k-archive
 * whole; it gets no envelope and keeps nothing */
static void not_whole(struct envelope_pipe *p, const struct smtp_data *d, uint64_t databytes)
{
  int r = envelope_close(p, NULL);
  if (d->bare) {
    reply("554 5.6.0 bare CR or bare LF in the message: lines must end with CRLF (RFC 5321 2.3.8); message refused");
    info("%s: refused: bare CR or LF", remoteip);
  } else if (d->toolong) {
    reply("500 5.5.2 a line of the message is over %d bytes: message refused", SMTP_LINE_MAX);
    info("%s: refused: line too long", remoteip);
  } else if (d->toolarge) {
    reply("552 5.3.4 message over %llu bytes: refused", (unsigned long long)databytes);
    info("%s: refused: message over %llu bytes", remoteip, (unsigned long long)databytes);
  } else if (r == ENVELOPE_PERM) {
    reply("554 5.3.0 message refused");
  } else {
    reply("451 4.3.0 unable to store the message: try again later");
  }
}

/* envelope_make: the envelope (lib/envelope); the sender is the gateway
 * account itself (an empty F) */
static int envelope_make(struct buf *env, const struct txn *t)
{
  size_t k;
  if (envelope_from(env, "")) return -1;
  for (k = 0; k < t->nrcpt; k++)
    if (envelope_to(env, t->rcpt[k])) return -1;
  return envelope_end(env);
}

/* stored: send the envelope, and the reply follows the archive's verdict */
static void stored(struct envelope_pipe *p, const struct txn *t, uint64_t bytes)
{
  char from[80];
  struct buf env;
  int ok, r;
  buf_init(&env, ENVELOPE_MAX);
  ok = envelope_make(&env, t) == 0;
  r = envelope_close(p, ok ? &env : NULL);
  buf_free(&env);
  if (r == -1) { reply("451 4.3.0 unable to wait for im2k-archive"); return; }
  clean(from, sizeof from, t->from, strlen(t->from));
  if (ok && r == ENVELOPE_STORED) {
    reply("250 2.0.0 ok: stored, %llu bytes", (unsigned long long)bytes);
    info("%s: accepted from <%s> for %zu recipient%s, %llu bytes", remoteip, from, t->nrcpt,
         t->nrcpt == 1 ? "" : "s", (unsigned long long)bytes);
  } else if (ok && r == ENVELOPE_PERM) {
    reply("554 5.3.0 message refused");
    info("%s: refused by im2k-archive", remoteip);
  } else {
    reply("451 4.3.0 unable to store the message: try again later");
    info("%s: im2k-archive failed: temporary", remoteip);
  }
}

/* data: read the message and store it.  The stream is always read to its
 * end, so that the session stays in step with the client whatever
 * happens to the message. */
static void data(struct txn *t, const char *helo, int esmtp, uint64_t databytes)
{
  char head[1200];
  unsigned char out[sizeof inbuf];
  struct envelope_pipe p;
  struct smtp_data d;
  size_t hn;

  if (envelope_open(&p, bindir) == -1) {
    warn_sys("unable to start im2k-archive");
    reply("451 4.3.0 unable to store the message: try again later");
    return;
  }
  /* a failed write is kept in p.err and stops the rest: seen at the end */
  hn = trace(head, sizeof head, t, helo, esmtp);
  (void)envelope_put(&p, head, hn);
  reply("354 go ahead: end with <CRLF>.<CRLF>");
  smtp_data_init(&d, databytes);
  while (!d.done) {
    size_t used, ol;
    if (inpos >= inlen && fill() == 0) {
      envelope_cancel(&p);
      info("%s: connection lost during DATA: message not accepted", remoteip);
      _exit(0);
    }
    used = smtp_data_feed(&d, inbuf + inpos, inlen - inpos, out, &ol);
    inpos += used;
    if (ol) (void)envelope_put(&p, out, ol);
  }
  if (d.bare || d.toolong || d.toolarge || p.err) not_whole(&p, &d, databytes);
  else stored(&p, t, d.out + hn);
}

/* start: the peer's address for the log, the home, this domain, the
 * message size limit and where im2k-archive is; the home's descriptor */
static int start(uint64_t *databytes)
{
  const char *ip = getenv("TCPREMOTEIP");
  int hfd;
  if (ip && *ip) {
    static char ipc[80];
    clean(ipc, sizeof ipc, ip, strlen(ip));
    remoteip = ipc;
  }
  if (getuid() == 0 || geteuid() == 0) quit("im2k-smtpd does not run as root");
  hfd = home_open(home);
  if (hfd == -1) { warn_sys("unable to open home %s", home); quit("temporary failure"); }
  if (ctl_me(hfd, me) == -1) { warn_sys("unable to read %s/control/me", home); me[0] = 0; quit("temporary failure"); }
  if (ctl_uint(hfd, "control/databytes", DATABYTES_DEFAULT, UINT64_C(1) << 40, databytes) == -1) {
    warn_sys("unable to read %s/control/databytes", home);
    quit("temporary failure");
  }
  if (home_bindir(bindir) == -1) { warn_sys("unable to find my own directory"); quit("temporary failure"); }
  return hfd;
}

/* mail: the reply to MAIL FROM:<a> */
static void mail(struct txn *t, const char *arg, size_t argn, uint64_t databytes)
{
  uint64_t size;
  if (t->mail) { reply("503 5.5.1 nested MAIL: RSET first"); return; }
  switch (smtp_path(arg, argn, 1, t->from, &size)) {
  case SMTP_PATH_OK: break;
  case SMTP_PATH_SYNTAX: reply("501 5.5.4 syntax: MAIL FROM:<address>"); return;
  case SMTP_PATH_ADDR: reply("553 5.1.7 bad sender address"); return;
  case SMTP_PATH_PARAM: reply("555 5.5.4 unknown MAIL parameter or bad value"); return;
  }
  if (size > databytes) {
    reply("552 5.3.4 message over %llu bytes: refused", (unsigned long long)databytes);
    t->from[0] = 0;
    return;
  }
  t->mail = 1;
  reply("250 2.1.0 ok");
}

int main(void)
{
  char line[SMTP_LINE_MAX + 1], helo[SMTP_LINE_MAX + 1] = "";
  const char *arg;
  size_t n, argn;
  uint64_t databytes;
  struct txn t;
  int hfd, toolong, errors = 0, esmtp = 0;

  die_prog = "im2k-smtpd";
  signal(SIGPIPE, SIG_IGN);
  memset(&t, 0, sizeof t);
  hfd = start(&databytes);

  reply("220 %s ESMTP im2k-smtpd", me);
  for (;;) {
    enum smtp_verb v;
    if (!getcmd(line, &n, &toolong)) break;
    if (toolong) {
      reply("500 5.5.2 line too long (at most %d bytes with CRLF)", SMTP_LINE_MAX);
      if (++errors >= ERRORS_MAX) quit("too many errors");
      continue;
    }
    line[n] = 0;
    v = smtp_verb(line, n, &arg, &argn);
    switch (v) {
    case SMTP_HELO:
    case SMTP_EHLO:
      if (argn == 0) { reply("501 5.5.4 syntax: %s domain", v == SMTP_HELO ? "HELO" : "EHLO"); break; }
      memcpy(helo, arg, argn);
      helo[argn] = 0;
      txn_reset(&t);
      esmtp = v == SMTP_EHLO;
      if (v == SMTP_HELO) {
        reply("250 %s", me);
      } else {
        reply("250-%s", me);
        reply("250-PIPELINING");
        reply("250-8BITMIME");
        reply("250 SIZE %llu", (unsigned long long)databytes);
      }
      break;
    case SMTP_MAIL:
      mail(&t, arg, argn, databytes);
      break;
    case SMTP_RCPT:
      rcpt(&t, hfd, arg, argn);
      break;
    case SMTP_DATA:
      if (argn) { reply("501 5.5.4 DATA takes no argument"); break; }
      if (!t.mail) { reply("503 5.5.1 MAIL first"); break; }
      if (!t.nrcpt) { reply("554 5.5.1 no valid recipients"); break; }
      data(&t, helo, esmtp, databytes);
      txn_reset(&t);
      break;
    case SMTP_RSET:
      txn_reset(&t);
      reply("250 2.0.0 ok");
      break;
    case SMTP_NOOP:
      reply("250 2.0.0 ok");
      break;
    case SMTP_VRFY:
      reply("252 2.5.2 not verified: send the message and it will be tried");
      break;
    case SMTP_HELP:
      reply("214 2.0.0 see RFC 5321; commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY QUIT");
      break;
    case SMTP_QUIT:
      reply("221 2.0.0 %s closing connection", me);
      flush();
      txn_reset(&t);
      return 0;
    case SMTP_UNKNOWN:
      reply("500 5.5.1 command not recognized");
      if (++errors >= ERRORS_MAX) quit("too many errors");
      break;
    }
  }
  flush();
  txn_reset(&t);
  return 0;
}
