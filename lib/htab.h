/* htab.h: a chained hash table of uint32 ids, for callers that keep
 * their entries themselves (in arrays or chunks) and want an index by
 * key that costs them as little memory as possible.
 *
 * Why this shape: the caller's entries already exist and have ids (an
 * index into its storage), so the table stores only ids: one uint32 per
 * bucket, plus one uint32 chain link that the caller keeps inside each
 * entry and lends through the link callback.  With at most one entry per
 * bucket (sparse 0) that is 4 to 8 bytes of buckets and 4 bytes of link
 * per entry; pointers would double it, open addressing would need a
 * lower load for the same speed.  The table never sees keys: the caller
 * gives the 64-bit hash (keyed, e.g. SipHash, where keys come from
 * outside) and compares keys itself while walking a bucket's candidates
 * with htab_first/htab_next.  The hash callback is called only to
 * rehash, when the table grows.
 *
 * Costs: lookup, insertion and deletion O(1) expected (deletion walks
 * one chain to unlink); growth doubles the buckets and rehashes every
 * entry once, O(n), amortised O(1) per insertion.  Buckets: a power of
 * two, from first up to 2^31; the bucket of hash h is h & (nbucket - 1).
 *
 * Invariants: count <= nbucket >> sparse after every insertion; each id
 * is in the table at most once; an entry's link and hash do not change
 * while it is in the table; HTAB_NONE is never an id.  At most
 * 2^31 >> sparse entries: more is refused with EOVERFLOW.
 *
 * Use (the caller's "struct ent { ...; uint32_t hnext; }" in ents[]):
 *     static uint32_t *entlink(void *c, uint32_t id) { return &ents[id].hnext; }
 *     static uint64_t hashof(void *c, uint32_t id) { return keyhash(ents[id].key); }
 *     htab_init(&t, 4096, 0, entlink, hashof, NULL);
 *     find:   for (i = htab_first(&t, h); i != HTAB_NONE; i = htab_next(&t, i))
 *               if (same(&ents[i], key)) return i;
 *     add:    if (htab_reserve(&t, 1) == -1) fail;  ...then set up ents[id]...
 *             htab_insert(&t, id, h);             (cannot fail after reserve)
 *     remove: htab_delete(&t, id, h); */
#ifndef IM2K_HTAB_H
#define IM2K_HTAB_H

#include <stddef.h>
#include <stdint.h>

#define HTAB_NONE UINT32_MAX

/* the caller's side: where id's chain link lives, and id's hash (the
 * same value it gives htab_insert) */
typedef uint32_t *htab_link_fn(void *ctx, uint32_t id);
typedef uint64_t htab_hash_fn(void *ctx, uint32_t id);

struct htab {
  uint32_t *bucket;     /* NULL until the first reserve or insertion */
  uint32_t nbucket;     /* 0 or a power of two */
  uint32_t count;
  uint32_t first;       /* buckets at the first allocation */
  unsigned sparse;      /* count <= nbucket >> sparse */
  htab_link_fn *link;
  htab_hash_fn *hash;
  void *ctx;
};

/* htab_init: an empty table, no allocation yet.  first: buckets to begin
 * with (rounded up to a power of two, at least 1, at most 2^31); sparse:
 * 0 for at most one entry per bucket, 1 for at most one per two, and so
 * on (at most 31). */
void htab_init(struct htab *t, uint32_t first, unsigned sparse, htab_link_fn *link,
               htab_hash_fn *hash, void *ctx);
/* htab_reserve: room for n more entries without growing.  0, or -1 with
 * errno EOVERFLOW (beyond the table's limit) or ENOMEM; the table is
 * intact either way. */
int htab_reserve(struct htab *t, size_t n);
/* htab_insert: add id (not in the table) under hash h, growing if need
 * be; 0, or -1 as htab_reserve (never after a successful reserve). */
int htab_insert(struct htab *t, uint32_t id, uint64_t h);
/* htab_delete: remove id, found under hash h; 0, or -1 with errno
 * ENOENT if it is not there. */
int htab_delete(struct htab *t, uint32_t id, uint64_t h);
/* htab_first, htab_next: the candidates for hash h, HTAB_NONE after the
 * last; some may have other hashes (the same bucket), so compare keys.
 * Deleting the id at hand ends the walk: take its successor first.
 * htab_next(t, id) is *link(ctx, id): a caller in a hot loop may follow
 * its own link field instead, with no call at all. */
uint32_t htab_first(const struct htab *t, uint64_t h);
uint32_t htab_next(const struct htab *t, uint32_t id);
/* htab_count: the entries in the table */
uint32_t htab_count(const struct htab *t);
/* htab_free: free the buckets; the table is empty and may be used again */
void htab_free(struct htab *t);

#endif
