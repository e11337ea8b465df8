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
 * note: 0 when fewer than 8 bytes are left (those must be padding). */
uint64_t msg_get_stamp(struct rd *r);

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

/* msg_get_addr: a length-prefixed checked address (domain lower-cased). */
int msg_get_addr(struct rd *r, char out[ADDR_MAX + 1]);
/* msg_end: 0 if only zero padding is left, else -1 (r->err set). */
int msg_end(struct rd *r);

#endif
