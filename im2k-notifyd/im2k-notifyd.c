/* im2k-notifyd: the sender ISP's notifier.  Takes the jobs im2k-archive
 * queues, sends each recipient's ISP a notification (NOTIFY), resends it
 * until the recipient's confirmation shows up in queue/confirm (written
 * by im2k-fetchd), gives up after the lifetime, and keeps each message's
 * per-recipient status in queue/status for im2k-status.
 * Schedule: an unanswered notification is resent after 1 s, then 2, 4,
 * ... up to 1 h between tries; one the inbox acknowledged is sent again
 * (in case the inbox restarted and forgot it) after control/renotify
 * seconds (default 1800), doubling each time up to 24 h; after
 * control/lifetime seconds (default 604800: 7 days) from injection the
 * recipient is marked gaveup.
 * Recipients wait in a heap ordered by their next sending time, and
 * confirmations find theirs through a hash table, so the work per event
 * does not grow with the number of pending recipients.
 * Records in queue/confirm/new: HANDLEHEX.RCPTHASH (confirmed),
 * HANDLEHEX.RCPTHASH.f (fetched: a download began), and from im2k-archive
 * in queue/job/new: HANDLEHEX.cancel (the sender withdrew the message).
 * SECURITY: starts as root only to read keys/secret and keys/token, then
 * runs as im2kn (group im2kq).  Queue files are checked like any input: a
 * job must belong to the uid it names. */
#include "die.h"
#include "stamp.h"
#include "discover.h"
#include "file.h"
#include "hex.h"
#include "home.h"
#include "htab.h"
#include "grow.h"
#include "backoff.h"
#include "prioq.h"
#include "job.h"
#include "keys.h"
#include "smtpc.h"
#include "ctl.h"
#include "msg.h"
#include "priv.h"
#include "servers.h"
#include "status.h"
#include "token.h"
#include "udp.h"
#include "users.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 65536     /* requests awaiting an answer, by request id */
#define BURST 512       /* sendings per turn of the loop, between reads */
#define RTO_FIRST 1000
#define RTO_MAX (3600 * 1000)
#define RENOTIFY_MAX ((int64_t)24 * 3600 * 1000)

struct jobrec;

struct rs {
  struct jobrec *job;
  struct status_rec st;
  unsigned char rh[16];   /* BLAKE2b-128 of the address: confirmation names */
  struct prioq_node q;    /* due: monotonic ms; -1: nothing to send */
  int64_t rto;            /* next wait if this send goes unanswered */
  int64_t renotify;       /* next wait after an acknowledgement */
  long slot;              /* its request awaiting an answer, or -1 */
  uint32_t id, hnext;     /* its id, and chain, in the (handle, rh) table */
  int relaying;           /* an im2k-remote runs for it */
  int dnsfail;            /* its last lookup failed (said in the log) */
  uint64_t stamp;         /* postage for this recipient (see stamp.h) */
  unsigned stampbits;     /* its worth; 0: none */
  unsigned stampwant;     /* the worth asked, while it is being found */
  struct rs *stampnext;   /* in the queue of stamps to find */
  int64_t smtpwait;       /* next wait after a temporary SMTP failure */
};

struct jobrec {
  struct job j;
  char name[2 * JOB_HANDLE + 1];
  char sname[2 * JOB_STATUS + 1];
  struct rs *r;
  size_t nfinal;
  int dirty;
  int64_t flushed;
  int touched;            /* changed by the confirmation batch at hand */
  size_t nrelaying;       /* recipients with an im2k-remote running */
  size_t nstamping;       /* recipients in the stamp queue */
  struct jobrec *next;
};

/* an im2k-remote at work for one recipient: its result line comes on fd */
struct remote {
  pid_t pid;
  int fd;
  struct rs *r;
  char buf[512];
  size_t len;
};

/* a request awaiting its answer, at the slot its request id names; a
 * later request that lands on the same slot takes it (the earlier one is
 * then as good as lost: it is sent again on schedule) */
struct inflight {
  unsigned char reqid[PACKET_REQID];
  struct rs *rs;
};

/* a peer: an address we notify, with its precomputed key */
struct peer {
  struct sockaddr_in sa;
  unsigned char k[PACKET_KEY];
};

static char home[HOME_MAX];
static int hfd, qfd, sfd, cfd, ufd, tfd;
static unsigned char pk[PACKET_KEY], tokenkey[TOKEN_KEY];
static struct keycache *kc;
static struct jobrec *jobs;
static struct inflight *fl;
static struct peer *peers;
static size_t npeers, peerscap;
static uint64_t renotify_s = 1800, lifetime_s = 604800;
static uint64_t remote_max = 20, smtpretry_s = 60, postage_max = 24;
/* the stamps to find, one at a time, a slice of STAMP_SLICE tries per
 * turn of the loop so that notifications go on meanwhile */
#define STAMP_SLICE 4096
static struct rs *stampq, **stampq_tail = &stampq;
static struct stamp_work stampw;
static int stampw_started;
static struct remote *remotes;
static size_t nremotes;
static struct discover *disc;
static char bindir[HOME_MAX];
static unsigned long sent_total, acked_total;

/* the recipients by due time */
static struct prioq heap;

/* sched: send to r at due (monotonic ms); -1 takes it off the heap */
static void sched(struct rs *r, int64_t due)
{
  if (prioq_set(&heap, &r->q, due) == -1) die_nomem();
}

/* the recipients by id, for the table from (handle, address hash) to
 * recipient: the table holds ids, the links live in the recipients.
 * freeids has room for every id byid has, so that giving one back never
 * needs memory. */
static struct rs **byid;
static uint32_t *freeids;
static size_t nbyid, byidcap, nfree, freecap;
static struct htab tab;

static uint64_t rshash(const unsigned char *handle, const unsigned char *rh)
{
  uint64_t a, b;
  memcpy(&a, rh, 8);
  memcpy(&b, handle + 8, 8);
  return a ^ (b * 0x9E3779B97F4A7C15ull);
}

static uint32_t *tlink(void *ctx, uint32_t id)
{
  (void)ctx;
  return &byid[id]->hnext;
}

static uint64_t thash(void *ctx, uint32_t id)
{
  (void)ctx;
  return rshash(byid[id]->job->j.handle, byid[id]->rh);
}

/* tadd: r gets an id and goes into the table */
static void tadd(struct rs *r)
{
  if (nfree) r->id = freeids[--nfree];
  else {
    if (nbyid == HTAB_NONE || grow_array(&byid, &byidcap, nbyid + 1, sizeof *byid, 1024) == -1 ||
        grow_array(&freeids, &freecap, byidcap, sizeof *freeids, 1024) == -1)
      die_nomem();
    r->id = (uint32_t)nbyid++;
  }
  byid[r->id] = r;
  if (htab_insert(&tab, r->id, rshash(r->job->j.handle, r->rh)) == -1) die_nomem();
}

static void tdel(struct rs *r)
{
  if (htab_delete(&tab, r->id, rshash(r->job->j.handle, r->rh)) == -1) return;
  byid[r->id] = NULL;
  freeids[nfree++] = r->id;
}

static struct rs *tfind(const unsigned char *handle, const unsigned char *rh)
{
  uint32_t id;
  for (id = htab_first(&tab, rshash(handle, rh)); id != HTAB_NONE; id = byid[id]->hnext)
    if (!memcmp(byid[id]->rh, rh, 16) && !memcmp(byid[id]->job->j.handle, handle, JOB_HANDLE))
      return byid[id];
  return NULL;
}

static void flush(struct jobrec *jr)
{
  struct buf b;
  size_t i;
  struct status_rec *v;
  if (!jr->dirty) return;
  v = malloc(jr->j.nrcpt * sizeof *v);
  if (!v) { warn("out of memory writing status %s", jr->name); return; }
  for (i = 0; i < jr->j.nrcpt; i++) v[i] = jr->r[i].st;
  buf_init(&b, JOB_FILE_MAX);
  if (status_encode(v, jr->j.nrcpt, &b) == -1 ||
      file_put_atomic(sfd, jr->sname, b.p, b.len, 0644) == -1)
    warn_sys("unable to write status of %s", jr->name);
  else {
    jr->dirty = 0;
    jr->flushed = now_ms();
  }
  buf_free(&b);
  free(v);
}

static void finish(struct jobrec *jr)
{
  struct jobrec **p;
  char path[64];
  size_t i;
  if (jr->nrelaying || jr->nstamping) return; /* again when those are done */
  flush(jr);
  if (jr->dirty) return; /* keep it until its status is safe */
  snprintf(path, sizeof path, "cur/%s", jr->name);
  if (unlinkat(qfd, path, 0) == -1 && errno != ENOENT) {
    warn_sys("unable to remove job %s", jr->name);
    return;
  }
  info("done %s", jr->name);
  for (p = &jobs; *p; p = &(*p)->next)
    if (*p == jr) { *p = jr->next; break; }
  for (i = 0; i < jr->j.nrcpt; i++) {
    if (jr->r[i].slot >= 0) fl[jr->r[i].slot].rs = NULL;
    prioq_del(&heap, &jr->r[i].q);
    tdel(&jr->r[i]);
    free(jr->r[i].st.reply);
  }
  free(jr->r);
  job_free(&jr->j);
  free(jr);
}

static void rs_set(struct rs *r, int state)
{
  if (status_final(r->st.state) || r->st.state == state) return;
  r->st.state = state;
  r->job->dirty = 1;
  if (status_final(state)) {
    sched(r, -1);
    r->job->nfinal++;
  }
}

static void badjob(const char *dir, const char *name, const char *why)
{
  char from[300], to[300];
  snprintf(from, sizeof from, "%s/%s", dir, name);
  snprintf(to, sizeof to, "bad/%s", name);
  warn("job %s: %s: moved to queue/job/bad", name, why);
  if (renameat(qfd, from, qfd, to) == -1) warn_sys("unable to move job %s aside", name);
}

static struct jobrec *findjob(const unsigned char *handle)
{
  struct jobrec *jr;
  for (jr = jobs; jr; jr = jr->next)
    if (!memcmp(jr->j.handle, handle, JOB_HANDLE)) return jr;
  return NULL;
}

/* readjob: the job in dir/name, checked; NULL when it is not there to
 * be loaded (said in the log, and a bad one moved aside) */
static struct jobrec *readjob(const char *dir, const char *name)
{
  char path[300];
  unsigned char *p;
  size_t n;
  struct stat st;
  struct jobrec *jr;
  int fd;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  fd = openat(qfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) { warn_sys("unable to open job %s", name); return NULL; }
  if (fstat(fd, &st) == -1 || file_read_fd(fd, JOB_FILE_MAX, &p, &n) == -1) {
    warn_sys("unable to read job %s", name);
    close(fd);
    return NULL;
  }
  close(fd);
  jr = calloc(1, sizeof *jr);
  if (!jr) { free(p); warn("out of memory loading %s", name); return NULL; }
  if (job_parse(&jr->j, p, n) == -1) {
    free(p);
    free(jr);
    badjob(dir, name, "damaged");
    return NULL;
  }
  free(p);
  hex_encode(jr->name, jr->j.handle, JOB_HANDLE);
  if (strcmp(jr->name, name) || get_u32(jr->j.handle) != jr->j.uid ||
      (st.st_uid != jr->j.uid && st.st_uid != getuid()) || findjob(jr->j.handle)) {
    job_free(&jr->j);
    free(jr);
    badjob(dir, name, "does not belong to the uid it names, or repeats a job");
    return NULL;
  }
  return jr;
}

/* rs_load: recipient i of jr, with its saved record from sv if there is
 * one (taken: its reply is r's now), in the table and due now unless
 * final */
static void rs_load(struct jobrec *jr, size_t i, struct status_rec *sv, size_t ns, size_t *k, int64_t now)
{
  struct rs *r = &jr->r[i];
  r->job = jr;
  prioq_node_init(&r->q);
  r->slot = -1;
  r->st.state = STATUS_QUEUED;
  snprintf(r->st.rcpt, sizeof r->st.rcpt, "%s", jr->j.rcpt[i]);
  /* saved records are in job order: look there first */
  if (*k < ns && !strcmp(sv[*k].rcpt, r->st.rcpt)) {
    r->st = sv[*k];
    sv[(*k)++].reply = NULL;
  } else {
    size_t x;
    for (x = 0; x < ns; x++)
      if (!strcmp(sv[x].rcpt, r->st.rcpt)) {
        r->st = sv[x];
        sv[x].reply = NULL;
        break;
      }
  }
  if (crypto_generichash(r->rh, sizeof r->rh, (const unsigned char *)r->st.rcpt,
                         strlen(r->st.rcpt), NULL, 0) != 0)
    die(EXIT_TEMP, "hash failed");
  r->rto = RTO_FIRST;
  r->renotify = (int64_t)renotify_s * 1000;
  r->smtpwait = (int64_t)smtpretry_s * 1000;
  tadd(r);
  if (status_final(r->st.state)) jr->nfinal++;
  else sched(r, now);
}

/* load: a job from dir/name into memory, with its saved status */
static void load(const char *dir, const char *name)
{
  unsigned char *p;
  size_t n, i, k;
  struct jobrec *jr;
  struct status_rec *sv = NULL;
  size_t ns = 0;
  int64_t now = now_ms();
  if (strlen(name) != 2 * JOB_HANDLE) return; /* not a job name */
  if (!(jr = readjob(dir, name))) return;
  hex_encode(jr->sname, jr->j.status, JOB_STATUS);
  jr->r = calloc(jr->j.nrcpt, sizeof *jr->r);
  if (!jr->r) { job_free(&jr->j); free(jr); warn("out of memory loading %s", name); return; }
  if (file_read(sfd, jr->sname, JOB_FILE_MAX, &p, &n) == 0) {
    if (status_parse(p, n, &sv, &ns) == -1) { sv = NULL; ns = 0; }
    free(p);
  }
  jr->next = jobs;
  jobs = jr;
  for (i = 0, k = 0; i < jr->j.nrcpt; i++) rs_load(jr, i, sv, ns, &k, now);
  status_free(sv, ns);
  /* the status is written a second from now, by then with the first
   * answers in it, not now as well: until it exists im2k-status shows
   * each recipient queued, which is the truth, and the job in cur/ is
   * what a restart reads.  A job already final is finished (and its
   * status written) at once. */
  jr->dirty = 1;
  jr->flushed = now;
  if (jr->nfinal == jr->j.nrcpt) finish(jr);
}

/* cancel: the sender withdrew the message (im2k-archive removed it from
 * the archive first, so nothing more can be fetched) */
static void cancel(const char *dir, const char *name)
{
  unsigned char h[JOB_HANDLE];
  char path[300];
  struct jobrec *jr;
  size_t i;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (hex_decode(h, JOB_HANDLE, name, 2 * JOB_HANDLE) == 0 && !findjob(h)) {
    char job[300];
    struct stat st;
    /* its job is on disk but not loaded (a passing failure): keep the
     * withdrawal for the scan that loads it */
    snprintf(job, sizeof job, "cur/%.*s", 2 * JOB_HANDLE, name);
    if (fstatat(qfd, job, &st, AT_SYMLINK_NOFOLLOW) == 0) return;
    snprintf(job, sizeof job, "new/%.*s", 2 * JOB_HANDLE, name);
    if (fstatat(qfd, job, &st, AT_SYMLINK_NOFOLLOW) == 0) return;
  }
  if (hex_decode(h, JOB_HANDLE, name, 2 * JOB_HANDLE) == 0 && (jr = findjob(h))) {
    for (i = 0; i < jr->j.nrcpt; i++)
      if (!status_final(jr->r[i].st.state)) rs_set(&jr->r[i], STATUS_CANCELED);
    info("canceled %s", jr->name);
    flush(jr);
    if (jr->dirty) return; /* try again with the next scan */
    if (jr->nfinal == jr->j.nrcpt) finish(jr);
  }
  if (unlinkat(qfd, path, 0) == -1) warn_sys("unable to remove queue/job/%s", path);
}

static void scan(const char *dir)
{
  DIR *d;
  struct dirent *de;
  int fd = openat(qfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1 || !(d = fdopendir(fd))) {
    warn_sys("unable to read queue/job/%s", dir);
    if (fd != -1) close(fd);
    return;
  }
  while ((de = readdir(d))) {
    char from[300], to[300];
    size_t n = strlen(de->d_name);
    if (de->d_name[0] == '.') continue;
    if (n == 2 * JOB_HANDLE + 7 && !strcmp(de->d_name + 2 * JOB_HANDLE, ".cancel"))
      continue; /* after the jobs, below, so that its job is loaded */
    if (!strcmp(dir, "new")) {
      /* take it: from now on it is ours, in cur/ */
      snprintf(from, sizeof from, "new/%s", de->d_name);
      snprintf(to, sizeof to, "cur/%s", de->d_name);
      if (n != 2 * JOB_HANDLE) { badjob("new", de->d_name, "not a job name"); continue; }
      /* never over a job already taken: a repeated handle goes aside
       * (notifyd alone writes cur/, so looking first is enough; a link
       * would not do: the job file belongs to its sender) */
      {
        struct stat st;
        if (fstatat(qfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          badjob("new", de->d_name, "repeats a job in queue/job/cur");
          continue;
        }
      }
      if (renameat(qfd, from, qfd, to) == -1) { warn_sys("unable to take job %s", de->d_name); continue; }
      load("cur", de->d_name);
    } else
      load(dir, de->d_name);
  }
  rewinddir(d);
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n == 2 * JOB_HANDLE + 7 && !strcmp(de->d_name + 2 * JOB_HANDLE, ".cancel"))
      cancel(dir, de->d_name);
  }
  closedir(d);
}

/* confirm: the record name in queue/confirm/new applied to its
 * recipient, whose job is marked touched */
static void confirm(const char *name)
{
  unsigned char h[JOB_HANDLE], rh[16];
  size_t n = strlen(name);
  int fetched = n == 2 * JOB_HANDLE + 1 + 32 + 2 && !strcmp(name + n - 2, ".f");
  struct rs *r;
  if ((n != 2 * JOB_HANDLE + 1 + 32 && !fetched) || name[2 * JOB_HANDLE] != '.' ||
      hex_decode(h, JOB_HANDLE, name, 2 * JOB_HANDLE) == -1 ||
      hex_decode(rh, 16, name + 2 * JOB_HANDLE + 1, 32) == -1) {
    warn("removing queue/confirm/new/%s: not a confirmation", name);
  } else if (!(r = tfind(h, rh))) {
    if (!fetched) info("confirmation %s for no pending recipient", name);
  } else if (fetched) {
    r->job->touched = 1;
    if (r->st.state == STATUS_QUEUED || r->st.state == STATUS_NOTIFIED) {
      r->st.state = STATUS_FETCHED;
      r->job->dirty = 1;
    }
  } else if (r->job->touched = 1, r->st.state != STATUS_CONFIRMED) {
    /* the receiver has it: that is the truth, even after gaveup */
    if (status_final(r->st.state)) {
      r->st.state = STATUS_CONFIRMED;
      r->job->dirty = 1;
    } else
      rs_set(r, STATUS_CONFIRMED);
    info("confirmed %s %s", r->job->name, r->st.rcpt);
  }
}

/* touched_flushed: the statuses of the touched jobs written; 0 when all
 * of them are on disk, -1 if one is not.  No job stays touched. */
static int touched_flushed(void)
{
  struct jobrec *jr;
  int ok = 0;
  for (jr = jobs; jr; jr = jr->next)
    if (jr->touched) flush(jr);
  for (jr = jobs; jr; jr = jr->next) {
    if (jr->touched && jr->dirty) ok = -1;
    jr->touched = 0;
  }
  return ok;
}

/* confirmations: every record in queue/confirm/new is applied, the
 * statuses they change are written, and only then are they removed */
static void confirmations(void)
{
  DIR *d;
  struct dirent *de;
  char **done = NULL;
  size_t nd = 0, cap = 0, i;
  struct jobrec *jr, *next;
  int fd = openat(cfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1 || !(d = fdopendir(fd))) {
    warn_sys("unable to read queue/confirm/new");
    if (fd != -1) close(fd);
    return;
  }
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    if (grow_array(&done, &cap, nd + 1, sizeof *done, 64) == -1)
      break; /* the rest waits for the next scan */
    confirm(de->d_name);
    if (!(done[nd] = strdup(de->d_name))) break;
    nd++;
  }
  closedir(d);
  if (touched_flushed() == -1) {
    /* a status could not be written: keep every record for next time */
    for (i = 0; i < nd; i++) free(done[i]);
    free(done);
    return;
  }
  for (i = 0; i < nd; i++) {
    char path[300];
    snprintf(path, sizeof path, "new/%s", done[i]);
    if (unlinkat(cfd, path, 0) == -1) warn_sys("unable to remove queue/confirm/%s", path);
    free(done[i]);
  }
  free(done);
  for (jr = jobs; jr; jr = next) {
    next = jr->next;
    if (jr->nfinal == jr->j.nrcpt) finish(jr);
  }
}

/* peer: the key for this address and server key, kept for answers */
static struct peer *peer(const struct sockaddr_in *sa, const unsigned char spk[PACKET_KEY])
{
  size_t i;
  unsigned char k[PACKET_KEY];
  if (keycache_get(kc, spk, k) == -1) return NULL;
  for (i = 0; i < npeers; i++)
    if (peers[i].sa.sin_addr.s_addr == sa->sin_addr.s_addr && peers[i].sa.sin_port == sa->sin_port &&
        !sodium_memcmp(peers[i].k, k, PACKET_KEY))
      return &peers[i];
  if (grow_array(&peers, &peerscap, npeers + 1, sizeof *peers, 64) == -1) return NULL;
  peers[npeers].sa = *sa;
  memcpy(peers[npeers].k, k, PACKET_KEY);
  sodium_memzero(k, sizeof k);
  return &peers[npeers++];
}

/* remote_spawn: im2k-remote for r, reading the message on mfd and
 * writing its result line to out; its pid, or -1 */
static pid_t remote_spawn(struct rs *r, int mfd, int out)
{
  char prog[HOME_MAX + 32], *av[5];
  pid_t pid;
  snprintf(prog, sizeof prog, "%s/im2k-remote", bindir);
  pid = fork();
  if (pid != 0) return pid;
  av[0] = prog;
  av[1] = (char *)addr_domain(r->st.rcpt);
  av[2] = r->job->j.sender;
  av[3] = r->st.rcpt;
  av[4] = NULL;
  if (dup2(mfd, 0) == -1 || dup2(out, 1) == -1 || setenv("IM2K_HOME", home, 1) == -1)
    _exit(EXIT_TEMP);
  execv(prog, av);
  warn_sys("unable to run %s", prog);
  _exit(EXIT_TEMP);
}

/* relay: the recipient's domain has no im2k server: im2k-remote takes the
 * archived message to it over SMTP.  At most control/concurrencyremote
 * run at once; the others wait their turn a second at a time. */
static void relay(struct rs *r, int64_t now)
{
  char path[64], hx[2 * JOB_HANDLE + 1];
  struct stat st;
  struct remote *x;
  int p[2] = {-1, -1}, mfd;   /* -1: closing after a failed pipe() closes nothing */
  pid_t pid;
  if (nremotes == remote_max) { sched(r, now + 1000); return; }
  hex_encode(hx, r->job->j.handle, JOB_HANDLE);
  snprintf(path, sizeof path, "archive/%lu/%s", (unsigned long)r->job->j.uid, hx);
  mfd = openat(hfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (mfd == -1 || fstat(mfd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != r->job->j.uid) {
    /* withdrawn (its cancel record is on the way) or unreadable */
    warn_sys("unable to open %s to relay it to %s", path, r->st.rcpt);
    if (mfd != -1) close(mfd);
    sched(r, now + r->smtpwait);
    return;
  }
  if (pipe(p) == -1 || fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
      fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1 || fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
    warn_sys("unable to make a pipe for im2k-remote");
    close(mfd);
    close(p[0]);
    close(p[1]);
    sched(r, now + 1000);
    return;
  }
  pid = remote_spawn(r, mfd, p[1]);
  if (pid == -1) {
    warn_sys("unable to fork for im2k-remote");
    close(mfd);
    close(p[0]);
    close(p[1]);
    sched(r, now + 1000);
    return;
  }
  close(mfd);
  close(p[1]);
  x = &remotes[nremotes++];
  x->pid = pid;
  x->fd = p[0];
  x->r = r;
  x->len = 0;
  r->relaying = 1;
  r->job->nrelaying++;
  sched(r, -1);
  r->st.tries++;
  r->st.last = (int64_t)time(NULL);
  r->job->dirty = 1;
}

/* remote_done: im2k-remote x has finished: its one line is the result
 * (K accepted, D refused for good, Z try again); no line is Z too */
static void remote_done(struct remote *x)
{
  struct rs *r = x->r;
  struct jobrec *jr = r->job;
  char *nl;
  int wst = 0;
  close(x->fd);
  while (waitpid(x->pid, &wst, 0) == -1 && errno == EINTR) {}
  x->buf[x->len] = 0;
  if ((nl = memchr(x->buf, '\n', x->len))) *nl = 0;
  r->relaying = 0;
  jr->nrelaying--;
  jr->dirty = 1;
  if (!nl || (x->buf[0] != 'K' && x->buf[0] != 'D' && x->buf[0] != 'Z')) {
    char why[80];
    if (WIFEXITED(wst)) snprintf(why, sizeof why, "im2k-remote gave no result (exit %d)", WEXITSTATUS(wst));
    else snprintf(why, sizeof why, "im2k-remote gave no result (signal %d)", WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
    snprintf(x->buf, sizeof x->buf, "Z%s", why);
  }
  if (status_reply(&r->st, x->buf + 1) == -1) warn("out of memory keeping the reply for %s", r->st.rcpt);
  if (x->buf[0] == 'K') {
    info("relayed %s %s: %s", jr->name, r->st.rcpt, x->buf + 1);
    rs_set(r, STATUS_RELAYED);
  } else if (x->buf[0] == 'D') {
    info("refused %s %s: %s", jr->name, r->st.rcpt, x->buf + 1);
    rs_set(r, STATUS_FAILED);
  } else {
    info("deferred %s %s: %s", jr->name, r->st.rcpt, x->buf + 1);
    if (!status_final(r->st.state)) {
      sched(r, now_ms() + r->smtpwait);
      r->smtpwait = backoff_next(r->smtpwait, RTO_MAX);
    }
  }
  *x = remotes[--nremotes];
  if (jr->nfinal == jr->j.nrcpt) finish(jr);
}

static void remote_input(struct remote *x)
{
  char junk[512];
  ssize_t n;
  for (;;) {
    if (x->len < sizeof x->buf - 1) n = read(x->fd, x->buf + x->len, sizeof x->buf - 1 - x->len);
    else n = read(x->fd, junk, sizeof junk); /* more than a line: the rest is not ours */
    if (n > 0) {
      if (x->len < sizeof x->buf - 1) x->len += (size_t)n;
      continue;
    }
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
    remote_done(x);
    return;
  }
}

/* stamp_queue: find a stamp worth bits for r before its next sending */
static void stamp_queue(struct rs *r, unsigned bits)
{
  sched(r, -1);
  if (r->stampwant) { if (bits > r->stampwant) r->stampwant = bits; return; } /* queued */
  r->stampwant = bits;
  r->stampnext = NULL;
  *stampq_tail = r;
  stampq_tail = &r->stampnext;
  r->job->nstamping++;
}

/* stamp_work: a slice of the search for the first stamp in the queue */
static void stamp_work(void)
{
  struct rs *r = stampq;
  struct jobrec *jr;
  uint64_t stamp;
  if (!r) return;
  if (!status_final(r->st.state)) {
    if (!stampw_started) {
      stamp_begin(&stampw, r->job->j.sender, r->st.rcpt, r->job->j.handle, r->stampwant);
      stampw_started = 1;
    }
    if (!stamp_step(&stampw, STAMP_SLICE, &stamp)) return;
    r->stamp = stamp;
    r->stampbits = r->stampwant;
    info("stamped %s %s: postage of %u bits after %llu tries", r->job->name, r->st.rcpt,
         r->stampbits, (unsigned long long)stampw.next);
    sched(r, now_ms());
  }
  stampw_started = 0;
  stampq = r->stampnext;
  if (!stampq) stampq_tail = &stampq;
  r->stampwant = 0;
  jr = r->job;
  jr->nstamping--;
  if (jr->nfinal == jr->j.nrcpt) finish(jr);
}

/* routed: 1 if control/smtproutes names domain (a line for it or for a
 * .SUFFIX above it; the smarthost line, for every domain, does not
 * count): such a domain goes over SMTP without a DNS lookup, unless
 * control/servers lists it.  The file is kept (see kept.h). */
static int routed(const char *domain, int64_t now)
{
  static struct kept_text routes = KEPT_TEXT("control/smtproutes", 1 << 20);
  if (kept_text(&routes, hfd, now) == -1) warn_sys("unable to read control/smtproutes");
  return routes.p && smtpc_routed(routes.p, routes.n, domain);
}

/* lookup_failed: r's domain could not be looked up now (errno says why) */
static void lookup_failed(struct rs *r, const char *dom, int64_t now)
{
  if (errno == ENOENT) { /* no table: nothing can be checked */
    warn_sys("unable to open control/servers.cdb");
    sched(r, now + 10000);
    return;
  }
  if (errno != EAGAIN) {
    warn_sys("unable to read the entry of %s in control/servers.cdb", dom);
    sched(r, now + r->rto);
    r->rto = backoff_next(r->rto, RTO_MAX);
    return;
  }
  /* DNS failed: asked again when the failure leaves the cache; said
   * once per recipient until it is found */
  if (!r->dnsfail)
    warn("unable to find the server of %s: DNS did not answer; will try again", r->st.rcpt);
  r->dnsfail = 1;
  sched(r, now + (int64_t)DISCOVER_FAIL_TTL * 1000);
}

/* route: 1 and a, the im2k server of r's domain; 0 when r goes over SMTP
 * instead, or waits (relayed or rescheduled here) */
static int route(struct rs *r, struct discover_answer *a, int64_t now)
{
  const char *dom = addr_domain(r->st.rcpt);
  if (routed(dom, now)) {
    int listed = discover_listed(disc, dom, now);
    if (listed == -1) {
      warn_sys("unable to open control/servers.cdb");
      sched(r, now + 10000);
      return 0;
    }
    if (!listed) { relay(r, now); return 0; } /* the operator says: over SMTP */
  }
  switch (discover_server(disc, dom, a, now)) {
  case DISCOVER_FOUND: break;
  case DISCOVER_WAIT: sched(r, now + 100); return 0; /* asking DNS */
  case DISCOVER_SMTP: r->dnsfail = 0; relay(r, now); return 0;
  case DISCOVER_FAILED: lookup_failed(r, dom, now); return 0;
  }
  r->dnsfail = 0;
  return 1;
}

/* seal: r's NOTIFY request for the peer whose key is k, in pkt; its
 * length and request id, or -1 when it cannot be made */
static int seal(const struct rs *r, const unsigned char k[PACKET_KEY], unsigned char pkt[PACKET_MAX],
                unsigned char reqid[PACKET_REQID])
{
  struct msg_note n;
  unsigned char body[PACKET_MAX];
  struct wr w;
  snprintf(n.sender, sizeof n.sender, "%s", r->job->j.sender);
  snprintf(n.rcpt, sizeof n.rcpt, "%s", r->st.rcpt);
  memcpy(n.handle, r->job->j.handle, MSG_HANDLE);
  n.size = r->job->j.size;
  memcpy(n.hash, r->job->j.hash, MSG_HASH);
  token_make(n.token, tokenkey, n.handle, n.rcpt);
  wr_init(&w, body, PACKET_QBODY_MAX);
  msg_put_note(&w, &n);
  if (r->stampbits) msg_put_stamp(&w, r->stamp);
  if (w.err) return -1;
  return packet_seal_request(pkt, KIND_NOTIFY, pk, k, body, w.pos, 0, reqid);
}

/* sent: r's request reqid awaits its answer; sent again after the
 * timeout unless an answer comes first */
static void sent(struct rs *r, const unsigned char reqid[PACKET_REQID], int64_t now)
{
  struct inflight *f = &fl[get_u16(reqid)];
  if (f->rs) f->rs->slot = -1;
  memcpy(f->reqid, reqid, PACKET_REQID);
  f->rs = r;
  r->slot = get_u16(reqid);
  sent_total++;
  r->st.tries++;
  r->st.last = (int64_t)time(NULL);
  r->job->dirty = 1;
  sched(r, now + r->rto);
  r->rto = backoff_next(r->rto, RTO_MAX);
}

/* notify: r's note, sealed for the server a names, sent to it */
static void notify(struct rs *r, const struct discover_answer *a, int64_t now)
{
  unsigned char pkt[PACKET_MAX], reqid[PACKET_REQID];
  struct sockaddr_in sa;
  struct peer *pe;
  int len;
  udp_addr(&sa, a->s.ip, a->s.inbox_port);
  pe = peer(&sa, a->s.pk);
  if (!pe) { sched(r, now + 1000); return; }
  len = seal(r, pe->k, pkt, reqid);
  if (len == -1) { rs_set(r, STATUS_FAILED); return; }
  if (sendto(ufd, pkt, (size_t)len, 0, (struct sockaddr *)&sa, sizeof sa) == -1 &&
      errno != EAGAIN && errno != ENOBUFS)
    warn_sys("unable to send to %s:%u", a->s.ip, a->s.inbox_port);
  sent(r, reqid, now);
}

static void send_note(struct rs *r, int64_t now)
{
  struct discover_answer a;
  if (r->slot >= 0) { fl[r->slot].rs = NULL; r->slot = -1; } /* a resend replaces it */
  if (!route(r, &a, now)) return;
  if (a.postage > r->stampbits && a.postage <= postage_max) {
    /* the receiver's record says what it asks of strangers: pay first */
    stamp_queue(r, a.postage);
    return;
  }
  notify(r, &a, now);
}

/* fail: r refused for good */
static void fail(struct rs *r)
{
  rs_set(r, STATUS_FAILED);
  if (r->job->nfinal == r->job->j.nrcpt) finish(r->job);
}

/* acked: the inbox has r's note; bits: what the recipient asks of
 * senders it does not know (0: nothing) */
static void acked(struct rs *r, unsigned bits, int64_t now)
{
  acked_total++;
  if (r->st.state == STATUS_QUEUED) rs_set(r, STATUS_NOTIFIED);
  r->rto = RTO_FIRST;
  sched(r, now + r->renotify);
  r->renotify = backoff_next(r->renotify, RENOTIFY_MAX);
  /* held, and the recipient asks unknown senders for postage: pay it (up
   * to control/postagemax) and notify again with the stamp, so that the
   * mail is not left among the unknown */
  if (bits > r->stampbits && bits <= postage_max) stamp_queue(r, bits);
}

/* postage: the inbox takes r's note only with a stamp worth bits */
static void postage(struct rs *r, unsigned bits, int64_t now)
{
  char why[160];
  if (bits <= r->stampbits) { /* a stamp it does not take: later, as TEMP */
    sched(r, now + r->rto);
    return;
  }
  if (bits <= postage_max) { stamp_queue(r, bits); return; }
  snprintf(why, sizeof why, "the receiver's ISP asks for postage of %u bits; control/postagemax pays at most %u",
           bits, (unsigned)postage_max);
  info("refused %s %s: %s", r->job->name, r->st.rcpt, why);
  (void)status_reply(&r->st, why);
  fail(r);
}

/* answer: a packet on the socket, taken if it answers a request awaited.
 * A damaged answer is as none: the request is sent again on schedule. */
static void answer(const unsigned char *p, size_t n, const struct sockaddr_in *from)
{
  unsigned char plain[PACKET_MAX], reqid[PACKET_REQID];
  const unsigned char *body = NULL;
  size_t bl = 0, i;
  struct rd r;
  struct msg_notify_ans a;
  struct inflight *f = NULL;
  struct rs *rs;
  int64_t now = now_ms();
  /* the answer opens under the key of a peer at its source address (two
   * domains may share an address with different keys) */
  for (i = 0; i < npeers && !f; i++) {
    if (peers[i].sa.sin_addr.s_addr != from->sin_addr.s_addr || peers[i].sa.sin_port != from->sin_port)
      continue;
    if (packet_open_response(p, n, KIND_NOTIFY, peers[i].k, plain, &body, &bl, reqid) == -1) continue;
    f = &fl[get_u16(reqid)];
    if (!f->rs || memcmp(f->reqid, reqid, PACKET_REQID)) return; /* no longer awaited */
  }
  if (!f) return;
  rd_init(&r, body, bl);
  if (msg_get_notify_ans(&r, &a) == -1) return;
  rs = f->rs;
  f->rs = NULL;
  rs->slot = -1;
  if (status_final(rs->st.state)) return;
  if (a.status == MSG_OK) acked(rs, a.bits, now);
  else if (a.status == MSG_TEMP) sched(rs, now + rs->rto);
  else if (a.status == MSG_POSTAGE) postage(rs, a.bits, now);
  else {
    info("refused %s %s (code %d)", rs->job->name, rs->st.rcpt, a.status);
    fail(rs);
  }
}

/* tick: send what is due, as far as the in-flight slots go */
static void tick(void)
{
  int64_t now = now_ms();
  time_t wall = time(NULL);
  struct jobrec *jr, *next;
  int burst = 0;
  struct prioq_node *q;
  while ((q = prioq_min(&heap)) && q->due <= now && burst++ < BURST) {
    struct rs *r = PRIOQ_OBJ(q, struct rs, q);
    struct jobrec *j = r->job;
    if (wall > j->j.time && (uint64_t)(wall - j->j.time) > lifetime_s) {
      rs_set(r, STATUS_GAVEUP);
      info("gave up %s %s", j->name, r->st.rcpt);
      if (j->nfinal == j->j.nrcpt) finish(j);
      continue;
    }
    send_note(r, now);
  }
  /* statuses: written at most once a second per job, more rarely for the
   * big ones (a line per recipient) */
  for (jr = jobs; jr; jr = next) {
    next = jr->next;
    if (jr->dirty && now - jr->flushed >= 1000 + (int64_t)(jr->j.nrcpt / 100))
      flush(jr);
  }
}

static void stats(void)
{
  static int64_t last;
  int64_t now = now_ms();
  if (now - last < 60000) return;
  last = now;
  if (prioq_count(&heap) || sent_total)
    info("pending %zu, sent %lu, acknowledged %lu", prioq_count(&heap), sent_total, acked_total);
}

static int64_t nextdue(void)
{
  int64_t cap = now_ms() + 1000;
  struct prioq_node *q = prioq_min(&heap);
  if (!q) return cap;
  return q->due < cap ? q->due : cap;
}

/* config: the home, this host, and the control files */
static void config(char me[256], struct server *self)
{
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(hfd, me, self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  if (ctl_uint(hfd, "control/renotify", 1800, 86400 * 30, &renotify_s) == -1 || renotify_s == 0)
    die(EXIT_PERM, "%s/control/renotify: want seconds from 1 to 2592000", home);
  if (ctl_uint(hfd, "control/lifetime", 604800, 86400 * 365, &lifetime_s) == -1)
    die(EXIT_PERM, "%s/control/lifetime: want seconds up to 31536000", home);
  if (ctl_uint(hfd, "control/concurrencyremote", 20, 1000, &remote_max) == -1 || remote_max == 0)
    die(EXIT_PERM, "%s/control/concurrencyremote: want a number from 1 to 1000", home);
  if (ctl_uint(hfd, "control/postagemax", 24, STAMP_MAX, &postage_max) == -1)
    die(EXIT_PERM, "%s/control/postagemax: want bits from 0 to %d", home, STAMP_MAX);
  if (ctl_uint(hfd, "control/smtpretry", 60, 3600, &smtpretry_s) == -1 || smtpretry_s == 0)
    die(EXIT_PERM, "%s/control/smtpretry: want seconds from 1 to 3600", home);
  remotes = calloc(remote_max, sizeof *remotes);
  fl = calloc(SLOTS, sizeof *fl);
  if (!remotes || !fl) die_nomem();
  if (home_bindir(bindir) == -1) die_sys(EXIT_TEMP, "unable to find my own directory");
  disc = discover_open(hfd, 4096);
  if (!disc)
    die_sys(EXIT_TEMP, "unable to set up DNS lookups (%s/control/dnsip: want IPV4 or IPV4:PORT lines)", home);
}

/* keys: ours, and the token key; the secret key is kept only inside the
 * key cache, which derives each peer's key from it */
static void keys(void)
{
  unsigned char sk[PACKET_KEY];
  if (keys_read(hfd, "keys/secret", sk, sizeof sk) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  if (keys_read_hex(hfd, "keys/public", pk) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/public", home);
  if (keys_read(hfd, "keys/token", tokenkey, TOKEN_KEY) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/keys/token", home);
  kc = keycache_new(sk, 1024, 100000);
  sodium_memzero(sk, sizeof sk);
  if (!kc) die_nomem();
}

/* sockets: the queue's directories, the trigger, and the UDP socket */
static void sockets(const char *ip)
{
  qfd = openat(hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sfd = openat(hfd, "queue/status", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cfd = openat(hfd, "queue/confirm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || sfd == -1 || cfd == -1) die_sys(EXIT_TEMP, "unable to open %s/queue", home);
  tfd = openat(hfd, "queue/trigger", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (tfd == -1) die_sys(EXIT_TEMP, "unable to open %s/queue/trigger", home);
  /* a writer of our own keeps the fifo from reporting hang-up forever */
  if (openat(hfd, "queue/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC) == -1)
    die_sys(EXIT_TEMP, "unable to open %s/queue/trigger", home);
  ufd = udp_bind(ip, 0);
  if (ufd == -1) die_sys(EXIT_TEMP, "unable to bind %s", ip);
}

/* drop: from root to im2kn, keeping the group of the archives' readers:
 * im2k-remote, run by us, reads the messages it relays over SMTP */
static void drop(void)
{
  struct group *g = getuid() == 0 ? getgrnam(auto_users[USER_ARCHIVE_GROUP]) : NULL;
  if (getuid() == 0 && !g)
    warn("no group %s: messages to SMTP domains cannot be read for relaying", auto_users[USER_ARCHIVE_GROUP]);
  if ((g ? priv_drop_extra(g->gr_gid) : priv_drop()) == -1)
    die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
}

/* rescan: new jobs and confirmations */
static void rescan(int64_t *last)
{
  scan("new");
  confirmations();
  *last = now_ms();
}

/* await: poll the socket, the trigger, DNS and the nr im2k-remotes, at
 * most until the next sending is due */
static void await(struct pollfd *pf, size_t nr)
{
  int64_t wait = nextdue() - now_ms(), dw = discover_tick(disc, now_ms());
  size_t i;
  if (dw < wait) wait = dw;
  if (wait < 0 || stampq) wait = 0;
  if (wait > 1000) wait = 1000;
  pf[0].fd = ufd;
  pf[0].events = POLLIN;
  pf[1].fd = tfd;
  pf[1].events = POLLIN;
  pf[2].fd = discover_fd(disc);
  pf[2].events = POLLIN;
  for (i = 0; i < nr; i++) {
    pf[3 + i].fd = remotes[i].fd;
    pf[3 + i].events = POLLIN;
  }
  for (i = 0; i < 3 + nr; i++) pf[i].revents = 0;
  if (poll(pf, (nfds_t)(3 + nr), (int)wait) == -1 && errno != EINTR) die_sys(EXIT_TEMP, "poll");
}

/* answers: every packet waiting on the socket */
static void answers(void)
{
  unsigned char in[PACKET_MAX + 1];
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  ssize_t n;
  while ((n = recvfrom(ufd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&from, &flen)) >= 0) {
    answer(in, (size_t)n, &from);
    flen = sizeof from;
  }
}

static void loop(void)
{
  int64_t lastscan = 0;
  struct pollfd *pf = calloc(3 + remote_max, sizeof *pf);
  if (!pf) die_nomem();
  for (;;) {
    size_t i, nr = nremotes;
    await(pf, nr);
    if (pf[2].revents & POLLIN) discover_input(disc, now_ms());
    /* from the last: remote_done moves the last entry into a gap */
    for (i = nr; i-- > 0;)
      if (pf[3 + i].revents) remote_input(&remotes[i]);
    if (pf[1].revents & POLLIN) {
      char junk[256];
      while (read(tfd, junk, sizeof junk) > 0) {}
      rescan(&lastscan);
    }
    if (pf[0].revents & POLLIN) answers();
    if (now_ms() - lastscan >= 1000) rescan(&lastscan); /* a missed trigger costs at most a second */
    stamp_work();
    tick();
    stats();
  }
}

int main(void)
{
  char me[256];
  struct server self;

  die_prog = "im2k-notifyd";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  config(me, &self);
  keys();
  sockets(self.ip);
  drop();
  if (mkdirat(qfd, "bad", 0700) == -1 && errno != EEXIST) warn_sys("unable to create queue/job/bad");
  info("notifying for %s from %s", me, self.ip);

  prioq_init(&heap);
  htab_init(&tab, 4096, 1, tlink, thash, NULL);
  scan("cur");
  scan("new");
  confirmations();
  loop();
}
