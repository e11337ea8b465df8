/* window.h: a sender's congestion window and round-trip estimate, for
 * request/answer traffic over datagrams (im2k-pickup's block requests).
 *
 * The window says how many requests may be in flight.  It starts at
 * WINDOW_START, grows by 1/cwnd per answer (about one per window of
 * answers) up to WINDOW_MAX, and halves, not below WINDOW_MIN, when a
 * request times out, at most once per timeout round (2 * that request's
 * timeout since the last cut): a burst of losses is one congestion event,
 * not one per lost request.  The round trip is smoothed as
 * srtt = 0.875 srtt + 0.125 sample, sampled only from requests never
 * resent (an answer to a resent request could answer either sending).
 * The timeout is 4 srtt + 10 ms, clamped to [20, 2000] ms; a resent
 * request's own timeout doubles, up to 8 times the current timeout, so
 * that random loss never stalls it for long.
 *
 * All operations are O(1); the caller keeps its requests and their send
 * times and timeouts, and tells the window what happened to them. */
#ifndef IM2K_WINDOW_H
#define IM2K_WINDOW_H

#include <stdint.h>

#define WINDOW_MIN 4
#define WINDOW_START 16
#define WINDOW_MAX 64      /* also the most requests ever in flight */
#define WINDOW_SRTT0 100   /* ms, the estimate before any sample */

struct window {
  double cwnd;             /* in [WINDOW_MIN, WINDOW_MAX] */
  double srtt;             /* ms */
  int inflight;            /* sent, not yet answered */
  int64_t lastcut;         /* when the window last halved (ms; 0 never) */
  unsigned long sent, resent, cuts;   /* counts, for the caller's log */
};

/* window_init: cwnd WINDOW_START, srtt WINDOW_SRTT0, nothing in flight */
void window_init(struct window *w);
/* window_may_send: 1 if one more request fits (inflight < (int)cwnd) */
int window_may_send(const struct window *w);
/* window_sent: a new request went out (not a resending) */
void window_sent(struct window *w);
/* window_answered: a request in flight was answered, sample_ms after it
 * was last sent; was_resent: it had been sent more than once (then the
 * sample is ignored).  Grows the window. */
void window_answered(struct window *w, int64_t sample_ms, int was_resent);
/* window_rto: the timeout for a request sent now (ms, in [20, 2000]) */
int64_t window_rto(const struct window *w);
/* window_timeout: a request whose timeout was rto went unanswered and is
 * being resent at now (ms): counts it, halves the window if none was cut
 * within 2 * rto before now, and gives the request's next timeout
 * (window_resend_rto). */
int64_t window_timeout(struct window *w, int64_t now, int64_t rto);
/* window_resend_rto: a resent request's next timeout after prev: 2 prev,
 * at most 8 window_rto (never overflowing) */
int64_t window_resend_rto(const struct window *w, int64_t prev);

#endif
