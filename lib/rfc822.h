/* rfc822.h: the parts of an RFC 5322 message that im2k-inject reads:
 * which lines make up the header block, the fields in it, and the
 * addresses in an address list (To, Cc, Bcc).  Everything parsed is
 * untrusted and read in place; the only copies are addresses, into the
 * caller's buffer of ADDR_MAX + 1 bytes. */
#ifndef IM2K_RFC822_H
#define IM2K_RFC822_H

#include "addr.h"

#include <stddef.h>

/* the longest field name, with the blanks that may stand before its
 * colon (RFC 5322 obs-optional); a longer run without a colon is body */
#define RFC822_NAME_MAX 998

enum rfc822_kind {
  RFC822_BODY = 0,   /* not a header line: the header block ends before it */
  RFC822_FIELD = 1,  /* "NAME:" or "NAME  :", the first line of a field */
  RFC822_CONT = 2,   /* starts with a space or a tab: continues a field */
  RFC822_MORE = 3    /* an incomplete line that cannot be told yet */
};

/* rfc822_line: the kind of the line p[0..n), its LF not included (a CR
 * before it is).  NAME is 1 to RFC822_NAME_MAX bytes of printable ASCII
 * other than the colon.  A continuation cannot be the first line of the
 * block (first != 0): there it is body.  A blank line is body.  When
 * complete is 0, the line may still grow: the answer is RFC822_MORE
 * until its first bytes decide, and once decided it is the answer for
 * the complete line too. */
int rfc822_line(const void *p, size_t n, int first, int complete);

struct rfc822_field {
  const unsigned char *name;   /* the field name, without blanks or colon */
  size_t namelen;
  const unsigned char *value;  /* after the colon, to the end of its last
                                * line, that line's CR LF or LF included */
  size_t valuelen;
  size_t start, end;           /* the field's bytes in the block */
};

/* rfc822_field_next: the field at *pos of the header block h[0..n): its
 * first line and every continuation line after it (the last line may
 * lack its LF).  1, the field in *f and *pos moved past it; 0 when *pos
 * is n; -1 with errno EINVAL when the line at *pos starts no field. */
int rfc822_field_next(const void *h, size_t n, size_t *pos, struct rfc822_field *f);
/* rfc822_field_is: 1 if f is named name, compared without regard to
 * ASCII case. */
int rfc822_field_is(const struct rfc822_field *f, const char *name);

enum rfc822_err {
  RFC822_OK = 0,
  RFC822_ECHAR,     /* a byte that cannot stand there (NUL, control, ')') */
  RFC822_EQUOTE,    /* a quoted string without its closing quote */
  RFC822_ECOMMENT,  /* a comment without its closing parenthesis */
  RFC822_ELITERAL,  /* a domain literal without its closing bracket */
  RFC822_EDOMAIN,   /* a mailbox without @domain, or an @ without domain */
  RFC822_EANGLE,    /* <...> empty, unclosed, or with a bad route */
  RFC822_EGROUP,    /* a group nested, without a name, or ";" outside one */
  RFC822_ESYNTAX,   /* anything else (words not separated by a comma) */
  RFC822_ELONG      /* an address over ADDR_MAX bytes */
};

/* an address list being read: the value of a To, Cc or Bcc field */
struct rfc822_addrs {
  const unsigned char *p;
  size_t n;
  size_t pos;
  int group;   /* inside "name: ... ;" */
  int err;     /* an enum rfc822_err; once set, every call returns -1 */
};

void rfc822_addrs_init(struct rfc822_addrs *a, const void *p, size_t n);
/* rfc822_addrs_next: the next address of the list (RFC 5322
 * address-list, with the obsolete forms: empty members, routes, CFWS
 * around dots).  Display names, comments, group names and folding are
 * skipped; the address is local@domain with no blanks or comments.  A
 * quoted local part whose content is a dot-atom loses its quotes;
 * other quoted local parts and domain literals are kept as written,
 * less CR and LF, for the caller's checks to refuse.  A group left
 * open at the end of the list is accepted as closed.  Returns 1 and the
 * address as a C string in out; 0 at the end of the list; -1 with a->err
 * set on bad syntax (addresses returned before it came from the part of
 * the list read so far). */
int rfc822_addrs_next(struct rfc822_addrs *a, char out[ADDR_MAX + 1]);
/* rfc822_strerror: what an enum rfc822_err means, in a few words. */
const char *rfc822_strerror(int err);

#endif
