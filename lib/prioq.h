/* prioq.h: a binary min-heap of due times (int64, e.g. monotonic ms) over
 * the caller's own objects, for timers: what is due first, and any
 * object's time set, changed or cleared in O(log n).
 *
 * The heap holds pointers to a struct prioq_node that the caller embeds
 * in each object; the node holds the due time and the object's place in
 * the heap, so that removing or rescheduling an arbitrary object needs no
 * search.  PRIOQ_OBJ turns a node back into its object.  The heap costs
 * one pointer per scheduled object (room grown by doubling) and the
 * node's 16 bytes in each object, scheduled or not.
 *
 * Invariants: a node is in at most one heap; node->pos is its index in
 * that heap, or PRIOQ_NOWHERE; every parent's due is <= its children's.
 * Ties come out in no particular order.  prioq_set on a scheduled node
 * takes it off and puts it back (two O(log n) passes), so the heap's
 * arrangement, ties included, is the one im2k-notifyd's own heap had.
 * Objects must not move in memory (nor be freed) while scheduled: take
 * them off first.
 *
 * Use:
 *     struct timer { ...; struct prioq_node q; };
 *     prioq_node_init(&t->q);                 once, before any prioq_set
 *     if (prioq_set(&heap, &t->q, now + 1000) == -1) ...ENOMEM
 *     while ((n = prioq_min(&heap)) && n->due <= now) {
 *       struct timer *t = PRIOQ_OBJ(n, struct timer, q);
 *       prioq_set(&heap, n, -1);  (or a new time) ... } */
#ifndef IM2K_PRIOQ_H
#define IM2K_PRIOQ_H

#include <stddef.h>
#include <stdint.h>

#define PRIOQ_NOWHERE ((size_t)-1)

struct prioq_node {
  int64_t due;      /* when; a negative time means "not scheduled" */
  size_t pos;       /* index in the heap, or PRIOQ_NOWHERE */
};

struct prioq {
  struct prioq_node **h;
  size_t n;         /* scheduled nodes, h[0..n-1] */
  size_t cap;       /* room in h */
};

/* PRIOQ_OBJ: the object of type type whose member member is node n */
#define PRIOQ_OBJ(n, type, member) ((type *)(void *)((char *)(n) - offsetof(type, member)))

/* prioq_init: an empty heap (no allocation until the first prioq_set) */
void prioq_init(struct prioq *q);
/* prioq_node_init: a node in no heap, due -1 */
void prioq_node_init(struct prioq_node *x);
/* prioq_set: x due at due: inserted, or moved if already in q; a
 * negative due takes it off (and is kept in x->due, a "nothing to do"
 * mark callers may test).  O(log n).  0, or -1 with errno ENOMEM only
 * when x was not in q and q could not grow; then nothing has changed. */
int prioq_set(struct prioq *q, struct prioq_node *x, int64_t due);
/* prioq_del: take x off q if it is there (x->due unchanged).  O(log n). */
void prioq_del(struct prioq *q, struct prioq_node *x);
/* prioq_min: the node due first, NULL if q is empty.  O(1). */
struct prioq_node *prioq_min(const struct prioq *q);
/* prioq_count: how many nodes are scheduled.  O(1). */
size_t prioq_count(const struct prioq *q);
/* prioq_free: free the heap's array; the nodes are left as they are
 * (their pos stale), so free or re-init them too. */
void prioq_free(struct prioq *q);

#endif
