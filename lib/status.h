/* status.h: per-message delivery status, written by im2k-notifyd to
 * queue/status/NAME and read by im2k-status.  One line per recipient:
 *     STATE TRIES LAST RECIPIENT
 * STATE is one of the words below, TRIES the number of notifications
 * sent, LAST the time of the last one (seconds since the epoch, 0 for
 * never). */
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
  STATUS_NSTATES
};

struct status_rec {
  int state;
  uint32_t tries;
  int64_t last;
  char rcpt[ADDR_MAX + 1];
};

const char *status_word(int state);
int status_encode(const struct status_rec *r, size_t n, struct buf *out);
/* status_parse: an array of records (malloc) from text; -1 EINVAL on any
 * bad line. */
int status_parse(const unsigned char *p, size_t n, struct status_rec **out,
                 size_t *nout);
/* status_final: 1 if no more notifications will be sent for this state. */
int status_final(int state);

#endif
