/* fuzz_msg.c: libFuzzer harness for the packet body decoders, requests
 * and answers.  The first byte picks the decoder, the rest is the body,
 * as it comes out of an opened box.  A body that decodes must encode with
 * the matching msg_put_* and decode again to the same fields; the two
 * encodings must be the same bytes (and an answer's never longer than
 * the bytes decoded: writers add no padding). */
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

static void forward_req(struct rd *r)
{
  struct msg_forward_req a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (msg_get_forward_req(r, &a) == -1) return;
  if (!addr_ok(a.to) || !addr_ok(a.note.sender) || !addr_ok(a.note.rcpt)) abort();
  ROUND(struct msg_forward_req, msg_put_forward_req, msg_get_forward_req, &a, &b, e1, l1);
  if (strcmp(a.to, b.to) || strcmp(a.note.sender, b.note.sender) ||
      strcmp(a.note.rcpt, b.note.rcpt) || memcmp(a.note.handle, b.note.handle, MSG_HANDLE) ||
      a.note.size != b.note.size || memcmp(a.note.hash, b.note.hash, MSG_HASH) ||
      memcmp(a.note.token, b.note.token, MSG_TOKEN))
    abort();
  ROUND(struct msg_forward_req, msg_put_forward_req, msg_get_forward_req, &b, &c, e2, l2);
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

/* ---- answers: decode, encode, decode to the same; the two encodings
 * the same bytes, and never longer than what was decoded (the writers
 * add no padding) ---- */

/* an answer with its entries, decoded as a client reads it */
struct ans {
  struct msg_list_ans l;
  struct msg_list_entry le[16];
  struct msg_index_ans x;
  struct msg_index_entry xe[16];
};

static size_t put_list(unsigned char *e, const struct ans *a)
{
  struct wr w;
  unsigned i;
  wr_init(&w, e, ENC_MAX);
  msg_put_list_ans(&w, &a->l);
  for (i = 0; a->l.status == MSG_OK && i < a->l.count; i++)
    if (msg_put_list_entry(&w, &a->le[i]) == -1) abort();
  if (w.err) abort();
  return w.pos;
}

static int get_list(const unsigned char *p, size_t n, struct ans *a)
{
  struct rd r;
  unsigned i;
  rd_init(&r, p, n);
  if (msg_get_list_ans(&r, &a->l) == -1) return -1;
  /* an answer is at most PACKET_RBODY_MAX bytes: 10 entries of 105 */
  if (a->l.count > 16) abort();
  for (i = 0; i < a->l.count; i++)
    if (msg_get_list_entry(&r, &a->le[i]) == -1) abort(); /* checked by msg_get_list_ans */
  return 0;
}

static int same_list(const struct ans *a, const struct ans *b)
{
  unsigned i;
  if (a->l.status != b->l.status || a->l.more != b->l.more || a->l.count != b->l.count) return 0;
  for (i = 0; i < a->l.count; i++) {
    const struct msg_list_entry *x = &a->le[i], *y = &b->le[i];
    if (x->seq != y->seq || x->worth != y->worth || strcmp(x->note.sender, y->note.sender) ||
        strcmp(x->note.rcpt, y->note.rcpt) || memcmp(x->note.handle, y->note.handle, MSG_HANDLE) ||
        x->note.size != y->note.size || memcmp(x->note.hash, y->note.hash, MSG_HASH) ||
        memcmp(x->note.token, y->note.token, MSG_TOKEN))
      return 0;
  }
  return 1;
}

static void list_ans(struct rd *r)
{
  static struct ans a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (get_list(r->p, r->len, &a) == -1) return;
  l1 = put_list(e1, &a);
  if (l1 > r->len || get_list(e1, l1, &b) == -1 || !same_list(&a, &b)) abort();
  l2 = put_list(e2, &b);
  if (l1 != l2 || memcmp(e1, e2, l1) || get_list(e2, l2, &c) == -1 || !same_list(&a, &c))
    abort();
}

static size_t put_index(unsigned char *e, const struct ans *a)
{
  struct wr w;
  unsigned i;
  wr_init(&w, e, ENC_MAX);
  msg_put_index_ans(&w, &a->x);
  for (i = 0; a->x.status == MSG_OK && i < a->x.count; i++) msg_put_index_entry(&w, &a->xe[i]);
  if (w.err) abort();
  return w.pos;
}

static int get_index(const unsigned char *p, size_t n, struct ans *a)
{
  struct rd r;
  unsigned i;
  rd_init(&r, p, n);
  if (msg_get_index_ans(&r, &a->x) == -1) return -1;
  if (a->x.count > 16) abort();
  for (i = 0; i < a->x.count; i++)
    if (msg_get_index_entry(&r, &a->xe[i]) == -1) abort();
  return 0;
}

static int same_index(const struct ans *a, const struct ans *b)
{
  unsigned i;
  if (a->x.status != b->x.status || a->x.total != b->x.total || a->x.count != b->x.count)
    return 0;
  for (i = 0; i < a->x.count; i++) {
    const struct msg_index_entry *x = &a->xe[i], *y = &b->xe[i];
    if (x->number != y->number || memcmp(x->handle, y->handle, MSG_HANDLE) ||
        x->size != y->size || memcmp(x->hash, y->hash, MSG_HASH) ||
        memcmp(x->token, y->token, MSG_TOKEN) || x->time != y->time)
      return 0;
  }
  return 1;
}

static void index_ans(struct rd *r)
{
  static struct ans a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  if (get_index(r->p, r->len, &a) == -1) return;
  l1 = put_index(e1, &a);
  if (l1 > r->len || get_index(e1, l1, &b) == -1 || !same_index(&a, &b)) abort();
  l2 = put_index(e2, &b);
  if (l1 != l2 || memcmp(e1, e2, l1) || get_index(e2, l2, &c) == -1 || !same_index(&a, &c))
    abort();
}

static void status_ans(struct rd *r)
{
  uint8_t a, b;
  unsigned char e[8];
  struct wr w;
  struct rd r2;
  if (msg_get_status_ans(r, &a) == -1) return;
  wr_init(&w, e, sizeof e);
  msg_put_status_ans(&w, a);
  rd_init(&r2, e, w.pos);
  if (w.err || w.pos != 1 || msg_get_status_ans(&r2, &b) == -1 || a != b) abort();
}

static void notify_ans(struct rd *r)
{
  struct msg_notify_ans a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  size_t len = r->len;
  if (msg_get_notify_ans(r, &a) == -1) return;
  if (a.bits > STAMP_MAX || (a.status == MSG_POSTAGE && a.bits == 0) ||
      (a.status != MSG_POSTAGE && a.status != MSG_OK && a.bits))
    abort();
  ROUND(struct msg_notify_ans, msg_put_notify_ans, msg_get_notify_ans, &a, &b, e1, l1);
  if (l1 > len || a.status != b.status || a.bits != b.bits) abort();
  ROUND(struct msg_notify_ans, msg_put_notify_ans, msg_get_notify_ans, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

static void fetch_ans(struct rd *r)
{
  struct msg_fetch_ans a, b, c;
  unsigned char e1[ENC_MAX], e2[ENC_MAX];
  size_t l1, l2;
  size_t len = r->len;
  if (msg_get_fetch_ans(r, &a) == -1) return;
  if (a.length > MSG_BLOCK_MAX || a.total > ((uint64_t)1 << 40) || (a.length && !a.data) ||
      (a.length && (a.data < r->p || a.data + a.length > r->p + r->len)))
    abort();
  ROUND(struct msg_fetch_ans, msg_put_fetch_ans, msg_get_fetch_ans, &a, &b, e1, l1);
  if (l1 > len || a.status != b.status || a.total != b.total || a.offset != b.offset ||
      a.length != b.length || (a.length && memcmp(a.data, b.data, a.length)))
    abort();
  ROUND(struct msg_fetch_ans, msg_put_fetch_ans, msg_get_fetch_ans, &b, &c, e2, l2);
  if (l1 != l2 || memcmp(e1, e2, l1)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static void (*const dec[])(struct rd *) = {note, list_req, done_req, fetch_req,
                                             confirm_req, index_req, index_entries,
                                             status_ans, notify_ans, list_ans, fetch_ans,
                                             index_ans, forward_req};
  struct rd r;
  if (size < 1) return 0;
  rd_init(&r, data + 1, size - 1);
  dec[data[0] % (sizeof dec / sizeof dec[0])](&r);
  return 0;
}
