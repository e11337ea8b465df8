/* im2k-keygen: make a Curve25519 key pair in a directory: DIR/secret (32
 * raw bytes, mode 0600) and DIR/public (hex, 0644), and print the public
 * key.  Run by a receiver for the key im2k-pickup authenticates with.
 * Never replaces an existing secret. */
#include "die.h"
#include "hex.h"
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  const char *dir;
  unsigned char pk[crypto_box_PUBLICKEYBYTES];
  char hex[2 * crypto_box_PUBLICKEYBYTES + 1];
  int fd;
  die_prog = "im2k-keygen";
  if (argc != 2 || argv[1][0] == '-') die(EXIT_PERM, "usage: im2k-keygen DIR");
  dir = argv[1];
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  umask(077);
  if (mkdir(dir, 0700) == -1 && errno != EEXIST) die_sys(EXIT_TEMP, "unable to create %s", dir);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s", dir);
  if (keys_create(fd, "secret", "public", pk) == -1) {
    if (errno == EEXIST) die(EXIT_PERM, "%s/secret exists: not replacing a key", dir);
    die_sys(EXIT_TEMP, "unable to write keys in %s", dir);
  }
  hex_encode(hex, pk, sizeof pk);
  printf("%s\n", hex);
  if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, "unable to write output");
  return 0;
}
