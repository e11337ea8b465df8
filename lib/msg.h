/* msg.h: the bodies of im2k packets (after the kind byte of a request,
 * after kind and request id of a response).  All integers big-endian;
 * strings are a length byte then that many bytes.  Decoders check every
 * field (addresses by addr_check) and require any bytes after the last
 * field to be zero padding.  See man/im2k-protocol.5. */
#ifndef IM2K_MSG_H
#define IM2K_MSG_H

#include "addr.h"
#include "bytes.h"

#include <stddef.h>
#include <stdint.h>

#define MSG_HANDLE 16
#define MSG_HASH 32
#define MSG_TOKEN 32
#define MSG_BLOCK_MAX 1024   /* data bytes a fetch may ask for */

enum msg_status {
  MSG_OK = 0,
  MSG_NOENT = 1,   /* no such user, message, or a wrong token: permanent */
  MSG_TEMP = 2,    /* try again later (full, disk error) */
  MSG_BAD = 3,     /* malformed request: permanent */
  MSG_DENIED = 4,  /* the client key may not do this */
  MSG_POSTAGE = 5  /* NOTIFY: send again with a stamp worth the u8 bits
                    * that follow (see stamp.h) */
};

/* a notification, as sent by the sender's ISP and listed by the inbox */
struct msg_note {
  char sender[ADDR_MAX + 1];
  char rcpt[ADDR_MAX + 1];
  unsigned char handle[MSG_HANDLE];
  uint64_t size;
  unsigned char hash[MSG_HASH];
  unsigned char token[MSG_TOKEN];
};

void msg_put_note(struct wr *w, const struct msg_note *n);
int msg_get_note(struct rd *r, struct msg_note *n);
/* msg_get_stamp: the NOTIFY body's optional u64 postage stamp after the
 * note: 0 when fewer than 8 bytes are left (those must be padding).
 * msg_put_stamp writes it; a sender with no stamp writes nothing. */
uint64_t msg_get_stamp(struct rd *r);
void msg_put_stamp(struct wr *w, uint64_t stamp);

/* FORWARD request: the user's new address, then the note as the old
 * inbox received it.  Response: status (msg_put_status_ans). */
struct msg_forward_req {
  char to[ADDR_MAX + 1];
  struct msg_note note;
};
void msg_put_forward_req(struct wr *w, const struct msg_forward_req *q);
int msg_get_forward_req(struct rd *r, struct msg_forward_req *q);

/* LIST request: user, cursor[, postage u8].  Response: status, more,
 * count, then count entries of (seq u64, note, worth u8: the bits its
 * stamp is worth).  Entries with seq > cursor, oldest first. */
struct msg_list_req {
  char user[LOCAL_MAX + 1];
  uint64_t cursor;
  uint8_t postage;   /* optional (absent: 0): bits the user asks of
                      * senders, see im2k-protocol(5) */
};
void msg_put_list_req(struct wr *w, const struct msg_list_req *q);
int msg_get_list_req(struct rd *r, struct msg_list_req *q);
#define MSG_NOTE_WIRE_MAX (1 + ADDR_MAX + 1 + ADDR_MAX + MSG_HANDLE + 8 + MSG_HASH + MSG_TOKEN)

/* DONE request: user, then the notification's sender, recipient, handle */
struct msg_done_req {
  char user[LOCAL_MAX + 1];
  char sender[ADDR_MAX + 1];
  char rcpt[ADDR_MAX + 1];
  unsigned char handle[MSG_HANDLE];
};
void msg_put_done_req(struct wr *w, const struct msg_done_req *q);
int msg_get_done_req(struct rd *r, struct msg_done_req *q);

/* FETCH request: handle, token, recipient, offset, wanted length.
 * Response: status, total size, offset, length, data. */
struct msg_fetch_req {
  unsigned char handle[MSG_HANDLE];
  unsigned char token[MSG_TOKEN];
  char rcpt[ADDR_MAX + 1];
  uint64_t offset;
  uint16_t want;
};
void msg_put_fetch_req(struct wr *w, const struct msg_fetch_req *q);
int msg_get_fetch_req(struct rd *r, struct msg_fetch_req *q);

/* CONFIRM request: handle, token, recipient.  Response: status. */
struct msg_confirm_req {
  unsigned char handle[MSG_HANDLE];
  unsigned char token[MSG_TOKEN];
  char rcpt[ADDR_MAX + 1];
};
void msg_put_confirm_req(struct wr *w, const struct msg_confirm_req *q);
int msg_get_confirm_req(struct rd *r, struct msg_confirm_req *q);

/* INDEX request: a public list's address, cursor (the first record
 * wanted, counted from 0).  Response: status; when OK, u64 total (records
 * in the index now), u8 count, then count entries numbered cursor,
 * cursor+1, ...  Clients pad INDEX requests to PACKET_MAX bytes. */
struct msg_index_req {
  char list[ADDR_MAX + 1];
  uint64_t cursor;
};
void msg_put_index_req(struct wr *w, const struct msg_index_req *q);
int msg_get_index_req(struct rd *r, struct msg_index_req *q);

/* one entry of an INDEX response: the record's number, the message's
 * handle, size and hash, the token to FETCH it with (for the list's
 * address as recipient), and when it was archived (seconds).  The
 * decoder reads one entry and leaves what follows to the caller. */
struct msg_index_entry {
  uint64_t number;
  unsigned char handle[MSG_HANDLE];
  uint64_t size;
  unsigned char hash[MSG_HASH];
  unsigned char token[MSG_TOKEN];
  uint64_t time;
};
#define MSG_INDEX_ENTRY 104   /* 8 + 16 + 8 + 32 + 32 + 8 bytes on the wire */
void msg_put_index_entry(struct wr *w, const struct msg_index_entry *e);
int msg_get_index_entry(struct rd *r, struct msg_index_entry *e);

/* ---- answers ----
 * An answer's body starts with a u8 status.  A refusal (any status but
 * OK, and for NOTIFY also but POSTAGE) is that byte alone, whatever the
 * kind, and is written with msg_put_status_ans.  The decoders read what
 * an authenticated but untrusted server sent: every field is bounded as
 * im2k-protocol(5) bounds it, and after the last field only zero bytes
 * may follow (servers send none).  A decoder that returns -1 has set
 * r->err; the caller treats the answer as damaged.  A writer sets w->err
 * rather than write what its decoder would refuse. */

#define MSG_LIST_ANS_HEAD 3    /* status, more, count */
#define MSG_FETCH_ANS_HEAD 19  /* status, total, offset, length: then the data */
#define MSG_INDEX_ANS_HEAD 10  /* status, total, count: then the entries */

/* the whole answer to CONFIRM, DONE and FORWARD, and any refusal.
 * msg_get_status_ans: 0 and the status (any value: one this version
 * does not know is a refusal to the caller), or -1. */
void msg_put_status_ans(struct wr *w, uint8_t status);
int msg_get_status_ans(struct rd *r, uint8_t *status);

/* NOTIFY answer: status; after POSTAGE a u8 of the bits asked (1 to
 * STAMP_MAX); after OK, optionally a u8 (1 to STAMP_MAX) of the bits the
 * recipient asks of senders it does not know. */
struct msg_notify_ans {
  uint8_t status;
  uint8_t bits;   /* POSTAGE: the bits asked; OK: the recipient's, 0 when
                   * none (nothing written, and a lone zero byte reads as
                   * 0); else 0 */
};
void msg_put_notify_ans(struct wr *w, const struct msg_notify_ans *a);
int msg_get_notify_ans(struct rd *r, struct msg_notify_ans *a);

/* LIST answer: status; after OK more, count, then count entries.
 * A server that fills the answer as long as entries fit writes the head
 * with more and count 0, remembering w->pos before it as head, appends
 * entries with msg_put_list_entry, then sets more and count with
 * msg_patch_list_ans. */
struct msg_list_ans {
  uint8_t status;
  uint8_t more;    /* OK: nonzero when entries remain (servers send 1) */
  uint8_t count;   /* OK: entries that follow (0 to 255) */
};
struct msg_list_entry {
  uint64_t seq;
  struct msg_note note;
  uint8_t worth;   /* bits the note's stamp is worth (may pass STAMP_MAX) */
};
void msg_put_list_ans(struct wr *w, const struct msg_list_ans *a);
/* msg_put_list_entry: 0 and the entry appended, or -1 and w as it was
 * before (err not set) when it does not fit: the answer is full. */
int msg_put_list_entry(struct wr *w, const struct msg_list_entry *e);
/* msg_patch_list_ans: rewrite more and count of the OK head written at
 * body offset head (sets err when there is no such head). */
void msg_patch_list_ans(struct wr *w, size_t head, const struct msg_list_ans *a);
/* msg_get_list_ans: the head, after checking the whole answer (count
 * entries that decode, then only zero padding); r is left at the first
 * entry, so that count calls of msg_get_list_entry then succeed. */
int msg_get_list_ans(struct rd *r, struct msg_list_ans *a);
int msg_get_list_entry(struct rd *r, struct msg_list_entry *e);

/* FETCH answer: status; after OK total, offset, length, then length
 * bytes of data.  Decoding checks total <= 2^40, length <= MSG_BLOCK_MAX
 * and, when length is not 0, that offset + length <= total (an offset at
 * or past the end comes with length 0); data then points into r's
 * buffer, and is NULL when length is 0. */
struct msg_fetch_ans {
  uint8_t status;
  uint64_t total;    /* the message's size */
  uint64_t offset;   /* as asked */
  uint16_t length;
  const unsigned char *data;
};
void msg_put_fetch_ans(struct wr *w, const struct msg_fetch_ans *a);
int msg_get_fetch_ans(struct rd *r, struct msg_fetch_ans *a);

/* INDEX answer: status; after OK total, count, then count entries
 * (msg_put_index_entry).  msg_get_index_ans checks the whole answer
 * first: count entries that decode, numbered one after the other and
 * below total, then only zero padding; r is left at the first entry, so
 * that count calls of msg_get_index_entry then succeed.  That the first
 * number is the cursor asked is the caller's to check. */
struct msg_index_ans {
  uint8_t status;
  uint64_t total;   /* OK: records in the index now */
  uint8_t count;    /* OK: entries that follow */
};
void msg_put_index_ans(struct wr *w, const struct msg_index_ans *a);
int msg_get_index_ans(struct rd *r, struct msg_index_ans *a);

/* msg_get_addr: a length-prefixed checked address (domain lower-cased). */
int msg_get_addr(struct rd *r, char out[ADDR_MAX + 1]);
/* msg_end: 0 if only zero padding is left, else -1 (r->err set). */
int msg_end(struct rd *r);

#endif
