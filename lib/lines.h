/* lines.h: walking the lines of a text control file.  Comments (#) and
 * blank lines are skipped; surrounding spaces and tabs are trimmed. */
#ifndef IM2K_LINES_H
#define IM2K_LINES_H

#include <stddef.h>

struct lines {
  const char *p;
  const char *end;
  unsigned long lineno;
};

void lines_init(struct lines *l, const void *p, size_t n);
/* lines_next: 1 and the next significant line (not NUL-terminated), or
 * 0 at the end; -1 with EINVAL for a NUL byte in the line. */
int lines_next(struct lines *l, const char **line, size_t *len);

#endif
