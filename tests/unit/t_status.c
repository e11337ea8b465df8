/* t_status.c: unit tests of lib/status: state words, which states are
 * final, the exact line format, round trips at the field limits, and a
 * table of bad lines that must all be refused. */
#include "status.h"
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_words(void)
{
  static const struct { int state; const char *word; int final; } rows[] = {
    {STATUS_QUEUED, "queued", 0},   {STATUS_NOTIFIED, "notified", 0},
    {STATUS_CONFIRMED, "confirmed", 1}, {STATUS_FAILED, "failed", 1},
    {STATUS_GAVEUP, "gaveup", 1},   {STATUS_NSTATES, "unknown", 0},
    {STATUS_FETCHED, "fetched", 0}, {STATUS_CANCELED, "canceled", 1},
    {STATUS_RELAYED, "relayed", 1},
    {-1, "unknown", 0},             {INT_MIN, "unknown", 0},
    {INT_MAX, "unknown", 0},
  };
  size_t i;
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    CHECK(!strcmp(status_word(rows[i].state), rows[i].word), "status_word(%d): %s",
          rows[i].state, status_word(rows[i].state));
    CHECK(status_final(rows[i].state) == rows[i].final, "status_final(%d)",
          rows[i].state);
  }
}

struct enc_row {
  struct status_rec rec;
  const char *line;
};

static const struct enc_row encs[] = {
  {{STATUS_QUEUED, 0, 0, "a@b", NULL}, "queued 0 0 a@b\n"},
  {{STATUS_NOTIFIED, 1, 1700000000, "bob@example.org", NULL},
   "notified 1 1700000000 bob@example.org\n"},
  {{STATUS_CONFIRMED, 3, 1, "Bob@Example.ORG", NULL}, "confirmed 3 1 Bob@Example.ORG\n"},
  {{STATUS_FAILED, UINT32_MAX, INT64_MAX, "x@y.z", NULL},
   "failed 4294967295 9223372036854775807 x@y.z\n"},
  {{STATUS_GAVEUP, 10, 20, "c@d", NULL}, "gaveup 10 20 c@d\n"},
  {{STATUS_RELAYED, 1, 5, "e@f", "127.0.6.2 said: 250 2.0.0 Ok: queued"},
   "relayed 1 5 e@f 127.0.6.2 said: 250 2.0.0 Ok: queued\n"},
  {{STATUS_QUEUED, 2, 5, "e@f", ""}, "queued 2 5 e@f\n"},
};

static void test_encode(void)
{
  size_t i;
  struct buf b;
  struct status_rec all[sizeof encs / sizeof encs[0]];
  struct status_rec *out = NULL;
  size_t nout = 0, total = 0;
  for (i = 0; i < sizeof encs / sizeof encs[0]; i++) {
    size_t l = strlen(encs[i].line);
    buf_init(&b, 1000);
    CHECK(status_encode(&encs[i].rec, 1, &b) == 0 && b.len == l &&
          !memcmp(b.p, encs[i].line, l),
          "status_encode row %zu: %.*s", i, (int)b.len, b.p ? (const char *)b.p : "");
    buf_free(&b);
    all[i] = encs[i].rec;
    total += l;
  }
  /* all at once, parsed back */
  buf_init(&b, 10000);
  CHECK(status_encode(all, sizeof all / sizeof all[0], &b) == 0 && b.len == total,
        "status_encode of all rows");
  CHECK(status_parse(b.p, b.len, &out, &nout) == 0 && nout == sizeof all / sizeof all[0],
        "status_parse of all rows");
  if (nout == sizeof all / sizeof all[0])
    for (i = 0; i < nout; i++)
      CHECK(out[i].state == all[i].state && out[i].tries == all[i].tries &&
            out[i].last == all[i].last && !strcmp(out[i].rcpt, all[i].rcpt) &&
            !strcmp(out[i].reply ? out[i].reply : "", all[i].reply ? all[i].reply : ""),
            "status round trip row %zu", i);
  status_free(out, nout);
  buf_free(&b);

  buf_init(&b, 10);
  errno = 0;
  CHECK(status_encode(all, 1, &b) == -1 && errno == EMSGSIZE, "status_encode over max");
  buf_free(&b);
  buf_init(&b, 10);
  CHECK(status_encode(all, 0, &b) == 0 && b.len == 0, "status_encode of nothing");
  buf_free(&b);
}

/* the longest line: the longest word, numbers and a 254-byte address */
static void test_longest(void)
{
  struct status_rec r, *out = NULL;
  struct buf b;
  size_t nout = 0;
  char *a = r.rcpt;
  r.state = STATUS_CONFIRMED;
  r.reply = NULL;
  r.tries = UINT32_MAX;
  r.last = INT64_MAX;
  memset(a, 'l', 64);
  a[64] = '@';
  memset(a + 65, 'd', 189);
  a[65 + 63] = '.';
  a[65 + 127] = '.';
  a[254] = 0;
  CHECK(addr_check(a, 254), "test address of 254 bytes");
  buf_init(&b, 1000);
  CHECK(status_encode(&r, 1, &b) == 0 && b.len == 9 + 1 + 10 + 1 + 19 + 1 + 254 + 1,
        "status_encode of the longest line: %zu", b.len);
  CHECK(status_parse(b.p, b.len, &out, &nout) == 0 && nout == 1 &&
        !strcmp(out[0].rcpt, a) && out[0].last == INT64_MAX && out[0].tries == UINT32_MAX,
        "status_parse of the longest line");
  status_free(out, nout);
  buf_free(&b);
}

struct parse_row {
  const char *in;
  size_t len;    /* (size_t)-1: strlen */
  int ret;
  size_t n;      /* records when ret is 0 */
};

#define S ((size_t)-1)
static const struct parse_row parses[] = {
  {"", S, 0, 0},
  {"queued 0 0 a@b\n", S, 0, 1},
  {"queued 0 0 a@b\nfailed 1 2 c@d\n", S, 0, 2},
  {"gaveup 4294967295 9223372036854775807 x@y\n", S, 0, 1},
  {"queued 0 0 a@b", S, -1, 0},
  {"queued 0 0 a@b\nfailed 1 2 c@d", S, -1, 0},
  {"queued 0 0 a@b\nX", S, -1, 0},
  {"queued 0 0 a@b\n\n", S, -1, 0},
  {"\n", S, -1, 0},
  {" \n", S, -1, 0},
  {"Queued 0 0 a@b\n", S, -1, 0},
  {"queue 0 0 a@b\n", S, -1, 0},
  {"queuedd 0 0 a@b\n", S, -1, 0},
  {"unknown 0 0 a@b\n", S, -1, 0},
  {"queued  0 0 a@b\n", S, -1, 0},
  {"queued 0  0 a@b\n", S, -1, 0},
  {"queued 0 0  a@b\n", S, -1, 0},
  {" queued 0 0 a@b\n", S, -1, 0},
  {"queued\t0 0 a@b\n", S, -1, 0},
  {"queued 0\t0 a@b\n", S, -1, 0},
  {"queued 0 0 a@b \n", S, -1, 0},
  {"queued 0 0 a@b\r\n", S, -1, 0},
  {"queued 0 0 a@b c\n", S, 0, 1},
  {"relayed 1 2 a@b 250 ok\nfailed 1 2 c@d 550 5.1.1 no such user\n", S, 0, 2},
  {"queued 0 0 a@b  c\n", S, 0, 1},
  {"queued 0 0 a@b c\tx\n", S, -1, 0},
  {"queued 0 0 a@b c\rx\n", S, -1, 0},
  {"queued 0 0 a@b c\x80\n", S, -1, 0},
  {"queued 0 0 a@b c\0\n", 18, -1, 0},
  {"queued 0 0 a@b c", S, -1, 0},
  {"queued 01 0 a@b\n", S, -1, 0},
  {"queued 0 01 a@b\n", S, -1, 0},
  {"queued -1 0 a@b\n", S, -1, 0},
  {"queued 0 -1 a@b\n", S, -1, 0},
  {"queued +1 0 a@b\n", S, -1, 0},
  {"queued 4294967296 0 a@b\n", S, -1, 0},
  {"queued 0 9223372036854775808 a@b\n", S, -1, 0},
  {"queued 0 18446744073709551616 a@b\n", S, -1, 0},
  {"queued x 0 a@b\n", S, -1, 0},
  {"queued 0 0 ab\n", S, -1, 0},
  {"queued 0 0 \n", S, -1, 0},
  {"queued 0 0\n", S, -1, 0},
  {"queued 0\n", S, -1, 0},
  {"queued\n", S, -1, 0},
  {"queued 0 0 a@b@c\n", S, -1, 0},
  {"queued 0 0 a\0@b\n", 16, -1, 0},
  {"queued\0 0 0 a@b\n", 16, -1, 0},
  {"queued 0 0 a@b\0\n", 16, -1, 0},
  {"queued 0 0 a@b\nqueued 0 0 a@@b\n", S, -1, 0},
};

static void test_parse(void)
{
  size_t i;
  for (i = 0; i < sizeof parses / sizeof parses[0]; i++) {
    const struct parse_row *t = &parses[i];
    size_t len = t->len == S ? strlen(t->in) : t->len;
    struct status_rec *out = NULL;
    size_t n = 999;
    int r;
    errno = 0;
    r = status_parse((const unsigned char *)t->in, len, &out, &n);
    CHECK(r == t->ret, "status_parse row %zu \"%s\": %d", i, t->in, r);
    if (r == 0) {
      CHECK(n == t->n, "status_parse row %zu: %zu records", i, n);
      status_free(out, n);
    } else {
      CHECK(errno == EINVAL, "status_parse row %zu: errno %d", i, errno);
    }
  }
}

/* JOB_RCPT_MAX lines, the most a status file holds */
static void test_many(void)
{
  struct status_rec *r = calloc(100000, sizeof *r), *out = NULL;
  struct buf b;
  size_t i, nout = 0;
  int ok = 1;
  if (!r) unit_fatal("t_status", "calloc");
  for (i = 0; i < 100000; i++) {
    r[i].state = (int)(i % STATUS_NSTATES);
    r[i].tries = (uint32_t)i;
    r[i].last = (int64_t)i * 1000;
    snprintf(r[i].rcpt, sizeof r[i].rcpt, "u%zu@example.org", i);
  }
  buf_init(&b, 100000 * 300);
  CHECK(status_encode(r, 100000, &b) == 0, "status_encode of 100000 lines");
  CHECK(status_parse(b.p, b.len, &out, &nout) == 0 && nout == 100000,
        "status_parse of 100000 lines: %zu", nout);
  for (i = 0; ok && i < nout && i < 100000; i++)
    if (out[i].state != r[i].state || out[i].tries != r[i].tries ||
        out[i].last != r[i].last || strcmp(out[i].rcpt, r[i].rcpt))
      ok = 0;
  CHECK(ok, "100000 lines round trip");
  status_free(out, nout);
  buf_free(&b);
  free(r);
}

int main(void)
{
  test_words();
  test_encode();
  test_longest();
  test_parse();
  test_many();
  return unit_done("t_status");
}
