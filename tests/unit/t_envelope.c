/* t_envelope.c: unit tests of lib/envelope: envelopes the parser takes
 * and refuses, encode/parse round trips up to the recipient limit, the
 * mapping of im2k-archive's exit to a result, and live hand-offs to this
 * program itself run under the name im2k-archive. */
#include "unit.h"

#include "buf.h"
#include "envelope.h"
#include "job.h"

#include <signal.h>

#define E(lit) lit, sizeof lit - 1

/* parse: run the parser over p[0..n); the last record kind (0 or -1),
 * with the sender and the recipients into from and *rcpt (joined by
 * spaces) and their count into *nrcpt */
static int parse(const void *p, size_t n, char *from, struct buf *rcpt, size_t *nrcpt,
                 struct envelope *e)
{
  char a[ADDR_MAX + 1];
  int r;
  envelope_init(e, p, n);
  from[0] = 0;
  *nrcpt = 0;
  while ((r = envelope_next(e, a)) > 0) {
    if (r == 'F') strcpy(from, a);
    if (r == 'T') {
      (*nrcpt)++;
      if (rcpt && (buf_appends(rcpt, a) || buf_append(rcpt, " ", 1))) unit_fatal("t_envelope", "buf");
    }
  }
  return r;
}

static void test_parse(void)
{
  static const struct {
    const char *in;
    size_t n;
    int err;             /* ENVELOPE_OK: parses */
    const char *from, *rcpt, *bad;
  } t[] = {
    {E("F\0\0"), ENVELOPE_OK, "", "", NULL},
    {E("F\0Ta@b.example\0\0"), ENVELOPE_OK, "", "a@b.example ", NULL},
    {E("Fme@X.Example\0TA@B.EXAMPLE\0Tc@d.example\0\0"), ENVELOPE_OK, "me@x.example",
     "A@b.example c@d.example ", NULL},
    {E("F\0Ta@b.example\0Ta@b.example\0\0"), ENVELOPE_OK, "", "a@b.example a@b.example ", NULL},
    /* cut short */
    {E(""), ENVELOPE_TRUNCATED, "", "", NULL},
    {E("F"), ENVELOPE_TRUNCATED, "", "", NULL},
    {E("F\0"), ENVELOPE_TRUNCATED, "", "", NULL},
    {E("F\0Ta@b.example\0"), ENVELOPE_TRUNCATED, "", "a@b.example ", NULL},
    {E("F\0Ta@b.example"), ENVELOPE_TRUNCATED, "", "", NULL},
    /* more after the end */
    {E("F\0\0\0"), ENVELOPE_TRAILING, "", "", NULL},
    {E("F\0Ta@b.example\0\0Tc@d.example\0\0"), ENVELOPE_TRAILING, "", "a@b.example ", NULL},
    {E("F\0\0x"), ENVELOPE_TRAILING, "", "", NULL},
    /* records out of order or unknown */
    {E("\0"), ENVELOPE_BAD, "", "", NULL},
    {E("Ta@b.example\0\0"), ENVELOPE_BAD, "", "", NULL},
    {E("F\0F\0\0"), ENVELOPE_BAD, "", "", NULL},
    {E("F\0Ta@b.example\0Fa@b.example\0\0"), ENVELOPE_BAD, "", "a@b.example ", NULL},
    {E("F\0Xa@b.example\0\0"), ENVELOPE_BAD, "", "", NULL},
    {E("f\0\0"), ENVELOPE_BAD, "", "", NULL},
    {E("F\0ta@b.example\0\0"), ENVELOPE_BAD, "", "", NULL},
    /* not addresses */
    {E("Fnobody\0\0"), ENVELOPE_SENDER, "", "", "nobody"},
    {E("Fa b@c.example\0\0"), ENVELOPE_SENDER, "", "", "a b@c.example"},
    {E("F\0T\0\0"), ENVELOPE_RCPT, "", "", ""},
    {E("F\0Tbad\0\0"), ENVELOPE_RCPT, "", "", "bad"},
    {E("F\0Ta@b.example\0T@b.example\0\0"), ENVELOPE_RCPT, "", "a@b.example ", "@b.example"},
    {E("F\0Ta\r@b.example\0\0"), ENVELOPE_RCPT, "", "", "a\r@b.example"},
  };
  size_t i, nr;
  for (i = 0; i < sizeof t / sizeof t[0]; i++) {
    struct envelope e;
    struct buf rc;
    char from[ADDR_MAX + 1];
    int r;
    buf_init(&rc, 4096);
    r = parse(t[i].in, t[i].n, from, &rc, &nr, &e);
    if (t[i].err == ENVELOPE_OK) {
      CHECK(r == 0, "parse case %zu: %d (%s)", i, r, envelope_strerror(e.err));
      CHECK(!strcmp(from, t[i].from), "parse case %zu: from %s", i, from);
    } else {
      CHECK(r == -1 && errno == EINVAL, "parse case %zu: %d", i, r);
      CHECK(e.err == (enum envelope_err)t[i].err, "parse case %zu: err %d, not %d", i, e.err, t[i].err);
      CHECK(t[i].bad ? e.bad && !strcmp(e.bad, t[i].bad) : !e.bad, "parse case %zu: bad", i);
      /* a refusal stays a refusal */
      CHECK(envelope_next(&e, from) == -1, "parse case %zu: -1 again", i);
    }
    if (buf_appendz(&rc)) unit_fatal("t_envelope", "buf");
    CHECK(!strcmp(rc.p ? (char *)rc.p : "", t[i].rcpt), "parse case %zu: rcpt [%s]", i,
          rc.p ? (char *)rc.p : "");
    buf_free(&rc);
  }
}

/* an address of n bytes (n >= 20), made to be valid when n <= ADDR_MAX,
 * numbered k */
static void address(char *out, size_t n, size_t k)
{
  char num[32];
  size_t dl, i, o = 0;
  int nl = snprintf(num, sizeof num, "%zu", k);
  size_t local = n / 4 < LOCAL_MAX ? n / 4 : LOCAL_MAX;
  memcpy(out, num, (size_t)nl);
  for (o = (size_t)nl; o < local; o++) out[o] = 'l';
  out[o++] = '@';
  /* the domain: labels of at most 63 letters, dot-separated */
  dl = n - o;
  for (i = 0; i < dl; i++) out[o + i] = (i % 64 == 63) ? '.' : 'd';
  if (out[o + dl - 1] == '.') out[o + dl - 1] = 'e';
  out[n] = 0;
}

/* roundtrip: encode from and nrcpt generated recipients of len bytes,
 * parse back; the parse result (0 or an enum envelope_err) */
static int roundtrip(const char *from, size_t nrcpt, size_t len, const char *what)
{
  struct buf b;
  struct envelope e;
  char a[ADDR_MAX + 2], got[ADDR_MAX + 1], want[ADDR_MAX + 2];
  size_t k = 0;
  int r, ok = 1;
  buf_init(&b, ENVELOPE_MAX);
  if (envelope_from(&b, from)) unit_fatal("t_envelope", "envelope_from");
  for (k = 0; k < nrcpt; k++) {
    address(a, len, k);
    if (envelope_to(&b, a)) unit_fatal("t_envelope", "envelope_to");
  }
  if (envelope_end(&b)) unit_fatal("t_envelope", "envelope_end");
  CHECK(b.len && b.p[b.len - 1] == 0, "%s: ends with NUL", what);
  envelope_init(&e, b.p, b.len);
  r = envelope_next(&e, got);
  CHECK(r == 'F' && !strcmp(got, from), "%s: F record", what);
  for (k = 0; (r = envelope_next(&e, got)) == 'T'; k++) {
    address(want, len, k);
    if (strcmp(got, want)) ok = 0;
  }
  CHECK(ok, "%s: the recipients come back as given", what);
  if (r == 0) {
    CHECK(k == nrcpt && e.nrcpt == nrcpt, "%s: %zu recipients, not %zu", what, k, nrcpt);
    CHECK(envelope_next(&e, got) == 0, "%s: 0 again after the end", what);
  }
  buf_free(&b);
  return r == 0 ? ENVELOPE_OK : (int)e.err;
}

static void test_roundtrip(void)
{
  char a[ADDR_MAX + 2];
  CHECK(roundtrip("", 0, 20, "no recipients") == ENVELOPE_OK, "no recipients");
  CHECK(roundtrip("me@a.example", 1, 20, "one recipient") == ENVELOPE_OK, "one recipient");
  CHECK(roundtrip("", 1000, 40, "1000 recipients") == ENVELOPE_OK, "1000 recipients");
  address(a, ADDR_MAX, 7);
  CHECK(addr_check(a, strlen(a)), "the longest address is one");
  CHECK(roundtrip(a, 3, ADDR_MAX, "longest addresses") == ENVELOPE_OK, "longest addresses");
  CHECK(roundtrip("", JOB_RCPT_MAX, 24, "the limit") == ENVELOPE_OK, "at the limit");
  CHECK(roundtrip("", JOB_RCPT_MAX + 1, 24, "over the limit") == ENVELOPE_TOOMANY, "over the limit");
}

static void test_encode(void)
{
  struct buf b;
  char a[ADDR_MAX + 2];
  buf_init(&b, 64);
  CHECK(envelope_from(&b, "not an address") == -1 && errno == EINVAL && b.len == 0, "bad F");
  CHECK(envelope_from(&b, "") == 0 && b.len == 2 && !memcmp(b.p, "F\0", 2), "empty F");
  CHECK(envelope_to(&b, "") == -1 && errno == EINVAL && b.len == 2, "empty T");
  address(a, ADDR_MAX + 1, 1);
  CHECK(envelope_to(&b, a) == -1 && errno == EINVAL && b.len == 2, "overlong T");
  CHECK(envelope_to(&b, "x@y.example") == 0 && b.len == 15, "T");
  /* a full buffer keeps no half record */
  CHECK(envelope_to(&b, "a-longer-local-part@a-domain-long-enough-to-overflow.example") == -1 && errno == EMSGSIZE &&
            b.len == 15, "full: nothing appended");
  CHECK(envelope_end(&b) == 0 && b.len == 16 && !memcmp(b.p, "F\0Tx@y.example\0\0", 16), "bytes");
  buf_free(&b);
}

static void test_result(void)
{
  static const struct {
    int err, status, result, code;
  } t[] = {
    {0, W_EXITCODE(0, 0), ENVELOPE_STORED, 0},
    {0, W_EXITCODE(100, 0), ENVELOPE_PERM, 100},
    {0, W_EXITCODE(111, 0), ENVELOPE_TEMP, 111},
    {0, W_EXITCODE(1, 0), ENVELOPE_TEMP, 1},
    {0, W_EXITCODE(0, SIGKILL), ENVELOPE_CRASHED, SIGKILL},
    {0, W_EXITCODE(0, SIGSEGV), ENVELOPE_CRASHED, SIGSEGV},
    /* it stopped reading: its exit says why */
    {EPIPE, W_EXITCODE(100, 0), ENVELOPE_PERM, 100},
    {EPIPE, W_EXITCODE(111, 0), ENVELOPE_TEMP, 111},
    /* ... unless it says nothing */
    {EPIPE, W_EXITCODE(0, 0), ENVELOPE_BROKEN, 0},
    {EPIPE, W_EXITCODE(0, SIGTERM), ENVELOPE_BROKEN, SIGTERM},
    /* this side's own failure */
    {EIO, W_EXITCODE(100, 0), ENVELOPE_BROKEN, 100},
    {ENOSPC, W_EXITCODE(0, 0), ENVELOPE_BROKEN, 0},
  };
  size_t i;
  for (i = 0; i < sizeof t / sizeof t[0]; i++) {
    int code = -1, r = envelope_result(t[i].err, t[i].status, &code);
    CHECK(r == t[i].result && code == t[i].code, "result case %zu: %d code %d", i, r, code);
  }
}

/* fake_archive: this program run as bindir/im2k-archive.  T_ENVELOPE_MODE
 * says what to do: "store" reads both descriptors and writes the message
 * and the parsed envelope to T_ENVELOPE_OUT, exiting 100 if the envelope
 * does not parse; "refuse" exits 100 at once; "temp" reads all and exits
 * 111; "crash" reads all and kills itself. */
static int fake_archive(void)
{
  const char *mode = getenv("T_ENVELOPE_MODE"), *out = getenv("T_ENVELOPE_OUT");
  unsigned char *m, *e;
  size_t mn, en, nr;
  struct envelope env;
  struct buf rc;
  char from[ADDR_MAX + 1];
  FILE *f;
  int r;
  if (!mode || !out) return 99;
  if (!strcmp(mode, "refuse")) return 100;
  if (unit_slurp(AT_FDCWD, "/dev/stdin", &m, &mn) == -1) return 98;
  if (unit_slurp(AT_FDCWD, "/dev/stdout", &e, &en) == -1) return 98;
  if (!strcmp(mode, "temp")) {
    free(m);
    free(e);
    return 111;
  }
  if (!strcmp(mode, "crash")) kill(getpid(), SIGKILL);
  buf_init(&rc, 4096);
  r = parse(e, en, from, &rc, &nr, &env) == -1 ? 100 : buf_appendz(&rc) ? 98 : 0;
  if (r == 0) {
    f = fopen(out, "w");
    if (!f) r = 98;
    else fprintf(f, "%zu [%.*s] F[%s] T[%s]", mn, (int)mn, (char *)m, from, rc.p ? (char *)rc.p : "");
    if (f && fclose(f)) r = 98;
  }
  /* all freed: a leak would change the exit code under LeakSanitizer */
  buf_free(&rc);
  free(m);
  free(e);
  return r;
}

/* handoff: one message through envelope_open/put/close in mode */
static int handoff(const char *bindir, const char *mode, const char *msg, size_t n,
                   const struct buf *env, struct envelope_pipe *p)
{
  setenv("T_ENVELOPE_MODE", mode, 1);
  if (envelope_open(p, bindir) == -1) return -2;
  if (n) (void)envelope_put(p, msg, n);
  return envelope_close(p, env);
}

static void test_live(const char *self)
{
  char dir[64], link[128], out[128];
  char *big;
  struct envelope_pipe p;
  struct buf env;
  unsigned char *got = NULL;
  size_t gn;
  int r;
  if (unit_tmpdir(dir) == -1) unit_fatal("t_envelope", "mkdtemp");
  snprintf(link, sizeof link, "%s/im2k-archive", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  if (symlink(self, link) == -1) unit_fatal("t_envelope", "symlink");
  setenv("T_ENVELOPE_OUT", out, 1);
  buf_init(&env, ENVELOPE_MAX);
  if (envelope_from(&env, "") || envelope_to(&env, "a@b.example") ||
      envelope_to(&env, "c@d.example") || envelope_end(&env))
    unit_fatal("t_envelope", "encode");

  r = handoff(dir, "store", E("hello\n"), &env, &p);
  CHECK(r == ENVELOPE_STORED && p.code == 0, "live store: %d code %d", r, p.code);
  CHECK(unit_slurp(AT_FDCWD, out, &got, &gn) == 0 &&
            !strcmp((char *)got, "6 [hello\n] F[] T[a@b.example c@d.example ]"),
        "live store: what im2k-archive got");
  free(got);
  /* an incomplete message: no envelope, and a refusal */
  r = handoff(dir, "store", E("hello\n"), NULL, &p);
  CHECK(r == ENVELOPE_PERM && p.code == 100, "live, no envelope: %d code %d", r, p.code);
  r = handoff(dir, "temp", E("hello\n"), &env, &p);
  CHECK(r == ENVELOPE_TEMP && p.code == 111, "live temp: %d code %d", r, p.code);
  r = handoff(dir, "crash", E("hello\n"), &env, &p);
  CHECK(r == ENVELOPE_CRASHED && p.code == SIGKILL, "live crash: %d code %d", r, p.code);
  /* it stops reading: the writer sees EPIPE, and its verdict stands */
  big = calloc(1, 1 << 20);
  if (!big) unit_fatal("t_envelope", "calloc");
  r = handoff(dir, "refuse", big, 1 << 20, &env, &p);
  CHECK(r == ENVELOPE_PERM && p.code == 100 && p.err == EPIPE, "live refusal: %d code %d err %d", r,
        p.code, p.err);
  CHECK(envelope_put(&p, "x", 1) == -1, "live: put after a failure fails");
  free(big);
  /* a writer that gives up */
  setenv("T_ENVELOPE_MODE", "store", 1);
  CHECK(envelope_open(&p, dir) == 0, "live cancel: open");
  envelope_cancel(&p);
  CHECK(p.msg == -1 && p.env == -1, "live cancel: closed");
  /* no program to run: the child says so and exits 111 */
  r = handoff("/nonexistent", "store", E("hello\n"), &env, &p);
  CHECK(r == ENVELOPE_TEMP && p.code == 111, "live, no program: %d code %d", r, p.code);
  buf_free(&env);
  unit_rmtree(dir);
}

int main(int argc, char **argv)
{
  char self[4096];
  ssize_t n;
  (void)argc;
  if (argv[0] && strlen(argv[0]) >= 12 && !strcmp(argv[0] + strlen(argv[0]) - 12, "im2k-archive"))
    return fake_archive();
  signal(SIGPIPE, SIG_IGN);
  test_parse();
  test_encode();
  test_result();
  test_roundtrip();
  n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    test_live(self);
  }
  return unit_done("t_envelope");
}
