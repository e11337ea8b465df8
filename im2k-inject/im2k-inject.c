/* im2k-inject: the sendmail-compatible front end.  Reads a message on
 * standard input, adds Date, Message-ID and From when missing, and hands
 * message and envelope to im2k-archive (beside this program) through two
 * pipes.  Exits with im2k-archive's verdict: 0 only when the message is
 * durably queued.
 * SECURITY: runs as the sending user with no privilege; trusts nothing on
 * its standard input or command line. */
#include "addr.h"
#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "home.h"

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

static int writeall(int fd, const void *p, size_t n)
{
  const char *q = p;
  while (n) {
    ssize_t w = write(fd, q, n);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    q += w;
    n -= (size_t)w;
  }
  return 0;
}

/* header_has: a header field NAME at the start of a line in the header. */
static int header_has(const struct buf *h, const char *name)
{
  size_t n = strlen(name), i = 0;
  while (i < h->len) {
    const unsigned char *nl;
    if (h->len - i > n && !strncasecmp((const char *)h->p + i, name, n) &&
        h->p[i + n] == ':')
      return 1;
    nl = memchr(h->p + i, '\n', h->len - i);
    if (!nl) break;
    i = (size_t)(nl - h->p) + 1;
  }
  return 0;
}

/* is_header_line: "NAME:" with printable name, or a continuation line */
static int is_header_line(const unsigned char *p, size_t n, int first)
{
  size_t i;
  if (n && (p[0] == ' ' || p[0] == '\t')) return !first;
  for (i = 0; i < n; i++) {
    if (p[i] == ':') return i > 0;
    if (p[i] <= 32 || p[i] >= 127) return 0;
  }
  return 0;
}

int main(int argc, char **argv)
{
  char home[HOME_MAX], bindir[HOME_MAX], archive[HOME_MAX + 32], me[256];
  char own[ADDR_MAX + 1], extra[1024], date[64];
  const char *from = NULL, *fullname = NULL;
  struct buf env, head;
  struct passwd *pw;
  int mp[2], ep[2], i, status, hfd, inhead = 1, first = 1, headless;
  size_t extralen;
  unsigned char rnd[8];
  pid_t pid;
  time_t now;

  die_prog = "im2k-inject";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  buf_init(&env, 1 << 26);
  buf_init(&head, HEADER_MAX);

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (a[0] != '-') break;
    if (!strcmp(a, "-f") || !strcmp(a, "-F")) {
      if (i + 1 >= argc) die(EXIT_PERM, "option %s needs a value", a);
      if (a[1] == 'f') from = argv[++i];
      else fullname = argv[++i];
    } else if (!strncmp(a, "-f", 2)) from = a + 2;
    else if (!strncmp(a, "-F", 2)) fullname = a + 2;
    else if (!strcmp(a, "-i") || !strcmp(a, "-oi") || !strncmp(a, "-o", 2) ||
             !strcmp(a, "-em") || !strcmp(a, "-v"))
      ; /* sendmail options that mean nothing here */
    else
      die(EXIT_PERM, "unknown option %s (usage: im2k-inject [-f sender] [-F name] [-i] recipient ...)", a);
  }
  if (i >= argc) die(EXIT_PERM, "no recipients (usage: im2k-inject [-f sender] recipient ...)");

  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (ctl_me(hfd, me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", home);
  pw = getpwuid(getuid());
  if (!pw) die(EXIT_TEMP, "unable to find my account");
  if (strlen(pw->pw_name) + 1 + strlen(me) > ADDR_MAX) die(EXIT_PERM, "account name too long for an address");
  memcpy(own, pw->pw_name, strlen(pw->pw_name));
  own[strlen(pw->pw_name)] = '@';
  strcpy(own + strlen(pw->pw_name) + 1, me);
  if (from && *from && !addr_check(from, strlen(from))) die(EXIT_PERM, "bad sender address: %.300s", from);

  if (buf_append(&env, "F", 1) || buf_appends(&env, from ? from : "") || buf_append(&env, "", 1))
    die_nomem();
  for (; i < argc; i++) {
    size_t n = strlen(argv[i]);
    if (!addr_check(argv[i], n)) die(EXIT_PERM, "bad recipient address: %.300s", argv[i]);
    if (buf_append(&env, "T", 1) || buf_append(&env, argv[i], n) || buf_append(&env, "", 1))
      die(EXIT_PERM, "too many recipients");
  }
  if (buf_append(&env, "", 1)) die(EXIT_PERM, "too many recipients");

  /* the header block: lines up to the first that is not a header */
  for (;;) {
    char c;
    ssize_t r;
    size_t ls;
    if (!inhead) break;
    ls = head.len;
    for (;;) {
      r = read(0, &c, 1);
      if (r == -1 && errno == EINTR) continue;
      if (r == -1) die_sys(EXIT_TEMP, "unable to read the message");
      if (r == 0) break;
      if (buf_append(&head, &c, 1) == -1) die(EXIT_PERM, "header over %d bytes", HEADER_MAX);
      if (c == '\n') break;
    }
    if (head.len == ls) break; /* end of input */
    {
      size_t n = head.len - ls;
      const unsigned char *l = head.p + ls;
      if (l[n - 1] == '\n') n--;
      if (n && l[n - 1] == '\r') n--;
      if (n == 0 || !is_header_line(l, n, first)) inhead = 0;
    }
    first = 0;
  }

  /* what is missing, added in front */
  now = time(NULL);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
  extra[0] = 0;
  extralen = 0;
  if (!header_has(&head, "Date"))
    extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen, "Date: %s\n", date);
  if (!header_has(&head, "Message-ID")) {
    randombytes_buf(rnd, sizeof rnd);
    extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen,
                                 "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>\n",
                                 (long long)now, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                                 rnd[5], rnd[6], rnd[7], me);
  }
  if (!header_has(&head, "From")) {
    const char *fa = from && *from ? from : own;
    if (fullname && *fullname && !strpbrk(fullname, "\r\n\"\\"))
      extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen,
                                   "From: \"%.200s\" <%s>\n", fullname, fa);
    else
      extralen += (size_t)snprintf(extra + extralen, sizeof extra - extralen, "From: %s\n", fa);
  }
  /* a message whose first line is no header field gets a blank line after
   * the added fields, so that its first line stays body */
  {
    const unsigned char *nl = head.len ? memchr(head.p, '\n', head.len) : NULL;
    size_t l1 = nl ? (size_t)(nl - head.p) : head.len;
    if (l1 && head.p[l1 - 1] == '\r') l1--;
    headless = head.len == 0 || (l1 > 0 && !is_header_line(head.p, l1, 1));
  }

  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");
  snprintf(archive, sizeof archive, "%s/im2k-archive", bindir);
  if (pipe(mp) == -1 || pipe(ep) == -1) die_sys(EXIT_TEMP, "unable to create pipes");
  pid = fork();
  if (pid == -1) die_sys(EXIT_TEMP, "unable to fork");
  if (pid == 0) {
    char *av[2];
    av[0] = archive;
    av[1] = NULL;
    close(mp[1]);
    close(ep[1]);
    if (dup2(mp[0], 0) == -1 || dup2(ep[0], 1) == -1) _exit(EXIT_TEMP);
    execv(archive, av);
    fprintf(stderr, "im2k-inject: fatal: unable to run %s: %s\n", archive, strerror(errno));
    _exit(EXIT_TEMP);
  }
  close(mp[0]);
  close(ep[0]);
  {
    int ok = 1;
    unsigned char blk[65536];
    if (writeall(mp[1], extra, extralen) == -1) ok = 0;
    if (ok && headless && writeall(mp[1], "\n", 1) == -1) ok = 0;
    if (ok && head.len && writeall(mp[1], head.p, head.len) == -1) ok = 0;
    while (ok) {
      ssize_t r = read(0, blk, sizeof blk);
      if (r == -1 && errno == EINTR) continue;
      if (r == -1) {
        warn_sys("unable to read the message");
        ok = 0;
        break;
      }
      if (r == 0) break;
      if (writeall(mp[1], blk, (size_t)r) == -1) ok = 0;
    }
    if (!ok) {
      /* an incomplete message must not be queued: the envelope is never
       * finished, so im2k-archive refuses it.  If im2k-archive stopped
       * first (it refused, and said why), its code is the answer. */
      close(mp[1]);
      close(ep[1]);
      while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR) die_sys(EXIT_TEMP, "unable to wait for im2k-archive");
      if (WIFEXITED(status) && WEXITSTATUS(status) != 0) return WEXITSTATUS(status);
      die(EXIT_TEMP, "message not accepted");
    }
    close(mp[1]);
    if (writeall(ep[1], env.p, env.len) == -1) { /* archive said why */ }
    close(ep[1]);
  }
  buf_free(&env);
  buf_free(&head);
  while (waitpid(pid, &status, 0) == -1)
    if (errno != EINTR) die_sys(EXIT_TEMP, "unable to wait for im2k-archive");
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  die(EXIT_TEMP, "im2k-archive crashed (signal %d): message not accepted", WTERMSIG(status));
}
