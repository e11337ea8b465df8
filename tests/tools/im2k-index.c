/* im2k-index: a list reader for the scenario tests, built from the same
 * lib/ as the daemons, with a fresh client key each run (INDEX, FETCH
 * and CONFIRM take any key).  Not installed.
 *   im2k-index index IP PORT PKHEX LIST CURSOR
 *       one INDEX request (padded to 1200 bytes); prints "ok TOTAL COUNT",
 *       then per entry "NUMBER HANDLE SIZE HASH TOKEN TIME" (hex, decimal),
 *       or the status word (noent, temp, bad, denied).  LIST "-" sends a
 *       malformed body.
 *   im2k-index fetch IP PORT PKHEX HANDLE TOKEN RCPT
 *       fetches the whole message onto standard output, block by block,
 *       or prints the status word of the first refusal on standard error.
 *   im2k-index confirm IP PORT PKHEX HANDLE TOKEN RCPT
 *       one CONFIRM; prints the status word.
 * Exit 0 (an answer, any status, for index and confirm; the whole
 * message for fetch), 1 on a refused fetch or a malformed answer, 111 on
 * a local error or no answer. */
#include "hex.h"
#include "msg.h"
#include "packet.h"
#include "udp.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *word(int s)
{
  switch (s) {
  case MSG_OK: return "ok";
  case MSG_NOENT: return "noent";
  case MSG_TEMP: return "temp";
  case MSG_BAD: return "bad";
  case MSG_DENIED: return "denied";
  default: return "unknown";
  }
}

static void usage(void)
{
  fprintf(stderr, "usage: im2k-index index IP PORT PKHEX LIST CURSOR\n"
                  "       im2k-index fetch|confirm IP PORT PKHEX HANDLE TOKEN RCPT\n");
  exit(111);
}

static void hexarg(unsigned char *out, size_t n, const char *s)
{
  if (strlen(s) != 2 * n || hex_decode(out, n, s, 2 * n) == -1) {
    fprintf(stderr, "im2k-index: not %zu bytes of hex: %s\n", n, s);
    exit(111);
  }
}

static int call(struct udp_client *c, int kind, const unsigned char *req, size_t n,
                unsigned char *resp, struct rd *r)
{
  const unsigned char *b;
  size_t bl;
  if (udp_call(c, kind, req, n, PACKET_MAX, resp, &b, &bl, 10000) == -1) {
    perror("im2k-index: no answer");
    exit(111);
  }
  rd_init(r, b, bl);
  return bl ? b[0] : -1;
}

static int index_(struct udp_client *c, const char *list, const char *cursor)
{
  /* a malformed INDEX body: "a@b", cursor 0, then a byte that is not
   * zero padding */
  static const unsigned char bad[] = {3, 'a', '@', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 1};
  struct msg_index_req q;
  struct msg_index_entry e;
  struct msg_index_ans a;
  unsigned char req[PACKET_MAX], resp[PACKET_MAX];
  char hh[2 * MSG_HANDLE + 1], xh[2 * MSG_HASH + 1], th[2 * MSG_TOKEN + 1];
  size_t len;
  unsigned i;
  struct wr w;
  struct rd r;
  memset(&q, 0, sizeof q);
  if (!strcmp(list, "-")) {
    memcpy(req, bad, sizeof bad);
    len = sizeof bad;
  } else {
    wr_init(&w, req, sizeof req);
    snprintf(q.list, sizeof q.list, "%s", list);
    q.cursor = strtoull(cursor, NULL, 10);
    msg_put_index_req(&w, &q);
    len = w.pos;
  }
  if (call(c, KIND_INDEX, req, len, resp, &r) == -1) { fprintf(stderr, "im2k-index: empty answer\n"); return 1; }
  if (msg_get_index_ans(&r, &a) == -1) { fprintf(stderr, "im2k-index: damaged answer\n"); return 1; }
  if (a.status != MSG_OK) {
    printf("%s\n", word(a.status));
    return 0;
  }
  printf("ok %llu %u\n", (unsigned long long)a.total, a.count);
  for (i = 0; i < a.count; i++) {
    if (msg_get_index_entry(&r, &e) == -1) { fprintf(stderr, "im2k-index: bad entry %u\n", i); return 1; }
    hex_encode(hh, e.handle, MSG_HANDLE);
    hex_encode(xh, e.hash, MSG_HASH);
    hex_encode(th, e.token, MSG_TOKEN);
    printf("%llu %s %llu %s %s %llu\n", (unsigned long long)e.number, hh,
           (unsigned long long)e.size, xh, th, (unsigned long long)e.time);
  }
  return 0;
}

static int fetch(struct udp_client *c, char **argv)
{
  struct msg_fetch_req q;
  struct msg_fetch_ans a;
  unsigned char req[PACKET_MAX], resp[PACKET_MAX];
  uint64_t size = 1;
  struct wr w;
  struct rd r;
  memset(&q, 0, sizeof q);
  hexarg(q.handle, MSG_HANDLE, argv[0]);
  hexarg(q.token, MSG_TOKEN, argv[1]);
  snprintf(q.rcpt, sizeof q.rcpt, "%s", argv[2]);
  q.want = MSG_BLOCK_MAX;
  while (q.offset < size) {
    int s;
    wr_init(&w, req, sizeof req);
    msg_put_fetch_req(&w, &q);
    s = call(c, KIND_FETCH, req, w.pos, resp, &r);
    if (s != MSG_OK) { fprintf(stderr, "%s\n", word(s)); return 1; }
    if (msg_get_fetch_ans(&r, &a) == -1 || a.offset != q.offset || (a.length == 0 && a.offset < a.total)) {
      fprintf(stderr, "im2k-index: bad block at %llu\n", (unsigned long long)q.offset);
      return 1;
    }
    size = a.total;
    if (a.length && fwrite(a.data, 1, a.length, stdout) != a.length) { perror("im2k-index: write"); return 111; }
    q.offset += a.length;
  }
  if (fflush(stdout) == EOF) { perror("im2k-index: write"); return 111; }
  return 0;
}

static int confirm(struct udp_client *c, char **argv)
{
  struct msg_confirm_req q;
  unsigned char req[PACKET_MAX], resp[PACKET_MAX];
  struct wr w;
  struct rd r;
  memset(&q, 0, sizeof q);
  hexarg(q.handle, MSG_HANDLE, argv[0]);
  hexarg(q.token, MSG_TOKEN, argv[1]);
  snprintf(q.rcpt, sizeof q.rcpt, "%s", argv[2]);
  wr_init(&w, req, sizeof req);
  msg_put_confirm_req(&w, &q);
  printf("%s\n", word(call(c, KIND_CONFIRM, req, w.pos, resp, &r)));
  return 0;
}

int main(int argc, char **argv)
{
  unsigned char spk[32], pk[32], sk[32];
  struct udp_client c;
  int ret;
  if (argc < 5) usage();
  if (sodium_init() < 0) { fprintf(stderr, "im2k-index: libsodium\n"); return 111; }
  hexarg(spk, 32, argv[4]);
  crypto_box_keypair(pk, sk);
  if (udp_client_open(&c, argv[2], (uint16_t)atoi(argv[3]), spk, pk, sk) == -1) {
    perror("im2k-index: udp_client_open");
    return 111;
  }
  sodium_memzero(sk, sizeof sk);
  if (!strcmp(argv[1], "index") && argc == 7) ret = index_(&c, argv[5], argv[6]);
  else if (!strcmp(argv[1], "fetch") && argc == 8) ret = fetch(&c, argv + 5);
  else if (!strcmp(argv[1], "confirm") && argc == 8) ret = confirm(&c, argv + 5);
  else usage();
  udp_client_close(&c);
  return ret;
}
