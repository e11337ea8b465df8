/* keys.c: reading key files.  Trusts nothing in them: the size must be
 * exact.  Buffers that held a secret are wiped. */
#include "keys.h"
#include "file.h"
#include "hex.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int keys_read(int dirfd, const char *path, unsigned char *out, size_t n)
{
  unsigned char *p;
  size_t len;
  if (file_read(dirfd, path, n + 1, &p, &len) == -1) {
    if (errno == EMSGSIZE) errno = EINVAL;
    return -1;
  }
  if (len != n) {
    sodium_memzero(p, len);
    free(p);
    errno = EINVAL;
    return -1;
  }
  memcpy(out, p, n);
  sodium_memzero(p, len);
  free(p);
  return 0;
}

int keys_read_hex(int dirfd, const char *path, unsigned char out[32])
{
  unsigned char *p;
  size_t len;
  int r;
  if (file_read(dirfd, path, 80, &p, &len) == -1) {
    if (errno == EMSGSIZE) errno = EINVAL;
    return -1;
  }
  if (len == 65 && p[64] == '\n') len = 64;
  r = hex_decode(out, 32, (const char *)p, len);
  free(p);
  return r;
}
