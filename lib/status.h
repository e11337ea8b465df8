/* status.h: per-message delivery status, written by im2k-notifyd to
 * queue/status/NAME and read by im2k-status.  One line per recipient:
 *     STATE TRIES LAST RECIPIENT[ REPLY]
 * STATE is one of the words below, TRIES the number of notifications
 * (or SMTP deliveries) tried, LAST the time of the last one (seconds
 * since the epoch, 0 for never), REPLY the last SMTP server's reply for a
 * recipient reached over SMTP (printable ASCII, at most STATUS_REPLY_MAX
 * bytes). */
#ifndef IM2K_STATUS_H
#define IM2K_STATUS_H

#include "addr.h"
#include "buf.h"

#include <stddef.h>
#include <stdint.h>

enum status_state {
  STATUS_QUEUED,     /* not yet notified */
  STATUS_NOTIFIED,   /* the receiver's inbox holds the notification */
  STATUS_CONFIRMED,  /* the receiver fetched and stored the message */
  STATUS_FAILED,     /* the receiver's ISP refused it for good */
  STATUS_GAVEUP,     /* no confirmation within the lifetime */
  STATUS_FETCHED,    /* the receiver began to download it */
  STATUS_CANCELED,   /* the sender withdrew it before any fetch */
  STATUS_RELAYED,    /* an SMTP server accepted it (the receiver has no
                      * im2k server) */
  STATUS_NSTATES
};

struct status_rec {
  int state;
  uint32_t tries;
  int64_t last;
  char rcpt[ADDR_MAX + 1];
  char *reply;       /* NULL, or the last SMTP reply (malloc) */
};

#define STATUS_REPLY_MAX 400

const char *status_word(int state);
int status_encode(const struct status_rec *r, size_t n, struct buf *out);
/* status_parse: an array of records (malloc) from text; -1 EINVAL on any
 * bad line.  Free it with status_free. */
int status_parse(const unsigned char *p, size_t n, struct status_rec **out,
                 size_t *nout);
void status_free(struct status_rec *r, size_t n);
/* status_reply: set r's reply to a copy of s, made printable and cut to
 * STATUS_REPLY_MAX bytes (NULL or "": none); -1 ENOMEM. */
int status_reply(struct status_rec *r, const char *s);
/* status_final: 1 if no more notifications will be sent for this state. */
int status_final(int state);

#endif
