/* im2k-fetchd: the sender ISP's message server.  Serves blocks of
 * archived messages to holders of a valid recipient token (FETCH),
 * records confirmations (CONFIRM) in queue/confirm for im2k-notifyd, and
 * serves the indexes of public archives (INDEX: mailing lists), with a
 * token per message for the list's own address; fetches and
 * confirmations under such a token record nothing.
 * SECURITY: starts as root only to read keys/secret and keys/token, then
 * runs as im2kf (group im2kr: may read archives).  A token is checked,
 * with no disk access, before anything is opened; the archive file must
 * belong to the uid inside the handle.  It never writes an archive.
 * An index is the list owner's file: it gets a token only for handles of
 * the list's own archive, so a list cannot hand out another's messages.
 * Every datagram is hostile; the bad ones get no answer. */
#include "die.h"
#include "file.h"
#include "hex.h"
#include "home.h"
#include "keys.h"
#include "mdq.h"
#include "msg.h"
#include "priv.h"
#include "server.h"
#include "servers.h"
#include "token.h"
#include "udp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ctx {
  char me[256];
  int hfd;
  int cfd;   /* queue/confirm */
  unsigned char tokenkey[TOKEN_KEY];
  /* the message served last, kept open: a download is a run of requests
   * for one handle, and the path lookup costs more than the read */
  int mfd;   /* -1: none */
  unsigned char mhandle[MSG_HANDLE];
  int64_t mopened;
};

/* message: an open descriptor of archive/UID/HANDLEHEX and its stat, the
 * file checked to be a regular file of the uid inside the handle; -1 with
 * errno (ENOENT: no such message).  A kept descriptor is used for at most
 * a second, and never once the file is unlinked (a withdrawal). */
static int message(struct ctx *c, const unsigned char handle[MSG_HANDLE], struct stat *st)
{
  char path[80], hx[2 * MSG_HANDLE + 1];
  uint32_t uid = get_u32(handle);
  int64_t now = now_ms();
  int fd;
  if (c->mfd != -1 && !memcmp(c->mhandle, handle, MSG_HANDLE) && now - c->mopened < 1000 &&
      fstat(c->mfd, st) == 0 && st->st_nlink > 0)
    return c->mfd;
  if (c->mfd != -1) close(c->mfd);
  c->mfd = -1;
  hex_encode(hx, handle, MSG_HANDLE);
  snprintf(path, sizeof path, "archive/%lu/%s", (unsigned long)uid, hx);
  fd = openat(c->hfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return -1;
  if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) || st->st_uid != uid) {
    close(fd);
    errno = ENOENT;
    return -1;
  }
  c->mfd = fd;
  memcpy(c->mhandle, handle, MSG_HANDLE);
  c->mopened = now;
  return fd;
}

static void poke(int hfd)
{
  int fd = openat(hfd, "queue/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return;
  if (write(fd, "", 1) == -1) { /* full: notifyd is awake anyway */ }
  close(fd);
}

static int record(struct ctx *c, const unsigned char handle[MSG_HANDLE], const char *rcpt,
                  const char *suffix);

/* list: is addr a public list of this ISP?  1 and the list's uid, 0 if
 * not, -1 on error */
static int list(struct ctx *c, const char *addr, uint32_t *uid)
{
  const char *at = strrchr(addr, '@');
  char local[LOCAL_MAX + 1];
  size_t n;
  if (!at || strcmp(at + 1, c->me)) return 0;
  n = (size_t)(at - addr);
  if (n > LOCAL_MAX) return 0;
  memcpy(local, addr, n);
  local[n] = 0;
  {
    /* kept open as a private copy, taken again when the file changes */
    static struct table_kept lists = TABLE_KEPT("control/lists.cdb");
    struct table *t = table_kept(&lists, c->hfd, now_ms());
    if (!t) return errno == ENOENT ? 0 : -1;
    return lists_get(t, local, uid);
  }
}

/* listed: 1 if a fetch or confirmation of handle for rcpt is a list
 * member's (rcpt a list of this ISP, the message in the list's archive):
 * nothing to record for it */
static int listed(struct ctx *c, const unsigned char handle[MSG_HANDLE], const char *rcpt)
{
  uint32_t uid;
  return list(c, rcpt, &uid) == 1 && uid == get_u32(handle);
}

static int fetch(struct ctx *c, struct rd *r, struct wr *w)
{
  struct msg_fetch_req q;
  struct msg_fetch_ans a;
  unsigned char data[MSG_BLOCK_MAX];
  struct stat st;
  size_t room, n;
  ssize_t got;
  int fd;
  if (msg_get_fetch_req(r, &q) == -1) { msg_put_status_ans(w, MSG_BAD); return 1; }
  if (!token_check(q.token, c->tokenkey, q.handle, q.rcpt)) {
    msg_put_status_ans(w, MSG_NOENT);
    return 1;
  }
  fd = message(c, q.handle, &st);
  if (fd == -1) { msg_put_status_ans(w, errno == ENOENT ? MSG_NOENT : MSG_TEMP); return 1; }
  room = w->len - w->pos;
  if (room < MSG_FETCH_ANS_HEAD) return 0; /* request too short to answer */
  room -= MSG_FETCH_ANS_HEAD;
  n = q.want < room ? q.want : room;
  if (q.offset >= (uint64_t)st.st_size) n = 0;
  else if ((uint64_t)st.st_size - q.offset < n) n = (size_t)((uint64_t)st.st_size - q.offset);
  got = n ? pread(fd, data, n, (off_t)q.offset) : 0;
  if (got < 0 || (size_t)got != n) { msg_put_status_ans(w, MSG_TEMP); return 1; }
  /* the first block: the sender's status says "fetched" (from now on the
   * message can no longer be withdrawn) */
  if (q.offset == 0 && !listed(c, q.handle, q.rcpt)) (void)record(c, q.handle, q.rcpt, ".f");
  a.status = MSG_OK;
  a.total = (uint64_t)st.st_size;
  a.offset = q.offset;
  a.length = (uint16_t)n;
  a.data = data;
  msg_put_fetch_ans(w, &a);
  return 1;
}

/* record: queue/confirm/new/HANDLEHEX.RCPTHASH[suffix] for im2k-notifyd;
 * idempotent, a repeated record finds the first one there */
static int record(struct ctx *c, const unsigned char handle[MSG_HANDLE], const char *rcpt,
                  const char *suffix)
{
  unsigned char rh[16];
  char name[2 * MSG_HANDLE + 2 + 33 + 8], hx[2 * MSG_HANDLE + 1], rx[33], line[ADDR_MAX + 2];
  if (crypto_generichash(rh, sizeof rh, (const unsigned char *)rcpt, strlen(rcpt), NULL, 0) != 0)
    return -1;
  hex_encode(hx, handle, MSG_HANDLE);
  hex_encode(rx, rh, sizeof rh);
  snprintf(name, sizeof name, "%s.%s%s", hx, rx, suffix);
  snprintf(line, sizeof line, "%s\n", rcpt);
  /* a retransmitted first block finds its record there: no disk write */
  if (mdq_exists(c->cfd, name) == 1) return 0;
  if (mdq_put(c->cfd, name, line, strlen(line), 0640, 0) == -1 && errno != EEXIST) {
    warn_sys("unable to record %s", name);
    return -1;
  }
  poke(c->hfd);
  return 0;
}

static int confirm(struct ctx *c, struct rd *r, struct wr *w)
{
  struct msg_confirm_req q;
  if (msg_get_confirm_req(r, &q) == -1) { msg_put_status_ans(w, MSG_BAD); return 1; }
  if (!token_check(q.token, c->tokenkey, q.handle, q.rcpt)) {
    msg_put_status_ans(w, MSG_NOENT);
    return 1;
  }
  if (listed(c, q.handle, q.rcpt)) { msg_put_status_ans(w, MSG_OK); return 1; }
  msg_put_status_ans(w, record(c, q.handle, q.rcpt, "") == 0 ? MSG_OK : MSG_TEMP);
  return 1;
}

/* an answer has room for at most this many entries, so one read takes
 * them all before a byte of the answer is written */
#define INDEX_ENTRIES_MAX ((PACKET_RBODY_MAX - MSG_INDEX_ANS_HEAD) / MSG_INDEX_ENTRY)
_Static_assert(INDEX_ENTRIES_MAX <= 16, "the record buffer holds 16 index records");

/* index: the records of a public archive's index from the cursor on, as
 * many as the answer has room for; a partial record at the end (an
 * append cut short) is not there yet */
static int index_(struct ctx *c, struct rd *r, struct wr *w)
{
  struct msg_index_req q;
  struct msg_index_ans a;
  struct msg_index_entry e;
  unsigned char rec[64 * 16];
  char path[64];
  struct stat st;
  uint64_t total, count, i;
  size_t room;
  uint32_t uid;
  int fd, k;
  if (msg_get_index_req(r, &q) == -1) { msg_put_status_ans(w, MSG_BAD); return 1; }
  k = list(c, q.list, &uid);
  if (k == -1) {
    warn_sys("unable to read control/lists.cdb");
    msg_put_status_ans(w, MSG_TEMP);
    return 1;
  }
  if (k == 0) { msg_put_status_ans(w, MSG_NOENT); return 1; }
  snprintf(path, sizeof path, "archive/%lu/index", (unsigned long)uid);
  fd = openat(c->hfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) { msg_put_status_ans(w, errno == ENOENT ? MSG_NOENT : MSG_TEMP); return 1; }
  if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != uid) {
    close(fd);
    msg_put_status_ans(w, MSG_NOENT);
    return 1;
  }
  room = w->len - w->pos;
  if (room < MSG_INDEX_ANS_HEAD) { close(fd); return 0; } /* request too short to answer */
  total = (uint64_t)st.st_size / 64;
  count = q.cursor < total ? total - q.cursor : 0;
  if (count > (room - MSG_INDEX_ANS_HEAD) / MSG_INDEX_ENTRY)
    count = (room - MSG_INDEX_ANS_HEAD) / MSG_INDEX_ENTRY;
  if (count > sizeof rec / 64) count = sizeof rec / 64; /* never binds: see INDEX_ENTRIES_MAX */
  if (count && pread(fd, rec, (size_t)count * 64, (off_t)(q.cursor * 64)) != (ssize_t)(count * 64)) {
    close(fd);
    msg_put_status_ans(w, MSG_TEMP);
    return 1;
  }
  a.status = MSG_OK;
  a.total = total;
  a.count = (uint8_t)count;
  msg_put_index_ans(w, &a);
  for (i = 0; i < count; i++) {
    size_t j = (size_t)i;
    e.number = q.cursor + i;
    memcpy(e.handle, rec + 64 * j, MSG_HANDLE);
    e.size = get_u64(rec + 64 * j + 16);
    memcpy(e.hash, rec + 64 * j + 24, MSG_HASH);
    e.time = get_u64(rec + 64 * j + 56);
    /* not the list's message, or a size no message has: no token */
    if (get_u32(e.handle) == uid && e.size <= ((uint64_t)1 << 40))
      token_make(e.token, c->tokenkey, e.handle, q.list);
    else {
      memset(e.token, 0, sizeof e.token);
      if (e.size > ((uint64_t)1 << 40)) e.size = 0;
    }
    msg_put_index_entry(w, &e);
  }
  close(fd);
  return 1;
}

static int handle(void *ctx, int kind, const unsigned char pk[PACKET_KEY], struct rd *r,
                  struct wr *w, size_t datagram)
{
  (void)pk;
  (void)datagram;
  switch (kind) {
  case KIND_FETCH: return fetch(ctx, r, w);
  case KIND_CONFIRM: return confirm(ctx, r, w);
  case KIND_INDEX: return index_(ctx, r, w);
  default: return 0;
  }
}

int main(void)
{
  char home[HOME_MAX];
  unsigned char sk[crypto_box_SECRETKEYBYTES];
  struct server self;
  struct ctx c;
  struct keycache *kc;
  struct server_stats st = {0, 0, 0};
  int fd;

  die_prog = "im2k-fetchd";
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  c.hfd = home_open(home);
  if (c.hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  if (servers_me(c.hfd, c.me, &self) == -1)
    die_sys(EXIT_TEMP, "unable to find this host (control/me) in %s/control/servers.cdb", home);
  if (keys_read(c.hfd, "keys/secret", sk, sizeof sk) == -1) die_sys(EXIT_TEMP, "unable to read %s/keys/secret", home);
  if (keys_read(c.hfd, "keys/token", c.tokenkey, TOKEN_KEY) == -1)
    die_sys(EXIT_TEMP, "unable to read %s/keys/token", home);
  c.mfd = -1;
  c.cfd = openat(c.hfd, "queue/confirm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.cfd == -1) die_sys(EXIT_TEMP, "unable to open %s/queue/confirm", home);
  fd = udp_bind(self.ip, self.fetch_port);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to bind %s:%u", self.ip, self.fetch_port);
  kc = keycache_new(sk, 4096, 2000);
  sodium_memzero(sk, sizeof sk);
  if (!kc) die_nomem();
  if (priv_drop() == -1) die_sys(EXIT_TEMP, "unable to drop privileges (refusing to run as root)");
  info("serving %s on %s:%u", c.me, self.ip, self.fetch_port);
  for (;;)
    if (server_step(fd, kc, handle, &c, 60000, &st) == -1) die_sys(EXIT_TEMP, "unable to receive");
}
