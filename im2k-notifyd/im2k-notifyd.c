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
 * SECURITY: starts as root only to read keys/secret and keys/token, then
 * runs as im2kn (group im2kq).  Queue files are checked like any input: a
 * job must belong to the uid it names. */
#include "die.h"
#include "file.h"
#include "hex.h"
#include "home.h"
#include "job.h"
#include "keys.h"
#include "ctl.h"
#include "msg.h"
#include "priv.h"
#include "servers.h"
#include "status.h"
#include "token.h"
#include "udp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INFLIGHT_MAX 256
#define RTO_FIRST 1000
#define RTO_MAX (3600 * 1000)
#define RENOTIFY_MAX ((int64_t)24 * 3600 * 1000)

struct jobrec;

struct rs {
  struct jobrec *job;
  struct status_rec st;
  unsigned char rh[16];   /* BLAKE2b-128 of the address: confirmation names */
  int64_t due;            /* monotonic ms; -1: nothing to send */
  int64_t rto;            /* next wait if this send goes unanswered */
  int64_t renotify;       /* next wait after an acknowledgement */
};

struct jobrec {
  struct job j;
  char name[2 * JOB_HANDLE + 1];
  char sname[2 * JOB_STATUS + 1];
  struct rs *r;
  size_t nfinal;
  int dirty;
  struct jobrec *next;
};

struct inflight {
  int used;
  unsigned char reqid[PACKET_REQID];
  unsigned char k[PACKET_KEY];
  struct sockaddr_in sa;
  struct rs *rs;
  int64_t sent;
};

static char home[HOME_MAX];
static int hfd, qfd, sfd, cfd, ufd, tfd;
static unsigned char pk[32], tokenkey[TOKEN_KEY];
static struct keycache *kc;
static struct jobrec *jobs;
static struct inflight fl[INFLIGHT_MAX];
static uint64_t renotify_s = 1800, lifetime_s = 604800;
static int64_t lastflush;

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
  else
    jr->dirty = 0;
  buf_free(&b);
  free(v);
}

static void finish(struct jobrec *jr)
{
  struct jobrec **p;
  char path[64];
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
  {
    size_t i;
    for (i = 0; i < INFLIGHT_MAX; i++)
      if (fl[i].used && fl[i].rs->job == jr) fl[i].used = 0;
  }
  free(jr->r);
  job_free(&jr->j);
  free(jr);
}

static void rs_set(struct rs *r, int state)
{
  if (status_final(r->st.state)) return;
  r->st.state = state;
  r->job->dirty = 1;
  if (status_final(state)) {
    r->due = -1;
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

/* load: a job from dir/name into memory, with its saved status */
static void load(const char *dir, const char *name)
{
  char path[64];
  unsigned char *p;
  size_t n, i, k;
  struct stat st;
  struct jobrec *jr;
  struct status_rec *sv = NULL;
  size_t ns = 0;
  int fd;
  int64_t now = now_ms();
  if (strlen(name) != 2 * JOB_HANDLE) return; /* not a job name */
  snprintf(path, sizeof path, "%s/%s", dir, name);
  fd = openat(qfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) { warn_sys("unable to open job %s", name); return; }
  if (fstat(fd, &st) == -1 || file_read_fd(fd, JOB_FILE_MAX, &p, &n) == -1) {
    warn_sys("unable to read job %s", name);
    close(fd);
    return;
  }
  close(fd);
  jr = calloc(1, sizeof *jr);
  if (!jr) { free(p); warn("out of memory loading %s", name); return; }
  if (job_parse(&jr->j, p, n) == -1) {
    free(p);
    free(jr);
    badjob(dir, name, "damaged");
    return;
  }
  free(p);
  hex_encode(jr->name, jr->j.handle, JOB_HANDLE);
  if (strcmp(jr->name, name) || get_u32(jr->j.handle) != jr->j.uid ||
      (st.st_uid != jr->j.uid && st.st_uid != getuid())) {
    job_free(&jr->j);
    free(jr);
    badjob(dir, name, "does not belong to the uid it names");
    return;
  }
  hex_encode(jr->sname, jr->j.status, JOB_STATUS);
  jr->r = calloc(jr->j.nrcpt, sizeof *jr->r);
  if (!jr->r) { job_free(&jr->j); free(jr); warn("out of memory loading %s", name); return; }
  if (file_read(sfd, jr->sname, JOB_FILE_MAX, &p, &n) == 0) {
    if (status_parse(p, n, &sv, &ns) == -1) { sv = NULL; ns = 0; }
    free(p);
  }
  for (i = 0; i < jr->j.nrcpt; i++) {
    struct rs *r = &jr->r[i];
    r->job = jr;
    r->st.state = STATUS_QUEUED;
    snprintf(r->st.rcpt, sizeof r->st.rcpt, "%s", jr->j.rcpt[i]);
    for (k = 0; k < ns; k++)
      if (!strcmp(sv[k].rcpt, r->st.rcpt)) { r->st = sv[k]; break; }
    if (crypto_generichash(r->rh, sizeof r->rh, (const unsigned char *)r->st.rcpt,
                           strlen(r->st.rcpt), NULL, 0) != 0)
      die(EXIT_TEMP, "hash failed");
    r->rto = RTO_FIRST;
    r->renotify = (int64_t)renotify_s * 1000;
    r->due = status_final(r->st.state) ? -1 : now;
    if (status_final(r->st.state)) jr->nfinal++;
  }
  free(sv);
  jr->dirty = 1;
  jr->next = jobs;
  jobs = jr;
  flush(jr);
  if (jr->nfinal == jr->j.nrcpt) finish(jr);
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
    if (de->d_name[0] == '.') continue;
    if (!strcmp(dir, "new")) {
      /* take it: from now on it is ours, in cur/ */
      snprintf(from, sizeof from, "new/%s", de->d_name);
      snprintf(to, sizeof to, "cur/%s", de->d_name);
      if (renameat(qfd, from, qfd, to) == -1) { warn_sys("unable to take job %s", de->d_name); continue; }
      load("cur", de->d_name);
    } else
      load(dir, de->d_name);
  }
  closedir(d);
}

/* confirmations: queue/confirm/new/HANDLEHEX.RCPTHASHHEX from fetchd */
static void confirmations(void)
{
  DIR *d;
  struct dirent *de;
  int fd = openat(cfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1 || !(d = fdopendir(fd))) {
    warn_sys("unable to read queue/confirm/new");
    if (fd != -1) close(fd);
    return;
  }
  while ((de = readdir(d))) {
    unsigned char h[JOB_HANDLE], rh[16];
    struct jobrec *jr;
    char path[300];
    size_t i;
    int known = 0;
    if (de->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "new/%s", de->d_name);
    if (strlen(de->d_name) != 2 * JOB_HANDLE + 1 + 32 || de->d_name[2 * JOB_HANDLE] != '.' ||
        hex_decode(h, JOB_HANDLE, de->d_name, 2 * JOB_HANDLE) == -1 ||
        hex_decode(rh, 16, de->d_name + 2 * JOB_HANDLE + 1, 32) == -1) {
      warn("removing queue/confirm/%s: not a confirmation", path);
      if (unlinkat(cfd, path, 0) == -1) warn_sys("unable to remove queue/confirm/%s", path);
      continue;
    }
    for (jr = jobs; jr; jr = jr->next)
      if (!memcmp(jr->j.handle, h, JOB_HANDLE)) break;
    if (jr)
      for (i = 0; i < jr->j.nrcpt; i++)
        if (!memcmp(jr->r[i].rh, rh, 16)) {
          known = 1;
          if (jr->r[i].st.state != STATUS_CONFIRMED) {
            /* the receiver has it: that is the truth, even after gaveup */
            if (status_final(jr->r[i].st.state)) {
              jr->r[i].st.state = STATUS_CONFIRMED;
              jr->dirty = 1;
            } else
              rs_set(&jr->r[i], STATUS_CONFIRMED);
            info("confirmed %s %s", jr->name, jr->r[i].st.rcpt);
          }
          flush(jr);
          if (jr->dirty) known = -1; /* keep the record until the status is safe */
          break;
        }
    if (known == -1) continue;
    if (!known) info("confirmation %s for no pending recipient", de->d_name);
    if (unlinkat(cfd, path, 0) == -1) warn_sys("unable to remove queue/confirm/%s", path);
    if (jr && known && jr->nfinal == jr->j.nrcpt) finish(jr);
  }
  closedir(d);
}

static struct inflight *slot(void)
{
  size_t i;
  for (i = 0; i < INFLIGHT_MAX; i++)
    if (!fl[i].used) return &fl[i];
  return NULL;
}

static void send_note(struct rs *r, int64_t now)
{
  struct msg_note n;
  struct server s;
  struct table t;
  struct inflight *f;
  unsigned char body[PACKET_MAX], pkt[PACKET_MAX];
  struct wr w;
  int found, len;
  size_t i;
  for (i = 0; i < INFLIGHT_MAX; i++) /* a resend replaces the unanswered one */
    if (fl[i].used && fl[i].rs == r) fl[i].used = 0;
  f = slot();
  if (!f) { r->due = now + 100; return; }
  if (table_open(&t, hfd, "control/servers.cdb") == -1) {
    warn_sys("unable to open control/servers.cdb");
    r->due = now + 10000;
    return;
  }
  found = servers_lookup(&t, addr_domain(r->st.rcpt), &s);
  table_close(&t);
  if (found != 1) {
    /* perhaps not yet in the table: keep trying on the slow schedule */
    warn("no server known for %s (control/servers)", r->st.rcpt);
    r->due = now + r->rto;
    r->rto = r->rto * 2 < RTO_MAX ? r->rto * 2 : RTO_MAX;
    return;
  }
  if (keycache_get(kc, s.pk, f->k) == -1) { r->due = now + 1000; return; }
  snprintf(n.sender, sizeof n.sender, "%s", r->job->j.sender);
  snprintf(n.rcpt, sizeof n.rcpt, "%s", r->st.rcpt);
  memcpy(n.handle, r->job->j.handle, MSG_HANDLE);
  n.size = r->job->j.size;
  memcpy(n.hash, r->job->j.hash, MSG_HASH);
  token_make(n.token, tokenkey, n.handle, n.rcpt);
  wr_init(&w, body, PACKET_QBODY_MAX);
  msg_put_note(&w, &n);
  if (w.err) { r->due = -1; return; }
  len = packet_seal_request(pkt, KIND_NOTIFY, pk, f->k, body, w.pos, 0, f->reqid);
  if (len == -1) { r->due = -1; return; }
  udp_addr(&f->sa, s.ip, s.inbox_port);
  if (sendto(ufd, pkt, (size_t)len, 0, (struct sockaddr *)&f->sa, sizeof f->sa) == -1)
    warn_sys("unable to send to %s:%u", s.ip, s.inbox_port);
  f->used = 1;
  f->rs = r;
  f->sent = now;
  r->st.tries++;
  r->st.last = (int64_t)time(NULL);
  r->job->dirty = 1;
  r->due = now + r->rto;
  r->rto = r->rto * 2 < RTO_MAX ? r->rto * 2 : RTO_MAX;
}

static void answer(const unsigned char *p, size_t n, const struct sockaddr_in *from)
{
  unsigned char plain[PACKET_MAX], reqid[PACKET_REQID];
  const unsigned char *body;
  size_t bl, i, k;
  struct rd r;
  int64_t now = now_ms();
  struct inflight *f = NULL;
  /* the answer opens under the key of one of our requests to its source
   * (two domains may share an address with different keys) */
  for (i = 0; i < INFLIGHT_MAX && !f; i++) {
    if (!fl[i].used || fl[i].sa.sin_addr.s_addr != from->sin_addr.s_addr ||
        fl[i].sa.sin_port != from->sin_port)
      continue;
    if (packet_open_response(p, n, KIND_NOTIFY, fl[i].k, plain, &body, &bl, reqid) == -1) continue;
    for (k = 0; k < INFLIGHT_MAX; k++)
      if (fl[k].used && !memcmp(fl[k].reqid, reqid, PACKET_REQID) &&
          !sodium_memcmp(fl[k].k, fl[i].k, PACKET_KEY)) {
        f = &fl[k];
        break;
      }
    if (!f) return; /* an answer to a request we no longer wait for */
  }
  if (!f) return;
  {
    struct rs *rs = f->rs;
    int st;
    f->used = 0;
    rd_init(&r, body, bl);
    st = rd_u8(&r);
    if (r.err) return;
    if (st == MSG_OK) {
      if (rs->st.state == STATUS_QUEUED) rs_set(rs, STATUS_NOTIFIED);
      rs->rto = RTO_FIRST;
      rs->due = now + rs->renotify;
      rs->renotify = rs->renotify * 2 < RENOTIFY_MAX ? rs->renotify * 2 : RENOTIFY_MAX;
    } else if (st == MSG_TEMP) {
      rs->due = now + rs->rto;
    } else {
      info("refused %s %s (code %d)", rs->job->name, rs->st.rcpt, st);
      rs_set(rs, STATUS_FAILED);
      flush(rs->job);
      if (rs->job->nfinal == rs->job->j.nrcpt) finish(rs->job);
    }
  }
}

static void tick(void)
{
  struct jobrec *jr, *next;
  int64_t now = now_ms();
  time_t wall = time(NULL);
  size_t i;
  for (jr = jobs; jr; jr = next) {
    next = jr->next;
    for (i = 0; i < jr->j.nrcpt; i++) {
      struct rs *r = &jr->r[i];
      if (r->due < 0 || status_final(r->st.state)) continue;
      if ((uint64_t)(wall - jr->j.time) > lifetime_s && wall > jr->j.time) {
        rs_set(r, STATUS_GAVEUP);
        info("gave up %s %s", jr->name, r->st.rcpt);
        continue;
      }
      if (r->due <= now) send_note(r, now);
    }
    if (jr->nfinal == jr->j.nrcpt) finish(jr);
  }
  if (now - lastflush >= 1000) {
    for (jr = jobs; jr; jr = jr->next) flush(jr);
    lastflush = now;
  }
}

static int64_t nextdue(void)
{
  struct jobrec *jr;
  int64_t best = now_ms() + 1000;
  size_t i;
  for (jr = jobs; jr; jr = jr->next)
    for (i = 0; i < jr->j.nrcpt; i++)
      if (jr->r[i].due >= 0 && jr->r[i].due < best) best = jr->r[i].due;
  return best;
}

int main(void)
{
  char me[256];
  unsigned char sk[32];
  struct server self;
  int64_t lastscan = 0;

  die_prog = "im2k-notifyd";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(hfd, me, &self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  if (ctl_uint(hfd, "control/renotify", 1800, 86400 * 30, &renotify_s) == -1 || renotify_s == 0)
    die(EXIT_PERM, "%s/control/renotify: want seconds from 1 to 2592000", home);
  if (ctl_uint(hfd, "control/lifetime", 604800, 86400 * 365, &lifetime_s) == -1)
    die(EXIT_PERM, "%s/control/lifetime: want seconds up to 31536000", home);
  if (keys_read(hfd, "keys/secret", sk, 32) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  if (keys_read_hex(hfd, "keys/public", pk) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/public", home);
  if (keys_read(hfd, "keys/token", tokenkey, TOKEN_KEY) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/keys/token", home);
  kc = keycache_new(sk, 1024, 100000);
  sodium_memzero(sk, sizeof sk);
  if (!kc) die_nomem();
  qfd = openat(hfd, "queue/job", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sfd = openat(hfd, "queue/status", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cfd = openat(hfd, "queue/confirm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd == -1 || sfd == -1 || cfd == -1) die_sys(EXIT_TEMP, "unable to open %s/queue", home);
  tfd = openat(hfd, "queue/trigger", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (tfd == -1) die_sys(EXIT_TEMP, "unable to open %s/queue/trigger", home);
  /* a writer of our own keeps the fifo from reporting hang-up forever */
  if (openat(hfd, "queue/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC) == -1)
    die_sys(EXIT_TEMP, "unable to open %s/queue/trigger", home);
  ufd = udp_bind(self.ip, 0);
  if (ufd == -1) die_sys(EXIT_TEMP, "unable to bind %s", self.ip);
  if (priv_drop() == -1) die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
  if (mkdirat(qfd, "bad", 0700) == -1 && errno != EEXIST) warn_sys("unable to create queue/job/bad");
  info("notifying for %s from %s", me, self.ip);

  scan("cur");
  scan("new");
  confirmations();
  for (;;) {
    struct pollfd pf[2];
    int64_t wait = nextdue() - now_ms();
    if (wait < 0) wait = 0;
    if (wait > 1000) wait = 1000;
    pf[0].fd = ufd;
    pf[0].events = POLLIN;
    pf[1].fd = tfd;
    pf[1].events = POLLIN;
    pf[0].revents = pf[1].revents = 0;
    if (poll(pf, 2, (int)wait) == -1 && errno != EINTR) die_sys(EXIT_TEMP, "poll");
    if (pf[1].revents & POLLIN) {
      char junk[256];
      while (read(tfd, junk, sizeof junk) > 0) {}
      scan("new");
      confirmations();
      lastscan = now_ms();
    }
    if (pf[0].revents & POLLIN) {
      unsigned char in[PACKET_MAX + 1];
      struct sockaddr_in from;
      socklen_t flen = sizeof from;
      ssize_t n;
      while ((n = recvfrom(ufd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&from, &flen)) >= 0) {
        answer(in, (size_t)n, &from);
        flen = sizeof from;
      }
    }
    if (now_ms() - lastscan >= 1000) {
      /* a missed trigger costs at most a second */
      scan("new");
      confirmations();
      lastscan = now_ms();
    }
    tick();
  }
}
