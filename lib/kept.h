/* kept.h: a control file a daemon keeps while it runs, taken again when
 * the file is replaced or changed.  The file is looked at (one fstatat)
 * at most once a second; it counts as changed when its inode, size or
 * modification time differ from the copy held.  What a copy is (a cdb
 * table, a text) is the caller's: table_kept and kept_text build on this. */
#ifndef IM2K_KEPT_H
#define IM2K_KEPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#define KEPT_MS 1000   /* a file is looked at no more often than this */

struct kept {
  const char *path;   /* relative to the directory given to kept_look */
  ino_t ino;
  off_t size;
  struct timespec mtime;
  int held;           /* a copy is held (kept_took since the last kept_drop) */
  int64_t checked;    /* ms, monotonic: when last looked at */
};
#define KEPT(path) {(path), 0, 0, {0, 0}, 0, 0}

enum kept_look {
  KEPT_SAME = 0,      /* the copy held is current, or it is too early to look */
  KEPT_CHANGED = 1,   /* new, replaced or changed: take it again (*st set) */
  KEPT_GONE = 2,      /* there is no such file now (ENOENT) */
  KEPT_ERROR = -1     /* it cannot be looked at (errno); keep what is held */
};
/* kept_look: what became of the file at dirfd/path since kept_took, at
 * now_ms (a monotonic clock).  Without a copy held, a file there is
 * always KEPT_CHANGED.  A caller that cannot take a changed file keeps
 * what it holds and is told again at the next look, a second later. */
enum kept_look kept_look(struct kept *k, int dirfd, int64_t now_ms, struct stat *st);
/* kept_took: the caller now holds the copy of the file that st describes */
void kept_took(struct kept *k, const struct stat *st);
/* kept_drop: the caller holds no copy any more */
void kept_drop(struct kept *k);

/* A text file kept in memory (at most max bytes): control/smtproutes. */
struct kept_text {
  struct kept k;
  size_t max;
  unsigned char *p;   /* NULL: no file */
  size_t n;
};
#define KEPT_TEXT(path, max) {KEPT(path), (max), NULL, 0}
/* kept_text: the text at now_ms: 1 (t->p, t->n hold it), 0 there is no
 * such file, -1 with errno when a changed file cannot be read (the text
 * held before, if any, stays in t->p and is tried again a second later). */
int kept_text(struct kept_text *t, int dirfd, int64_t now_ms);
void kept_text_free(struct kept_text *t);

#endif
