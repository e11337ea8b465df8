/* t_keys.c: unit tests of lib/keys, in a fresh temp dir: secret key
 * files of exactly n bytes (n-1, n+1, n+2 refused), hex public key files
 * with and without their newline, and key creation (modes, no
 * replacing a secret key, the public key matching the secret one). */
#include "keys.h"
#include "unit.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

static int dfd = -1;

#define HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEXU "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

struct raw_row {
  size_t size;   /* bytes in the file */
  size_t n;      /* bytes asked for */
  int ret;
};

static const struct raw_row raws[] = {
  {32, 32, 0}, {31, 32, -1}, {33, 32, -1}, {34, 32, -1}, {0, 32, -1},
  {0, 0, 0}, {1, 0, -1}, {64, 64, 0}, {65, 64, -1}, {5000, 32, -1}, {5000, 5000, 0},
};

static void test_read(void)
{
  static unsigned char data[5000];
  size_t i;
  for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7 + 3);
  for (i = 0; i < sizeof raws / sizeof raws[0]; i++) {
    const struct raw_row *t = &raws[i];
    unsigned char out[5001];
    int r;
    CHECK(unit_write(dfd, "raw", data, t->size, 0600) == 0, "write raw row %zu", i);
    memset(out, 0xee, sizeof out);
    errno = 0;
    r = keys_read(dfd, "raw", out, t->n);
    CHECK(r == t->ret, "keys_read row %zu (%zu bytes, want %zu): %d", i, t->size, t->n, r);
    if (r == 0)
      CHECK(!memcmp(out, data, t->n) && out[t->n] == 0xee, "keys_read row %zu: bytes", i);
    else
      CHECK(errno == EINVAL, "keys_read row %zu: errno %d", i, errno);
  }
  errno = 0;
  {
    unsigned char out[32];
    CHECK(keys_read(dfd, "missing", out, 32) == -1 && errno == ENOENT,
          "keys_read of a missing file: errno %d", errno);
    CHECK(symlinkat("raw", dfd, "rawlink") == 0, "symlink");
    errno = 0;
    CHECK(keys_read(dfd, "rawlink", out, 32) == -1 && errno == ELOOP,
          "keys_read through a symlink: errno %d", errno);
  }
}

struct hex_row {
  const char *content;
  size_t len;   /* (size_t)-1: strlen */
  int ret;
};

#define S ((size_t)-1)
static const struct hex_row hexes[] = {
  {HEX, S, 0},
  {HEX "\n", S, 0},
  {HEXU "\n", S, 0},
  {HEX "\n\n", S, -1},
  {HEX "\r\n", S, -1},
  {HEX " ", S, -1},
  {" " HEX, S, -1},
  {"\n" HEX, S, -1},
  {HEX "0", S, -1},
  {HEX "0\n", S, -1},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", S, -1},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n", S, -1},
  {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g", S, -1},
  {HEX "\0", 65, -1},
  {"", S, -1},
  {"\n", S, -1},
  {HEX HEX, S, -1},
};

static void test_read_hex(void)
{
  unsigned char want[32];
  size_t i;
  for (i = 0; i < 32; i++) want[i] = (unsigned char)i;
  for (i = 0; i < sizeof hexes / sizeof hexes[0]; i++) {
    const struct hex_row *t = &hexes[i];
    size_t len = t->len == S ? strlen(t->content) : t->len;
    unsigned char out[32];
    int r;
    CHECK(unit_write(dfd, "pub", t->content, len, 0644) == 0, "write pub row %zu", i);
    memset(out, 0xee, sizeof out);
    errno = 0;
    r = keys_read_hex(dfd, "pub", out);
    CHECK(r == t->ret, "keys_read_hex row %zu (%zu bytes): %d", i, len, r);
    if (r == 0)
      CHECK(!memcmp(out, want, 32), "keys_read_hex row %zu: bytes", i);
    else
      CHECK(errno == EINVAL, "keys_read_hex row %zu: errno %d", i, errno);
  }
}

static void test_create(void)
{
  unsigned char pk[32], pk2[32], sk[32], derived[32], frompub[32];
  unsigned char *p;
  size_t len;
  char hex[66];
  int r;

  r = keys_create(dfd, "secret", "public", pk);
  CHECK(r == 0, "keys_create: %s", strerror(errno));
  CHECK(unit_mode(dfd, "secret") == 0600, "secret mode %lo", unit_mode(dfd, "secret"));
  CHECK(unit_mode(dfd, "public") == 0644, "public mode %lo", unit_mode(dfd, "public"));
  CHECK(keys_read(dfd, "secret", sk, 32) == 0, "read back the secret key");
  CHECK(crypto_scalarmult_base(derived, sk) == 0 && !memcmp(derived, pk, 32),
        "the public key belongs to the secret key");
  CHECK(keys_read_hex(dfd, "public", frompub) == 0 && !memcmp(frompub, pk, 32),
        "the public key file holds pk");
  sodium_bin2hex(hex, sizeof hex, pk, 32);
  hex[64] = '\n';
  CHECK(unit_same_file(dfd, "public", hex, 65), "public is 64 lower-case hex and newline");
  CHECK(unit_count(dfd, ".", ".tmp") == 0, "no temp files");

  /* an existing secret key is never replaced */
  CHECK(unit_slurp(dfd, "secret", &p, &len) == 0, "slurp secret");
  errno = 0;
  CHECK(keys_create(dfd, "secret", "public2", pk2) == -1 && errno == EEXIST,
        "keys_create over an existing secret: errno %d", errno);
  CHECK(unit_same_file(dfd, "secret", p, len), "the secret key is unchanged");
  CHECK(!unit_exists(dfd, "public2"), "no public key written when the secret exists");
  free(p);

  /* a stale public key is replaced */
  CHECK(unit_write(dfd, "public3", "stale", 5, 0644) == 0, "stale public3");
  CHECK(keys_create(dfd, "secret3", "public3", pk2) == 0 &&
            keys_read_hex(dfd, "public3", frompub) == 0 && !memcmp(frompub, pk2, 32),
        "keys_create replaces a stale public key");
  CHECK(memcmp(pk, pk2, 32) != 0, "two key pairs differ");

  errno = 0;
  CHECK(keys_create(dfd, "nodir/secret", "nodir/public", pk2) == -1 && errno == ENOENT,
        "keys_create in a missing directory: errno %d", errno);
  sodium_memzero(sk, sizeof sk);
}

struct rand_row {
  const char *name;
  size_t n;
  int ret;
  int err;
};

static const struct rand_row rands[] = {
  {"r32", 32, 0, 0},
  {"r64", 64, 0, 0},
  {"r0", 0, 0, 0},
  {"r1", 1, 0, 0},
  {"r65", 65, -1, EINVAL},
  {"rhuge", (size_t)-1, -1, EINVAL},
  {"r32", 32, -1, EEXIST},
};

static void test_random(void)
{
  size_t i;
  unsigned char a[64], b[64];
  for (i = 0; i < sizeof rands / sizeof rands[0]; i++) {
    const struct rand_row *t = &rands[i];
    int r;
    struct stat st;
    errno = 0;
    r = keys_create_random(dfd, t->name, t->n);
    CHECK(r == t->ret, "keys_create_random row %zu (%s, %zu): %d", i, t->name, t->n, r);
    if (r == 0) {
      CHECK(fstatat(dfd, t->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (size_t)st.st_size == t->n &&
                (st.st_mode & 07777) == 0600,
            "keys_create_random row %zu: size and mode", i);
    } else {
      CHECK(errno == t->err, "keys_create_random row %zu: errno %d", i, errno);
    }
  }
  CHECK(!unit_exists(dfd, "r65") && !unit_exists(dfd, "rhuge"), "nothing for refused sizes");
  CHECK(keys_create_random(dfd, "ra", 64) == 0 && keys_create_random(dfd, "rb", 64) == 0 &&
            keys_read(dfd, "ra", a, 64) == 0 && keys_read(dfd, "rb", b, 64) == 0 &&
            memcmp(a, b, 64) != 0,
        "two random keys differ");
}

int main(void)
{
  char dir[64];
  if (sodium_init() < 0) unit_fatal("t_keys", "sodium_init");
  umask(022);
  if (unit_tmpdir(dir) == -1) unit_fatal("t_keys", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_keys", "open temp dir");
  test_read();
  test_read_hex();
  test_create();
  test_random();
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_keys");
}
