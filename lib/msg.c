/* msg.c: packet bodies.  Decoders read hostile bytes (after the box
 * opened: the peer is authenticated, not trusted). */
#include "msg.h"
#include "stamp.h"

#include <string.h>

int msg_end(struct rd *r)
{
  size_t n = rd_left(r);
  const unsigned char *p;
  unsigned char any = 0;
  size_t i;
  if (r->err) return -1;
  p = rd_ptr(r, n);
  if (!p && n) return -1;
  /* no early exit: the compiler makes this a few wide ORs */
  for (i = 0; i < n; i++) any |= p[i];
  if (any) { r->err = 1; return -1; }
  return 0;
}

int msg_get_addr(struct rd *r, char out[ADDR_MAX + 1])
{
  char s[256];
  size_t n = rd_str8(r, s);
  if (r->err || !addr_check(s, n)) { r->err = 1; out[0] = 0; return -1; }
  memcpy(out, s, n + 1);
  addr_lower(out);
  return 0;
}

static int get_local(struct rd *r, char out[LOCAL_MAX + 1])
{
  char s[256];
  size_t n = rd_str8(r, s);
  if (r->err || !local_check(s, n)) { r->err = 1; out[0] = 0; return -1; }
  memcpy(out, s, n + 1);
  return 0;
}

void msg_put_note(struct wr *w, const struct msg_note *n)
{
  wr_str8(w, n->sender);
  wr_str8(w, n->rcpt);
  wr_bytes(w, n->handle, MSG_HANDLE);
  wr_u64(w, n->size);
  wr_bytes(w, n->hash, MSG_HASH);
  wr_bytes(w, n->token, MSG_TOKEN);
}

uint64_t msg_get_stamp(struct rd *r)
{
  if (r->err || r->len - r->pos < 8) return 0;
  return rd_u64(r);
}

void msg_put_stamp(struct wr *w, uint64_t stamp)
{
  wr_u64(w, stamp);
}

void msg_put_forward_req(struct wr *w, const struct msg_forward_req *q)
{
  wr_str8(w, q->to);
  msg_put_note(w, &q->note);
}

int msg_get_forward_req(struct rd *r, struct msg_forward_req *q)
{
  msg_get_addr(r, q->to);
  msg_get_note(r, &q->note);
  return msg_end(r);
}

int msg_get_note(struct rd *r, struct msg_note *n)
{
  msg_get_addr(r, n->sender);
  msg_get_addr(r, n->rcpt);
  rd_bytes(r, n->handle, MSG_HANDLE);
  n->size = rd_u64(r);
  rd_bytes(r, n->hash, MSG_HASH);
  rd_bytes(r, n->token, MSG_TOKEN);
  if (n->size > ((uint64_t)1 << 40)) r->err = 1;
  return r->err ? -1 : 0;
}

void msg_put_list_req(struct wr *w, const struct msg_list_req *q)
{
  wr_str8(w, q->user);
  wr_u64(w, q->cursor);
  if (q->postage) wr_u8(w, q->postage);
}

int msg_get_list_req(struct rd *r, struct msg_list_req *q)
{
  get_local(r, q->user);
  q->cursor = rd_u64(r);
  q->postage = !r->err && r->len > r->pos ? rd_u8(r) : 0;
  if (q->postage > STAMP_MAX) r->err = 1;
  return msg_end(r);
}

void msg_put_done_req(struct wr *w, const struct msg_done_req *q)
{
  wr_str8(w, q->user);
  wr_str8(w, q->sender);
  wr_str8(w, q->rcpt);
  wr_bytes(w, q->handle, MSG_HANDLE);
}

int msg_get_done_req(struct rd *r, struct msg_done_req *q)
{
  get_local(r, q->user);
  msg_get_addr(r, q->sender);
  msg_get_addr(r, q->rcpt);
  rd_bytes(r, q->handle, MSG_HANDLE);
  return msg_end(r);
}

void msg_put_fetch_req(struct wr *w, const struct msg_fetch_req *q)
{
  wr_bytes(w, q->handle, MSG_HANDLE);
  wr_bytes(w, q->token, MSG_TOKEN);
  wr_str8(w, q->rcpt);
  wr_u64(w, q->offset);
  wr_u16(w, q->want);
}

int msg_get_fetch_req(struct rd *r, struct msg_fetch_req *q)
{
  rd_bytes(r, q->handle, MSG_HANDLE);
  rd_bytes(r, q->token, MSG_TOKEN);
  msg_get_addr(r, q->rcpt);
  q->offset = rd_u64(r);
  q->want = rd_u16(r);
  if (q->want == 0 || q->want > MSG_BLOCK_MAX) r->err = 1;
  return msg_end(r);
}

void msg_put_confirm_req(struct wr *w, const struct msg_confirm_req *q)
{
  wr_bytes(w, q->handle, MSG_HANDLE);
  wr_bytes(w, q->token, MSG_TOKEN);
  wr_str8(w, q->rcpt);
}

int msg_get_confirm_req(struct rd *r, struct msg_confirm_req *q)
{
  rd_bytes(r, q->handle, MSG_HANDLE);
  rd_bytes(r, q->token, MSG_TOKEN);
  msg_get_addr(r, q->rcpt);
  return msg_end(r);
}

void msg_put_index_req(struct wr *w, const struct msg_index_req *q)
{
  wr_str8(w, q->list);
  wr_u64(w, q->cursor);
}

int msg_get_index_req(struct rd *r, struct msg_index_req *q)
{
  msg_get_addr(r, q->list);
  q->cursor = rd_u64(r);
  return msg_end(r);
}

void msg_put_index_entry(struct wr *w, const struct msg_index_entry *e)
{
  wr_u64(w, e->number);
  wr_bytes(w, e->handle, MSG_HANDLE);
  wr_u64(w, e->size);
  wr_bytes(w, e->hash, MSG_HASH);
  wr_bytes(w, e->token, MSG_TOKEN);
  wr_u64(w, e->time);
}

int msg_get_index_entry(struct rd *r, struct msg_index_entry *e)
{
  e->number = rd_u64(r);
  rd_bytes(r, e->handle, MSG_HANDLE);
  e->size = rd_u64(r);
  rd_bytes(r, e->hash, MSG_HASH);
  rd_bytes(r, e->token, MSG_TOKEN);
  e->time = rd_u64(r);
  if (e->size > ((uint64_t)1 << 40)) r->err = 1;
  return r->err ? -1 : 0;
}

/* ---- answers ---- */

#define MESSAGE_MAX ((uint64_t)1 << 40)   /* im2k-protocol(5): no message is longer */

void msg_put_status_ans(struct wr *w, uint8_t status)
{
  wr_u8(w, status);
}

int msg_get_status_ans(struct rd *r, uint8_t *status)
{
  *status = rd_u8(r);
  return msg_end(r);
}

void msg_put_notify_ans(struct wr *w, const struct msg_notify_ans *a)
{
  wr_u8(w, a->status);
  if (a->status == MSG_POSTAGE) {
    if (a->bits == 0 || a->bits > STAMP_MAX) w->err = 1;
    wr_u8(w, a->bits);
  } else if (a->status == MSG_OK && a->bits) {
    if (a->bits > STAMP_MAX) w->err = 1;
    wr_u8(w, a->bits);
  } else if (a->bits)
    w->err = 1;   /* no other status carries bits */
}

int msg_get_notify_ans(struct rd *r, struct msg_notify_ans *a)
{
  a->status = rd_u8(r);
  a->bits = 0;
  if (a->status == MSG_POSTAGE) {
    a->bits = rd_u8(r);
    if (a->bits == 0) r->err = 1;
  } else if (a->status == MSG_OK && rd_left(r))
    a->bits = rd_u8(r);   /* optional: absent reads as 0 */
  if (a->bits > STAMP_MAX) r->err = 1;
  return msg_end(r);
}

void msg_put_list_ans(struct wr *w, const struct msg_list_ans *a)
{
  wr_u8(w, a->status);
  if (a->status != MSG_OK) return;
  wr_u8(w, a->more);
  wr_u8(w, a->count);
}

int msg_put_list_entry(struct wr *w, const struct msg_list_entry *e)
{
  struct wr save = *w;
  if (w->err) return -1;
  wr_u64(w, e->seq);
  msg_put_note(w, &e->note);
  wr_u8(w, e->worth);
  if (w->err) { *w = save; return -1; }
  return 0;
}

void msg_patch_list_ans(struct wr *w, size_t head, const struct msg_list_ans *a)
{
  if (w->err || head > w->pos || w->pos - head < MSG_LIST_ANS_HEAD || w->p[head] != MSG_OK ||
      a->status != MSG_OK) {
    w->err = 1;
    return;
  }
  w->p[head + 1] = a->more;
  w->p[head + 2] = a->count;
}

int msg_get_list_entry(struct rd *r, struct msg_list_entry *e)
{
  e->seq = rd_u64(r);
  msg_get_note(r, &e->note);
  e->worth = rd_u8(r);
  return r->err ? -1 : 0;
}

int msg_get_list_ans(struct rd *r, struct msg_list_ans *a)
{
  struct msg_list_entry e;
  struct rd walk;
  unsigned i;
  a->status = rd_u8(r);
  a->more = a->count = 0;
  if (r->err || a->status != MSG_OK) return msg_end(r);
  a->more = rd_u8(r);
  a->count = rd_u8(r);
  /* the whole answer is checked before the caller acts on any entry */
  walk = *r;
  for (i = 0; i < a->count; i++) msg_get_list_entry(&walk, &e);
  if (msg_end(&walk) == -1) r->err = 1;
  return r->err ? -1 : 0;
}

void msg_put_fetch_ans(struct wr *w, const struct msg_fetch_ans *a)
{
  wr_u8(w, a->status);
  if (a->status != MSG_OK) return;
  if (a->total > MESSAGE_MAX || a->length > MSG_BLOCK_MAX ||
      (a->length && (a->offset > a->total || a->length > a->total - a->offset)))
    w->err = 1;
  wr_u64(w, a->total);
  wr_u64(w, a->offset);
  wr_u16(w, a->length);
  wr_bytes(w, a->data, a->length);
}

int msg_get_fetch_ans(struct rd *r, struct msg_fetch_ans *a)
{
  a->status = rd_u8(r);
  a->total = a->offset = 0;
  a->length = 0;
  a->data = NULL;
  if (r->err || a->status != MSG_OK) return msg_end(r);
  a->total = rd_u64(r);
  a->offset = rd_u64(r);
  a->length = rd_u16(r);
  if (a->length) a->data = rd_ptr(r, a->length);
  if (a->total > MESSAGE_MAX || a->length > MSG_BLOCK_MAX ||
      (a->length && (a->offset > a->total || a->length > a->total - a->offset)))
    r->err = 1;
  if (msg_end(r) == -1) { a->data = NULL; return -1; }
  return 0;
}

void msg_put_index_ans(struct wr *w, const struct msg_index_ans *a)
{
  wr_u8(w, a->status);
  if (a->status != MSG_OK) return;
  wr_u64(w, a->total);
  wr_u8(w, a->count);
}

int msg_get_index_ans(struct rd *r, struct msg_index_ans *a)
{
  struct msg_index_entry e;
  struct rd walk;
  uint64_t first = 0;
  unsigned i;
  a->status = rd_u8(r);
  a->total = 0;
  a->count = 0;
  if (r->err || a->status != MSG_OK) return msg_end(r);
  a->total = rd_u64(r);
  a->count = rd_u8(r);
  walk = *r;
  for (i = 0; i < a->count && !walk.err; i++) {
    msg_get_index_entry(&walk, &e);
    if (i == 0) first = e.number;
    /* numbered cursor, cursor+1, ...: all of them records of the index */
    if (e.number != first + i || e.number >= a->total) walk.err = 1;
  }
  if (msg_end(&walk) == -1) r->err = 1;
  return r->err ? -1 : 0;
}
