/* t_netstr.c: unit tests of lib/netstr: exact encodings, strict
 * parsing (leading zeros, missing comma, lengths over max, too many
 * digits) and round trips of every length class. */
#include "netstr.h"
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

struct put_row {
  const char *in;
  size_t n;
  const char *want;
  size_t wantlen;
};

static const struct put_row puts_[] = {
  {"", 0, "0:,", 3},
  {"a", 1, "1:a,", 4},
  {"hello", 5, "5:hello,", 8},
  {"a\0b", 3, "3:a\0b,", 6},
  {",:", 2, "2:,:,", 5},
  {"0123456789", 10, "10:0123456789,", 14},
};

static void test_put(void)
{
  size_t i;
  struct buf b;
  static const struct { unsigned long long v; const char *want; } us[] = {
    {0, "1:0,"},
    {9, "1:9,"},
    {10, "2:10,"},
    {4294967296ull, "10:4294967296,"},
    {ULLONG_MAX, "20:18446744073709551615,"},
  };
  for (i = 0; i < sizeof puts_ / sizeof puts_[0]; i++) {
    const struct put_row *t = &puts_[i];
    buf_init(&b, 100);
    CHECK(netstr_put(&b, t->in, t->n) == 0, "netstr_put row %zu", i);
    CHECK(b.len == t->wantlen && !memcmp(b.p, t->want, t->wantlen),
          "netstr_put row %zu: bytes", i);
    buf_free(&b);
    /* the buffer bound: exactly enough fits, one byte less does not */
    buf_init(&b, t->wantlen);
    CHECK(netstr_put(&b, t->in, t->n) == 0 && b.len == t->wantlen,
          "netstr_put row %zu into max %zu", i, t->wantlen);
    buf_free(&b);
    buf_init(&b, t->wantlen - 1);
    errno = 0;
    CHECK(netstr_put(&b, t->in, t->n) == -1 && errno == EMSGSIZE,
          "netstr_put row %zu into max %zu", i, t->wantlen - 1);
    buf_free(&b);
  }
  buf_init(&b, 100);
  CHECK(netstr_puts(&b, "hello") == 0 && b.len == 8 && !memcmp(b.p, "5:hello,", 8),
        "netstr_puts");
  buf_free(&b);
  buf_init(&b, 100);
  CHECK(netstr_puts(&b, "") == 0 && b.len == 3 && !memcmp(b.p, "0:,", 3),
        "netstr_puts empty");
  buf_free(&b);
  for (i = 0; i < sizeof us / sizeof us[0]; i++) {
    size_t wl = strlen(us[i].want);
    buf_init(&b, 100);
    CHECK(netstr_putu(&b, us[i].v) == 0 && b.len == wl && !memcmp(b.p, us[i].want, wl),
          "netstr_putu %llu", us[i].v);
    buf_free(&b);
  }
}

struct get_row {
  const char *in;
  size_t len;       /* (size_t)-1: strlen */
  size_t max;
  int ret;
  const char *want; /* payload when ret is 0 */
  size_t wantlen;
  size_t left;      /* bytes after the netstring */
};

#define S ((size_t)-1)
#define BIG ((size_t)-1)
static const struct get_row gets[] = {
  {"0:,", S, BIG, 0, "", 0, 0},
  {"0:,", S, 0, 0, "", 0, 0},
  {"1:a,", S, BIG, 0, "a", 1, 0},
  {"5:hello,", S, BIG, 0, "hello", 5, 0},
  {"5:hello,", S, 5, 0, "hello", 5, 0},
  {"5:hello,", S, 4, -1, NULL, 0, 0},
  {"5:hello,", S, 0, -1, NULL, 0, 0},
  {"5:hello,rest", S, BIG, 0, "hello", 5, 4},
  {"0:,0:,", S, BIG, 0, "", 0, 3},
  {"3:a\0b,", 6, BIG, 0, "a\0b", 3, 0},
  {"3:,,,,", S, BIG, 0, ",,,", 3, 0},
  {"10:0123456789,", S, BIG, 0, "0123456789", 10, 0},
  {"10:0123456789,", S, 10, 0, "0123456789", 10, 0},
  {"10:0123456789,", S, 9, -1, NULL, 0, 0},
  {"", S, BIG, -1, NULL, 0, 0},
  {":", S, BIG, -1, NULL, 0, 0},
  {":,", S, BIG, -1, NULL, 0, 0},
  {"0", S, BIG, -1, NULL, 0, 0},
  {"0:", S, BIG, -1, NULL, 0, 0},
  {"0:x", S, BIG, -1, NULL, 0, 0},
  {"0;,", S, BIG, -1, NULL, 0, 0},
  {"1:a", S, BIG, -1, NULL, 0, 0},
  {"1:a;", S, BIG, -1, NULL, 0, 0},
  {"1:ab", S, BIG, -1, NULL, 0, 0},
  {"1:,", S, BIG, -1, NULL, 0, 0},
  {"5:hell,", S, BIG, -1, NULL, 0, 0},
  {"5:hello", S, BIG, -1, NULL, 0, 0},
  {"5:hello\0", 8, BIG, -1, NULL, 0, 0},
  {"01:a,", S, BIG, -1, NULL, 0, 0},
  {"00:,", S, BIG, -1, NULL, 0, 0},
  {"001:a,", S, BIG, -1, NULL, 0, 0},
  {"a:,", S, BIG, -1, NULL, 0, 0},
  {"-1:a,", S, BIG, -1, NULL, 0, 0},
  {"+1:a,", S, BIG, -1, NULL, 0, 0},
  {" 1:a,", S, BIG, -1, NULL, 0, 0},
  {"1 :a,", S, BIG, -1, NULL, 0, 0},
  {"1\0:a,", 5, BIG, -1, NULL, 0, 0},
  {"\0:,", 3, BIG, -1, NULL, 0, 0},
  {"0x1:a,", S, BIG, -1, NULL, 0, 0},
  /* lengths near and over NETSTR_MAX (99999999) and over 8 digits */
  {"99999999:abc,", S, BIG, -1, NULL, 0, 0},
  {"100000000:abc,", S, BIG, -1, NULL, 0, 0},
  {"999999999:abc,", S, BIG, -1, NULL, 0, 0},
  {"1000000000:abc,", S, BIG, -1, NULL, 0, 0},
  {"4294967296:abc,", S, BIG, -1, NULL, 0, 0},
  {"18446744073709551616:abc,", S, BIG, -1, NULL, 0, 0},
  {"18446744073709551619:abc,", S, BIG, -1, NULL, 0, 0},
  {"999999999999999999999999999999:,", S, BIG, -1, NULL, 0, 0},
  {"3:abc,", S, 2, -1, NULL, 0, 0},
};

static void test_get(void)
{
  size_t i;
  for (i = 0; i < sizeof gets / sizeof gets[0]; i++) {
    const struct get_row *t = &gets[i];
    size_t len = t->len == S ? strlen(t->in) : t->len;
    const unsigned char *p = NULL;
    size_t n = 777;
    struct rd r;
    int ret;
    rd_init(&r, t->in, len);
    ret = netstr_get(&r, &p, &n, t->max);
    CHECK(ret == t->ret, "netstr_get row %zu \"%s\": ret %d", i, t->in, ret);
    if (t->ret == 0) {
      CHECK(n == t->wantlen && p && !memcmp(p, t->want, n) &&
            p >= (const unsigned char *)t->in && p + n <= (const unsigned char *)t->in + len,
            "netstr_get row %zu \"%s\": payload", i, t->in);
      CHECK(r.err == 0 && rd_left(&r) == t->left, "netstr_get row %zu: left %zu", i,
            rd_left(&r));
    } else {
      CHECK(r.err == 1, "netstr_get row %zu \"%s\": err not set", i, t->in);
      CHECK(n == 777, "netstr_get row %zu \"%s\": length written on failure", i, t->in);
    }
  }
}

static void test_sequence(void)
{
  static const char in[] = "1:a,2:bc,0:,";
  struct rd r;
  const unsigned char *p;
  size_t n;
  rd_init(&r, in, sizeof in - 1);
  CHECK(netstr_get(&r, &p, &n, 10) == 0 && n == 1 && p[0] == 'a', "sequence 1");
  CHECK(netstr_get(&r, &p, &n, 10) == 0 && n == 2 && !memcmp(p, "bc", 2), "sequence 2");
  CHECK(netstr_get(&r, &p, &n, 10) == 0 && n == 0, "sequence 3");
  CHECK(rd_left(&r) == 0, "sequence: all read");
  CHECK(netstr_get(&r, &p, &n, 10) == -1 && r.err == 1, "sequence: end");
}

/* put then get for payloads of every length class, every byte value */
static void test_roundtrip(void)
{
  static const size_t lens[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65536,
                                1000000};
  size_t i, j;
  unsigned char *src = malloc(1000000);
  if (!src) unit_fatal("t_netstr", "malloc");
  for (j = 0; j < 1000000; j++) src[j] = (unsigned char)(j * 7 + j / 256);
  for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    struct buf b;
    struct rd r;
    const unsigned char *p;
    size_t n;
    buf_init(&b, 2000000);
    CHECK(netstr_put(&b, src, lens[i]) == 0, "round trip %zu: put", lens[i]);
    CHECK(netstr_put(&b, "x", 1) == 0, "round trip %zu: put x", lens[i]);
    rd_init(&r, b.p, b.len);
    CHECK(netstr_get(&r, &p, &n, lens[i]) == 0 && n == lens[i] &&
          (n == 0 || !memcmp(p, src, n)),
          "round trip %zu: get", lens[i]);
    CHECK(netstr_get(&r, &p, &n, 1) == 0 && n == 1 && p[0] == 'x' && rd_left(&r) == 0,
          "round trip %zu: next", lens[i]);
    if (lens[i]) {
      rd_init(&r, b.p, b.len);
      CHECK(netstr_get(&r, &p, &n, lens[i] - 1) == -1,
            "round trip %zu: max one less", lens[i]);
    }
    buf_free(&b);
  }
  free(src);
}

int main(void)
{
  test_put();
  test_get();
  test_sequence();
  test_roundtrip();
  return unit_done("t_netstr");
}
