/* ctl.c: reading control files.  The operator's text is checked like
 * any outside input. */
#include "ctl.h"
#include "addr.h"
#include "bytes.h"
#include "file.h"
#include "lines.h"
#include "table.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctl_line(int dirfd, const char *path, char *out, size_t max)
{
  unsigned char *p;
  size_t n, ln;
  const char *l;
  struct lines ls;
  int r;
  if (file_read(dirfd, path, 65536, &p, &n) == -1) return errno == ENOENT ? 0 : -1;
  lines_init(&ls, p, n);
  r = lines_next(&ls, &l, &ln);
  if (r <= 0) {
    free(p);
    if (r == 0) { errno = EINVAL; }
    return -1;
  }
  if (ln >= max) { free(p); errno = EMSGSIZE; return -1; }
  memcpy(out, l, ln);
  out[ln] = 0;
  free(p);
  return 1;
}

int ctl_uint(int dirfd, const char *path, uint64_t def, uint64_t max, uint64_t *out)
{
  char s[32];
  int r = ctl_line(dirfd, path, s, sizeof s);
  if (r == -1) { if (errno == EMSGSIZE) errno = EINVAL; return -1; }
  if (r == 0) { *out = def; return 0; }
  if (scan_u64(s, strlen(s), max, out) == -1) { errno = EINVAL; return -1; }
  return 0;
}

int ctl_me(int homefd, char me[256])
{
  int r = ctl_line(homefd, "control/me", me, 256);
  if (r == 0) { errno = ENOENT; return -1; }
  if (r == -1) { if (errno == EMSGSIZE) errno = EINVAL; return -1; }
  if (!domain_check(me, strlen(me))) { errno = EINVAL; return -1; }
  domain_lower(me);
  return 0;
}

int ctl_compile(int dirfd, const char *src, const char *dst, ctl_row row,
                unsigned long *badline)
{
  unsigned char *p;
  size_t n, ln, kl, vl;
  const char *l, *v;
  char key[256], dir[256], base[256];
  const char *slash = strrchr(dst, '/');
  struct lines ls;
  struct table_make tm;
  int r, ddir;
  *badline = 0;
  if (!slash) { snprintf(dir, sizeof dir, "."); snprintf(base, sizeof base, "%s", dst); }
  else {
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - dst), dst);
    snprintf(base, sizeof base, "%s", slash + 1);
  }
  if (file_read(dirfd, src, 64 << 20, &p, &n) == -1) return -1;
  ddir = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ddir == -1) { free(p); return -1; }
  if (table_make_start(&tm, ddir, base) == -1) goto fail;
  lines_init(&ls, p, n);
  while ((r = lines_next(&ls, &l, &ln)) == 1) {
    if (row(l, ln, key, &kl, &v, &vl) == -1) goto bad;
    /* a repeated key is an operator's mistake: say so, do not pick one */
    if (cdb_make_exists(&tm.m, key, (unsigned)kl) != 0) goto bad;
    if (table_make_add(&tm, key, kl, v, vl) == -1) goto failm;
  }
  if (r == -1) goto bad;
  if (table_make_finish(&tm) == -1) goto fail;
  close(ddir);
  free(p);
  return 0;
bad:
  *badline = ls.lineno;
  errno = EINVAL;
failm:
  table_make_abort(&tm);
fail:
  {
    int e = errno;
    close(ddir);
    free(p);
    errno = e;
  }
  return -1;
}
