/* priv.c: giving up root.  Trusts $UID/$GID only as far as the numbers
 * go (set by envuidgid in the service's run script). */
#include "priv.h"
#include "bytes.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static int envnum(const char *name, uint64_t *v)
{
  const char *s = getenv(name);
  if (!s) return 0;
  if (scan_u64(s, strlen(s), 0x7fffffff, v) == -1) { errno = EINVAL; return -1; }
  return 1;
}

static int drop(const gid_t *extra)
{
  struct rlimit rl = {0, 0};
  uint64_t u, g;
  int hu, hg;
  if (setrlimit(RLIMIT_CORE, &rl) == -1) return -1;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) return -1;
  hu = envnum("UID", &u);
  hg = envnum("GID", &g);
  if (hu == -1 || hg == -1) return -1;
  if (hu && hg) {
    gid_t gg[2];
    gg[0] = (gid_t)g;
    if (extra) gg[1] = *extra;
    if (setgroups(extra ? 2 : 1, gg) == -1) return -1;
    if (setgid(gg[0]) == -1) return -1;
    if (setuid((uid_t)u) == -1) return -1;
  }
  if (getuid() == 0 || geteuid() == 0) { errno = EPERM; return -1; }
  return 0;
}

int priv_drop(void) { return drop(NULL); }

int priv_drop_extra(gid_t extra) { return drop(&extra); }
