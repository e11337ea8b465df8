/* smtp.c: the SMTP syntax of im2k-smtpd: verbs, MAIL and RCPT paths,
 * and the DATA stream.  Trusts nothing: every byte of the input may be
 * hostile; every length is bounded. */
#include "smtp.h"

#include <string.h>
#include <strings.h>

static const struct { const char *name; enum smtp_verb v; } verbs[] = {
  {"HELO", SMTP_HELO}, {"EHLO", SMTP_EHLO}, {"MAIL", SMTP_MAIL},
  {"RCPT", SMTP_RCPT}, {"DATA", SMTP_DATA}, {"RSET", SMTP_RSET},
  {"NOOP", SMTP_NOOP}, {"QUIT", SMTP_QUIT}, {"VRFY", SMTP_VRFY},
  {"HELP", SMTP_HELP},
};

enum smtp_verb smtp_verb(const char *l, size_t n, const char **arg, size_t *arglen)
{
  size_t i;
  *arg = l + n;
  *arglen = 0;
  if (n < 4 || (n > 4 && l[4] != ' ')) return SMTP_UNKNOWN;
  for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (!strncasecmp(l, verbs[i].name, 4)) {
      if (n > 4) {
        *arg = l + 5;
        *arglen = n - 5;
      }
      return verbs[i].v;
    }
  return SMTP_UNKNOWN;
}

static int addrbyte(unsigned char c)
{
  return c > 32 && c < 127 && c != '<' && c != '>';
}

/* number: a decimal value of at most 19 digits */
static int number(const char *s, size_t n, uint64_t *out)
{
  size_t i;
  uint64_t v = 0;
  if (n == 0 || n > 19) return 0;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 1;
}

enum smtp_path_err smtp_path(const char *arg, size_t n, int mail,
                             char addr[SMTP_PATH_MAX + 1], uint64_t *size)
{
  const char *kw = mail ? "FROM:" : "TO:";
  size_t kl = strlen(kw), i = 0, start, end, j;
  addr[0] = 0;
  if (size) *size = 0;
  while (i < n && arg[i] == ' ') i++;
  if (n - i < kl || strncasecmp(arg + i, kw, kl)) return SMTP_PATH_SYNTAX;
  i += kl;
  while (i < n && arg[i] == ' ') i++;
  if (i >= n || arg[i] != '<') return SMTP_PATH_SYNTAX;
  start = ++i;
  while (i < n && arg[i] != '>') {
    if (!addrbyte((unsigned char)arg[i])) return SMTP_PATH_SYNTAX;
    i++;
  }
  if (i >= n) return SMTP_PATH_SYNTAX;
  end = i++;
  /* a source route, "@a,@b:", is taken and ignored (RFC 5321 C) */
  if (start < end && arg[start] == '@') {
    const char *c = memchr(arg + start, ':', end - start);
    if (!c) return SMTP_PATH_ADDR;
    start = (size_t)(c - arg) + 1;
  }
  if (end - start > SMTP_PATH_MAX) return SMTP_PATH_ADDR;
  if (end == start && !mail) return SMTP_PATH_ADDR;
  memcpy(addr, arg + start, end - start);
  addr[end - start] = 0;
  /* parameters: " KEYWORD[=VALUE]" each */
  while (i < n) {
    const char *eq;
    size_t pl;
    if (arg[i] == ' ') { i++; continue; }
    for (j = i; j < n && arg[j] != ' '; j++) {}
    pl = j - i;
    if (!mail) return SMTP_PATH_PARAM;
    eq = memchr(arg + i, '=', pl);
    if (eq && (size_t)(eq - (arg + i)) == 4 && !strncasecmp(arg + i, "SIZE", 4)) {
      uint64_t v;
      if (!number(eq + 1, pl - 5, &v)) return SMTP_PATH_PARAM;
      if (size) *size = v;
    } else if (eq && (size_t)(eq - (arg + i)) == 4 && !strncasecmp(arg + i, "BODY", 4)) {
      if (!((pl == 9 && !strncasecmp(eq + 1, "7BIT", 4)) ||
            (pl == 13 && !strncasecmp(eq + 1, "8BITMIME", 8))))
        return SMTP_PATH_PARAM;
    } else {
      return SMTP_PATH_PARAM;
    }
    i = j;
  }
  return SMTP_PATH_OK;
}

enum { BOL, DOT, MID, CR, DOTCR };

void smtp_data_init(struct smtp_data *d, uint64_t max)
{
  memset(d, 0, sizeof *d);
  d->state = BOL;
  d->max = max;
}

static void emit(struct smtp_data *d, unsigned char c, unsigned char *out, size_t *k)
{
  if (d->bare || d->toolong || d->toolarge) return;
  if (d->out >= d->max) {
    d->toolarge = 1;
    return;
  }
  out[(*k)++] = c;
  d->out++;
}

size_t smtp_data_feed(struct smtp_data *d, const unsigned char *in, size_t n,
                      unsigned char *out, size_t *outlen)
{
  size_t i, k = 0;
  *outlen = 0;
  if (d->done) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = in[i];
    if (++d->linelen > SMTP_LINE_MAX) d->toolong = 1;
    switch (d->state) {
    case BOL:
      if (c == '.') d->state = DOT;
      else if (c == '\r') d->state = CR;
      else if (c == '\n') { d->bare = 1; d->state = MID; }
      else { emit(d, c, out, &k); d->state = MID; }
      break;
    case DOT:
      /* the first dot of a line is dropped (RFC 5321 4.5.2) */
      if (c == '\r') d->state = DOTCR;
      else if (c == '\n') { d->bare = 1; d->state = MID; }
      else { emit(d, c, out, &k); d->state = MID; }
      break;
    case DOTCR:
      if (c == '\n') {
        d->done = 1;
        *outlen = k;
        return i + 1;
      }
      d->bare = 1; /* ".\r" then not LF: a bare CR; c is read as in MID */
      d->state = c == '\r' ? CR : MID;
      if (c != '\r' && c != '\n') emit(d, c, out, &k);
      break;
    case MID:
      if (c == '\r') d->state = CR;
      else if (c == '\n') d->bare = 1;
      else emit(d, c, out, &k);
      break;
    case CR:
      if (c == '\n') {
        emit(d, '\n', out, &k);
        d->state = BOL;
        d->linelen = 0;
        break;
      }
      d->bare = 1;
      if (c == '\r') break; /* stays CR */
      d->state = MID;
      emit(d, c, out, &k);
      break;
    }
  }
  *outlen = k;
  return n;
}
