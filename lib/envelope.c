/* envelope.c: the one place that writes, reads and hands over the
 * envelope of im2k-archive.  The parser trusts nothing in its input; the
 * hand-off trusts im2k-archive only for its exit status. */
#include "envelope.h"
#include "die.h"
#include "file.h"
#include "home.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* record: KIND S NUL, all or nothing, so that a full buffer never holds
 * half a record */
static int record(struct buf *b, char kind, const char *s, size_t n)
{
  size_t old = b->len;
  if (buf_append(b, &kind, 1) || buf_append(b, s, n) || buf_append(b, "", 1)) {
    int e = errno;
    b->len = old;
    errno = e;
    return -1;
  }
  return 0;
}

int envelope_from(struct buf *b, const char *from)
{
  size_t n = strlen(from);
  if (n && !addr_check(from, n)) { errno = EINVAL; return -1; }
  return record(b, 'F', from, n);
}

int envelope_to(struct buf *b, const char *rcpt)
{
  size_t n = strlen(rcpt);
  if (!addr_check(rcpt, n)) { errno = EINVAL; return -1; }
  return record(b, 'T', rcpt, n);
}

int envelope_end(struct buf *b)
{
  return buf_append(b, "", 1);
}

void envelope_init(struct envelope *e, const unsigned char *p, size_t n)
{
  memset(e, 0, sizeof *e);
  e->p = p;
  e->n = n;
}

static int fault(struct envelope *e, enum envelope_err err, const char *bad)
{
  e->err = err;
  e->bad = bad;
  errno = EINVAL;
  return -1;
}

int envelope_next(struct envelope *e, char a[ADDR_MAX + 1])
{
  const unsigned char *z;
  const char *s;
  size_t i = e->pos, n;
  unsigned char kind;
  if (e->err) { errno = EINVAL; return -1; }
  if (e->done) return 0;
  /* every record, the final NUL included, ends with a NUL; a NUL at the
   * start of a record is the end, and must be the last byte */
  if (i >= e->n || !(z = memchr(e->p + i, 0, e->n - i))) return fault(e, ENVELOPE_TRUNCATED, NULL);
  if (z == e->p + i) {
    if (i != e->n - 1) return fault(e, ENVELOPE_TRAILING, NULL);
    if (!e->seenf) return fault(e, ENVELOPE_BAD, NULL); /* F comes first, always */
    e->done = 1;
    return 0;
  }
  kind = e->p[i];
  s = (const char *)e->p + i + 1;
  n = (size_t)(z - (const unsigned char *)s);
  e->pos = (size_t)(z - e->p) + 1;
  if (kind == 'F' && !e->seenf) {
    e->seenf = 1;
    if (n && !addr_check(s, n)) return fault(e, ENVELOPE_SENDER, s);
  } else if (kind != 'T' || !e->seenf) {
    return fault(e, ENVELOPE_BAD, NULL);
  } else {
    if (!addr_check(s, n)) return fault(e, ENVELOPE_RCPT, s);
    if (e->nrcpt >= JOB_RCPT_MAX) return fault(e, ENVELOPE_TOOMANY, NULL);
    e->nrcpt++;
  }
  /* n <= ADDR_MAX: addr_check says so, or n is 0 */
  memcpy(a, s, n + 1);
  if (n) addr_lower(a);
  return kind;
}

const char *envelope_strerror(int err)
{
  switch (err) {
  case ENVELOPE_OK: return "no error";
  case ENVELOPE_TRUNCATED: return "envelope truncated: the sending program stopped early";
  case ENVELOPE_TRAILING: return "bad envelope: data after its end";
  case ENVELOPE_BAD: return "bad envelope";
  case ENVELOPE_SENDER: return "bad sender address";
  case ENVELOPE_RCPT: return "bad recipient address";
  case ENVELOPE_TOOMANY: return "too many recipients";
  }
  return "unknown error";
}

int envelope_open(struct envelope_pipe *p, const char *bindir)
{
  char archive[HOME_MAX + 32];
  int mp[2], ep[2], e;
  pid_t pid;
  snprintf(archive, sizeof archive, "%s/im2k-archive", bindir);
  if (pipe(mp) == -1) return -1;
  if (pipe(ep) == -1) goto fail2;
  pid = fork();
  if (pid == -1) goto fail4;
  if (pid == 0) {
    char *av[2];
    av[0] = archive;
    av[1] = NULL;
    close(mp[1]);
    close(ep[1]);
    if (dup2(mp[0], 0) == -1 || dup2(ep[0], 1) == -1) _exit(EXIT_TEMP);
    execv(archive, av);
    warn_sys("unable to run %s", archive);
    _exit(EXIT_TEMP);
  }
  close(mp[0]);
  close(ep[0]);
  p->pid = pid;
  p->msg = mp[1];
  p->env = ep[1];
  p->err = 0;
  p->code = 0;
  return 0;
fail4:
  e = errno;
  close(ep[0]);
  close(ep[1]);
  errno = e;
fail2:
  e = errno;
  close(mp[0]);
  close(mp[1]);
  errno = e;
  return -1;
}

int envelope_put(struct envelope_pipe *p, const void *m, size_t n)
{
  if (p->err) { errno = p->err; return -1; }
  if (file_write_all(p->msg, m, n) == -1) {
    p->err = errno;
    return -1;
  }
  return 0;
}

static void closeboth(struct envelope_pipe *p)
{
  if (p->msg != -1) close(p->msg);
  if (p->env != -1) close(p->env);
  p->msg = p->env = -1;
}

int envelope_result(int err, int wstatus, int *code)
{
  *code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  /* an EPIPE is im2k-archive's refusal to read on, which its exit code
   * explains; any other failure here is this side's own, and the message
   * never went whole whatever im2k-archive then says */
  if (err && !(err == EPIPE && WIFEXITED(wstatus) && *code != 0)) return ENVELOPE_BROKEN;
  if (!WIFEXITED(wstatus)) return ENVELOPE_CRASHED;
  if (*code == 0) return ENVELOPE_STORED;
  return *code == EXIT_PERM ? ENVELOPE_PERM : ENVELOPE_TEMP;
}

int envelope_close(struct envelope_pipe *p, const struct buf *env)
{
  int st;
  /* the message ends first: im2k-archive reads the envelope after it */
  if (p->msg != -1) close(p->msg);
  p->msg = -1;
  if (env && !p->err && file_write_all(p->env, env->p, env->len) == -1) p->err = errno;
  closeboth(p);
  while (waitpid(p->pid, &st, 0) == -1)
    if (errno != EINTR) return -1;
  return envelope_result(p->err, st, &p->code);
}

void envelope_cancel(struct envelope_pipe *p)
{
  int st;
  closeboth(p);
  kill(p->pid, SIGTERM);
  while (waitpid(p->pid, &st, 0) == -1 && errno == EINTR) {}
}
