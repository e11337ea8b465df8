/* im2k-servers: compile HOME/control/servers (text) into
 * HOME/control/servers.cdb, atomically; a bad line changes nothing.
 * Trusts the operator's text no more than any input. */
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
  die_prog = "im2k-servers";
  if (argc != 1) die(EXIT_PERM, "usage: im2k-servers");
  (void)argv;
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  fd = home_open(home);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (ctl_compile(fd, "control/servers", "control/servers.cdb", servers_row, &bad) == -1) {
    if (bad)
      die(EXIT_PERM, "%s/control/servers line %lu: want DOMAIN:IPV4:INBOXPORT:FETCHPORT:KEYHEX, once per domain",
          home, bad);
    die_sys(EXIT_TEMP, "unable to compile %s/control/servers", home);
  }
  return 0;
}
