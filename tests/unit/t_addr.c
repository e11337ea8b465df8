/* t_addr.c: unit tests of lib/addr: what addresses, domains and local
 * parts are accepted, with the length limits (64, 63, 253, 254) at
 * limit-1, limit and limit+1, and lower-casing of domains. */
#include "addr.h"
#include "unit.h"

#include <string.h>

struct lit_row {
  const char *s;
  size_t n;   /* (size_t)-1: strlen */
  int want;
};

#define S ((size_t)-1)
static const struct lit_row addrs[] = {
  {"a@b", S, 1},
  {"a@b.c", S, 1},
  {"A.B@Example.COM", S, 1},
  {"alice@example.com", S, 1},
  {"a.b.c@d", S, 1},
  {"a-b@c-d.e-f", S, 1},
  {"a@b--c", S, 1},
  {"a@1.2.3.4", S, 1},
  {"a@0", S, 1},
  {"!#$%&'*+-/=?^_`{|}~@b", S, 1},
  {"", S, 0},
  {"@", S, 0},
  {"a", S, 0},
  {"a@", S, 0},
  {"@b", S, 0},
  {"a@@b", S, 0},
  {"a@b@c", S, 0},
  {"@a@b", S, 0},
  {"a@b@", S, 0},
  {".a@b", S, 0},
  {"a.@b", S, 0},
  {"a..b@c", S, 0},
  {".@b", S, 0},
  {"a@.b", S, 0},
  {"a@b.", S, 0},
  {"a@.", S, 0},
  {"a@b..c", S, 0},
  {"a@-b", S, 0},
  {"a@b-", S, 0},
  {"a@b-.c", S, 0},
  {"a@b.-c", S, 0},
  {"a@-", S, 0},
  {"a b@c", S, 0},
  {"a@b c", S, 0},
  {" a@b", S, 0},
  {"a@b ", S, 0},
  {"a@b\n", S, 0},
  {"a\n@b", S, 0},
  {"a\t@b", S, 0},
  {"a\r@b", S, 0},
  {"a\x7f@b", S, 0},
  {"a\x80@b", S, 0},
  {"a\xff@b", S, 0},
  {"a@b\xc3\xa9", S, 0},
  {"a@b_c", S, 0},
  {"\"a\"@b", S, 0},
  {"a(b)@c", S, 0},
  {"a,b@c", S, 0},
  {"a:b@c", S, 0},
  {"a;b@c", S, 0},
  {"a<b@c", S, 0},
  {"a>b@c", S, 0},
  {"a[b@c", S, 0},
  {"a\\b@c", S, 0},
  {"a@[1.2.3.4]", S, 0},
  {"a@b/c", S, 0},
  {"a\0b@c", 5, 0},
  {"a@b\0", 4, 0},
  {"\0@b", 3, 0},
  {"a@bc", 3, 1},    /* only n bytes: "a@b" */
  {"a@b", 2, 0},     /* "a@" */
  {"a@b", 0, 0},
};

static const struct lit_row domains[] = {
  {"b", S, 1},
  {"example.com", S, 1},
  {"EXAMPLE.COM", S, 1},
  {"a-b.c", S, 1},
  {"1.2.3.4", S, 1},
  {"xn--bcher-kva.example", S, 1},
  {"", S, 0},
  {".", S, 0},
  {"..", S, 0},
  {".a", S, 0},
  {"a.", S, 0},
  {"a..b", S, 0},
  {"-a", S, 0},
  {"a-", S, 0},
  {"-", S, 0},
  {"a.-b", S, 0},
  {"a-.b", S, 0},
  {"a_b", S, 0},
  {"a b", S, 0},
  {"a@b", S, 0},
  {"a\0b", 3, 0},
  {"a\xff", S, 0},
  {"a/b", S, 0},
};

static const struct lit_row locals[] = {
  {"a", S, 1},
  {"alice", S, 1},
  {"Alice.Smith", S, 1},
  {"a+tag", S, 1},
  {"!#$%&'*+-/=?^_`{|}~", S, 1},
  {"-", S, 1},
  {"", S, 0},
  {".", S, 0},
  {".a", S, 0},
  {"a.", S, 0},
  {"a..b", S, 0},
  {"a@b", S, 0},
  {"a b", S, 0},
  {"\"a\"", S, 0},
  {"a\0", 2, 0},
  {"\0", 1, 0},
  {"a\x01", S, 0},
  {"a\x7f", S, 0},
  {"a\x80", S, 0},
  {"a(", S, 0},
  {"a)", S, 0},
  {"a,", S, 0},
  {"a:", S, 0},
  {"a;", S, 0},
  {"a<", S, 0},
  {"a>", S, 0},
  {"a[", S, 0},
  {"a]", S, 0},
  {"a\\", S, 0},
};

static void test_literals(void)
{
  size_t i;
  for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
    size_t n = addrs[i].n == S ? strlen(addrs[i].s) : addrs[i].n;
    int r = addr_check(addrs[i].s, n);
    CHECK(r == addrs[i].want, "addr_check row %zu \"%s\": %d", i, addrs[i].s, r);
  }
  for (i = 0; i < sizeof domains / sizeof domains[0]; i++) {
    size_t n = domains[i].n == S ? strlen(domains[i].s) : domains[i].n;
    int r = domain_check(domains[i].s, n);
    CHECK(r == domains[i].want, "domain_check row %zu \"%s\": %d", i, domains[i].s, r);
  }
  for (i = 0; i < sizeof locals / sizeof locals[0]; i++) {
    size_t n = locals[i].n == S ? strlen(locals[i].s) : locals[i].n;
    int r = local_check(locals[i].s, n);
    CHECK(r == locals[i].want, "local_check row %zu \"%s\": %d", i, locals[i].s, r);
  }
}

/* Generated rows: a local part of llen 'l's (0: none and no '@'), then
 * labels of the given lengths ('d's) joined by dots. */
struct len_row {
  size_t llen;
  size_t label[5];   /* 0 ends the list */
  int want_addr;
  int want_domain;
  int want_local;
};

static const struct len_row lens[] = {
  {1, {1}, 1, 1, 1},
  {63, {3}, 1, 1, 1},
  {64, {3}, 1, 1, 1},
  {65, {3}, 0, 1, 0},
  {200, {3}, 0, 1, 0},
  {1, {62, 3}, 1, 1, 1},
  {1, {63, 3}, 1, 1, 1},
  {1, {64, 3}, 0, 0, 1},
  {1, {3, 63}, 1, 1, 1},
  {1, {3, 64}, 0, 0, 1},
  {1, {63}, 1, 1, 1},
  {1, {64}, 0, 0, 1},
  /* domain 253 = 63+63+63+61+3 dots: the longest; 254 fails */
  {1, {63, 63, 63, 60}, 1, 1, 1},    /* domain 252, address 254 */
  {1, {63, 63, 63, 61}, 0, 1, 1},    /* domain 253, address 255 */
  {1, {63, 63, 63, 62}, 0, 0, 1},    /* domain 254 */
  {1, {63, 63, 63, 63}, 0, 0, 1},    /* domain 255 */
  /* address 254 = 64 + '@' + 189; 255 fails */
  {64, {63, 63, 60}, 1, 1, 1},       /* 64+1+188 = 253 */
  {64, {63, 63, 61}, 1, 1, 1},       /* 254 */
  {64, {63, 63, 62}, 0, 1, 1},       /* 255 */
  {64, {63, 63, 63}, 0, 1, 1},       /* 256 */
  {65, {63, 63, 60}, 0, 1, 0},
  {1, {1, 1, 1, 1, 1}, 1, 1, 1},
};

static size_t build(char *out, const struct len_row *t)
{
  size_t n = 0, i;
  memset(out, 'l', t->llen);
  n = t->llen;
  out[n++] = '@';
  for (i = 0; i < 5 && t->label[i]; i++) {
    if (i) out[n++] = '.';
    memset(out + n, 'd', t->label[i]);
    n += t->label[i];
  }
  out[n] = 0;
  return n;
}

static void test_lengths(void)
{
  size_t i;
  char s[600];
  for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    const struct len_row *t = &lens[i];
    size_t n = build(s, t);
    int r = addr_check(s, n);
    CHECK(r == t->want_addr, "addr_check length row %zu (total %zu): %d", i, n, r);
    r = domain_check(s + t->llen + 1, n - t->llen - 1);
    CHECK(r == t->want_domain, "domain_check length row %zu (domain %zu): %d", i,
          n - t->llen - 1, r);
    r = local_check(s, t->llen);
    CHECK(r == t->want_local, "local_check length row %zu (local %zu): %d", i,
          t->llen, r);
  }
}

struct lower_row {
  const char *in;
  const char *want_addr;    /* after addr_lower */
  const char *want_domain;  /* after domain_lower */
  const char *want_at;      /* addr_domain */
};

static const struct lower_row lowers[] = {
  {"Bob@Example.COM", "Bob@example.com", "bob@example.com", "Example.COM"},
  {"bob@example.com", "bob@example.com", "bob@example.com", "example.com"},
  {"ABC-9.Z", "ABC-9.Z", "abc-9.z", ""},
  {"", "", "", ""},
  {"A@B@C", "A@B@c", "a@b@c", "C"},
  {"X@", "X@", "x@", ""},
  {"@Y", "@y", "@y", "Y"},
  {"A\xc3\x89@\xc3\x89Z", "A\xc3\x89@\xc3\x89z", "a\xc3\x89@\xc3\x89z", "\xc3\x89Z"},
};

static void test_lower(void)
{
  size_t i;
  char s[64];
  for (i = 0; i < sizeof lowers / sizeof lowers[0]; i++) {
    const struct lower_row *t = &lowers[i];
    const char *d;
    strcpy(s, t->in);
    addr_lower(s);
    CHECK(!strcmp(s, t->want_addr), "addr_lower row %zu: \"%s\"", i, s);
    strcpy(s, t->in);
    domain_lower(s);
    CHECK(!strcmp(s, t->want_domain), "domain_lower row %zu: \"%s\"", i, s);
    strcpy(s, t->in);
    d = addr_domain(s);
    CHECK(d >= s && d <= s + strlen(s) && !strcmp(d, t->want_at),
          "addr_domain row %zu: \"%s\"", i, d);
  }
}

int main(void)
{
  test_literals();
  test_lengths();
  test_lower();
  return unit_done("t_addr");
}
