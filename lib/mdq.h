/* mdq.h: a maildir-like queue: DIR/tmp, DIR/new (and DIR/cur for the
 * reader's own use).  A writer writes DIR/tmp/NAME, fsyncs, renames it
 * into DIR/new/NAME and fsyncs DIR/new; a reader sees only whole
 * entries. */
#ifndef IM2K_MDQ_H
#define IM2K_MDQ_H

#include <stddef.h>
#include <sys/types.h>

/* mdq_put: enqueue data under name (unique per queue; the caller picks
 * it).  An existing new/NAME is an error (EEXIST) unless replace.  On -1
 * nothing is left in tmp/ or new/: when the sync of new/ fails, the
 * entry is taken out of new/ again. */
int mdq_put(int qfd, const char *name, const void *data, size_t n, mode_t mode,
            int replace);
/* mdq_exists: 1 if new/NAME or cur/NAME exists, 0 if not, -1 error. */
int mdq_exists(int qfd, const char *name);

#endif
