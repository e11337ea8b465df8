/* fuzz_msg.c: libFuzzer harness for the packet body decoders.  The first
 * byte picks the decoder, the rest is the body, as it comes out of an
 * opened box.  A body that decodes must encode with the matching
 * msg_put_* and decode again to the same fields; the two encodings must
 * be the same bytes. */
#include "addr.h"
#include "bytes.h"
#include "msg.h"
#include "stamp.h"
#include "packet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENC_MAX 2048

static int addr_ok(const char *a)
{
  const char *at = strrchr(a, '@'), *d;
  if (!at || !addr_check(a, strlen(a))) return 0;
  for (d = at + 1; *d; d++)  /* decoders lower-case the domain */
    if (*d >= 'A' && *d <= 'Z') return 0;
  return 1;
}

/* encode v with put, decode into w with get: the decoder must accept
 * its encoder's output and leave nothing behind (notes may be followed
 * by more, so only requests are held to msg_end) */
#define ROUND(type, put, get, v, w, e, elen)                     \
  do {                                                           \
    struct wr wr_;                                               \
    struct rd rd_;                                               \
    wr_init(&wr_, e, ENC_MAX);                                   \
    put(&wr_, v);                                                \
    if (wr_.err) abort();                                        \
    elen = wr_.pos;                                              \
    memset(w, 0x5a, sizeof(type));                               \
    rd_init(&rd_, e, elen);                                      \
    if (get(&rd_, w) == -1 || rd_left(&rd_) != 0) abort();       \
  } while (0)

static void note(struct rd *r)
{
  struct msg_note a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_note(r, &a) == -1) return;
  if (!addr_ok(a.sender) || !addr_ok(a.rcpt) || a.size > ((uint64_t)1 << 40)) abort();
  ROUND(struct msg_note, msg_put_note, msg_get_note, &a, &b, e1, l1);
  if (strcmp(a.sender, b.sender) || strcmp(a.rcpt, b.rcpt) ||
      memcmp(a.handle, b.handle, MSG_HANDLE) || a.size != b.size ||
      memcmp(a.hash, b.hash, MSG_HASH) || memcmp(a.token, b.token, MSG_TOKEN))
    abort();
  if (l1 > MSG_NOTE_WIRE_MAX) abort();
  ROUND(struct msg_note, msg_put_note, msg_get_note, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void list_req(struct rd *r)
{
  struct msg_list_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_list_req(r, &a) == -1) return;
  if (!local_check(a.user, strlen(a.user))) abort();
  ROUND(struct msg_list_req, msg_put_list_req, msg_get_list_req, &a, &b, e1, l1);
  if (strcmp(a.user, b.user) || a.cursor != b.cursor || a.postage != b.postage ||
      a.postage > STAMP_MAX)
    abort();
  ROUND(struct msg_list_req, msg_put_list_req, msg_get_list_req, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void done_req(struct rd *r)
{
  struct msg_done_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_done_req(r, &a) == -1) return;
  if (!local_check(a.user, strlen(a.user)) || !addr_ok(a.sender) || !addr_ok(a.rcpt))
    abort();
  ROUND(struct msg_done_req, msg_put_done_req, msg_get_done_req, &a, &b, e1, l1);
  if (strcmp(a.user, b.user) || strcmp(a.sender, b.sender) || strcmp(a.rcpt, b.rcpt) ||
      memcmp(a.handle, b.handle, MSG_HANDLE))
    abort();
  ROUND(struct msg_done_req, msg_put_done_req, msg_get_done_req, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void fetch_req(struct rd *r)
{
  struct msg_fetch_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_fetch_req(r, &a) == -1) return;
  if (!addr_ok(a.rcpt) || a.want == 0 || a.want > MSG_BLOCK_MAX) abort();
  ROUND(struct msg_fetch_req, msg_put_fetch_req, msg_get_fetch_req, &a, &b, e1, l1);
  if (memcmp(a.handle, b.handle, MSG_HANDLE) || memcmp(a.token, b.token, MSG_TOKEN) ||
      strcmp(a.rcpt, b.rcpt) || a.offset != b.offset || a.want != b.want)
    abort();
  ROUND(struct msg_fetch_req, msg_put_fetch_req, msg_get_fetch_req, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void confirm_req(struct rd *r)
{
  struct msg_confirm_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_confirm_req(r, &a) == -1) return;
  if (!addr_ok(a.rcpt)) abort();
  ROUND(struct msg_confirm_req, msg_put_confirm_req, msg_get_confirm_req, &a, &b, e1, l1);
  if (memcmp(a.handle, b.handle, MSG_HANDLE) || memcmp(a.token, b.token, MSG_TOKEN) ||
      strcmp(a.rcpt, b.rcpt))
    abort();
  ROUND(struct msg_confirm_req, msg_put_confirm_req, msg_get_confirm_req, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void index_req(struct rd *r)
{
  struct msg_index_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_index_req(r, &a) == -1) return;
  if (!addr_ok(a.list)) abort();
  ROUND(struct msg_index_req, msg_put_index_req, msg_get_index_req, &a, &b, e1, l1);
  if (strcmp(a.list, b.list) || a.cursor != b.cursor) abort();
  ROUND(struct msg_index_req, msg_put_index_req, msg_get_index_req, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

/* entries of an INDEX response, one after another, as a client reads them */
static void index_entries(struct rd *r)
{
  struct msg_index_entry a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2, before;
  for (;;) {
    before = rd_left(r);
    if (msg_get_index_entry(r, &a) == -1) return;
    if (before - rd_left(r) != MSG_INDEX_ENTRY || a.size > ((uint64_t)1 << 40)) abort();
    ROUND(struct msg_index_entry, msg_put_index_entry, msg_get_index_entry, &a, &b, e1, l1);
    if (l1 != MSG_INDEX_ENTRY || a.number != b.number || memcmp(a.handle, b.handle, MSG_HANDLE) ||
        a.size != b.size || memcmp(a.hash, b.hash, MSG_HASH) ||
        memcmp(a.token, b.token, MSG_TOKEN) || a.time != b.time)
      abort();
    ROUND(struct msg_index_entry, msg_put_index_entry, msg_get_index_entry, &b, &c, e2, l2);
    if (l1 != l2 || memcmp(e1, e2, l1)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static void (*const dec[])(struct rd *) = {note, list_req, done_req, fetch_req,
                                             confirm_req, index_req, index_entries};
  struct rd r;
  if (size < 1) return 0;
  rd_init(&r, data + 1, size - 1);
  dec[data[0] % (sizeof dec / sizeof dec[0])](&r);
  return 0;
}
