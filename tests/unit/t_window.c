/* t_window.c: unit tests of lib/window: scripted runs of events (sent,
 * answered, timed out) with the window, round trip and timeouts expected
 * after each: a clean path growing to the cap, losses halving once per
 * round and not once per lost request, the floor, answers to resent
 * requests giving no sample, the timeout clamp, the resend backoff cap;
 * and agreement with the arithmetic im2k-pickup open-coded. */
#include "window.h"
#include "unit.h"

#include <math.h>
#include <stdint.h>

enum { SENT, ANS, ANSRETX, TIMEOUT, END };

struct ev {
  int what;
  int64_t a;      /* ANS: sample; TIMEOUT: now */
  int64_t b;      /* TIMEOUT: the request's rto */
  double cwnd;    /* expected after (-1: don't check) */
  double srtt;
  int64_t out;    /* TIMEOUT: the next rto expected */
};

static const struct ev runs[][12] = {
  { /* a clean answer: srtt moves by an eighth, cwnd by 1/16 */
    {SENT, 0, 0, 16, 100, 0},
    {ANS, 20, 0, 16.0625, 90, 0},
    {END, 0, 0, 0, 0, 0}},
  { /* an answer to a resent request: no sample, the window still grows */
    {SENT, 0, 0, 16, 100, 0},
    {ANSRETX, 5000, 0, 16.0625, 100, 0},
    {END, 0, 0, 0, 0, 0}},
  { /* three losses within a round: one cut; the next round: another */
    {TIMEOUT, 1000, 410, 8, 100, 820},
    {TIMEOUT, 1001, 410, 8, 100, 820},
    {TIMEOUT, 1820, 410, 8, 100, 820},     /* 820 since the cut: not more */
    {TIMEOUT, 1821, 410, 4, 100, 820},     /* 821: a new round */
    {TIMEOUT, 5000, 410, 4, 100, 820},     /* the floor */
    {TIMEOUT, 9000, 410, 4, 100, 820},
    {END, 0, 0, 0, 0, 0}},
  { /* the resend backoff: doubles, capped at 8 * rto (8 * 410) */
    {TIMEOUT, 10000, 1000, 8, 100, 2000},
    {TIMEOUT, 10001, 2000, 8, 100, 3280},
    {TIMEOUT, 10002, 3280, 8, 100, 3280},
    {TIMEOUT, 10003, 1640, 8, 100, 3280},
    {TIMEOUT, 10004, 20, 8, 100, 40},
    {END, 0, 0, 0, 0, 0}},
  { /* a timeout at time 0 since the start cuts (lastcut 0 is "never")
     * only once it is past 2 rto */
    {TIMEOUT, 100, 410, 16, 100, 820},
    {TIMEOUT, 821, 410, 8, 100, 820},
    {END, 0, 0, 0, 0, 0}},
};

static void test_runs(void)
{
  size_t r, i;
  for (r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    struct window w;
    window_init(&w);
    for (i = 0; runs[r][i].what != END; i++) {
      const struct ev *e = &runs[r][i];
      int64_t out = 0;
      switch (e->what) {
      case SENT: window_sent(&w); break;
      case ANS: window_answered(&w, e->a, 0); break;
      case ANSRETX: window_answered(&w, e->a, 1); break;
      case TIMEOUT: out = window_timeout(&w, e->a, e->b); break;
      }
      CHECK(fabs(w.cwnd - e->cwnd) < 1e-9, "run %zu event %zu: cwnd %g, want %g", r, i,
            w.cwnd, e->cwnd);
      CHECK(fabs(w.srtt - e->srtt) < 1e-9, "run %zu event %zu: srtt %g, want %g", r, i,
            w.srtt, e->srtt);
      if (e->what == TIMEOUT)
        CHECK(out == e->out, "run %zu event %zu: next rto %lld, want %lld", r, i,
              (long long)out, (long long)e->out);
    }
  }
}

/* the timeout for a round trip: 4 srtt + 10, clamped to [20, 2000] */
struct rto_row {
  double srtt;
  int64_t rto;
};

static const struct rto_row rtos[] = {
  {100, 410}, {0, 20}, {2.4, 20}, {2.5, 20}, {2.75, 21}, {-50, 20}, {1.0 / 0.0, 2000},
  {497.4, 1999}, {497.5, 2000}, {1e300, 2000}, {0.0 / 0.0, 2000}, {-1e300, 20},
};

static void test_rto(void)
{
  size_t i;
  for (i = 0; i < sizeof rtos / sizeof rtos[0]; i++) {
    struct window w;
    window_init(&w);
    w.srtt = rtos[i].srtt;
    CHECK(window_rto(&w) == rtos[i].rto, "rto row %zu: %lld, want %lld", i,
          (long long)window_rto(&w), (long long)rtos[i].rto);
  }
}

/* a clean path fills the window to the cap and stays there; sending
 * stops at the window */
static void test_clean(void)
{
  struct window w;
  int n = 0, answers = 0;
  window_init(&w);
  while (window_may_send(&w)) { window_sent(&w); n++; }
  CHECK(n == WINDOW_START && w.inflight == WINDOW_START, "first burst %d", n);
  while (w.cwnd < WINDOW_MAX && answers < 100000) {
    window_answered(&w, 10, 0);
    window_sent(&w);
    answers++;
  }
  CHECK(w.cwnd == WINDOW_MAX, "clean path: cwnd %g", w.cwnd);
  /* about 1 per window: 16 + 17 + ... + 63 answers */
  CHECK(answers > 1500 && answers < 2100, "clean path: %d answers to the cap", answers);
  window_answered(&w, 10, 0);
  CHECK(w.cwnd == WINDOW_MAX, "the cap holds");
  CHECK(fabs(w.srtt - 10) < 1e-6 && window_rto(&w) == 50, "srtt %g, rto %lld", w.srtt,
        (long long)window_rto(&w));
  while (window_may_send(&w)) window_sent(&w);
  CHECK(w.inflight == WINDOW_MAX, "in flight at the cap: %d", w.inflight);
}

/* the arithmetic im2k-pickup wrote out, against the module, over a long
 * pseudo-random mix of events */
static void test_pickup(void)
{
  struct window w;
  double cwnd = WINDOW_START, srtt = 100;
  int64_t lastcut = 0, now = 0;
  uint64_t x = 88172645463325252ull;
  size_t i, bad = 0;
  window_init(&w);
  for (i = 0; i < 100000; i++) {
    int64_t rto, r1, r2, frto;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    now += (int64_t)(x % 50);
    if (x % 3) {
      int64_t s = (int64_t)((x >> 8) % 300);
      int retx = (x >> 20) % 4 == 0;
      if (!retx) srtt = 0.875 * srtt + 0.125 * (double)s;
      cwnd += 1 / cwnd;
      if (cwnd > WINDOW_MAX) cwnd = WINDOW_MAX;
      window_answered(&w, s, retx);
    } else {
      rto = 20 + (int64_t)((x >> 8) % 20000);
      if (now - lastcut > 2 * rto) {
        cwnd = cwnd / 2 < WINDOW_MIN ? WINDOW_MIN : cwnd / 2;
        lastcut = now;
      }
      frto = (int64_t)(4 * srtt) + 10;
      frto = frto < 20 ? 20 : frto > 2000 ? 2000 : frto;
      r1 = rto * 2 < 8 * frto ? rto * 2 : 8 * frto;
      r2 = window_timeout(&w, now, rto);
      if (r1 != r2) bad++;
    }
    if (w.cwnd != cwnd || w.srtt != srtt || w.lastcut != lastcut) bad++;
  }
  CHECK(bad == 0, "differs from pickup's arithmetic %zu times", bad);
}

int main(void)
{
  test_runs();
  test_rto();
  test_clean();
  test_pickup();
  return unit_done("t_window");
}
