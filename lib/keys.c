/* keys.c: reading key files.  Trusts nothing in them: the size must be
 * exact.  Buffers that held a secret are wiped. */
#include "keys.h"
#include "file.h"
#include "hex.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

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

int keys_read_hex(int dirfd, const char *path, unsigned char out[crypto_box_PUBLICKEYBYTES])
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

static int write_new(int dirfd, const char *name, const void *p, size_t n, mode_t mode)
{
  int fd = file_create(dirfd, name, mode);
  if (fd == -1) return -1;
  /* the mode asked for, whatever the umask */
  if (fchmod(fd, mode) == -1 || file_write_all(fd, p, n) == -1 || file_sync_close(fd) == -1) {
    int e = errno;
    unlinkat(dirfd, name, 0);
    errno = e;
    return -1;
  }
  return 0;
}

int keys_create(int dirfd, const char *secname, const char *pubname,
                unsigned char pk[crypto_box_PUBLICKEYBYTES])
{
  unsigned char sk[crypto_box_SECRETKEYBYTES];
  char hex[66];
  if (crypto_box_keypair(pk, sk) != 0) { errno = EIO; return -1; }
  if (write_new(dirfd, secname, sk, sizeof sk, 0600) == -1) {
    sodium_memzero(sk, sizeof sk);
    return -1;
  }
  sodium_memzero(sk, sizeof sk);
  hex_encode(hex, pk, 32);
  hex[64] = '\n';
  unlinkat(dirfd, pubname, 0);
  if (write_new(dirfd, pubname, hex, 65, 0644) == -1) return -1;
  return file_sync_dir(dirfd, ".");
}

int keys_create_random(int dirfd, const char *name, size_t n)
{
  unsigned char k[64];
  int r;
  if (n > sizeof k) { errno = EINVAL; return -1; }
  randombytes_buf(k, n);
  r = write_new(dirfd, name, k, n, 0600);
  sodium_memzero(k, sizeof k);
  if (r == 0) r = file_sync_dir(dirfd, ".");
  return r;
}
