/* im2k-inboxd: the receiver ISP's inbox.  Takes notifications (NOTIFY)
 * from other ISPs and keeps them in memory only, per local user; answers
 * each user's LIST and DONE, authenticated by the key registered for the
 * user in control/users.cdb.  Nothing about a message is written to disk,
 * not even a log line; after a restart the inbox is empty and the
 * senders' retransmissions fill it again.  A user who moved away has a
 * line in control/forwards.cdb: notifications for that user are passed
 * on (FORWARD) to the new address's inbox, sealed with this ISP's key.
 * SECURITY: starts as root only to read keys/secret, then runs as im2ki.
 * A notification is kept only if its box was sealed with the key published
 * for its sender's domain (for a FORWARD: for the domain of the address it
 * was sent to, which alone may pass on its users' mail); everything else
 * is dropped unanswered.  Memory is bounded per user, per sender key (a
 * rate) and in total; every bound answers TEMP, and the sender retries. */
#include "ctl.h"
#include "die.h"
#include "stamp.h"
#include "discover.h"
#include "hex.h"
#include "home.h"
#include "keys.h"
#include "msg.h"
#include "priv.h"
#include "server.h"
#include "servers.h"
#include "udp.h"

#include <errno.h>
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

#define NONE UINT32_MAX
#define CHUNK 4096          /* notes are kept in chunks of this many */
#define RATE_SLOTS 1024
#define FWD_MAX 1000        /* notifications being passed on at once */
#define FWD_TRIES 6         /* 1 s, 2 s, ... 32 s; then the sender's
                             * own retransmission takes over */

/* One held notification: 128 bytes plus its addresses.  The recipient is
 * not stored when it is the box's own address (USER@me, the usual case);
 * a note passed on from another inbox keeps the address it was sent to. */
struct note {
  uint64_t seq;            /* 0: a free slot */
  uint64_t size;
  unsigned char handle[MSG_HANDLE];
  unsigned char hash[MSG_HASH];
  unsigned char token[MSG_TOKEN];
  char *addrs;             /* "SENDER\0RCPT\0", RCPT empty for USER@me */
  uint32_t box;
  uint32_t prev, next;     /* the box's notes, in arrival (seq) order */
  uint32_t hnext;          /* the (handle, sender, recipient) hash chain */
  unsigned char worth;     /* of the stamp it came with (see stamp.h) */
};

struct box {
  char user[LOCAL_MAX + 1];
  uint32_t head, tail, count;
  uint32_t hnext;
  unsigned postage;        /* what the user's last LIST asked (0: none) */
};

/* a sender key's token bucket */
struct rate {
  unsigned char pk[32];
  double tokens;
  int64_t last;
};

/* a notification being passed on to a moved user's new inbox */
struct fwd {
  int used;
  struct sockaddr_in sa;
  unsigned char k[PACKET_KEY];
  unsigned char reqid[PACKET_REQID];
  unsigned char pkt[PACKET_MAX];
  size_t len;
  int tries;
  int64_t due;
};

static int hfd;
static char me[256];
static unsigned char hashkey[crypto_shorthash_KEYBYTES];
static unsigned char mypk[32], mysk[32];

static struct note **chunks;
static uint32_t nchunks, freelist = NONE, total;
static uint32_t *nbucket; /* note hash buckets */
static uint32_t nbuckets;
static struct box *boxes;
static uint32_t nboxes, capboxes;
static uint32_t *bbucket; /* box hash buckets */
static uint32_t nbbuckets;
static uint64_t seq;
static size_t bytes; /* held: notes and their addresses */

static int logheld; /* control/logheld: a line per note, for tests and benchmarks */
static unsigned postage; /* control/postage: bits asked of strangers, 0 none */
static uint64_t user_max = 10000, total_max = 1000000, key_rate = 5000, key_burst = 100000;
static struct rate rates[RATE_SLOTS];
static struct fwd fwds[FWD_MAX];
static unsigned nfwds;
static int cfd = -1; /* the socket for FORWARD requests */

static struct {
  uint64_t held, merged, refused, limited, done, passed, fwdlost, postage;
} stats, logged;

static struct note *N(uint32_t i) { return &chunks[i / CHUNK][i % CHUNK]; }

static uint64_t hash(const void *p, size_t n)
{
  unsigned char h[8];
  crypto_shorthash(h, p, n, hashkey);
  return get_u64(h);
}

/* the tables, kept open as private copies (see table_kept) */
static struct table_kept users = TABLE_KEPT("control/users.cdb");
static struct table_kept forwards = TABLE_KEPT("control/forwards.cdb");

static struct table *kept(struct table_kept *k) { return table_kept(k, hfd, now_ms()); }

/* userkey: 1 and the registered key, 0 unknown user, -1 error */
static int userkey(const char *user, unsigned char pk[32])
{
  struct table *t = kept(&users);
  char v[80];
  size_t vl;
  int r;
  if (!t) return -1;
  r = table_get(t, user, strlen(user), v, sizeof v, &vl);
  if (r != 1) return r;
  if (hex_decode(pk, 32, v, vl) == -1) return -1;
  return 1;
}

static struct discover *disc; /* servers found through DNS */

/* server: the server of domain (control/servers, else DNS) */
static enum discover_result server(const char *domain, struct discover_answer *a)
{
  return discover_server(disc, domain, a, now_ms());
}

/* later: the answer is not known yet (DNS asked, or failed for now): the
 * sender is told TEMP and tries again */
static int later(enum discover_result r)
{
  return r == DISCOVER_WAIT || (r == DISCOVER_FAILED && errno == EAGAIN);
}

/* forwarded: 1 and the user's new address, 0 none, -1 error */
static int forwarded(const char *user, char to[ADDR_MAX + 1])
{
  struct table *t = kept(&forwards);
  size_t n;
  int r;
  if (!t) return errno == ENOENT ? 0 : -1;
  r = table_get(t, user, strlen(user), to, ADDR_MAX + 1, &n);
  if (r != 1) return r;
  if (!addr_check(to, n)) { errno = EINVAL; return -1; }
  addr_lower(to);
  return 1;
}

static uint32_t findbox(const char *user, int create)
{
  uint64_t h = hash(user, strlen(user));
  uint32_t i;
  if (bbucket)
    for (i = bbucket[h & (nbbuckets - 1)]; i != NONE; i = boxes[i].hnext)
      if (!strcmp(boxes[i].user, user)) return i;
  if (!create) return NONE;
  if (nboxes == capboxes) {
    uint32_t cap = capboxes ? 2 * capboxes : 64, j;
    struct box *b = realloc(boxes, cap * sizeof *b);
    uint32_t *bb;
    if (!b) return NONE;
    boxes = b;
    bb = malloc(2 * (size_t)cap * sizeof *bb);
    if (!bb) return NONE;
    free(bbucket);
    bbucket = bb;
    nbbuckets = 2 * cap;
    capboxes = cap;
    for (j = 0; j < nbbuckets; j++) bbucket[j] = NONE;
    for (j = 0; j < nboxes; j++) {
      uint64_t x = hash(boxes[j].user, strlen(boxes[j].user)) & (nbbuckets - 1);
      boxes[j].hnext = bbucket[x];
      bbucket[x] = j;
    }
  }
  i = nboxes++;
  snprintf(boxes[i].user, sizeof boxes[i].user, "%s", user);
  boxes[i].head = boxes[i].tail = NONE;
  boxes[i].count = 0;
  boxes[i].postage = 0;
  h &= nbbuckets - 1;
  boxes[i].hnext = bbucket[h];
  bbucket[h] = i;
  return i;
}

/* the identity of a note: handle, sender, recipient (empty: USER@me) */
static uint64_t notehash(const unsigned char handle[MSG_HANDLE], const char *sender,
                         const char *rcpt, uint32_t box)
{
  unsigned char k[MSG_HANDLE + 2 * (ADDR_MAX + 1) + 4];
  size_t a = strlen(sender) + 1, b = strlen(rcpt) + 1;
  memcpy(k, handle, MSG_HANDLE);
  memcpy(k + MSG_HANDLE, sender, a);
  memcpy(k + MSG_HANDLE + a, rcpt, b);
  put_u32(k + MSG_HANDLE + a + b, box);
  return hash(k, MSG_HANDLE + a + b + 4);
}

static const char *note_rcpt(const struct note *x) { return x->addrs + strlen(x->addrs) + 1; }

/* selfaddr: USER@me (at most ADDR_MAX bytes for any box's user, whose
 * name came from a checked address) */
static void selfaddr(char out[ADDR_MAX + 1], const char *user)
{
  char t[LOCAL_MAX + 1 + 256 + 1];
  snprintf(t, sizeof t, "%s@%s", user, me);
  snprintf(out, ADDR_MAX + 1, "%.*s", ADDR_MAX, t);
}

static uint32_t findnote(uint32_t box, const unsigned char handle[MSG_HANDLE],
                         const char *sender, const char *rcpt)
{
  uint32_t i;
  if (!nbuckets) return NONE;
  for (i = nbucket[notehash(handle, sender, rcpt, box) & (nbuckets - 1)]; i != NONE; i = N(i)->hnext) {
    struct note *x = N(i);
    if (x->box == box && !memcmp(x->handle, handle, MSG_HANDLE) && !strcmp(x->addrs, sender) &&
        !strcmp(note_rcpt(x), rcpt))
      return i;
  }
  return NONE;
}

/* grow: room for one more note (a free slot, buckets at most 1 per note) */
static int grow(void)
{
  uint32_t i;
  if (freelist == NONE) {
    struct note **c = realloc(chunks, (nchunks + 1) * sizeof *c);
    if (!c) return -1;
    chunks = c;
    chunks[nchunks] = calloc(CHUNK, sizeof **chunks);
    if (!chunks[nchunks]) return -1;
    for (i = CHUNK; i-- > 0;) {
      chunks[nchunks][i].next = freelist;
      freelist = nchunks * CHUNK + i;
    }
    nchunks++;
  }
  if (total + 1 > nbuckets) {
    uint32_t nb = nbuckets ? 2 * nbuckets : 4096, c, k;
    uint32_t *b = malloc((size_t)nb * sizeof *b);
    if (!b) return -1;
    for (i = 0; i < nb; i++) b[i] = NONE;
    for (c = 0; c < nchunks; c++)
      for (k = 0; k < CHUNK; k++) {
        struct note *x = &chunks[c][k];
        uint64_t h;
        if (!x->seq) continue;
        h = notehash(x->handle, x->addrs, note_rcpt(x), x->box) & (nb - 1);
        x->hnext = b[h];
        b[h] = c * CHUNK + k;
      }
    free(nbucket);
    nbucket = b;
    nbuckets = nb;
  }
  return 0;
}

/* the NOTIFY at hand: its stamp, and the postage its recipient asks
 * (set by notify, read by take) */
static uint64_t cur_stamp;
static unsigned cur_want;

/* hold: the note in box b, its stamp worth worth; MSG_OK (held or
 * already held: then it keeps the better stamp) or MSG_TEMP */
static int hold(uint32_t b, const struct msg_note *n, const char *rcpt, unsigned worth)
{
  size_t sl = strlen(n->sender) + 1, rl = strlen(rcpt) + 1;
  struct note *x;
  uint32_t i;
  uint64_t h;
  if ((i = findnote(b, n->handle, n->sender, rcpt)) != NONE) {
    stats.merged++;
    if (worth > N(i)->worth) N(i)->worth = (unsigned char)worth;
    return MSG_OK;
  }
  if (boxes[b].count >= user_max || total >= total_max) { stats.refused++; return MSG_TEMP; }
  if (grow() == -1) { stats.refused++; return MSG_TEMP; }
  i = freelist;
  x = N(i);
  x->addrs = malloc(sl + rl);
  if (!x->addrs) { stats.refused++; return MSG_TEMP; }
  freelist = x->next;
  memcpy(x->addrs, n->sender, sl);
  memcpy(x->addrs + sl, rcpt, rl);
  x->seq = ++seq;
  x->size = n->size;
  memcpy(x->handle, n->handle, MSG_HANDLE);
  memcpy(x->hash, n->hash, MSG_HASH);
  memcpy(x->token, n->token, MSG_TOKEN);
  x->worth = (unsigned char)worth;
  x->box = b;
  x->next = NONE;
  x->prev = boxes[b].tail;
  if (x->prev == NONE) boxes[b].head = i;
  else N(x->prev)->next = i;
  boxes[b].tail = i;
  boxes[b].count++;
  h = notehash(x->handle, x->addrs, rcpt, b) & (nbuckets - 1);
  x->hnext = nbucket[h];
  nbucket[h] = i;
  total++;
  bytes += sizeof *x + sl + rl;
  stats.held++;
  if (logheld) {
    char a[ADDR_MAX + 1];
    if (*rcpt) snprintf(a, sizeof a, "%s", rcpt);
    else selfaddr(a, boxes[b].user);
    info("held %s -> %s size %llu", n->sender, a, (unsigned long long)n->size);
  }
  return MSG_OK;
}

static void drop(uint32_t i)
{
  struct note *x = N(i);
  struct box *b = &boxes[x->box];
  uint32_t *p = &nbucket[notehash(x->handle, x->addrs, note_rcpt(x), x->box) & (nbuckets - 1)];
  while (*p != i) p = &N(*p)->hnext;
  *p = x->hnext;
  if (x->prev == NONE) b->head = x->next;
  else N(x->prev)->next = x->next;
  if (x->next == NONE) b->tail = x->prev;
  else N(x->next)->prev = x->prev;
  b->count--;
  total--;
  bytes -= sizeof *x + strlen(x->addrs) + strlen(note_rcpt(x)) + 2;
  free(x->addrs);
  memset(x, 0, sizeof *x);
  x->next = freelist;
  freelist = i;
}

/* limit: 1 if the sender key may add one more note now */
static int limit(const unsigned char pk[32])
{
  struct rate *r = &rates[hash(pk, 32) % RATE_SLOTS];
  int64_t now = now_ms();
  if (sodium_memcmp(r->pk, pk, 32) != 0) {
    memcpy(r->pk, pk, 32);
    r->tokens = (double)key_burst;
    r->last = now;
  }
  r->tokens += (double)(now - r->last) * (double)key_rate / 1000;
  if (r->tokens > (double)key_burst) r->tokens = (double)key_burst;
  r->last = now;
  if (r->tokens < 1) { stats.limited++; return 0; }
  r->tokens -= 1;
  return 1;
}

static int pass_on(const struct msg_note *n, const char *to);

/* take: a note for USER@me (to), sent to rcpt; a status */
static int take(const unsigned char pk[32], const struct msg_note *n, const char *to, int hops)
{
  /* the address the note was sent to is kept unless it is the box's own */
  const char *rcpt = strcmp(n->rcpt, to) ? n->rcpt : "";
  char user[LOCAL_MAX + 1], fw[ADDR_MAX + 1];
  unsigned char upk[32];
  const char *at = strrchr(to, '@');
  uint32_t b;
  int found;
  snprintf(user, sizeof user, "%.*s", (int)(at - to), to);
  found = forwarded(user, fw);
  if (found == -1) return MSG_TEMP;
  if (found == 1) {
    if (hops) return MSG_NOENT; /* one hop only: forwards do not chain */
    if (!strcmp(addr_domain(fw), me)) return take(pk, n, fw, 1); /* an alias here */
    return pass_on(n, fw);
  }
  found = userkey(user, upk);
  if (found == -1) return MSG_TEMP;
  if (found == 0) return MSG_NOENT;
  b = findbox(user, 1);
  if (b == NONE) return MSG_TEMP;
  if (findnote(b, n->handle, n->sender, rcpt) == NONE && !limit(pk)) return MSG_TEMP;
  {
    /* the user's own postage: the note is held all the same (the user's
     * known senders need none), and the sender is told what is asked */
    unsigned worth = 0;
    if (boxes[b].postage) {
      worth = stamp_bits(n->sender, n->rcpt, n->handle, cur_stamp);
      if (worth < boxes[b].postage) cur_want = boxes[b].postage;
    }
    return hold(b, n, rcpt, worth);
  }
}

static int notify(const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_note n;
  struct discover_answer a;
  enum discover_result found;
  int st;
  uint64_t stamp;
  if (msg_get_note(r, &n) == -1) return 0;
  stamp = msg_get_stamp(r);
  if (msg_end(r) == -1) return 0;
  /* the sender's domain must be the one whose key sealed this box; no
   * table, no way to check the key: no answer, as for any bad key */
  found = server(addr_domain(n.sender), &a);
  if (later(found)) { wr_u8(w, MSG_TEMP); return 1; } /* asking DNS: come back */
  if (found != DISCOVER_FOUND || sodium_memcmp(a.s.pk, pk, 32) != 0) return 0;
  if (strcmp(addr_domain(n.rcpt), me)) { wr_u8(w, MSG_NOENT); return 1; }
  /* postage: asked of strangers, the senders whose ISP this one knows
   * only through DNS (not in control/servers) */
  if (postage && !a.peer && stamp_bits(n.sender, n.rcpt, n.handle, stamp) < postage) {
    stats.postage++;
    wr_u8(w, MSG_POSTAGE);
    wr_u8(w, (uint8_t)postage);
    return 1;
  }
  cur_stamp = stamp;
  cur_want = 0;
  st = take(pk, &n, n.rcpt, 0);
  wr_u8(w, (uint8_t)st);
  if (st == MSG_OK && cur_want) wr_u8(w, (uint8_t)cur_want); /* postage wanted */
  return 1;
}

/* FORWARD: str to, note.  Sealed by the ISP of the note's recipient. */
static int forward(const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_note n;
  struct discover_answer a;
  char to[ADDR_MAX + 1];
  enum discover_result found;
  if (msg_get_addr(r, to) == -1 || msg_get_note(r, &n) == -1 || msg_end(r) == -1) return 0;
  found = server(addr_domain(n.rcpt), &a);
  if (later(found)) { wr_u8(w, MSG_TEMP); return 1; }
  if (found != DISCOVER_FOUND || sodium_memcmp(a.s.pk, pk, 32) != 0) return 0;
  /* the sender's domain must at least be one we could fetch from */
  found = server(addr_domain(n.sender), &a);
  if (later(found)) { wr_u8(w, MSG_TEMP); return 1; }
  if (found != DISCOVER_FOUND) { wr_u8(w, MSG_NOENT); return 1; }
  if (strcmp(addr_domain(to), me) || !strcmp(addr_domain(n.rcpt), me)) {
    wr_u8(w, MSG_NOENT);
    return 1;
  }
  cur_stamp = 0;
  cur_want = 0;
  wr_u8(w, (uint8_t)take(pk, &n, to, 1));
  return 1;
}

/* pass_on: send FORWARD(to, note) to to's inbox and keep it until that
 * inbox answers or FWD_TRIES are spent; the sender is told OK (it keeps
 * notifying until the message is confirmed, so a loss here only waits
 * for its next round) */
static int pass_on(const struct msg_note *n, const char *to)
{
  unsigned char body[PACKET_MAX];
  struct discover_answer a;
  struct wr w;
  struct fwd *f = NULL;
  unsigned i;
  int found;
  if (server(addr_domain(to), &a) != DISCOVER_FOUND) return MSG_TEMP; /* not known (yet) */
  if (nfwds >= FWD_MAX) return MSG_TEMP;
  for (i = 0; i < FWD_MAX; i++)
    if (!fwds[i].used) { f = &fwds[i]; break; }
  if (!f) return MSG_TEMP;
  wr_init(&w, body, sizeof body);
  wr_str8(&w, to);
  msg_put_note(&w, n);
  if (w.err || udp_addr(&f->sa, a.s.ip, a.s.inbox_port) == -1 ||
      crypto_box_beforenm(f->k, a.s.pk, mysk) != 0)
    return MSG_TEMP;
  found = packet_seal_request(f->pkt, KIND_FORWARD, mypk, f->k, body, w.pos, 0, f->reqid);
  if (found == -1) return MSG_TEMP;
  f->len = (size_t)found;
  f->used = 1;
  f->tries = 0;
  f->due = now_ms();
  nfwds++;
  stats.passed++;
  return MSG_OK;
}

static int64_t forwards_send(void)
{
  int64_t now = now_ms(), next = 60000;
  unsigned i;
  for (i = 0; nfwds && i < FWD_MAX; i++) {
    struct fwd *f = &fwds[i];
    if (!f->used) continue;
    if (f->due <= now) {
      if (f->tries == FWD_TRIES) {
        f->used = 0;
        nfwds--;
        stats.fwdlost++;
        continue;
      }
      (void)sendto(cfd, f->pkt, f->len, 0, (struct sockaddr *)&f->sa, sizeof f->sa);
      f->due = now + (1000 << f->tries);
      f->tries++;
    }
    if (f->due - now < next) next = f->due - now;
  }
  return next < 0 ? 0 : next;
}

static void forwards_answers(void)
{
  unsigned char p[PACKET_MAX + 1], plain[PACKET_MAX], reqid[PACKET_REQID];
  const unsigned char *body;
  size_t bodylen;
  struct sockaddr_in sa;
  socklen_t sl;
  ssize_t n;
  unsigned i, j;
  for (;;) {
    sl = sizeof sa;
    n = recvfrom(cfd, p, sizeof p, MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
    if (n < 0) return;
    for (i = 0; i < FWD_MAX; i++) {
      struct fwd *f = &fwds[i];
      if (!f->used || f->sa.sin_addr.s_addr != sa.sin_addr.s_addr || f->sa.sin_port != sa.sin_port)
        continue;
      if (packet_open_response(p, (size_t)n, KIND_FORWARD, f->k, plain, &body, &bodylen, reqid) == -1)
        break; /* one key per peer: it does not open */
      for (j = i; j < FWD_MAX; j++)
        if (fwds[j].used && !memcmp(fwds[j].reqid, reqid, PACKET_REQID)) {
          /* OK or a refusal: either way this inbox is done with it */
          if (bodylen < 1 || body[0] == MSG_TEMP) break; /* retried on schedule */
          fwds[j].used = 0;
          nfwds--;
          break;
        }
      break;
    }
  }
}

/* authuser: the request's key must be the user's registered key */
static int authuser(const char *user, const unsigned char pk[32])
{
  unsigned char upk[32];
  int r = userkey(user, upk);
  if (r != 1) return r == 0 ? 0 : -1;
  return sodium_memcmp(upk, pk, 32) == 0;
}

static int list(const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_list_req q;
  uint32_t b, i;
  size_t count = 0, countpos;
  int a;
  if (msg_get_list_req(r, &q) == -1) { wr_u8(w, MSG_BAD); return 1; }
  a = authuser(q.user, pk);
  if (a == -1) { wr_u8(w, MSG_TEMP); return 1; }
  if (a == 0) { wr_u8(w, MSG_DENIED); return 1; }
  b = findbox(q.user, q.postage != 0);
  if (b != NONE) boxes[b].postage = q.postage;
  wr_u8(w, MSG_OK);
  countpos = w->pos;
  wr_u8(w, 0); /* more */
  wr_u8(w, 0); /* count */
  for (i = b == NONE ? NONE : boxes[b].head; i != NONE; i = N(i)->next) {
    struct note *x = N(i);
    struct msg_note n;
    struct wr save;
    if (x->seq <= q.cursor) continue;
    snprintf(n.sender, sizeof n.sender, "%s", x->addrs);
    if (*note_rcpt(x)) snprintf(n.rcpt, sizeof n.rcpt, "%s", note_rcpt(x));
    else selfaddr(n.rcpt, q.user);
    memcpy(n.handle, x->handle, MSG_HANDLE);
    n.size = x->size;
    memcpy(n.hash, x->hash, MSG_HASH);
    memcpy(n.token, x->token, MSG_TOKEN);
    save = *w;
    wr_u64(w, x->seq);
    msg_put_note(w, &n);
    wr_u8(w, x->worth);
    if (w->err || count == 255) {
      *w = save;
      w->p[countpos] = 1; /* more to come: ask again from the last seq */
      break;
    }
    count++;
  }
  w->p[countpos + 1] = (unsigned char)count;
  return 1;
}

static int done(const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_done_req q;
  char self[ADDR_MAX + 1];
  uint32_t b, i;
  int a;
  if (msg_get_done_req(r, &q) == -1) { wr_u8(w, MSG_BAD); return 1; }
  a = authuser(q.user, pk);
  if (a == -1) { wr_u8(w, MSG_TEMP); return 1; }
  if (a == 0) { wr_u8(w, MSG_DENIED); return 1; }
  b = findbox(q.user, 0);
  if (b != NONE) {
    selfaddr(self, q.user);
    i = findnote(b, q.handle, q.sender, strcmp(q.rcpt, self) ? q.rcpt : "");
    if (i != NONE) { drop(i); stats.done++; }
  }
  wr_u8(w, MSG_OK); /* idempotent: done twice is done */
  return 1;
}

static int handle(void *ctx, int kind, const unsigned char pk[PACKET_KEY], struct rd *r,
                  struct wr *w, size_t datagram)
{
  (void)ctx;
  (void)datagram;
  switch (kind) {
  case KIND_NOTIFY: return notify(pk, r, w);
  case KIND_FORWARD: return forward(pk, r, w);
  case KIND_LIST: return list(pk, r, w);
  case KIND_DONE: return done(pk, r, w);
  default: return 0;
  }
}

/* a line a minute at most, and only when something changed: the log is
 * about the inbox, never about a message */
static void report(void)
{
  if (!memcmp(&stats, &logged, sizeof stats)) return;
  logged = stats;
  info("holding %lu notifications for %lu users in %lu bytes; since start: held %llu, merged %llu,"
       " refused %llu, rate-limited %llu, done %llu, passed on %llu, given up passing on %llu,"
       " asked for postage %llu",
       (unsigned long)total, (unsigned long)nboxes, (unsigned long)bytes,
       (unsigned long long)stats.held, (unsigned long long)stats.merged,
       (unsigned long long)stats.refused, (unsigned long long)stats.limited,
       (unsigned long long)stats.done, (unsigned long long)stats.passed,
       (unsigned long long)stats.fwdlost, (unsigned long long)stats.postage);
}

static void limits(void)
{
  char line[64];
  int r;
  if (ctl_uint(hfd, "control/usernotes", 10000, 1000000, &user_max) == -1)
    die(EXIT_TEMP, "control/usernotes: want a number of notifications up to 1000000");
  if (ctl_uint(hfd, "control/notes", 1000000, 100000000, &total_max) == -1)
    die(EXIT_TEMP, "control/notes: want a number of notifications up to 100000000");
  r = ctl_line(hfd, "control/logheld", line, sizeof line);
  if (r == -1) die_sys(EXIT_TEMP, "unable to read control/logheld");
  logheld = r == 1 && !strcmp(line, "1");
  /* control/postage: absent, none; empty, STAMP_DEFAULT; else the bits */
  r = ctl_line(hfd, "control/postage", line, sizeof line);
  if (r == -1 && errno == EINVAL) postage = STAMP_DEFAULT;
  else if (r == -1 && errno != EMSGSIZE) die_sys(EXIT_TEMP, "unable to read control/postage");
  else if (r != 0) {
    uint64_t v;
    if (r == -1 || scan_u64(line, strlen(line), STAMP_MAX, &v) == -1 || v == 0)
      die(EXIT_TEMP, "control/postage: want the bits of postage asked of strangers, 1 to %d (empty: %d)",
          STAMP_MAX, STAMP_DEFAULT);
    postage = (unsigned)v;
  }
  r = ctl_line(hfd, "control/keyrate", line, sizeof line);
  if (r == -1) die_sys(EXIT_TEMP, "unable to read control/keyrate");
  if (r == 1) {
    char *sp = strchr(line, ' ');
    if (!sp || scan_u64(line, (size_t)(sp - line), 10000000, &key_rate) == -1 ||
        scan_u64(sp + 1, strlen(sp + 1), 100000000, &key_burst) == -1 || !key_rate || !key_burst)
      die(EXIT_TEMP, "control/keyrate: want RATE BURST (new notifications per second per sender key, and the burst)");
  }
}

int main(void)
{
  char home[HOME_MAX];
  struct server self;
  struct keycache *kc;
  struct server_stats st = {0, 0, 0};
  int64_t lastreport = 0;
  int fd;

  die_prog = "im2k-inboxd";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  randombytes_buf(hashkey, sizeof hashkey);
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(hfd, me, &self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  limits();
  if (keys_read(hfd, "keys/secret", mysk, 32) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  if (crypto_scalarmult_base(mypk, mysk) != 0) die(EXIT_TEMP, "bad key in %s/keys/secret", home);
  fd = udp_bind(self.ip, self.inbox_port);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to bind %s:%u", self.ip, self.inbox_port);
  cfd = udp_bind(self.ip, 0);
  if (cfd == -1) die_sys(EXIT_TEMP, "unable to bind %s for passing notifications on", self.ip);
  kc = keycache_new(mysk, 4096, 2000);
  if (!kc) die_nomem();
  disc = discover_open(hfd, 4096);
  if (!disc)
    die_sys(EXIT_TEMP, "unable to set up DNS lookups (%s/control/dnsip: want IPV4 or IPV4:PORT lines)", home);
  if (priv_drop() == -1) die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
  info("inbox for %s on %s:%u", me, self.ip, self.inbox_port);
  for (;;) {
    struct pollfd pf[3];
    int64_t wait = forwards_send(), now, dw = discover_tick(disc, now_ms());
    pf[0].fd = fd;
    pf[0].events = POLLIN;
    pf[1].fd = cfd;
    pf[1].events = POLLIN;
    pf[2].fd = discover_fd(disc);
    pf[2].events = POLLIN;
    if (dw < wait) wait = dw;
    if (wait > 60000) wait = 60000;
    if (poll(pf, 3, (int)wait) == -1 && errno != EINTR) die_sys(EXIT_TEMP, "unable to poll");
    if (pf[2].revents) discover_input(disc, now_ms());
    if (pf[1].revents) forwards_answers();
    if (pf[0].revents) {
      int k;
      for (k = 0; k < 64 && server_step(fd, kc, handle, NULL, 0, &st) == 1; k++) {}
    }
    now = now_ms();
    if (now - lastreport >= 60000) {
      report();
      lastreport = now;
    }
  }
}
