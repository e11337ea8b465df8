/* job.c: job records.  The parser trusts nothing: queue files may be
 * damaged by a crash or by an operator's editor. */
#include "job.h"
#include "bytes.h"
#include "grow.h"
#include "hex.h"
#include "netstr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char magic[] = "im2k-job-1";

void job_init(struct job *j)
{
  memset(j, 0, sizeof *j);
}

int job_add_rcpt(struct job *j, const char *rcpt)
{
  char *s;
  if (j->nrcpt >= JOB_RCPT_MAX) { errno = E2BIG; return -1; }
  s = strdup(rcpt);
  if (!s) return -1;
  /* the room is not stored: it is nrcpt rounded up to a power of two,
   * so the array is full exactly when nrcpt is 0 or a power of two */
  if (!(j->nrcpt & (j->nrcpt - 1))) {
    size_t cap = j->nrcpt;
    if (grow_array(&j->rcpt, &cap, j->nrcpt + 1, sizeof *j->rcpt, 1) == -1) {
      free(s);
      return -1;
    }
  }
  j->rcpt[j->nrcpt++] = s;
  return 0;
}

void job_free(struct job *j)
{
  size_t i;
  for (i = 0; i < j->nrcpt; i++) free(j->rcpt[i]);
  free(j->rcpt);
  job_init(j);
}

static int puthex(struct buf *b, const unsigned char *p, size_t n)
{
  char h[2 * JOB_HASH + 1];
  hex_encode(h, p, n);
  return netstr_put(b, h, 2 * n);
}

int job_encode(const struct job *j, struct buf *out)
{
  size_t i;
  if (netstr_puts(out, magic) || netstr_putu(out, j->uid) ||
      puthex(out, j->handle, JOB_HANDLE) || puthex(out, j->status, JOB_STATUS) ||
      netstr_putu(out, j->size) || puthex(out, j->hash, JOB_HASH) ||
      netstr_putu(out, (unsigned long long)j->time) || netstr_puts(out, j->sender) ||
      netstr_putu(out, j->nrcpt))
    return -1;
  for (i = 0; i < j->nrcpt; i++)
    if (netstr_puts(out, j->rcpt[i])) return -1;
  return 0;
}

static int getu(struct rd *r, uint64_t max, uint64_t *v)
{
  const unsigned char *p;
  size_t n;
  if (netstr_get(r, &p, &n, 20) == -1) return -1;
  return scan_u64(p, n, max, v);
}

static int gethex(struct rd *r, unsigned char *out, size_t len)
{
  const unsigned char *p;
  size_t n;
  if (netstr_get(r, &p, &n, 2 * len) == -1) return -1;
  return hex_decode(out, len, (const char *)p, n);
}

static int getaddr(struct rd *r, char out[ADDR_MAX + 1])
{
  const unsigned char *p;
  size_t n;
  if (netstr_get(r, &p, &n, ADDR_MAX) == -1) return -1;
  if (!addr_check((const char *)p, n)) return -1;
  memcpy(out, p, n);
  out[n] = 0;
  return 0;
}

int job_parse(struct job *j, const unsigned char *p, size_t n)
{
  struct rd r;
  const unsigned char *m;
  size_t mn;
  uint64_t v;
  char a[ADDR_MAX + 1];
  job_init(j);
  rd_init(&r, p, n);
  if (netstr_get(&r, &m, &mn, 32) == -1 || mn != sizeof magic - 1 ||
      memcmp(m, magic, mn))
    goto bad;
  if (getu(&r, UINT32_MAX, &v)) goto bad;
  j->uid = (uint32_t)v;
  if (gethex(&r, j->handle, JOB_HANDLE) || gethex(&r, j->status, JOB_STATUS))
    goto bad;
  if (getu(&r, MESSAGE_MAX, &j->size)) goto bad;
  if (gethex(&r, j->hash, JOB_HASH)) goto bad;
  if (getu(&r, INT64_MAX, &v)) goto bad;
  j->time = (int64_t)v;
  if (getaddr(&r, j->sender)) goto bad;
  if (getu(&r, JOB_RCPT_MAX, &v) || v == 0) goto bad;
  while (v--) {
    if (getaddr(&r, a)) goto bad;
    if (job_add_rcpt(j, a) == -1) {
      int e = errno;
      job_free(j);
      errno = e == E2BIG ? EINVAL : e;
      return -1;
    }
  }
  if (r.err || rd_left(&r) || j->nrcpt == 0) goto bad;
  return 0;
bad:
  job_free(j);
  errno = EINVAL;
  return -1;
}
