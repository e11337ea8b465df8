/* smtp.h: the SMTP (RFC 5321) syntax im2k-smtpd reads from the old
 * world: command verbs, the paths of MAIL and RCPT with their
 * parameters, and the DATA stream (end, dot-unstuffing, bare CR and bare
 * LF, line and size bounds).  Everything here is untrusted input. */
#ifndef IM2K_SMTP_H
#define IM2K_SMTP_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_LINE_MAX 1000   /* a line with its CRLF (RFC 5321 4.5.3.1.6) */
#define SMTP_PATH_MAX 254    /* a path's address, without the brackets */

enum smtp_verb {
  SMTP_UNKNOWN, SMTP_HELO, SMTP_EHLO, SMTP_MAIL, SMTP_RCPT, SMTP_DATA,
  SMTP_RSET, SMTP_NOOP, SMTP_QUIT, SMTP_VRFY, SMTP_HELP
};

/* smtp_verb: the verb of one command line l[0..n) (no CRLF); *arg and
 * *arglen the rest after one space (0 bytes when none).  A verb must be
 * followed by a space or the end of the line. */
enum smtp_verb smtp_verb(const char *l, size_t n, const char **arg, size_t *arglen);

enum smtp_path_err {
  SMTP_PATH_OK,
  SMTP_PATH_SYNTAX,  /* not "FROM:<...>" / "TO:<...>": 501 */
  SMTP_PATH_ADDR,    /* the address is unacceptable: 553 */
  SMTP_PATH_PARAM,   /* an unknown parameter or a bad value: 555 */
};

/* smtp_path: parse the argument of MAIL (mail 1: "FROM:<a> params") or
 * RCPT (mail 0: "TO:<a>").  The address (a source route removed) goes
 * into addr, NUL-terminated; MAIL takes the null path <>, RCPT does not.
 * MAIL's parameters: SIZE=n (into *size, else 0) and BODY=7BIT or
 * BODY=8BITMIME; RCPT takes none.  An address is printable ASCII with
 * no space, '<' or '>', at most SMTP_PATH_MAX bytes. */
enum smtp_path_err smtp_path(const char *arg, size_t n, int mail,
                             char addr[SMTP_PATH_MAX + 1], uint64_t *size);

/* the DATA stream, fed in pieces: only CRLF "." CRLF ends it.  A bare
 * CR or bare LF anywhere marks the message bad (and never ends it); a
 * line over SMTP_LINE_MAX marks it too long; output past max bytes
 * marks it too large.  Once marked, no more output is made, but the
 * stream is still read to its end. */
struct smtp_data {
  int state;
  size_t linelen;   /* bytes of the current line, CRLF included */
  uint64_t out;     /* bytes of output so far */
  uint64_t max;
  int bare;         /* a bare CR or LF was seen */
  int toolong;      /* a line over SMTP_LINE_MAX */
  int toolarge;     /* output over max */
  int done;         /* CRLF.CRLF seen */
};

void smtp_data_init(struct smtp_data *d, uint64_t max);
/* smtp_data_feed: take bytes from in[0..n) up to and including the end
 * of the data; write the message (dot-unstuffed, each CRLF as LF) into
 * out (room for n bytes) and its length into *outlen.  Returns how many
 * bytes of in it used: n, or fewer when the end was found (d->done). */
size_t smtp_data_feed(struct smtp_data *d, const unsigned char *in, size_t n,
                      unsigned char *out, size_t *outlen);

#endif
