/* spawn.c: im2k-archive behind two pipes. */
#include "spawn.h"
#include "die.h"
#include "home.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

pid_t archive_start(const char *bindir, int *msg, int *env)
{
  char archive[HOME_MAX + 32];
  int mp[2], ep[2], e;
  pid_t pid;
  snprintf(archive, sizeof archive, "%s/im2k-archive", bindir);
  if (pipe(mp) == -1) return -1;
  if (pipe(ep) == -1) goto fail2;
  pid = fork();
  if (pid == -1) goto fail4;
  if (pid == 0) {
    char *av[2];
    av[0] = archive;
    av[1] = NULL;
    close(mp[1]);
    close(ep[1]);
    if (dup2(mp[0], 0) == -1 || dup2(ep[0], 1) == -1) _exit(EXIT_TEMP);
    execv(archive, av);
    warn_sys("unable to run %s", archive);
    _exit(EXIT_TEMP);
  }
  close(mp[0]);
  close(ep[0]);
  *msg = mp[1];
  *env = ep[1];
  return pid;
fail4:
  e = errno;
  close(ep[0]);
  close(ep[1]);
  errno = e;
fail2:
  e = errno;
  close(mp[0]);
  close(mp[1]);
  errno = e;
  return -1;
}
