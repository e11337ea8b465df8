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
#include "file.h"
#include "home.h"
#include "spawn.h"
#include "rfc822.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
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

/* the recipients, in the order given; duplicates are dropped at the end */
static char **rcpt;
static size_t nrcpt, caprcpt;

static void rcpt_add(const char *a, size_t n, const char *where)
{
  char *s;
  if (!addr_check(a, n)) die(EXIT_PERM, "bad recipient address%s: %s", where, shown(a, n));
  if (nrcpt == caprcpt) {
    size_t cap = caprcpt ? 2 * caprcpt : 64;
    char **r = realloc(rcpt, cap * sizeof *r);
    if (!r) die_nomem();
    rcpt = r;
    caprcpt = cap;
  }
  s = malloc(n + 1);
  if (!s) die_nomem();
  memcpy(s, a, n);
  s[n] = 0;
  addr_lower(s);
  rcpt[nrcpt++] = s;
}

static int by_address(const void *x, const void *y)
{
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  int c = strcmp(rcpt[i], rcpt[j]);
  if (c) return c;
  return i < j ? -1 : i > j;
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

int main(int argc, char **argv)
{
  static const char *const rcptfields[] = {"To", "Cc", "Bcc"};
  char home[HOME_MAX], bindir[HOME_MAX], me[256];
  char own[ADDR_MAX + 1], extra[1024], date[64];
  const char *from = NULL, *fullname = NULL, *prog;
  struct buf env, head;
  struct passwd *pw;
  struct rfc822_field f;
  int mfd, efd, i, status, hfd, tflag = 0, eof = 0, headless, r, list;
  size_t extralen, scan, hdrlen, pos, w, k, *order;
  unsigned char rnd[8], *dup;
  pid_t pid;
  time_t now;

  die_prog = "im2k-inject";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  buf_init(&env, ENV_MAX);
  buf_init(&head, HEAD_READ_MAX);

  /* sendmail's other names: their modes are not ours */
  prog = argc > 0 && argv[0] ? argv[0] : "";
  if (strrchr(prog, '/')) prog = strrchr(prog, '/') + 1;
  if (!strcmp(prog, "mailq"))
    die(EXIT_PERM, "mailq (-bp, listing the queue) is not supported: im2k-status lists what was sent");
  if (!strcmp(prog, "newaliases"))
    die(EXIT_PERM, "newaliases (-bi, building the alias database) is not supported");

  /* options as sendmail's getopt takes them: flags may be grouped
   * (-ti), a value is the rest of its argument or the next argument */
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    size_t j;
    if (!strcmp(a, "--")) { i++; break; }
    if (a[0] != '-' || !a[1]) break;
    if (a[1] == '-') die(EXIT_PERM, "unknown option %s (%s)", shown(a, strlen(a)), usage);
    for (j = 1; a[j]; j++) {
      char c = a[j];
      const char *v;
      if (c == 't') { tflag = 1; continue; }
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
      if (c == 'f' || c == 'r') from = v;
      else if (c == 'F') fullname = v;
      else if (c == 'b' && strcmp(v, "m")) die_mode(v);
      /* -e -o -O -N -R -V -B -X -L: their values mean nothing here */
      break;
    }
  }
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  /* a list (a public archive) may post to nobody: the message is only
   * indexed, for its readers to fetch */
  list = public_archive(hfd);
  if (i >= argc && !tflag && !list) die(EXIT_PERM, "no recipients (%s)", usage);
  if (ctl_me(hfd, me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", home);
  pw = getpwuid(getuid());
  if (!pw) die(EXIT_TEMP, "unable to find my account");
  if (strlen(pw->pw_name) + 1 + strlen(me) > ADDR_MAX) die(EXIT_PERM, "account name too long for an address");
  memcpy(own, pw->pw_name, strlen(pw->pw_name));
  own[strlen(pw->pw_name)] = '@';
  strcpy(own + strlen(pw->pw_name) + 1, me);
  if (from && *from && !addr_check(from, strlen(from)))
    die(EXIT_PERM, "bad sender address: %s", shown(from, strlen(from)));
  for (; i < argc; i++) rcpt_add(argv[i], strlen(argv[i]), "");

  /* the header block: the lines up to the first that is no header line.
   * Blocks are read ahead; what follows the header stays in head and is
   * passed on first.  A line is decided by its first bytes, so neither
   * a long body line nor a long header line is read whole here. */
  scan = 0;
  for (;;) {
    int done = 0;
    while (scan < head.len) {
      const unsigned char *l = head.p + scan, *nl = memchr(l, '\n', head.len - scan);
      size_t n = nl ? (size_t)(nl - l) : head.len - scan;
      int kind = rfc822_line(l, n, scan == 0, nl || eof);
      if (kind == RFC822_BODY) { done = 1; break; }
      if (kind == RFC822_MORE) break;
      if (!nl && !eof) { /* a header line not read to its end */
        if (head.len > HEADER_MAX) die(EXIT_PERM, "header over %d bytes", HEADER_MAX);
        break;
      }
      scan += n + (nl != NULL);
      if (scan > HEADER_MAX) die(EXIT_PERM, "header over %d bytes", HEADER_MAX);
    }
    if (done || eof) break;
    if (readmore(&head) == 0) eof = 1;
  }
  hdrlen = scan;
  if (memchr(head.p ? head.p : (const unsigned char *)"", 0, hdrlen))
    die(EXIT_PERM, "a NUL byte in the header: not a mail message");

  /* -t: the recipients of To, Cc and Bcc; and every Bcc field goes,
   * continuation lines and all, -t or not */
  pos = 0;
  w = 0;
  while ((r = rfc822_field_next(head.p, hdrlen, &pos, &f)) == 1) {
    for (k = 0; tflag && k < sizeof rcptfields / sizeof rcptfields[0]; k++) {
      struct rfc822_addrs ad;
      char a[ADDR_MAX + 1], where[32];
      if (!rfc822_field_is(&f, rcptfields[k])) continue;
      snprintf(where, sizeof where, " in the %s field", rcptfields[k]);
      rfc822_addrs_init(&ad, f.value, f.valuelen);
      while ((r = rfc822_addrs_next(&ad, a)) == 1) rcpt_add(a, strlen(a), where);
      if (r == -1)
        die(EXIT_PERM, "unable to parse the %s field (%s): %s", rcptfields[k],
            rfc822_strerror(ad.err), shown(f.value, f.valuelen));
    }
    if (rfc822_field_is(&f, "Bcc")) continue;
    memmove(head.p + w, head.p + f.start, f.end - f.start);
    w += f.end - f.start;
  }
  if (r == -1) die(EXIT_TEMP, "internal error: header block not made of fields");
  if (w < hdrlen) {
    memmove(head.p + w, head.p + hdrlen, head.len - hdrlen);
    head.len -= hdrlen - w;
    hdrlen = w;
  }
  if (nrcpt == 0 && !list)
    die(EXIT_PERM, "no recipients: no address in the To, Cc or Bcc fields, and none given as an argument");

  /* the envelope: each recipient once, in the order first given */
  if (buf_append(&env, "F", 1) || buf_appends(&env, from ? from : "") || buf_append(&env, "", 1))
    die_nomem();
  order = malloc(nrcpt * sizeof *order);
  dup = calloc(nrcpt, 1);
  if (!order || !dup) die_nomem();
  for (k = 0; k < nrcpt; k++) order[k] = k;
  qsort(order, nrcpt, sizeof *order, by_address);
  for (k = 1; k < nrcpt; k++)
    if (!strcmp(rcpt[order[k]], rcpt[order[k - 1]])) dup[order[k]] = 1;
  for (k = 0; k < nrcpt; k++) {
    if (!dup[k] && (buf_append(&env, "T", 1) || buf_appends(&env, rcpt[k]) ||
                    buf_append(&env, "", 1)))
      die(EXIT_PERM, "too many recipients");
    free(rcpt[k]);
  }
  free(rcpt);
  free(order);
  free(dup);
  if (buf_append(&env, "", 1)) die(EXIT_PERM, "too many recipients");

  /* what is missing, added in front */
  now = time(NULL);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
  extra[0] = 0;
  extralen = 0;
  if (!header_has(head.p, hdrlen, "Date"))
    extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen, "Date: %s\n", date);
  if (!header_has(head.p, hdrlen, "Message-ID")) {
    randombytes_buf(rnd, sizeof rnd);
    extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen,
                                 "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>\n",
                                 (long long)now, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                                 rnd[5], rnd[6], rnd[7], me);
  }
  if (!header_has(head.p, hdrlen, "From")) {
    const char *fa = from && *from ? from : own;
    if (fullname && *fullname && !strpbrk(fullname, "\r\n\"\\"))
      extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen,
                                   "From: \"%.200s\" <%s>\n", fullname, fa);
    else
      extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen, "From: %s\n", fa);
  }
  /* a message with no header (empty, or a first line that is no header
   * line and not blank) gets a blank line after the added fields, so
   * that its first line stays body */
  {
    const unsigned char *nl = head.len ? memchr(head.p, '\n', head.len) : NULL;
    size_t l1 = nl ? (size_t)(nl - head.p) : head.len;
    if (l1 && head.p[l1 - 1] == '\r') l1--;
    headless = head.len == 0 || (hdrlen == 0 && l1 > 0);
  }

  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");
  pid = archive_start(bindir, &mfd, &efd);
  if (pid == -1) die_sys(EXIT_TEMP, "unable to start im2k-archive");
  {
    /* err: why this side failed: EPIPE when im2k-archive stopped reading
     * (it refused, and said why: its code is the answer); anything else
     * is this side's own failure, temporary whatever im2k-archive then
     * says of the message it never got whole */
    int ok = 1, err = 0;
    const char *what = "unable to pass the message to im2k-archive";
    unsigned char blk[BLOCK];
    if (file_write_all(mfd, extra, extralen) == -1) ok = 0;
    if (ok && headless && file_write_all(mfd, "\n", 1) == -1) ok = 0;
    if (ok && head.len && file_write_all(mfd, head.p, head.len) == -1) ok = 0;
    if (!ok) err = errno;
    while (ok && !eof) {
      ssize_t n = read(0, blk, sizeof blk);
      if (n == -1 && errno == EINTR) continue;
      if (n == -1) {
        err = errno;
        what = "unable to read the message";
        ok = 0;
        break;
      }
      if (n == 0) break;
      if (file_write_all(mfd, blk, (size_t)n) == -1) {
        err = errno;
        ok = 0;
      }
    }
    close(mfd);
    if (ok && file_write_all(efd, env.p, env.len) == -1) {
      err = errno;
      ok = 0;
    }
    if (!ok) {
      /* an incomplete message must not be queued: the envelope is never
       * finished, so im2k-archive refuses it */
      close(efd);
      while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR) die_sys(EXIT_TEMP, "unable to wait for im2k-archive");
      buf_free(&env);
      buf_free(&head);
      if (err == EPIPE && WIFEXITED(status) && WEXITSTATUS(status) != 0) return WEXITSTATUS(status);
      errno = err;
      die_sys(EXIT_TEMP, "%s: message not accepted", what);
    }
    close(efd);
  }
  buf_free(&env);
  buf_free(&head);
  while (waitpid(pid, &status, 0) == -1)
    if (errno != EINTR) die_sys(EXIT_TEMP, "unable to wait for im2k-archive");
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  die(EXIT_TEMP, "im2k-archive crashed (signal %d): message not accepted", WTERMSIG(status));
}
