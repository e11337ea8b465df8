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
#include "grow.h"
#include "hex.h"
#include "home.h"
#include "htab.h"
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

#define NONE HTAB_NONE       /* no note, no box: the end of a list */
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
  uint32_t prev, next;     /* the box's notes, in arrival (seq) order;
                            * next also chains the free slots */
  uint32_t hnext;          /* the notes table's chain (htab.h) */
  unsigned char worth;     /* of the stamp it came with (see stamp.h) */
};
_Static_assert(sizeof(struct note) <= 128, "the memory per held note is counted on 128 bytes");

struct box {
  char user[LOCAL_MAX + 1];
  uint32_t head, tail, count;
  uint32_t hnext;          /* the boxes table's chain (htab.h) */
  unsigned postage;        /* what the user's last LIST asked (0: none) */
};

/* a sender key's token bucket */
struct rate {
  unsigned char pk[PACKET_KEY];
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
static unsigned char mypk[crypto_box_PUBLICKEYBYTES], mysk[crypto_box_SECRETKEYBYTES];

static struct note **chunks;
static size_t capchunks;
static uint32_t nchunks, freelist = NONE, total;
static struct htab notes;  /* by (handle, sender, recipient, box) */
static struct box *boxes;
static size_t capboxes;
static uint32_t nboxes;
static struct htab boxtab; /* by user */
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
static int userkey(const char *user, unsigned char pk[PACKET_KEY])
{
  struct table *t = kept(&users);
  char v[80];
  size_t vl;
  int r;
  if (!t) return -1;
  r = table_get(t, user, strlen(user), v, sizeof v, &vl);
  if (r != 1) return r;
  if (hex_decode(pk, PACKET_KEY, v, vl) == -1) return -1;
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

static uint32_t *boxlink(void *c, uint32_t i) { (void)c; return &boxes[i].hnext; }
static uint64_t boxhashof(void *c, uint32_t i) { (void)c; return hash(boxes[i].user, strlen(boxes[i].user)); }

/* findbox: the user's box, made if create; NONE when there is none (or
 * no memory for it) */
static uint32_t findbox(const char *user, int create)
{
  uint64_t h = hash(user, strlen(user));
  uint32_t i;
  for (i = htab_first(&boxtab, h); i != NONE; i = htab_next(&boxtab, i))
    if (!strcmp(boxes[i].user, user)) return i;
  if (!create) return NONE;
  if (grow_array(&boxes, &capboxes, (size_t)nboxes + 1, sizeof *boxes, 64) == -1 ||
      htab_reserve(&boxtab, 1) == -1)
    return NONE;
  i = nboxes++;
  snprintf(boxes[i].user, sizeof boxes[i].user, "%s", user);
  boxes[i].head = boxes[i].tail = NONE;
  boxes[i].count = 0;
  boxes[i].postage = 0;
  (void)htab_insert(&boxtab, i, h); /* cannot fail: room reserved */
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

static uint32_t *notelink(void *c, uint32_t i) { (void)c; return &N(i)->hnext; }

static uint64_t notehashof(void *c, uint32_t i)
{
  const struct note *x = N(i);
  (void)c;
  return notehash(x->handle, x->addrs, note_rcpt(x), x->box);
}

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
  for (i = htab_first(&notes, notehash(handle, sender, rcpt, box)); i != NONE; i = N(i)->hnext) {
    struct note *x = N(i);
    if (x->box == box && !memcmp(x->handle, handle, MSG_HANDLE) && !strcmp(x->addrs, sender) &&
        !strcmp(note_rcpt(x), rcpt))
      return i;
  }
  return NONE;
}

/* grow: room for one more note (a free slot, and the table's room for
 * it: at most one note per bucket, as the memory per note is counted) */
static int grow(void)
{
  uint32_t i;
  if (freelist == NONE) {
    if (grow_array(&chunks, &capchunks, (size_t)nchunks + 1, sizeof *chunks, 16) == -1) return -1;
    chunks[nchunks] = calloc(CHUNK, sizeof **chunks);
    if (!chunks[nchunks]) return -1;
    for (i = CHUNK; i-- > 0;) {
      chunks[nchunks][i].next = freelist;
      freelist = nchunks * CHUNK + i;
    }
    nchunks++;
  }
  return htab_reserve(&notes, 1);
}

/* newnote: a free slot holding n (sent to rcpt) for box b, not yet in
 * the box's list nor in the table; NONE when there is no memory */
static uint32_t newnote(uint32_t b, const struct msg_note *n, const char *rcpt, unsigned worth)
{
  size_t sl = strlen(n->sender) + 1, rl = strlen(rcpt) + 1;
  struct note *x;
  uint32_t i;
  if (grow() == -1) return NONE;
  i = freelist;
  x = N(i);
  x->addrs = malloc(sl + rl);
  if (!x->addrs) return NONE;
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
  bytes += sizeof *x + sl + rl;
  return i;
}

/* append: note i at the end of its box's list */
static void append(uint32_t i)
{
  struct note *x = N(i);
  struct box *b = &boxes[x->box];
  x->next = NONE;
  x->prev = b->tail;
  if (x->prev == NONE) b->head = i;
  else N(x->prev)->next = i;
  b->tail = i;
  b->count++;
}

/* unlink_note: note i out of its box's list */
static void unlink_note(uint32_t i)
{
  struct note *x = N(i);
  struct box *b = &boxes[x->box];
  if (x->prev == NONE) b->head = x->next;
  else N(x->prev)->next = x->next;
  if (x->next == NONE) b->tail = x->prev;
  else N(x->next)->prev = x->prev;
  b->count--;
}

/* logheld_line: control/logheld's line for a note held */
static void logheld_line(uint32_t b, const struct msg_note *n, const char *rcpt)
{
  char a[ADDR_MAX + 1];
  if (*rcpt) snprintf(a, sizeof a, "%s", rcpt);
  else selfaddr(a, boxes[b].user);
  info("held %s -> %s size %llu", n->sender, a, (unsigned long long)n->size);
}

/* the NOTIFY at hand: its stamp, and the postage its recipient asks
 * (set by notify, read by take) */
static uint64_t cur_stamp;
static unsigned cur_want;

/* hold: the note in box b, its stamp worth worth; MSG_OK (held or
 * already held: then it keeps the better stamp) or MSG_TEMP */
static int hold(uint32_t b, const struct msg_note *n, const char *rcpt, unsigned worth)
{
  uint32_t i = findnote(b, n->handle, n->sender, rcpt);
  if (i != NONE) {
    stats.merged++;
    if (worth > N(i)->worth) N(i)->worth = (unsigned char)worth;
    return MSG_OK;
  }
  if (boxes[b].count >= user_max || total >= total_max ||
      (i = newnote(b, n, rcpt, worth)) == NONE) {
    stats.refused++;
    return MSG_TEMP;
  }
  append(i);
  (void)htab_insert(&notes, i, notehashof(NULL, i)); /* cannot fail: grow reserved room */
  total++;
  stats.held++;
  if (logheld) logheld_line(b, n, rcpt);
  return MSG_OK;
}

static void drop(uint32_t i)
{
  struct note *x = N(i);
  (void)htab_delete(&notes, i, notehashof(NULL, i)); /* it is there */
  unlink_note(i);
  total--;
  bytes -= sizeof *x + strlen(x->addrs) + strlen(note_rcpt(x)) + 2;
  free(x->addrs);
  memset(x, 0, sizeof *x);
  x->next = freelist;
  freelist = i;
}

/* limit: 1 if the sender key may add one more note now */
static int limit(const unsigned char pk[PACKET_KEY])
{
  struct rate *r = &rates[hash(pk, PACKET_KEY) % RATE_SLOTS];
  int64_t now = now_ms();
  if (sodium_memcmp(r->pk, pk, PACKET_KEY) != 0) {
    memcpy(r->pk, pk, PACKET_KEY);
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

/* box_worth: what n's stamp is worth to box b, when its user asks postage
 * (0 when not).  The note is held all the same (the user's known senders
 * need none), and the sender is told what is asked. */
static unsigned box_worth(uint32_t b, const struct msg_note *n)
{
  unsigned w;
  if (!boxes[b].postage) return 0;
  w = stamp_bits(n->sender, n->rcpt, n->handle, cur_stamp);
  if (w < boxes[b].postage) cur_want = boxes[b].postage;
  return w;
}

static int pass_on(const struct msg_note *n, const char *to);

/* take: a note for USER@me (to), sent to rcpt; a status */
static int take(const unsigned char pk[PACKET_KEY], const struct msg_note *n, const char *to, int hops)
{
  /* the address the note was sent to is kept unless it is the box's own */
  const char *rcpt = strcmp(n->rcpt, to) ? n->rcpt : "";
  char user[LOCAL_MAX + 1], fw[ADDR_MAX + 1];
  unsigned char upk[PACKET_KEY];
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
  return hold(b, n, rcpt, box_worth(b, n));
}

static int notify(const unsigned char pk[PACKET_KEY], struct rd *r, struct wr *w)
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
  if (later(found)) { msg_put_status_ans(w, MSG_TEMP); return 1; } /* asking DNS: come back */
  if (found != DISCOVER_FOUND || sodium_memcmp(a.s.pk, pk, PACKET_KEY) != 0) return 0;
  if (strcmp(addr_domain(n.rcpt), me)) { msg_put_status_ans(w, MSG_NOENT); return 1; }
  /* postage: asked of strangers, the senders whose ISP this one knows
   * only through DNS (not in control/servers) */
  if (postage && !a.peer && stamp_bits(n.sender, n.rcpt, n.handle, stamp) < postage) {
    stats.postage++;
    msg_put_notify_ans(w, &(struct msg_notify_ans){MSG_POSTAGE, (uint8_t)postage});
    return 1;
  }
  cur_stamp = stamp;
  cur_want = 0;
  st = take(pk, &n, n.rcpt, 0);
  /* after OK, the postage the recipient wants (0: none, nothing written) */
  msg_put_notify_ans(w, &(struct msg_notify_ans){(uint8_t)st, st == MSG_OK ? (uint8_t)cur_want : 0});
  return 1;
}

/* FORWARD: str to, note.  Sealed by the ISP of the note's recipient. */
static int forward(const unsigned char pk[PACKET_KEY], struct rd *r, struct wr *w)
{
  struct msg_forward_req q;
  struct discover_answer a;
  enum discover_result found;
  if (msg_get_forward_req(r, &q) == -1) return 0;
  found = server(addr_domain(q.note.rcpt), &a);
  if (later(found)) { msg_put_status_ans(w, MSG_TEMP); return 1; }
  if (found != DISCOVER_FOUND || sodium_memcmp(a.s.pk, pk, PACKET_KEY) != 0) return 0;
  /* the sender's domain must at least be one we could fetch from */
  found = server(addr_domain(q.note.sender), &a);
  if (later(found)) { msg_put_status_ans(w, MSG_TEMP); return 1; }
  if (found != DISCOVER_FOUND) { msg_put_status_ans(w, MSG_NOENT); return 1; }
  if (strcmp(addr_domain(q.to), me) || !strcmp(addr_domain(q.note.rcpt), me)) {
    msg_put_status_ans(w, MSG_NOENT);
    return 1;
  }
  cur_stamp = 0;
  cur_want = 0;
  msg_put_status_ans(w, (uint8_t)take(pk, &q.note, q.to, 1));
  return 1;
}

/* pass_on: send FORWARD(to, note) to to's inbox and keep it until that
 * inbox answers or FWD_TRIES are spent; the sender is told OK (it keeps
 * notifying until the message is confirmed, so a loss here only waits
 * for its next round) */
static int pass_on(const struct msg_note *n, const char *to)
{
  unsigned char body[PACKET_MAX];
  struct msg_forward_req q;
  struct discover_answer a;
  struct wr w;
  struct fwd *f = NULL;
  unsigned i;
  int len;
  if (server(addr_domain(to), &a) != DISCOVER_FOUND) return MSG_TEMP; /* not known (yet) */
  if (nfwds >= FWD_MAX) return MSG_TEMP;
  for (i = 0; i < FWD_MAX; i++)
    if (!fwds[i].used) { f = &fwds[i]; break; }
  if (!f) return MSG_TEMP;
  snprintf(q.to, sizeof q.to, "%s", to);
  q.note = *n;
  wr_init(&w, body, sizeof body);
  msg_put_forward_req(&w, &q);
  if (w.err || udp_addr(&f->sa, a.s.ip, a.s.inbox_port) == -1 ||
      crypto_box_beforenm(f->k, a.s.pk, mysk) != 0)
    return MSG_TEMP;
  len = packet_seal_request(f->pkt, KIND_FORWARD, mypk, f->k, body, w.pos, 0, f->reqid);
  if (len == -1) return MSG_TEMP;
  f->len = (size_t)len;
  f->used = 1;
  f->tries = 0;
  f->due = now_ms();
  nfwds++;
  stats.passed++;
  return MSG_OK;
}

/* forwards_send: (re)send what is due; ms until the next is */
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

/* forward_answer: datagram p came from the peer of fwds[i], the first
 * FORWARD pending there (one key per peer: if it does not open with
 * that one, it does not open) */
static void forward_answer(unsigned i, const unsigned char *p, size_t n)
{
  unsigned char plain[PACKET_MAX], reqid[PACKET_REQID];
  const unsigned char *body;
  size_t bodylen;
  struct rd r;
  uint8_t st;
  unsigned j;
  if (packet_open_response(p, n, KIND_FORWARD, fwds[i].k, plain, &body, &bodylen, reqid) == -1)
    return;
  for (j = i; j < FWD_MAX; j++)
    if (fwds[j].used && !memcmp(fwds[j].reqid, reqid, PACKET_REQID)) break;
  if (j == FWD_MAX) return;
  /* OK or a refusal: either way this inbox is done with it */
  rd_init(&r, body, bodylen);
  if (msg_get_status_ans(&r, &st) == -1 || st == MSG_TEMP) return; /* retried on schedule */
  fwds[j].used = 0;
  nfwds--;
}

/* forwards_answers: the answers waiting on cfd */
static void forwards_answers(void)
{
  unsigned char p[PACKET_MAX + 1];
  struct sockaddr_in sa;
  socklen_t sl;
  ssize_t n;
  unsigned i;
  for (;;) {
    sl = sizeof sa;
    n = recvfrom(cfd, p, sizeof p, MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
    if (n < 0) return;
    for (i = 0; i < FWD_MAX; i++)
      if (fwds[i].used && fwds[i].sa.sin_addr.s_addr == sa.sin_addr.s_addr &&
          fwds[i].sa.sin_port == sa.sin_port) {
        forward_answer(i, p, (size_t)n);
        break;
      }
  }
}

/* authuser: whether the request's key is the user's registered key:
 * MSG_OK, MSG_DENIED, or MSG_TEMP (the table cannot be read) */
static uint8_t authuser(const char *user, const unsigned char pk[PACKET_KEY])
{
  unsigned char upk[PACKET_KEY];
  int r = userkey(user, upk);
  if (r == -1) return MSG_TEMP;
  if (r == 0 || sodium_memcmp(upk, pk, PACKET_KEY) != 0) return MSG_DENIED;
  return MSG_OK;
}

/* list_entry: note x, of user's box, as a LIST entry */
static void list_entry(const struct note *x, const char *user, struct msg_list_entry *e)
{
  e->seq = x->seq;
  snprintf(e->note.sender, sizeof e->note.sender, "%s", x->addrs);
  if (*note_rcpt(x)) snprintf(e->note.rcpt, sizeof e->note.rcpt, "%s", note_rcpt(x));
  else selfaddr(e->note.rcpt, user);
  memcpy(e->note.handle, x->handle, MSG_HANDLE);
  e->note.size = x->size;
  memcpy(e->note.hash, x->hash, MSG_HASH);
  memcpy(e->note.token, x->token, MSG_TOKEN);
  e->worth = x->worth;
}

static int list(const unsigned char pk[PACKET_KEY], struct rd *r, struct wr *w)
{
  struct msg_list_req q;
  struct msg_list_ans a = {MSG_OK, 0, 0};
  struct msg_list_entry e;
  size_t head;
  uint32_t b, i;
  uint8_t st;
  if (msg_get_list_req(r, &q) == -1) { msg_put_status_ans(w, MSG_BAD); return 1; }
  st = authuser(q.user, pk);
  if (st != MSG_OK) { msg_put_status_ans(w, st); return 1; }
  b = findbox(q.user, q.postage != 0);
  if (b != NONE) boxes[b].postage = q.postage;
  head = w->pos;
  msg_put_list_ans(w, &a);
  for (i = b == NONE ? NONE : boxes[b].head; i != NONE; i = N(i)->next) {
    if (N(i)->seq <= q.cursor) continue;
    list_entry(N(i), q.user, &e);
    /* full: more to come, asked for again from the last seq */
    if (a.count == 255 || msg_put_list_entry(w, &e) == -1) { a.more = 1; break; }
    a.count++;
  }
  msg_patch_list_ans(w, head, &a);
  return 1;
}

static int done(const unsigned char pk[PACKET_KEY], struct rd *r, struct wr *w)
{
  struct msg_done_req q;
  char self[ADDR_MAX + 1];
  uint32_t b, i;
  uint8_t st;
  if (msg_get_done_req(r, &q) == -1) { msg_put_status_ans(w, MSG_BAD); return 1; }
  st = authuser(q.user, pk);
  if (st != MSG_OK) { msg_put_status_ans(w, st); return 1; }
  b = findbox(q.user, 0);
  if (b != NONE) {
    selfaddr(self, q.user);
    i = findnote(b, q.handle, q.sender, strcmp(q.rcpt, self) ? q.rcpt : "");
    if (i != NONE) { drop(i); stats.done++; }
  }
  msg_put_status_ans(w, MSG_OK); /* idempotent: done twice is done */
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

/* postage_conf: control/postage: absent, none; empty, STAMP_DEFAULT;
 * else the bits */
static void postage_conf(void)
{
  char line[64];
  uint64_t v;
  int r = ctl_line(hfd, "control/postage", line, sizeof line);
  if (r == -1 && errno == EINVAL) { postage = STAMP_DEFAULT; return; }
  if (r == -1 && errno != EMSGSIZE) die_sys(EXIT_TEMP, "unable to read control/postage");
  if (r == 0) return;
  if (r == -1 || scan_u64(line, strlen(line), STAMP_MAX, &v) == -1 || v == 0)
    die(EXIT_TEMP, "control/postage: want the bits of postage asked of strangers, 1 to %d (empty: %d)",
        STAMP_MAX, STAMP_DEFAULT);
  postage = (unsigned)v;
}

/* keyrate_conf: control/keyrate: RATE BURST, else the defaults */
static void keyrate_conf(void)
{
  char line[64], *sp;
  int r = ctl_line(hfd, "control/keyrate", line, sizeof line);
  if (r == -1) die_sys(EXIT_TEMP, "unable to read control/keyrate");
  if (r != 1) return;
  sp = strchr(line, ' ');
  if (!sp || scan_u64(line, (size_t)(sp - line), 10000000, &key_rate) == -1 ||
      scan_u64(sp + 1, strlen(sp + 1), 100000000, &key_burst) == -1 || !key_rate || !key_burst)
    die(EXIT_TEMP, "control/keyrate: want RATE BURST (new notifications per second per sender key, and the burst)");
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
  postage_conf();
  keyrate_conf();
}

/* start: this host, its limits and its key (as root: keys/secret is
 * root's), the empty tables */
static void start(char home[HOME_MAX], struct server *self)
{
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  randombytes_buf(hashkey, sizeof hashkey);
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(hfd, me, self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  limits();
  if (keys_read(hfd, "keys/secret", mysk, sizeof mysk) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  if (crypto_scalarmult_base(mypk, mysk) != 0) die(EXIT_TEMP, "bad key in %s/keys/secret", home);
  /* one bucket per note at most, as the memory per note is counted;
   * boxes are few and their buckets cheap */
  htab_init(&notes, 4096, 0, notelink, notehashof, NULL);
  htab_init(&boxtab, 128, 1, boxlink, boxhashof, NULL);
}

/* open_sockets: the inbox's socket (returned) and cfd, for passing on */
static int open_sockets(const struct server *self)
{
  int fd = udp_bind(self->ip, self->inbox_port);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to bind %s:%u", self->ip, self->inbox_port);
  cfd = udp_bind(self->ip, 0);
  if (cfd == -1) die_sys(EXIT_TEMP, "unable to bind %s for passing notifications on", self->ip);
  return fd;
}

/* open_lookups: the sender keys' cache (returned) and DNS */
static struct keycache *open_lookups(const char *home)
{
  struct keycache *kc = keycache_new(mysk, 4096, 2000);
  if (!kc) die_nomem();
  disc = discover_open(hfd, 4096);
  if (!disc)
    die_sys(EXIT_TEMP, "unable to set up DNS lookups (%s/control/dnsip: want IPV4 or IPV4:PORT lines)", home);
  return kc;
}

/* next_wait: ms until something is due (a FORWARD to resend, a DNS
 * query), a minute at most */
static int next_wait(void)
{
  int64_t wait = forwards_send(), dw = discover_tick(disc, now_ms());
  if (dw < wait) wait = dw;
  return wait > 60000 ? 60000 : (int)wait;
}

/* serve: requests on fd, answers on cfd, DNS; a report now and then */
static _Noreturn void serve(int fd, struct keycache *kc)
{
  struct server_stats st = {0, 0, 0};
  int64_t lastreport = 0, now;
  int k;
  for (;;) {
    struct pollfd pf[3] = {{.fd = fd, .events = POLLIN}, {.fd = cfd, .events = POLLIN},
                           {.fd = discover_fd(disc), .events = POLLIN}};
    if (poll(pf, 3, next_wait()) == -1 && errno != EINTR) die_sys(EXIT_TEMP, "unable to poll");
    if (pf[2].revents) discover_input(disc, now_ms());
    if (pf[1].revents) forwards_answers();
    if (pf[0].revents)
      for (k = 0; k < 64 && server_step(fd, kc, handle, NULL, 0, &st) == 1; k++) {}
    now = now_ms();
    if (now - lastreport >= 60000) {
      report();
      lastreport = now;
    }
  }
}

int main(void)
{
  char home[HOME_MAX];
  struct server self;
  struct keycache *kc;
  int fd;

  die_prog = "im2k-inboxd";
  signal(SIGPIPE, SIG_IGN);
  start(home, &self);
  fd = open_sockets(&self);
  kc = open_lookups(home);
  if (priv_drop() == -1) die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
  info("inbox for %s on %s:%u", me, self.ip, self.inbox_port);
  serve(fd, kc);
}
