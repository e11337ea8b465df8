/* window.c: the congestion window and round-trip estimate.  Trusts the
 * caller's clock to be monotonic; the arithmetic (doubles for cwnd and
 * srtt) is the one im2k-pickup has always used, so behaviour is kept. */
#include "window.h"
#include "backoff.h"

void window_init(struct window *w)
{
  w->cwnd = WINDOW_START;
  w->srtt = WINDOW_SRTT0;
  w->inflight = 0;
  w->lastcut = 0;
  w->sent = w->resent = w->cuts = 0;
}

int window_may_send(const struct window *w)
{
  return w->inflight < (int)w->cwnd;
}

void window_sent(struct window *w)
{
  w->inflight++;
  w->sent++;
}

void window_answered(struct window *w, int64_t sample_ms, int was_resent)
{
  if (!was_resent) w->srtt = 0.875 * w->srtt + 0.125 * (double)sample_ms;
  w->cwnd += 1 / w->cwnd;
  if (w->cwnd > WINDOW_MAX) w->cwnd = WINDOW_MAX;
  if (w->inflight > 0) w->inflight--;
}

int64_t window_rto(const struct window *w)
{
  /* (int64_t)(4 srtt) + 10, clamped to [20, 2000], with the clamping
   * done before the conversion, which a huge or NaN srtt would make
   * undefined */
  double x = 4 * w->srtt;
  if (!(x < 1990)) return 2000;
  if (x < 10) return 20;
  return (int64_t)x + 10;
}

int64_t window_resend_rto(const struct window *w, int64_t prev)
{
  return backoff_next(prev, 8 * window_rto(w));
}

int64_t window_timeout(struct window *w, int64_t now, int64_t rto)
{
  w->resent++;
  /* one cut per timeout round, not one per lost request */
  if (now - w->lastcut > 2 * rto) {
    w->cwnd = w->cwnd / 2 < WINDOW_MIN ? WINDOW_MIN : w->cwnd / 2;
    w->lastcut = now;
    w->cuts++;
  }
  return window_resend_rto(w, rto);
}
