/* t_bytes.c: unit tests of lib/bytes: big-endian integers, the bounded
 * reader and writer, length-prefixed strings and scan_u64.  Tables of
 * (input, expected), with the edges: empty, short by one, exact, huge. */
#include "bytes.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

struct int_row {
  uint64_t v;
  unsigned char be[8];  /* the 8-byte big-endian form */
};

static const struct int_row ints[] = {
  {0, {0, 0, 0, 0, 0, 0, 0, 0}},
  {1, {0, 0, 0, 0, 0, 0, 0, 1}},
  {0xff, {0, 0, 0, 0, 0, 0, 0, 0xff}},
  {0x100, {0, 0, 0, 0, 0, 0, 1, 0}},
  {0xffff, {0, 0, 0, 0, 0, 0, 0xff, 0xff}},
  {0x10000, {0, 0, 0, 0, 0, 1, 0, 0}},
  {0x01020304, {0, 0, 0, 0, 1, 2, 3, 4}},
  {0xffffffffu, {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
  {0x100000000ull, {0, 0, 0, 1, 0, 0, 0, 0}},
  {0x0102030405060708ull, {1, 2, 3, 4, 5, 6, 7, 8}},
  {0x8000000000000000ull, {0x80, 0, 0, 0, 0, 0, 0, 0}},
  {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
};

static void test_put_get(void)
{
  size_t i;
  for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    const struct int_row *t = &ints[i];
    unsigned char b[10];
    memset(b, 0xaa, sizeof b);
    put_u64(b + 1, t->v);
    CHECK(!memcmp(b + 1, t->be, 8) && b[0] == 0xaa && b[9] == 0xaa,
          "put_u64 row %zu", i);
    CHECK(get_u64(t->be) == t->v, "get_u64 row %zu", i);

    memset(b, 0xaa, sizeof b);
    put_u32(b + 1, (uint32_t)t->v);
    CHECK(!memcmp(b + 1, t->be + 4, 4) && b[0] == 0xaa && b[5] == 0xaa,
          "put_u32 row %zu", i);
    CHECK(get_u32(t->be + 4) == (uint32_t)t->v, "get_u32 row %zu", i);

    memset(b, 0xaa, sizeof b);
    put_u16(b + 1, (uint16_t)t->v);
    CHECK(!memcmp(b + 1, t->be + 6, 2) && b[0] == 0xaa && b[3] == 0xaa,
          "put_u16 row %zu", i);
    CHECK(get_u16(t->be + 6) == (uint16_t)t->v, "get_u16 row %zu", i);
  }
}

/* Each integer reader on every input length from 0 to width+1: a read
 * succeeds exactly when width bytes are there. */
static void test_rd_ints(void)
{
  static const unsigned char in[9] = {0x81, 0x82, 0x83, 0x84, 0x85,
                                      0x86, 0x87, 0x88, 0x89};
  static const struct { size_t width; uint64_t want; } rows[] = {
    {1, 0x81}, {2, 0x8182}, {4, 0x81828384u}, {8, 0x8182838485868788ull},
  };
  size_t i, len;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
    for (len = 0; len <= rows[i].width + 1; len++) {
      struct rd r;
      uint64_t v = 0;
      int ok = len >= rows[i].width;
      rd_init(&r, in, len);
      switch (rows[i].width) {
      case 1: v = rd_u8(&r); break;
      case 2: v = rd_u16(&r); break;
      case 4: v = rd_u32(&r); break;
      default: v = rd_u64(&r); break;
      }
      CHECK(r.err == !ok, "rd width %zu len %zu: err %d", rows[i].width, len,
            r.err);
      CHECK(v == (ok ? rows[i].want : 0), "rd width %zu len %zu: value %llx",
            rows[i].width, len, (unsigned long long)v);
      CHECK(rd_left(&r) == (ok ? len - rows[i].width : 0),
            "rd width %zu len %zu: left %zu", rows[i].width, len, rd_left(&r));
    }
}

static void test_rd_sticky(void)
{
  static const unsigned char in[4] = {1, 2, 3, 4};
  struct rd r;
  unsigned char out[4];
  const unsigned char *p;

  rd_init(&r, in, 3);
  CHECK(rd_u32(&r) == 0 && r.err == 1, "short u32 sets err");
  /* once in error, even reads that would fit fail */
  CHECK(rd_u8(&r) == 0 && r.err == 1, "err is sticky for u8");
  CHECK(rd_ptr(&r, 0) == NULL, "err is sticky for rd_ptr(0)");
  CHECK(rd_left(&r) == 0, "rd_left 0 in error");
  memset(out, 0x55, sizeof out);
  rd_bytes(&r, out, 4);
  CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0,
        "rd_bytes in error zeroes its output");

  rd_init(&r, in, 0);
  p = rd_ptr(&r, 0);
  CHECK(p != NULL && r.err == 0, "rd_ptr(0) on empty input is fine");
  CHECK(rd_ptr(&r, 1) == NULL && r.err == 1, "rd_ptr(1) on empty input fails");

  rd_init(&r, in, 4);
  CHECK(rd_ptr(&r, SIZE_MAX) == NULL && r.err == 1, "rd_ptr(SIZE_MAX)");
  rd_init(&r, in, 4);
  rd_u8(&r);
  CHECK(rd_ptr(&r, SIZE_MAX) == NULL && r.err == 1,
        "rd_ptr(SIZE_MAX) after one byte (no wrap-around)");
  rd_init(&r, in, 4);
  memset(out, 0x55, sizeof out);
  rd_bytes(&r, out, 4);
  CHECK(!memcmp(out, in, 4) && r.err == 0 && rd_left(&r) == 0, "rd_bytes exact");
  rd_init(&r, in, 4);
  CHECK(rd_ptr(&r, 2) == in && rd_ptr(&r, 2) == in + 2 && rd_left(&r) == 0,
        "rd_ptr points in place");
}

struct str8_row {
  const char *in;
  size_t len;
  int err;
  const char *want;
  size_t left;
};

static const struct str8_row str8s[] = {
  {"", 0, 1, "", 0},
  {"\0", 1, 0, "", 0},
  {"\1a", 2, 0, "a", 0},
  {"\3abc", 4, 0, "abc", 0},
  {"\3abcd", 5, 0, "abc", 1},
  {"\3ab", 3, 1, "", 0},
  {"\3a\0c", 4, 1, "", 0},
  {"\1\0", 2, 1, "", 0},
  {"\3ab\0", 4, 1, "", 0},
  {"\377", 1, 1, "", 0},
  {"\2\377\200", 3, 0, "\377\200", 0},
};

static void test_str8(void)
{
  size_t i;
  unsigned char in[300];
  char out[256];
  struct rd r;
  size_t n;

  for (i = 0; i < sizeof str8s / sizeof str8s[0]; i++) {
    const struct str8_row *t = &str8s[i];
    memset(out, 'x', sizeof out);
    rd_init(&r, t->in, t->len);
    n = rd_str8(&r, out);
    CHECK(r.err == t->err, "rd_str8 row %zu: err %d", i, r.err);
    CHECK(n == strlen(t->want) && !strcmp(out, t->want),
          "rd_str8 row %zu: got %zu \"%s\"", i, n, out);
    CHECK(rd_left(&r) == t->left, "rd_str8 row %zu: left %zu", i, rd_left(&r));
  }

  /* 255 bytes, the most a length byte can say; one byte short fails */
  in[0] = 255;
  memset(in + 1, 'z', 255);
  rd_init(&r, in, 256);
  n = rd_str8(&r, out);
  CHECK(n == 255 && r.err == 0 && strlen(out) == 255 && out[254] == 'z',
        "rd_str8 of 255 bytes");
  rd_init(&r, in, 255);
  n = rd_str8(&r, out);
  CHECK(n == 0 && r.err == 1 && out[0] == 0, "rd_str8 of 255 bytes, one short");
}

struct wr_row {
  size_t cap;
  int width;     /* 1, 2, 4, 8 for wr_uN, 0 for wr_str8 of slen bytes */
  size_t slen;
  int err;
  size_t pos;    /* where the writer stands afterwards */
};

/* A str8 that does not fit may leave its length byte written: err says
 * the output is void, pos is only where it stopped. */
static const struct wr_row wrs[] = {
  {0, 1, 0, 1, 0}, {1, 1, 0, 0, 1}, {2, 1, 0, 0, 1},
  {1, 2, 0, 1, 0}, {2, 2, 0, 0, 2},
  {3, 4, 0, 1, 0}, {4, 4, 0, 0, 4},
  {7, 8, 0, 1, 0}, {8, 8, 0, 0, 8}, {9, 8, 0, 0, 8},
  {0, 0, 0, 1, 0}, {1, 0, 0, 0, 1},
  {3, 0, 3, 1, 1}, {4, 0, 3, 0, 4},
  {255, 0, 255, 1, 1}, {256, 0, 255, 0, 256},
  {300, 0, 256, 1, 0}, {400, 0, 300, 1, 0},
};

static void test_wr(void)
{
  size_t i;
  unsigned char buf[512];
  char s[512];
  for (i = 0; i < sizeof wrs / sizeof wrs[0]; i++) {
    const struct wr_row *t = &wrs[i];
    struct wr w;
    size_t want = t->width ? (size_t)t->width : 1 + t->slen;
    memset(buf, 0xee, sizeof buf);
    wr_init(&w, buf, t->cap);
    switch (t->width) {
    case 1: wr_u8(&w, 0x81); break;
    case 2: wr_u16(&w, 0x8182); break;
    case 4: wr_u32(&w, 0x81828384u); break;
    case 8: wr_u64(&w, 0x8182838485868788ull); break;
    default:
      memset(s, 'q', t->slen);
      s[t->slen] = 0;
      wr_str8(&w, s);
    }
    CHECK(w.err == t->err, "wr row %zu: err %d", i, w.err);
    CHECK(w.pos == t->pos, "wr row %zu: pos %zu", i, w.pos);
    CHECK(buf[t->cap] == 0xee, "wr row %zu: wrote past capacity", i);
    if (!t->err && t->width) {
      unsigned char be[8] = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88};
      CHECK(!memcmp(buf, be, want), "wr row %zu: bytes", i);
    }
    if (!t->err && !t->width)
      CHECK(buf[0] == t->slen && (t->slen == 0 || (buf[1] == 'q' && buf[t->slen] == 'q')),
            "wr row %zu: str8 bytes", i);
  }
}

static void test_wr_sticky(void)
{
  unsigned char buf[16];
  struct wr w;
  wr_init(&w, buf, 4);
  wr_u16(&w, 1);
  wr_u32(&w, 2);
  CHECK(w.err == 1 && w.pos == 2, "wr_u32 over capacity after u16");
  wr_u8(&w, 3);
  CHECK(w.err == 1 && w.pos == 2, "wr err is sticky");
  wr_init(&w, buf, 4);
  wr_bytes(&w, buf, SIZE_MAX);
  CHECK(w.err == 1 && w.pos == 0, "wr_bytes(SIZE_MAX)");
  wr_init(&w, buf, 4);
  wr_bytes(&w, NULL, 0);
  CHECK(w.err == 0 && w.pos == 0, "wr_bytes of nothing");
  wr_init(&w, buf, 16);
  wr_u8(&w, 0xfe);
  wr_u64(&w, 0x0102030405060708ull);
  wr_str8(&w, "xyz");
  {
    static const unsigned char want[] = {0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 3, 'x', 'y', 'z'};
    CHECK(w.err == 0 && w.pos == sizeof want && !memcmp(buf, want, sizeof want),
          "wr sequence");
  }
}

struct scan_row {
  const char *s;
  size_t n;       /* 0: strlen(s) */
  uint64_t max;
  int ret;
  uint64_t v;
};

static const struct scan_row scans[] = {
  {"0", 0, UINT64_MAX, 0, 0},
  {"1", 0, UINT64_MAX, 0, 1},
  {"9", 0, UINT64_MAX, 0, 9},
  {"10", 0, UINT64_MAX, 0, 10},
  {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
  {"18446744073709551614", 0, UINT64_MAX, 0, UINT64_MAX - 1},
  {"18446744073709551616", 0, UINT64_MAX, -1, 0},
  {"18446744073709551620", 0, UINT64_MAX, -1, 0},
  {"19999999999999999999", 0, UINT64_MAX, -1, 0},
  {"99999999999999999999", 0, UINT64_MAX, -1, 0},
  {"100000000000000000000", 0, UINT64_MAX, -1, 0},
  {"10000000000000000000", 0, UINT64_MAX, 0, 10000000000000000000ull},
  {"000000000000000000001", 0, UINT64_MAX, -1, 0},
  {"", 0, UINT64_MAX, -1, 0},
  {"01", 0, UINT64_MAX, -1, 0},
  {"00", 0, UINT64_MAX, -1, 0},
  {"007", 0, UINT64_MAX, -1, 0},
  {"-1", 0, UINT64_MAX, -1, 0},
  {"+1", 0, UINT64_MAX, -1, 0},
  {" 1", 0, UINT64_MAX, -1, 0},
  {"1 ", 0, UINT64_MAX, -1, 0},
  {"1a", 0, UINT64_MAX, -1, 0},
  {"a", 0, UINT64_MAX, -1, 0},
  {"0x10", 0, UINT64_MAX, -1, 0},
  {"1.0", 0, UINT64_MAX, -1, 0},
  {"1\0", 2, UINT64_MAX, -1, 0},
  {"\0", 1, UINT64_MAX, -1, 0},
  {"12", 1, UINT64_MAX, 0, 1},   /* only n bytes are read */
  {"/", 0, UINT64_MAX, -1, 0},   /* '0' - 1 */
  {":", 0, UINT64_MAX, -1, 0},   /* '9' + 1 */
  {"0", 0, 0, 0, 0},
  {"1", 0, 0, -1, 0},
  {"65535", 0, 65535, 0, 65535},
  {"65536", 0, 65535, -1, 0},
  {"4294967295", 0, UINT32_MAX, 0, UINT32_MAX},
  {"4294967296", 0, UINT32_MAX, -1, 0},
  {"9223372036854775807", 0, INT64_MAX, 0, INT64_MAX},
  {"9223372036854775808", 0, INT64_MAX, -1, 0},
};

static void test_scan(void)
{
  size_t i;
  for (i = 0; i < sizeof scans / sizeof scans[0]; i++) {
    const struct scan_row *t = &scans[i];
    size_t n = t->n ? t->n : strlen(t->s);
    uint64_t v = 12345;
    int r = scan_u64(t->s, n, t->max, &v);
    CHECK(r == t->ret, "scan_u64 row %zu \"%s\": ret %d", i, t->s, r);
    CHECK(v == (t->ret == 0 ? t->v : 12345), "scan_u64 row %zu \"%s\": value %llu",
          i, t->s, (unsigned long long)v);
  }
}

int main(void)
{
  test_put_get();
  test_rd_ints();
  test_rd_sticky();
  test_str8();
  test_wr();
  test_wr_sticky();
  test_scan();
  return unit_done("t_bytes");
}
