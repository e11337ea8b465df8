/* htab.c: the chained table of uint32 ids.  Trusts the caller's link and
 * hash callbacks to be stable for ids in the table; trusts no size: the
 * limits on ids and buckets are checked before anything is allocated. */
#include "htab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BMAX ((uint32_t)1 << 31)   /* the most buckets a uint32_t can count */

void htab_init(struct htab *t, uint32_t first, unsigned sparse, htab_link_fn *link,
               htab_hash_fn *hash, void *ctx)
{
  uint32_t n = 1;
  while (n < first && n < BMAX) n *= 2;
  t->bucket = NULL;
  t->nbucket = 0;
  t->count = 0;
  t->first = n;
  t->sparse = sparse > 31 ? 31 : sparse;
  t->link = link;
  t->hash = hash;
  t->ctx = ctx;
}

/* rehash: move every entry to a new array of nb buckets (nb a power of
 * two); on failure the old table stands */
static int rehash(struct htab *t, uint32_t nb)
{
  uint32_t *b, i;
#if SIZE_MAX / 4 < 0x80000000u
  /* 2^31 buckets of 4 bytes do not fit in a 32-bit size_t */
  if ((size_t)nb > SIZE_MAX / sizeof *b) { errno = ENOMEM; return -1; }
#endif
  b = malloc((size_t)nb * sizeof *b);
  if (!b) { errno = ENOMEM; return -1; }
  memset(b, 0xff, (size_t)nb * sizeof *b);   /* all HTAB_NONE */
  for (i = 0; i < t->nbucket; i++)
    while (t->bucket[i] != HTAB_NONE) {
      uint32_t id = t->bucket[i], *l = t->link(t->ctx, id);
      uint32_t k = (uint32_t)(t->hash(t->ctx, id) & (nb - 1));
      t->bucket[i] = *l;
      *l = b[k];
      b[k] = id;
    }
  free(t->bucket);
  t->bucket = b;
  t->nbucket = nb;
  return 0;
}

int htab_reserve(struct htab *t, size_t n)
{
  size_t need, limit = BMAX >> t->sparse;
  uint32_t nb;
  if (n > limit || t->count > limit - n) { errno = EOVERFLOW; return -1; }
  need = t->count + n;
  if (t->nbucket && need <= (size_t)(t->nbucket >> t->sparse)) return 0;
  nb = t->nbucket ? t->nbucket : t->first;
  /* ends: need <= limit, and nb == BMAX holds limit entries */
  while ((size_t)(nb >> t->sparse) < need) nb *= 2;
  if (nb == t->nbucket) return 0;
  return rehash(t, nb);
}

int htab_insert(struct htab *t, uint32_t id, uint64_t h)
{
  uint32_t *b;
  if (id == HTAB_NONE) { errno = EINVAL; return -1; }
  if (htab_reserve(t, 1) == -1) return -1;
  b = &t->bucket[h & (t->nbucket - 1)];
  *t->link(t->ctx, id) = *b;
  *b = id;
  t->count++;
  return 0;
}

int htab_delete(struct htab *t, uint32_t id, uint64_t h)
{
  uint32_t *p;
  if (!t->nbucket || id == HTAB_NONE) { errno = ENOENT; return -1; }
  for (p = &t->bucket[h & (t->nbucket - 1)]; *p != id; p = t->link(t->ctx, *p))
    if (*p == HTAB_NONE) { errno = ENOENT; return -1; }
  *p = *t->link(t->ctx, id);
  t->count--;
  return 0;
}

uint32_t htab_first(const struct htab *t, uint64_t h)
{
  return t->nbucket ? t->bucket[h & (t->nbucket - 1)] : HTAB_NONE;
}

uint32_t htab_next(const struct htab *t, uint32_t id)
{
  return *t->link(t->ctx, id);
}

uint32_t htab_count(const struct htab *t)
{
  return t->count;
}

void htab_free(struct htab *t)
{
  free(t->bucket);
  t->bucket = NULL;
  t->nbucket = 0;
  t->count = 0;
}
