/* unit.h: the harness of the unit tests, all static, nothing to link.
 * CHECK(cond, fmt, ...) counts a check and, when cond is false, prints
 * "FAIL file:line: message" on stderr.  main ends with
 * "return unit_done("t_MODULE");", which prints the last stdout line
 * "t_MODULE: N checks, M failed" and gives 0 if all passed, 1 if not.
 * The temp-dir helpers use plain POSIX calls, never lib/, so that a bug
 * in lib/ cannot hide itself from its own test. */
#ifndef IM2K_UNIT_H
#define IM2K_UNIT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long unit_nchecks;
static unsigned long unit_nfailed;

__attribute__((format(printf, 4, 5))) static inline int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  unit_nchecks++;
  if (ok) return 1;
  unit_nfailed++;
  fflush(stdout);
  fprintf(stderr, "FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 0;
}

/* CHECK(cond, fmt, ...): true if the check passed. */
#define CHECK(cond, ...) unit_check((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* unit_done: the summary line; main's exit code. */
static inline int unit_done(const char *name)
{
  printf("%s: %lu checks, %lu failed\n", name, unit_nchecks, unit_nfailed);
  fflush(stdout);
  return unit_nfailed ? 1 : 0;
}

/* unit_fatal: the test itself cannot go on (no temp dir, no memory). */
__attribute__((noreturn)) static inline void unit_fatal(const char *name,
                                                        const char *what)
{
  fprintf(stderr, "%s: fatal: %s: %s\n", name, what, strerror(errno));
  printf("%s: %lu checks, %lu failed\n", name, unit_nchecks + 1,
         unit_nfailed + 1);
  exit(1);
}

/* unit_child: run fn(arg) in a child process, so that a crash in lib/
 * fails one check instead of ending the test program.  fn's return
 * value (0..255), -1 if the child died by a signal, -2 if no child. */
static inline int unit_child(int (*fn)(const void *), const void *arg)
{
  pid_t pid;
  int st;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == -1) return -2;
  if (pid == 0) _exit(fn(arg) & 255);
  while (waitpid(pid, &st, 0) == -1)
    if (errno != EINTR) return -2;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* unit_tmpdir: a fresh directory /tmp/im2k-unit.XXXXXX into path. */
static inline int unit_tmpdir(char path[64])
{
  const char *t = "/tmp/im2k-unit.XXXXXX";
  memcpy(path, t, strlen(t) + 1);
  return mkdtemp(path) ? 0 : -1;
}

/* unit_rmtree_at: remove dirfd/name and everything under it. */
static inline int unit_rmtree_at(int at, const char *name)
{
  struct stat st;
  int fd, r = 0;
  DIR *d;
  struct dirent *de;
  if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return unlinkat(at, name, 0);
  fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) return -1;
  d = fdopendir(fd);
  if (!d) { close(fd); return -1; }
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      if (unit_rmtree_at(fd, de->d_name) == -1) r = -1;
  closedir(d);
  if (unlinkat(at, name, AT_REMOVEDIR) == -1) r = -1;
  return r;
}

static inline int unit_rmtree(const char *path)
{
  return unit_rmtree_at(AT_FDCWD, path);
}

/* unit_count: entries of dirfd/sub ("." for dirfd) whose names begin
 * with prefix ("" for all), not counting "." and ".."; -1 on error. */
static inline long unit_count(int dirfd, const char *sub, const char *prefix)
{
  int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d;
  struct dirent *de;
  long n = 0;
  size_t pl = strlen(prefix);
  if (fd == -1) return -1;
  d = fdopendir(fd);
  if (!d) { close(fd); return -1; }
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
        !strncmp(de->d_name, prefix, pl))
      n++;
  closedir(d);
  return n;
}

/* unit_slurp: the contents of dirfd/path (malloc, NUL added, not counted
 * in *len); -1 on error. */
static inline int unit_slurp(int dirfd, const char *path, unsigned char **out,
                             size_t *len)
{
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t cap = 256, n = 0;
  unsigned char *p;
  if (fd == -1) return -1;
  p = malloc(cap + 1);
  if (!p) { close(fd); return -1; }
  for (;;) {
    ssize_t r;
    if (n == cap) {
      unsigned char *q = realloc(p, 2 * cap + 1);
      if (!q) { free(p); close(fd); return -1; }
      p = q;
      cap *= 2;
    }
    r = read(fd, p + n, cap - n);
    if (r == -1 && errno == EINTR) continue;
    if (r == -1) { free(p); close(fd); return -1; }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  p[n] = 0;
  *out = p;
  *len = n;
  return 0;
}

/* unit_same_file: 1 if dirfd/path holds exactly the n bytes at want. */
static inline int unit_same_file(int dirfd, const char *path, const void *want,
                                 size_t n)
{
  unsigned char *p;
  size_t len;
  int same;
  if (unit_slurp(dirfd, path, &p, &len) == -1) return 0;
  same = len == n && (n == 0 || !memcmp(p, want, n));
  free(p);
  return same;
}

/* unit_write: create or truncate dirfd/path holding the n bytes at p. */
static inline int unit_write(int at, const char *path, const void *p,
                             size_t n, mode_t mode)
{
  int fd = openat(at, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  const unsigned char *q = p;
  if (fd == -1) return -1;
  while (n) {
    ssize_t w = write(fd, q, n);
    if (w == -1 && errno == EINTR) continue;
    if (w <= 0) { close(fd); return -1; }
    q += w;
    n -= (size_t)w;
  }
  return close(fd);
}

/* unit_mode: the permission bits of dirfd/path, or -1. */
static inline long unit_mode(int dirfd, const char *path)
{
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1) return -1;
  return (long)(st.st_mode & 07777);
}

/* unit_exists: 1 if dirfd/path exists (not following a final symlink). */
static inline int unit_exists(int dirfd, const char *path)
{
  struct stat st;
  return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

#endif
