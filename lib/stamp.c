/* stamp.c: postage stamps (see stamp.h).  The prefix is hashed once per
 * search; each try copies that state and adds the eight stamp bytes. */
#include "stamp.h"
#include "bytes.h"

#include <string.h>

static const char label[] = "im2k-postage-1";

static void prefix(crypto_generichash_state *st, const char *sender, const char *rcpt,
                   const unsigned char handle[16])
{
  unsigned char l;
  size_t sl = strlen(sender), rl = strlen(rcpt);
  if (sl > 255) sl = 255;
  if (rl > 255) rl = 255;
  (void)crypto_generichash_init(st, NULL, 0, 32);
  (void)crypto_generichash_update(st, (const unsigned char *)label, sizeof label - 1);
  l = (unsigned char)sl;
  (void)crypto_generichash_update(st, &l, 1);
  (void)crypto_generichash_update(st, (const unsigned char *)sender, sl);
  l = (unsigned char)rl;
  (void)crypto_generichash_update(st, &l, 1);
  (void)crypto_generichash_update(st, (const unsigned char *)rcpt, rl);
  (void)crypto_generichash_update(st, handle, 16);
}

static unsigned zeros(const unsigned char h[32])
{
  unsigned n = 0, i;
  for (i = 0; i < 32; i++) {
    unsigned char b = h[i];
    if (b == 0) { n += 8; continue; }
    while (!(b & 0x80)) { n++; b = (unsigned char)(b << 1); }
    break;
  }
  return n;
}

static unsigned worth(const crypto_generichash_state *base, uint64_t stamp)
{
  crypto_generichash_state st = *base;
  unsigned char s[8], h[32];
  put_u64(s, stamp);
  (void)crypto_generichash_update(&st, s, 8);
  (void)crypto_generichash_final(&st, h, 32);
  return zeros(h);
}

unsigned stamp_bits(const char *sender, const char *rcpt, const unsigned char handle[16],
                    uint64_t stamp)
{
  crypto_generichash_state st;
  prefix(&st, sender, rcpt, handle);
  return worth(&st, stamp);
}

void stamp_begin(struct stamp_work *w, const char *sender, const char *rcpt,
                 const unsigned char handle[16], unsigned want)
{
  prefix(&w->st, sender, rcpt, handle);
  w->want = want > STAMP_MAX ? STAMP_MAX : want;
  w->next = 0;
}

int stamp_step(struct stamp_work *w, uint64_t tries, uint64_t *stamp)
{
  while (tries--) {
    uint64_t s = w->next++;
    if (worth(&w->st, s) >= w->want) {
      *stamp = s;
      return 1;
    }
  }
  return 0;
}
