/* t_token.c: unit tests of lib/token: the token is keyed BLAKE2b-256
 * over handle, recipient length and recipient (checked against an
 * independent computation), and it does not check for another
 * recipient, handle or key, nor with any bit of it flipped.  A recipient
 * longer than 255 bytes (more than the length byte can say; no address
 * is that long) gets a random token and never checks, not even against
 * itself. */
#include "token.h"
#include "unit.h"

#include <sodium.h>
#include <string.h>

static unsigned char K[TOKEN_KEY], K2[TOKEN_KEY], Hd[16], Hd2[16];

/* the construction as documented: BLAKE2b-256_key(handle || len8 || rcpt) */
static void reference(unsigned char out[32], const unsigned char key[32],
                      const unsigned char handle[16], const char *rcpt)
{
  unsigned char m[16 + 1 + 255];
  size_t n = strlen(rcpt);
  memcpy(m, handle, 16);
  m[16] = (unsigned char)n;
  memcpy(m + 17, rcpt, n);
  if (crypto_generichash(out, 32, m, 17 + n, key, 32) != 0) unit_fatal("t_token", "hash");
}

static char long1[301], long2[301], r44[45], r255[256], r256[257];

struct row {
  const char *make_rcpt;
  const unsigned char *make_handle;
  const unsigned char *make_key;
  const char *check_rcpt;
  const unsigned char *check_handle;
  const unsigned char *check_key;
  int want;
};

static void test_check(void)
{
  const struct row rows[] = {
    {"bob@example.org", Hd, K, "bob@example.org", Hd, K, 1},
    {"", Hd, K, "", Hd, K, 1},
    {"bob@example.org", Hd, K, "carol@example.org", Hd, K, 0},
    {"bob@example.org", Hd, K, "Bob@example.org", Hd, K, 0},
    {"bob@example.org", Hd, K, "bob@example.or", Hd, K, 0},
    {"bob@example.org", Hd, K, "bob@example.orgg", Hd, K, 0},
    {"bob@example.org", Hd, K, "", Hd, K, 0},
    {"", Hd, K, "a", Hd, K, 0},
    {"bob@example.org", Hd, K, "bob@example.org", Hd2, K, 0},
    {"bob@example.org", Hd2, K, "bob@example.org", Hd, K, 0},
    {"bob@example.org", Hd, K, "bob@example.org", Hd, K2, 0},
    {"bob@example.org", Hd, K2, "bob@example.org", Hd, K, 0},
    /* recipients longer than a length byte can say never check, and
     * must not collide */
    {long1, Hd, K, long1, Hd, K, 0},
    {long1, Hd, K, long2, Hd, K, 0},
    {long2, Hd, K, long1, Hd, K, 0},
    {r256, Hd, K, r256, Hd, K, 0},
    /* 300 mod 256 is 44: a length byte that wrapped would make long1's
     * token the token of its first 44 bytes */
    {long1, Hd, K, r44, Hd, K, 0},
    {r44, Hd, K, long1, Hd, K, 0},
    {r44, Hd, K, r44, Hd, K, 1},
    /* 255 bytes is the longest the length byte says */
    {r255, Hd, K, r255, Hd, K, 1},
    {r255, Hd, K, r256, Hd, K, 0},
    {r256, Hd, K, r255, Hd, K, 0},
  };
  size_t i;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *t = &rows[i];
    unsigned char tok[TOKEN_BYTES];
    int r;
    token_make(tok, t->make_key, t->make_handle, t->make_rcpt);
    r = token_check(tok, t->check_key, t->check_handle, t->check_rcpt);
    CHECK(r == t->want, "token_check row %zu (%.20s (%zu) / %.20s (%zu)): %d", i,
          t->make_rcpt, strlen(t->make_rcpt), t->check_rcpt, strlen(t->check_rcpt), r);
  }
}

static void test_exact(void)
{
  static const char *rcpts[] = {"", "a@b", "bob@example.org", NULL, NULL};
  unsigned char tok[32], ref[32], again[32];
  char a254[255];
  size_t i;
  int bit;
  memset(a254, 'l', 64);
  a254[64] = '@';
  memset(a254 + 65, 'd', 189);
  a254[65 + 63] = '.';
  a254[65 + 127] = '.';
  a254[254] = 0;
  rcpts[3] = a254;
  rcpts[4] = r255;
  for (i = 0; i < sizeof rcpts / sizeof rcpts[0]; i++) {
    token_make(tok, K, Hd, rcpts[i]);
    reference(ref, K, Hd, rcpts[i]);
    CHECK(!memcmp(tok, ref, 32), "token_make matches the reference for \"%.20s\" (%zu)",
          rcpts[i], strlen(rcpts[i]));
    token_make(again, K, Hd, rcpts[i]);
    CHECK(!memcmp(tok, again, 32), "token_make is deterministic (%zu)", i);
    /* any single flipped bit fails */
    for (bit = 0; bit < 256; bit++) {
      tok[bit / 8] ^= (unsigned char)(1 << (bit % 8));
      CHECK(token_check(tok, K, Hd, rcpts[i]) == 0, "token with bit %d flipped checks (%zu)",
            bit, i);
      tok[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    }
    CHECK(token_check(tok, K, Hd, rcpts[i]) == 1, "unflipped token checks (%zu)", i);
  }
  /* one bit of the handle or key */
  for (bit = 0; bit < 128; bit++) {
    unsigned char h[16];
    memcpy(h, Hd, 16);
    h[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    token_make(tok, K, Hd, "bob@example.org");
    CHECK(token_check(tok, K, h, "bob@example.org") == 0, "handle bit %d flipped checks",
          bit);
  }
  for (bit = 0; bit < 256; bit++) {
    unsigned char k[32];
    memcpy(k, K, 32);
    k[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    token_make(tok, K, Hd, "bob@example.org");
    CHECK(token_check(tok, k, Hd, "bob@example.org") == 0, "key bit %d flipped checks", bit);
  }
}

/* the token of a recipient over 255 bytes is random, so no one can
 * compute it, and it is not what a wrapped length byte would give */
static void test_long(void)
{
  static const char *const longs[] = {r256, long1, long2};
  unsigned char tok[TOKEN_BYTES], again[TOKEN_BYTES], ref[32];
  size_t i;
  for (i = 0; i < sizeof longs / sizeof longs[0]; i++) {
    size_t n = strlen(longs[i]);
    memset(tok, 0, sizeof tok);
    memset(again, 0, sizeof again);
    token_make(tok, K, Hd, longs[i]);
    token_make(again, K, Hd, longs[i]);
    CHECK(memcmp(tok, again, TOKEN_BYTES) != 0,
          "token_make of a %zu-byte recipient is not random", n);
    CHECK(token_check(tok, K, Hd, longs[i]) == 0 && token_check(again, K, Hd, longs[i]) == 0,
          "token of a %zu-byte recipient checks against itself", n);
    /* what a length byte of n mod 256 over the first n mod 256 bytes gives */
    {
      char wrapped[256];
      memcpy(wrapped, longs[i], n % 256);
      wrapped[n % 256] = 0;
      reference(ref, K, Hd, wrapped);
      CHECK(memcmp(tok, ref, 32) != 0, "token of a %zu-byte recipient is the wrapped one", n);
      CHECK(token_check(ref, K, Hd, longs[i]) == 0,
            "the wrapped token checks for a %zu-byte recipient", n);
    }
  }
}

int main(void)
{
  if (sodium_init() < 0) unit_fatal("t_token", "sodium_init");
  randombytes_buf(K, sizeof K);
  memcpy(K2, K, sizeof K);
  K2[31] ^= 1;
  randombytes_buf(Hd, sizeof Hd);
  memcpy(Hd2, Hd, sizeof Hd);
  Hd2[15] ^= 0x80;
  /* two 300-byte recipients that differ only in their last byte */
  memset(long1, 'r', 300);
  memcpy(long2, long1, 300);
  long2[299] = 's';
  memset(r44, 'r', 44);
  memset(r255, 'r', 255);
  memset(r256, 'r', 256);
  test_check();
  test_exact();
  test_long();
  return unit_done("t_token");
}
