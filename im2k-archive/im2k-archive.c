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

static int afd = -1;
/* a public archive's index, and its length before this message's record
 * (-1: none appended yet) */
static int ixfd = -1;
static off_t ixold = -1;
static char tmpname[80], jobtmp[80];
static char home[HOME_MAX];

static void cleanup(void)
{
  if (afd != -1 && tmpname[0]) unlinkat(afd, tmpname, 0);
  if (afd != -1 && jobtmp[0]) unlinkat(afd, jobtmp, 0);
  /* not accepted: the record goes too (the lock is still held) */
  if (ixold != -1 && ftruncate(ixfd, ixold) == 0 && fsync(ixfd) == 0) ixold = -1;
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

/* envelope: F sender, T recipients, final NUL; bounded by JOB limits */
static void envelope(struct job *j, const char *own)
{
  struct buf b;
  unsigned char blk[4096];
  size_t i, start;
  int seenf = 0;
  buf_init(&b, JOB_FILE_MAX);
  for (;;) {
    ssize_t r = readfull(1, blk, sizeof blk);
    if (r == -1) fail(EXIT_TEMP, "unable to read envelope");
    if (r == 0) break;
    if (buf_append(&b, blk, (size_t)r) == -1) {
      cleanup();
      die(EXIT_PERM, "envelope too large (at most %d recipients)", JOB_RCPT_MAX);
    }
  }
  /* records "F" or "T", an address, a NUL; then one NUL ends it */
  for (i = 0;; i = start) {
    const unsigned char *z;
    const char *s;
    size_t n;
    char a[ADDR_MAX + 1];
    if (i >= b.len || !(z = memchr(b.p + i, 0, b.len - i))) {
      cleanup();
      die(EXIT_PERM, "envelope truncated: the sending program stopped early");
    }
    if (z == b.p + i) {
      if (i != b.len - 1) { cleanup(); die(EXIT_PERM, "bad envelope: data after its end"); }
      break;
    }
    s = (const char *)b.p + i + 1;
    n = (size_t)(z - (const unsigned char *)s);
    start = (size_t)(z - b.p) + 1;
    if (b.p[i] == 'F' && !seenf) {
      seenf = 1;
      if (n == 0) continue;
      if (!addr_check(s, n)) { cleanup(); die(EXIT_PERM, "bad sender address: %.300s", s); }
      memcpy(a, s, n + 1);
      addr_lower(a);
      if (strcmp(a, own)) {
        cleanup();
        die(EXIT_PERM, "sender %s not allowed: this account sends as %s", a, own);
      }
      continue;
    }
    if (b.p[i] != 'T' || !seenf) { cleanup(); die(EXIT_PERM, "bad envelope"); }
    if (!addr_check(s, n)) { cleanup(); die(EXIT_PERM, "bad recipient address: %.300s", s); }
    memcpy(a, s, n + 1);
    addr_lower(a);
    if (job_add_rcpt(j, a) == -1) {
      if (errno == E2BIG) { cleanup(); die(EXIT_PERM, "too many recipients (at most %d)", JOB_RCPT_MAX); }
      fail(EXIT_TEMP, "out of memory");
    }
  }
  if (j->nrcpt == 0 && ixfd == -1) { cleanup(); die(EXIT_PERM, "no recipients"); }
  /* each recipient once: a repeated address would be notified twice and
   * confirmed once */
  if (j->nrcpt == 0) { buf_free(&b); return; } /* a list's post to nobody */
  qsort(j->rcpt, j->nrcpt, sizeof *j->rcpt, cmpstr);
  for (i = 1, start = 1; i < j->nrcpt; i++)
    if (strcmp(j->rcpt[i], j->rcpt[start - 1])) j->rcpt[start++] = j->rcpt[i];
    else free(j->rcpt[i]);
  j->nrcpt = start;
  buf_free(&b);
}

/* index_append: the message's record at the end of the index: handle
 * (16), size (u64), hash (32), time (u64), 64 bytes, synced.  Under an
 * exclusive lock, held until exit, so two posts never interleave; a
 * partial record left by a crash (a length not a multiple of 64) is cut
 * off first.  Readers ignore such a tail. */
static int index_append(const struct job *j)
{
  unsigned char rec[64];
  struct stat st;
  ssize_t w;
  if (flock(ixfd, LOCK_EX) == -1 || fstat(ixfd, &st) == -1) return -1;
  if (st.st_size % 64 && ftruncate(ixfd, st.st_size - st.st_size % 64) == -1) return -1;
  memcpy(rec, j->handle, 16);
  put_u64(rec + 16, j->size);
  memcpy(rec + 24, j->hash, 32);
  put_u64(rec + 56, (uint64_t)j->time);
  ixold = st.st_size - st.st_size % 64;
  do w = pwrite(ixfd, rec, sizeof rec, ixold);
  while (w == -1 && errno == EINTR);
  if (w != (ssize_t)sizeof rec) {
    if (w >= 0) errno = EIO;
    return -1;
  }
  return fsync(ixfd);
}

/* list_post: a message with no recipients in a public archive: the
 * message is stored and indexed, and there is no job to queue */
static int list_post(int mfd, const char *hexh, const struct job *j)
{
  if (file_sync_close(mfd) == -1) fail(EXIT_TEMP, "unable to write the message");
  if (renameat(afd, tmpname, afd, hexh) == -1) fail(EXIT_TEMP, "unable to store the message");
  tmpname[0] = 0;
  if (file_sync_dir(afd, ".") == -1 || index_append(j) == -1) {
    int e = errno;
    unlinkat(afd, hexh, 0);
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

/* withdraw: im2k-archive -c HANDLE */
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

/* withdraw: im2k-archive -c HANDLE */
static int withdraw(int hfd, const char *arg, uid_t uid)
{
  unsigned char h[JOB_HANDLE], *p;
  char hex[2 * JOB_HANDLE + 1], jobname[48], sname[2 * JOB_STATUS + 16], cname[48];
  struct job j;
  struct status_rec *r = NULL;
  size_t n, nr = 0, i;
  int qfd;
  if (strlen(arg) != 2 * JOB_HANDLE || hex_decode(h, JOB_HANDLE, arg, 2 * JOB_HANDLE) == -1)
    die(EXIT_PERM, "not a message handle: %.100s", arg);
  hex_encode(hex, h, JOB_HANDLE); /* lower case, as the file names */
  if (get_u32(h) != (uint32_t)uid) die(EXIT_PERM, "message %s is not yours", hex);
  if (faccessat(afd, hex, F_OK, AT_EACCESS) == -1) {
    if (errno == ENOENT) die(EXIT_PERM, "no message %s in your archive (withdrawn already?)", hex);
    die_sys(EXIT_TEMP, "unable to find %s", hex);
  }
  snprintf(jobname, sizeof jobname, "%s.job", hex);
  if (file_read(afd, jobname, JOB_FILE_MAX, &p, &n) == -1) {
    if (errno == ENOENT) die(EXIT_PERM, "no message %s in your archive", hex);
    die_sys(EXIT_TEMP, "unable to read %s", jobname);
  }
  if (job_parse(&j, p, n) == -1) die(EXIT_TEMP, "%s is damaged", jobname);
  free(p);
  memcpy(sname, "queue/status/", 13);
  hex_encode(sname + 13, j.status, JOB_STATUS);
  if (file_read(hfd, sname, JOB_FILE_MAX, &p, &n) == 0) {
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
  if (fetched_record(hfd, hex))
    die(EXIT_PERM, "a recipient has already fetched %s: it can no longer be withdrawn", hex);
  /* notifyd is told first; then the message leaves the archive, and from
   * then on nobody can fetch it (a fetch that won the race ends with a
   * confirmation, which notifyd takes over the withdrawal) */
  snprintf(cname, sizeof cname, "%s.cancel", hex);
  qfd = openat(hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || mdq_put(qfd, cname, hex, strlen(hex), 0640, 1) == -1)
    die_sys(EXIT_TEMP, "unable to queue the withdrawal");
  if (unlinkat(afd, hex, 0) == -1 && errno != ENOENT) die_sys(EXIT_TEMP, "unable to remove %s", hex);
  if (file_sync_dir(afd, ".") == -1) die_sys(EXIT_TEMP, "unable to sync the archive");
  trigger(hfd);
  job_free(&j);
  return 0;
}

int main(int argc, char **argv)
{
  struct job j;
  struct passwd *pw;
  struct stat st;
  struct buf jb;
  const char *cancel = NULL;
  crypto_generichash_state hs;
  unsigned char blk[65536];
  char me[256], own[ADDR_MAX + 1], hexh[2 * JOB_HANDLE + 1], dir[32], jobname[48];
  uid_t uid = getuid();
  int hfd, mfd, jfd, qfd;
  uint64_t size = 0;

  die_prog = "im2k-archive";
  signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && !strcmp(argv[1], "-c")) cancel = argv[2];
  else if (argc != 1) die(EXIT_PERM, "usage: im2k-archive (message on 0, envelope on 1) | im2k-archive -c HANDLE");
  umask(027);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (ctl_me(hfd, me) == -1) die_sys(EXIT_TEMP, "unable to read %s/control/me", home);
  pw = getpwuid(uid);
  if (!pw) die(EXIT_TEMP, "unable to find the account of uid %lu", (unsigned long)uid);
  if (snprintf(own, sizeof own, "%s@%s", pw->pw_name, me) >= (int)sizeof own ||
      !addr_check(own, strlen(own)))
    die(EXIT_PERM, "account name %s does not make an address", pw->pw_name);
  addr_lower(own);

  snprintf(dir, sizeof dir, "archive/%lu", (unsigned long)uid);
  afd = openat(hfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (afd == -1) {
    if (errno == ENOENT)
      die(EXIT_TEMP, "no archive for %s: the administrator creates it with im2k-mkarchive %s",
          pw->pw_name, pw->pw_name);
    die_sys(EXIT_TEMP, "unable to open %s/%s", home, dir);
  }
  if (fstat(afd, &st) == -1) die_sys(EXIT_TEMP, "unable to stat %s/%s", home, dir);
  if (st.st_uid != uid) die(EXIT_TEMP, "%s/%s does not belong to %s", home, dir, pw->pw_name);
  if (cancel) return withdraw(hfd, cancel, uid);
  ixfd = openat(afd, "index", O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (ixfd == -1 && errno != ENOENT) die_sys(EXIT_TEMP, "unable to open %s/%s/index", home, dir);
  if (ixfd != -1 && (fstat(ixfd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != uid))
    die(EXIT_TEMP, "%s/%s/index is not a file of %s", home, dir, pw->pw_name);

  job_init(&j);
  j.uid = (uint32_t)uid;
  j.handle[0] = (unsigned char)(uid >> 24);
  j.handle[1] = (unsigned char)(uid >> 16);
  j.handle[2] = (unsigned char)(uid >> 8);
  j.handle[3] = (unsigned char)uid;
  randombytes_buf(j.handle + 4, JOB_HANDLE - 4);
  randombytes_buf(j.status, JOB_STATUS);
  hex_encode(hexh, j.handle, JOB_HANDLE);
  snprintf(tmpname, sizeof tmpname, ".tmp.%s", hexh);

  /* the message, into the user's archive (owned by the user: the user's
   * quota), hashed as it is written */
  mfd = file_create(afd, tmpname, 0640);
  if (mfd == -1) { tmpname[0] = 0; fail(EXIT_TEMP, "unable to create a file in the archive"); }
  if (crypto_generichash_init(&hs, NULL, 0, JOB_HASH) != 0) fail(EXIT_TEMP, "hash");
  for (;;) {
    ssize_t r = readfull(0, blk, sizeof blk);
    if (r == -1) fail(EXIT_TEMP, "unable to read the message");
    if (r == 0) break;
    size += (uint64_t)r;
    if (size > MESSAGE_MAX) { cleanup(); die(EXIT_PERM, "message too large"); }
    if (crypto_generichash_update(&hs, blk, (size_t)r) != 0) fail(EXIT_TEMP, "hash");
    if (file_write_all(mfd, blk, (size_t)r) == -1) fail(EXIT_TEMP, "unable to write the message");
  }
  if (crypto_generichash_final(&hs, j.hash, JOB_HASH) != 0) fail(EXIT_TEMP, "hash");
  j.size = size;
  j.time = (int64_t)time(NULL);
  snprintf(j.sender, sizeof j.sender, "%s", own);
  envelope(&j, own);
  if (fchmod(mfd, 0640) == -1) fail(EXIT_TEMP, "unable to chmod the message");
  if (j.nrcpt == 0) return list_post(mfd, hexh, &j);

  buf_init(&jb, JOB_FILE_MAX);
  if (job_encode(&j, &jb) == -1) fail(EXIT_TEMP, "unable to build the job");
  /* the sender's own copy of the job: what im2k-status reads */
  snprintf(jobname, sizeof jobname, "%s.job", hexh);
  snprintf(jobtmp, sizeof jobtmp, ".tmp.%s.job", hexh);
  jfd = file_create(afd, jobtmp, 0600);
  if (jfd == -1) { jobtmp[0] = 0; fail(EXIT_TEMP, "unable to write the job into the archive"); }
  if (file_write_all(jfd, jb.p, jb.len) == -1 || fchmod(jfd, 0600) == -1)
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
  if (renameat(afd, jobtmp, afd, jobname) == -1) fail(EXIT_TEMP, "unable to write the job into the archive");
  jobtmp[0] = 0;
  if (renameat(afd, tmpname, afd, hexh) == -1) {
    int e = errno;
    unlinkat(afd, jobname, 0);
    errno = e;
    fail(EXIT_TEMP, "unable to store the message");
  }
  tmpname[0] = 0;
  if (file_sync_dir(afd, ".") == -1) {
    /* the names may not survive a crash: not accepted, so take both
     * back rather than leave a message nobody will send */
    int e = errno;
    unlinkat(afd, hexh, 0);
    unlinkat(afd, jobname, 0);
    errno = e;
    fail(EXIT_TEMP, "unable to sync the archive");
  }
  /* a list: indexed before the job is queued, taken back with the rest
   * if queueing fails */
  if (ixfd != -1 && index_append(&j) == -1) {
    int e = errno;
    unlinkat(afd, hexh, 0);
    unlinkat(afd, jobname, 0);
    errno = e;
    fail(EXIT_TEMP, "unable to index the message");
  }

  qfd = openat(hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || mdq_put(qfd, hexh, jb.p, jb.len, 0640, 0) == -1) {
    int e = errno;
    /* not accepted: take the message back out so nothing half-queued stays */
    unlinkat(afd, hexh, 0);
    unlinkat(afd, jobname, 0);
    errno = e;
    tmpname[0] = 0;
    fail(EXIT_TEMP, "unable to queue the job");
  }
  trigger(hfd);
  buf_free(&jb);
  job_free(&j);
  return 0;
}
