/* stamp.h: postage, a proof-of-work stamp on one notification.  A stamp
 * is a 64-bit number; its worth is the count of leading zero bits of
 *     BLAKE2b-256("im2k-postage-1" || u8 len || SENDER || u8 len || RCPT
 *                 || HANDLE[16] || STAMP as u64 big-endian)
 * so it is bound to one message, one sender and one recipient: it cannot
 * be spent twice.  Finding a stamp worth b bits takes 2^b hashes on
 * average; checking one takes one. */
#ifndef IM2K_STAMP_H
#define IM2K_STAMP_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define STAMP_MAX 40        /* the most a receiver may ask */
#define STAMP_DEFAULT 20    /* what control/postage asks when it names no number */

/* stamp_bits: the worth of stamp for this notification. */
unsigned stamp_bits(const char *sender, const char *rcpt, const unsigned char handle[16],
                    uint64_t stamp);

/* finding a stamp a slice at a time (a daemon's loop must not stall) */
struct stamp_work {
  crypto_generichash_state st;   /* the hash of everything but the stamp */
  uint64_t next;
  unsigned want;
};
/* stamp_begin: search for a stamp worth want bits (at most STAMP_MAX). */
void stamp_begin(struct stamp_work *w, const char *sender, const char *rcpt,
                 const unsigned char handle[16], unsigned want);
/* stamp_step: try up to tries more stamps; 1 and *stamp when one is
 * worth want bits, else 0. */
int stamp_step(struct stamp_work *w, uint64_t tries, uint64_t *stamp);

#endif
