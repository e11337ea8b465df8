/* bytes.c: bounded big-endian reading and writing.  Trusts nothing in
 * the bytes it reads. */
#include "bytes.h"

#include <string.h>

void put_u16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
void put_u32(unsigned char *p, uint32_t v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
void put_u64(unsigned char *p, uint64_t v)
{
  put_u32(p, (uint32_t)(v >> 32));
  put_u32(p + 4, (uint32_t)v);
}
uint16_t get_u16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
uint32_t get_u32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
uint64_t get_u64(const unsigned char *p)
{
  return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

void rd_init(struct rd *r, const void *p, size_t len)
{
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->err = 0;
}

size_t rd_left(const struct rd *r) { return r->err ? 0 : r->len - r->pos; }

const unsigned char *rd_ptr(struct rd *r, size_t n)
{
  const unsigned char *p;
  if (r->err || n > r->len - r->pos) { r->err = 1; return NULL; }
  p = r->p + r->pos;
  r->pos += n;
  return p;
}

uint8_t rd_u8(struct rd *r)
{
  const unsigned char *p = rd_ptr(r, 1);
  return p ? p[0] : 0;
}
uint16_t rd_u16(struct rd *r)
{
  const unsigned char *p = rd_ptr(r, 2);
  return p ? get_u16(p) : 0;
}
uint32_t rd_u32(struct rd *r)
{
  const unsigned char *p = rd_ptr(r, 4);
  return p ? get_u32(p) : 0;
}
uint64_t rd_u64(struct rd *r)
{
  const unsigned char *p = rd_ptr(r, 8);
  return p ? get_u64(p) : 0;
}

void rd_bytes(struct rd *r, void *out, size_t n)
{
  const unsigned char *p = rd_ptr(r, n);
  if (p) memcpy(out, p, n);
  else memset(out, 0, n);
}

size_t rd_str8(struct rd *r, char out[256])
{
  size_t n = rd_u8(r);
  const unsigned char *p = rd_ptr(r, n);
  out[0] = 0;
  if (!p) return 0;
  if (memchr(p, 0, n)) { r->err = 1; return 0; }
  memcpy(out, p, n);
  out[n] = 0;
  return n;
}

void wr_init(struct wr *w, void *p, size_t len)
{
  w->p = p;
  w->len = len;
  w->pos = 0;
  w->err = 0;
}

static unsigned char *wr_ptr(struct wr *w, size_t n)
{
  unsigned char *p;
  if (w->err || n > w->len - w->pos) { w->err = 1; return NULL; }
  p = w->p + w->pos;
  w->pos += n;
  return p;
}

void wr_u8(struct wr *w, uint8_t v)
{
  unsigned char *p = wr_ptr(w, 1);
  if (p) p[0] = v;
}
void wr_u16(struct wr *w, uint16_t v)
{
  unsigned char *p = wr_ptr(w, 2);
  if (p) put_u16(p, v);
}
void wr_u32(struct wr *w, uint32_t v)
{
  unsigned char *p = wr_ptr(w, 4);
  if (p) put_u32(p, v);
}
void wr_u64(struct wr *w, uint64_t v)
{
  unsigned char *p = wr_ptr(w, 8);
  if (p) put_u64(p, v);
}
void wr_bytes(struct wr *w, const void *src, size_t n)
{
  unsigned char *p = wr_ptr(w, n);
  if (p && n) memcpy(p, src, n);
}
void wr_str8(struct wr *w, const char *s)
{
  size_t n = strlen(s);
  if (n > 255) { w->err = 1; return; }
  wr_u8(w, (uint8_t)n);
  wr_bytes(w, s, n);
}

int scan_u64(const void *s, size_t n, uint64_t max, uint64_t *out)
{
  const unsigned char *p = s;
  uint64_t v = 0;
  size_t i;
  if (n == 0 || n > 20 || (n > 1 && p[0] == '0')) return -1;
  for (i = 0; i < n; i++) {
    unsigned d;
    if (p[i] < '0' || p[i] > '9') return -1;
    d = p[i] - '0';
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  if (v > max) return -1;
  *out = v;
  return 0;
}
