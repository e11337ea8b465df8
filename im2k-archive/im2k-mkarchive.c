/* im2k-mkarchive: create a sender's archive, HOME/archive/UID, owned by
 * the user (so the messages count against the user's quota), setgid to
 * the archive readers' group so that im2k-fetchd may read them, closed to
 * everyone else.  Run by root. */
#include "die.h"
#include "home.h"
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  char home[HOME_MAX], path[64];
  struct passwd *pw;
  struct group *gr;
  gid_t g;
  int hfd;
  die_prog = "im2k-mkarchive";
  if (argc != 2 || argv[1][0] == '-') die(EXIT_PERM, "usage: im2k-mkarchive USER");
  pw = getpwnam(argv[1]);
  if (!pw) die(EXIT_PERM, "no such user: %s", argv[1]);
  if (pw->pw_uid == 0) die(EXIT_PERM, "root does not get an archive: send as a user");
  if (geteuid() == 0) {
    gr = getgrnam(auto_users[USER_ARCHIVE_GROUP]);
    if (!gr) die(EXIT_TEMP, "no group %s: create the accounts in conf-users first",
                 auto_users[USER_ARCHIVE_GROUP]);
    g = gr->gr_gid;
  } else {
    if (pw->pw_uid != getuid()) die(EXIT_PERM, "only root may create another user's archive");
    g = getgid();
  }
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  snprintf(path, sizeof path, "archive/%lu", (unsigned long)pw->pw_uid);
  if (mkdirat(hfd, path, 0700) == -1 && errno != EEXIST)
    die_sys(EXIT_TEMP, "unable to create %s/%s", home, path);
  if (geteuid() == 0 && fchownat(hfd, path, pw->pw_uid, g, AT_SYMLINK_NOFOLLOW) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s/%s", home, path);
  if (fchmodat(hfd, path, 02750, 0) == -1) die_sys(EXIT_TEMP, "unable to chmod %s/%s", home, path);
  printf("%s/%s\n", home, path);
  return 0;
}
