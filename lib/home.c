/* home.c: finding the im2k home.  Trusts the kernel's /proc/self/exe;
 * trusts the environment only in unprivileged processes. */
#include "home.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int home_bindir(char out[HOME_MAX])
{
  ssize_t n = readlink("/proc/self/exe", out, HOME_MAX - 1);
  char *slash;
  if (n <= 0) return -1;
  out[n] = 0;
  slash = strrchr(out, '/');
  if (!slash) { errno = EINVAL; return -1; }
  if (slash == out) slash[1] = 0;
  else *slash = 0;
  return 0;
}

static int privileged(void)
{
  return getuid() != geteuid() || getgid() != getegid();
}

/* safe_chain: every directory from p up to / is root's and writable by
 * no one else (or sticky, like /tmp, so that nobody else can replace
 * what root put in it). */
static int safe_chain(const char *p)
{
  char d[HOME_MAX];
  struct stat st;
  snprintf(d, sizeof d, "%s", p);
  for (;;) {
    char *slash;
    if (stat(d[0] ? d : "/", &st) == -1) return 0;
    if (st.st_uid != 0 || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) return 0;
    if (!d[0] || !strcmp(d, "/")) return 1;
    slash = strrchr(d, '/');
    if (!slash) return 0;
    *slash = 0;
  }
}

int home_find(char out[HOME_MAX])
{
  const char *env = getenv("IM2K_HOME");
  char bin[HOME_MAX], ctl[HOME_MAX + 16];
  struct stat st;
  int priv = privileged();
  if (env && *env && !priv) {
    if (strlen(env) >= HOME_MAX) { errno = ENAMETOOLONG; return -1; }
    strcpy(out, env);
    return 0;
  }
  if (home_bindir(bin) == 0) {
    char *slash = strrchr(bin, '/');
    if (slash && slash != bin) {
      *slash = 0;
      snprintf(ctl, sizeof ctl, "%s/control", bin);
      if (stat(ctl, &st) == 0 && S_ISDIR(st.st_mode) &&
          (!priv || safe_chain(bin))) {
        strcpy(out, bin);
        return 0;
      }
    }
  }
  if (strlen(auto_home) >= HOME_MAX) { errno = ENAMETOOLONG; return -1; }
  strcpy(out, auto_home);
  return 0;
}

int home_open(char path[HOME_MAX])
{
  if (home_find(path) == -1) return -1;
  return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
