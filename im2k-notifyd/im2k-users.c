/* im2k-users: compile HOME/control/users (NAME:KEYHEX lines: the receivers
 * of this ISP and the public keys their pickup authenticates with) into
 * HOME/control/users.cdb, atomically; a bad line changes nothing. */
#include "ctl.h"
#include "die.h"
#include "home.h"
#include "servers.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

int main(int argc, char **argv)
{
  char home[HOME_MAX];
  int fd;
  unsigned long bad;
  die_prog = "im2k-users";
  if (argc != 1) die(EXIT_PERM, "usage: im2k-users");
  (void)argv;
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  fd = home_open(home);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (ctl_compile(fd, "control/users", "control/users.cdb", users_row, &bad) == -1) {
    if (bad) die(EXIT_PERM, "%s/control/users line %lu: want NAME:KEYHEX, once per name", home, bad);
    die_sys(EXIT_TEMP, "unable to compile %s/control/users", home);
  }
  return 0;
}
