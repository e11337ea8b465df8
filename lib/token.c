/* token.c: recipient tokens.  Holds a secret key only for the length
 * of a call; compares in constant time. */
#include "token.h"

#include <sodium.h>
#include <string.h>

void token_make(unsigned char out[TOKEN_BYTES], const unsigned char key[TOKEN_KEY],
                const unsigned char handle[16], const char *rcpt)
{
  crypto_generichash_state st;
  size_t len = strlen(rcpt);
  unsigned char n = (unsigned char)len;
  if (len > 255) { /* no address is this long: a token nobody can use */
    randombytes_buf(out, TOKEN_BYTES);
    return;
  }
  /* generichash_init/update/final only fail on bad sizes, fixed here. */
  (void)crypto_generichash_init(&st, key, TOKEN_KEY, TOKEN_BYTES);
  (void)crypto_generichash_update(&st, handle, 16);
  (void)crypto_generichash_update(&st, &n, 1);
  (void)crypto_generichash_update(&st, (const unsigned char *)rcpt, n);
  (void)crypto_generichash_final(&st, out, TOKEN_BYTES);
  sodium_memzero(&st, sizeof st);
}

int token_check(const unsigned char token[TOKEN_BYTES],
                const unsigned char key[TOKEN_KEY], const unsigned char handle[16],
                const char *rcpt)
{
  unsigned char t[TOKEN_BYTES];
  int ok;
  if (strlen(rcpt) > 255) return 0;
  token_make(t, key, handle, rcpt);
  ok = sodium_memcmp(t, token, TOKEN_BYTES) == 0;
  sodium_memzero(t, sizeof t);
  return ok;
}
