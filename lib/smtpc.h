/* smtpc.h: the client side of SMTP (RFC 5321), for im2k-remote: the
 * reader of a server's replies (fed bytes in any pieces, bounded), the
 * writer of a message in DATA (LF to CRLF, dot-stuffing) and the lines of
 * control/smtproutes.  Replies are outside input; routes are the
 * operator's text, checked like outside input. */
#ifndef IM2K_SMTPC_H
#define IM2K_SMTPC_H

#include <stddef.h>
#include <stdint.h>

#define SMTPC_LINE_MAX 1000   /* a reply line, its CR LF included */
#define SMTPC_LINES_MAX 100   /* lines in one reply */
#define SMTPC_TEXT_MAX 400    /* bytes of a reply's text kept */

/* what a reply can be, once read */
enum smtpc_err {
  SMTPC_OK,        /* a whole reply: code and text */
  SMTPC_TOOLONG,   /* a line over SMTPC_LINE_MAX, or over SMTPC_LINES_MAX lines */
  SMTPC_SYNTAX,    /* a line not "DDD", "DDD text" or "DDD-text", D a digit,
                    * the first 2 to 5 */
  SMTPC_MISMATCH   /* a line of a multi-line reply with another code */
};

/* extensions a server offers in its reply to EHLO (lines 2 on) */
#define SMTPC_EXT_8BITMIME 1u
#define SMTPC_EXT_SIZE 2u

/* A reply being read.  Lines end with LF, a CR before it dropped; a line
 * "DDD-..." says more lines follow.  text holds the lines joined with
 * '/', every byte outside printable ASCII as '?', cut at SMTPC_TEXT_MAX
 * bytes (NUL-terminated). */
struct smtpc_reply {
  int done;            /* 1: a whole reply (err SMTPC_OK) or an error */
  enum smtpc_err err;
  int code;            /* 200 to 599, from the first line */
  unsigned ext;        /* SMTPC_EXT_* named on lines 2 on */
  size_t lines;        /* whole lines read, at most SMTPC_LINES_MAX */
  size_t linelen;      /* bytes of the line being read, LF included, at
                        * most SMTPC_LINE_MAX */
  char line[SMTPC_LINE_MAX];
  size_t textlen;
  char text[SMTPC_TEXT_MAX + 1];
};

void smtpc_reply_init(struct smtpc_reply *r);
/* smtpc_reply_feed: read bytes in[0..n) into r, up to the end of the
 * reply or the first error; returns how many it used (n, or fewer once
 * r->done).  Bytes after the end belong to whatever comes next. */
size_t smtpc_reply_feed(struct smtpc_reply *r, const unsigned char *in, size_t n);
/* smtpc_err_str: a few words for an error ("reply too long", ...). */
const char *smtpc_err_str(enum smtpc_err e);

/* The message as it goes in DATA: each LF becomes CR LF, an existing CR
 * LF stays, and a bare CR (not followed by LF) is sent as CR LF too, so
 * that no bare CR ever reaches the server (RFC 5321 2.3.8); a line that
 * starts with '.' gets a second one (4.5.2).  A message that does not
 * end with a line end gets CR LF, then "." CR LF ends it.  Lines are
 * otherwise sent as they are, however long. */
struct smtpc_data {
  int bol;            /* at the start of a line */
  int cr;             /* a CR read, its LF not yet known */
  int eightbit;       /* a byte over 127 was seen */
  uint64_t out;       /* bytes written so far, the end not included */
};

/* the room smtpc_data_feed needs for n bytes of input */
#define SMTPC_DATA_ROOM(n) (2 * (size_t)(n) + 2)

void smtpc_data_init(struct smtpc_data *d);
/* smtpc_data_feed: in[0..n) as it goes on the wire, into out (room for
 * SMTPC_DATA_ROOM(n) bytes); the number of bytes written. */
size_t smtpc_data_feed(struct smtpc_data *d, const unsigned char *in, size_t n,
                       unsigned char *out);
/* smtpc_data_end: the end of the message, into out (room for 5 bytes):
 * the line end still owed, then "." CR LF; the number of bytes. */
size_t smtpc_data_end(struct smtpc_data *d, unsigned char out[5]);

/* control/smtproutes: "DOMAIN:HOST[:PORT]" per line (# comments, blank
 * lines; spaces around a line trimmed).  DOMAIN is a domain, ".SUFFIX"
 * (every domain under SUFFIX, not SUFFIX itself) or empty (every
 * domain).  HOST is an IPv4 address, a host name (its A records), or
 * empty: the domain's own MX records, as with no route.  PORT is 1 to
 * 65535, 25 when absent (also with an empty HOST). */
struct smtpc_route {
  char host[256];     /* "" for the MX records; lower case */
  uint16_t port;
};

/* smtpc_route_line: one significant line l[0..n) into dom (its DOMAIN
 * as written, lower-cased, NUL-terminated; 256 bytes) and r; 0, or -1
 * with EINVAL for a bad line. */
int smtpc_route_line(const char *l, size_t n, char dom[256], struct smtpc_route *r);
/* smtpc_route: the route for domain (checked, any case) in the text of
 * control/smtproutes, p[0..n).  Every line is checked first: -1 with
 * EINVAL and *badline (from 1) at the first bad one.  Then the first
 * line naming domain itself; else the longest ".SUFFIX" above it (the
 * first line of that suffix); else the first line with an empty DOMAIN.
 * 1 and *r for the line taken, 0 when none matches. */
int smtpc_route(const void *p, size_t n, const char *domain, struct smtpc_route *r,
                unsigned long *badline);
/* smtpc_routed: 1 if a line names domain itself or a .SUFFIX above it
 * (the smarthost line does not count), else 0 (also for a file with a
 * bad line: im2k-remote reports that). */
int smtpc_routed(const void *p, size_t n, const char *domain);

#endif
