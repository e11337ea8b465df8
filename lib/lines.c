/* lines.c: control file lines.  Trusts nothing in the text. */
#include "lines.h"

#include <errno.h>
#include <string.h>

void lines_init(struct lines *l, const void *p, size_t n)
{
  l->p = p;
  l->end = l->p + n;
  l->lineno = 0;
}

int lines_next(struct lines *l, const char **line, size_t *len)
{
  while (l->p < l->end) {
    const char *s = l->p, *e = memchr(s, '\n', (size_t)(l->end - s));
    if (!e) e = l->end;
    l->p = e < l->end ? e + 1 : e;
    l->lineno++;
    if (memchr(s, 0, (size_t)(e - s))) { errno = EINVAL; return -1; }
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    if (s == e || *s == '#') continue;
    *line = s;
    *len = (size_t)(e - s);
    return 1;
  }
  return 0;
}
