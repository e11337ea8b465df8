/* t_msg.c: unit tests of lib/msg: every request struct through
 * msg_put_* and msg_get_*, exact wire bytes, zero padding accepted and
 * anything else after the last field refused, fetch lengths 0, 1, 1024
 * and 1025, every truncation refused, and every changed byte either
 * refused or decoded to checked fields; INDEX entries byte for byte.
 * Every answer kind: bytes laid out by hand from im2k-protocol(5), round
 * trips, zero padding taken and other leftovers refused, every
 * truncation refused, damaged answers (a FETCH length past the packet,
 * INDEX numbering, bad notes) refused, and LIST filled as servers do. */
#include "msg.h"
#include "unit.h"

#include <string.h>

static unsigned char H[MSG_HANDLE], T[MSG_TOKEN], X[MSG_HASH];

static void fill(void)
{
  size_t i;
  for (i = 0; i < MSG_HANDLE; i++) H[i] = (unsigned char)(0xa0 + i);
  for (i = 0; i < MSG_TOKEN; i++) T[i] = (unsigned char)(0x10 + i);
  for (i = 0; i < MSG_HASH; i++) X[i] = (unsigned char)(0xf0 - i);
}

/* an address of exactly n bytes (3..254), local part at most 64 */
static void mkaddr(char *out, size_t n)
{
  size_t local = n - 2 > 64 ? 64 : n - 2, i, lab = 0, dl = n - local - 1;
  memset(out, 'u', local);
  out[local] = '@';
  for (i = 0; i < dl; i++) {
    char *c = out + local + 1 + i;
    if (lab == 63 && i + 2 < dl) { *c = '.'; lab = 0; continue; }
    *c = 'D';
    lab++;
  }
  out[n] = 0;
}

/* the bytes of a checked address as msg_get_addr returns it */
static void lowered(char *out, const char *in)
{
  strcpy(out, in);
  addr_lower(out);
}

static void test_exact(void)
{
  struct msg_fetch_req f;
  struct msg_list_req l;
  unsigned char b[200];
  struct wr w;
  static const unsigned char want_list[] = {5, 'a', 'l', 'i', 'c', 'e', 0, 0, 0, 0, 0, 0, 1, 2};
  static const unsigned char want_fetch_tail[] = {3, 'a', '@', 'b', 0, 0, 0, 0, 0, 0, 0, 9,
                                                  0x04, 0x00};
  memset(&l, 0, sizeof l);
  strcpy(l.user, "alice");
  l.cursor = 0x102;
  wr_init(&w, b, sizeof b);
  msg_put_list_req(&w, &l);
  CHECK(!w.err && w.pos == sizeof want_list && !memcmp(b, want_list, w.pos),
        "msg_put_list_req bytes");
  memset(&f, 0, sizeof f);
  memcpy(f.handle, H, MSG_HANDLE);
  memcpy(f.token, T, MSG_TOKEN);
  strcpy(f.rcpt, "a@b");
  f.offset = 9;
  f.want = 1024;
  wr_init(&w, b, sizeof b);
  msg_put_fetch_req(&w, &f);
  CHECK(!w.err && w.pos == 48 + sizeof want_fetch_tail && !memcmp(b, H, 16) &&
            !memcmp(b + 16, T, 32) && !memcmp(b + 48, want_fetch_tail, sizeof want_fetch_tail),
        "msg_put_fetch_req bytes");
}

/* ---- notes ---- */

struct note_row {
  size_t slen, rlen;     /* generated addresses of these lengths (0: literal) */
  const char *sender, *rcpt;
  uint64_t size;
  int ret;
};

static const struct note_row notes[] = {
  {0, 0, "alice@example.com", "bob@example.org", 12345, 0},
  {0, 0, "Alice@Example.COM", "BOB@EXAMPLE.ORG", 0, 0},
  {0, 0, "a@b", "c@d", (uint64_t)1 << 40, 0},
  {0, 0, "a@b", "c@d", ((uint64_t)1 << 40) + 1, -1},
  {0, 0, "a@b", "c@d", UINT64_MAX, -1},
  {254, 254, NULL, NULL, 1, 0},
  {255, 3, NULL, NULL, 1, -1},
  {3, 255, NULL, NULL, 1, -1},
  {0, 0, "", "c@d", 1, -1},
  {0, 0, "a@b", "", 1, -1},
  {0, 0, "ab", "c@d", 1, -1},
  {0, 0, "a@b", "c@@d", 1, -1},
  {0, 0, "a@b.", "c@d", 1, -1},
  {0, 0, "a b@c", "c@d", 1, -1},
};

static void test_notes(void)
{
  size_t i, cut;
  for (i = 0; i < sizeof notes / sizeof notes[0]; i++) {
    const struct note_row *t = &notes[i];
    struct msg_note n, m;
    unsigned char b[MSG_NOTE_WIRE_MAX + 10];
    char s[300], r[300], want[300];
    struct wr w;
    struct rd rd;
    int ret;
    memset(&n, 0, sizeof n);
    if (t->slen) mkaddr(s, t->slen); else strcpy(s, t->sender);
    if (t->rlen) mkaddr(r, t->rlen); else strcpy(r, t->rcpt);
    /* addresses over 254 go on the wire by hand: the struct cannot hold them */
    wr_init(&w, b, sizeof b);
    wr_str8(&w, s);
    wr_str8(&w, r);
    wr_bytes(&w, H, MSG_HANDLE);
    wr_u64(&w, t->size);
    wr_bytes(&w, X, MSG_HASH);
    wr_bytes(&w, T, MSG_TOKEN);
    CHECK(!w.err, "note row %zu: writing", i);
    if (strlen(s) <= ADDR_MAX && strlen(r) <= ADDR_MAX) {
      unsigned char b2[sizeof b];
      struct wr w2;
      strcpy(n.sender, s);
      strcpy(n.rcpt, r);
      memcpy(n.handle, H, MSG_HANDLE);
      n.size = t->size;
      memcpy(n.hash, X, MSG_HASH);
      memcpy(n.token, T, MSG_TOKEN);
      wr_init(&w2, b2, sizeof b2);
      msg_put_note(&w2, &n);
      CHECK(!w2.err && w2.pos == w.pos && !memcmp(b, b2, w.pos),
            "note row %zu: msg_put_note bytes", i);
      CHECK(w.pos <= MSG_NOTE_WIRE_MAX, "note row %zu: over MSG_NOTE_WIRE_MAX", i);
    }
    memset(&m, 0x55, sizeof m);
    rd_init(&rd, b, w.pos);
    ret = msg_get_note(&rd, &m);
    CHECK(ret == t->ret, "msg_get_note row %zu (%.20s, %.20s, %llu): %d", i, s, r,
          (unsigned long long)t->size, ret);
    if (ret == 0) {
      lowered(want, s);
      CHECK(!strcmp(m.sender, want), "note row %zu: sender %s", i, m.sender);
      lowered(want, r);
      CHECK(!strcmp(m.rcpt, want), "note row %zu: rcpt %s", i, m.rcpt);
      CHECK(!memcmp(m.handle, H, 16) && !memcmp(m.hash, X, 32) && !memcmp(m.token, T, 32) &&
                m.size == t->size && rd_left(&rd) == 0,
            "note row %zu: fields", i);
      for (cut = 0; cut < w.pos; cut++) {
        rd_init(&rd, b, cut);
        CHECK(msg_get_note(&rd, &m) == -1, "note row %zu: first %zu bytes decode", i, cut);
      }
    }
  }
}

/* ---- requests ---- */

enum { LIST, DONE, FETCH, CONFIRM, INDEX };

struct req {
  int type;
  struct msg_list_req l;
  struct msg_done_req d;
  struct msg_fetch_req f;
  struct msg_confirm_req c;
  struct msg_index_req x;
};

static size_t put(unsigned char *b, size_t cap, const struct req *q, int *err)
{
  struct wr w;
  wr_init(&w, b, cap);
  switch (q->type) {
  case LIST: msg_put_list_req(&w, &q->l); break;
  case DONE: msg_put_done_req(&w, &q->d); break;
  case FETCH: msg_put_fetch_req(&w, &q->f); break;
  case INDEX: msg_put_index_req(&w, &q->x); break;
  default: msg_put_confirm_req(&w, &q->c); break;
  }
  *err = w.err;
  return w.pos;
}

static int get(const unsigned char *b, size_t n, int type, struct req *out)
{
  struct rd r;
  memset(out, 0x55, sizeof *out);
  out->type = type;
  rd_init(&r, b, n);
  switch (type) {
  case LIST: return msg_get_list_req(&r, &out->l);
  case DONE: return msg_get_done_req(&r, &out->d);
  case FETCH: return msg_get_fetch_req(&r, &out->f);
  case INDEX: return msg_get_index_req(&r, &out->x);
  default: return msg_get_confirm_req(&r, &out->c);
  }
}

/* the decoded request equals the sent one, with domains lower-cased */
static int same(const struct req *a, const struct req *b)
{
  char x[300], y[300];
  switch (a->type) {
  case LIST:
    return !strcmp(a->l.user, b->l.user) && a->l.cursor == b->l.cursor && a->l.postage == b->l.postage;
  case DONE:
    lowered(x, a->d.sender);
    lowered(y, a->d.rcpt);
    return !strcmp(a->d.user, b->d.user) && !strcmp(x, b->d.sender) &&
           !strcmp(y, b->d.rcpt) && !memcmp(a->d.handle, b->d.handle, 16);
  case FETCH:
    lowered(x, a->f.rcpt);
    return !memcmp(a->f.handle, b->f.handle, 16) && !memcmp(a->f.token, b->f.token, 32) &&
           !strcmp(x, b->f.rcpt) && a->f.offset == b->f.offset && a->f.want == b->f.want;
  case INDEX:
    lowered(x, a->x.list);
    return !strcmp(x, b->x.list) && a->x.cursor == b->x.cursor;
  default:
    lowered(x, a->c.rcpt);
    return !memcmp(a->c.handle, b->c.handle, 16) && !memcmp(a->c.token, b->c.token, 32) &&
           !strcmp(x, b->c.rcpt);
  }
}

/* what any decoded request must satisfy */
static int checked(const struct req *q)
{
  switch (q->type) {
  case LIST: return local_check(q->l.user, strlen(q->l.user));
  case DONE:
    return local_check(q->d.user, strlen(q->d.user)) &&
           addr_check(q->d.sender, strlen(q->d.sender)) &&
           addr_check(q->d.rcpt, strlen(q->d.rcpt));
  case FETCH:
    return addr_check(q->f.rcpt, strlen(q->f.rcpt)) && q->f.want >= 1 &&
           q->f.want <= MSG_BLOCK_MAX;
  case INDEX: return addr_check(q->x.list, strlen(q->x.list));
  default: return addr_check(q->c.rcpt, strlen(q->c.rcpt));
  }
}

struct req_row {
  int type;
  const char *user;    /* list, done */
  const char *a1;      /* done: sender; fetch, confirm: rcpt; index: list */
  const char *a2;      /* done: rcpt */
  uint64_t num;        /* list, index: cursor; fetch: offset */
  uint16_t want;       /* fetch */
  int ret;
};

#define U64 "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
static const struct req_row reqs[] = {
  {LIST, "alice", NULL, NULL, 0, 0, 0},
  {LIST, "Alice.Smith", NULL, NULL, UINT64_MAX, 0, 0},
  {LIST, U64, NULL, NULL, 1, 0, 0},
  {LIST, U64 "l", NULL, NULL, 1, 0, -1},
  {LIST, "", NULL, NULL, 1, 0, -1},
  {LIST, "a@b", NULL, NULL, 1, 0, -1},
  {LIST, "a b", NULL, NULL, 1, 0, -1},
  {LIST, ".a", NULL, NULL, 1, 0, -1},
  {DONE, "bob", "alice@example.com", "bob@example.org", 0, 0, 0},
  {DONE, "bob", "Alice@EXAMPLE.com", "Bob@Example.Org", 0, 0, 0},
  {DONE, U64, "a@b", "c@d", 0, 0, 0},
  {DONE, "", "a@b", "c@d", 0, 0, -1},
  {DONE, "bob", "ab", "c@d", 0, 0, -1},
  {DONE, "bob", "a@b", "cd", 0, 0, -1},
  {DONE, "bob", "a@b", "", 0, 0, -1},
  {FETCH, NULL, "bob@example.org", NULL, 0, 1, 0},
  {FETCH, NULL, "bob@example.org", NULL, 12345, 512, 0},
  {FETCH, NULL, "Bob@EXAMPLE.ORG", NULL, UINT64_MAX, 1024, 0},
  {FETCH, NULL, "bob@example.org", NULL, 0, 1023, 0},
  {FETCH, NULL, "bob@example.org", NULL, 0, 0, -1},
  {FETCH, NULL, "bob@example.org", NULL, 0, 1025, -1},
  {FETCH, NULL, "bob@example.org", NULL, 0, 65535, -1},
  {FETCH, NULL, "bob", NULL, 0, 1, -1},
  {FETCH, NULL, "", NULL, 0, 1, -1},
  {CONFIRM, NULL, "bob@example.org", NULL, 0, 0, 0},
  {CONFIRM, NULL, "BOB@x.Y", NULL, 0, 0, 0},
  {CONFIRM, NULL, "bob@", NULL, 0, 0, -1},
  {CONFIRM, NULL, "@x", NULL, 0, 0, -1},
  {INDEX, NULL, "list@example.com", NULL, 0, 0, 0},
  {INDEX, NULL, "List@EXAMPLE.Com", NULL, 12345, 0, 0},
  {INDEX, NULL, "a@b", NULL, UINT64_MAX, 0, 0},
  {INDEX, NULL, "list", NULL, 0, 0, -1},
  {INDEX, NULL, "", NULL, 0, 0, -1},
  {INDEX, NULL, "list@", NULL, 0, 0, -1},
};

static void mkreq(struct req *q, const struct req_row *t)
{
  memset(q, 0, sizeof *q);
  q->type = t->type;
  switch (t->type) {
  case LIST:
    strcpy(q->l.user, t->user);
    q->l.cursor = t->num;
    break;
  case DONE:
    strcpy(q->d.user, t->user);
    strcpy(q->d.sender, t->a1);
    strcpy(q->d.rcpt, t->a2);
    memcpy(q->d.handle, H, 16);
    break;
  case FETCH:
    memcpy(q->f.handle, H, 16);
    memcpy(q->f.token, T, 32);
    strcpy(q->f.rcpt, t->a1);
    q->f.offset = t->num;
    q->f.want = t->want;
    break;
  case INDEX:
    strcpy(q->x.list, t->a1);
    q->x.cursor = t->num;
    break;
  default:
    memcpy(q->c.handle, H, 16);
    memcpy(q->c.token, T, 32);
    strcpy(q->c.rcpt, t->a1);
  }
}

/* the user field is 65 bytes: a 65-byte user goes on the wire by hand */
static size_t put_row(unsigned char *b, size_t cap, const struct req_row *t, struct req *q,
                      int *err)
{
  struct wr w;
  if (!t->user || strlen(t->user) <= LOCAL_MAX) {
    mkreq(q, t);
    return put(b, cap, q, err);
  }
  memset(q, 0, sizeof *q);
  q->type = t->type;
  wr_init(&w, b, cap);
  wr_str8(&w, t->user);
  if (t->type == LIST) wr_u64(&w, t->num);
  else { wr_str8(&w, t->a1); wr_str8(&w, t->a2); wr_bytes(&w, H, 16); }
  *err = w.err;
  return w.pos;
}

static void test_requests(void)
{
  size_t i, cut, pad;
  static const unsigned char tails[][4] = {{1}, {0, 1}, {0, 0, 0, 1}, {0x80}, {0xff}};
  static const size_t tail_len[] = {1, 2, 4, 1, 1};
  for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    const struct req_row *t = &reqs[i];
    unsigned char b[1200];
    struct req q, out;
    int err, ret;
    size_t n = put_row(b, sizeof b, t, &q, &err);
    CHECK(!err && n > 0, "request row %zu: writing", i);
    ret = get(b, n, t->type, &out);
    CHECK(ret == t->ret, "request row %zu (type %d): decode %d", i, t->type, ret);
    if (ret != 0 || t->ret != 0) continue;
    CHECK(same(&q, &out) && checked(&out), "request row %zu: round trip", i);

    /* zero padding is accepted, up to the end of a full datagram body */
    for (pad = 1; pad <= 100; pad += 33) {
      memset(b + n, 0, pad);
      CHECK(get(b, n + pad, t->type, &out) == 0 && same(&q, &out),
            "request row %zu: %zu zero bytes of padding", i, pad);
    }
    memset(b + n, 0, sizeof b - n);
    CHECK(get(b, sizeof b, t->type, &out) == 0 && same(&q, &out),
          "request row %zu: padded to 1200", i);
    /* anything else after the last field is refused */
    for (pad = 0; pad < sizeof tails / sizeof tails[0]; pad++) {
      memcpy(b + n, tails[pad], tail_len[pad]);
      if (t->type == LIST && pad == 0) {
        /* LIST's one optional field: a byte of postage, 1 here */
        CHECK(get(b, n + 1, LIST, &out) == 0 && out.l.postage == 1,
              "request row %zu: a postage byte after the cursor", i);
        continue;
      }
      CHECK(get(b, n + tail_len[pad], t->type, &out) == -1,
            "request row %zu: trailing bytes %zu accepted", i, pad);
    }
    memset(b + n, 0, sizeof b - n);
    b[sizeof b - 1] = 1;
    CHECK(get(b, sizeof b, t->type, &out) == -1,
          "request row %zu: a nonzero last byte after 1000 zeros accepted", i);
    /* every truncation is refused */
    for (cut = 0; cut < n; cut++)
      CHECK(get(b, cut, t->type, &out) == -1, "request row %zu: first %zu of %zu decode", i,
            cut, n);
  }
}

/* changed bytes: refused, or decoded to fields that pass their checks */
static void test_changes(void)
{
  static const unsigned char xors[] = {0x01, 0x20, 0x40, 0x80, 0xff};
  static const unsigned char sets[] = {0, 1, '@', '.', 0xff, 4, 0x40};
  size_t i, pos, m;
  for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    const struct req_row *t = &reqs[i];
    unsigned char b[1200];
    struct req q, out;
    int err, ret;
    size_t n;
    if (t->ret != 0) continue;
    n = put_row(b, sizeof b, t, &q, &err);
    memset(b + n, 0, 8);
    n += 8;
    for (pos = 0; pos < n; pos++) {
      unsigned char orig = b[pos];
      for (m = 0; m < sizeof xors + sizeof sets; m++) {
        b[pos] = m < sizeof xors ? orig ^ xors[m] : sets[m - sizeof xors];
        if (b[pos] == orig) continue;
        ret = get(b, n, t->type, &out);
        CHECK(ret == -1 || checked(&out), "request row %zu byte %zu = %02x: unchecked field",
              i, pos, b[pos]);
      }
      b[pos] = orig;
    }
  }
}

/* ---- INDEX entries ---- */

static void test_index_entries(void)
{
  static const uint64_t sizes[] = {0, 1, 12345, (uint64_t)1 << 40, ((uint64_t)1 << 40) + 1,
                                   UINT64_MAX};
  static const unsigned char want_req[] = {3, 'l', '@', 'x', 0, 0, 0, 0, 0, 0, 0, 7};
  struct msg_index_req q;
  struct msg_index_entry e, m;
  unsigned char b[2 * MSG_INDEX_ENTRY + 8];
  struct wr w;
  struct rd r;
  size_t i, cut;
  memset(&q, 0, sizeof q);
  strcpy(q.list, "l@x");
  q.cursor = 7;
  wr_init(&w, b, sizeof b);
  msg_put_index_req(&w, &q);
  CHECK(!w.err && w.pos == sizeof want_req && !memcmp(b, want_req, w.pos),
        "msg_put_index_req bytes");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    int ok = sizes[i] <= ((uint64_t)1 << 40), ret;
    memset(&e, 0, sizeof e);
    e.number = 0x0102030405060708ULL + i;
    memcpy(e.handle, H, MSG_HANDLE);
    e.size = sizes[i];
    memcpy(e.hash, X, MSG_HASH);
    memcpy(e.token, T, MSG_TOKEN);
    e.time = 1700000000 + i;
    wr_init(&w, b, sizeof b);
    msg_put_index_entry(&w, &e);
    CHECK(!w.err && w.pos == MSG_INDEX_ENTRY, "index entry %zu: %zu bytes", i, w.pos);
    CHECK(get_u64(b) == e.number && !memcmp(b + 8, H, 16) && get_u64(b + 24) == e.size &&
              !memcmp(b + 32, X, 32) && !memcmp(b + 64, T, 32) && get_u64(b + 96) == e.time,
          "index entry %zu: wire layout", i);
    /* a second entry follows the first: the decoder reads exactly one */
    e.number++;
    msg_put_index_entry(&w, &e);
    memset(&m, 0x55, sizeof m);
    rd_init(&r, b, w.pos);
    ret = msg_get_index_entry(&r, &m);
    CHECK(ret == (ok ? 0 : -1), "index entry %zu (size %llu): decode %d", i,
          (unsigned long long)sizes[i], ret);
    if (!ok) continue;
    CHECK(m.number == e.number - 1 && !memcmp(m.handle, H, 16) && m.size == e.size &&
              !memcmp(m.hash, X, 32) && !memcmp(m.token, T, 32) && m.time == e.time &&
              rd_left(&r) == MSG_INDEX_ENTRY,
          "index entry %zu: round trip", i);
    CHECK(msg_get_index_entry(&r, &m) == 0 && m.number == e.number && rd_left(&r) == 0,
          "index entry %zu: the second entry", i);
    for (cut = 0; cut < MSG_INDEX_ENTRY; cut++) {
      rd_init(&r, b, cut);
      CHECK(msg_get_index_entry(&r, &m) == -1, "index entry %zu: first %zu bytes decode", i,
            cut);
    }
  }
  wr_init(&w, b, MSG_INDEX_ENTRY - 1);
  msg_put_index_entry(&w, &e);
  CHECK(w.err, "msg_put_index_entry one byte short");
}

/* ---- answers ---- */

enum { A_STATUS, A_NOTIFY, A_LIST, A_FETCH, A_INDEX };

struct ans {
  int type;
  uint8_t status;
  struct msg_notify_ans n;
  struct msg_list_ans l;
  struct msg_list_entry le[2];
  struct msg_fetch_ans f;
  struct msg_index_ans x;
  struct msg_index_entry xe[2];
};

struct ans_row {
  int type;
  uint8_t status;
  uint64_t p1;   /* notify: bits; list: more; fetch, index: total */
  uint64_t p2;   /* fetch: offset; index: the first entry's number */
  uint64_t p3;   /* fetch: length; list, index: entries */
  int encodes;   /* 0: the writer must set err */
};

static const struct ans_row answers[] = {
  {A_STATUS, MSG_OK, 0, 0, 0, 1},
  {A_STATUS, MSG_TEMP, 0, 0, 0, 1},
  {A_STATUS, 200, 0, 0, 0, 1},        /* unknown to this version: passed on */
  {A_NOTIFY, MSG_OK, 0, 0, 0, 1},
  {A_NOTIFY, MSG_OK, 20, 0, 0, 1},
  {A_NOTIFY, MSG_OK, 40, 0, 0, 1},
  {A_NOTIFY, MSG_POSTAGE, 1, 0, 0, 1},
  {A_NOTIFY, MSG_POSTAGE, 40, 0, 0, 1},
  {A_NOTIFY, MSG_NOENT, 0, 0, 0, 1},
  {A_NOTIFY, MSG_TEMP, 0, 0, 0, 1},
  {A_NOTIFY, MSG_OK, 41, 0, 0, 0},
  {A_NOTIFY, MSG_POSTAGE, 0, 0, 0, 0},
  {A_NOTIFY, MSG_POSTAGE, 41, 0, 0, 0},
  {A_NOTIFY, MSG_TEMP, 3, 0, 0, 0},
  {A_LIST, MSG_DENIED, 0, 0, 0, 1},
  {A_LIST, MSG_OK, 0, 0, 0, 1},
  {A_LIST, MSG_OK, 1, 0, 0, 1},
  {A_LIST, MSG_OK, 0, 0, 1, 1},
  {A_LIST, MSG_OK, 1, 0, 2, 1},
  {A_FETCH, MSG_NOENT, 0, 0, 0, 1},
  {A_FETCH, MSG_OK, 5, 2, 3, 1},
  {A_FETCH, MSG_OK, 5, 0, 5, 1},
  {A_FETCH, MSG_OK, 5, 5, 0, 1},       /* at the end: nothing */
  {A_FETCH, MSG_OK, 5, 9, 0, 1},       /* past the end: nothing */
  {A_FETCH, MSG_OK, 4096, 1024, 1024, 1},
  {A_FETCH, MSG_OK, (uint64_t)1 << 40, ((uint64_t)1 << 40) - 1, 1, 1},
  {A_FETCH, MSG_OK, 4096, 0, 1025, 0},
  {A_FETCH, MSG_OK, 5, 3, 3, 0},
  {A_FETCH, MSG_OK, 5, 9, 1, 0},
  {A_FETCH, MSG_OK, ((uint64_t)1 << 40) + 1, 0, 1, 0},
  {A_INDEX, MSG_NOENT, 0, 0, 0, 1},
  {A_INDEX, MSG_OK, 7, 0, 0, 1},
  {A_INDEX, MSG_OK, 7, 6, 1, 1},
  {A_INDEX, MSG_OK, UINT64_MAX, 0x0102030405060708ULL, 2, 1},
};

static unsigned char D[2048];   /* FETCH data */

static void mkans(struct ans *a, const struct ans_row *t)
{
  unsigned i;
  memset(a, 0, sizeof *a);
  a->type = t->type;
  a->status = t->status;
  a->n.status = a->l.status = a->f.status = a->x.status = t->status;
  switch (t->type) {
  case A_NOTIFY: a->n.bits = (uint8_t)t->p1; break;
  case A_LIST:
    if (t->status != MSG_OK) break;
    a->l.more = (uint8_t)t->p1;
    a->l.count = (uint8_t)t->p3;
    for (i = 0; i < t->p3; i++) {
      struct msg_list_entry *e = &a->le[i];
      e->seq = 0x1122334455667788ULL + i;
      strcpy(e->note.sender, i ? "alice@example.com" : "a@b");
      strcpy(e->note.rcpt, "bob@example.org");
      memcpy(e->note.handle, H, MSG_HANDLE);
      e->note.size = 1000 + i;
      memcpy(e->note.hash, X, MSG_HASH);
      memcpy(e->note.token, T, MSG_TOKEN);
      e->worth = (uint8_t)(i ? 0 : 45);   /* a lucky stamp may pass STAMP_MAX */
    }
    break;
  case A_FETCH:
    if (t->status != MSG_OK) break;
    a->f.total = t->p1;
    a->f.offset = t->p2;
    a->f.length = (uint16_t)t->p3;
    a->f.data = t->p3 ? D : NULL;
    break;
  case A_INDEX:
    if (t->status != MSG_OK) break;
    a->x.total = t->p1;
    a->x.count = (uint8_t)t->p3;
    for (i = 0; i < t->p3; i++) {
      struct msg_index_entry *e = &a->xe[i];
      e->number = t->p2 + i;
      memcpy(e->handle, H, MSG_HANDLE);
      e->size = 77 + i;
      memcpy(e->hash, X, MSG_HASH);
      memcpy(e->token, T, MSG_TOKEN);
      e->time = 1700000000 + i;
    }
    break;
  }
}

/* the expected bytes, laid out by hand as im2k-protocol(5) draws them */
struct hand { unsigned char b[2048]; size_t n; };
static void h1(struct hand *h, unsigned v) { h->b[h->n++] = (unsigned char)v; }
static void h8(struct hand *h, uint64_t v)
{
  int i;
  for (i = 56; i >= 0; i -= 8) h1(h, (unsigned)(v >> i) & 0xff);
}
static void hn(struct hand *h, const void *p, size_t n) { memcpy(h->b + h->n, p, n); h->n += n; }
static void hs(struct hand *h, const char *s) { h1(h, (unsigned)strlen(s)); hn(h, s, strlen(s)); }

static void byhand(struct hand *h, const struct ans *a)
{
  unsigned i;
  h->n = 0;
  h1(h, a->status);
  if (a->type == A_NOTIFY && (a->status == MSG_POSTAGE || (a->status == MSG_OK && a->n.bits)))
    h1(h, a->n.bits);
  if (a->status != MSG_OK) return;
  switch (a->type) {
  case A_LIST:
    h1(h, a->l.more);
    h1(h, a->l.count);
    for (i = 0; i < a->l.count; i++) {
      const struct msg_list_entry *e = &a->le[i];
      h8(h, e->seq);
      hs(h, e->note.sender);
      hs(h, e->note.rcpt);
      hn(h, e->note.handle, 16);
      h8(h, e->note.size);
      hn(h, e->note.hash, 32);
      hn(h, e->note.token, 32);
      h1(h, e->worth);
    }
    break;
  case A_FETCH:
    h8(h, a->f.total);
    h8(h, a->f.offset);
    h1(h, a->f.length >> 8);
    h1(h, a->f.length & 0xff);
    hn(h, D, a->f.length);
    break;
  case A_INDEX:
    h8(h, a->x.total);
    h1(h, a->x.count);
    for (i = 0; i < a->x.count; i++) {
      const struct msg_index_entry *e = &a->xe[i];
      h8(h, e->number);
      hn(h, e->handle, 16);
      h8(h, e->size);
      hn(h, e->hash, 32);
      hn(h, e->token, 32);
      h8(h, e->time);
    }
    break;
  }
}

/* FORWARD request and the NOTIFY stamp, by hand */
static void test_forward_stamp(void)
{
  struct msg_forward_req q, out;
  struct hand h;
  unsigned char b[MSG_NOTE_WIRE_MAX + 300];
  struct wr w;
  struct rd r;
  size_t cut;
  memset(&q, 0, sizeof q);
  strcpy(q.to, "Bob@New.Example");
  strcpy(q.note.sender, "a@b");
  strcpy(q.note.rcpt, "bob@old.example");
  memcpy(q.note.handle, H, 16);
  q.note.size = 171;
  memcpy(q.note.hash, X, 32);
  memcpy(q.note.token, T, 32);
  h.n = 0;
  hs(&h, q.to);
  hs(&h, q.note.sender);
  hs(&h, q.note.rcpt);
  hn(&h, H, 16);
  h8(&h, 171);
  hn(&h, X, 32);
  hn(&h, T, 32);
  wr_init(&w, b, sizeof b);
  msg_put_forward_req(&w, &q);
  CHECK(!w.err && w.pos == h.n && !memcmp(b, h.b, h.n), "msg_put_forward_req bytes");
  rd_init(&r, b, w.pos);
  CHECK(msg_get_forward_req(&r, &out) == 0 && !strcmp(out.to, "Bob@new.example") &&
            !strcmp(out.note.sender, "a@b") && !strcmp(out.note.rcpt, "bob@old.example") &&
            out.note.size == 171 && !memcmp(out.note.token, T, 32),
        "msg_get_forward_req round trip");
  memset(b + h.n, 0, 20);
  rd_init(&r, b, h.n + 20);
  CHECK(msg_get_forward_req(&r, &out) == 0, "forward request with zero padding");
  b[h.n + 19] = 1;
  rd_init(&r, b, h.n + 20);
  CHECK(msg_get_forward_req(&r, &out) == -1, "forward request with a leftover byte");
  for (cut = 0; cut < h.n; cut++) {
    rd_init(&r, b, cut);
    CHECK(msg_get_forward_req(&r, &out) == -1, "forward request: first %zu of %zu decode", cut,
          h.n);
  }
  b[0] = 3;   /* "Bob" is no address */
  rd_init(&r, b, h.n);
  CHECK(msg_get_forward_req(&r, &out) == -1, "forward request to a bad address");

  /* the stamp: a u64 after the note, as msg_get_stamp reads it */
  wr_init(&w, b, sizeof b);
  msg_put_stamp(&w, 0x0102030405060708ULL);
  rd_init(&r, b, w.pos);
  CHECK(!w.err && w.pos == 8 && b[0] == 1 && b[7] == 8 &&
            msg_get_stamp(&r) == 0x0102030405060708ULL && msg_end(&r) == 0,
        "msg_put_stamp bytes");
}

static void put_ans(struct wr *w, const struct ans *a)
{
  unsigned i;
  switch (a->type) {
  case A_STATUS: msg_put_status_ans(w, a->status); break;
  case A_NOTIFY: msg_put_notify_ans(w, &a->n); break;
  case A_LIST:
    msg_put_list_ans(w, &a->l);
    for (i = 0; a->status == MSG_OK && i < a->l.count; i++)
      if (msg_put_list_entry(w, &a->le[i]) == -1) w->err = 1;
    break;
  case A_FETCH: msg_put_fetch_ans(w, &a->f); break;
  case A_INDEX:
    msg_put_index_ans(w, &a->x);
    for (i = 0; a->status == MSG_OK && i < a->x.count; i++) msg_put_index_entry(w, &a->xe[i]);
    break;
  }
}

/* decode an answer of this type, entries and all, as a client would */
static int get_ans(const unsigned char *b, size_t n, int type, struct ans *a)
{
  struct rd r;
  unsigned i;
  memset(a, 0x55, sizeof *a);
  a->type = type;
  rd_init(&r, b, n);
  switch (type) {
  case A_STATUS: return msg_get_status_ans(&r, &a->status);
  case A_NOTIFY:
    if (msg_get_notify_ans(&r, &a->n) == -1) return -1;
    a->status = a->n.status;
    return 0;
  case A_LIST:
    if (msg_get_list_ans(&r, &a->l) == -1) return -1;
    a->status = a->l.status;
    for (i = 0; i < a->l.count; i++)
      if (i >= 2 || msg_get_list_entry(&r, &a->le[i]) == -1) return -2; /* checked already */
    return 0;
  case A_FETCH:
    if (msg_get_fetch_ans(&r, &a->f) == -1) return -1;
    a->status = a->f.status;
    if (a->f.length && a->f.data != b + MSG_FETCH_ANS_HEAD) return -2;
    return 0;
  default:
    if (msg_get_index_ans(&r, &a->x) == -1) return -1;
    a->status = a->x.status;
    for (i = 0; i < a->x.count; i++)
      if (i >= 2 || msg_get_index_entry(&r, &a->xe[i]) == -1) return -2;
    return 0;
  }
}

static int same_ans(const struct ans *a, const struct ans *b)
{
  unsigned i;
  if (a->status != b->status) return 0;
  switch (a->type) {
  case A_NOTIFY: return a->n.status == b->n.status && a->n.bits == b->n.bits;
  case A_LIST:
    if (a->l.status != b->l.status || a->l.more != b->l.more || a->l.count != b->l.count) return 0;
    for (i = 0; i < a->l.count; i++) {
      const struct msg_list_entry *x = &a->le[i], *y = &b->le[i];
      if (x->seq != y->seq || strcmp(x->note.sender, y->note.sender) ||
          strcmp(x->note.rcpt, y->note.rcpt) || memcmp(x->note.handle, y->note.handle, 16) ||
          x->note.size != y->note.size || memcmp(x->note.hash, y->note.hash, 32) ||
          memcmp(x->note.token, y->note.token, 32) || x->worth != y->worth)
        return 0;
    }
    return 1;
  case A_FETCH:
    return a->f.status == b->f.status && a->f.total == b->f.total &&
           a->f.offset == b->f.offset && a->f.length == b->f.length &&
           (!a->f.length || !memcmp(b->f.data, D, a->f.length));
  case A_INDEX:
    if (a->x.status != b->x.status || a->x.total != b->x.total || a->x.count != b->x.count)
      return 0;
    for (i = 0; i < a->x.count; i++) {
      const struct msg_index_entry *x = &a->xe[i], *y = &b->xe[i];
      if (x->number != y->number || memcmp(x->handle, y->handle, 16) || x->size != y->size ||
          memcmp(x->hash, y->hash, 32) || memcmp(x->token, y->token, 32) || x->time != y->time)
        return 0;
    }
    return 1;
  default: return 1;
  }
}

static void test_answers(void)
{
  static const unsigned char tails[][4] = {{0, 1}, {0, 0, 0, 0x80}, {0xff}};
  static const size_t tail_len[] = {2, 4, 1};
  size_t i, j, cut;
  for (i = 0; i < sizeof D; i++) D[i] = (unsigned char)(i * 7 + 3);
  for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
    const struct ans_row *t = &answers[i];
    struct ans a, out;
    struct hand h;
    unsigned char b[2048];
    struct wr w;
    int ret;
    mkans(&a, t);
    wr_init(&w, b, sizeof b);
    put_ans(&w, &a);
    if (!t->encodes) {
      CHECK(w.err, "answer row %zu: the writer took what its reader refuses", i);
      continue;
    }
    byhand(&h, &a);
    CHECK(!w.err && w.pos == h.n && !memcmp(b, h.b, h.n), "answer row %zu: bytes (%zu, want %zu)",
          i, w.pos, h.n);
    ret = get_ans(b, w.pos, t->type, &out);
    CHECK(ret == 0 && same_ans(&a, &out), "answer row %zu: round trip (%d)", i, ret);
    /* an exact buffer is enough, one byte less is not */
    wr_init(&w, b, h.n);
    put_ans(&w, &a);
    CHECK(!w.err && w.pos == h.n, "answer row %zu: into an exact buffer", i);
    wr_init(&w, b, h.n - 1);
    put_ans(&w, &a);
    CHECK(w.err, "answer row %zu: one byte short", i);
    /* zero bytes after the last field are padding; anything else is not */
    memcpy(b, h.b, h.n);
    memset(b + h.n, 0, 100);
    CHECK(get_ans(b, h.n + 100, t->type, &out) == 0 && same_ans(&a, &out),
          "answer row %zu: zero padding", i);
    for (j = 0; j < sizeof tails / sizeof tails[0]; j++) {
      memcpy(b + h.n, tails[j], tail_len[j]);
      CHECK(get_ans(b, h.n + tail_len[j], t->type, &out) == -1,
            "answer row %zu: leftover %zu accepted", i, j);
    }
    /* every truncation is refused, but for NOTIFY's optional byte */
    for (cut = 0; cut < h.n; cut++) {
      ret = get_ans(b, cut, t->type, &out);
      if (t->type == A_NOTIFY && t->status == MSG_OK && cut == 1)
        CHECK(ret == 0 && out.n.bits == 0, "answer row %zu: OK without its byte", i);
      else
        CHECK(ret == -1, "answer row %zu: first %zu of %zu decode", i, cut, h.n);
    }
  }
}

/* damaged answers, by hand */
static void test_bad_answers(void)
{
  struct ans a, out;
  struct hand h;
  unsigned i;
  static const struct { unsigned char b[4]; size_t n; int ret; unsigned bits; } notify[] = {
    {{5}, 1, -1, 0},        /* POSTAGE without its bits */
    {{5, 0}, 2, -1, 0},
    {{5, 41}, 2, -1, 0},
    {{5, 255}, 2, -1, 0},
    {{0, 41}, 2, -1, 0},
    {{0, 40, 0}, 3, 0, 40},
    {{0, 0}, 2, 0, 0},
    {{2, 1}, 2, -1, 0},     /* bits after TEMP */
    {{9, 0, 0}, 3, 0, 0},   /* an unknown status, padded */
  };
  for (i = 0; i < sizeof notify / sizeof notify[0]; i++) {
    int ret = get_ans(notify[i].b, notify[i].n, A_NOTIFY, &out);
    CHECK(ret == notify[i].ret && (ret || out.n.bits == notify[i].bits),
          "notify answer %u: %d bits %u", i, ret, out.n.bits);
  }

  /* FETCH: a length that runs past the packet, or past the message */
  mkans(&a, &(struct ans_row){A_FETCH, MSG_OK, 5000, 0, 100, 1});
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_FETCH, &out) == 0, "fetch answer of 100 bytes");
  CHECK(get_ans(h.b, h.n - 50, A_FETCH, &out) == -1 && get_ans(h.b, h.n - 1, A_FETCH, &out) == -1,
        "fetch answer whose length runs past the packet");
  a.f.total = 99;   /* 100 bytes of a 99-byte message */
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_FETCH, &out) == -1, "fetch answer past the message's end");
  a.f.total = ((uint64_t)1 << 40) + 1;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_FETCH, &out) == -1, "fetch answer of a message over 2^40");
  a.f.total = 5000;
  a.f.length = 1025;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_FETCH, &out) == -1, "fetch answer of 1025 bytes");
  a.f.offset = UINT64_MAX;
  a.f.length = 1;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_FETCH, &out) == -1, "fetch answer at offset 2^64-1");

  /* INDEX: numbers one after the other and below total; count entries */
  mkans(&a, &(struct ans_row){A_INDEX, MSG_OK, 10, 3, 2, 1});
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == 0, "index answer of two entries");
  a.xe[1].number = 5;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == -1, "index answer numbered 3, 5");
  a.xe[1].number = 4;
  a.x.total = 4;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == -1, "index answer with an entry at total");
  a.x.total = 10;
  a.xe[1].size = ((uint64_t)1 << 40) + 1;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == -1, "index answer with a size over 2^40");
  a.xe[1].size = 1;
  byhand(&h, &a);
  h.b[1 + 8] = 3;   /* count 3, two entries */
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == -1, "index answer one entry short");
  h.b[1 + 8] = 1;   /* count 1, two entries: the second is left over */
  CHECK(get_ans(h.b, h.n, A_INDEX, &out) == -1, "index answer with an entry left over");

  /* LIST: count entries, each with a checked note */
  mkans(&a, &(struct ans_row){A_LIST, MSG_OK, 0, 0, 2, 1});
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_LIST, &out) == 0, "list answer of two entries");
  h.b[2] = 3;
  CHECK(get_ans(h.b, h.n, A_LIST, &out) == -1, "list answer one entry short");
  h.b[2] = 1;
  CHECK(get_ans(h.b, h.n, A_LIST, &out) == -1, "list answer with an entry left over");
  h.b[2] = 2;
  strcpy(a.le[1].note.sender, "no-at-sign.example");
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_LIST, &out) == -1, "list answer with a bad address");
  strcpy(a.le[1].note.sender, "x@y");
  a.le[1].note.size = ((uint64_t)1 << 40) + 1;
  byhand(&h, &a);
  CHECK(get_ans(h.b, h.n, A_LIST, &out) == -1, "list answer with a size over 2^40");

  for (i = 0; i < 5; i++) {
    struct rd r;
    struct msg_notify_ans n;
    struct msg_list_ans l;
    struct msg_fetch_ans f;
    struct msg_index_ans x;
    uint8_t st;
    rd_init(&r, "", 0);
    switch (i) {
    case 0: CHECK(msg_get_status_ans(&r, &st) == -1 && r.err, "empty status answer"); break;
    case 1: CHECK(msg_get_notify_ans(&r, &n) == -1 && r.err, "empty notify answer"); break;
    case 2: CHECK(msg_get_list_ans(&r, &l) == -1 && r.err, "empty list answer"); break;
    case 3: CHECK(msg_get_fetch_ans(&r, &f) == -1 && r.err && !f.data, "empty fetch answer"); break;
    default: CHECK(msg_get_index_ans(&r, &x) == -1 && r.err, "empty index answer"); break;
    }
  }
}

/* a server fills a LIST answer while entries fit, then patches the head */
static void test_list_fill(void)
{
  struct msg_list_ans l = {MSG_OK, 0, 0};
  struct msg_list_entry e;
  unsigned char b[300];
  struct wr w, before;
  struct ans out;
  size_t head;
  memset(&e, 0, sizeof e);
  strcpy(e.note.sender, "a@b");
  strcpy(e.note.rcpt, "c@d");
  /* an entry is 8 + (90 + 3 + 3) + 1 = 105 bytes: two fit in 3 + 250 */
  wr_init(&w, b, 3 + 250);
  head = w.pos;
  msg_put_list_ans(&w, &l);
  while (l.count < 255) {
    e.seq = l.count + 1u;
    before = w;
    if (msg_put_list_entry(&w, &e) == -1) {
      CHECK(!w.err && w.pos == before.pos, "a list entry that does not fit leaves w as it was");
      l.more = 1;
      break;
    }
    l.count++;
  }
  msg_patch_list_ans(&w, head, &l);
  CHECK(!w.err && l.count == 2 && w.pos == 3 + 210 && b[0] == 0 && b[1] == 1 && b[2] == 2,
        "list answer filled: %u entries, %zu bytes", l.count, w.pos);
  CHECK(get_ans(b, w.pos, A_LIST, &out) == 0 && out.l.more == 1 && out.l.count == 2 &&
            out.le[1].seq == 2,
        "the filled list answer decodes");
  /* no head to patch: an error, not a write */
  wr_init(&w, b, sizeof b);
  msg_put_status_ans(&w, MSG_TEMP);
  msg_patch_list_ans(&w, 0, &l);
  CHECK(w.err && b[0] == MSG_TEMP, "patching a refusal");
  wr_init(&w, b, 2);
  msg_put_list_ans(&w, &l);
  msg_patch_list_ans(&w, 0, &l);
  CHECK(w.err, "patching a head that did not fit");
}

static void test_addr_end(void)
{
  static const struct { const char *in; size_t len; int ret; const char *want; } rows[] = {
    {"\3a@b", 4, 0, "a@b"},
    {"\3A@B", 4, 0, "A@b"},
    {"\3a@b\0\0", 6, 0, "a@b"},
    {"\0", 1, -1, ""},
    {"", 0, -1, ""},
    {"\3a@", 3, -1, ""},
    {"\3a\0b", 4, -1, ""},
    {"\4a@b\0", 5, -1, ""},
    {"\3a b", 4, -1, ""},
  };
  size_t i;
  unsigned char big[300];
  char out[ADDR_MAX + 1];
  struct rd r;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int ret;
    memset(out, 'x', sizeof out);
    rd_init(&r, rows[i].in, rows[i].len);
    ret = msg_get_addr(&r, out);
    CHECK(ret == rows[i].ret && !strcmp(out, rows[i].want) && r.err == (ret == -1),
          "msg_get_addr row %zu: %d \"%.20s\"", i, ret, out);
  }
  /* 255 bytes: more than an address may hold */
  big[0] = 255;
  mkaddr((char *)big + 1, 254);
  big[255] = 'x';
  rd_init(&r, big, 256);
  CHECK(msg_get_addr(&r, out) == -1 && out[0] == 0, "msg_get_addr of 255 bytes");
  big[0] = 254;
  rd_init(&r, big, 255);
  CHECK(msg_get_addr(&r, out) == 0 && strlen(out) == 254, "msg_get_addr of 254 bytes");

  rd_init(&r, "", 0);
  CHECK(msg_end(&r) == 0, "msg_end of nothing");
  rd_init(&r, "\0\0\0", 3);
  CHECK(msg_end(&r) == 0 && rd_left(&r) == 0, "msg_end of zeros");
  rd_init(&r, "\0\0\1", 3);
  CHECK(msg_end(&r) == -1 && r.err == 1, "msg_end of a nonzero byte");
  rd_init(&r, "\0", 1);
  r.err = 1;
  CHECK(msg_end(&r) == -1, "msg_end after an error");
}

static void test_writer_bounds(void)
{
  struct msg_confirm_req c;
  unsigned char b[64];
  struct wr w;
  memset(&c, 0, sizeof c);
  strcpy(c.rcpt, "a@b");
  wr_init(&w, b, 16 + 32 + 4);
  msg_put_confirm_req(&w, &c);
  CHECK(!w.err && w.pos == 52, "msg_put_confirm_req into an exact buffer");
  wr_init(&w, b, 16 + 32 + 3);
  msg_put_confirm_req(&w, &c);
  CHECK(w.err, "msg_put_confirm_req one byte short");
}

int main(void)
{
  fill();
  test_exact();
  test_notes();
  test_requests();
  test_changes();
  test_index_entries();
  test_forward_stamp();
  test_answers();
  test_bad_answers();
  test_list_fill();
  test_addr_end();
  test_writer_bounds();
  return unit_done("t_msg");
}
