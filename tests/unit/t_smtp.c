/* t_smtp.c: unit tests of lib/smtp: verbs, MAIL and RCPT paths with
 * their parameters, and the DATA stream (its one end, dot-unstuffing,
 * bare CR and LF, the line and size bounds), fed whole and byte by byte. */
#include "smtp.h"
#include "unit.h"

#include <string.h>

struct verb_row {
  const char *line;
  enum smtp_verb want;
  const char *arg;
};

static const struct verb_row verbs[] = {
  {"HELO a.example", SMTP_HELO, "a.example"},
  {"ehlo x", SMTP_EHLO, "x"},
  {"MAIL FROM:<a@b>", SMTP_MAIL, "FROM:<a@b>"},
  {"Rcpt TO:<a@b>", SMTP_RCPT, "TO:<a@b>"},
  {"DATA", SMTP_DATA, ""},
  {"RSET", SMTP_RSET, ""},
  {"NOOP anything", SMTP_NOOP, "anything"},
  {"QUIT", SMTP_QUIT, ""},
  {"VRFY bob", SMTP_VRFY, "bob"},
  {"HELP", SMTP_HELP, ""},
  {"DATAX", SMTP_UNKNOWN, ""},
  {"DAT", SMTP_UNKNOWN, ""},
  {"", SMTP_UNKNOWN, ""},
  {"MAIL\tFROM:<a@b>", SMTP_UNKNOWN, ""},
  {"BDAT 10", SMTP_UNKNOWN, ""},
  {"STARTTLS", SMTP_UNKNOWN, ""},
};

static void test_verbs(void)
{
  size_t i, n;
  const char *arg;
  for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    enum smtp_verb v = smtp_verb(verbs[i].line, strlen(verbs[i].line), &arg, &n);
    CHECK(v == verbs[i].want, "verb row %zu: %d", i, (int)v);
    if (v != SMTP_UNKNOWN)
      CHECK(n == strlen(verbs[i].arg) && !memcmp(arg, verbs[i].arg, n), "verb row %zu: arg", i);
  }
}

struct path_row {
  const char *arg;
  int mail;
  enum smtp_path_err want;
  const char *addr;
  unsigned long long size;
};

static const struct path_row paths[] = {
  {"FROM:<a@b.example>", 1, SMTP_PATH_OK, "a@b.example", 0},
  {"from: <a@b>", 1, SMTP_PATH_OK, "a@b", 0},
  {"FROM:<>", 1, SMTP_PATH_OK, "", 0},
  {"FROM:<a@b> SIZE=12345", 1, SMTP_PATH_OK, "a@b", 12345},
  {"FROM:<a@b> BODY=8BITMIME SIZE=7", 1, SMTP_PATH_OK, "a@b", 7},
  {"FROM:<a@b> body=7bit", 1, SMTP_PATH_OK, "a@b", 0},
  {"FROM:<@r1,@r2:a@b>", 1, SMTP_PATH_OK, "a@b", 0},
  {"FROM:<a@b> SIZE=", 1, SMTP_PATH_PARAM, "", 0},
  {"FROM:<a@b> SIZE=12x", 1, SMTP_PATH_PARAM, "", 0},
  {"FROM:<a@b> SIZE=99999999999999999999", 1, SMTP_PATH_PARAM, "", 0},
  {"FROM:<a@b> BODY=BINARYMIME", 1, SMTP_PATH_PARAM, "", 0},
  {"FROM:<a@b> AUTH=<>", 1, SMTP_PATH_PARAM, "", 0},
  {"FROM:a@b", 1, SMTP_PATH_SYNTAX, "", 0},
  {"FROM:<a@b", 1, SMTP_PATH_SYNTAX, "", 0},
  {"FROM:<a b>", 1, SMTP_PATH_SYNTAX, "", 0},
  {"FROM:<a<b>", 1, SMTP_PATH_SYNTAX, "", 0},
  {"TO:<a@b>", 1, SMTP_PATH_SYNTAX, "", 0},
  {"", 1, SMTP_PATH_SYNTAX, "", 0},
  {"TO:<bob@w.example>", 0, SMTP_PATH_OK, "bob@w.example", 0},
  {"to:<postmaster>", 0, SMTP_PATH_OK, "postmaster", 0},
  {"TO:<>", 0, SMTP_PATH_ADDR, "", 0},
  {"TO:<@r:>", 0, SMTP_PATH_ADDR, "", 0},
  {"TO:<@r>", 0, SMTP_PATH_ADDR, "", 0},
  {"TO:<a@b> NOTIFY=NEVER", 0, SMTP_PATH_PARAM, "", 0},
  {"FROM:<a@b>", 0, SMTP_PATH_SYNTAX, "", 0},
};

static void test_paths(void)
{
  char a[SMTP_PATH_MAX + 1], arg[400];
  uint64_t size;
  size_t i;
  for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    const struct path_row *t = &paths[i];
    enum smtp_path_err r = smtp_path(t->arg, strlen(t->arg), t->mail, a, &size);
    CHECK(r == t->want, "path row %zu: %d", i, (int)r);
    if (r == SMTP_PATH_OK)
      CHECK(!strcmp(a, t->addr) && size == t->size, "path row %zu: \"%s\" %llu", i, a,
            (unsigned long long)size);
  }
  /* the address bound: 254 taken, 255 refused */
  memcpy(arg, "TO:<", 4);
  memset(arg + 4, 'a', 255);
  memcpy(arg + 4 + 254, ">", 2);
  CHECK(smtp_path(arg, strlen(arg), 0, a, NULL) == SMTP_PATH_OK && strlen(a) == 254, "254 bytes");
  memset(arg + 4, 'a', 255);
  memcpy(arg + 4 + 255, ">", 2);
  CHECK(smtp_path(arg, strlen(arg), 0, a, NULL) == SMTP_PATH_ADDR, "255 bytes refused");
}

struct data_row {
  const char *in;
  const char *out;   /* the message, when accepted */
  size_t used;       /* (size_t)-1: strlen(in) */
  int done, bare, toolong, toolarge;
};

#define ALL ((size_t)-1)
static const struct data_row datas[] = {
  {".\r\n", "", 3, 1, 0, 0, 0},
  {"a\r\n.\r\n", "a\n", 6, 1, 0, 0, 0},
  {"a\r\n.\r\nQUIT\r\n", "a\n", 6, 1, 0, 0, 0},
  {"..a\r\n.\r\n", ".a\n", 8, 1, 0, 0, 0},
  {"..\r\n.\r\n", ".\n", 7, 1, 0, 0, 0},
  {"a.\r\n.b\r\n.\r\n", "a.\nb\n", ALL, 1, 0, 0, 0},
  {"\r\n\r\n.\r\n", "\n\n", ALL, 1, 0, 0, 0},
  {"a\r\n", "a\n", ALL, 0, 0, 0, 0},
  {"a\r\n.", "a\n", ALL, 0, 0, 0, 0},
  {"a\r\n.\r", "a\n", ALL, 0, 0, 0, 0},
  /* bare LF and bare CR: never an end */
  {"a\nb\r\n.\r\n", NULL, ALL, 1, 1, 0, 0},
  {"a\rb\r\n.\r\n", NULL, ALL, 1, 1, 0, 0},
  {"a\n.\nMAIL FROM:<e@x>\r\n", NULL, ALL, 0, 1, 0, 0},
  {"a\r\n.\nMAIL FROM:<e@x>\r\n", NULL, ALL, 0, 1, 0, 0},
  {"a\n.\r\nb\r\n", NULL, ALL, 0, 1, 0, 0}, /* LF.CRLF: no end */
  {"a\r\n.\rX\r\n.\r\n", NULL, ALL, 1, 1, 0, 0},
  {"a\r\r\n.\r\n", NULL, ALL, 1, 1, 0, 0},
  {"\n.\r\n", NULL, ALL, 0, 1, 0, 0},
  {".\n.\r\n", NULL, ALL, 0, 1, 0, 0},
  {"a\r\n.\r\r\n.\r\n", NULL, ALL, 1, 1, 0, 0},
  /* databytes 8 in these rows */
  {"1234567\r\n.\r\n", "1234567\n", ALL, 1, 0, 0, 0},
  {"12345678\r\n.\r\n", NULL, ALL, 1, 0, 0, 1},
};

static void feed_check(size_t i, const struct data_row *t, int bytewise)
{
  struct smtp_data d;
  unsigned char out[256], all[256];
  size_t n = strlen(t->in), used = 0, alln = 0, ol, u;
  smtp_data_init(&d, i >= sizeof datas / sizeof datas[0] - 2 ? 8 : 1000);
  while (used < n && !d.done) {
    size_t chunk = bytewise ? 1 : n - used;
    u = smtp_data_feed(&d, (const unsigned char *)t->in + used, chunk, out, &ol);
    CHECK(u <= chunk && ol <= chunk, "data row %zu: bounds", i);
    memcpy(all + alln, out, ol);
    alln += ol;
    used += u;
    if (u < chunk) break;
  }
  CHECK(used == (t->used == ALL ? n : t->used), "data row %zu (%s): used %zu", i,
        bytewise ? "bytewise" : "whole", used);
  CHECK(d.done == t->done && d.bare == t->bare && d.toolong == t->toolong &&
        d.toolarge == t->toolarge, "data row %zu (%s): flags %d %d %d %d", i,
        bytewise ? "bytewise" : "whole", d.done, d.bare, d.toolong, d.toolarge);
  if (t->out) CHECK(alln == strlen(t->out) && !memcmp(all, t->out, alln), "data row %zu: output", i);
  CHECK(smtp_data_feed(&d, (const unsigned char *)"x", d.done ? 1 : 0, out, &ol) == 0,
        "data row %zu: nothing after the end", i);
}

static void test_data(void)
{
  size_t i;
  for (i = 0; i < sizeof datas / sizeof datas[0]; i++) {
    feed_check(i, &datas[i], 0);
    feed_check(i, &datas[i], 1);
  }
}

/* the line bound: 1000 bytes with CRLF taken, 1001 not */
static void test_lines(void)
{
  static unsigned char in[1200], out[1200];
  struct smtp_data d;
  size_t ol, k;
  for (k = 998; k <= 999; k++) {
    memset(in, 'x', k);
    memcpy(in + k, "\r\n.\r\n", 5);
    smtp_data_init(&d, 1 << 20);
    CHECK(smtp_data_feed(&d, in, k + 5, out, &ol) == k + 5 && d.done, "line %zu: ends", k);
    CHECK(d.toolong == (k == 999), "line of %zu bytes and CRLF: toolong %d", k, d.toolong);
  }
  /* a dot line counts its stuffing dot */
  in[0] = '.';
  memset(in + 1, 'x', 998);
  memcpy(in + 999, "\r\n.\r\n", 5);
  smtp_data_init(&d, 1 << 20);
  CHECK(smtp_data_feed(&d, in, 1004, out, &ol) == 1004 && d.toolong, "stuffed line of 1001 bytes");
}

int main(void)
{
  test_verbs();
  test_paths();
  test_data();
  test_lines();
  return unit_done("t_smtp");
}
