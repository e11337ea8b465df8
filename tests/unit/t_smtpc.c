/* t_smtpc.c: unit tests of lib/smtpc: replies (one line, several, bad
 * codes, mixed codes, the bounds), read whole and byte by byte; the DATA
 * writer (line ends, dots, the end) whole and byte by byte; the lines of
 * control/smtproutes and which one a domain takes. */
#include "smtpc.h"
#include "unit.h"

#include <string.h>

struct reply_row {
  const char *in;
  size_t used;          /* bytes of in the reply takes; ALL: strlen(in) */
  int done;
  enum smtpc_err err;
  int code;
  const char *text;     /* when err is SMTPC_OK */
  unsigned ext;
};

#define ALL ((size_t)-1)
static const struct reply_row replies[] = {
  {"250 2.0.0 Ok: queued as 123\r\n", ALL, 1, SMTPC_OK, 250, "250 2.0.0 Ok: queued as 123", 0},
  {"220 mx.example ESMTP\n", ALL, 1, SMTPC_OK, 220, "220 mx.example ESMTP", 0},
  {"354\r\n", ALL, 1, SMTPC_OK, 354, "354", 0},
  {"221 \r\n", ALL, 1, SMTPC_OK, 221, "221 ", 0},
  {"550-5.1.1 <x@y>: user unknown\r\n550 5.1.1 try another\r\n", ALL, 1, SMTPC_OK, 550,
   "550-5.1.1 <x@y>: user unknown/550 5.1.1 try another", 0},
  {"250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 DSN\r\n", ALL,
   1, SMTPC_OK, 250, "250-mx.example/250-PIPELINING/250-SIZE 10240000/250-8BITMIME/250 DSN",
   SMTPC_EXT_8BITMIME | SMTPC_EXT_SIZE},
  {"250-x\r\n250-size\r\n250 8bitmime\r\n", ALL, 1, SMTPC_OK, 250, "250-x/250-size/250 8bitmime",
   SMTPC_EXT_8BITMIME | SMTPC_EXT_SIZE},
  /* the first line (the server's name) names no extension; a longer
   * word is another one */
  {"250-8BITMIME\r\n250-SIZEX\r\n250 8BITMIMEX\r\n", ALL, 1, SMTPC_OK, 250,
   "250-8BITMIME/250-SIZEX/250 8BITMIMEX", 0},
  {"250-x\r\n250-\r\n250 ok\r\n", ALL, 1, SMTPC_OK, 250, "250-x/250-/250 ok", 0},
  /* what follows the end is not read */
  {"250 ok\r\n221 bye\r\n", 8, 1, SMTPC_OK, 250, "250 ok", 0},
  /* bytes outside printable ASCII become '?' */
  {"550 \x01\xff\tx\rz\r\n", ALL, 1, SMTPC_OK, 550, "550 ???x?z", 0},
  {"421\r\n", ALL, 1, SMTPC_OK, 421, "421", 0},
  {"599 x\r\n", ALL, 1, SMTPC_OK, 599, "599 x", 0},
  /* not a whole reply yet */
  {"250-a\r\n250-b\r\n", ALL, 0, SMTPC_OK, 250, NULL, 0},
  {"250 ok", ALL, 0, SMTPC_OK, 0, NULL, 0},
  {"", ALL, 0, SMTPC_OK, 0, NULL, 0},
  /* bad codes */
  {"25 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"2500 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"250ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"150 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"650 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"050 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"2a0 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"25a ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {" 250 ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"250\tok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"ok\r\n", ALL, 1, SMTPC_SYNTAX, 0, NULL, 0},
  {"250-ok\r\nok\r\n", ALL, 1, SMTPC_SYNTAX, 250, NULL, 0},
  /* a continuation must keep the code */
  {"250-ok\r\n251 ok\r\n", ALL, 1, SMTPC_MISMATCH, 250, NULL, 0},
  {"550-no\r\n250 yes\r\n", ALL, 1, SMTPC_MISMATCH, 550, NULL, 0},
  {"250-ok\r\n250-ok\r\n450 later\r\n", ALL, 1, SMTPC_MISMATCH, 250, NULL, 0},
};

/* feed: r over in[0..n) in pieces of step bytes; the bytes used */
static size_t feed(struct smtpc_reply *r, const unsigned char *in, size_t n, size_t step)
{
  size_t used = 0;
  smtpc_reply_init(r);
  while (used < n && !r->done) {
    size_t c = n - used < step ? n - used : step;
    size_t u = smtpc_reply_feed(r, in + used, c);
    used += u;
    if (u < c && !r->done) return (size_t)-2; /* stopped short: a bug */
  }
  return used;
}

static void test_replies(void)
{
  size_t i, k;
  struct smtpc_reply r;
  for (i = 0; i < sizeof replies / sizeof replies[0]; i++) {
    const struct reply_row *t = &replies[i];
    size_t n = strlen(t->in), want = t->used == ALL ? n : t->used;
    for (k = 0; k < 3; k++) {
      /* whole, byte by byte, in threes */
      size_t step = k == 0 ? n + 1 : k == 1 ? 1 : 3, used = feed(&r, (const unsigned char *)t->in, n, step);
      CHECK(used == want, "reply row %zu step %zu: used %zu, want %zu", i, step, used, want);
      CHECK(r.done == t->done && (!r.done || r.err == t->err),
            "reply row %zu step %zu: done %d err %d", i, step, r.done, (int)r.err);
      if (t->done && t->err == SMTPC_OK) {
        CHECK(r.code == t->code && !strcmp(r.text, t->text) && r.ext == t->ext,
              "reply row %zu step %zu: %d \"%s\" %u", i, step, r.code, r.text, r.ext);
        CHECK(strlen(r.text) == r.textlen, "reply row %zu: textlen", i);
      }
      if (t->err == SMTPC_MISMATCH) CHECK(r.code == t->code, "reply row %zu: first code", i);
    }
  }
  /* feeding a finished reply takes nothing */
  smtpc_reply_init(&r);
  CHECK(smtpc_reply_feed(&r, (const unsigned char *)"250 a\r\n250 b\r\n", 14) == 7 && r.done,
        "first reply");
  CHECK(smtpc_reply_feed(&r, (const unsigned char *)"250 b\r\n", 7) == 0, "done: nothing more");
  CHECK(!strcmp(smtpc_err_str(SMTPC_TOOLONG), "reply too long"), "err_str");
}

/* a reply of lines lines, each len bytes with its CRLF */
static unsigned char *mkreply(size_t lines, size_t len, size_t *n)
{
  unsigned char *p = malloc(lines * len + 1);
  size_t i;
  if (!p) unit_fatal("t_smtpc", "malloc");
  for (i = 0; i < lines; i++) {
    unsigned char *l = p + i * len;
    memset(l, 'x', len);
    memcpy(l, i + 1 < lines ? "250-" : "250 ", 4);
    l[len - 2] = '\r';
    l[len - 1] = '\n';
  }
  *n = lines * len;
  return p;
}

static void test_bounds(void)
{
  struct smtpc_reply r;
  unsigned char *p;
  size_t n, used;
  int step;
  for (step = 0; step < 2; step++) {
    size_t st = step ? 1 : (size_t)-1;
    /* a line of 1000 bytes with its CRLF is taken, 1001 is not */
    p = mkreply(1, 1000, &n);
    used = feed(&r, p, n, st);
    CHECK(used == n && r.done && r.err == SMTPC_OK && r.code == 250, "1000-byte line");
    CHECK(r.textlen == SMTPC_TEXT_MAX && strlen(r.text) == SMTPC_TEXT_MAX, "text cut at %d",
          SMTPC_TEXT_MAX);
    free(p);
    p = mkreply(1, 1001, &n);
    used = feed(&r, p, n, st);
    CHECK(r.done && r.err == SMTPC_TOOLONG && used == 1001, "1001-byte line: too long (%zu)",
          used);
    free(p);
    /* with LF alone: 1000 bytes with it */
    p = mkreply(1, 1000, &n);
    p[998] = 'x';
    p[999] = '\n';
    used = feed(&r, p, n, st);
    CHECK(used == n && r.done && r.err == SMTPC_OK, "1000 bytes with LF alone");
    free(p);
    /* an endless line without LF stops at the bound */
    p = malloc(5000);
    if (!p) unit_fatal("t_smtpc", "malloc");
    memcpy(p, "250 ", 4);
    memset(p + 4, 'a', 4996);
    used = feed(&r, p, 5000, st);
    CHECK(r.done && r.err == SMTPC_TOOLONG && used == SMTPC_LINE_MAX + 1, "endless line");
    free(p);
    /* 100 lines are taken, 101 are not */
    p = mkreply(100, 10, &n);
    used = feed(&r, p, n, st);
    CHECK(used == n && r.done && r.err == SMTPC_OK && r.lines == 100, "100 lines");
    CHECK(r.textlen == SMTPC_TEXT_MAX, "100 lines: text cut");
    free(p);
    p = mkreply(101, 10, &n);
    used = feed(&r, p, n, st);
    CHECK(r.done && r.err == SMTPC_TOOLONG && used == n, "101 lines: too long");
    free(p);
  }
}

struct data_row {
  const char *in;
  size_t inlen;       /* 0: strlen(in) */
  const char *out;    /* with the end */
  int eightbit;
  size_t outlen;      /* 0: strlen(out) */
};

static const struct data_row datas[] = {
  {"", 0, ".\r\n", 0, 0},
  {"a\n", 0, "a\r\n.\r\n", 0, 0},
  {"a", 0, "a\r\n.\r\n", 0, 0},
  {"a\nb", 0, "a\r\nb\r\n.\r\n", 0, 0},
  {"\n", 0, "\r\n.\r\n", 0, 0},
  {"\n\n", 0, "\r\n\r\n.\r\n", 0, 0},
  {"a\r\n", 0, "a\r\n.\r\n", 0, 0},
  {"a\r\nb\r\n", 0, "a\r\nb\r\n.\r\n", 0, 0},
  {"a\r\n\n", 0, "a\r\n\r\n.\r\n", 0, 0},
  /* a bare CR ends a line too */
  {"a\rb\n", 0, "a\r\nb\r\n.\r\n", 0, 0},
  {"a\r", 0, "a\r\n.\r\n", 0, 0},
  {"\r", 0, "\r\n.\r\n", 0, 0},
  {"a\r\r\n", 0, "a\r\n\r\n.\r\n", 0, 0},
  {"a\r\rb", 0, "a\r\n\r\nb\r\n.\r\n", 0, 0},
  /* dots at the start of a line are doubled, nowhere else */
  {".", 0, "..\r\n.\r\n", 0, 0},
  {".\n", 0, "..\r\n.\r\n", 0, 0},
  {"..\n", 0, "...\r\n.\r\n", 0, 0},
  {".a\n", 0, "..a\r\n.\r\n", 0, 0},
  {"a.\n.b\n", 0, "a.\r\n..b\r\n.\r\n", 0, 0},
  {"a\n.\nb\n", 0, "a\r\n..\r\nb\r\n.\r\n", 0, 0},
  {"a\r\n.\r\n", 0, "a\r\n..\r\n.\r\n", 0, 0},
  {"a\r.\r", 0, "a\r\n..\r\n.\r\n", 0, 0},
  {"a\n.", 0, "a\r\n..\r\n.\r\n", 0, 0},
  {" .\n", 0, " .\r\n.\r\n", 0, 0},
  /* 8-bit and NUL bytes pass as they are */
  {"\xc3\xa9\n", 0, "\xc3\xa9\r\n.\r\n", 1, 0},
  {"a\0b\n", 4, "a\0b\r\n.\r\n", 0, 8},
  {"\x7f\n", 0, "\x7f\r\n.\r\n", 0, 0},
  {"\x80", 0, "\x80\r\n.\r\n", 1, 0},
};

/* write: the message in pieces of step bytes, with its end */
static size_t write_msg(const unsigned char *in, size_t n, size_t step, unsigned char *out,
                        struct smtpc_data *d)
{
  size_t used = 0, k = 0;
  smtpc_data_init(d);
  while (used < n) {
    size_t c = n - used < step ? n - used : step;
    size_t w = smtpc_data_feed(d, in + used, c, out + k);
    if (w > SMTPC_DATA_ROOM(c)) return (size_t)-1;
    k += w;
    used += c;
  }
  return k + smtpc_data_end(d, out + k);
}

static void test_data(void)
{
  size_t i, step;
  unsigned char out[256];
  struct smtpc_data d;
  for (i = 0; i < sizeof datas / sizeof datas[0]; i++) {
    const struct data_row *t = &datas[i];
    size_t n = t->inlen ? t->inlen : strlen(t->in);
    size_t want = t->outlen ? t->outlen : strlen(t->out);
    for (step = 1; step <= n + 1; step++) {
      size_t k = write_msg((const unsigned char *)t->in, n, step, out, &d);
      CHECK(k == want && !memcmp(out, t->out, want), "data row %zu step %zu: %zu bytes", i,
            step, k);
      CHECK(d.eightbit == t->eightbit, "data row %zu: eightbit %d", i, d.eightbit);
      CHECK(d.out + 3 == want, "data row %zu: out %llu", i, (unsigned long long)d.out);
    }
  }
}

/* worst cases for the room: every byte doubled, and a CR owed from the
 * previous piece */
static void test_room(void)
{
  unsigned char in[64], out[SMTPC_DATA_ROOM(64)];
  struct smtpc_data d;
  size_t k, i;
  smtpc_data_init(&d);
  memset(in, '\n', sizeof in);
  k = smtpc_data_feed(&d, in, sizeof in, out);
  CHECK(k == 128, "64 LF: 128 bytes");
  smtpc_data_init(&d);
  k = smtpc_data_feed(&d, (const unsigned char *)"\r", 1, out);
  CHECK(k == 0 && d.cr, "a CR is held");
  k = smtpc_data_feed(&d, (const unsigned char *)".", 1, out);
  CHECK(k == 4 && k <= SMTPC_DATA_ROOM(1) && !memcmp(out, "\r\n..", 4), "held CR then dot");
  smtpc_data_init(&d);
  for (i = 0; i < sizeof in; i++) in[i] = i % 2 ? '.' : '\r';
  k = smtpc_data_feed(&d, in, sizeof in, out);
  CHECK(k <= SMTPC_DATA_ROOM(sizeof in) && k == 32 * 4, "CR . CR . ...: %zu", k);
}

struct line_row {
  const char *line;
  int ok;
  const char *dom, *host;
  unsigned port;
};

static const struct line_row lines_t[] = {
  {"b.example:127.0.6.2", 1, "b.example", "127.0.6.2", 25},
  {"b.example:127.0.6.2:2525", 1, "b.example", "127.0.6.2", 2525},
  {"B.Example:MX.Relay.Example:587", 1, "b.example", "mx.relay.example", 587},
  {".example.org:relay.example", 1, ".example.org", "relay.example", 25},
  {":smarthost.example", 1, "", "smarthost.example", 25},
  {":127.0.0.1:10025", 1, "", "127.0.0.1", 10025},
  {"b.example:", 1, "b.example", "", 25},
  {"b.example::2525", 1, "b.example", "", 2525},
  {":", 1, "", "", 25},
  {"b.example:h:65535", 1, "b.example", "h", 65535},
  {"b.example", 0, NULL, NULL, 0},
  {"b.example:h:0", 0, NULL, NULL, 0},
  {"b.example:h:65536", 0, NULL, NULL, 0},
  {"b.example:h:25x", 0, NULL, NULL, 0},
  {"b.example:h:", 0, NULL, NULL, 0},
  {"b.example:h:025", 0, NULL, NULL, 0},
  {"b.example:h:25:1", 0, NULL, NULL, 0},
  {"b.example:1.2.3", 0, NULL, NULL, 0},
  {"b.example:1.2.3.256", 0, NULL, NULL, 0},
  {"b.example:bad_host", 0, NULL, NULL, 0},
  {"b.example:[127.0.0.1]", 0, NULL, NULL, 0},
  {"b.example:h h", 0, NULL, NULL, 0},
  {"b..example:h", 0, NULL, NULL, 0},
  {".:h", 0, NULL, NULL, 0},
  {"..example:h", 0, NULL, NULL, 0},
  {"-b.example:h", 0, NULL, NULL, 0},
  {"b.example.:h", 0, NULL, NULL, 0},
  {"*.example:h", 0, NULL, NULL, 0},
  {"b example:h", 0, NULL, NULL, 0},
};

static void test_route_lines(void)
{
  size_t i;
  char dom[256];
  struct smtpc_route r;
  for (i = 0; i < sizeof lines_t / sizeof lines_t[0]; i++) {
    const struct line_row *t = &lines_t[i];
    int rc = smtpc_route_line(t->line, strlen(t->line), dom, &r);
    CHECK((rc == 0) == t->ok, "route line %zu \"%s\": %d", i, t->line, rc);
    if (rc == 0 && t->ok)
      CHECK(!strcmp(dom, t->dom) && !strcmp(r.host, t->host) && r.port == t->port,
            "route line %zu: \"%s\" \"%s\" %u", i, dom, r.host, (unsigned)r.port);
  }
  /* lines in a buffer of their exact length, no NUL after them (the
   * text of a file): nothing is read past the end */
  for (i = 0; i < sizeof lines_t / sizeof lines_t[0]; i++) {
    const struct line_row *t = &lines_t[i];
    size_t n = strlen(t->line);
    char *p = malloc(n ? n : 1);
    int rc;
    if (!p) unit_fatal("t_smtpc", "malloc");
    memcpy(p, t->line, n);
    rc = smtpc_route_line(p, n, dom, &r);
    CHECK((rc == 0) == t->ok, "route line %zu unterminated: %d", i, rc);
    free(p);
  }
  /* a line longer than a domain */
  {
    char l[600];
    memset(l, 'a', sizeof l);
    l[300] = ':';
    CHECK(smtpc_route_line(l, sizeof l, dom, &r) == -1, "600-byte line");
  }
}

struct route_row {
  const char *file;
  const char *domain;
  int rc;             /* 1 found, 0 none, -1 bad */
  const char *host;
  unsigned port;
  unsigned long badline;
  size_t len;         /* 0: strlen(file) */
};

static const struct route_row routes[] = {
  {"", "b.example", 0, NULL, 0, 0, 0},
  {"# nothing\n\n", "b.example", 0, NULL, 0, 0, 0},
  {"b.example:127.0.6.2:2525\n", "b.example", 1, "127.0.6.2", 2525, 0, 0},
  {"b.example:127.0.6.2:2525\n", "B.EXAMPLE", 1, "127.0.6.2", 2525, 0, 0},
  {"b.example:127.0.6.2:2525\n", "c.example", 0, NULL, 0, 0, 0},
  {"b.example:127.0.6.2:2525\n", "a.b.example", 0, NULL, 0, 0, 0},
  {"b.example:127.0.6.2:2525\n", "xb.example", 0, NULL, 0, 0, 0},
  /* the first exact line wins, wherever it is */
  {":smart\n.example:suf\nb.example:one\nb.example:two\n", "b.example", 1, "one", 25, 0, 0},
  /* suffixes: the longest, for a domain below it only */
  {".example:suf\n", "b.example", 1, "suf", 25, 0, 0},
  {".example:suf\n", "example", 0, NULL, 0, 0, 0},
  {".example:suf\n", "xexample", 0, NULL, 0, 0, 0},
  {".example:suf\n", "a.b.example", 1, "suf", 25, 0, 0},
  {".example:short\n.b.example:long\n", "a.b.example", 1, "long", 25, 0, 0},
  {".b.example:long\n.example:short\n", "a.b.example", 1, "long", 25, 0, 0},
  {".example:first\n.example:second\n", "a.example", 1, "first", 25, 0, 0},
  {".b.example:long\n", "b.example", 0, NULL, 0, 0, 0},
  /* the smarthost: the first empty DOMAIN, after the others */
  {":smart:2525\n:other\n", "z.example", 1, "smart", 2525, 0, 0},
  {":smart\n.example:suf\n", "b.example", 1, "suf", 25, 0, 0},
  {":smart\nb.example:\n", "b.example", 1, "", 25, 0, 0},
  {":smart\nb.example::2526\n", "b.example", 1, "", 2526, 0, 0},
  /* comments, blanks, spaces around lines, CR LF */
  {"  # c\r\n\r\n  b.example:h  \r\n", "b.example", 1, "h", 25, 0, 0},
  /* any bad line is an error, before or after the match */
  {"b.example:h\nbad line\n", "b.example", -1, NULL, 0, 2, 0},
  {"# c\n\nbad\nb.example:h\n", "b.example", -1, NULL, 0, 3, 0},
  {"b.example:h:99999\n", "b.example", -1, NULL, 0, 1, 0},
  {"b.example:h\n\nc.example:h\0x\n", "b.example", -1, NULL, 0, 3, 28},
};

static void test_routes(void)
{
  size_t i;
  struct smtpc_route r;
  unsigned long bad;
  for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    const struct route_row *t = &routes[i];
    size_t n = t->len ? t->len : strlen(t->file);
    int rc;
    memset(&r, 0, sizeof r);
    rc = smtpc_route(t->file, n, t->domain, &r, &bad);
    CHECK(rc == t->rc, "route row %zu: %d, want %d", i, rc, t->rc);
    if (rc == 1 && t->rc == 1)
      CHECK(!strcmp(r.host, t->host) && r.port == t->port, "route row %zu: \"%s\" %u", i,
            r.host, (unsigned)r.port);
    if (rc == -1) CHECK(bad == t->badline && errno == EINVAL, "route row %zu: line %lu", i, bad);
  }
}

/* smtpc_routed: named (itself or a .SUFFIX), not just the smarthost */
static void test_routed(void)
{
  static const struct { const char *file, *domain; int want; } rows[] = {
    {"", "b.example", 0},
    {":smart\n", "b.example", 0},
    {":smart\nb.example:h\n", "b.example", 1},
    {":smart\nb.example:h\n", "B.Example", 1},
    {":smart\nb.example:\n", "b.example", 1},
    {":smart\n.example:suf\n", "a.b.example", 1},
    {".example:suf\n", "example", 0},
    {"b.example:h\n", "c.example", 0},
    {"b.example:h\nbad line\n", "b.example", 0},
  };
  size_t i;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
    CHECK(smtpc_routed(rows[i].file, strlen(rows[i].file), rows[i].domain) == rows[i].want,
          "smtpc_routed row %zu", i);
}

int main(void)
{
  test_replies();
  test_bounds();
  test_data();
  test_room();
  test_route_lines();
  test_routes();
  test_routed();
  return unit_done("t_smtpc");
}
