/* rfc822.c: header lines, fields and address lists of RFC 5322.  Trusts
 * nothing in its input: every read is bounded by the length given, no
 * recursion (comments nest through a counter), and every output is
 * bounded by ADDR_MAX. */
#include "rfc822.h"

#include <errno.h>
#include <string.h>

static int namechar(unsigned char c)
{
  return c > 32 && c < 127 && c != ':';
}

int rfc822_line(const void *pv, size_t n, int first, int complete)
{
  const unsigned char *p = pv;
  size_t i;
  int blank = 0;
  if (n == 0) return complete ? RFC822_BODY : RFC822_MORE;
  if (p[0] == ' ' || p[0] == '\t') return first ? RFC822_BODY : RFC822_CONT;
  for (i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c == ':') return i > 0 ? RFC822_FIELD : RFC822_BODY;
    if (i >= RFC822_NAME_MAX) return RFC822_BODY;
    if (c == ' ' || c == '\t') {
      blank = 1; /* only blanks may follow, then the colon */
      continue;
    }
    if (blank || !namechar(c)) return RFC822_BODY;
  }
  return complete ? RFC822_BODY : RFC822_MORE;
}

/* lineend: the offset after the line starting at i (after its LF, or n) */
static size_t lineend(const unsigned char *h, size_t n, size_t i, size_t *len)
{
  const unsigned char *nl = memchr(h + i, '\n', n - i);
  if (!nl) {
    *len = n - i;
    return n;
  }
  *len = (size_t)(nl - (h + i));
  return *len + i + 1;
}

int rfc822_field_next(const void *hv, size_t n, size_t *pos, struct rfc822_field *f)
{
  const unsigned char *h = hv;
  size_t i = *pos, len, next, k;
  if (i >= n) return 0;
  next = lineend(h, n, i, &len);
  if (rfc822_line(h + i, len, 1, 1) != RFC822_FIELD) { errno = EINVAL; return -1; }
  for (k = 0; namechar(h[i + k]); k++) ;
  f->start = i;
  f->name = h + i;
  f->namelen = k;
  while (h[i + k] != ':') k++;
  f->value = h + i + k + 1;
  while (next < n) {
    size_t l2, after = lineend(h, n, next, &l2);
    if (rfc822_line(h + next, l2, 0, 1) != RFC822_CONT) break;
    next = after;
  }
  f->end = next;
  f->valuelen = next - (i + k + 1);
  *pos = next;
  return 1;
}

int rfc822_field_is(const struct rfc822_field *f, const char *name)
{
  size_t i, n = strlen(name);
  if (f->namelen != n) return 0;
  for (i = 0; i < n; i++) {
    unsigned char a = f->name[i], b = (unsigned char)name[i];
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
    if (a != b) return 0;
  }
  return 1;
}

/* ---- address lists ---- */

enum { T_END, T_ATOM, T_QUOTED, T_LITERAL, T_SPECIAL };

struct tok {
  int type;
  const unsigned char *p;   /* as written: quotes and brackets included */
  size_t n;
};

/* atext, with the 8-bit bytes of RFC 6532 */
static int atext(unsigned char c)
{
  if (c >= 128) return 1;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return 1;
  return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int blank(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int fail(struct rfc822_addrs *a, int err)
{
  a->err = err;
  return -1;
}

/* cfws: skip blanks, folding and comments (nested, with quoted pairs) */
static int cfws(struct rfc822_addrs *a)
{
  for (;;) {
    unsigned long depth;
    while (a->pos < a->n && blank(a->p[a->pos])) a->pos++;
    if (a->pos >= a->n || a->p[a->pos] != '(') return 0;
    a->pos++;
    depth = 1;
    while (depth) {
      unsigned char c;
      if (a->pos >= a->n) return fail(a, RFC822_ECOMMENT);
      c = a->p[a->pos++];
      if (c == 0) return fail(a, RFC822_ECHAR);
      if (c == '\\') {
        if (a->pos >= a->n) return fail(a, RFC822_ECOMMENT);
        if (a->p[a->pos] == 0) return fail(a, RFC822_ECHAR);
        a->pos++;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
    }
  }
}

/* delimited: a quoted string or a domain literal, from its opening
 * character to its closing one; quoted pairs inside */
static int delimited(struct rfc822_addrs *a, unsigned char close, int err)
{
  a->pos++;
  for (;;) {
    unsigned char c;
    if (a->pos >= a->n) return fail(a, err);
    c = a->p[a->pos++];
    if (c == 0) return fail(a, RFC822_ECHAR);
    if (c == close) return 0;
    if (c == '\\') {
      if (a->pos >= a->n) return fail(a, err);
      if (a->p[a->pos] == 0) return fail(a, RFC822_ECHAR);
      a->pos++;
    } else if (close == ']' && c == '[') {
      return fail(a, RFC822_ELITERAL);
    }
  }
}

static int lex(struct rfc822_addrs *a, struct tok *t)
{
  size_t s;
  unsigned char c;
  if (cfws(a) == -1) return -1;
  s = a->pos;
  t->p = a->p + s;
  t->n = 0;
  if (s >= a->n) {
    t->type = T_END;
    return 0;
  }
  c = a->p[s];
  if (atext(c)) {
    while (a->pos < a->n && atext(a->p[a->pos])) a->pos++;
    t->type = T_ATOM;
  } else if (c == '"') {
    if (delimited(a, '"', RFC822_EQUOTE) == -1) return -1;
    t->type = T_QUOTED;
  } else if (c == '[') {
    if (delimited(a, ']', RFC822_ELITERAL) == -1) return -1;
    t->type = T_LITERAL;
  } else if (c && strchr("<>:;@,.", c)) {
    a->pos++;
    t->type = T_SPECIAL;
  } else {
    return fail(a, RFC822_ECHAR);
  }
  t->n = a->pos - s;
  return 0;
}

static int is(const struct tok *t, char c)
{
  return t->type == T_SPECIAL && t->p[0] == (unsigned char)c;
}

/* put: append a token to out (NULL: discard), less CR and LF */
static int put(struct rfc822_addrs *a, char *out, size_t *len, const unsigned char *p,
               size_t n)
{
  size_t i;
  if (!out) return 0;
  for (i = 0; i < n; i++) {
    if (p[i] == '\r' || p[i] == '\n') continue;
    if (*len >= ADDR_MAX) return fail(a, RFC822_ELONG);
    out[(*len)++] = (char)p[i];
  }
  return 0;
}

/* domain: dot-atom (CFWS allowed around the dots) or domain literal */
static int domain(struct rfc822_addrs *a, char *out, size_t *len)
{
  struct tok t;
  if (lex(a, &t) == -1) return -1;
  if (t.type == T_LITERAL) {
    size_t i;
    for (i = 0; i < t.n; i++) /* folding inside a literal is not part of it */
      if (!blank(t.p[i]) && put(a, out, len, t.p + i, 1) == -1) return -1;
    return 0;
  }
  if (t.type != T_ATOM) return fail(a, RFC822_EDOMAIN);
  for (;;) {
    size_t save = a->pos;
    if (put(a, out, len, t.p, t.n) == -1) return -1;
    if (lex(a, &t) == -1) return -1;
    if (!is(&t, '.')) {
      a->pos = save;
      return 0;
    }
    if (put(a, out, len, t.p, 1) == -1) return -1;
    if (lex(a, &t) == -1) return -1;
    if (t.type != T_ATOM) return fail(a, RFC822_EDOMAIN);
  }
}

/* dotatom: 1 if p[0..n) is atoms joined by single dots */
static int dotatom(const char *p, size_t n)
{
  size_t i;
  if (n == 0 || p[0] == '.' || p[n - 1] == '.') return 0;
  for (i = 0; i < n; i++) {
    if (p[i] == '.') {
      if (p[i + 1] == '.') return 0;
    } else if (!atext((unsigned char)p[i])) {
      return 0;
    }
  }
  return 1;
}

/* local: word *("." word), then the "@"; a lone quoted word whose
 * content is a dot-atom is the same local part unquoted (RFC 5321) */
static int local(struct rfc822_addrs *a, char *out, size_t *len)
{
  struct tok t;
  size_t words = 0, start = *len;
  int quoted = 0;
  for (;;) {
    if (lex(a, &t) == -1) return -1;
    if (t.type != T_ATOM && t.type != T_QUOTED) {
      if (is(&t, '@')) return fail(a, RFC822_ESYNTAX);  /* "@b", "a.@b" */
      return fail(a, t.type == T_END ? RFC822_EDOMAIN : RFC822_ESYNTAX);
    }
    words++;
    if (t.type == T_QUOTED) quoted = 1;
    if (put(a, out, len, t.p, t.n) == -1) return -1;
    if (lex(a, &t) == -1) return -1;
    if (is(&t, '@')) break;
    if (t.type == T_END || is(&t, '>') || is(&t, ',') || is(&t, ';'))
      return fail(a, RFC822_EDOMAIN);
    if (!is(&t, '.')) return fail(a, RFC822_ESYNTAX);
    if (put(a, out, len, t.p, 1) == -1) return -1;
  }
  if (out && words == 1 && quoted) {
    char *q = out + start + 1;
    size_t qn = *len - start - 2;
    if (dotatom(q, qn)) {
      memmove(out + start, q, qn);
      *len = start + qn;
    }
  }
  return 0;
}

/* addrspec: local "@" domain, starting at a->pos */
static int addrspec(struct rfc822_addrs *a, char *out)
{
  size_t len = 0;
  if (local(a, out, &len) == -1) return -1;
  if (put(a, out, &len, (const unsigned char *)"@", 1) == -1) return -1;
  if (domain(a, out, &len) == -1) return -1;
  out[len] = 0;
  return 0;
}

/* angle: after "<": an optional obsolete route "@d1,@d2:", the
 * addr-spec, ">" */
static int angle(struct rfc822_addrs *a, char *out)
{
  struct tok t;
  size_t save = a->pos;
  if (lex(a, &t) == -1) return -1;
  if (is(&t, '>')) return fail(a, RFC822_EANGLE);
  if (is(&t, '@')) {
    for (;;) {
      if (domain(a, NULL, NULL) == -1) return -1;
      if (lex(a, &t) == -1) return -1;
      if (is(&t, ':')) break;
      if (!is(&t, ',')) return fail(a, RFC822_EANGLE);
      do {
        if (lex(a, &t) == -1) return -1;
      } while (is(&t, ','));
      if (!is(&t, '@')) return fail(a, RFC822_EANGLE);
    }
    save = a->pos;
  }
  a->pos = save;
  if (addrspec(a, out) == -1) return -1;
  if (lex(a, &t) == -1) return -1;
  if (!is(&t, '>')) return fail(a, RFC822_EANGLE);
  return 0;
}

/* after a group's ";": the end of the list or a comma */
static int aftergroup(struct rfc822_addrs *a)
{
  struct tok t;
  if (lex(a, &t) == -1) return -1;
  if (t.type == T_END || is(&t, ',')) return 0;
  return fail(a, RFC822_ESYNTAX);
}

/* after an address: a comma, the end, or the ";" of its group */
static int afteraddr(struct rfc822_addrs *a)
{
  struct tok t;
  if (lex(a, &t) == -1) return -1;
  if (t.type == T_END || is(&t, ',')) return 0;
  if (is(&t, ';')) {
    if (!a->group) return fail(a, RFC822_EGROUP);
    a->group = 0;
    return aftergroup(a);
  }
  return fail(a, RFC822_ESYNTAX);
}

void rfc822_addrs_init(struct rfc822_addrs *a, const void *p, size_t n)
{
  a->p = p;
  a->n = n;
  a->pos = 0;
  a->group = 0;
  a->err = RFC822_OK;
}

int rfc822_addrs_next(struct rfc822_addrs *a, char out[ADDR_MAX + 1])
{
  if (a->err) return -1;
  for (;;) {
    struct tok t;
    size_t start, words = 0;
    if (lex(a, &t) == -1) return -1;
    if (t.type == T_END) {
      a->group = 0;
      return 0;
    }
    if (is(&t, ',')) continue; /* an empty member (obsolete syntax) */
    if (is(&t, ';')) {
      if (!a->group) return fail(a, RFC822_EGROUP);
      a->group = 0;
      if (aftergroup(a) == -1) return -1;
      continue;
    }
    /* a phrase (display or group name) or a local part: words and dots
     * up to what tells which it was */
    start = (size_t)(t.p - a->p);
    while (t.type == T_ATOM || t.type == T_QUOTED || is(&t, '.')) {
      words++;
      if (lex(a, &t) == -1) return -1;
    }
    if (is(&t, '@')) {
      a->pos = start;
      if (addrspec(a, out) == -1 || afteraddr(a) == -1) return -1;
      return 1;
    }
    if (is(&t, '<')) {
      if (angle(a, out) == -1 || afteraddr(a) == -1) return -1;
      return 1;
    }
    if (is(&t, ':')) {
      if (a->group || words == 0) return fail(a, RFC822_EGROUP);
      a->group = 1;
      continue;
    }
    if (words && (t.type == T_END || is(&t, ',') || is(&t, ';')))
      return fail(a, RFC822_EDOMAIN);
    return fail(a, RFC822_ESYNTAX);
  }
}

const char *rfc822_strerror(int err)
{
  switch (err) {
  case RFC822_OK: return "no error";
  case RFC822_ECHAR: return "a character that cannot stand there";
  case RFC822_EQUOTE: return "a quoted string without its closing quote";
  case RFC822_ECOMMENT: return "a comment without its closing parenthesis";
  case RFC822_ELITERAL: return "a bad domain literal";
  case RFC822_EDOMAIN: return "an address without @domain";
  case RFC822_EANGLE: return "a bad <address>";
  case RFC822_EGROUP: return "a bad group (name: address, ...;)";
  case RFC822_ESYNTAX: return "bad syntax (a missing comma?)";
  case RFC822_ELONG: return "an address over 254 bytes";
  }
  return "unknown error";
}
