/* im2k-inject: the sendmail-compatible front end.  Reads a message on
 * standard input, takes recipients from its arguments and, with -t, from
 * the To, Cc and Bcc fields, removes every Bcc field, adds Date,
 * Message-ID and From when missing, and hands message and envelope to
 * im2k-archive (beside the real file of this program, whatever name it
 * was run by) through two pipes.  Exits with im2k-archive's verdict: 0
 * only when the message is durably queued.
 * SECURITY: runs as the sending user with no privilege; trusts nothing on
 * its standard input or command line.  The header is bounded (1 MiB) and
 * parsed in place by lib/rfc822; the body is passed on unread. */
#include "addr.h"
#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "envelope.h"
#include "file.h"
#include "grow.h"
#include "home.h"
#include "rfc822.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX (1 << 20)
/* what is read ahead while the header's end is not known: the header,
 * at most one undecided line (RFC822_NAME_MAX), one block */
#define BLOCK 65536
#define HEAD_READ_MAX (HEADER_MAX + RFC822_NAME_MAX + BLOCK)
#define ENV_MAX (1 << 26)

static const char usage[] =
    "usage: im2k-inject [-t] [-f sender] [-F fullname] [-i] [--] [recipient ...]";

/* shown: p[0..n) fit for a message: blanks and folding as one space,
 * other unprintable bytes as '?', cut at 200 bytes */
static const char *shown(const void *pv, size_t n)
{
  static char out[208];
  const unsigned char *p = pv;
  size_t i, k = 0;
  for (i = 0; i < n && k < 200; i++) {
    unsigned char c = p[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (k && out[k - 1] != ' ') out[k++] = ' ';
    } else {
      out[k++] = c > 32 && c < 127 ? (char)c : '?';
    }
  }
  while (k && out[k - 1] == ' ') k--;
  if (i < n) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = 0;
  return out;
}

static _Noreturn void die_mode(const char *mode)
{
  static const struct { const char *m, *what; } modes[] = {
    {"s", "SMTP on standard input"},
    {"d", "a daemon"},
    {"D", "a daemon in the foreground"},
    {"p", "listing the queue; im2k-status lists what was sent"},
    {"i", "building the alias database"},
    {"v", "verifying addresses"},
    {"t", "testing addresses"},
    {"h", "host status"},
    {"H", "purging host status"},
    {"P", "queue counts"},
    {"a", "ARPANET mode"},
  };
  size_t i;
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (!strcmp(mode, modes[i].m))
      die(EXIT_PERM, "mode -b%s (%s) is not supported: im2k-inject only sends the message on its standard input",
          mode, modes[i].what);
  die(EXIT_PERM, "mode -b%s is not supported: im2k-inject only sends the message on its standard input",
      shown(mode, strlen(mode)));
}

/* what one injection works on, step by step */
struct inject {
  int tflag, list, hfd;
  const char *from, *fullname;        /* -f (or -r), -F */
  char home[HOME_MAX], me[256], own[ADDR_MAX + 1];
  /* the recipients, in the order given; duplicates are dropped at the end */
  char **rcpt;
  size_t nrcpt, caprcpt;
  /* the input read ahead: the header block (hdrlen bytes, NUL-free),
   * then the start of the body; eof once standard input is all in head */
  struct buf head;
  size_t hdrlen;
  int eof;
  struct buf env;                     /* the envelope, built before the hand-off */
  char extra[1024];                   /* the fields added in front */
  size_t extralen;
  int headless;                       /* a blank line goes after extra */
};

static void rcpt_add(struct inject *in, const char *a, size_t n, const char *where)
{
  char *s;
  if (!addr_check(a, n)) die(EXIT_PERM, "bad recipient address%s: %s", where, shown(a, n));
  if (in->nrcpt == in->caprcpt &&
      grow_array(&in->rcpt, &in->caprcpt, in->nrcpt + 1, sizeof *in->rcpt, 64) == -1)
    die_nomem();
  s = malloc(n + 1);
  if (!s) die_nomem();
  memcpy(s, a, n);
  s[n] = 0;
  addr_lower(s);
  in->rcpt[in->nrcpt++] = s;
}

/* a recipient and where it was first given, sorted to find repeats */
struct ord {
  const char *a;
  size_t i;
};

static int by_address(const void *x, const void *y)
{
  const struct ord *p = x, *q = y;
  int c = strcmp(p->a, q->a);
  if (c) return c;
  return p->i < q->i ? -1 : p->i > q->i;
}

/* header_has: a field NAME in the header block h[0..n) */
static int header_has(const unsigned char *h, size_t n, const char *name)
{
  struct rfc822_field f;
  size_t pos = 0;
  while (rfc822_field_next(h, n, &pos, &f) == 1)
    if (rfc822_field_is(&f, name)) return 1;
  return 0;
}

/* readmore: one read of standard input onto the end of b; 0 at EOF */
static size_t readmore(struct buf *b)
{
  unsigned char blk[BLOCK];
  size_t want = b->max - b->len < sizeof blk ? b->max - b->len : sizeof blk;
  ssize_t r;
  for (;;) {
    r = read(0, blk, want);
    if (r == -1 && errno == EINTR) continue;
    if (r == -1) die_sys(EXIT_TEMP, "unable to read the message");
    break;
  }
  if (r > 0 && buf_append(b, blk, (size_t)r) == -1) die_nomem();
  return (size_t)r;
}

/* public_archive: 1 if the caller's archive is public (has an index:
 * im2k-mkarchive -p); im2k-archive checks it again */
static int public_archive(int hfd)
{
  char path[64];
  snprintf(path, sizeof path, "archive/%lu/index", (unsigned long)getuid());
  return faccessat(hfd, path, F_OK, 0) == 0;
}

/* options: sendmail's options as its getopt takes them: flags may be
 * grouped (-ti), a value is the rest of its argument or the next
 * argument.  The index of the first recipient argument. */
static int options(struct inject *in, int argc, char **argv)
{
  const char *prog;
  int i;
  /* sendmail's other names: their modes are not ours */
  prog = argc > 0 && argv[0] ? argv[0] : "";
  if (strrchr(prog, '/')) prog = strrchr(prog, '/') + 1;
  if (!strcmp(prog, "mailq"))
    die(EXIT_PERM, "mailq (-bp, listing the queue) is not supported: im2k-status lists what was sent");
  if (!strcmp(prog, "newaliases"))
    die(EXIT_PERM, "newaliases (-bi, building the alias database) is not supported");
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    size_t j;
    if (!strcmp(a, "--")) return i + 1;
    if (a[0] != '-' || !a[1]) break;
    if (a[1] == '-') die(EXIT_PERM, "unknown option %s (%s)", shown(a, strlen(a)), usage);
    for (j = 1; a[j]; j++) {
      char c = a[j];
      const char *v;
      if (c == 't') { in->tflag = 1; continue; }
      if (strchr("imvGU", c)) continue; /* meaningless here */
      if (c == 'q')
        die(EXIT_PERM, "option -q (processing the queue) is not supported: im2k-notifyd sends the queue");
      if (c == 'I')
        die(EXIT_PERM, "option -I (building the alias database) is not supported");
      if (!strchr("fFrbeoONRVBXL", c))
        die(EXIT_PERM, "unknown option -%s (%s)", shown(&a[j], 1), usage);
      if (a[j + 1]) {
        v = a + j + 1;
      } else {
        if (i + 1 >= argc) die(EXIT_PERM, "option -%c needs a value", c);
        v = argv[++i];
      }
      if (c == 'f' || c == 'r') in->from = v;
      else if (c == 'F') in->fullname = v;
      else if (c == 'b' && strcmp(v, "m")) die_mode(v);
      /* -e -o -O -N -R -V -B -X -L: their values mean nothing here */
      break;
    }
  }
  return i;
}

/* identity: the home, this domain and the caller's own address; whether
 * the caller is a list; nargs recipients were given as arguments */
static void identity(struct inject *in, int nargs)
{
  struct passwd *pw;
  size_t pl;
  in->hfd = home_open(in->home);
  if (in->hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", in->home);
  /* a list (a public archive) may post to nobody: the message is only
   * indexed, for its readers to fetch */
  in->list = public_archive(in->hfd);
  if (nargs <= 0 && !in->tflag && !in->list) die(EXIT_PERM, "no recipients (%s)", usage);
  if (ctl_me(in->hfd, in->me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", in->home);
  pw = getpwuid(getuid());
  if (!pw) die(EXIT_TEMP, "unable to find my account");
  pl = strlen(pw->pw_name);
  if (pl + 1 + strlen(in->me) > ADDR_MAX) die(EXIT_PERM, "account name too long for an address");
  memcpy(in->own, pw->pw_name, pl);
  in->own[pl] = '@';
  strcpy(in->own + pl + 1, in->me);
  if (in->from && *in->from && !addr_check(in->from, strlen(in->from)))
    die(EXIT_PERM, "bad sender address: %s", shown(in->from, strlen(in->from)));
}

/* header_read: the header block: the lines up to the first that is no
 * header line.  Blocks are read ahead; what follows the header stays in
 * head and is passed on first.  A line is decided by its first bytes, so
 * neither a long body line nor a long header line is read whole here. */
static void header_read(struct inject *in)
{
  struct buf *h = &in->head;
  size_t scan = 0;
  for (;;) {
    int done = 0;
    while (scan < h->len) {
      const unsigned char *l = h->p + scan, *nl = memchr(l, '\n', h->len - scan);
      size_t n = nl ? (size_t)(nl - l) : h->len - scan;
      int kind = rfc822_line(l, n, scan == 0, nl || in->eof);
      if (kind == RFC822_BODY) { done = 1; break; }
      if (kind == RFC822_MORE) break;
      if (!nl && !in->eof) { /* a header line not read to its end */
        if (h->len > HEADER_MAX) die(EXIT_PERM, "header over %d bytes", HEADER_MAX);
        break;
      }
      scan += n + (nl != NULL);
      if (scan > HEADER_MAX) die(EXIT_PERM, "header over %d bytes", HEADER_MAX);
    }
    if (done || in->eof) break;
    if (readmore(h) == 0) in->eof = 1;
  }
  in->hdrlen = scan;
  if (memchr(h->p ? h->p : (const unsigned char *)"", 0, scan))
    die(EXIT_PERM, "a NUL byte in the header: not a mail message");
}

/* header_fields: with -t, the recipients of To, Cc and Bcc; and every
 * Bcc field goes, continuation lines and all, -t or not */
static void header_fields(struct inject *in)
{
  static const char *const rcptfields[] = {"To", "Cc", "Bcc"};
  struct buf *h = &in->head;
  struct rfc822_field f;
  size_t pos = 0, w = 0, k;
  int r;
  while ((r = rfc822_field_next(h->p, in->hdrlen, &pos, &f)) == 1) {
    for (k = 0; in->tflag && k < sizeof rcptfields / sizeof rcptfields[0]; k++) {
      struct rfc822_addrs ad;
      char a[ADDR_MAX + 1], where[32];
      if (!rfc822_field_is(&f, rcptfields[k])) continue;
      snprintf(where, sizeof where, " in the %s field", rcptfields[k]);
      rfc822_addrs_init(&ad, f.value, f.valuelen);
      while ((r = rfc822_addrs_next(&ad, a)) == 1) rcpt_add(in, a, strlen(a), where);
      if (r == -1)
        die(EXIT_PERM, "unable to parse the %s field (%s): %s", rcptfields[k],
            rfc822_strerror(ad.err), shown(f.value, f.valuelen));
    }
    if (rfc822_field_is(&f, "Bcc")) continue;
    memmove(h->p + w, h->p + f.start, f.end - f.start);
    w += f.end - f.start;
  }
  if (r == -1) die(EXIT_TEMP, "internal error: header block not made of fields");
  if (w < in->hdrlen) {
    memmove(h->p + w, h->p + in->hdrlen, h->len - in->hdrlen);
    h->len -= in->hdrlen - w;
    in->hdrlen = w;
  }
  if (in->nrcpt == 0 && !in->list)
    die(EXIT_PERM, "no recipients: no address in the To, Cc or Bcc fields, and none given as an argument");
}

/* envelope_build: the envelope (lib/envelope), each recipient once, in
 * the order first given; the recipients are freed */
static void envelope_build(struct inject *in)
{
  struct ord *o;
  unsigned char *dup;
  size_t k;
  if (envelope_from(&in->env, in->from ? in->from : "")) die_nomem();
  o = malloc((in->nrcpt ? in->nrcpt : 1) * sizeof *o);
  dup = calloc(in->nrcpt ? in->nrcpt : 1, 1);
  if (!o || !dup) die_nomem();
  for (k = 0; k < in->nrcpt; k++) {
    o[k].a = in->rcpt[k];
    o[k].i = k;
  }
  qsort(o, in->nrcpt, sizeof *o, by_address);
  for (k = 1; k < in->nrcpt; k++)
    if (!strcmp(o[k].a, o[k - 1].a)) dup[o[k].i] = 1;
  for (k = 0; k < in->nrcpt; k++) {
    if (!dup[k] && envelope_to(&in->env, in->rcpt[k])) die(EXIT_PERM, "too many recipients");
    free(in->rcpt[k]);
  }
  free(in->rcpt);
  free(o);
  free(dup);
  in->rcpt = NULL;
  in->nrcpt = in->caprcpt = 0;
  if (envelope_end(&in->env)) die(EXIT_PERM, "too many recipients");
}

/* header_extra: Date, Message-ID and From when missing, for the front */
static void header_extra(struct inject *in)
{
  const unsigned char *hp = in->head.p, *nl;
  char date[64], *x = in->extra;
  size_t max = sizeof in->extra, l1;
  unsigned char rnd[8];
  time_t now = time(NULL);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
  x[0] = 0;
  in->extralen = 0;
  if (!header_has(hp, in->hdrlen, "Date"))
    in->extralen += (size_t)snprintf(x + in->extralen, max - in->extralen, "Date: %s\n", date);
  if (!header_has(hp, in->hdrlen, "Message-ID")) {
    randombytes_buf(rnd, sizeof rnd);
    in->extralen += (size_t)snprintf(x + in->extralen, max - in->extralen,
                                     "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>\n",
                                     (long long)now, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                                     rnd[5], rnd[6], rnd[7], in->me);
  }
  if (!header_has(hp, in->hdrlen, "From")) {
    const char *fa = in->from && *in->from ? in->from : in->own;
    const char *fn = in->fullname;
    if (fn && *fn && !strpbrk(fn, "\r\n\"\\"))
      in->extralen += (size_t)snprintf(x + in->extralen, max - in->extralen,
                                       "From: \"%.200s\" <%s>\n", fn, fa);
    else
      in->extralen += (size_t)snprintf(x + in->extralen, max - in->extralen, "From: %s\n", fa);
  }
  /* a message with no header (empty, or a first line that is no header
   * line and not blank) gets a blank line after the added fields, so
   * that its first line stays body */
  nl = in->head.len ? memchr(hp, '\n', in->head.len) : NULL;
  l1 = nl ? (size_t)(nl - hp) : in->head.len;
  if (l1 && hp[l1 - 1] == '\r') l1--;
  in->headless = in->head.len == 0 || (in->hdrlen == 0 && l1 > 0);
}

/* body_pass: the rest of standard input to im2k-archive, until it ends
 * or a write fails; 0, or the errno of a failed read */
static int body_pass(struct envelope_pipe *p, int eof)
{
  static unsigned char blk[BLOCK];
  while (!eof) {
    ssize_t n = read(0, blk, sizeof blk);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) return errno;
    if (n == 0) break;
    if (envelope_put(p, blk, (size_t)n) == -1) break;
  }
  return 0;
}

/* hand_off: the message and its envelope to im2k-archive (lib/envelope),
 * beside this program; its verdict is the exit code */
static int hand_off(struct inject *in)
{
  struct envelope_pipe p;
  char bindir[HOME_MAX];
  int rerr = 0, r;
  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");
  if (envelope_open(&p, bindir) == -1) die_sys(EXIT_TEMP, "unable to start im2k-archive");
  if (!envelope_put(&p, in->extra, in->extralen) &&
      !(in->headless && envelope_put(&p, "\n", 1)) &&
      !(in->head.len && envelope_put(&p, in->head.p, in->head.len)))
    rerr = body_pass(&p, in->eof);
  /* an incomplete message must not be queued: the envelope is never
   * sent, so im2k-archive refuses it */
  r = envelope_close(&p, rerr || p.err ? NULL : &in->env);
  buf_free(&in->env);
  buf_free(&in->head);
  if (r == -1) die_sys(EXIT_TEMP, "unable to wait for im2k-archive");
  if (rerr) {
    errno = rerr;
    die_sys(EXIT_TEMP, "unable to read the message: message not accepted");
  }
  switch (r) {
  case ENVELOPE_STORED: return 0;
  case ENVELOPE_PERM:
  case ENVELOPE_TEMP: return p.code; /* im2k-archive said why */
  case ENVELOPE_CRASHED:
    die(EXIT_TEMP, "im2k-archive crashed (signal %d): message not accepted", p.code);
  }
  /* this side's own failure: temporary, whatever im2k-archive then said
   * of the message it never got whole */
  errno = p.err;
  die_sys(EXIT_TEMP, "unable to pass the message to im2k-archive: message not accepted");
}

int main(int argc, char **argv)
{
  static struct inject in;
  int i;

  die_prog = "im2k-inject";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  buf_init(&in.env, ENV_MAX);
  buf_init(&in.head, HEAD_READ_MAX);
  i = options(&in, argc, argv);
  identity(&in, argc - i);
  for (; i < argc; i++) rcpt_add(&in, argv[i], strlen(argv[i]), "");
  header_read(&in);
  header_fields(&in);
  envelope_build(&in);
  header_extra(&in);
  return hand_off(&in);
}
