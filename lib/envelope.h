/* envelope.h: the envelope a writer hands im2k-archive, and the way it is
 * handed over.  im2k-archive reads the message on its descriptor 0 and,
 * after it, the envelope on its descriptor 1 until end of file:
 *   "F" SENDER NUL, then "T" RECIPIENT NUL per recipient, then one NUL,
 * which is the last byte.  SENDER may be empty (the caller's own
 * address).  An envelope cut short anywhere does not parse, so a writer
 * that could not pass the whole message sends none and nothing is kept. */
#ifndef IM2K_ENVELOPE_H
#define IM2K_ENVELOPE_H

#include "addr.h"
#include "buf.h"
#include "job.h"

#include <stddef.h>
#include <sys/types.h>

/* what im2k-archive reads at most: as much as a job may name */
#define ENVELOPE_MAX JOB_FILE_MAX

/* The encoder, in this order: envelope_from once, envelope_to per
 * recipient, envelope_end.  Each is 0, or -1 with errno EINVAL (not an
 * address: FROM may be "", a recipient may not) or as buf_append
 * (EMSGSIZE: b is full).  Recipients are written as given: repeats and
 * their number are the reader's concern. */
int envelope_from(struct buf *b, const char *from);
int envelope_to(struct buf *b, const char *rcpt);
int envelope_end(struct buf *b);

/* The parser: envelope_init, then envelope_next until it gives 0 or -1. */
enum envelope_err {
  ENVELOPE_OK,
  ENVELOPE_TRUNCATED,  /* no final NUL: the writer stopped early */
  ENVELOPE_TRAILING,   /* bytes after the final NUL */
  ENVELOPE_BAD,        /* a record not "F" first and once, then "T"s */
  ENVELOPE_SENDER,     /* the F record holds no address */
  ENVELOPE_RCPT,       /* a T record holds no address */
  ENVELOPE_TOOMANY     /* over JOB_RCPT_MAX T records */
};

struct envelope {
  const unsigned char *p;
  size_t n, pos;
  size_t nrcpt;        /* T records given so far */
  int seenf, done;
  enum envelope_err err;  /* why envelope_next gave -1 */
  const char *bad;     /* with ENVELOPE_SENDER or _RCPT: the refused text,
                          in the input, ended by its record's NUL */
};

void envelope_init(struct envelope *e, const unsigned char *p, size_t n);
/* envelope_next: 'F' or 'T' with the record's address in a, its domain
 * in lower case ("" for an empty F); 0 once the final NUL is read and
 * nothing follows it; -1 with errno EINVAL and e->err.  Records are
 * checked in order, so the first fault is the one reported. */
int envelope_next(struct envelope *e, char a[ADDR_MAX + 1]);
/* envelope_strerror: what an enum envelope_err means, in a few words. */
const char *envelope_strerror(int err);

/* The hand-off, as qmail's qmail_open .. qmail_close: envelope_open
 * starts BINDIR/im2k-archive behind two pipes; envelope_put writes the
 * message; envelope_close sends the envelope and waits for the verdict. */
struct envelope_pipe {
  pid_t pid;
  int msg, env;   /* the writing ends; -1 once closed */
  int err;        /* errno of this side's first failed write; 0: none */
  int code;       /* after envelope_close: im2k-archive's exit code, or
                     the signal that ended it */
};

enum envelope_result {
  ENVELOPE_STORED,   /* exit 0: the message and its job are on disk */
  ENVELOPE_PERM,     /* exit 100: refused; im2k-archive said why */
  ENVELOPE_TEMP,     /* another exit code (111): it said why */
  ENVELOPE_CRASHED,  /* ended by signal p->code */
  ENVELOPE_BROKEN    /* this side failed to write (p->err), and
                        im2k-archive's exit does not explain it */
};

/* envelope_open: 0, or -1 with errno and nothing left running.  A child
 * that cannot run the program says so on stderr and exits 111.  The
 * caller ignores SIGPIPE, so that a refusal shows as EPIPE. */
int envelope_open(struct envelope_pipe *p, const char *bindir);
/* envelope_put: 0, or -1 with errno; after one failure, every later call
 * fails at once and envelope_close sends no envelope. */
int envelope_put(struct envelope_pipe *p, const void *m, size_t n);
/* envelope_close: end the message, send env (NULL: the message is not
 * whole, so no envelope goes and im2k-archive keeps nothing), close, and
 * wait.  An enum envelope_result, or -1 with errno if waiting failed.
 * A write that failed with EPIPE because im2k-archive stopped reading
 * yields its verdict, since it said why. */
int envelope_close(struct envelope_pipe *p, const struct buf *env);
/* envelope_cancel: the writer gives up: both pipes closed, im2k-archive
 * sent SIGTERM and waited for. */
void envelope_cancel(struct envelope_pipe *p);
/* envelope_result: the mapping envelope_close applies, from this side's
 * write errno (0: none) and the wait status; *code as p->code. */
int envelope_result(int err, int wstatus, int *code);

#endif
