/* prioq.c: the binary heap of due times.  Trusts the caller's nodes to
 * stay put while scheduled and to be in no other heap; checks every size
 * it allocates (through lib/grow). */
#include "prioq.h"
#include "grow.h"

#include <stdlib.h>

#define FIRST 64  /* room at the first insertion */

void prioq_init(struct prioq *q)
{
  q->h = NULL;
  q->n = q->cap = 0;
}

void prioq_node_init(struct prioq_node *x)
{
  x->due = -1;
  x->pos = PRIOQ_NOWHERE;
}

static void put(struct prioq *q, size_t i, struct prioq_node *x)
{
  q->h[i] = x;
  x->pos = i;
}

/* up, down: move h[i] to its place; the rest is a heap.  The moving node
 * is held aside and written once, so each level costs one store. */
static void up(struct prioq *q, size_t i)
{
  struct prioq_node *x = q->h[i];
  while (i && q->h[(i - 1) / 2]->due > x->due) {
    put(q, i, q->h[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  put(q, i, x);
}

static void down(struct prioq *q, size_t i)
{
  struct prioq_node *x = q->h[i];
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    int64_t d = x->due;
    if (l < q->n && q->h[l]->due < d) { m = l; d = q->h[l]->due; }
    if (l + 1 < q->n && q->h[l + 1]->due < d) m = l + 1;
    if (m == i) break;
    put(q, i, q->h[m]);
    i = m;
  }
  put(q, i, x);
}

void prioq_del(struct prioq *q, struct prioq_node *x)
{
  size_t i = x->pos;
  if (i == PRIOQ_NOWHERE) return;
  x->pos = PRIOQ_NOWHERE;
  if (i == --q->n) return;
  /* the last node fills the hole; it may belong above or below it
   * (above when it came from another branch with smaller times) */
  put(q, i, q->h[q->n]);
  if (i && q->h[(i - 1) / 2]->due > q->h[i]->due) up(q, i);
  else down(q, i);
}

int prioq_set(struct prioq *q, struct prioq_node *x, int64_t due)
{
  /* room first, so that a failure changes nothing; a node already in q
   * gives back its place before it takes one */
  if (x->pos == PRIOQ_NOWHERE && due >= 0 && q->n == q->cap &&
      grow_array(&q->h, &q->cap, q->n + 1, sizeof *q->h, FIRST) == -1)
    return -1;
  prioq_del(q, x);
  x->due = due;
  if (due < 0) return 0;
  put(q, q->n++, x);
  up(q, x->pos);
  return 0;
}

struct prioq_node *prioq_min(const struct prioq *q)
{
  return q->n ? q->h[0] : NULL;
}

size_t prioq_count(const struct prioq *q)
{
  return q->n;
}

void prioq_free(struct prioq *q)
{
  free(q->h);
  prioq_init(q);
}
