/* status.c: status records.  The parser trusts nothing in the file. */
#include "status.h"
#include "bytes.h"
#include "grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *words[STATUS_NSTATES] = {"queued", "notified", "confirmed", "failed",
                                            "gaveup",  "fetched",  "canceled", "relayed"};

const char *status_word(int state)
{
  return state >= 0 && state < STATUS_NSTATES ? words[state] : "unknown";
}

int status_final(int state)
{
  return state == STATUS_CONFIRMED || state == STATUS_FAILED ||
         state == STATUS_GAVEUP || state == STATUS_CANCELED || state == STATUS_RELAYED;
}

int status_encode(const struct status_rec *r, size_t n, struct buf *out)
{
  size_t i;
  char line[ADDR_MAX + 64];
  for (i = 0; i < n; i++) {
    int l = snprintf(line, sizeof line, "%s %lu %lld %s", status_word(r[i].state),
                     (unsigned long)r[i].tries, (long long)r[i].last, r[i].rcpt);
    if (buf_append(out, line, (size_t)l) == -1) return -1;
    if (r[i].reply && r[i].reply[0] &&
        (buf_append(out, " ", 1) == -1 || buf_append(out, r[i].reply, strlen(r[i].reply)) == -1))
      return -1;
    if (buf_append(out, "\n", 1) == -1) return -1;
  }
  return 0;
}

void status_free(struct status_rec *r, size_t n)
{
  size_t i;
  if (!r) return;
  for (i = 0; i < n; i++) free(r[i].reply);
  free(r);
}

int status_reply(struct status_rec *r, const char *s)
{
  size_t n = s ? strlen(s) : 0, i;
  char *x = NULL;
  if (n > STATUS_REPLY_MAX) n = STATUS_REPLY_MAX;
  if (n) {
    x = malloc(n + 1);
    if (!x) { errno = ENOMEM; return -1; }
    for (i = 0; i < n; i++) x[i] = s[i] >= 32 && s[i] < 127 ? s[i] : '?';
    x[n] = 0;
  }
  free(r->reply);
  r->reply = x;
  return 0;
}

/* field: up to the next space (last: 0), or the newline (1), or either
 * (2: the recipient, which a reply may follow); *sep gets the byte */
static int field(const unsigned char **p, const unsigned char *end,
                 const unsigned char **f, size_t *fl, int last)
{
  const unsigned char *q = *p;
  if (last == 2)
    while (q < end && *q != ' ' && *q != '\n') q++;
  else
    while (q < end && *q != (last ? '\n' : ' ')) q++;
  if (q == end) return -1;
  *f = *p;
  *fl = (size_t)(q - *p);
  *p = q + 1;
  return 0;
}

int status_parse(const unsigned char *p, size_t n, struct status_rec **out,
                 size_t *nout)
{
  const unsigned char *end = p + n, *f;
  size_t fl, cnt = 0, cap = 0;
  struct status_rec *r = NULL;
  while (p < end) {
    struct status_rec *x;
    uint64_t v;
    int s;
    if (cnt == cap) {
      /* rooms go 8, 16, ... 131072; the next, past 200000, is refused */
      if (cap && cap * 2 > 200000) goto bad;
      if (grow_array(&r, &cap, cnt + 1, sizeof *r, 8) == -1) {
        status_free(r, cnt);
        return -1;
      }
    }
    x = &r[cnt];
    x->reply = NULL;
    if (field(&p, end, &f, &fl, 0)) goto bad;
    for (s = 0; s < STATUS_NSTATES; s++)
      if (strlen(words[s]) == fl && !memcmp(words[s], f, fl)) break;
    if (s == STATUS_NSTATES) goto bad;
    x->state = s;
    if (field(&p, end, &f, &fl, 0) || scan_u64(f, fl, UINT32_MAX, &v)) goto bad;
    x->tries = (uint32_t)v;
    if (field(&p, end, &f, &fl, 0) || scan_u64(f, fl, INT64_MAX, &v)) goto bad;
    x->last = (int64_t)v;
    if (field(&p, end, &f, &fl, 2) || !addr_check((const char *)f, fl)) goto bad;
    memcpy(x->rcpt, f, fl);
    x->rcpt[fl] = 0;
    cnt++;
    if (p[-1] == ' ') { /* a reply, to the end of the line */
      size_t i;
      if (field(&p, end, &f, &fl, 1) || fl == 0 || fl > STATUS_REPLY_MAX) goto bad;
      for (i = 0; i < fl; i++)
        if (f[i] < 32 || f[i] > 126) goto bad;
      if (!(x->reply = malloc(fl + 1))) { status_free(r, cnt); errno = ENOMEM; return -1; }
      memcpy(x->reply, f, fl);
      x->reply[fl] = 0;
    }
  }
  *out = r;
  *nout = cnt;
  return 0;
bad:
  status_free(r, cnt);
  errno = EINVAL;
  return -1;
}
