/* im2k-inboxd: the receiver ISP's inbox.  Takes notifications (NOTIFY)
 * from other ISPs and keeps them in memory only, per local user; answers
 * each user's LIST and DONE, authenticated by the key registered for the
 * user in control/users.cdb.  Nothing about a message is written to disk;
 * after a restart the inbox is empty and the senders' retransmissions
 * fill it again.
 * SECURITY: starts as root only to read keys/secret, then runs as im2ki.
 * A notification is kept only if its box was sealed with the key published
 * for its sender's domain in control/servers.cdb; everything else is
 * dropped unanswered.  Memory is bounded per user and in total. */
#include "die.h"
#include "hex.h"
#include "home.h"
#include "keys.h"
#include "msg.h"
#include "priv.h"
#include "server.h"
#include "servers.h"
#include "udp.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USER_MAX_NOTES 10000
#define TOTAL_MAX_NOTES 1000000

struct note {
  uint64_t seq;
  struct msg_note n;
};

struct box {
  char user[LOCAL_MAX + 1];
  struct note *v;
  size_t len, cap;
  struct box *next;
};

struct ctx {
  int hfd;
  char me[256];
  struct box *boxes;
  uint64_t seq;
  size_t total;
};

static struct box *findbox(struct ctx *c, const char *user, int create)
{
  struct box *b;
  for (b = c->boxes; b; b = b->next)
    if (!strcmp(b->user, user)) return b;
  if (!create) return NULL;
  b = calloc(1, sizeof *b);
  if (!b) return NULL;
  snprintf(b->user, sizeof b->user, "%s", user);
  b->next = c->boxes;
  c->boxes = b;
  return b;
}

/* userkey: 1 and the registered key, 0 unknown user, -1 error */
static int userkey(struct ctx *c, const char *user, unsigned char pk[32])
{
  struct table t;
  char v[80];
  size_t vl;
  int r;
  if (table_open(&t, c->hfd, "control/users.cdb") == -1) return -1;
  r = table_get(&t, user, strlen(user), v, sizeof v, &vl);
  table_close(&t);
  if (r != 1) return r;
  if (hex_decode(pk, 32, v, vl) == -1) return -1;
  return 1;
}

static int notify(struct ctx *c, const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_note n;
  struct server s;
  struct table t;
  struct box *b;
  unsigned char upk[32];
  char user[LOCAL_MAX + 1];
  const char *at;
  size_t i;
  int found;
  if (msg_get_note(r, &n) == -1 || msg_end(r) == -1) return 0;
  /* the sender's domain must be the one whose key sealed this box */
  /* no table, no way to check the key: no answer, as for any bad key */
  if (table_open(&t, c->hfd, "control/servers.cdb") == -1) return 0;
  found = servers_lookup(&t, addr_domain(n.sender), &s);
  table_close(&t);
  if (found != 1 || sodium_memcmp(s.pk, pk, 32) != 0) return 0;
  if (strcmp(addr_domain(n.rcpt), c->me)) { wr_u8(w, MSG_NOENT); return 1; }
  at = strrchr(n.rcpt, '@');
  snprintf(user, sizeof user, "%.*s", (int)(at - n.rcpt), n.rcpt);
  found = userkey(c, user, upk);
  if (found == -1) { wr_u8(w, MSG_TEMP); return 1; }
  if (found == 0) { wr_u8(w, MSG_NOENT); return 1; }
  b = findbox(c, user, 1);
  if (!b) { wr_u8(w, MSG_TEMP); return 1; }
  for (i = 0; i < b->len; i++) /* a retransmission: merged */
    if (!memcmp(b->v[i].n.handle, n.handle, MSG_HANDLE) && !strcmp(b->v[i].n.sender, n.sender) &&
        !strcmp(b->v[i].n.rcpt, n.rcpt)) {
      wr_u8(w, MSG_OK);
      return 1;
    }
  if (b->len >= USER_MAX_NOTES || c->total >= TOTAL_MAX_NOTES) { wr_u8(w, MSG_TEMP); return 1; }
  if (b->len == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 8;
    struct note *v = realloc(b->v, cap * sizeof *v);
    if (!v) { wr_u8(w, MSG_TEMP); return 1; }
    b->v = v;
    b->cap = cap;
  }
  b->v[b->len].seq = ++c->seq;
  b->v[b->len].n = n;
  b->len++;
  c->total++;
  info("held %s -> %s size %llu", n.sender, n.rcpt, (unsigned long long)n.size);
  wr_u8(w, MSG_OK);
  return 1;
}

/* authuser: the request's key must be the user's registered key */
static int authuser(struct ctx *c, const char *user, const unsigned char pk[32])
{
  unsigned char upk[32];
  int r = userkey(c, user, upk);
  if (r != 1) return r == 0 ? 0 : -1;
  return sodium_memcmp(upk, pk, 32) == 0;
}

static int list(struct ctx *c, const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_list_req q;
  struct box *b;
  size_t i, count = 0, countpos;
  int a;
  if (msg_get_list_req(r, &q) == -1) { wr_u8(w, MSG_BAD); return 1; }
  a = authuser(c, q.user, pk);
  if (a == -1) { wr_u8(w, MSG_TEMP); return 1; }
  if (a == 0) { wr_u8(w, MSG_DENIED); return 1; }
  b = findbox(c, q.user, 0);
  wr_u8(w, MSG_OK);
  countpos = w->pos;
  wr_u8(w, 0); /* more */
  wr_u8(w, 0); /* count */
  for (i = 0; b && i < b->len; i++) {
    struct wr save;
    if (b->v[i].seq <= q.cursor) continue;
    save = *w;
    wr_u64(w, b->v[i].seq);
    msg_put_note(w, &b->v[i].n);
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

static int done(struct ctx *c, const unsigned char pk[32], struct rd *r, struct wr *w)
{
  struct msg_done_req q;
  struct box *b;
  size_t i;
  int a;
  if (msg_get_done_req(r, &q) == -1) { wr_u8(w, MSG_BAD); return 1; }
  a = authuser(c, q.user, pk);
  if (a == -1) { wr_u8(w, MSG_TEMP); return 1; }
  if (a == 0) { wr_u8(w, MSG_DENIED); return 1; }
  b = findbox(c, q.user, 0);
  for (i = 0; b && i < b->len; i++)
    if (!memcmp(b->v[i].n.handle, q.handle, MSG_HANDLE) && !strcmp(b->v[i].n.sender, q.sender) &&
        !strcmp(b->v[i].n.rcpt, q.rcpt)) {
      memmove(b->v + i, b->v + i + 1, (b->len - i - 1) * sizeof *b->v);
      b->len--;
      c->total--;
      break;
    }
  wr_u8(w, MSG_OK); /* idempotent: done twice is done */
  return 1;
}

static int handle(void *ctx, int kind, const unsigned char pk[PACKET_KEY], struct rd *r,
                  struct wr *w, size_t datagram)
{
  (void)datagram;
  switch (kind) {
  case KIND_NOTIFY: return notify(ctx, pk, r, w);
  case KIND_LIST: return list(ctx, pk, r, w);
  case KIND_DONE: return done(ctx, pk, r, w);
  default: return 0;
  }
}

int main(void)
{
  char home[HOME_MAX];
  unsigned char sk[32];
  struct server self;
  struct ctx c;
  struct keycache *kc;
  struct server_stats st = {0, 0, 0};
  int fd;

  die_prog = "im2k-inboxd";
  signal(SIGPIPE, SIG_IGN);
  memset(&c, 0, sizeof c);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  c.hfd = home_open(home);
  if (c.hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(c.hfd, c.me, &self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  if (keys_read(c.hfd, "keys/secret", sk, 32) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  fd = udp_bind(self.ip, self.inbox_port);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to bind %s:%u", self.ip, self.inbox_port);
  kc = keycache_new(sk, 4096, 2000);
  sodium_memzero(sk, sizeof sk);
  if (!kc) die_nomem();
  if (priv_drop() == -1) die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
  info("inbox for %s on %s:%u", c.me, self.ip, self.inbox_port);
  for (;;)
    if (server_step(fd, kc, handle, &c, 60000, &st) == -1) die_sys(EXIT_TEMP, "unable to receive");
}
