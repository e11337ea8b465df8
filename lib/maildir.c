/* maildir.c: Maildir delivery.  Trusts the caller's NAME (checked to
 * hold no '/' or ':'); trusts nothing else in the Maildir. */
#include "maildir.h"
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int okname(const char *name)
{
  size_t n = strlen(name);
  if (!n || n > 200 || strchr(name, '/') || strchr(name, ':') || name[0] == '.') {
    errno = EINVAL;
    return 0;
  }
  return 1;
}

int maildir_open(const char *path)
{
  static const char *sub[3] = {"tmp", "new", "cur"};
  int fd, i;
  if (mkdir(path, 0700) == -1 && errno != EEXIST) return -1;
  fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return -1;
  for (i = 0; i < 3; i++)
    if (mkdirat(fd, sub[i], 0700) == -1 && errno != EEXIST) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
  return fd;
}

int maildir_has(int mdfd, const char *name)
{
  char p[256];
  struct stat st;
  int cfd;
  DIR *d;
  struct dirent *de;
  size_t n;
  int found = 0;
  if (!okname(name)) return -1;
  snprintf(p, sizeof p, "new/%s", name);
  if (fstatat(mdfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0) return 1;
  if (errno != ENOENT) return -1;
  cfd = openat(mdfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd == -1) return -1;
  d = fdopendir(cfd);
  if (!d) { close(cfd); return -1; }
  n = strlen(name);
  errno = 0;
  while ((de = readdir(d)))
    if (!strncmp(de->d_name, name, n) &&
        (de->d_name[n] == 0 || de->d_name[n] == ':')) {
      found = 1;
      break;
    }
  if (!found && errno) { int e = errno; closedir(d); errno = e; return -1; }
  closedir(d);
  return found;
}

int maildir_tmp(int mdfd, const char *name)
{
  char p[256];
  if (!okname(name)) return -1;
  snprintf(p, sizeof p, "tmp/%s", name);
  if (unlinkat(mdfd, p, 0) == -1 && errno != ENOENT) return -1;
  return file_create(mdfd, p, 0600);
}

void maildir_abort(int mdfd, const char *name, int fd)
{
  char p[256];
  int e = errno;
  if (fd != -1) close(fd);
  snprintf(p, sizeof p, "tmp/%s", name);
  unlinkat(mdfd, p, 0);
  errno = e;
}

int maildir_commit(int mdfd, const char *name, int fd)
{
  char t[256], n[256];
  int already = 0;
  if (!okname(name)) { close(fd); errno = EINVAL; return -1; }
  snprintf(t, sizeof t, "tmp/%s", name);
  snprintf(n, sizeof n, "new/%s", name);
  if (file_sync_close(fd) == -1) { maildir_abort(mdfd, name, -1); return -1; }
  if (linkat(mdfd, t, mdfd, n, 0) == -1) {
    if (errno != EEXIST) { maildir_abort(mdfd, name, -1); return -1; }
    already = 1;
  }
  if (unlinkat(mdfd, t, 0) == -1) return -1;
  if (file_sync_dir(mdfd, "new") == -1) return -1;
  return already;
}
