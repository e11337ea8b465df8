/* im2k-fault.so: a preloaded library for the torture tests.  It counts
 * the calls a program makes into the C library that touch files, pipes
 * and sockets, and makes the N-th call of the chosen kinds fail with an
 * error (EIO, ENOSPC, EDQUOT) or kills the process with SIGKILL right
 * after it.  Not installed; trusts its environment, which is the test's:
 *   IM2K_FAULT=KINDS:N:ACTION  KINDS "all" or a comma list of write,
 *                              fsync, link, rename, open, read, close,
 *                              unlink, mkdir, chmod, net, lock,
 *                              poll; ACTION EIO, ENOSPC, EDQUOT or
 *                              KILL.  IM2K_FAULT=KINDS only counts.
 *   IM2K_FAULT_PROG=NAME       act only in the program called NAME
 *   IM2K_FAULT_LOG=FILE        append "NAME COUNT FIRED" at exit, and
 *                              "NAME fired KIND" when the fault fires
 * A forked child that has not yet run exec counts nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum kind { K_WRITE, K_FSYNC, K_LINK, K_RENAME, K_OPEN, K_READ, K_CLOSE, K_UNLINK,
            K_MKDIR, K_CHMOD, K_NET, K_LOCK, K_POLL, K_N };
static const char *const kname[K_N] = {"write", "fsync", "link", "rename", "open", "read",
                                       "close", "unlink", "mkdir", "chmod", "net", "lock",
                                       "poll"};

static int active;          /* this process is the one to act in */
static unsigned kinds;      /* bit per kind counted */
static unsigned long at;    /* the call that fails or kills; 0: none */
static unsigned long count;
static int action;          /* an errno, or -1 for SIGKILL */
static int fired;
static char logpath[512];

/* raw system calls for the log: never through the counted functions */
static void logline(const char *s)
{
  long fd;
  if (!logpath[0]) return;
  fd = syscall(SYS_openat, AT_FDCWD, logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return;
  syscall(SYS_write, (int)fd, s, strlen(s));
  syscall(SYS_close, (int)fd);
}

static void child_off(void) { active = 0; }

__attribute__((constructor)) static void setup(void)
{
  const char *f = getenv("IM2K_FAULT"), *p = getenv("IM2K_FAULT_PROG"), *l = getenv("IM2K_FAULT_LOG");
  char spec[256], *c, *tok, *save;
  if (p && *p && strcmp(p, program_invocation_short_name)) return;
  if (l) snprintf(logpath, sizeof logpath, "%s", l);
  active = 1;
  pthread_atfork(NULL, NULL, child_off);
  if (!f || !*f) { kinds = (1u << K_N) - 1; return; } /* count only */
  snprintf(spec, sizeof spec, "%s", f);
  c = strchr(spec, ':');
  if (c) *c++ = 0;
  for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int k;
    if (!strcmp(tok, "all")) kinds = (1u << K_N) - 1;
    for (k = 0; k < K_N; k++)
      if (!strcmp(tok, kname[k])) kinds |= 1u << k;
  }
  if (!c) return;
  at = strtoul(c, &c, 10);
  if (*c++ != ':') { at = 0; return; }
  if (!strcmp(c, "KILL")) action = -1;
  else if (!strcmp(c, "EIO")) action = EIO;
  else if (!strcmp(c, "ENOSPC")) action = ENOSPC;
  else if (!strcmp(c, "EDQUOT")) action = EDQUOT;
  else at = 0;
}

__attribute__((destructor)) static void report(void)
{
  char s[128];
  if (!active) return;
  snprintf(s, sizeof s, "%s %lu %d\n", program_invocation_short_name, count, fired);
  logline(s);
}

/* before: 1 if this call is to fail (errno set) */
static int before(enum kind k)
{
  if (!active || !(kinds & (1u << k))) return 0;
  count++;
  if (!at || count != at || action == -1) return 0;
  fired = 1;
  {
    char s[128];
    snprintf(s, sizeof s, "%s fired %s %lu\n", program_invocation_short_name, kname[k], count);
    logline(s);
  }
  errno = action;
  return 1;
}

/* after: the call has been made; SIGKILL if this was the one */
static void after(enum kind k)
{
  if (!active || !(kinds & (1u << k)) || !at || count != at || action != -1) return;
  {
    char s[128];
    snprintf(s, sizeof s, "%s killed after %s %lu\n", program_invocation_short_name, kname[k], count);
    logline(s);
  }
  syscall(SYS_kill, (long)getpid(), (long)SIGKILL);
}

#define NEXT(ret, name, params) \
  static ret (*next_##name) params; \
  if (!next_##name) next_##name = (ret (*) params)dlsym(RTLD_NEXT, #name)

#define WRAP(kind, ret, name, params, args, fail)  \
  ret name params;                                 \
  ret name params                                  \
  {                                                \
    ret r;                                         \
    int e;                                         \
    NEXT(ret, name, params);                       \
    if (before(kind)) return fail;                 \
    r = next_##name args;                          \
    e = errno;                                     \
    after(kind);                                   \
    errno = e;                                     \
    return r;                                      \
  }

WRAP(K_WRITE, ssize_t, write, (int fd, const void *p, size_t n), (fd, p, n), -1)
WRAP(K_WRITE, ssize_t, pwrite, (int fd, const void *p, size_t n, off_t o), (fd, p, n, o), -1)
WRAP(K_WRITE, ssize_t, pwrite64, (int fd, const void *p, size_t n, off_t o), (fd, p, n, o), -1)
WRAP(K_FSYNC, int, fsync, (int fd), (fd), -1)
WRAP(K_FSYNC, int, fdatasync, (int fd), (fd), -1)
WRAP(K_LINK, int, link, (const char *a, const char *b), (a, b), -1)
WRAP(K_LINK, int, linkat, (int d1, const char *a, int d2, const char *b, int fl), (d1, a, d2, b, fl), -1)
WRAP(K_RENAME, int, rename, (const char *a, const char *b), (a, b), -1)
WRAP(K_RENAME, int, renameat, (int d1, const char *a, int d2, const char *b), (d1, a, d2, b), -1)
WRAP(K_READ, ssize_t, read, (int fd, void *p, size_t n), (fd, p, n), -1)
WRAP(K_READ, ssize_t, __read_chk, (int fd, void *p, size_t n, size_t m), (fd, p, n, m), -1)
WRAP(K_READ, ssize_t, pread, (int fd, void *p, size_t n, off_t o), (fd, p, n, o), -1)
WRAP(K_READ, ssize_t, pread64, (int fd, void *p, size_t n, off_t o), (fd, p, n, o), -1)
WRAP(K_READ, ssize_t, __pread_chk, (int fd, void *p, size_t n, off_t o, size_t m), (fd, p, n, o, m), -1)
WRAP(K_READ, ssize_t, __pread64_chk, (int fd, void *p, size_t n, off_t o, size_t m), (fd, p, n, o, m), -1)
WRAP(K_CLOSE, int, close, (int fd), (fd), -1)
WRAP(K_UNLINK, int, unlink, (const char *a), (a), -1)
WRAP(K_UNLINK, int, unlinkat, (int d, const char *a, int fl), (d, a, fl), -1)
WRAP(K_MKDIR, int, mkdir, (const char *a, mode_t m), (a, m), -1)
WRAP(K_MKDIR, int, mkdirat, (int d, const char *a, mode_t m), (d, a, m), -1)
WRAP(K_CHMOD, int, fchmod, (int fd, mode_t m), (fd, m), -1)
WRAP(K_LOCK, int, flock, (int fd, int op), (fd, op), -1)
WRAP(K_NET, ssize_t, send, (int fd, const void *p, size_t n, int fl), (fd, p, n, fl), -1)
WRAP(K_NET, ssize_t, sendto, (int fd, const void *p, size_t n, int fl, const struct sockaddr *a, socklen_t al), (fd, p, n, fl, a, al), -1)
WRAP(K_NET, ssize_t, recv, (int fd, void *p, size_t n, int fl), (fd, p, n, fl), -1)
WRAP(K_NET, ssize_t, __recv_chk, (int fd, void *p, size_t n, size_t m, int fl), (fd, p, n, m, fl), -1)
WRAP(K_NET, ssize_t, recvfrom, (int fd, void *p, size_t n, int fl, struct sockaddr *a, socklen_t *al), (fd, p, n, fl, a, al), -1)
WRAP(K_NET, int, connect, (int fd, const struct sockaddr *a, socklen_t al), (fd, a, al), -1)
WRAP(K_POLL, int, poll, (struct pollfd *p, nfds_t n, int t), (p, n, t), -1)

/* open and openat take a mode only with O_CREAT (or O_TMPFILE) */
int open(const char *path, int flags, ...);
int open(const char *path, int flags, ...)
{
  mode_t m = 0;
  int r, e;
  NEXT(int, open, (const char *, int, ...));
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    m = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  if (before(K_OPEN)) return -1;
  r = next_open(path, flags, m);
  e = errno;
  after(K_OPEN);
  errno = e;
  return r;
}
int openat(int d, const char *path, int flags, ...);
int openat(int d, const char *path, int flags, ...)
{
  mode_t m = 0;
  int r, e;
  NEXT(int, openat, (int, const char *, int, ...));
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    m = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  if (before(K_OPEN)) return -1;
  r = next_openat(d, path, flags, m);
  e = errno;
  after(K_OPEN);
  errno = e;
  return r;
}
