/* fuzz_answer.c: libFuzzer harness for the decoders of answers, read the
 * way the clients read them: FETCH and LIST and INDEX as im2k-pickup,
 * NOTIFY as im2k-notifyd, the lone status of CONFIRM, DONE and FORWARD
 * as im2k-pickup and im2k-inboxd.  The first byte picks the kind, the
 * rest is the body of an opened answer, hostile.  An answer that decodes
 * must hold only what im2k-protocol(5) allows, and no prefix of it may
 * decode that ends before its last nonzero byte (but NOTIFY's OK without
 * its optional byte). */
#include "addr.h"
#include "bytes.h"
#include "msg.h"
#include "stamp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int addr_ok(const char *a)
{
  return addr_check(a, strlen(a)) && strchr(a, '@');
}

/* the length of p without its trailing zero bytes */
static size_t unpadded(const unsigned char *p, size_t n)
{
  while (n && !p[n - 1]) n--;
  return n;
}

static int fetch(const unsigned char *p, size_t n)
{
  struct msg_fetch_ans a;
  struct rd r;
  rd_init(&r, p, n);
  if (msg_get_fetch_ans(&r, &a) == -1) return -1;
  if (a.status != MSG_OK) return a.total || a.offset || a.length || a.data ? abort(), 0 : 0;
  if (a.length > MSG_BLOCK_MAX || a.total > ((uint64_t)1 << 40)) abort();
  if (a.length && (!a.data || a.data != p + MSG_FETCH_ANS_HEAD ||
                   a.data + a.length > p + n || a.offset > a.total ||
                   a.length > a.total - a.offset))
    abort();
  if (!a.length && a.data) abort();
  return 0;
}

static int list(const unsigned char *p, size_t n)
{
  struct msg_list_ans a;
  struct msg_list_entry e;
  struct rd r;
  unsigned i;
  rd_init(&r, p, n);
  if (msg_get_list_ans(&r, &a) == -1) return -1;
  if (a.status != MSG_OK) return a.more || a.count ? abort(), 0 : 0;
  for (i = 0; i < a.count; i++) {
    if (msg_get_list_entry(&r, &e) == -1) abort(); /* the whole answer was checked */
    if (!addr_ok(e.note.sender) || !addr_ok(e.note.rcpt) || e.note.size > ((uint64_t)1 << 40))
      abort();
  }
  if (msg_end(&r) == -1) abort();
  return 0;
}

static int index_(const unsigned char *p, size_t n)
{
  struct msg_index_ans a;
  struct msg_index_entry e;
  struct rd r;
  uint64_t first = 0;
  unsigned i;
  rd_init(&r, p, n);
  if (msg_get_index_ans(&r, &a) == -1) return -1;
  if (a.status != MSG_OK) return a.total || a.count ? abort(), 0 : 0;
  for (i = 0; i < a.count; i++) {
    if (msg_get_index_entry(&r, &e) == -1) abort();
    if (i == 0) first = e.number;
    if (e.number != first + i || e.number >= a.total || e.size > ((uint64_t)1 << 40)) abort();
  }
  if (msg_end(&r) == -1) abort();
  return 0;
}

static int notify(const unsigned char *p, size_t n)
{
  struct msg_notify_ans a;
  struct rd r;
  rd_init(&r, p, n);
  if (msg_get_notify_ans(&r, &a) == -1) return -1;
  if (a.bits > STAMP_MAX) abort();
  if (a.status == MSG_POSTAGE ? a.bits == 0 : a.status != MSG_OK && a.bits) abort();
  return 0;
}

static int status(const unsigned char *p, size_t n)
{
  uint8_t st;
  struct rd r;
  rd_init(&r, p, n);
  if (msg_get_status_ans(&r, &st) == -1) return -1;
  if (n < 1 || st != p[0] || unpadded(p + 1, n - 1)) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int (*const dec[])(const unsigned char *, size_t) = {fetch, list, index_, notify,
                                                              status};
  int (*f)(const unsigned char *, size_t);
  const unsigned char *p;
  size_t n, cut, keep;
  if (size < 1) return 0;
  f = dec[data[0] % (sizeof dec / sizeof dec[0])];
  p = data + 1;
  n = size - 1;
  if (f(p, n) == -1) return 0;
  /* after its last field an answer holds only zero bytes, and the
   * status fixes the layout, so a prefix that ends before the last
   * nonzero byte lacks part of a field: refused.  Only NOTIFY's OK may
   * lose its optional byte and still be an OK. */
  keep = unpadded(p, n);
  for (cut = 0; cut < keep; cut++) {
    if (f == notify && p[0] == MSG_OK && cut == 1) continue;
    if (f(p, cut) != -1) abort();
  }
  return 0;
}
