/* hex.h: lower-case hexadecimal, for keys, handles and hashes in
 * text files and file names. */
#ifndef IM2K_HEX_H
#define IM2K_HEX_H

#include <stddef.h>

/* hex_encode: writes 2n characters and a NUL into out. */
void hex_encode(char *out, const unsigned char *in, size_t n);
/* hex_decode: exactly 2n hex digits (either case) in s of length slen
 * into n bytes; 0, or -1 with errno EINVAL. */
int hex_decode(unsigned char *out, size_t n, const char *s, size_t slen);

#endif
