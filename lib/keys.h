/* keys.h: key files.  A secret key file holds exactly 32 raw bytes and
 * is readable by its owner only; a public key file holds 64 hex digits
 * and a newline. */
#ifndef IM2K_KEYS_H
#define IM2K_KEYS_H

#include <sodium.h>
#include <stddef.h>

/* keys_read: exactly n bytes from dirfd/path into out; -1 with EINVAL if
 * the file is not exactly n bytes. */
int keys_read(int dirfd, const char *path, unsigned char *out, size_t n);
/* keys_read_hex: a 64-digit hex key (an optional newline after it). */
int keys_read_hex(int dirfd, const char *path, unsigned char out[crypto_box_PUBLICKEYBYTES]);


/* keys_create: a new key pair: dirfd/secname (32 raw bytes, mode 0600,
 * never replacing an existing file: EEXIST) and dirfd/pubname (hex). */
int keys_create(int dirfd, const char *secname, const char *pubname,
                unsigned char pk[crypto_box_PUBLICKEYBYTES]);
/* keys_create_random: n random bytes in dirfd/name, mode 0600. */
int keys_create_random(int dirfd, const char *name, size_t n);

#endif
