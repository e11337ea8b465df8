/* fuzz_smtpc.c: libFuzzer harness for lib/smtpc.  The input (after its
 * first byte, which picks the piece size) is read three ways: as a
 * server's replies, fed whole and in pieces, which must agree and keep
 * their bounds (a code from 200 to 599, printable text of at most
 * SMTPC_TEXT_MAX bytes); as a message for DATA, whose wire form must be
 * the same however it is cut, hold no bare CR or LF, and read back
 * through lib/smtp (the server side) as the message with its line ends
 * made LF; and as control/smtproutes, each line and the whole file for a
 * fixed domain, which must give a checked host and a port. */
#include "addr.h"
#include "smtp.h"
#include "smtpc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replies(const uint8_t *p, size_t n, size_t step)
{
  size_t off = 0;
  while (off < n) {
    struct smtpc_reply a, b;
    size_t ua, ub = 0, i;
    smtpc_reply_init(&a);
    smtpc_reply_init(&b);
    ua = smtpc_reply_feed(&a, p + off, n - off);
    while (off + ub < n && !b.done) {
      size_t c = n - off - ub < step ? n - off - ub : step, u;
      u = smtpc_reply_feed(&b, p + off + ub, c);
      if (u > c || (u < c && !b.done)) abort();
      ub += u;
    }
    if (ua != ub || a.done != b.done || a.err != b.err || a.code != b.code || a.ext != b.ext ||
        a.lines != b.lines || a.textlen != b.textlen || strcmp(a.text, b.text))
      abort();
    if (a.textlen > SMTPC_TEXT_MAX || strlen(a.text) != a.textlen) abort();
    for (i = 0; i < a.textlen; i++)
      if (a.text[i] < 32 || a.text[i] > 126) abort();
    if (a.lines > SMTPC_LINES_MAX || a.linelen > SMTPC_LINE_MAX) abort();
    if (!a.done) {
      if (ua != n - off) abort();
      break;
    }
    if (a.err == SMTPC_OK) {
      if (a.code < 200 || a.code > 599 || a.lines == 0) abort();
      if (p[off + ua - 1] != '\n') abort();
    } else {
      off += ua;
      break; /* a client hangs up after a bad reply */
    }
    off += ua;
  }
}

/* normal: the message with CR LF, bare CR and LF each as LF, and a
 * final LF added when missing; its length */
static size_t normal(const uint8_t *p, size_t n, uint8_t *out)
{
  size_t i, k = 0;
  for (i = 0; i < n; i++) {
    if (p[i] == '\r') {
      out[k++] = '\n';
      if (i + 1 < n && p[i + 1] == '\n') i++;
    } else {
      out[k++] = p[i];
    }
  }
  if (k && out[k - 1] != '\n') out[k++] = '\n';
  return k;
}

static void message(const uint8_t *p, size_t n, size_t step)
{
  struct smtpc_data a, b;
  struct smtp_data sd;
  uint8_t *wa = malloc(SMTPC_DATA_ROOM(n) + 5), *wb = malloc(SMTPC_DATA_ROOM(n) + 5);
  uint8_t *back = malloc(SMTPC_DATA_ROOM(n) + 5), *want = malloc(n + 1);
  size_t ka, kb = 0, off = 0, i, used, bl, wl;
  int eight = 0;
  if (!wa || !wb || !back || !want) abort();
  smtpc_data_init(&a);
  smtpc_data_init(&b);
  ka = smtpc_data_feed(&a, p, n, wa);
  if (ka > SMTPC_DATA_ROOM(n)) abort();
  ka += smtpc_data_end(&a, wa + ka);
  while (off < n) {
    size_t c = n - off < step ? n - off : step, w;
    w = smtpc_data_feed(&b, p + off, c, wb + kb);
    if (w > SMTPC_DATA_ROOM(c)) abort();
    kb += w;
    off += c;
  }
  kb += smtpc_data_end(&b, wb + kb);
  if (ka != kb || memcmp(wa, wb, ka) || a.eightbit != b.eightbit || a.out != b.out ||
      a.out + 3 != ka)
    abort();
  for (i = 0; i < n; i++)
    if (p[i] > 127) eight = 1;
  if (eight != a.eightbit) abort();
  /* no bare CR or LF on the wire, and it ends with CR LF . CR LF (or is
   * . CR LF alone) */
  for (i = 0; i < ka; i++) {
    if (wa[i] == '\r' && (i + 1 == ka || wa[i + 1] != '\n')) abort();
    if (wa[i] == '\n' && (i == 0 || wa[i - 1] != '\r')) abort();
  }
  if (ka < 3 || memcmp(wa + ka - 3, ".\r\n", 3) || (ka > 3 && (ka < 5 || wa[ka - 4] != '\n')))
    abort();
  /* the server reads it back: the whole of it, ended only at the end */
  smtp_data_init(&sd, (uint64_t)-1);
  used = smtp_data_feed(&sd, wa, ka, back, &bl);
  if (!sd.done || used != ka || sd.bare) abort();
  if (!sd.toolong) {
    wl = normal(p, n, want);
    if (bl != wl || memcmp(back, want, wl)) abort();
  }
  free(wa);
  free(wb);
  free(back);
  free(want);
}

static void routes(const uint8_t *p, size_t n)
{
  struct smtpc_route r;
  unsigned long bad;
  char dom[256];
  size_t i = 0;
  int rc;
  /* each line on its own */
  while (i < n) {
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    size_t l = nl ? (size_t)(nl - (p + i)) : n - i;
    memset(&r, 0, sizeof r);
    if (smtpc_route_line((const char *)p + i, l, dom, &r) == 0) {
      size_t dl = strlen(dom), hl = strlen(r.host);
      if (dl >= 256 || hl >= 256 || r.port == 0) abort();
      if (dl && !domain_check(dom[0] == '.' ? dom + 1 : dom, dom[0] == '.' ? dl - 1 : dl)) abort();
      if (hl && !domain_check(r.host, hl)) abort();
    }
    i += l + 1;
  }
  /* the whole file, for a few domains */
  {
    static const char *const doms[] = {"b.example", "a.b.example", "z.test"};
    size_t d;
    for (d = 0; d < sizeof doms / sizeof doms[0]; d++) {
      memset(&r, 0, sizeof r);
      rc = smtpc_route(p, n, doms[d], &r, &bad);
      if (rc < -1 || rc > 1) abort();
      if (rc == -1 && bad == 0) abort();
      if (rc == 1 && (r.port == 0 || strlen(r.host) >= 256)) abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t step;
  if (size == 0) return 0;
  step = (size_t)(data[0] % 7) + 1;
  replies(data + 1, size - 1, step);
  message(data + 1, size - 1, step);
  routes(data + 1, size - 1);
  return 0;
}
