/* t_job.c: unit tests of lib/job: the exact encoding, round trips at the
 * field limits, a table of damaged records (one field changed, dropped
 * or added), the recipient count against the recipients present, every
 * truncation, every flipped byte, and the recipient limit. */
#include "addr.h"
#include "job.h"
#include "netstr.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define HANDLE_HEX "00112233445566778899aabbccddeeff"
#define STATUS_HEX "ffeeddccbbaa99887766554433221100"
#define HASH_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* the fields of a valid record, numbered as the bad_row table numbers
 * them: 0 magic, 1 uid, 2 handle, 3 status, 4 size, 5 hash, 6 time,
 * 7 sender, 8 recipient count, 9 and 10 the two recipients */
static const char *const base[] = {
  "im2k-job-1", "1000", HANDLE_HEX, STATUS_HEX, "12345", HASH_HEX, "1700000000",
  "alice@example.com", "2", "bob@example.org", "carol@example.net",
};
#define NBASE (sizeof base / sizeof base[0])
#define NHEAD 8  /* base[0..7]: the fields before the count */

static const char want_enc[] =
  "10:im2k-job-1,4:1000,32:" HANDLE_HEX ",32:" STATUS_HEX ",5:12345,64:" HASH_HEX
  ",10:1700000000,17:alice@example.com,1:2,15:bob@example.org,17:carol@example.net,";

static void base_job(struct job *j)
{
  size_t i;
  job_init(j);
  j->uid = 1000;
  for (i = 0; i < JOB_HANDLE; i++) j->handle[i] = (unsigned char)(i * 0x11);
  for (i = 0; i < JOB_STATUS; i++) j->status[i] = (unsigned char)(0xff - i * 0x11);
  j->size = 12345;
  for (i = 0; i < JOB_HASH; i++) j->hash[i] = (unsigned char)i;
  j->time = 1700000000;
  strcpy(j->sender, "alice@example.com");
}

static int same_job(const struct job *a, const struct job *b)
{
  size_t i;
  if (a->uid != b->uid || a->size != b->size || a->time != b->time ||
      memcmp(a->handle, b->handle, JOB_HANDLE) || memcmp(a->status, b->status, JOB_STATUS) ||
      memcmp(a->hash, b->hash, JOB_HASH) || strcmp(a->sender, b->sender) ||
      a->nrcpt != b->nrcpt)
    return 0;
  for (i = 0; i < a->nrcpt; i++)
    if (strcmp(a->rcpt[i], b->rcpt[i])) return 0;
  return 1;
}

/* what any parsed job must satisfy, however damaged its file was */
static int valid_job(const struct job *j)
{
  size_t i;
  if (!addr_check(j->sender, strlen(j->sender)) || j->nrcpt == 0 ||
      j->nrcpt > JOB_RCPT_MAX || j->size > MESSAGE_MAX || j->time < 0)
    return 0;
  for (i = 0; i < j->nrcpt; i++)
    if (!addr_check(j->rcpt[i], strlen(j->rcpt[i]))) return 0;
  return 1;
}

static void test_encode(void)
{
  struct job j, k;
  struct buf b;
  base_job(&j);
  CHECK(job_add_rcpt(&j, "bob@example.org") == 0 &&
        job_add_rcpt(&j, "carol@example.net") == 0, "job_add_rcpt");
  buf_init(&b, JOB_FILE_MAX);
  CHECK(job_encode(&j, &b) == 0, "job_encode");
  CHECK(b.len == sizeof want_enc - 1 && !memcmp(b.p, want_enc, b.len),
        "job_encode bytes: %.*s", (int)b.len, (const char *)b.p);
  CHECK(job_parse(&k, b.p, b.len) == 0 && same_job(&j, &k), "job_parse of job_encode");
  job_free(&k);
  buf_free(&b);

  /* the buffer bound: exact fits, one byte less is EMSGSIZE */
  buf_init(&b, sizeof want_enc - 1);
  CHECK(job_encode(&j, &b) == 0, "job_encode into an exact buffer");
  buf_free(&b);
  buf_init(&b, sizeof want_enc - 2);
  errno = 0;
  CHECK(job_encode(&j, &b) == -1 && errno == EMSGSIZE, "job_encode one byte short");
  buf_free(&b);
  job_free(&j);
  CHECK(j.nrcpt == 0 && j.rcpt == NULL, "job_free resets");
  job_free(&j);  /* twice is harmless */
}

struct rt_row {
  uint32_t uid;
  uint64_t size;
  int64_t time;
  size_t slen;     /* sender: 'a'*... so that the address is slen long */
  size_t nrcpt;
  size_t rlen;     /* each recipient's length */
};

static const struct rt_row rts[] = {
  {0, 0, 0, 3, 1, 3},
  {1, 1, 1, 20, 2, 20},
  {UINT32_MAX, MESSAGE_MAX, INT64_MAX, 254, 3, 254},
  {UINT32_MAX - 1, MESSAGE_MAX - 1, INT64_MAX - 1, 100, 100, 64},
  {65534, 1ull << 32, 4102444800ll, 254, 1000, 254},
};

/* an address of exactly n bytes (3 <= n <= 254): L@D with labels of 63 */
static void mkaddr(char *out, size_t n, size_t seq)
{
  size_t local = n - 2 > 64 ? 64 : n - 2, dl = n - local - 1, i, lab = 0;
  memset(out, 'u', local);
  out[0] = (char)('a' + seq % 26);
  if (local > 1) out[1] = (char)('a' + seq / 26 % 26);
  if (local > 2) out[2] = (char)('a' + seq / 676 % 26);
  out[local] = '@';
  for (i = 0; i < dl; i++) {
    char *c = out + local + 1 + i;
    if (lab == 63 && i + 1 < dl) { *c = '.'; lab = 0; continue; }
    *c = 'd';
    lab++;
  }
  out[n] = 0;
}

static void test_roundtrip(void)
{
  size_t i, r;
  for (i = 0; i < sizeof rts / sizeof rts[0]; i++) {
    const struct rt_row *t = &rts[i];
    struct job j, k;
    struct buf b;
    char a[ADDR_MAX + 1];
    int ok = 1;
    base_job(&j);
    j.uid = t->uid;
    j.size = t->size;
    j.time = t->time;
    mkaddr(j.sender, t->slen, 9999);
    CHECK(addr_check(j.sender, strlen(j.sender)) && strlen(j.sender) == t->slen,
          "round trip row %zu: test sender \"%s\"", i, j.sender);
    for (r = 0; r < t->nrcpt; r++) {
      mkaddr(a, t->rlen, r);
      if (job_add_rcpt(&j, a) != 0 || !addr_check(a, strlen(a))) ok = 0;
    }
    CHECK(ok && j.nrcpt == t->nrcpt, "round trip row %zu: job_add_rcpt", i);
    buf_init(&b, JOB_FILE_MAX);
    CHECK(job_encode(&j, &b) == 0, "round trip row %zu: encode", i);
    CHECK(job_parse(&k, b.p, b.len) == 0 && same_job(&j, &k),
          "round trip row %zu: parse", i);
    job_free(&k);
    buf_free(&b);
    job_free(&j);
  }
}

/* A damaged record: base with field `field` (numbered as in base[])
 * replaced by val (NULL: the field dropped); field -1 appends val as an
 * extra field; then rawlen raw bytes are appended. */
struct bad_row {
  int field;
  const char *val;
  const char *raw;
  size_t rawlen;
  int want;   /* 0 parses, -1 EINVAL */
};

static const struct bad_row bads[] = {
  {-1, NULL, "", 0, 0},
  /* a recipient appended after the count's worth */
  {-1, "dave@example.com", NULL, 0, -1},
  {-1, "carol@example.net", NULL, 0, -1},
  {0, "im2k-job-2", NULL, 0, -1},
  {0, "im2k-job-1 ", NULL, 0, -1},
  {0, "IM2K-JOB-1", NULL, 0, -1},
  {0, "", NULL, 0, -1},
  {0, NULL, NULL, 0, -1},
  {1, "0", NULL, 0, 0},
  {1, "4294967295", NULL, 0, 0},
  {1, "4294967296", NULL, 0, -1},
  {1, "01", NULL, 0, -1},
  {1, "-1", NULL, 0, -1},
  {1, "", NULL, 0, -1},
  {1, "1x", NULL, 0, -1},
  {1, "123456789012345678901", NULL, 0, -1},
  {2, "00112233445566778899AABBCCDDEEFF", NULL, 0, 0},
  {2, "00112233445566778899aabbccddeef", NULL, 0, -1},
  {2, "00112233445566778899aabbccddeeff0", NULL, 0, -1},
  {2, "00112233445566778899aabbccddeeff00", NULL, 0, -1},
  {2, "00112233445566778899aabbccddeefg", NULL, 0, -1},
  {2, "", NULL, 0, -1},
  {3, "ffeeddccbbaa9988776655443322110", NULL, 0, -1},
  {3, "ffeeddccbbaa99887766554433221100 ", NULL, 0, -1},
  {4, "0", NULL, 0, 0},
  {4, "1099511627776", NULL, 0, 0},
  {4, "1099511627777", NULL, 0, -1},
  {4, "18446744073709551615", NULL, 0, -1},
  {4, "012", NULL, 0, -1},
  {5, HASH_HEX "00", NULL, 0, -1},
  {5, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", NULL, 0, -1},
  {5, HANDLE_HEX, NULL, 0, -1},
  {6, "0", NULL, 0, 0},
  {6, "9223372036854775807", NULL, 0, 0},
  {6, "9223372036854775808", NULL, 0, -1},
  {6, "-1", NULL, 0, -1},
  {7, "", NULL, 0, -1},
  {7, "alice", NULL, 0, -1},
  {7, "alice@", NULL, 0, -1},
  {7, "alice@example.com ", NULL, 0, -1},
  {7, "<alice@example.com>", NULL, 0, -1},
  /* the recipient count */
  {8, "0", NULL, 0, -1},
  {8, "1", NULL, 0, -1},
  {8, "3", NULL, 0, -1},
  {8, "02", NULL, 0, -1},
  {8, "00", NULL, 0, -1},
  {8, "100000", NULL, 0, -1},
  {8, "100001", NULL, 0, -1},
  {8, "18446744073709551618", NULL, 0, -1},
  {8, "123456789012345678902", NULL, 0, -1},
  {8, "-2", NULL, 0, -1},
  {8, "+2", NULL, 0, -1},
  {8, " 2", NULL, 0, -1},
  {8, "2 ", NULL, 0, -1},
  {8, "2x", NULL, 0, -1},
  {8, "0x2", NULL, 0, -1},
  {8, "", NULL, 0, -1},
  {8, NULL, NULL, 0, -1},
  {8, "bob@example.org", NULL, 0, -1},
  /* the recipients */
  {9, NULL, NULL, 0, -1},
  {9, "", NULL, 0, -1},
  {9, "bob", NULL, 0, -1},
  {9, "bob@@example.org", NULL, 0, -1},
  {9, "bob@example..org", NULL, 0, -1},
  {9, "dave@example.com", NULL, 0, 0},
  {9, "2", NULL, 0, -1},
  {10, NULL, NULL, 0, -1},
  {10, "", NULL, 0, -1},
  {10, "carol", NULL, 0, -1},
  {10, "carol@example.net ", NULL, 0, -1},
  {10, "dave@example.com", NULL, 0, 0},
  {-1, "", NULL, 0, -1},
  {-1, "bad", NULL, 0, -1},
  {-1, NULL, "x", 1, -1},
  {-1, NULL, "\n", 1, -1},
  {-1, NULL, "0:", 2, -1},
  {-1, NULL, "3:a@b", 5, -1},
  {-1, NULL, "03:a@b,", 7, -1},
  {-1, NULL, "3:a@b,", 6, -1},
  {-1, NULL, "0:,", 3, -1},
  {-1, NULL, "\0", 1, -1},
};

static size_t build(struct buf *b, const struct bad_row *t)
{
  size_t i;
  int r = 0;
  buf_init(b, 4096);
  for (i = 0; i < NBASE; i++) {
    if ((int)i == t->field) {
      if (t->val) r |= netstr_puts(b, t->val);
    } else {
      r |= netstr_puts(b, base[i]);
    }
  }
  if (t->field == -1 && t->val) r |= netstr_puts(b, t->val);
  if (t->rawlen) r |= buf_append(b, t->raw, t->rawlen);
  return r ? 0 : b->len;
}

static void test_bad(void)
{
  size_t i;
  for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    const struct bad_row *t = &bads[i];
    struct buf b;
    struct job j;
    int r;
    size_t n = build(&b, t);
    CHECK(n > 0, "bad row %zu: building", i);
    errno = 0;
    r = job_parse(&j, b.p, n);
    CHECK(r == t->want, "job_parse row %zu (field %d \"%s\"): %d", i, t->field,
          t->val ? t->val : t->rawlen ? t->raw : "(none)", r);
    if (r == 0)
      CHECK(valid_job(&j), "job_parse row %zu: parsed job invalid", i);
    else
      CHECK(errno == EINVAL && j.nrcpt == 0 && j.rcpt == NULL,
            "job_parse row %zu: errno %d", i, errno);
    job_free(&j);
    buf_free(&b);
  }
}

/* The count against the recipients present: header fields, then the
 * count netstring, then `have` recipients; it parses only when the count
 * is exactly the number present (and at least 1). */
static void test_count(void)
{
  static const char *const counts[] = {"0", "1", "2", "3", "4", "5"};
  size_t c, have, i;
  for (c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    for (have = 0; have <= 4; have++) {
      struct buf b;
      struct job j;
      int r = 0, want = (c >= 1 && c == have) ? 0 : -1;
      buf_init(&b, 4096);
      for (i = 0; i < NHEAD; i++) r |= netstr_puts(&b, base[i]);
      r |= netstr_puts(&b, counts[c]);
      for (i = 0; i < have; i++) {
        char a[64];
        snprintf(a, sizeof a, "rcpt%zu@example.org", i);
        r |= netstr_puts(&b, a);
      }
      CHECK(r == 0, "count %s with %zu rcpts: building", counts[c], have);
      errno = 0;
      r = job_parse(&j, b.p, b.len);
      CHECK(r == want, "job_parse of count %s with %zu rcpts: %d", counts[c], have, r);
      if (r == 0) {
        char last[64];
        snprintf(last, sizeof last, "rcpt%zu@example.org", have - 1);
        CHECK(have > 0 && j.nrcpt == have && valid_job(&j) &&
              !strcmp(j.rcpt[have - 1], last),
              "job_parse of count %s with %zu rcpts: got %zu", counts[c], have, j.nrcpt);
      } else
        CHECK(errno == EINVAL && j.nrcpt == 0 && j.rcpt == NULL,
              "job_parse of count %s with %zu rcpts: errno %d", counts[c], have, errno);
      job_free(&j);
      buf_free(&b);
    }
  }
}

/* Every proper prefix of a valid record must be refused: a truncated
 * job file must never pass for a smaller job. */
static void test_truncation(void)
{
  static const size_t nr[] = {1, 2, 3, 10};
  size_t i, cut, r;
  for (i = 0; i < sizeof nr / sizeof nr[0]; i++) {
    struct job j, k;
    struct buf b;
    base_job(&j);
    for (r = 0; r < nr[i]; r++) {
      char a[64];
      snprintf(a, sizeof a, "rcpt%zu@example.org", r);
      CHECK(job_add_rcpt(&j, a) == 0, "truncation: add rcpt");
    }
    buf_init(&b, JOB_FILE_MAX);
    CHECK(job_encode(&j, &b) == 0, "truncation: encode");
    for (cut = 0; cut < b.len; cut++) {
      int ret = job_parse(&k, b.p, cut);
      CHECK(ret == -1 && errno == EINVAL,
            "job_parse of the first %zu of %zu bytes (%zu rcpts) succeeded "
            "with %zu rcpts",
            cut, b.len, nr[i], k.nrcpt);
      job_free(&k);
    }
    CHECK(job_parse(&k, b.p, b.len) == 0 && same_job(&j, &k), "truncation: whole");
    job_free(&k);
    buf_free(&b);
    job_free(&j);
  }
}

/* Every byte changed in several ways: the parse fails, or what it gives
 * is a valid job (never a crash, never an out-of-range field). */
static void test_flips(void)
{
  static const unsigned char xors[] = {0x01, 0x02, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
  static const unsigned char sets[] = {0, '0', '9', ':', ',', '@', '.', '-'};
  struct job j, k;
  struct buf b;
  size_t i, m;
  base_job(&j);
  CHECK(job_add_rcpt(&j, "bob@example.org") == 0 &&
        job_add_rcpt(&j, "carol@example.net") == 0, "flips: add rcpts");
  buf_init(&b, JOB_FILE_MAX);
  CHECK(job_encode(&j, &b) == 0, "flips: encode");
  for (i = 0; i < b.len; i++) {
    unsigned char orig = b.p[i];
    for (m = 0; m < sizeof xors + sizeof sets; m++) {
      int r;
      b.p[i] = m < sizeof xors ? orig ^ xors[m] : sets[m - sizeof xors];
      if (b.p[i] == orig) continue;
      r = job_parse(&k, b.p, b.len);
      CHECK(r == -1 ? errno == EINVAL : valid_job(&k),
            "job_parse of byte %zu changed %02x->%02x: ret %d, invalid result", i,
            orig, b.p[i], r);
      job_free(&k);
    }
    b.p[i] = orig;
  }
  buf_free(&b);
  job_free(&j);
}

static void test_rcpt_limit(void)
{
  struct job j, k;
  struct buf b;
  size_t i;
  int ok = 1;
  base_job(&j);
  for (i = 0; i < JOB_RCPT_MAX; i++) {
    char a[64];
    snprintf(a, sizeof a, "r%zu@example.org", i);
    if (job_add_rcpt(&j, a) != 0) { ok = 0; break; }
  }
  CHECK(ok && j.nrcpt == JOB_RCPT_MAX, "job_add_rcpt up to JOB_RCPT_MAX: %zu", j.nrcpt);
  errno = 0;
  CHECK(job_add_rcpt(&j, "one@too.many") == -1 && errno == E2BIG &&
        j.nrcpt == JOB_RCPT_MAX,
        "job_add_rcpt over JOB_RCPT_MAX");
  buf_init(&b, JOB_FILE_MAX);
  CHECK(job_encode(&j, &b) == 0, "job_encode of JOB_RCPT_MAX rcpts");
  CHECK(job_parse(&k, b.p, b.len) == 0 && k.nrcpt == JOB_RCPT_MAX &&
        !strcmp(k.rcpt[JOB_RCPT_MAX - 1], "r99999@example.org"),
        "job_parse of JOB_RCPT_MAX rcpts");
  job_free(&k);
  CHECK(netstr_puts(&b, "one@too.many") == 0, "append one more rcpt");
  errno = 0;
  CHECK(job_parse(&k, b.p, b.len) == -1 && errno == EINVAL && k.nrcpt == 0,
        "job_parse of count JOB_RCPT_MAX with JOB_RCPT_MAX+1 rcpts: errno %d", errno);
  job_free(&k);
  buf_free(&b);

  /* a count over the limit, with that many recipients present */
  {
    char cnt[32];
    int r = 0;
    buf_init(&b, JOB_FILE_MAX);
    for (i = 0; i < NHEAD; i++) r |= netstr_puts(&b, base[i]);
    snprintf(cnt, sizeof cnt, "%d", JOB_RCPT_MAX + 1);
    r |= netstr_puts(&b, cnt);
    for (i = 0; i < JOB_RCPT_MAX; i++) r |= netstr_puts(&b, j.rcpt[i]);
    r |= netstr_puts(&b, "one@too.many");
    CHECK(r == 0, "building a record of JOB_RCPT_MAX+1 rcpts");
    errno = 0;
    CHECK(job_parse(&k, b.p, b.len) == -1 && errno == EINVAL && k.nrcpt == 0,
          "job_parse of count JOB_RCPT_MAX+1 with JOB_RCPT_MAX+1 rcpts: errno %d", errno);
    job_free(&k);
    buf_free(&b);
  }
  job_free(&j);
}

int main(void)
{
  test_encode();
  test_roundtrip();
  test_bad();
  test_count();
  test_truncation();
  test_flips();
  test_rcpt_limit();
  return unit_done("t_job");
}
