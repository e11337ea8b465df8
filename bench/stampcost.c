/* stampcost.c: what postage costs.  For each difficulty asked, finds
 * stamps for COUNT different messages (as im2k-notifyd does, a slice of
 * tries at a time) and reports the tries and the CPU time per stamp, and
 * the time to check one (what im2k-inboxd spends).  Usage:
 *     stampcost [COUNT [BITS...]]      (defaults: 20; 12 16 20 24) */
#include "bytes.h"
#include "stamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void one(unsigned bits, unsigned count)
{
  unsigned char h[16];
  double t0, t1, tries = 0, worst = 0;
  unsigned i;
  uint64_t s = 0, k;
  volatile unsigned sink = 0;
  t0 = cpu();
  for (i = 0; i < count; i++) {
    struct stamp_work w;
    double t = cpu();
    randombytes_buf(h, sizeof h);
    stamp_begin(&w, "alice@a.example", "bob@b.example", h, bits);
    while (!stamp_step(&w, 4096, &s)) {}
    tries += (double)w.next;
    if (cpu() - t > worst) worst = cpu() - t;
    if (stamp_bits("alice@a.example", "bob@b.example", h, s) < bits) {
      fprintf(stderr, "stampcost: a stamp not worth %u bits\n", bits);
      exit(1);
    }
  }
  t1 = cpu();
  {
    double c0 = cpu(), c1;
    for (k = 0; k < 200000; k++) sink += stamp_bits("alice@a.example", "bob@b.example", h, k);
    c1 = cpu();
    printf("%2u bits: %u stamps, %.0f tries each on average (2^%u = %.0f expected), "
           "%.3f s CPU each on average, %.3f s the longest; checking one: %.2f us\n",
           bits, count, tries / count, bits, (double)((uint64_t)1 << bits), (t1 - t0) / count,
           worst, (c1 - c0) / 200000 * 1e6);
  }
  (void)sink;
}

int main(int argc, char **argv)
{
  unsigned count = 20;
  int i;
  if (sodium_init() < 0) return 111;
  if (argc > 1) count = (unsigned)strtoul(argv[1], NULL, 10);
  if (!count) count = 1;
  if (argc > 2)
    for (i = 2; i < argc; i++) one((unsigned)strtoul(argv[i], NULL, 10), count);
  else {
    one(12, count);
    one(16, count);
    one(20, count);
    one(24, count > 5 ? 5 : count);
  }
  return 0;
}
