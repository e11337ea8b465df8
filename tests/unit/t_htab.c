/* t_htab.c: unit tests of lib/htab: a table of runs, each random
 * insertions, deletions and lookups (present and absent keys) checked
 * against a brute-force model, with hashes that spread, that collide a
 * little, and that are constant (every entry in one chain, deletions from
 * its head, middle and tail), growth across many doublings from one
 * bucket, the bucket counts growth gives, and the refusals: EOVERFLOW at
 * the entry limit, ENOENT for what is not there, EINVAL for HTAB_NONE. */
#include "htab.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct ent {
  uint64_t key;
  uint32_t hnext;
};

#define NE 5000
static struct ent ents[NE];
static int mode;   /* 0 spread, 1 eight distinct hashes, 2 constant */

static uint64_t keyhash(uint64_t k)
{
  if (mode == 2) return 0x5555;
  if (mode == 1) return k % 8;
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return k;
}

static uint32_t *entlink(void *c, uint32_t id)
{
  (void)c;
  return &ents[id].hnext;
}

static uint64_t hashof(void *c, uint32_t id)
{
  (void)c;
  return keyhash(ents[id].key);
}

/* find: key's id, HTAB_NONE, or NE when the walk runs longer than the
 * table is big (a chain gone round in a loop: the test must not hang) */
static uint32_t find(const struct htab *t, uint64_t key)
{
  uint32_t i, steps = 0;
  for (i = htab_first(t, keyhash(key)); i != HTAB_NONE; i = htab_next(t, i)) {
    if (i >= NE || steps++ > htab_count(t)) return NE;
    if (ents[i].key == key) return i;
  }
  return HTAB_NONE;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

struct run {
  int mode;
  uint32_t first;
  unsigned sparse;
  uint32_t ids;      /* ids in use: 0..ids-1 */
  unsigned steps;
  unsigned fill;     /* percent of insertions among changes */
};

static const struct run runs[] = {
  {0, 4096, 0, NE, 60000, 60},   /* inboxd's notes */
  {0, 128, 1, NE, 60000, 60},    /* inboxd's boxes */
  {0, 4096, 1, NE, 60000, 60},   /* notifyd's recipients */
  {0, 1, 0, NE, 40000, 90},      /* growth from one bucket */
  {1, 16, 0, 400, 40000, 50},    /* eight hashes: long shared chains */
  {2, 1, 0, 200, 40000, 50},     /* one chain */
  {2, 64, 3, 50, 20000, 30},
};

static void test_run(size_t ri)
{
  const struct run *r = &runs[ri];
  static unsigned char in[NE];
  struct htab t;
  uint32_t n = 0, i;
  unsigned step;
  size_t bad = 0, badload = 0;
  mode = r->mode;
  htab_init(&t, r->first, r->sparse, entlink, hashof, NULL);
  CHECK(htab_first(&t, 1) == HTAB_NONE && htab_count(&t) == 0, "run %zu: empty", ri);
  errno = 0;
  CHECK(htab_delete(&t, 0, 1) == -1 && errno == ENOENT, "run %zu: delete from empty", ri);
  for (i = 0; i < r->ids; i++) {
    in[i] = 0;
    ents[i].key = rnd() | 1;   /* odd; the absent keys probed are even */
  }
  for (step = 0; step < r->steps; step++) {
    uint32_t id = (uint32_t)(rnd() % r->ids);
    unsigned op = (unsigned)(rnd() % 100);
    if (op < r->fill) {
      if (!in[id]) {
        if (htab_insert(&t, id, keyhash(ents[id].key)) == -1) unit_fatal("t_htab", "insert");
        in[id] = 1;
        n++;
      }
    } else if (op < 90) {
      int e = in[id] ? 0 : ENOENT;
      errno = 0;
      if (htab_delete(&t, id, keyhash(ents[id].key)) != (e ? -1 : 0) || errno != e) bad++;
      if (in[id]) n--;
      in[id] = 0;
    } else {
      /* a key never inserted is never found */
      if (find(&t, rnd() & ~(uint64_t)1) != HTAB_NONE) bad++;
    }
    /* lookups of a few ids, in or out */
    for (i = 0; i < 4; i++) {
      uint32_t k = (uint32_t)(rnd() % r->ids);
      if (find(&t, ents[k].key) != (in[k] ? k : HTAB_NONE)) bad++;
    }
    if (htab_count(&t) != n) bad++;
    if (t.nbucket && htab_count(&t) > t.nbucket >> r->sparse) badload++;
  }
  /* at the end every id, and the buckets hold exactly the model */
  for (i = 0; i < r->ids; i++)
    if (find(&t, ents[i].key) != (in[i] ? i : HTAB_NONE)) bad++;
  {
    uint32_t b, seen = 0;
    for (b = 0; b < t.nbucket; b++)
      for (i = t.bucket[b]; i != HTAB_NONE && seen <= n; i = ents[i].hnext) {
        if (!in[i] || (keyhash(ents[i].key) & (t.nbucket - 1)) != b) bad++;
        seen++;
      }
    if (seen != n) bad++;
  }
  CHECK(bad == 0, "run %zu: %zu disagreements with the model", ri, bad);
  CHECK(badload == 0, "run %zu: load over the limit %zu times", ri, badload);
  /* empty it: the chains come apart in any order */
  for (i = 0; i < r->ids; i++)
    if (in[i] && htab_delete(&t, i, keyhash(ents[i].key)) == -1) bad++;
  CHECK(bad == 0 && htab_count(&t) == 0, "run %zu: emptying", ri);
  for (i = 0; i < t.nbucket; i++)
    if (t.bucket[i] != HTAB_NONE) break;
  CHECK(i == t.nbucket, "run %zu: a bucket left non-empty", ri);
  htab_free(&t);
}

/* buckets after inserting n entries, as the callers' own tables had */
struct size_row {
  uint32_t first;
  unsigned sparse;
  uint32_t n;
  uint32_t nbucket;
};

static const struct size_row sizes[] = {
  {4096, 0, 1, 4096},
  {4096, 0, 4096, 4096},
  {4096, 0, 4097, 8192},
  {4096, 1, 2048, 4096},
  {4096, 1, 2049, 8192},
  {128, 1, 64, 128},
  {128, 1, 65, 256},
  {100, 0, 1, 128},        /* rounded up to a power of two */
  {0, 0, 1, 1},
  {1, 0, 3000, 4096},
  {1, 2, 3000, 16384},
};

static void test_sizes(void)
{
  size_t r;
  mode = 0;
  for (r = 0; r < sizeof sizes / sizeof sizes[0]; r++) {
    struct htab t;
    uint32_t i;
    if (sizes[r].n > NE) unit_fatal("t_htab", "size row beyond the entries");
    htab_init(&t, sizes[r].first, sizes[r].sparse, entlink, hashof, NULL);
    for (i = 0; i < sizes[r].n; i++) {
      ents[i].key = i;
      if (htab_insert(&t, i, keyhash(i)) == -1) unit_fatal("t_htab", "insert");
    }
    CHECK(t.nbucket == sizes[r].nbucket, "size row %zu: %u buckets, want %u", r,
          (unsigned)t.nbucket, (unsigned)sizes[r].nbucket);
    htab_free(&t);
  }
}

static void test_refusals(void)
{
  struct htab t;
  mode = 0;
  htab_init(&t, 8, 0, entlink, hashof, NULL);
  errno = 0;
  CHECK(htab_insert(&t, HTAB_NONE, 0) == -1 && errno == EINVAL, "HTAB_NONE refused");
  errno = 0;
  CHECK(htab_reserve(&t, SIZE_MAX) == -1 && errno == EOVERFLOW, "reserve SIZE_MAX");
  CHECK(htab_reserve(&t, 10) == 0 && t.nbucket == 16 && t.count == 0, "reserve 10");
  CHECK(htab_reserve(&t, 16) == 0 && t.nbucket == 16, "reserve within room");
  /* at the limit (counted, not allocated: 2^31 entries will not fit in a
   * test), one more is refused before anything is allocated */
  t.count = (uint32_t)1 << 31;
  errno = 0;
  CHECK(htab_reserve(&t, 1) == -1 && errno == EOVERFLOW && t.nbucket == 16,
        "one past 2^31 entries");
  t.sparse = 3;
  t.count = (uint32_t)1 << 28;
  errno = 0;
  CHECK(htab_insert(&t, 1, 1) == -1 && errno == EOVERFLOW, "one past 2^28 entries, sparse 3");
  t.count = 0;
  ents[1].key = 1;
  CHECK(htab_insert(&t, 1, keyhash(1)) == 0 && find(&t, 1) == 1, "usable after refusals");
  errno = 0;
  CHECK(htab_delete(&t, 2, keyhash(2)) == -1 && errno == ENOENT, "delete absent");
  errno = 0;
  CHECK(htab_delete(&t, HTAB_NONE, 0) == -1 && errno == ENOENT, "delete HTAB_NONE");
  CHECK(htab_delete(&t, 1, keyhash(1)) == 0 && htab_count(&t) == 0, "delete present");
  htab_free(&t);
  CHECK(t.bucket == NULL && t.nbucket == 0, "htab_free");
}

int main(void)
{
  size_t i;
  /* a broken chain can loop in the table's own walks, a broken limit in
   * its growth: fail then rather than hang (the whole runs in ~0.1 s) */
  alarm(60);
  for (i = 0; i < sizeof runs / sizeof runs[0]; i++) test_run(i);
  test_sizes();
  test_refusals();
  return unit_done("t_htab");
}
