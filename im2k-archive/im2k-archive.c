/* im2k-archive: store one message in the calling user's archive and queue
 * its job for im2k-notifyd.  Message on descriptor 0; envelope on
 * descriptor 1: "F" SENDER NUL, then "T" RECIPIENT NUL for each recipient,
 * then a NUL.  Exit 0 only once the message and its job are on disk.
 * "im2k-archive -c HANDLE" withdraws one of the caller's own messages that
 * no recipient has begun to fetch: the message leaves the archive (so it
 * can no longer be fetched) and im2k-notifyd is told to stop.
 * A public archive (a list: archive/UID/index exists, made by
 * im2k-mkarchive -p) also gets a 64-byte record per message in its index,
 * and takes messages with no recipients (indexed only, no job).
 * SECURITY: setgid to the queue group, its only privilege.  The archive is
 * chosen by getuid(), never by an argument or the environment; the sender
 * address is the user's own; the home is the one holding this program.
 * Everything read from the descriptors is untrusted. */
#include "addr.h"
#include "buf.h"
#include "bytes.h"
#include "ctl.h"
#include "die.h"
#include "envelope.h"
#include "file.h"
#include "hex.h"
#include "home.h"
#include "job.h"
#include "mdq.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* A setgid process is not dumpable, and LeakSanitizer cannot inspect a
 * process that is not: in sanitizer builds it is off here (ASan stays). */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return 1; }
#endif

/* what one run works on: the steps below share it, and a failure undoes
 * what it names (cleanup) */
struct store {
  uid_t uid;
  struct passwd *pw;
  int hfd, afd;          /* the home; archive/UID */
  /* a public archive's index, and its length before this message's
   * record (-1: none appended yet) */
  int ixfd;
  off_t ixold;
  char home[HOME_MAX], me[256], own[ADDR_MAX + 1], dir[32];
  char hexh[2 * JOB_HANDLE + 1], jobname[48];
  char tmpname[80], jobtmp[80];  /* temporary names still to remove */
};

static struct store *undo;

static void cleanup(void)
{
  struct store *s = undo;
  if (!s) return;
  if (s->afd != -1 && s->tmpname[0]) unlinkat(s->afd, s->tmpname, 0);
  if (s->afd != -1 && s->jobtmp[0]) unlinkat(s->afd, s->jobtmp, 0);
  /* not accepted: the record goes too (the lock is still held) */
  if (s->ixold != -1 && ftruncate(s->ixfd, s->ixold) == 0 && fsync(s->ixfd) == 0) s->ixold = -1;
}

static _Noreturn void fail(int code, const char *what)
{
  int e = errno;
  cleanup();
  errno = e;
  if (e == EDQUOT) die(EXIT_TEMP, "%s: disk quota exceeded", what);
  if (e == ENOSPC) die(EXIT_TEMP, "%s: no space left on device", what);
  die_sys(code, "%s", what);
}

/* refuse: a permanent refusal of the input, with nothing left behind */
static _Noreturn void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void refuse(const char *fmt, ...)
{
  char m[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  cleanup();
  die(EXIT_PERM, "%s", m);
}

static ssize_t readfull(int fd, unsigned char *p, size_t n)
{
  for (;;) {
    ssize_t r = read(fd, p, n);
    if (r == -1 && errno == EINTR) continue;
    return r;
  }
}

static int cmpstr(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* envelope_take: the envelope from descriptor 1 (lib/envelope), its
 * recipients into j, each once; the sender may only be the caller */
static void envelope_take(struct store *s, struct job *j)
{
  struct envelope e;
  unsigned char *p;
  char a[ADDR_MAX + 1];
  size_t n, i, k;
  int r;
  if (file_read_fd(1, ENVELOPE_MAX, &p, &n) == -1) {
    if (errno == EMSGSIZE) refuse("envelope too large (at most %d recipients)", JOB_RCPT_MAX);
    fail(EXIT_TEMP, "unable to read envelope");
  }
  envelope_init(&e, p, n);
  while ((r = envelope_next(&e, a)) > 0) {
    if (r == 'F' && a[0] && strcmp(a, s->own))
      refuse("sender %s not allowed: this account sends as %s", a, s->own);
    if (r == 'T' && job_add_rcpt(j, a) == -1) {
      if (errno == E2BIG) refuse("too many recipients (at most %d)", JOB_RCPT_MAX);
      fail(EXIT_TEMP, "out of memory");
    }
  }
  if (r == -1 && e.bad) refuse("%s: %.300s", envelope_strerror(e.err), e.bad);
  if (r == -1 && e.err == ENVELOPE_TOOMANY) refuse("too many recipients (at most %d)", JOB_RCPT_MAX);
  if (r == -1) refuse("%s", envelope_strerror(e.err));
  free(p);
  if (j->nrcpt == 0 && s->ixfd == -1) refuse("no recipients");
  /* each recipient once: a repeated address would be notified twice and
   * confirmed once */
  if (j->nrcpt == 0) return; /* a list's post to nobody */
  qsort(j->rcpt, j->nrcpt, sizeof *j->rcpt, cmpstr);
  for (i = 1, k = 1; i < j->nrcpt; i++)
    if (strcmp(j->rcpt[i], j->rcpt[k - 1])) j->rcpt[k++] = j->rcpt[i];
    else free(j->rcpt[i]);
  j->nrcpt = k;
}

/* index_append: the message's record at the end of the index: handle
 * (16), size (u64), hash (32), time (u64), 64 bytes, synced.  Under an
 * exclusive lock, held until exit, so two posts never interleave; a
 * partial record left by a crash (a length not a multiple of 64) is cut
 * off first.  Readers ignore such a tail. */
static int index_append(struct store *s, const struct job *j)
{
  unsigned char rec[64];
  struct stat st;
  ssize_t w;
  if (flock(s->ixfd, LOCK_EX) == -1 || fstat(s->ixfd, &st) == -1) return -1;
  if (st.st_size % 64 && ftruncate(s->ixfd, st.st_size - st.st_size % 64) == -1) return -1;
  memcpy(rec, j->handle, 16);
  put_u64(rec + 16, j->size);
  memcpy(rec + 24, j->hash, 32);
  put_u64(rec + 56, (uint64_t)j->time);
  s->ixold = st.st_size - st.st_size % 64;
  do w = pwrite(s->ixfd, rec, sizeof rec, s->ixold);
  while (w == -1 && errno == EINTR);
  if (w != (ssize_t)sizeof rec) {
    if (w >= 0) errno = EIO;
    return -1;
  }
  return fsync(s->ixfd);
}

/* list_post: a message with no recipients in a public archive: the
 * message is stored and indexed, and there is no job to queue */
static int list_post(struct store *s, int mfd, const struct job *j)
{
  if (file_sync_close(mfd) == -1) fail(EXIT_TEMP, "unable to write the message");
  if (renameat(s->afd, s->tmpname, s->afd, s->hexh) == -1) fail(EXIT_TEMP, "unable to store the message");
  s->tmpname[0] = 0;
  if (file_sync_dir(s->afd, ".") == -1 || index_append(s, j) == -1) {
    int e = errno;
    unlinkat(s->afd, s->hexh, 0);
    errno = e;
    fail(EXIT_TEMP, "unable to index the message");
  }
  return 0;
}

static void trigger(int hfd)
{
  int fd = openat(hfd, "queue/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return; /* notifyd not running: it scans at start */
  if (write(fd, "", 1) == -1) { /* a full pipe already wakes it */ }
  close(fd);
}

/* fetched_record: 1 if fetchd has recorded a fetch of this handle that
 * notifyd has not yet read (queue/confirm/new/HANDLEHEX.*.f) */
static int fetched_record(int hfd, const char *hex)
{
  DIR *d;
  struct dirent *de;
  int fd = openat(hfd, "queue/confirm/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC), found = 0;
  if (fd == -1 || !(d = fdopendir(fd))) die_sys(EXIT_TEMP, "unable to read queue/confirm/new");
  while ((de = readdir(d)))
    if (!strncmp(de->d_name, hex, 2 * JOB_HANDLE) && de->d_name[2 * JOB_HANDLE] == '.') {
      found = 1; /* a fetch or a confirmation: either way, too late */
      break;
    }
  closedir(d);
  return found;
}

/* withdrawable: dies unless no recipient has fetched message hex, by its
 * status file or by a fetch record notifyd has yet to read */
static void withdrawable(struct store *s, const char *hex)
{
  char jobname[48], sname[2 * JOB_STATUS + 16];
  struct job j;
  struct status_rec *r = NULL;
  unsigned char *p;
  size_t n, nr = 0, i;
  snprintf(jobname, sizeof jobname, "%s.job", hex);
  if (file_read(s->afd, jobname, JOB_FILE_MAX, &p, &n) == -1) {
    if (errno == ENOENT) die(EXIT_PERM, "no message %s in your archive", hex);
    die_sys(EXIT_TEMP, "unable to read %s", jobname);
  }
  if (job_parse(&j, p, n) == -1) die(EXIT_TEMP, "%s is damaged", jobname);
  free(p);
  memcpy(sname, "queue/status/", 13);
  hex_encode(sname + 13, j.status, JOB_STATUS);
  job_free(&j);
  if (file_read(s->hfd, sname, JOB_FILE_MAX, &p, &n) == 0) {
    if (status_parse(p, n, &r, &nr) == -1) die(EXIT_TEMP, "the status of %s is damaged", hex);
    free(p);
  } else if (errno != ENOENT)
    die_sys(EXIT_TEMP, "unable to read the status of %s", hex);
  for (i = 0; i < nr; i++)
    if (r[i].state == STATUS_FETCHED || r[i].state == STATUS_CONFIRMED)
      die(EXIT_PERM, "%s has already fetched %s: it can no longer be withdrawn", r[i].rcpt, hex);
    else if (r[i].state == STATUS_RELAYED)
      die(EXIT_PERM, "%s was relayed to %s over SMTP: it can no longer be withdrawn", hex, r[i].rcpt);
  status_free(r, nr);
  if (fetched_record(s->hfd, hex))
    die(EXIT_PERM, "a recipient has already fetched %s: it can no longer be withdrawn", hex);
}

/* withdraw: im2k-archive -c HANDLE */
static int withdraw(struct store *s, const char *arg)
{
  unsigned char h[JOB_HANDLE];
  char hex[2 * JOB_HANDLE + 1], cname[48];
  int qfd;
  if (strlen(arg) != 2 * JOB_HANDLE || hex_decode(h, JOB_HANDLE, arg, 2 * JOB_HANDLE) == -1)
    die(EXIT_PERM, "not a message handle: %.100s", arg);
  hex_encode(hex, h, JOB_HANDLE); /* lower case, as the file names */
  if (get_u32(h) != (uint32_t)s->uid) die(EXIT_PERM, "message %s is not yours", hex);
  if (faccessat(s->afd, hex, F_OK, AT_EACCESS) == -1) {
    if (errno == ENOENT) die(EXIT_PERM, "no message %s in your archive (withdrawn already?)", hex);
    die_sys(EXIT_TEMP, "unable to find %s", hex);
  }
  withdrawable(s, hex);
  /* notifyd is told first; then the message leaves the archive, and from
   * then on nobody can fetch it (a fetch that won the race ends with a
   * confirmation, which notifyd takes over the withdrawal) */
  snprintf(cname, sizeof cname, "%s.cancel", hex);
  qfd = openat(s->hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || mdq_put(qfd, cname, hex, strlen(hex), 0640, 1) == -1)
    die_sys(EXIT_TEMP, "unable to queue the withdrawal");
  if (unlinkat(s->afd, hex, 0) == -1 && errno != ENOENT) die_sys(EXIT_TEMP, "unable to remove %s", hex);
  if (file_sync_dir(s->afd, ".") == -1) die_sys(EXIT_TEMP, "unable to sync the archive");
  trigger(s->hfd);
  return 0;
}

/* identity: the home and the caller's own address, account@me */
static void identity(struct store *s)
{
  s->hfd = home_open(s->home);
  if (s->hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", s->home);
  if (ctl_me(s->hfd, s->me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", s->home);
  s->pw = getpwuid(s->uid);
  if (!s->pw) die(EXIT_TEMP, "unable to find the account of uid %lu", (unsigned long)s->uid);
  if (snprintf(s->own, sizeof s->own, "%s@%s", s->pw->pw_name, s->me) >= (int)sizeof s->own ||
      !addr_check(s->own, strlen(s->own)))
    die(EXIT_PERM, "account name %s does not make an address", s->pw->pw_name);
  addr_lower(s->own);
}

/* archive_open: archive/UID, which must be the caller's */
static void archive_open(struct store *s)
{
  struct stat st;
  snprintf(s->dir, sizeof s->dir, "archive/%lu", (unsigned long)s->uid);
  s->afd = openat(s->hfd, s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s->afd == -1) {
    if (errno == ENOENT)
      die(EXIT_TEMP, "no archive for %s: the administrator creates it with im2k-mkarchive %s",
          s->pw->pw_name, s->pw->pw_name);
    die_sys(EXIT_TEMP, "unable to open %s/%s", s->home, s->dir);
  }
  if (fstat(s->afd, &st) == -1) die_sys(EXIT_TEMP, "unable to stat %s/%s", s->home, s->dir);
  if (st.st_uid != s->uid) die(EXIT_TEMP, "%s/%s does not belong to %s", s->home, s->dir, s->pw->pw_name);
}

/* index_open: the index of a public archive, if there is one */
static void index_open(struct store *s)
{
  struct stat st;
  s->ixfd = openat(s->afd, "index", O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (s->ixfd == -1 && errno != ENOENT) die_sys(EXIT_TEMP, "unable to open %s/%s/index", s->home, s->dir);
  if (s->ixfd != -1 && (fstat(s->ixfd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != s->uid))
    die(EXIT_TEMP, "%s/%s/index is not a file of %s", s->home, s->dir, s->pw->pw_name);
}

/* job_start: the job's uid, handle (uid, then random) and status name,
 * and the names the message and its job will have */
static void job_start(struct store *s, struct job *j)
{
  job_init(j);
  j->uid = (uint32_t)s->uid;
  put_u32(j->handle, (uint32_t)s->uid);
  randombytes_buf(j->handle + 4, JOB_HANDLE - 4);
  randombytes_buf(j->status, JOB_STATUS);
  hex_encode(s->hexh, j->handle, JOB_HANDLE);
  snprintf(s->tmpname, sizeof s->tmpname, ".tmp.%s", s->hexh);
  snprintf(s->jobname, sizeof s->jobname, "%s.job", s->hexh);
}

/* message_write: the message, into the user's archive (owned by the
 * user: the user's quota) under its temporary name, hashed as it is
 * written; its descriptor, still to be synced */
static int message_write(struct store *s, struct job *j)
{
  static unsigned char blk[65536];
  crypto_generichash_state hs;
  uint64_t size = 0;
  int mfd = file_create(s->afd, s->tmpname, 0640);
  if (mfd == -1) { s->tmpname[0] = 0; fail(EXIT_TEMP, "unable to create a file in the archive"); }
  if (crypto_generichash_init(&hs, NULL, 0, JOB_HASH) != 0) fail(EXIT_TEMP, "hash");
  for (;;) {
    ssize_t r = readfull(0, blk, sizeof blk);
    if (r == -1) fail(EXIT_TEMP, "unable to read the message");
    if (r == 0) break;
    size += (uint64_t)r;
    if (size > MESSAGE_MAX) refuse("message too large");
    if (crypto_generichash_update(&hs, blk, (size_t)r) != 0) fail(EXIT_TEMP, "hash");
    if (file_write_all(mfd, blk, (size_t)r) == -1) fail(EXIT_TEMP, "unable to write the message");
  }
  if (crypto_generichash_final(&hs, j->hash, JOB_HASH) != 0) fail(EXIT_TEMP, "hash");
  j->size = size;
  j->time = (int64_t)time(NULL);
  snprintf(j->sender, sizeof j->sender, "%s", s->own);
  return mfd;
}

/* unstore: take the message and its job copy back out of the archive
 * (a failure after they got their names), then fail */
static _Noreturn void unstore(struct store *s, const char *what)
{
  int e = errno;
  unlinkat(s->afd, s->hexh, 0);
  unlinkat(s->afd, s->jobname, 0);
  errno = e;
  fail(EXIT_TEMP, what);
}

/* job_store: the message and the sender's copy of the job (what
 * im2k-status reads) under their names, durably; a list's index record */
static void job_store(struct store *s, const struct job *j, int mfd, const struct buf *jb)
{
  int jfd;
  snprintf(s->jobtmp, sizeof s->jobtmp, ".tmp.%s.job", s->hexh);
  jfd = file_create(s->afd, s->jobtmp, 0600);
  if (jfd == -1) { s->jobtmp[0] = 0; fail(EXIT_TEMP, "unable to write the job into the archive"); }
  if (file_write_all(jfd, jb->p, jb->len) == -1 || fchmod(jfd, 0600) == -1)
    fail(EXIT_TEMP, "unable to write the job into the archive");
  /* What is synced, and why: the message and the sender's job copy are
   * both written before either is synced (on a journaled file system the
   * first fsync commits the other's data as well, and the second costs
   * little); both are synced before they get their names; one sync of the
   * archive directory makes both names durable; only then is the job
   * queued for notifyd (mdq_put syncs it and queue/job/new), so notifyd
   * never sees a job whose message a crash could still take away. */
  if (file_sync_close(mfd) == -1) fail(EXIT_TEMP, "unable to write the message");
  if (file_sync_close(jfd) == -1) fail(EXIT_TEMP, "unable to write the job into the archive");
  if (renameat(s->afd, s->jobtmp, s->afd, s->jobname) == -1)
    fail(EXIT_TEMP, "unable to write the job into the archive");
  s->jobtmp[0] = 0;
  if (renameat(s->afd, s->tmpname, s->afd, s->hexh) == -1) {
    int e = errno;
    unlinkat(s->afd, s->jobname, 0);
    errno = e;
    fail(EXIT_TEMP, "unable to store the message");
  }
  s->tmpname[0] = 0;
  /* the names may not survive a crash: not accepted, so take both back
   * rather than leave a message nobody will send */
  if (file_sync_dir(s->afd, ".") == -1) unstore(s, "unable to sync the archive");
  /* a list: indexed before the job is queued, taken back with the rest
   * if queueing fails */
  if (s->ixfd != -1 && index_append(s, j) == -1) unstore(s, "unable to index the message");
}

/* job_queue: the job for notifyd; not accepted unless it is queued */
static void job_queue(struct store *s, const struct buf *jb)
{
  int qfd = openat(s->hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || mdq_put(qfd, s->hexh, jb->p, jb->len, 0640, 0) == -1)
    unstore(s, "unable to queue the job");
  trigger(s->hfd);
}

int main(int argc, char **argv)
{
  struct store s;
  struct job j;
  struct buf jb;
  const char *cancel = NULL;
  int mfd;

  die_prog = "im2k-archive";
  signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && !strcmp(argv[1], "-c")) cancel = argv[2];
  else if (argc != 1) die(EXIT_PERM, "usage: im2k-archive (message on 0, envelope on 1) | im2k-archive -c HANDLE");
  umask(027);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  memset(&s, 0, sizeof s);
  s.uid = getuid();
  s.afd = s.ixfd = -1;
  s.ixold = -1;
  undo = &s;

  identity(&s);
  archive_open(&s);
  if (cancel) return withdraw(&s, cancel);
  index_open(&s);
  job_start(&s, &j);
  mfd = message_write(&s, &j);
  envelope_take(&s, &j);
  if (fchmod(mfd, 0640) == -1) fail(EXIT_TEMP, "unable to chmod the message");
  if (j.nrcpt == 0) return list_post(&s, mfd, &j);
  buf_init(&jb, JOB_FILE_MAX);
  if (job_encode(&j, &jb) == -1) fail(EXIT_TEMP, "unable to build the job");
  job_store(&s, &j, mfd, &jb);
  job_queue(&s, &jb);
  buf_free(&jb);
  job_free(&j);
  return 0;
}
