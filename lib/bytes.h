/* bytes.h: bounds-checked readers and writers of big-endian integers
 * and length-prefixed strings.  Every parser of outside input reads
 * through struct rd, which never reads past its end: a short or bad
 * input sets err and every later read returns zeros. */
#ifndef IM2K_BYTES_H
#define IM2K_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct rd {
  const unsigned char *p;
  size_t len;
  size_t pos;
  int err;
};

struct wr {
  unsigned char *p;
  size_t len;   /* capacity */
  size_t pos;
  int err;
};

void rd_init(struct rd *r, const void *p, size_t len);
uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
/* rd_bytes: copy n bytes into out. */
void rd_bytes(struct rd *r, void *out, size_t n);
/* rd_str8: a u8 length then that many bytes, copied into out as a C
 * string; out must hold 256 bytes.  Returns the length.  A NUL byte
 * inside the string is an error. */
size_t rd_str8(struct rd *r, char out[256]);
/* rd_ptr: n bytes in place, or NULL on error. */
const unsigned char *rd_ptr(struct rd *r, size_t n);
size_t rd_left(const struct rd *r);

void wr_init(struct wr *w, void *p, size_t len);
void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_u64(struct wr *w, uint64_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
/* wr_str8: strings over 255 bytes set err. */
void wr_str8(struct wr *w, const char *s);

void put_u16(unsigned char *p, uint16_t v);
void put_u32(unsigned char *p, uint32_t v);
void put_u64(unsigned char *p, uint64_t v);
uint16_t get_u16(const unsigned char *p);
uint32_t get_u32(const unsigned char *p);
uint64_t get_u64(const unsigned char *p);



/* scan_u64: strict decimal (digits only, no sign, no leading zero unless
 * the value is 0, at most 20 digits) not over max; 0 or -1. */
int scan_u64(const void *s, size_t n, uint64_t max, uint64_t *out);

#endif
