/* t_rfc822.c: unit tests of lib/rfc822: which lines are header lines
 * (complete and incomplete, the name length limit at 998), the fields of
 * a header block with their continuation lines, and the addresses of
 * To/Cc/Bcc values: display names, comments, groups, quoted names with
 * commas, folding, obsolete forms, every error, the 254-byte limit. */
#include "rfc822.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define S ((size_t)-1)
enum { B = RFC822_BODY, F = RFC822_FIELD, C = RFC822_CONT, M = RFC822_MORE };

struct line_row {
  const char *s;
  size_t n;   /* S: strlen */
  int first;
  int want_complete;  /* rfc822_line(s, n, first, 1) */
  int want_partial;   /* rfc822_line(s, n, first, 0) */
};

static const struct line_row lines[] = {
  {"Subject: hi", S, 1, F, F},
  {"Subject: hi", S, 0, F, F},
  {"Subject: hi\r", S, 1, F, F},
  {"Subject:", S, 1, F, F},
  {"X:", S, 1, F, F},
  {"To:a@b", S, 1, F, F},
  {"Bcc : x", S, 1, F, F},        /* obs-optional: blanks before the colon */
  {"Bcc \t :", S, 1, F, F},
  {"Bcc", S, 1, B, M},
  {"Bcc ", S, 1, B, M},
  {"Bcc x:", S, 1, B, B},
  {"a b: c", S, 1, B, B},
  {":x", S, 1, B, B},
  {"", S, 1, B, M},
  {"", S, 0, B, M},
  {"\r", S, 1, B, B},            /* the blank line of CR LF */
  {" folded", S, 0, C, C},
  {"\tfolded", S, 0, C, C},
  {" folded", S, 1, B, B},        /* no continuation as the first line */
  {"\t", S, 0, C, C},
  {" ", S, 1, B, B},
  {"body text", S, 1, B, B},
  {"body", S, 1, B, M},
  {"From me", S, 1, B, B},        /* mbox "From " line: body */
  {"Sub\x01ject: x", S, 1, B, B},
  {"Sub\x7fject: x", S, 1, B, B},
  {"Sub\xc3\xa9: x", S, 1, B, B},
  {"Subject: caf\xc3\xa9", S, 1, F, F},  /* 8-bit values are for the caller */
  {"Subject: a\0b", 11, 1, F, F},
  {"Sub\0ject: x", 11, 1, B, B},
  {"\0", 1, 1, B, B},
  {"a\rb: x", S, 1, B, B},
  {"Subject: x", 3, 1, B, M},     /* "Sub" */
  {"Subject: x", 8, 1, F, F},     /* "Subject:" */
};

static void test_lines(void)
{
  size_t i;
  for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    const struct line_row *t = &lines[i];
    size_t n = t->n == S ? strlen(t->s) : t->n;
    int r = rfc822_line(t->s, n, t->first, 1);
    CHECK(r == t->want_complete, "rfc822_line row %zu complete: %d", i, r);
    r = rfc822_line(t->s, n, t->first, 0);
    CHECK(r == t->want_partial, "rfc822_line row %zu partial: %d", i, r);
  }
}

/* the name limit: name+blanks of 998 bytes, then the colon, is a field;
 * 999 is body, complete or not */
struct len_row {
  size_t name, blanks;
  int colon;
  int want_complete, want_partial;
};

static const struct len_row lens[] = {
  {1, 0, 1, F, F},
  {997, 0, 1, F, F},
  {998, 0, 1, F, F},
  {999, 0, 1, B, B},
  {998, 0, 0, B, M},
  {999, 0, 0, B, B},
  {5000, 0, 0, B, B},
  {997, 1, 1, F, F},
  {997, 2, 1, B, B},
  {500, 498, 1, F, F},
  {500, 498, 0, B, M},
  {500, 499, 0, B, B},
};

static void test_lengths(void)
{
  size_t i;
  static char s[6000];
  for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    const struct len_row *t = &lens[i];
    size_t n = t->name + t->blanks;
    int r;
    memset(s, 'X', t->name);
    memset(s + t->name, ' ', t->blanks);
    if (t->colon) s[n++] = ':';
    r = rfc822_line(s, n, 1, 1);
    CHECK(r == t->want_complete, "length row %zu complete: %d", i, r);
    r = rfc822_line(s, n, 1, 0);
    CHECK(r == t->want_partial, "length row %zu partial: %d", i, r);
  }
}

/* fields: the block, then "name|value" of each field, and what the walk
 * ends with (0: the end of the block, -1: a line that starts no field) */
struct field_row {
  const char *block;
  const char *want[5];
  int end;
  size_t endpos;   /* *pos when the walk ended; S: the block's length */
};

static const struct field_row fields[] = {
  {"", {NULL}, 0, S},
  {"To: a@b\n", {"To| a@b\n"}, 0, S},
  {"To: a@b", {"To| a@b"}, 0, S},
  {"To: a@b\r\nCc: c@d\r\n", {"To| a@b\r\n", "Cc| c@d\r\n"}, 0, S},
  {"To: a@b,\n c@d\nSubject: x\n", {"To| a@b,\n c@d\n", "Subject| x\n"}, 0, S},
  {"To: a@b,\n\tc@d,\n  e@f\n", {"To| a@b,\n\tc@d,\n  e@f\n"}, 0, S},
  {"Bcc : x\n", {"Bcc| x\n"}, 0, S},
  {"Bcc:\n", {"Bcc|\n"}, 0, S},
  {"X-A:1\nX-B:2\nX-C:3\n", {"X-A|1\n", "X-B|2\n", "X-C|3\n"}, 0, S},
  {"Subject: x\n\nbody\n", {"Subject| x\n"}, -1, 11},
  {"Subject: x\nbody\n", {"Subject| x\n"}, -1, 11},
  {" cont\n", {NULL}, -1, 0},
  {"\n", {NULL}, -1, 0},
  {"To: a\n \n", {"To| a\n \n"}, 0, S},
  {"A: 1\n \nB: 2", {"A| 1\n \n", "B| 2"}, 0, S},
};

static void test_fields(void)
{
  size_t i, k;
  for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    const struct field_row *t = &fields[i];
    size_t n = strlen(t->block), pos = 0, last = 0, endpos;
    struct rfc822_field f;
    int r;
    for (k = 0;; k++) {
      char got[256];
      r = rfc822_field_next(t->block, n, &pos, &f);
      if (r != 1) break;
      CHECK(f.start == last && f.end == pos && f.end > f.start,
            "field row %zu #%zu: start %zu end %zu", i, k, f.start, f.end);
      CHECK(f.value + f.valuelen == (const unsigned char *)t->block + f.end,
            "field row %zu #%zu: value ends at the field's end", i, k);
      last = pos;
      snprintf(got, sizeof got, "%.*s|%.*s", (int)f.namelen, (const char *)f.name,
               (int)f.valuelen, (const char *)f.value);
      CHECK(k < 5 && t->want[k] && !strcmp(got, t->want[k]), "field row %zu #%zu: \"%s\"",
            i, k, got);
      if (k >= 5) break;
    }
    CHECK(k < 5 && !t->want[k], "field row %zu: %zu fields", i, k);
    CHECK(r == t->end, "field row %zu: walk ends with %d", i, r);
    endpos = t->endpos == S ? n : t->endpos;
    CHECK(pos == endpos, "field row %zu: ends at %zu", i, pos);
  }
}

struct is_row {
  const char *block;
  const char *name;
  int want;
};

static const struct is_row iss[] = {
  {"Bcc: x", "Bcc", 1},
  {"BCC: x", "bcc", 1},
  {"bcc : x", "Bcc", 1},
  {"Bcc2: x", "Bcc", 0},
  {"Bc: x", "Bcc", 0},
  {"Resent-Bcc: x", "Bcc", 0},
  {"To: x", "to", 1},
  {"Message-ID: x", "message-id", 1},
  {"Message-IE: x", "message-id", 0},
  {"[: x", "{", 0},   /* no case folding outside A-Z */
  {"@: x", "`", 0},
};

static void test_is(void)
{
  size_t i;
  for (i = 0; i < sizeof iss / sizeof iss[0]; i++) {
    size_t pos = 0;
    struct rfc822_field f;
    int r = rfc822_field_next(iss[i].block, strlen(iss[i].block), &pos, &f);
    CHECK(r == 1 && rfc822_field_is(&f, iss[i].name) == iss[i].want,
          "rfc822_field_is row %zu", i);
  }
}

/* address lists: the value, the addresses it gives (space-separated;
 * addresses in these rows hold no space), and the error at the end */
struct addr_row {
  const char *value;
  size_t n;   /* S: strlen */
  const char *want;
  int err;
};

static const struct addr_row addrs[] = {
  /* plain, name-addr, comments */
  {"a@b", S, "a@b", 0},
  {" a@b \n", S, "a@b", 0},
  {"a@b, c@d", S, "a@b c@d", 0},
  {"a@b,c@d,e@f", S, "a@b c@d e@f", 0},
  {"Alice <alice@a.example>", S, "alice@a.example", 0},
  {"<alice@a.example>", S, "alice@a.example", 0},
  {"Alice Smith <alice@a.example>, Bob <bob@b.example>", S,
   "alice@a.example bob@b.example", 0},
  {"John Q. Public <jqp@x.example>", S, "jqp@x.example", 0},
  {"a@b (Alice)", S, "a@b", 0},
  {"a@b (Alice (the (first))) , c@d", S, "a@b c@d", 0},
  {"(lead) a@b", S, "a@b", 0},
  {"a(x)@(y)b", S, "a@b", 0},
  {"a@b (a \\) paren)", S, "a@b", 0},
  {"Alice (A) <a@b> (trailing)", S, "a@b", 0},
  /* quoted display names, commas inside them */
  {"\"Doe, John\" <john@d.example>", S, "john@d.example", 0},
  {"\"Doe, John\" <john@d.example>, \"Roe, Jane\" <jane@r.example>", S,
   "john@d.example jane@r.example", 0},
  {"\"a \\\"quoted\\\" name, with <a@b>\" <real@x.y>", S, "real@x.y", 0},
  {"\"\" <a@b>", S, "a@b", 0},
  {"=?UTF-8?Q?J=C3=B6rg?= <j@x.example>", S, "j@x.example", 0},
  {"J\xc3\xb6rg M\xc3\xbcller <j@x.example>", S, "j@x.example", 0},
  /* groups */
  {"list: a@b, c@d;", S, "a@b c@d", 0},
  {"list: a@b, c@d;, e@f", S, "a@b c@d e@f", 0},
  {"e@f, list: a@b;", S, "e@f a@b", 0},
  {"undisclosed-recipients:;", S, "", 0},
  {"undisclosed-recipients: ;", S, "", 0},
  {"undisclosed-recipients:", S, "", 0},       /* left open: accepted */
  {"g: a@b", S, "a@b", 0},
  {"g: A <a@b>, (c) c@d (e);", S, "a@b c@d", 0},
  {"\"The, Group\": a@b;", S, "a@b", 0},
  {"g1: a@b;, g2: c@d;", S, "a@b c@d", 0},
  {"g: , a@b, ,;", S, "a@b", 0},
  /* folding: CR LF or LF and blanks are blank space */
  {"Alice\r\n <a@b>,\r\n\tc@d\r\n", S, "a@b c@d", 0},
  {"\"Doe,\r\n John\" <j@d>", S, "j@d", 0},
  {"a@b,\n c@d,\n e@f\n", S, "a@b c@d e@f", 0},
  /* obsolete forms */
  {"a@b,,c@d", S, "a@b c@d", 0},
  {", a@b ,", S, "a@b", 0},
  {",,,", S, "", 0},
  {"", S, "", 0},
  {"  \r\n ", S, "", 0},
  {"(just a comment)", S, "", 0},
  {"<@r1,@r2:a@b>", S, "a@b", 0},
  {"<@r1:a@b>", S, "a@b", 0},
  {"<@r1,,@r2:a@b>", S, "a@b", 0},
  {"a . b @ c . d", S, "a.b@c.d", 0},
  {"a.b@c.d.e", S, "a.b@c.d.e", 0},
  /* quoted local parts and literals: unquoted when plain, else as is */
  {"\"alice\"@a.example", S, "alice@a.example", 0},
  {"\"a.b\"@c", S, "a.b@c", 0},
  {"\"a b\"@c", S, "\"a b\"@c", 0},
  {"\"a..b\"@c", S, "\"a..b\"@c", 0},
  {"\".a\"@c", S, "\".a\"@c", 0},
  {"\"\"@c", S, "\"\"@c", 0},
  {"\"a\\b\"@c", S, "\"a\\b\"@c", 0},
  {"\"a\".b@c", S, "\"a\".b@c", 0},
  {"a@[1.2.3.4]", S, "a@[1.2.3.4]", 0},
  {"a@[ 1.2.3.4 ]", S, "a@[1.2.3.4]", 0},
  {"\"a\r\n b\"@c", S, "\"a b\"@c", 0},
  /* 8-bit bytes are atoms; the caller's address check decides */
  {"caf\xc3\xa9@x", S, "caf\xc3\xa9@x", 0},
  /* errors: what was read before them comes out first */
  {"bob", S, "", RFC822_EDOMAIN},
  {"a@b, bob", S, "a@b", RFC822_EDOMAIN},
  {"Doe, John <j@d>", S, "", RFC822_EDOMAIN},
  {"<bob>", S, "", RFC822_EDOMAIN},
  {"a@", S, "", RFC822_EDOMAIN},
  {"a@,b@c", S, "", RFC822_EDOMAIN},
  {"a@b.", S, "", RFC822_EDOMAIN},
  {"a@b..c", S, "", RFC822_EDOMAIN},
  {"@b", S, "", RFC822_ESYNTAX},
  {".a@b", S, "", RFC822_ESYNTAX},
  {"a.@b", S, "", RFC822_ESYNTAX},
  {"a..b@c", S, "", RFC822_ESYNTAX},
  {"John Smith@x", S, "", RFC822_ESYNTAX},
  {"a@b c@d", S, "", RFC822_ESYNTAX},
  {"a@b <c@d>", S, "", RFC822_ESYNTAX},
  {"a@b>", S, "", RFC822_ESYNTAX},
  {">", S, "", RFC822_ESYNTAX},
  {"Alice [x] <a@b>", S, "", RFC822_ESYNTAX},
  {"\"Doe, John\" j@d", S, "", RFC822_ESYNTAX},
  {"<>", S, "", RFC822_EANGLE},
  {"<a@b", S, "", RFC822_EANGLE},
  {"<a@b c>", S, "", RFC822_EANGLE},
  {"<a@b>>", S, "", RFC822_ESYNTAX},
  {"<@r a@b>", S, "", RFC822_EANGLE},
  {"<@r,x:a@b>", S, "", RFC822_EANGLE},
  {"<@:a@b>", S, "", RFC822_EDOMAIN},
  {";", S, "", RFC822_EGROUP},
  {"a@b;", S, "", RFC822_EGROUP},
  {"g: h: a@b;;", S, "", RFC822_EGROUP},
  {": a@b;", S, "", RFC822_EGROUP},
  {"g: a@b; c@d", S, "", RFC822_ESYNTAX},   /* bad after it: not returned */
  {"g: a@b;; ", S, "", RFC822_ESYNTAX},
  {"\"unterminated <a@b>", S, "", RFC822_EQUOTE},
  {"\"ends in a pair\\", S, "", RFC822_EQUOTE},
  {"a@b (unterminated", S, "", RFC822_ECOMMENT},
  {"a@b ((one) two", S, "", RFC822_ECOMMENT},
  {"a@b (pair at the end\\", S, "", RFC822_ECOMMENT},
  {"a@[1.2.3.4", S, "", RFC822_ELITERAL},
  {"a@[1.[2]", S, "", RFC822_ELITERAL},
  {"a@b)", S, "", RFC822_ECHAR},
  {"a@b]", S, "", RFC822_ECHAR},
  {"a\\b@c", S, "", RFC822_ECHAR},
  {"a\x01@b", S, "", RFC822_ECHAR},
  {"a\x7f@b", S, "", RFC822_ECHAR},
  {"a\0@b", 4, "", RFC822_ECHAR},
  {"a@b\0", 4, "", RFC822_ECHAR},
  {"a@b, \0", 6, "a@b", RFC822_ECHAR},
  {"\"a\0\"@b", 6, "", RFC822_ECHAR},
  {"a@b (\0)", 7, "", RFC822_ECHAR},
  {"a@b (\\\0)", 8, "", RFC822_ECHAR},
  {"a@b, c@d", 6, "a@b", RFC822_EDOMAIN},  /* only n bytes: "a@b, c" */
};

static void test_addrs(void)
{
  size_t i;
  for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
    const struct addr_row *t = &addrs[i];
    size_t n = t->n == S ? strlen(t->value) : t->n, k = 0;
    struct rfc822_addrs a;
    char out[ADDR_MAX + 1], got[1024];
    int r;
    got[0] = 0;
    rfc822_addrs_init(&a, t->value, n);
    while ((r = rfc822_addrs_next(&a, out)) == 1 && k < 20) {
      size_t gl = strlen(got);
      snprintf(got + gl, sizeof got - gl, "%s%s", gl ? " " : "", out);
      k++;
    }
    CHECK(!strcmp(got, t->want), "addrs row %zu: \"%s\"", i, got);
    CHECK(r == (t->err ? -1 : 0) && a.err == t->err, "addrs row %zu: %d err %d", i, r,
          a.err);
    /* the end, or the error, stays */
    r = rfc822_addrs_next(&a, out);
    CHECK(r == (t->err ? -1 : 0) && a.err == t->err, "addrs row %zu again: %d err %d", i,
          r, a.err);
  }
}

/* the address limit: local@domain of 254 bytes passes, 255 is ELONG,
 * whether written plain, in <>, or spread by comments and folding */
static void test_long(void)
{
  static const size_t totals[] = {3, 253, 254, 255, 256, 1000};
  /* the address between a prefix and a suffix */
  static const char *const forms[][2] = {{"", ""}, {"Name <", ">"}, {" (c)", " (c) ,\r\n x@y"}};
  size_t i, f;
  char addr[1100], val[1200], out[ADDR_MAX + 1];
  for (i = 0; i < sizeof totals / sizeof totals[0]; i++) {
    size_t tot = totals[i];
    memset(addr, 'l', tot - 2);
    addr[tot - 2] = '@';
    addr[tot - 1] = 'd';
    addr[tot] = 0;
    for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
      struct rfc822_addrs a;
      int r;
      snprintf(val, sizeof val, "%s%s%s", forms[f][0], addr, forms[f][1]);
      rfc822_addrs_init(&a, val, strlen(val));
      r = rfc822_addrs_next(&a, out);
      if (tot <= ADDR_MAX)
        CHECK(r == 1 && !strcmp(out, addr), "long %zu form %zu: %d", tot, f, r);
      else
        CHECK(r == -1 && a.err == RFC822_ELONG, "long %zu form %zu: %d err %d", tot, f,
              r, a.err);
    }
  }
}

/* large inputs: deep comments use no stack, long lists are linear */
static void test_large(void)
{
  size_t n = 200000, i, k;
  char *p = malloc(n * 5 + 16), out[ADDR_MAX + 1];
  struct rfc822_addrs a;
  int r;
  if (!p) unit_fatal("t_rfc822", "malloc");
  /* a@b ((((...)))) */
  memcpy(p, "a@b ", 4);
  memset(p + 4, '(', n);
  memset(p + 4 + n, ')', n);
  rfc822_addrs_init(&a, p, 4 + 2 * n);
  r = rfc822_addrs_next(&a, out);
  CHECK(r == 1 && !strcmp(out, "a@b"), "deep comment: %d", r);
  CHECK(rfc822_addrs_next(&a, out) == 0, "deep comment: end");
  rfc822_addrs_init(&a, p, 4 + 2 * n - 1);
  CHECK(rfc822_addrs_next(&a, out) == -1 && a.err == RFC822_ECOMMENT,
        "deep comment one short");
  /* 200000 addresses "a@b," */
  for (i = 0; i < n; i++) memcpy(p + 4 * i, "a@b,", 4);
  rfc822_addrs_init(&a, p, 4 * n);
  for (k = 0; (r = rfc822_addrs_next(&a, out)) == 1; k++) ;
  CHECK(r == 0 && k == n, "long list: %zu addresses, %d", k, r);
  free(p);
}

static void test_strerror(void)
{
  int e, f;
  for (e = RFC822_OK; e <= RFC822_ELONG; e++) {
    const char *s = rfc822_strerror(e);
    CHECK(s && *s && strcmp(s, rfc822_strerror(-1)), "strerror %d", e);
    for (f = RFC822_OK; f < e; f++)
      CHECK(strcmp(s, rfc822_strerror(f)), "strerror %d and %d differ", e, f);
  }
}

int main(void)
{
  test_lines();
  test_lengths();
  test_fields();
  test_is();
  test_addrs();
  test_long();
  test_large();
  test_strerror();
  return unit_done("t_rfc822");
}
