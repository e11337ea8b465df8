/* table.c: cdb lookups and builds through tinycdb.  Trusts tinycdb to
 * bound its reads to the file; checks every length it hands back. */
#define _GNU_SOURCE
#include "table.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int table_open(struct table *t, int dirfd, const char *path)
{
  t->fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (t->fd == -1) return -1;
  if (cdb_init(&t->c, t->fd) != 0) {
    close(t->fd);
    t->fd = -1;
    errno = EINVAL;
    return -1;
  }
  return 0;
}

int table_open_copy(struct table *t, int dirfd, const char *path)
{
  char b[65536];
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC), m, e;
  ssize_t r;
  if (fd == -1) return -1;
  m = memfd_create("im2k-table", MFD_CLOEXEC);
  if (m == -1) goto fail;
  while ((r = read(fd, b, sizeof b)) > 0)
    if (file_write_all(m, b, (size_t)r) == -1) goto fail;
  if (r == -1) goto fail;
  close(fd);
  fd = -1;
  t->fd = m;
  if (cdb_init(&t->c, m) != 0) {
    close(m);
    t->fd = -1;
    errno = EINVAL;
    return -1;
  }
  return 0;
fail:
  e = errno;
  if (fd != -1) close(fd);
  if (m != -1) close(m);
  errno = e;
  return -1;
}

struct table *table_kept(struct table_kept *k, int dirfd, int64_t now_ms)
{
  struct stat st;
  switch (kept_look(&k->k, dirfd, now_ms, &st)) {
  case KEPT_SAME: return &k->t;
  case KEPT_ERROR:
    if (k->t.fd != -1) return &k->t;
    return NULL;
  case KEPT_GONE:
    table_kept_close(k);
    errno = ENOENT;
    return NULL;
  case KEPT_CHANGED: break;
  }
  table_kept_close(k);
  if (table_open_copy(&k->t, dirfd, k->k.path) == -1) return NULL;
  kept_took(&k->k, &st);
  return &k->t;
}

void table_kept_close(struct table_kept *k)
{
  table_close(&k->t);
  kept_drop(&k->k);
}

int table_get(struct table *t, const void *key, size_t klen, char *out,
              size_t max, size_t *len)
{
  int r;
  unsigned n;
  if (klen > 0xffff) return 0;
  r = cdb_find(&t->c, key, (unsigned)klen);
  if (r < 0) { errno = EIO; return -1; }
  if (r == 0) return 0;
  n = cdb_datalen(&t->c);
  if (max == 0 || n > max - 1) { errno = EMSGSIZE; return -1; }
  if (cdb_read(&t->c, out, n, cdb_datapos(&t->c)) != 0) { errno = EIO; return -1; }
  out[n] = 0;
  if (len) *len = n;
  return 1;
}

void table_close(struct table *t)
{
  if (t->fd == -1) return;
  cdb_free(&t->c);
  close(t->fd);
  t->fd = -1;
}

int table_make_start(struct table_make *tm, int dirfd, const char *name)
{
  char u[FILE_UNIQUE_MAX];
  if (strlen(name) >= sizeof tm->name) { errno = ENAMETOOLONG; return -1; }
  file_unique(u);
  snprintf(tm->tmp, sizeof tm->tmp, ".tmp.%s", u);
  snprintf(tm->name, sizeof tm->name, "%s", name);
  tm->dirfd = dirfd;
  tm->fd = file_create(dirfd, tm->tmp, 0644);
  if (tm->fd == -1) return -1;
  tm->started = 0;
  if (cdb_make_start(&tm->m, tm->fd) != 0) {
    table_make_abort(tm);
    return -1;
  }
  tm->started = 1;
  return 0;
}

int table_make_add(struct table_make *tm, const void *key, size_t klen,
                   const void *val, size_t vlen)
{
  if (klen > 0xffff || vlen > 0xffffff) { errno = EMSGSIZE; return -1; }
  if (cdb_make_add(&tm->m, key, (unsigned)klen, val, (unsigned)vlen) != 0) {
    if (!errno) errno = EIO;
    return -1;
  }
  return 0;
}

int table_make_finish(struct table_make *tm)
{
  int e;
  tm->started = 0;
  if (cdb_make_finish(&tm->m) != 0) goto fail;
  if (file_sync_close(tm->fd) == -1) { tm->fd = -1; goto fail; }
  tm->fd = -1;
  if (renameat(tm->dirfd, tm->tmp, tm->dirfd, tm->name) == -1) goto fail;
  return file_sync_dir(tm->dirfd, ".");
fail:
  e = errno ? errno : EIO;
  table_make_abort(tm);
  errno = e;
  return -1;
}

void table_make_abort(struct table_make *tm)
{
  int e = errno;
  /* only cdb_make_finish frees tinycdb's record lists; the file it
   * writes is thrown away below */
  if (tm->started && cdb_make_finish(&tm->m) != 0) {}
  tm->started = 0;
  if (tm->fd != -1) close(tm->fd);
  tm->fd = -1;
  unlinkat(tm->dirfd, tm->tmp, 0);
  errno = e;
}
