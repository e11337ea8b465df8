/* im2k-pickup: the receiver's mail collector, run by the user (from
 * cron).  Lists the user's notifications at the user's own inbox, fetches
 * each message from the server published for its sender's domain, checks
 * its size and BLAKE2b hash, delivers it into the Maildir under a name
 * derived from the message (so a rerun never delivers twice), and only
 * then confirms to the sender's ISP and tells the inbox it is done.
 * Quiet unless something fails; -v reports each message.
 * SECURITY: runs as the receiving user with no privilege.  Everything in
 * the inbox's answers and the fetched data is untrusted: a message is
 * delivered only when its hash is the one in the notification, and it is
 * fetched from the table's server for the sender's domain, never from an
 * address named in a packet. */
#include "ctl.h"
#include "die.h"
#include "discover.h"
#include "file.h"
#include "grow.h"
#include "hex.h"
#include "home.h"
#include "keys.h"
#include "maildir.h"
#include "msg.h"
#include "servers.h"
#include "stamp.h"
#include "udp.h"
#include "window.h"

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
#include <sys/wait.h>
#include <unistd.h>

#define STALL_MS 30000
#define CALL_MS 15000

struct entry {
  uint64_t seq;
  struct msg_note n;
  unsigned worth;   /* the bits its stamp is worth, as the inbox checked */
};

static int verbose;
static uint64_t postage; /* KDIR/postage: bits asked of unknown senders */
static int hfd;
static char user[LOCAL_MAX + 1];
static unsigned char upk[crypto_box_PUBLICKEYBYTES], usk[crypto_box_SECRETKEYBYTES];
static unsigned char epk[crypto_box_PUBLICKEYBYTES], esk[crypto_box_SECRETKEYBYTES];
static struct udp_client inbox;

struct slot {
  int used;
  int retx;          /* resent at least once: no RTT sample from it */
  uint64_t offset;
  uint16_t want;
  unsigned char reqid[PACKET_REQID];
  unsigned char pkt[PACKET_MAX];
  size_t pktlen;
  int64_t sent;
  int64_t rto;
};

static int send_block(struct udp_client *c, const struct entry *e, struct slot *w, uint64_t off,
                      uint16_t want, struct window *f)
{
  unsigned char body[PACKET_MAX];
  struct msg_fetch_req q;
  struct wr wr;
  memcpy(q.handle, e->n.handle, MSG_HANDLE);
  memcpy(q.token, e->n.token, MSG_TOKEN);
  snprintf(q.rcpt, sizeof q.rcpt, "%s", e->n.rcpt);
  q.offset = off;
  q.want = want;
  wr_init(&wr, body, sizeof body);
  msg_put_fetch_req(&wr, &q);
  /* padded to the full datagram: the answer may be as large */
  if (udp_send(c, KIND_FETCH, body, wr.pos, PACKET_MAX, w->pkt, &w->pktlen, w->reqid) == -1)
    return -1;
  w->used = 1;
  w->retx = 0;
  w->offset = off;
  w->want = want;
  w->sent = now_ms();
  w->rto = window_rto(f);
  window_sent(f);
  return 0;
}

/* a download: the message's blocks asked for as the window allows, and
 * written into fd at base as they come, in any order */
struct fetch {
  struct udp_client *c;
  const struct entry *e;
  int fd;
  off_t base;
  uint64_t size;
  uint64_t next;       /* the first byte not yet asked for */
  uint64_t got;        /* bytes written */
  int64_t progress;    /* when the last answer came */
  struct window f;
  struct slot w[WINDOW_MAX];
};

/* fill: ask for new blocks while the window has room */
static int fill(struct fetch *t)
{
  size_t i;
  for (i = 0; i < WINDOW_MAX && t->next < t->size && window_may_send(&t->f); i++) {
    if (t->w[i].used) continue;
    if (send_block(t->c, t->e, &t->w[i], t->next, MSG_BLOCK_MAX, &t->f) == -1) return -1;
    t->next += MSG_BLOCK_MAX;
  }
  return 0;
}

/* until_due: ms until the first request in flight times out, at most 1000 */
static int64_t until_due(const struct fetch *t)
{
  int64_t now = now_ms(), wait = 1000;
  size_t i;
  for (i = 0; i < WINDOW_MAX; i++)
    if (t->w[i].used) {
      int64_t d = t->w[i].sent + t->w[i].rto - now;
      if (d < wait) wait = d < 0 ? 0 : d;
    }
  return wait;
}

/* resend_due: every request whose timeout has passed sent again; -1 with
 * ETIMEDOUT when no answer has come for STALL_MS */
static int resend_due(struct fetch *t)
{
  int64_t now = now_ms();
  size_t i;
  if (now - t->progress > STALL_MS) { errno = ETIMEDOUT; return -1; }
  for (i = 0; i < WINDOW_MAX; i++) {
    struct slot *s = &t->w[i];
    if (!s->used || now - s->sent < s->rto) continue;
    if (send(t->c->fd, s->pkt, s->pktlen, 0) == -1 && errno != ECONNREFUSED) {}
    s->sent = now;
    s->retx = 1;
    /* the window halves at most once per timeout round; the request's
     * own timeout doubles only so far (window.h) */
    s->rto = window_timeout(&t->f, now, s->rto);
  }
  return 0;
}

/* slot_of: the request an answer is for; NULL for a late duplicate */
static struct slot *slot_of(struct fetch *t, const unsigned char reqid[PACKET_REQID])
{
  size_t i;
  for (i = 0; i < WINDOW_MAX; i++)
    if (t->w[i].used && !memcmp(t->w[i].reqid, reqid, PACKET_REQID)) return &t->w[i];
  return NULL;
}

/* take: the answer to s, written; the rest of a short block asked for as
 * a block of its own.  0, or -1 as fetch. */
static int take(struct fetch *t, struct slot *s, const unsigned char *rb, size_t rbl, int *perm)
{
  struct msg_fetch_ans a;
  struct rd r;
  uint64_t end;
  rd_init(&r, rb, rbl);
  if (msg_get_fetch_ans(&r, &a) == -1) { errno = EPROTO; return -1; }
  if (a.status == MSG_NOENT || a.status == MSG_BAD || a.status == MSG_DENIED) { *perm = 1; errno = ENOENT; return -1; }
  if (a.status != MSG_OK) { errno = EAGAIN; return -1; }
  /* never more than asked, never past the end (the decoder checked it
   * against total), never nothing */
  if (a.total != t->size || a.offset != s->offset || a.length > s->want || a.length == 0) {
    errno = EPROTO;
    return -1;
  }
  if (pwrite(t->fd, a.data, a.length, t->base + (off_t)a.offset) != (ssize_t)a.length) return -1;
  t->got += a.length;
  t->progress = now_ms();
  window_answered(&t->f, t->progress - s->sent, s->retx);
  s->used = 0;
  end = a.offset + a.length;
  if (a.length < s->want && end < t->size) {
    uint16_t rest = (uint16_t)(s->want - a.length);
    if (t->size - end < rest) rest = (uint16_t)(t->size - end);
    if (send_block(t->c, t->e, s, end, rest, &t->f) == -1) return -1;
  }
  return 0;
}

/* fetch: the message's bytes into fd at base; 0, or -1 with *perm set
 * when the sender's ISP says the message is not there for us */
static int fetch(struct udp_client *c, const struct entry *e, int fd, off_t base, int *perm)
{
  struct fetch t;
  int64_t start = now_ms();
  *perm = 0;
  memset(&t, 0, sizeof t);
  t.c = c;
  t.e = e;
  t.fd = fd;
  t.base = base;
  t.size = e->n.size;
  t.progress = now_ms();
  window_init(&t.f);
  while (t.got < t.size) {
    unsigned char resp[PACKET_MAX], reqid[PACKET_REQID];
    const unsigned char *rb;
    size_t rbl;
    struct slot *s;
    if (fill(&t) == -1) return -1;
    if (udp_recv(c, KIND_FETCH, (int)until_due(&t), resp, &rb, &rbl, reqid) == -1) {
      if (errno != ETIMEDOUT || resend_due(&t) == -1) return -1;
      continue;
    }
    s = slot_of(&t, reqid);
    if (!s || rbl == 0) continue; /* a late duplicate, or an empty answer */
    if (take(&t, s, rb, rbl, perm) == -1) return -1;
  }
  if (verbose && t.size)
    printf("fetched %llu bytes in %lld ms: %lu requests, %lu resent, window cut %lu times, "
           "last window %.1f, round trip %.2f ms\n", (unsigned long long)t.size,
           (long long)(now_ms() - start), t.f.sent, t.f.resent, t.f.cuts, t.f.cwnd, t.f.srtt);
  return 0;
}

/* check: the bytes after base hash to the notification's hash */
static int check(int fd, off_t base, const struct msg_note *n)
{
  crypto_generichash_state hs;
  unsigned char blk[65536], h[MSG_HASH];
  uint64_t left = n->size;
  off_t at = base;
  if (crypto_generichash_init(&hs, NULL, 0, MSG_HASH) != 0) return -1;
  while (left) {
    size_t want = left < sizeof blk ? (size_t)left : sizeof blk;
    ssize_t r = pread(fd, blk, want, at);
    if (r <= 0) { if (r == 0) errno = EIO; return -1; }
    if (crypto_generichash_update(&hs, blk, (size_t)r) != 0) return -1;
    left -= (uint64_t)r;
    at += r;
  }
  if (crypto_generichash_final(&hs, h, MSG_HASH) != 0) return -1;
  return sodium_memcmp(h, n->hash, MSG_HASH) == 0 ? 1 : 0;
}

static int simple(struct udp_client *c, int kind, const unsigned char *body, size_t len)
{
  unsigned char resp[PACKET_MAX];
  const unsigned char *rb;
  size_t rbl;
  struct rd r;
  uint8_t st;
  if (udp_call(c, kind, body, len, 0, resp, &rb, &rbl, CALL_MS) == -1) return -1;
  rd_init(&r, rb, rbl);
  if (msg_get_status_ans(&r, &st) == -1) { errno = EPROTO; return -1; }
  return st;
}

/* server_for: the fetch server of a domain: control/servers, else DNS
 * (a cache per process: -j's workers each ask on their own socket).
 * DISCOVER_FOUND, DISCOVER_SMTP (no im2k server), or DISCOVER_FAILED
 * (reported: try again at the next run). */
static enum discover_result server_for(const char *dom, struct server *s)
{
  static struct discover *disc;
  static pid_t owner;
  struct discover_answer a;
  enum discover_result r;
  if (!disc || owner != getpid()) {
    if (disc) discover_free(disc); /* a worker: its parent's socket is not its own */
    disc = discover_open(hfd, 64);
    if (!disc) { warn_sys("unable to set up DNS lookups (control/dnsip)"); return DISCOVER_FAILED; }
    owner = getpid();
  }
  r = discover_wait(disc, dom, &a, CALL_MS);
  if (r == DISCOVER_FOUND) *s = a.s;
  else if (r == DISCOVER_FAILED && errno == EAGAIN)
    warn("unable to find the server of %s: DNS did not answer; will try again", dom);
  else if (r == DISCOVER_FAILED && (errno == EINVAL || errno == EIO || errno == EMSGSIZE))
    warn_sys("unable to read control/servers.cdb");
  else if (r == DISCOVER_FAILED)
    warn_sys("unable to open control/servers.cdb");
  return r;
}

/* deliver: the message into the Maildir md under NAME, fetched with c
 * unless it is there already.  0 delivered (now or before), 1 temporary
 * failure, 2 the sender's ISP says it is not there for us.  prefix: the
 * trace lines put before the message. */
static int deliver(int md, struct udp_client *c, const struct entry *e, const char *name,
                   const char *prefix)
{
  char hx[2 * MSG_HANDLE + 1];
  size_t plen = strlen(prefix);
  int has, fd, perm, st;

  hex_encode(hx, e->n.handle, MSG_HANDLE);
  has = maildir_has(md, name);
  if (has == -1) { warn_sys("unable to look into the Maildir"); return 1; }
  if (has) {
    /* a run killed between link and unlink left tmp/NAME behind */
    maildir_abort(md, name, -1);
    if (verbose) printf("already delivered %s from %s\n", name, e->n.sender);
    return 0;
  }
  fd = maildir_tmp(md, name);
  if (fd == -1) { warn_sys("unable to create tmp/%s", name); return 1; }
  if (pwrite(fd, prefix, plen, 0) != (ssize_t)plen) {
    warn_sys("unable to write tmp/%s", name);
    maildir_abort(md, name, fd);
    return 1;
  }
  if (fetch(c, e, fd, (off_t)plen, &perm) == -1) {
    int err = errno;
    maildir_abort(md, name, fd);
    if (perm) {
      /* withdrawn or not for us: nothing will ever come */
      warn("message %s from %s is not available: dropping the notification", hx, e->n.sender);
      return 2;
    }
    errno = err;
    warn_sys("unable to fetch %s from %s", hx, e->n.sender);
    return 1;
  }
  st = check(fd, (off_t)plen, &e->n);
  if (st != 1) {
    if (st == -1) warn_sys("unable to read back tmp/%s", name);
    else warn("message %s from %s does not match its hash: not delivered", hx, e->n.sender);
    maildir_abort(md, name, fd);
    return 1;
  }
  if (maildir_commit(md, name, fd) == -1) {
    warn_sys("unable to deliver %s", name);
    return 1;
  }
  if (verbose) printf("delivered new/%s from %s (%llu bytes)\n", name, e->n.sender,
                      (unsigned long long)e->n.size);
  return 0;
}

/* confirm: the sender's ISP told the message is delivered; 0, or 1
 * (reported) */
static int confirm(struct udp_client *c, const struct entry *e, const char *dom, const char *hx)
{
  struct msg_confirm_req q;
  unsigned char body[PACKET_MAX];
  struct wr w;
  int st;
  memcpy(q.handle, e->n.handle, MSG_HANDLE);
  memcpy(q.token, e->n.token, MSG_TOKEN);
  snprintf(q.rcpt, sizeof q.rcpt, "%s", e->n.rcpt);
  wr_init(&w, body, sizeof body);
  msg_put_confirm_req(&w, &q);
  st = simple(c, KIND_CONFIRM, body, w.pos);
  if (st != MSG_OK) {
    if (st == -1) warn_sys("unable to confirm %s to %s", hx, dom);
    else warn("%s refused the confirmation of %s (code %d)", dom, hx, st);
    return 1;
  }
  return 0;
}

/* tell_done: the inbox told to forget the notification; 0, or 1 (reported) */
static int tell_done(const struct entry *e, const char *hx)
{
  struct msg_done_req q;
  unsigned char body[PACKET_MAX];
  struct wr w;
  int st;
  snprintf(q.user, sizeof q.user, "%s", user);
  snprintf(q.sender, sizeof q.sender, "%s", e->n.sender);
  snprintf(q.rcpt, sizeof q.rcpt, "%s", e->n.rcpt);
  memcpy(q.handle, e->n.handle, MSG_HANDLE);
  wr_init(&w, body, sizeof body);
  msg_put_done_req(&w, &q);
  st = simple(&inbox, KIND_DONE, body, w.pos);
  if (st != MSG_OK) {
    if (st == -1) warn_sys("unable to tell the inbox %s is done", hx);
    else warn("the inbox refused done for %s (code %d)", hx, st);
    return 1;
  }
  return 0;
}

/* one: deliver, confirm, done.  0 done, 1 temporary failure. */
static int one(int md, const struct entry *e)
{
  char hx[2 * MSG_HANDLE + 1], name[2 * MSG_HANDLE + 2 + 256], prefix[600];
  const char *dom = addr_domain(e->n.sender);
  struct server s;
  struct udp_client c;
  int st;

  hex_encode(hx, e->n.handle, MSG_HANDLE);
  snprintf(name, sizeof name, "%s.%s", hx, dom);
  switch (server_for(dom, &s)) {
  case DISCOVER_FOUND: break;
  case DISCOVER_SMTP: warn("no server known for %s: message from %s left waiting", dom, e->n.sender); return 1;
  default: return 1;
  }
  if (udp_client_open(&c, s.ip, s.fetch_port, s.pk, epk, esk) == -1) {
    warn_sys("unable to reach %s", dom);
    return 1;
  }
  snprintf(prefix, sizeof prefix, "Return-Path: <%s>\nDelivered-To: %s\n", e->n.sender, e->n.rcpt);
  /* 2: not there for us: nothing to confirm, but done all the same */
  st = deliver(md, &c, e, name, prefix);
  if (st == 0) st = confirm(&c, e, dom, hx);
  udp_client_close(&c);
  if (st == 1) return 1;
  return tell_done(e, hx);
}

/* Known senders: KDIR/known, one per line: an address, or a domain
 * (written "domain" or "@domain"), '#' starts a comment.  Without the
 * file every sender is known. */
static char *known;      /* the file, lines NUL-separated; NULL: none */
static size_t knownlen;

static int known_load(int kfd, const char *kdir)
{
  unsigned char *p;
  size_t n, i;
  if (file_read(kfd, "known", 1 << 24, &p, &n) == -1) {
    if (errno == ENOENT) return 0;
    die_sys(EXIT_TEMP, "unable to read %s/known", kdir);
  }
  for (i = 0; i < n; i++) {
    if (p[i] == '\n' || p[i] == '\r') p[i] = 0;
    else if (p[i] >= 'A' && p[i] <= 'Z') p[i] = (unsigned char)(p[i] + 32);
  }
  known = (char *)p;
  knownlen = n;
  return 0;
}

/* lower: a copy of s in lower case (addresses compare without case
 * here: this is the user's own list, not a key) */
static void lower(char *out, size_t max, const char *s)
{
  size_t i;
  for (i = 0; s[i] && i + 1 < max; i++) out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
  out[i] = 0;
}

static int is_known(const char *sender)
{
  char a[ADDR_MAX + 1];
  const char *dom;
  size_t i = 0;
  if (!known) return 1;
  lower(a, sizeof a, sender);
  dom = addr_domain(a);
  while (i < knownlen) {
    const char *l = known + i;
    size_t n = strlen(l);
    i += n + 1;
    while (*l == ' ' || *l == '\t') { l++; n--; }
    while (n && (l[n - 1] == ' ' || l[n - 1] == '\t')) n--;
    if (!n || *l == '#') continue;
    if (*l == '@') { l++; n--; }
    if (memchr(l, '@', n) ? (n == strlen(a) && !memcmp(l, a, n)) : (n == strlen(dom) && !memcmp(l, dom, n)))
      return 1;
  }
  return 0;
}

/* known_add: append a sender (address or domain) to KDIR/known, synced */
static void known_add(int kfd, const char *kdir, const char *who)
{
  const char *w = *who == '@' ? who + 1 : who;
  int fd;
  if (!(strchr(w, '@') ? addr_check(w, strlen(w)) : domain_check(w, strlen(w))))
    die(EXIT_PERM, "%s is neither an address nor a domain", who);
  fd = openat(kfd, "known", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to open %s/known", kdir);
  if (file_write_all(fd, w, strlen(w)) == -1 || file_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1)
    die_sys(EXIT_TEMP, "unable to write %s/known", kdir);
  close(fd);
}

/* folder: a Maildir++ folder .NAME of the Maildir (with its
 * maildirfolder marker), opened */
static int folder(int md, const char *maildir, const char *name)
{
  char p[HOME_MAX + 300];
  int fd;
  snprintf(p, sizeof p, "%s/.%s", maildir, name);
  fd = maildir_open(p);
  if (fd == -1) return -1;
  if (faccessat(fd, "maildirfolder", F_OK, 0) == -1) {
    int m = openat(fd, "maildirfolder", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (m != -1) close(m);
  }
  (void)md;
  return fd;
}

/* Lists: KDIR/lists, one per line: a list's address and, optionally, the
 * Maildir folder for it (default: the list's local part); '#' starts a
 * comment.  KDIR/cursors/ADDRESS keeps the number of the next index
 * record to fetch, written after each answer's messages are delivered:
 * a crash in between only makes the next run find them delivered. */
static int folder_ok(const char *f)
{
  size_t i;
  if (!*f || *f == '.' || strlen(f) > 100) return 0;
  for (i = 0; f[i]; i++)
    if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= '0' && f[i] <= '9') ||
          f[i] == '-' || f[i] == '_' || f[i] == '.'))
      return 0;
  return 1;
}

/* a list being followed */
struct follow {
  const char *list, *dom, *kdir;
  int cfd;             /* KDIR/cursors */
  int fmd;             /* the list's folder */
  uint64_t cursor;     /* the next index record to fetch */
  struct udp_client c;
  char prefix[600];
};

/* cursor_open: KDIR/cursors, made if need be, and the list's cursor from
 * it (0 when there is none); the directory, or -1 (reported) */
static int cursor_open(int kfd, const char *kdir, const char *list, uint64_t *cursor)
{
  int cfd;
  *cursor = 0;
  if (mkdirat(kfd, "cursors", 0700) == -1 && errno != EEXIST) {
    warn_sys("unable to make %s/cursors", kdir);
    return -1;
  }
  cfd = openat(kfd, "cursors", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd == -1) { warn_sys("unable to open %s/cursors", kdir); return -1; }
  if (ctl_uint(cfd, list, 0, UINT64_MAX / 2, cursor) == -1) {
    warn("%s/cursors/%s: not a number; starting the list %s from its first message", kdir, list, list);
    *cursor = 0;
  }
  return cfd;
}

/* cursor_save: the cursor moved to next and written; 0, or -1 (reported) */
static int cursor_save(struct follow *fl, uint64_t next)
{
  char d[32];
  int dl = snprintf(d, sizeof d, "%llu\n", (unsigned long long)next);
  fl->cursor = next;
  if (file_put_atomic(fl->cfd, fl->list, d, (size_t)dl, 0600) == -1) {
    warn_sys("unable to write %s/cursors/%s", fl->kdir, fl->list);
    return -1;
  }
  return 0;
}

/* take_record: one index record's message into the list's folder; as
 * deliver (2: withdrawn from the list) */
static int take_record(struct follow *fl, const struct msg_index_entry *ie)
{
  char hx[2 * MSG_HANDLE + 1], name[2 * MSG_HANDLE + 2 + 256];
  struct entry e;
  memset(&e, 0, sizeof e);
  snprintf(e.n.sender, sizeof e.n.sender, "%s", fl->list);
  snprintf(e.n.rcpt, sizeof e.n.rcpt, "%s", fl->list);
  memcpy(e.n.handle, ie->handle, MSG_HANDLE);
  e.n.size = ie->size;
  memcpy(e.n.hash, ie->hash, MSG_HASH);
  memcpy(e.n.token, ie->token, MSG_TOKEN);
  hex_encode(hx, ie->handle, MSG_HANDLE);
  snprintf(name, sizeof name, "%s.%s", hx, fl->dom);
  return deliver(fl->fmd, &fl->c, &e, name, fl->prefix);
}

/* index_page: the index from the cursor on, its messages delivered and
 * the cursor moved past them; 0 more to read, 1 all read, -1 failed for
 * now.  The whole answer is checked before anything is delivered. */
static int index_page(struct follow *fl)
{
  struct msg_index_req q;
  struct msg_index_ans a;
  unsigned char body[PACKET_MAX], resp[PACKET_MAX];
  const unsigned char *rb;
  size_t rbl;
  struct wr w;
  struct rd rr;
  uint64_t next = fl->cursor;
  int x, failed = 0;
  snprintf(q.list, sizeof q.list, "%s", fl->list);
  q.cursor = fl->cursor;
  wr_init(&w, body, sizeof body);
  msg_put_index_req(&w, &q);
  if (udp_call(&fl->c, KIND_INDEX, body, w.pos, PACKET_MAX, resp, &rb, &rbl, CALL_MS) == -1) {
    warn_sys("no answer from %s for the list %s", fl->dom, fl->list);
    return -1; /* not "all read": the run failed for now */
  }
  rd_init(&rr, rb, rbl);
  if (msg_get_index_ans(&rr, &a) == -1) {
    warn("%s sent a damaged index for %s", fl->dom, fl->list);
    return -1;
  }
  if (a.status != MSG_OK) {
    if (a.status == MSG_NOENT) warn("%s says %s is not a public list", fl->dom, fl->list);
    else warn("%s refused the index of %s (code %d)", fl->dom, fl->list, a.status);
    return -1;
  }
  for (x = 0; x < a.count; x++) {
    struct msg_index_entry ie;
    /* the decoder checked that the numbers follow one another; the
     * first must be the one asked for */
    if (msg_get_index_entry(&rr, &ie) == -1 || ie.number != next) {
      warn("%s sent a damaged index for %s", fl->dom, fl->list);
      failed = 1;
      break;
    }
    if (take_record(fl, &ie) == 1) { failed = 1; break; }
    next = ie.number + 1;
  }
  if (next != fl->cursor && cursor_save(fl, next) == -1) failed = 1;
  if (failed) return -1;
  return a.count == 0 || fl->cursor >= a.total;
}

/* follow: fetch what is new in one list; 0, or 1 when something failed
 * for now */
static int follow(int md, const char *maildir, int kfd, const char *kdir, const char *list,
                  const char *fname)
{
  struct follow fl;
  struct server s;
  enum discover_result found;
  int r;

  fl.list = list;
  fl.dom = addr_domain(list);
  fl.kdir = kdir;
  fl.cfd = cursor_open(kfd, kdir, list, &fl.cursor);
  if (fl.cfd == -1) return 1;
  found = server_for(fl.dom, &s);
  if (found != DISCOVER_FOUND) {
    if (found == DISCOVER_SMTP) warn("no server known for %s: list %s not read", fl.dom, list);
    close(fl.cfd);
    return 1;
  }
  fl.fmd = folder(md, maildir, fname);
  if (fl.fmd == -1) {
    warn_sys("unable to open the folder %s/.%s", maildir, fname);
    close(fl.cfd);
    return 1;
  }
  if (udp_client_open(&fl.c, s.ip, s.fetch_port, s.pk, epk, esk) == -1) {
    warn_sys("unable to reach %s", fl.dom);
    close(fl.fmd);
    close(fl.cfd);
    return 1;
  }
  snprintf(fl.prefix, sizeof fl.prefix, "Return-Path: <%s>\nDelivered-To: %s\n", list, list);
  while ((r = index_page(&fl)) == 0) {}
  udp_client_close(&fl.c);
  close(fl.fmd);
  close(fl.cfd);
  return r == -1;
}

/* lists: every list followed; 0, or 1 when one failed for now */
static int lists(int md, const char *maildir, int kfd, const char *kdir)
{
  unsigned char *p;
  size_t n, i = 0, line = 0;
  int temp = 0;
  if (file_read(kfd, "lists", 1 << 20, &p, &n) == -1) {
    if (errno == ENOENT) return 0;
    warn_sys("unable to read %s/lists", kdir);
    return 1;
  }
  while (i < n) {
    char l[512], addr[ADDR_MAX + 1], fname[128];
    size_t e = i, k;
    char *a, *f, *end;
    while (e < n && p[e] != '\n') e++;
    line++;
    k = e - i < sizeof l - 1 ? e - i : sizeof l - 1;
    memcpy(l, p + i, k);
    l[k] = 0;
    i = e + 1;
    if ((end = strchr(l, '#'))) *end = 0;
    a = strtok(l, " \t\r");
    if (!a) continue;
    f = strtok(NULL, " \t\r");
    if (strtok(NULL, " \t\r") || !addr_check(a, strlen(a)) || (f && !folder_ok(f))) {
      warn("%s/lists line %lu: want ADDRESS [FOLDER]", kdir, (unsigned long)line);
      temp = 1;
      continue;
    }
    snprintf(addr, sizeof addr, "%s", a);
    addr_lower(addr);
    if (f) snprintf(fname, sizeof fname, "%s", f);
    else snprintf(fname, sizeof fname, "%.*s", (int)(strrchr(addr, '@') - addr), addr);
    if (!folder_ok(fname)) snprintf(fname, sizeof fname, "list");
    if (follow(md, maildir, kfd, kdir, addr, fname)) temp = 1;
  }
  free(p);
  return temp;
}

static void inbox_open(const struct server *self)
{
  if (udp_client_open(&inbox, self->ip, self->inbox_port, self->pk, upk, usk) == -1)
    die_sys(EXIT_TEMP, "unable to reach the inbox at %s:%u", self->ip, self->inbox_port);
}

struct job {
  const struct entry *e;
  int md;
};

/* run: every job, by up to workers processes (each with its own
 * sockets); 0, or 1 when any failed for now */
static int run(const struct job *v, size_t n, unsigned workers, const struct server *self)
{
  pid_t pids[64];
  unsigned k, started = 0;
  size_t i;
  int temp = 0;
  if (workers > n) workers = (unsigned)n;
  if (workers <= 1) {
    inbox_open(self);
    for (i = 0; i < n; i++)
      if (one(v[i].md, v[i].e)) temp = 1;
    udp_client_close(&inbox);
    return temp;
  }
  if (fflush(stdout) == EOF) die_sys(EXIT_TEMP, "unable to write output");
  for (k = 0; k < workers; k++) {
    pid_t p = fork();
    if (p == -1) { warn_sys("unable to fork"); temp = 1; break; }
    if (p == 0) {
      inbox_open(self);
      for (i = k; i < n; i += workers)
        if (one(v[i].md, v[i].e)) temp = 1;
      if (fflush(stdout) == EOF) temp = 1;
      _exit(temp ? EXIT_TEMP : 0);
    }
    pids[started++] = p;
  }
  for (k = 0; k < started; k++) {
    int ws;
    while (waitpid(pids[k], &ws, 0) == -1)
      if (errno != EINTR) { ws = -1; break; }
    if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) temp = 1;
  }
  return temp;
}

#define USAGE "usage: im2k-pickup [-v] [-l] [-a sender] [-A handle] [-j workers] [-d maildir] [-u mailbox] [-k keydir]"
#define ACCEPT_MAX 16

/* the run's state, gathered by main's steps in turn */
struct run {
  /* options */
  int listonly;
  const char *add, *maildir, *uname, *keydir;
  unsigned char accept[ACCEPT_MAX][MSG_HANDLE];   /* -A: fetched whoever sent them */
  unsigned naccept;
  uint64_t workers;
  /* the user, the settings, the Maildir, this ISP */
  const char *uhome;
  char kdir[HOME_MAX + 16], mdpath[HOME_MAX + 16], policy[64];
  int kfd, lfd, md, ufd;
  struct server self;
  /* the inbox's notifications, and the jobs made of them */
  struct entry *ents;
  size_t nents, cap;
  struct job *jobs;
  size_t njobs, nheld;
};

/* accept_handle: -A's handle, in the hexadecimal -l prints */
static void accept_handle(struct run *r, const char *arg)
{
  char h[2 * MSG_HANDLE + 1];
  if (r->naccept == ACCEPT_MAX) die(EXIT_PERM, "at most 16 -A options");
  lower(h, sizeof h, arg);
  if (strlen(arg) != 2 * MSG_HANDLE || hex_decode(r->accept[r->naccept], MSG_HANDLE, h, 2 * MSG_HANDLE) == -1)
    die(EXIT_PERM, "%s is not a handle (32 hexadecimal digits, as -l shows)", arg);
  r->naccept++;
}

static void options(struct run *r, int argc, char **argv)
{
  int opt;
  while ((opt = getopt(argc, argv, "vla:A:j:d:u:k:")) != -1) {
    if (opt == 'v') verbose = 1;
    else if (opt == 'l') r->listonly = 1;
    else if (opt == 'a') r->add = optarg;
    else if (opt == 'A') accept_handle(r, optarg);
    else if (opt == 'j') {
      if (scan_u64(optarg, strlen(optarg), 64, &r->workers) == -1 || !r->workers)
        die(EXIT_PERM, "-j wants a number of workers from 1 to 64");
    } else if (opt == 'd') r->maildir = optarg;
    else if (opt == 'u') r->uname = optarg;
    else if (opt == 'k') r->keydir = optarg;
    else die(EXIT_PERM, USAGE);
  }
  if (optind != argc) die(EXIT_PERM, USAGE);
}

/* identity: the mailbox, the key directory, and the user's keys */
static void identity(struct run *r)
{
  struct passwd *pw;
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  pw = getpwuid(getuid());
  if (!pw) die(EXIT_TEMP, "unable to find my account");
  /* the mailbox is the login name unless named: the inbox answers only to
   * the key registered for it, so naming another gains nothing */
  if (!r->uname) r->uname = pw->pw_name;
  if (!local_check(r->uname, strlen(r->uname))) die(EXIT_PERM, "%s is not a mailbox name", r->uname);
  snprintf(user, sizeof user, "%s", r->uname);
  r->uhome = getenv("HOME");
  if (!r->uhome || !*r->uhome) r->uhome = pw->pw_dir;
  if (r->keydir) snprintf(r->kdir, sizeof r->kdir, "%s", r->keydir);
  else snprintf(r->kdir, sizeof r->kdir, "%s/.im2k", r->uhome);
  r->kfd = open(r->kdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (r->kfd == -1)
    die_sys(EXIT_TEMP, "unable to open %s (make a key with im2k-keygen %s)", r->kdir, r->kdir);
  if (keys_read(r->kfd, "secret", usk, sizeof usk) == -1) die_sys(EXIT_TEMP, "unable to read %s/secret", r->kdir);
  if (crypto_scalarmult_base(upk, usk) != 0) die(EXIT_TEMP, "bad key in %s/secret", r->kdir);
}

/* take_lock: one run at a time; 0 when another run holds the lock */
static int take_lock(struct run *r)
{
  char lock[HOME_MAX + 32];
  snprintf(lock, sizeof lock, "%s/lock", r->kdir);
  r->lfd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (r->lfd == -1) die_sys(EXIT_TEMP, "unable to open %s", lock);
  if (flock(r->lfd, LOCK_EX | LOCK_NB) == -1) {
    if (errno == EWOULDBLOCK) {
      if (verbose) printf("another im2k-pickup is running\n");
      return 0;
    }
    die_sys(EXIT_TEMP, "unable to lock %s", lock);
  }
  return 1;
}

/* settings: the user's known senders, what to do with the others, the
 * postage asked of them, and the Maildir */
static void settings(struct run *r)
{
  int n;
  if (r->add) known_add(r->kfd, r->kdir, r->add);
  known_load(r->kfd, r->kdir);
  /* what to do with mail from unknown senders: hold (leave it listed at
   * the inbox, fetch nothing) or folder (fetch into the Unknown folder) */
  n = ctl_line(r->kfd, "unknown", r->policy, sizeof r->policy);
  if (n == -1) die_sys(EXIT_TEMP, "unable to read %s/unknown", r->kdir);
  if (n == 0) snprintf(r->policy, sizeof r->policy, "hold");
  if (strcmp(r->policy, "hold") && strcmp(r->policy, "folder"))
    die(EXIT_TEMP, "%s/unknown: want hold or folder, not %s", r->kdir, r->policy);
  /* postage asked of unknown senders (told to the inbox with each LIST,
   * which tells the senders); mail from an unknown sender whose stamp is
   * worth that much is taken as from a known one */
  if (ctl_uint(r->kfd, "postage", 0, STAMP_MAX, &postage) == -1)
    die(EXIT_TEMP, "%s/postage: want the bits of postage asked of unknown senders, 0 to %d", r->kdir, STAMP_MAX);
  if (!r->maildir) {
    snprintf(r->mdpath, sizeof r->mdpath, "%s/Maildir", r->uhome);
    r->maildir = r->mdpath;
  }
  r->md = maildir_open(r->maildir);
  if (r->md == -1) die_sys(EXIT_TEMP, "unable to open Maildir %s", r->maildir);
}

/* reach_inbox: this ISP's inbox, with the user's key; and a fresh key
 * for fetches: senders' ISPs cannot link this run's fetches to the
 * user's long-term key */
static void reach_inbox(struct run *r)
{
  char home[HOME_MAX], me[256];
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open im2k home %s", home);
  if (servers_me(hfd, me, &r->self) == -1)
    die_sys(EXIT_TEMP, "unable to find this ISP (control/me) in %s/control/servers.cdb", home);
  inbox_open(&r->self);
  if (crypto_box_keypair(epk, esk) != 0) die(EXIT_TEMP, "unable to make a key");
}

/* list_page: one LIST answer from cursor on, its entries kept and cursor
 * moved past them; 1 when more may follow */
static int list_page(struct run *r, uint64_t *cursor)
{
  struct msg_list_req q;
  struct msg_list_ans a;
  unsigned char body[PACKET_MAX], resp[PACKET_MAX];
  const unsigned char *rb;
  size_t rbl;
  struct wr w;
  struct rd rr;
  int x;
  snprintf(q.user, sizeof q.user, "%s", user);
  q.cursor = *cursor;
  q.postage = (uint8_t)postage;
  wr_init(&w, body, sizeof body);
  msg_put_list_req(&w, &q);
  if (udp_call(&inbox, KIND_LIST, body, w.pos, PACKET_MAX, resp, &rb, &rbl, CALL_MS) == -1)
    die_sys(EXIT_TEMP, "no answer from the inbox at %s:%u", r->self.ip, r->self.inbox_port);
  rd_init(&rr, rb, rbl);
  if (msg_get_list_ans(&rr, &a) == -1) die(EXIT_TEMP, "the inbox sent a damaged list");
  if (a.status == MSG_DENIED)
    die(EXIT_TEMP, "the inbox does not know this key for %s: register %s/public in control/users", user, r->kdir);
  if (a.status != MSG_OK) die(EXIT_TEMP, "the inbox refused the list (code %d)", a.status);
  for (x = 0; x < a.count; x++) {
    struct msg_list_entry le;
    struct entry *e;
    if (msg_get_list_entry(&rr, &le) == -1) die(EXIT_TEMP, "the inbox sent a damaged list");
    if (grow_array(&r->ents, &r->cap, r->nents + 1, sizeof *r->ents, 16) == -1) die_nomem();
    e = &r->ents[r->nents++];
    e->seq = le.seq;
    e->n = le.note;
    e->worth = le.worth;
    *cursor = le.seq;
  }
  return a.more && a.count;
}

/* list_inbox: every notification the inbox holds for the user */
static void list_inbox(struct run *r)
{
  uint64_t cursor = 0;
  while (list_page(r, &cursor)) {}
  udp_client_close(&inbox);
}

/* wanted: from a known sender, with postage enough, or named with -A */
static int wanted(const struct run *r, const struct entry *e)
{
  unsigned k;
  if (is_known(e->n.sender) || (postage && e->worth >= postage)) return 1;
  for (k = 0; k < r->naccept; k++)
    if (!memcmp(r->accept[k], e->n.handle, MSG_HANDLE)) return 1;
  return 0;
}

/* choose: a job for each message to fetch, into the Maildir or (from
 * unknown senders, when not held) the Unknown folder; with -l, print
 * the messages that are not wanted instead */
static void choose(struct run *r)
{
  size_t i;
  r->jobs = calloc(r->nents ? r->nents : 1, sizeof *r->jobs);
  if (!r->jobs) die_nomem();
  for (i = 0; i < r->nents; i++) {
    const struct entry *e = &r->ents[i];
    int ok = wanted(r, e);
    if (r->listonly) {
      char hx[2 * MSG_HANDLE + 1];
      if (ok) continue;
      hex_encode(hx, e->n.handle, MSG_HANDLE);
      printf("%s %s %llu\n", hx, e->n.sender, (unsigned long long)e->n.size);
      continue;
    }
    if (!ok && !strcmp(r->policy, "hold")) {
      r->nheld++;
      continue;
    }
    if (!ok && r->ufd == -1) {
      r->ufd = folder(r->md, r->maildir, "Unknown");
      if (r->ufd == -1) die_sys(EXIT_TEMP, "unable to open the folder %s/.Unknown", r->maildir);
    }
    r->jobs[r->njobs].e = e;
    r->jobs[r->njobs].md = ok ? r->md : r->ufd;
    r->njobs++;
  }
}

/* fetch_all: every job, then every list followed; 0, or 1 when any
 * failed for now */
static int fetch_all(struct run *r)
{
  int temp;
  if (verbose && r->nheld)
    printf("%lu messages from unknown senders held (see im2k-pickup -l)\n", (unsigned long)r->nheld);
  temp = run(r->jobs, r->njobs, (unsigned)r->workers, &r->self);
  if (lists(r->md, r->maildir, r->kfd, r->kdir)) temp = 1;
  return temp;
}

/* finish: memory freed, secrets wiped, output flushed */
static void finish(struct run *r)
{
  free(r->jobs);
  free(r->ents);
  free(known);
  sodium_memzero(usk, sizeof usk);
  sodium_memzero(esk, sizeof esk);
  if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, "unable to write output");
}

int main(int argc, char **argv)
{
  struct run r;
  int temp = 0;

  die_prog = "im2k-pickup";
  signal(SIGPIPE, SIG_IGN);
  memset(&r, 0, sizeof r);
  r.workers = 4;
  r.ufd = -1;
  options(&r, argc, argv);
  identity(&r);
  if (!take_lock(&r)) return 0;
  settings(&r);
  reach_inbox(&r);
  list_inbox(&r);
  choose(&r);
  if (!r.listonly) temp = fetch_all(&r);
  finish(&r);
  return temp ? EXIT_TEMP : 0;
}
