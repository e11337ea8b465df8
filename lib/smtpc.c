/* smtpc.c: the SMTP client's reply reader, DATA writer and routes.
 * Trusts nothing it reads: a reply may be hostile, cut anywhere, endless
 * or binary; a routes file may be anything the operator typed. */
#include "smtpc.h"
#include "addr.h"
#include "bytes.h"
#include "lines.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

void smtpc_reply_init(struct smtpc_reply *r)
{
  memset(r, 0, sizeof *r);
}

const char *smtpc_err_str(enum smtpc_err e)
{
  switch (e) {
  case SMTPC_OK: return "ok";
  case SMTPC_TOOLONG: return "reply too long";
  case SMTPC_SYNTAX: return "reply with a bad code";
  case SMTPC_MISMATCH: return "multi-line reply with mixed codes";
  }
  return "bad reply";
}

static void text_add(struct smtpc_reply *r, unsigned char c)
{
  if (r->textlen >= SMTPC_TEXT_MAX) return;
  r->text[r->textlen++] = c >= 32 && c < 127 ? (char)c : '?';
  r->text[r->textlen] = 0;
}

/* keyword: 1 if the EHLO line's text s[0..n) names kw (any case),
 * alone or followed by a space and parameters */
static int keyword(const char *s, size_t n, const char *kw)
{
  size_t k = strlen(kw);
  return n >= k && !strncasecmp(s, kw, k) && (n == k || s[k] == ' ');
}

/* line: a whole line r->line[0..n), its LF and CR removed */
static void line(struct smtpc_reply *r, size_t n)
{
  const char *l = r->line;
  int code, last;
  size_t i;
  if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
      l[2] > '9' || (n > 3 && l[3] != ' ' && l[3] != '-')) {
    r->err = SMTPC_SYNTAX;
    r->done = 1;
    return;
  }
  code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
  if (r->lines == 0) r->code = code;
  else if (code != r->code) {
    r->err = SMTPC_MISMATCH;
    r->done = 1;
    return;
  }
  if (r->lines == SMTPC_LINES_MAX) {
    r->err = SMTPC_TOOLONG;
    r->done = 1;
    return;
  }
  r->lines++;
  last = n == 3 || l[3] == ' ';
  if (r->lines > 1) {
    if (keyword(l + 4, n - 4, "8BITMIME")) r->ext |= SMTPC_EXT_8BITMIME;
    if (keyword(l + 4, n - 4, "SIZE")) r->ext |= SMTPC_EXT_SIZE;
    text_add(r, '/');
  }
  for (i = 0; i < n; i++) text_add(r, (unsigned char)l[i]);
  if (last) r->done = 1;
}

size_t smtpc_reply_feed(struct smtpc_reply *r, const unsigned char *in, size_t n)
{
  size_t i;
  if (r->done) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = in[i];
    if (r->linelen == SMTPC_LINE_MAX) {
      r->err = SMTPC_TOOLONG;
      r->done = 1;
      return i + 1;
    }
    r->linelen++;
    if (c != '\n') {
      r->line[r->linelen - 1] = (char)c;
      continue;
    }
    {
      size_t k = r->linelen - 1;
      if (k && r->line[k - 1] == '\r') k--;
      r->linelen = 0;
      line(r, k);
    }
    if (r->done) return i + 1;
  }
  return n;
}

void smtpc_data_init(struct smtpc_data *d)
{
  memset(d, 0, sizeof *d);
  d->bol = 1;
}

size_t smtpc_data_feed(struct smtpc_data *d, const unsigned char *in, size_t n,
                       unsigned char *out)
{
  size_t i, k = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = in[i];
    if (d->cr) {
      /* the CR read before ends a line, with this LF or alone */
      d->cr = 0;
      out[k++] = '\r';
      out[k++] = '\n';
      d->bol = 1;
      if (c == '\n') continue;
    }
    if (c == '\r') { d->cr = 1; continue; }
    if (c == '\n') {
      out[k++] = '\r';
      out[k++] = '\n';
      d->bol = 1;
      continue;
    }
    if (c > 127) d->eightbit = 1;
    if (d->bol && c == '.') out[k++] = '.';
    out[k++] = c;
    d->bol = 0;
  }
  d->out += k;
  return k;
}

size_t smtpc_data_end(struct smtpc_data *d, unsigned char out[5])
{
  size_t k = 0;
  if (d->cr || !d->bol) {
    out[k++] = '\r';
    out[k++] = '\n';
    d->out += 2;
    d->cr = 0;
    d->bol = 1;
  }
  memcpy(out + k, ".\r\n", 3);
  return k + 3;
}

/* lower: s[0..n) lower-cased into out, NUL-terminated (out has n+1) */
static void lower(char *out, const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
  out[n] = 0;
}

int smtpc_route_line(const char *l, size_t n, char dom[256], struct smtpc_route *r)
{
  const char *c1 = memchr(l, ':', n), *h, *c2;
  size_t dl, hl;
  struct in_addr a;
  if (!c1) goto bad;
  dl = (size_t)(c1 - l);
  if (dl > 0) {
    /* ".SUFFIX" or a domain */
    const char *d = l[0] == '.' ? l + 1 : l;
    size_t ddl = l[0] == '.' ? dl - 1 : dl;
    if (!domain_check(d, ddl)) goto bad;
  }
  lower(dom, l, dl);
  h = c1 + 1;
  c2 = memchr(h, ':', n - (size_t)(h - l));
  hl = c2 ? (size_t)(c2 - h) : n - (size_t)(h - l);
  r->port = 25;
  if (c2) {
    uint64_t port;
    const char *p = c2 + 1;
    size_t pl = n - (size_t)(p - l);
    if (scan_u64(p, pl, 65535, &port) == -1 || port == 0) goto bad;
    r->port = (uint16_t)port;
  }
  if (hl > 0) {
    char ip[16];
    int isip = 0;
    if (hl < sizeof ip) {
      memcpy(ip, h, hl);
      ip[hl] = 0;
      isip = inet_pton(AF_INET, ip, &a) == 1;
    }
    if (!isip) {
      /* a name that is all digits and dots is a mistyped address */
      size_t i, digits = 0;
      if (!domain_check(h, hl)) goto bad;
      for (i = 0; i < hl; i++)
        if ((h[i] >= '0' && h[i] <= '9') || h[i] == '.') digits++;
      if (digits == hl) goto bad;
    }
  }
  lower(r->host, h, hl);
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

/* match: the route for domain; 3 a line naming it, 2 a .SUFFIX, 1 the
 * smarthost, 0 none, -1 a bad line */
static int match(const void *p, size_t n, const char *domain, struct smtpc_route *r,
                 unsigned long *badline)
{
  struct lines ls;
  const char *l;
  size_t ln, dlen = strlen(domain), best = 0;
  char dom[256];
  struct smtpc_route t;
  int rc, found = 0; /* 3 exact, 2 suffix of length best, 1 empty */
  *badline = 0;
  lines_init(&ls, p, n);
  while ((rc = lines_next(&ls, &l, &ln)) == 1) {
    size_t ml;
    if (smtpc_route_line(l, ln, dom, &t) == -1) goto bad;
    if (found == 3) continue;
    ml = strlen(dom);
    if (ml == dlen && !strcasecmp(dom, domain)) {
      *r = t;
      found = 3;
    } else if (ml > 0 && dom[0] == '.' && dlen > ml &&
               !strcasecmp(domain + dlen - ml, dom) && ml > best) {
      *r = t;
      found = 2;
      best = ml;
    } else if (ml == 0 && found == 0) {
      *r = t;
      found = 1;
    }
  }
  if (rc == -1) goto bad;
  return found;
bad:
  *badline = ls.lineno;
  errno = EINVAL;
  return -1;
}

int smtpc_route(const void *p, size_t n, const char *domain, struct smtpc_route *r,
                unsigned long *badline)
{
  int found = match(p, n, domain, r, badline);
  return found == -1 ? -1 : found ? 1 : 0;
}

int smtpc_routed(const void *p, size_t n, const char *domain)
{
  struct smtpc_route r;
  unsigned long bad;
  return match(p, n, domain, &r, &bad) >= 2;
}
