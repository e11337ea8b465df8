/* t_stamp.c: postage stamps: a stamp found is worth what was asked, is
 * bound to its sender, recipient and message, and the count of leading
 * zero bits is exact (checked against a hash computed here by hand). */
#include "stamp.h"
#include "unit.h"

#include <string.h>

static unsigned zeros(const unsigned char *h)
{
  unsigned n = 0, i;
  for (i = 0; i < 256; i++) {
    if (h[i / 8] & (0x80 >> (i % 8))) break;
    n++;
  }
  return n;
}

/* the hash spelled out from the definition in stamp.h */
static unsigned byhand(const char *s, const char *r, const unsigned char h[16], uint64_t stamp)
{
  unsigned char in[600], out[32];
  size_t n = 0, i;
  memcpy(in, "im2k-postage-1", 14);
  n = 14;
  in[n++] = (unsigned char)strlen(s);
  memcpy(in + n, s, strlen(s));
  n += strlen(s);
  in[n++] = (unsigned char)strlen(r);
  memcpy(in + n, r, strlen(r));
  n += strlen(r);
  memcpy(in + n, h, 16);
  n += 16;
  for (i = 0; i < 8; i++) in[n++] = (unsigned char)(stamp >> (56 - 8 * i));
  if (crypto_generichash(out, 32, in, n, NULL, 0) != 0) unit_fatal("t_stamp", "hash");
  return zeros(out);
}

int main(void)
{
  unsigned char h[16], h2[16];
  struct stamp_work w;
  uint64_t s, i;
  unsigned want;
  if (sodium_init() < 0) unit_fatal("t_stamp", "sodium_init");
  memset(h, 0x5a, 16);
  memcpy(h2, h, 16);
  h2[15] ^= 1;
  for (i = 0; i < 2000; i++)
    CHECK(stamp_bits("a@x.example", "b@y.example", h, i) == byhand("a@x.example", "b@y.example", h, i),
          "stamp_bits(%llu) as defined", (unsigned long long)i);
  for (want = 0; want <= 18; want += 2) {
    stamp_begin(&w, "alice@a.example", "bob@b.example", h, want);
    CHECK(stamp_step(&w, (uint64_t)1 << 26, &s) == 1, "a stamp of %u bits is found", want);
    CHECK(stamp_bits("alice@a.example", "bob@b.example", h, s) >= want, "it is worth %u bits", want);
    if (want >= 16) {
      CHECK(stamp_bits("alice@a.example", "carol@b.example", h, s) < want, "not for another recipient");
      CHECK(stamp_bits("mallory@a.example", "bob@b.example", h, s) < want, "not for another sender");
      CHECK(stamp_bits("alice@a.example", "bob@b.example", h2, s) < want, "not for another message");
    }
  }
  /* a slice at a time finds the same stamp as one long search */
  stamp_begin(&w, "alice@a.example", "bob@b.example", h, 14);
  {
    uint64_t s1, s2 = 0;
    int found = 0;
    CHECK(stamp_step(&w, (uint64_t)1 << 26, &s1) == 1, "one search");
    stamp_begin(&w, "alice@a.example", "bob@b.example", h, 14);
    for (i = 0; i < 100000 && !found; i++) found = stamp_step(&w, 7, &s2);
    CHECK(found && s1 == s2, "slices of 7 tries find the same stamp");
  }
  stamp_begin(&w, "a@b", "c@d", h, 40);
  CHECK(stamp_step(&w, 1000, &s) == 0, "40 bits are not found in 1000 tries");
  stamp_begin(&w, "a@b", "c@d", h, 99);
  CHECK(w.want == STAMP_MAX, "asking more than STAMP_MAX asks STAMP_MAX");
  return unit_done("t_stamp");
}
