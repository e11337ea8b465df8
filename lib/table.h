/* table.h: a thin wrapper over tinycdb for the compiled control files
 * (servers.cdb, users.cdb).  Lookups copy the value out with a bound;
 * building writes a temporary file, fsyncs it and renames it into place
 * so readers see the old table or the new one, never a mix. */
#ifndef IM2K_TABLE_H
#define IM2K_TABLE_H

#include "kept.h"

#include <cdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct table {
  int fd;
  struct cdb c;
};

/* table_open: open dirfd/path; -1 with errno (ENOENT: no such table,
 * EINVAL: not a cdb file). */
int table_open(struct table *t, int dirfd, const char *path);
/* table_get: 1 and the value (NUL-terminated, at most max-1 bytes) in
 * out; 0 if key is absent; -1 with EMSGSIZE if the value is longer, EIO
 * on a damaged file. */
int table_get(struct table *t, const void *key, size_t klen, char *out,
              size_t max, size_t *len);
void table_close(struct table *t);
/* table_open_copy: the same on a private copy of the file (in memory,
 * through memfd_create), for daemons that keep a table open: a file
 * rewritten in place under a mapping would kill the reader (SIGBUS);
 * the copy cannot change.  A copy taken while the file is being
 * rewritten may be damaged; lookups then fail (EIO), never crash. */
int table_open_copy(struct table *t, int dirfd, const char *path);

/* A table a daemon keeps open: a private copy (table_open_copy), taken
 * again when the file is replaced or changed (see kept.h). */
struct table_kept {
  struct kept k;
  struct table t;
};
#define TABLE_KEPT(path) {KEPT(path), {-1, {0}}}
/* table_kept: the table at now_ms (a monotonic clock), or NULL with
 * errno (ENOENT: there is no such file now).  When the file cannot be
 * looked at for another reason, the copy held is kept. */
struct table *table_kept(struct table_kept *k, int dirfd, int64_t now_ms);
/* table_kept_close: drop the copy held */
void table_kept_close(struct table_kept *k);

struct table_make {
  int dirfd;
  int fd;
  char tmp[96];
  char name[256];
  int started;  /* cdb_make_start done, cdb_make_finish not yet */
  struct cdb_make m;
};

int table_make_start(struct table_make *tm, int dirfd, const char *name);
int table_make_add(struct table_make *tm, const void *key, size_t klen,
                   const void *val, size_t vlen);
/* table_make_finish: write, fsync, rename over name, fsync the dir. */
int table_make_finish(struct table_make *tm);
void table_make_abort(struct table_make *tm);

#endif
