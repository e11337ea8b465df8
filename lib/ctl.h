/* ctl.h: small control files (control/me, control/lifetime, ...): the
 * first significant line of a text file. */
#ifndef IM2K_CTL_H
#define IM2K_CTL_H

#include <stddef.h>
#include <stdint.h>

/* ctl_line: 1 and the first significant line in out (NUL-terminated),
 * 0 if the file does not exist, -1 on error (EMSGSIZE: longer than max-1). */
int ctl_line(int dirfd, const char *path, char *out, size_t max);
/* ctl_uint: the number in the file, def if the file does not exist;
 * -1 with EINVAL if it is not a number from 0 to max. */
int ctl_uint(int dirfd, const char *path, uint64_t def, uint64_t max, uint64_t *out);
/* ctl_domain: control/me, checked and lower-cased (256 bytes). */
int ctl_me(int homefd, char me[256]);

/* ctl_row: turn one text line into a key and a value (key has room for
 * 256 bytes); 0, or -1 if the line is bad. */
typedef int (*ctl_row)(const char *line, size_t n, char *key, size_t *klen,
                       const char **val, size_t *vlen);
/* ctl_compile: compile the text table dirfd/src into the cdb dirfd/dst,
 * atomically.  -1 with EINVAL and *badline set for a bad or repeated
 * row; the old cdb stays in place on any error. */
int ctl_compile(int dirfd, const char *src, const char *dst, ctl_row row,
                unsigned long *badline);

#endif
