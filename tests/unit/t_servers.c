/* t_servers.c: unit tests of lib/servers: good and bad lines of
 * control/servers and control/users (bad IPs, ports 0 and 65536, keys
 * one digit short or long), and servers_lookup through a real cdb;
 * control/lists rows and lists_lookup. */
#include "ctl.h"
#include "servers.h"
#include "unit.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#define PK "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define PKU "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

struct line_row {
  const char *line;
  int ret;
  const char *domain;   /* when ret is 0 */
  const char *ip;
  unsigned inbox, fetch;
};

static const struct line_row lines[] = {
  {"example.com:127.0.0.1:2525:2526:" PK, 0, "example.com", "127.0.0.1", 2525, 2526},
  {"EXAMPLE.Com:127.0.0.2:1:65535:" PK, 0, "example.com", "127.0.0.2", 1, 65535},
  {"a:0.0.0.0:65535:1:" PKU, 0, "a", "0.0.0.0", 65535, 1},
  {"x-y.z:255.255.255.255:10:20:" PK, 0, "x-y.z", "255.255.255.255", 10, 20},
  /* domains */
  {":127.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"-a.com:127.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"a..com:127.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"a com:127.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"a@b.com:127.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"example.com", -1, NULL, NULL, 0, 0},
  {"", -1, NULL, NULL, 0, 0},
  /* addresses */
  {"e.com:256.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4.5:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com::1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:localhost:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com: 1.2.3.4:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4 :1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:127.000.000.001:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:127.0.0.01:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4\n:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.-4:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:0x7f.0.0.1:1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:[::1]:1:2:" PK, -1, NULL, NULL, 0, 0},
  /* ports */
  {"e.com:1.2.3.4:0:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:0:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:65536:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:65536:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:4294967297:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:01:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:-1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:+1:2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4::2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1 :2:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:x:2:" PK, -1, NULL, NULL, 0, 0},
  /* keys */
  {"e.com:1.2.3.4:1:2:", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
   -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:" PK "0", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:" PK "00", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
   -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:" PK "\n", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:" PK " ", -1, NULL, NULL, 0, 0},
  /* fields */
  {"e.com:1.2.3.4:1:2:" PK ":", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2:3:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:" PK, -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4:1:2", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4", -1, NULL, NULL, 0, 0},
  {"e.com:", -1, NULL, NULL, 0, 0},
  {"e.com:1.2.3.4;1:2:" PK, -1, NULL, NULL, 0, 0},
};

static void test_lines(void)
{
  size_t i, j;
  unsigned char pk[32];
  for (i = 0; i < 32; i++) pk[i] = (unsigned char)i;
  for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    const struct line_row *t = &lines[i];
    char domain[256];
    const char *val = NULL;
    size_t vlen = 0;
    struct server s;
    int r;
    memset(&s, 0, sizeof s);
    errno = 0;
    r = server_line(t->line, strlen(t->line), domain, &val, &vlen, &s);
    CHECK(r == t->ret, "server_line row %zu \"%s\": %d", i, t->line, r);
    if (r == 0 && t->ret == 0) {
      CHECK(!strcmp(domain, t->domain) && !strcmp(s.ip, t->ip) &&
            s.inbox_port == t->inbox && s.fetch_port == t->fetch && !memcmp(s.pk, pk, 32),
            "server_line row %zu: fields %s %s %u %u", i, domain, s.ip, s.inbox_port,
            s.fetch_port);
      CHECK(val == t->line + strlen(t->domain) + 1 &&
            vlen == strlen(t->line) - strlen(t->domain) - 1,
            "server_line row %zu: value part", i);
      /* the value part alone parses the same */
      memset(&s, 0, sizeof s);
      CHECK(server_parse(val, vlen, &s) == 0 && !strcmp(s.ip, t->ip) &&
            s.inbox_port == t->inbox && s.fetch_port == t->fetch && !memcmp(s.pk, pk, 32),
            "server_parse row %zu", i);
      /* and every proper prefix of the value fails */
      for (j = 0; j < vlen; j++)
        CHECK(server_parse(val, j, &s) == -1, "server_parse row %zu of %zu bytes", i, j);
    }
    if (r == -1)
      CHECK(errno == EINVAL, "server_line row %zu: errno %d", i, errno);
  }
}

struct user_row {
  const char *line;
  int ret;
  const char *name;
};

static const struct user_row users[] = {
  {"alice:" PK, 0, "alice"},
  {"Alice.Smith:" PKU, 0, "Alice.Smith"},
  {"a:" PK, 0, "a"},
  {"llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll:" PK, 0,
   "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"},
  {"lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll:" PK, -1, NULL},
  {":" PK, -1, NULL},
  {"alice", -1, NULL},
  {"alice:", -1, NULL},
  {"alice " PK, -1, NULL},
  {"al ice:" PK, -1, NULL},
  {".alice:" PK, -1, NULL},
  {"alice@x:" PK, -1, NULL},
  {"alice:" PK "0", -1, NULL},
  {"alice:" PK "\n", -1, NULL},
  {"alice:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", -1, NULL},
  {"alice:" PK ":x", -1, NULL},
  {"alice::" PK, -1, NULL},
  {"", -1, NULL},
};

static void test_users(void)
{
  size_t i;
  unsigned char want[32];
  for (i = 0; i < 32; i++) want[i] = (unsigned char)i;
  for (i = 0; i < sizeof users / sizeof users[0]; i++) {
    const struct user_row *t = &users[i];
    char name[65];
    unsigned char pk[32];
    int r;
    errno = 0;
    r = user_line(t->line, strlen(t->line), name, pk);
    CHECK(r == t->ret, "user_line row %zu \"%s\": %d", i, t->line, r);
    if (r == 0 && t->ret == 0)
      CHECK(!strcmp(name, t->name) && !memcmp(pk, want, 32), "user_line row %zu: fields",
            i);
    if (r == -1) CHECK(errno == EINVAL, "user_line row %zu: errno %d", i, errno);
  }
}

struct lookup_row {
  const char *domain;
  int ret;
  int err;
  unsigned inbox;
};

static const struct lookup_row lookups[] = {
  {"example.com", 1, 0, 2525},
  {"EXAMPLE.COM", 1, 0, 2525},
  {"Example.Com", 1, 0, 2525},
  {"other.org", 1, 0, 7},
  {"unknown.net", 0, 0, 0},
  {"example.co", 0, 0, 0},
  {"", 0, 0, 0},
  {"-bad-", 0, 0, 0},
  {"a..b", 0, 0, 0},
  {"damaged.com", -1, EINVAL, 0},
  {"huge.com", -1, EINVAL, 0},
  {"bigok.com", -1, EINVAL, 0},
};

static void test_lookup(void)
{
  char dir[64];
  int dfd;
  struct table_make tm;
  struct table t;
  char huge[300];
  size_t i;
  static const char v1[] = "127.0.0.1:2525:2526:" PK;
  static const char v2[] = "10.0.0.1:7:8:" PKU;
  static const char bad[] = "127.0.0.1:0:2526:" PK;
  if (unit_tmpdir(dir) == -1) unit_fatal("t_servers", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_servers", "open temp dir");
  memset(huge, '1', sizeof huge);
  CHECK(table_make_start(&tm, dfd, "servers.cdb") == 0 &&
        table_make_add(&tm, "example.com", 11, v1, sizeof v1 - 1) == 0 &&
        table_make_add(&tm, "other.org", 9, v2, sizeof v2 - 1) == 0 &&
        table_make_add(&tm, "damaged.com", 11, bad, sizeof bad - 1) == 0 &&
        table_make_add(&tm, "huge.com", 8, huge, sizeof huge) == 0 &&
        table_make_add(&tm, "bigok.com", 9, huge, 255) == 0 &&
        table_make_finish(&tm) == 0,
        "build servers.cdb");
  if (CHECK(table_open(&t, dfd, "servers.cdb") == 0, "open servers.cdb")) {
    for (i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
      const struct lookup_row *l = &lookups[i];
      struct server s;
      int r;
      memset(&s, 0, sizeof s);
      errno = 0;
      r = servers_lookup(&t, l->domain, &s);
      CHECK(r == l->ret, "servers_lookup row %zu \"%s\": %d", i, l->domain, r);
      if (r == 1 && l->ret == 1)
        CHECK(s.inbox_port == l->inbox && s.fetch_port == l->inbox + 1,
              "servers_lookup row %zu: ports %u %u", i, s.inbox_port, s.fetch_port);
      if (r == -1) CHECK(errno == l->err, "servers_lookup row %zu: errno %d", i, errno);
    }
    table_close(&t);
  }
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
}

struct list_row {
  const char *line;
  int ret;
  const char *key, *val;
};

static const struct list_row listrows[] = {
  {"news:1000", 0, "news", "1000"},
  {"a.b-c:4294967294", 0, "a.b-c", "4294967294"},
  {"x:1", 0, "x", "1"},
  {"x:0", -1, NULL, NULL},
  {"x:4294967295", -1, NULL, NULL},
  {"x:01", -1, NULL, NULL},
  {"x:-1", -1, NULL, NULL},
  {"x:", -1, NULL, NULL},
  {"x:1 ", -1, NULL, NULL},
  {"x:1:2", -1, NULL, NULL},
  {":1", -1, NULL, NULL},
  {"a b:1", -1, NULL, NULL},
  {"a@b:1", -1, NULL, NULL},
  {"news", -1, NULL, NULL},
  {"", -1, NULL, NULL},
};

static void test_lists(void)
{
  char dir[64], key[256];
  const char *val;
  size_t i, klen, vlen;
  unsigned long bad;
  uint32_t uid;
  int dfd, fd;
  static const char text[] = "# lists\nnews:1000\nbig:4294967294\n";
  for (i = 0; i < sizeof listrows / sizeof listrows[0]; i++) {
    const struct list_row *t = &listrows[i];
    int r = lists_row(t->line, strlen(t->line), key, &klen, &val, &vlen);
    CHECK(r == t->ret, "lists_row row %zu \"%s\": %d", i, t->line, r);
    if (r == 0 && t->ret == 0)
      CHECK(klen == strlen(t->key) && !memcmp(key, t->key, klen) && vlen == strlen(t->val) &&
                !memcmp(val, t->val, vlen),
            "lists_row row %zu: fields", i);
  }
  if (unit_tmpdir(dir) == -1) unit_fatal("t_servers", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1 || mkdirat(dfd, "control", 0755) == -1) unit_fatal("t_servers", "temp dir");
  /* no table: no lists */
  CHECK(lists_lookup(dfd, "news", &uid) == 0, "lists_lookup without lists.cdb");
  fd = openat(dfd, "control/lists", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd == -1 || write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1) || close(fd))
    unit_fatal("t_servers", "write control/lists");
  CHECK(ctl_compile(dfd, "control/lists", "control/lists.cdb", lists_row, &bad) == 0,
        "compile control/lists");
  uid = 0;
  CHECK(lists_lookup(dfd, "news", &uid) == 1 && uid == 1000, "lists_lookup news: %lu",
        (unsigned long)uid);
  CHECK(lists_lookup(dfd, "big", &uid) == 1 && uid == 4294967294U, "lists_lookup big");
  CHECK(lists_lookup(dfd, "News", &uid) == 0, "lists_lookup is exact");
  CHECK(lists_lookup(dfd, "other", &uid) == 0, "lists_lookup of a non-list");
  CHECK(lists_lookup(dfd, "", &uid) == 0 && lists_lookup(dfd, "a b", &uid) == 0,
        "lists_lookup of bad names");
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
}

int main(void)
{
  if (sodium_init() < 0) unit_fatal("t_servers", "sodium_init");
  test_lines();
  test_users();
  test_lookup();
  test_lists();
  return unit_done("t_servers");
}
