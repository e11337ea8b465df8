/* file.h: safe file creation and reading.  New files get a unique name,
 * are opened O_EXCL|O_NOFOLLOW, written completely, fsynced and closed
 * before they are linked or renamed into place; then the directory is
 * fsynced.  A crash at any point leaves either the old state or the new
 * one, never a half-written file under its final name. */
#ifndef IM2K_FILE_H
#define IM2K_FILE_H

#include <stddef.h>
#include <sys/types.h>

#define FILE_UNIQUE_MAX 64

/* file_unique: "SECONDS.PID.RANDOMHEX" into out (FILE_UNIQUE_MAX). */
void file_unique(char out[FILE_UNIQUE_MAX]);
/* file_create: open dirfd/name read-write, O_CREAT|O_EXCL|O_NOFOLLOW. */
int file_create(int dirfd, const char *name, mode_t mode);
/* file_write_all: write all n bytes, retrying on EINTR and short writes. */
int file_write_all(int fd, const void *p, size_t n);
/* file_sync_close: fsync then close; -1 if either fails (errno kept). */
int file_sync_close(int fd);
/* file_sync_dir: fsync the directory dirfd/path ("." for dirfd itself). */
int file_sync_dir(int dirfd, const char *path);
/* file_put_atomic: write data to dirfd/".tmp.UNIQUE", fsync, rename to
 * dirfd/name, fsync the directory.  Replaces an existing name. */
int file_put_atomic(int dirfd, const char *name, const void *data, size_t n,
                    mode_t mode);
/* file_read: read all of dirfd/name (not following a final symlink)
 * into a malloced buffer; -1 with EMSGSIZE if it holds more than max. */
int file_read(int dirfd, const char *name, size_t max, unsigned char **out,
              size_t *outlen);
/* file_read_fd: the same from an open descriptor. */
int file_read_fd(int fd, size_t max, unsigned char **out, size_t *outlen);

#endif
