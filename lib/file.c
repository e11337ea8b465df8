/* file.c: the one way im2k creates files.  Trusts the caller's
 * directory descriptors; trusts nothing found on disk (final symlinks
 * are refused, sizes are bounded). */
#include "file.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void file_unique(char out[FILE_UNIQUE_MAX])
{
  unsigned char r[8];
  char h[17];
  randombytes_buf(r, sizeof r);
  hex_encode(h, r, sizeof r);
  snprintf(out, FILE_UNIQUE_MAX, "%lld.%ld.%s", (long long)time(NULL),
           (long)getpid(), h);
}

int file_create(int dirfd, const char *name, mode_t mode)
{
  int fd;
  do
    fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                mode);
  while (fd == -1 && errno == EINTR);
  return fd;
}

int file_write_all(int fd, const void *p, size_t n)
{
  const unsigned char *q = p;
  while (n) {
    ssize_t w = write(fd, q, n);
    if (w == -1) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (w == 0) { errno = EIO; return -1; }
    q += w;
    n -= (size_t)w;
  }
  return 0;
}

int file_sync_close(int fd)
{
  if (fsync(fd) == -1) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  /* On Linux the descriptor is gone whatever close returns; an error
   * here after a successful fsync still means the data may be lost. */
  if (close(fd) == -1 && errno != EINTR) return -1;
  return 0;
}

int file_sync_dir(int dirfd, const char *path)
{
  int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return -1;
  if (fsync(fd) == -1) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  close(fd);
  return 0;
}

int file_put_atomic(int dirfd, const char *name, const void *data, size_t n,
                    mode_t mode)
{
  char tmp[FILE_UNIQUE_MAX + 8];
  char u[FILE_UNIQUE_MAX];
  int fd, e;
  file_unique(u);
  snprintf(tmp, sizeof tmp, ".tmp.%s", u);
  fd = file_create(dirfd, tmp, mode);
  if (fd == -1) return -1;
  if (file_write_all(fd, data, n) == -1 || fchmod(fd, mode) == -1) {
    e = errno;
    close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = e;
    return -1;
  }
  if (file_sync_close(fd) == -1) goto fail;
  if (renameat(dirfd, tmp, dirfd, name) == -1) goto fail;
  return file_sync_dir(dirfd, ".");
fail:
  e = errno;
  unlinkat(dirfd, tmp, 0);
  errno = e;
  return -1;
}

int file_read_fd(int fd, size_t max, unsigned char **out, size_t *outlen)
{
  size_t cap = 4096, len = 0;
  unsigned char *p = malloc(cap + 1);
  if (!p) { errno = ENOMEM; return -1; }
  for (;;) {
    ssize_t r;
    if (len == cap) {
      unsigned char *q;
      if (cap > max) { free(p); errno = EMSGSIZE; return -1; }
      /* cap + 1 bytes are allocated (the NUL); lib/grow's doubling
       * would not keep that shape, so the overflow check is here */
      if (cap > (SIZE_MAX - 1) / 2) { free(p); errno = ENOMEM; return -1; }
      cap *= 2;
      q = realloc(p, cap + 1);
      if (!q) { free(p); errno = ENOMEM; return -1; }
      p = q;
    }
    r = read(fd, p + len, cap - len);
    if (r == -1) {
      if (errno == EINTR) continue;
      free(p);
      return -1;
    }
    if (r == 0) break;
    len += (size_t)r;
    if (len > max) { free(p); errno = EMSGSIZE; return -1; }
  }
  p[len] = 0;
  *out = p;
  *outlen = len;
  return 0;
}

int file_read(int dirfd, const char *name, size_t max, unsigned char **out,
              size_t *outlen)
{
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  int r, e;
  struct stat st;
  if (fd == -1) return -1;
  if (fstat(fd, &st) == -1) goto fail;
  if (!S_ISREG(st.st_mode)) { errno = EINVAL; goto fail; }
  r = file_read_fd(fd, max, out, outlen);
  e = errno;
  close(fd);
  errno = e;
  return r;
fail:
  e = errno;
  close(fd);
  errno = e;
  return -1;
}
