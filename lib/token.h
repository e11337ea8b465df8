/* token.h: the per-recipient token: BLAKE2b-256 keyed with the sending
 * ISP's token secret, over handle || recipient.  fetchd checks it with no
 * disk access; a token for one recipient or message is useless for
 * another. */
#ifndef IM2K_TOKEN_H
#define IM2K_TOKEN_H

#define TOKEN_BYTES 32
#define TOKEN_KEY 32

void token_make(unsigned char out[TOKEN_BYTES], const unsigned char key[TOKEN_KEY],
                const unsigned char handle[16], const char *rcpt);
/* token_check: 1 if token is right for handle and rcpt. */
int token_check(const unsigned char token[TOKEN_BYTES],
                const unsigned char key[TOKEN_KEY], const unsigned char handle[16],
                const char *rcpt);

#endif
