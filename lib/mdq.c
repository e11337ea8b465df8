/* mdq.c: maildir-like queues.  Trusts the caller's queue directory and
 * names; the names must not contain '/'. */
#include "mdq.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mdq_put(int qfd, const char *name, const void *data, size_t n, mode_t mode,
            int replace)
{
  char tmp[512], dst[512];
  int fd, e;
  if (strchr(name, '/') || strlen(name) > 400) { errno = EINVAL; return -1; }
  snprintf(tmp, sizeof tmp, "tmp/%s", name);
  snprintf(dst, sizeof dst, "new/%s", name);
  unlinkat(qfd, tmp, 0); /* left over from a crash: ours to remove */
  fd = file_create(qfd, tmp, mode);
  if (fd == -1) return -1;
  if (file_write_all(fd, data, n) == -1 || fchmod(fd, mode) == -1) {
    e = errno;
    close(fd);
    goto fail_e;
  }
  if (file_sync_close(fd) == -1) goto fail;
  if (replace) {
    if (renameat(qfd, tmp, qfd, dst) == -1) goto fail;
  } else {
    if (linkat(qfd, tmp, qfd, dst, 0) == -1) goto fail;
    unlinkat(qfd, tmp, 0);
  }
  if (file_sync_dir(qfd, "new") == -1) {
    /* the entry may not survive a crash, and the caller is told it was
     * not queued: take it back, so that a reader does not act on what
     * its writer calls a failure */
    e = errno;
    unlinkat(qfd, dst, 0);
    errno = e;
    return -1;
  }
  return 0;
fail:
  e = errno;
fail_e:
  unlinkat(qfd, tmp, 0);
  errno = e;
  return -1;
}

int mdq_exists(int qfd, const char *name)
{
  char p[512];
  struct stat st;
  const char *dirs[2] = {"new", "cur"};
  int i;
  for (i = 0; i < 2; i++) {
    snprintf(p, sizeof p, "%s/%s", dirs[i], name);
    if (fstatat(qfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0) return 1;
    if (errno != ENOENT) return -1;
  }
  return 0;
}
