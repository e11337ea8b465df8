/* im2k-users: compile HOME/control/users (NAME:KEYHEX lines: the receivers
 * of this ISP and the public keys their pickup authenticates with) into
 * HOME/control/users.cdb, and HOME/control/forwards (NAME:ADDRESS lines:
 * users who moved, and where to) into HOME/control/forwards.cdb,
 * atomically; a bad line changes nothing. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "home.h"
#include "servers.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

/* NAME:ADDRESS */
static int forwards_row(const char *l, size_t n, char *key, size_t *klen, const char **val,
                        size_t *vlen)
{
  const char *c = memchr(l, ':', n);
  if (!c || !local_check(l, (size_t)(c - l)) || !addr_check(c + 1, n - (size_t)(c + 1 - l)))
    return -1;
  *klen = (size_t)(c - l);
  memcpy(key, l, *klen);
  *val = c + 1;
  *vlen = n - (size_t)(c + 1 - l);
  return 0;
}

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
  if (faccessat(fd, "control/forwards", F_OK, 0) == -1) {
    if (errno != ENOENT) die_sys(EXIT_TEMP, "unable to look for %s/control/forwards", home);
    /* no forwards: none in force either */
    if (unlinkat(fd, "control/forwards.cdb", 0) == -1 && errno != ENOENT)
      die_sys(EXIT_TEMP, "unable to remove %s/control/forwards.cdb", home);
    return 0;
  }
  if (ctl_compile(fd, "control/forwards", "control/forwards.cdb", forwards_row, &bad) == -1) {
    if (bad) die(EXIT_PERM, "%s/control/forwards line %lu: want NAME:ADDRESS, once per name", home, bad);
    die_sys(EXIT_TEMP, "unable to compile %s/control/forwards", home);
  }
  return 0;
}
