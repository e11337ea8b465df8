/* kept.c: control files a daemon keeps, taken again when they change.
 * Trusts the file system's inode, size and mtime to tell a change; a
 * file rewritten within the same nanosecond at the same size would be
 * missed, which the writers (rename into place) never do. */
#include "kept.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

static int same(const struct kept *k, const struct stat *st)
{
  return st->st_ino == k->ino && st->st_size == k->size && st->st_mtim.tv_sec == k->mtime.tv_sec &&
         st->st_mtim.tv_nsec == k->mtime.tv_nsec;
}

enum kept_look kept_look(struct kept *k, int dirfd, int64_t now_ms, struct stat *st)
{
  if (k->held && now_ms - k->checked < KEPT_MS) return KEPT_SAME;
  k->checked = now_ms;
  if (fstatat(dirfd, k->path, st, 0) == -1) return errno == ENOENT ? KEPT_GONE : KEPT_ERROR;
  if (k->held && same(k, st)) return KEPT_SAME;
  return KEPT_CHANGED;
}

void kept_took(struct kept *k, const struct stat *st)
{
  k->ino = st->st_ino;
  k->size = st->st_size;
  k->mtime = st->st_mtim;
  k->held = 1;
}

void kept_drop(struct kept *k) { k->held = 0; }

int kept_text(struct kept_text *t, int dirfd, int64_t now_ms)
{
  struct stat st;
  unsigned char *p;
  size_t n;
  /* without a file held, look at most once a second too */
  if (!t->k.held && now_ms - t->k.checked < KEPT_MS && t->k.checked) return t->p ? 1 : 0;
  switch (kept_look(&t->k, dirfd, now_ms, &st)) {
  case KEPT_SAME: return t->p ? 1 : 0;
  case KEPT_GONE:
  case KEPT_ERROR:
    /* as before: a file that cannot be looked at counts as none */
    kept_text_free(t);
    return 0;
  case KEPT_CHANGED: break;
  }
  if (file_read(dirfd, t->k.path, t->max, &p, &n) == -1) {
    int e = errno;
    t->k.held = 0;   /* tried again at the next look */
    errno = e;
    return -1;
  }
  free(t->p);
  t->p = p;
  t->n = n;
  kept_took(&t->k, &st);
  return 1;
}

void kept_text_free(struct kept_text *t)
{
  free(t->p);
  t->p = NULL;
  t->n = 0;
  kept_drop(&t->k);
}
