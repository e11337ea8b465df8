/* t_prioq.c: unit tests of lib/prioq: a scripted table of operations
 * with the expected minimum after each, the empty heap, then thousands of
 * random insertions, moves, removals of arbitrary objects and pops
 * (times drawn from a small range, so ties abound) checked against a
 * brute-force model, with the heap order and every node's place checked
 * as it goes, and growth to 100000 objects. */
#include "prioq.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

struct obj {
  int id;
  struct prioq_node q;
};

/* a scripted step: set object id to due (-1: take off; -2: prioq_del),
 * then the minimum expected: its due (-1: empty heap) and the count */
struct step {
  int id;
  int64_t due;
  int64_t mindue;
  size_t count;
};

static const struct step script[] = {
  {0, -1, -1, 0},      /* taking off what is not there */
  {1, -2, -1, 0},
  {0, 50, 50, 1},
  {1, 40, 40, 2},
  {2, 60, 40, 3},
  {1, 70, 50, 3},      /* the minimum moves later */
  {2, 10, 10, 3},      /* another moves earlier */
  {3, 10, 10, 4},      /* a tie */
  {2, -1, 10, 3},
  {3, -2, 50, 2},
  {0, 50, 50, 2},      /* set to the same time */
  {4, 0, 0, 3},        /* time 0 is a time */
  {4, INT64_MAX, 50, 3},
  {0, -1, 70, 2},
  {1, -1, INT64_MAX, 1},
  {4, -1, -1, 0},
};

static struct obj objs[8];

static void test_script(void)
{
  struct prioq q;
  size_t i;
  prioq_init(&q);
  CHECK(prioq_min(&q) == NULL && prioq_count(&q) == 0, "empty heap");
  for (i = 0; i < 8; i++) {
    objs[i].id = (int)i;
    prioq_node_init(&objs[i].q);
  }
  for (i = 0; i < sizeof script / sizeof script[0]; i++) {
    const struct step *t = &script[i];
    struct prioq_node *m;
    int r = 0;
    if (t->due == -2) prioq_del(&q, &objs[t->id].q);
    else r = prioq_set(&q, &objs[t->id].q, t->due);
    m = prioq_min(&q);
    CHECK(r == 0, "step %zu: prioq_set %d", i, r);
    CHECK(prioq_count(&q) == t->count, "step %zu: count %zu, want %zu", i, prioq_count(&q),
          t->count);
    if (t->mindue < 0) CHECK(m == NULL, "step %zu: not empty", i);
    else CHECK(m && m->due == t->mindue, "step %zu: minimum %lld, want %lld", i,
               m ? (long long)m->due : -1LL, (long long)t->mindue);
    if (t->due == -1)
      CHECK(objs[t->id].q.due == -1 && objs[t->id].q.pos == PRIOQ_NOWHERE,
            "step %zu: the off mark", i);
  }
  CHECK(PRIOQ_OBJ(&objs[5].q, struct obj, q) == &objs[5], "PRIOQ_OBJ");
  prioq_free(&q);
  CHECK(q.h == NULL && q.n == 0 && q.cap == 0, "prioq_free leaves an empty heap");
}

/* heap order, and each node where its pos says */
static int sound(const struct prioq *q)
{
  size_t i;
  for (i = 0; i < q->n; i++) {
    if (q->h[i]->pos != i || q->h[i]->due < 0) return 0;
    if (i && q->h[(i - 1) / 2]->due > q->h[i]->due) return 0;
  }
  return 1;
}

#define NR 500

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void test_random(void)
{
  static struct obj o[NR];
  static int64_t model[NR];   /* due, -1 when off */
  struct prioq q;
  size_t i, step, bad = 0, badmin = 0, badsound = 0;
  prioq_init(&q);
  for (i = 0; i < NR; i++) {
    o[i].id = (int)i;
    prioq_node_init(&o[i].q);
    model[i] = -1;
  }
  for (step = 0; step < 50000; step++) {
    unsigned op = (unsigned)(rnd() % 10);
    size_t k = (size_t)(rnd() % NR), n = 0;
    int64_t min = -1;
    struct prioq_node *m;
    if (op < 5) {            /* set or move, times in a narrow range */
      int64_t due = (int64_t)(rnd() % 50);
      if (prioq_set(&q, &o[k].q, due) == -1) unit_fatal("t_prioq", "prioq_set");
      model[k] = due;
    } else if (op < 7) {     /* remove an arbitrary object */
      if (rnd() & 1) prioq_set(&q, &o[k].q, -1);
      else prioq_del(&q, &o[k].q);
      model[k] = -1;
    } else {                 /* pop the minimum */
      m = prioq_min(&q);
      if (m) {
        struct obj *x = PRIOQ_OBJ(m, struct obj, q);
        prioq_del(&q, m);
        if (model[x->id] != m->due) bad++;
        for (i = 0; i < NR; i++)
          if (model[i] >= 0 && model[i] < m->due) badmin++;
        model[x->id] = -1;
      }
    }
    for (i = 0; i < NR; i++)
      if (model[i] >= 0) {
        n++;
        if (min < 0 || model[i] < min) min = model[i];
        if (o[i].q.pos == PRIOQ_NOWHERE || o[i].q.due != model[i]) bad++;
      } else if (o[i].q.pos != PRIOQ_NOWHERE) bad++;
    m = prioq_min(&q);
    if (prioq_count(&q) != n || (min < 0 ? m != NULL : !m || m->due != min)) badmin++;
    if (step % 97 == 0 && !sound(&q)) badsound++;
  }
  CHECK(bad == 0, "random: %zu objects out of step with the model", bad);
  CHECK(badmin == 0, "random: %zu wrong minimums or counts", badmin);
  CHECK(badsound == 0, "random: heap order broken %zu times", badsound);
  CHECK(sound(&q), "random: heap order at the end");
  prioq_free(&q);
}

/* growth past many doublings, then everything out in order */
static void test_grow(void)
{
  enum { N = 100000 };
  struct obj *o = malloc(N * sizeof *o);
  struct prioq q;
  size_t i, bad = 0;
  int64_t last = -1;
  if (!o) unit_fatal("t_prioq", "malloc");
  prioq_init(&q);
  for (i = 0; i < N; i++) {
    prioq_node_init(&o[i].q);
    o[i].id = (int)i;
    if (prioq_set(&q, &o[i].q, (int64_t)(rnd() % 1000000)) == -1) unit_fatal("t_prioq", "grow");
  }
  CHECK(prioq_count(&q) == N && q.cap >= N && sound(&q), "grow: %zu in room %zu",
        prioq_count(&q), q.cap);
  for (i = 0; i < N; i++) {
    struct prioq_node *m = prioq_min(&q);
    if (!m || m->due < last) { bad++; break; }
    last = m->due;
    prioq_set(&q, m, -1);
  }
  CHECK(bad == 0 && prioq_count(&q) == 0, "grow: out of order or left over");
  prioq_free(&q);
  free(o);
}

int main(void)
{
  test_script();
  test_random();
  test_grow();
  return unit_done("t_prioq");
}
