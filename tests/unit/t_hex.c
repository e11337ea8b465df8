/* t_hex.c: unit tests of lib/hex: exact encodings, and a decoder that
 * takes exactly 2n hex digits of either case and nothing else. */
#include "hex.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

struct enc_row {
  const char *in;
  size_t n;
  const char *want;
};

static const struct enc_row encs[] = {
  {"", 0, ""},
  {"\0", 1, "00"},
  {"\377", 1, "ff"},
  {"\x0f", 1, "0f"},
  {"\xf0", 1, "f0"},
  {"\x01\x23\x45\x67\x89\xab\xcd\xef", 8, "0123456789abcdef"},
  {"\0\0", 2, "0000"},
  {"a", 1, "61"},
};

static void test_encode(void)
{
  size_t i;
  char out[80];
  unsigned char all[256], back[256];
  char h[513];
  for (i = 0; i < sizeof encs / sizeof encs[0]; i++) {
    memset(out, 'x', sizeof out);
    hex_encode(out, (const unsigned char *)encs[i].in, encs[i].n);
    CHECK(!strcmp(out, encs[i].want), "hex_encode row %zu: \"%s\"", i, out);
    CHECK(out[2 * encs[i].n + 1] == 'x', "hex_encode row %zu wrote past NUL", i);
  }
  for (i = 0; i < 256; i++) all[i] = (unsigned char)i;
  hex_encode(h, all, 256);
  CHECK(strlen(h) == 512 && !strncmp(h + 2 * 0xa5, "a5", 2), "hex_encode 0..255");
  CHECK(hex_decode(back, 256, h, 512) == 0 && !memcmp(back, all, 256),
        "hex round trip of 0..255");
}

struct dec_row {
  const char *s;
  size_t slen;   /* (size_t)-1: strlen */
  size_t n;
  int ret;
  const char *want;  /* n bytes when ret is 0 */
};

#define S ((size_t)-1)
static const struct dec_row decs[] = {
  {"", S, 0, 0, ""},
  {"00", S, 1, 0, "\0"},
  {"ff", S, 1, 0, "\377"},
  {"FF", S, 1, 0, "\377"},
  {"fF", S, 1, 0, "\377"},
  {"0123456789abcdef", S, 8, 0, "\x01\x23\x45\x67\x89\xab\xcd\xef"},
  {"0123456789ABCDEF", S, 8, 0, "\x01\x23\x45\x67\x89\xab\xcd\xef"},
  {"", S, 1, -1, NULL},
  {"0", S, 1, -1, NULL},
  {"000", S, 1, -1, NULL},
  {"00", S, 2, -1, NULL},
  {"00", S, 0, -1, NULL},
  {"0000", S, 1, -1, NULL},
  {"0g", S, 1, -1, NULL},
  {"g0", S, 1, -1, NULL},
  {"G0", S, 1, -1, NULL},
  {" 0", S, 1, -1, NULL},
  {"0 ", S, 1, -1, NULL},
  {"0\0", 2, 1, -1, NULL},
  {"\0" "0", 2, 1, -1, NULL},
  {"-1", S, 1, -1, NULL},
  {"0x", S, 1, -1, NULL},
  {"/0", S, 1, -1, NULL},   /* '0' - 1 */
  {":0", S, 1, -1, NULL},   /* '9' + 1 */
  {"@0", S, 1, -1, NULL},   /* 'A' - 1 */
  {"`0", S, 1, -1, NULL},   /* 'a' - 1 */
  {"0000ff", 4, 2, 0, "\0\0"},   /* only slen bytes are read */
  {"0001", S, 2, 0, "\0\1"},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", S, 32, 0,
   "\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20\21\22\23\24\25\26\27\30\31\32\33"
   "\34\35\36\37"},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", S, 32, -1, NULL},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0", S, 32, -1,
   NULL},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00", S, 32, -1,
   NULL},
};

static void test_decode(void)
{
  size_t i;
  unsigned char out[64];
  int c;
  for (i = 0; i < sizeof decs / sizeof decs[0]; i++) {
    const struct dec_row *t = &decs[i];
    size_t slen = t->slen == S ? strlen(t->s) : t->slen;
    int r;
    memset(out, 0x5a, sizeof out);
    errno = 0;
    r = hex_decode(out, t->n, t->s, slen);
    CHECK(r == t->ret, "hex_decode row %zu \"%s\": ret %d", i, t->s, r);
    if (t->ret == 0)
      CHECK(!memcmp(out, t->want, t->n) && out[t->n] == 0x5a,
            "hex_decode row %zu \"%s\": bytes", i, t->s);
    else
      CHECK(errno == EINVAL, "hex_decode row %zu \"%s\": errno %d", i, t->s, errno);
  }

  /* every byte value in either digit position: only 0-9 a-f A-F pass */
  for (c = 0; c < 256; c++) {
    int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    char s[2];
    s[0] = (char)c;
    s[1] = '7';
    CHECK((hex_decode(out, 1, s, 2) == 0) == ok, "hex_decode high digit %d", c);
    s[0] = '7';
    s[1] = (char)c;
    CHECK((hex_decode(out, 1, s, 2) == 0) == ok, "hex_decode low digit %d", c);
  }
}

int main(void)
{
  test_encode();
  test_decode();
  return unit_done("t_hex");
}
