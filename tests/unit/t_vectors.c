/* t_vectors: the test vectors of im2k-protocol(5).  Fixed keys and nonces
 * must give exactly the bytes printed in the manual; each datagram is also
 * rebuilt here by hand from the specification with plain libsodium calls,
 * so the implementation and the text cannot drift apart.  "t_vectors -p"
 * prints the vectors. */
#include "hex.h"
#include "msg.h"
#include "packet.h"
#include "token.h"
#include "unit.h"

#include <sodium.h>

/* the vectors, read from the manual itself (man/im2k-protocol.5, or the
 * file named by $IM2K_PROTOCOL_MAN): after a line holding LABEL, the hex
 * digits of the lines that hold nothing else */
static char notify_hex[2 * PACKET_MAX + 1], ack_hex[2 * PACKET_MAX + 1], list_digest_hex[65];

static void vector(const char *text, const char *label, char *out, size_t max)
{
  const char *p = strstr(text, label);
  size_t n = 0;
  out[0] = 0;
  if (!p) return;
  p = strchr(p, ':');
  if (!p) return;
  p++;
  for (;;) {
    const char *e = strchr(p, '\n'), *q;
    int hexonly = 1, any = 0;
    if (!e) e = p + strlen(p);
    for (q = p; q < e; q++) {
      if ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')) any = 1;
      else if (*q != ' ' && *q != '\t') hexonly = 0;
    }
    if (!hexonly || !any) { if (n) break; if (!hexonly) break; }
    if (hexonly)
      for (q = p; q < e && n + 1 < max; q++)
        if (*q != ' ' && *q != '\t') out[n++] = *q;
    if (!*e) break;
    p = e + 1;
  }
  out[n] = 0;
}

static void load_vectors(void)
{
  const char *path = getenv("IM2K_PROTOCOL_MAN");
  static char text[1 << 20];
  size_t n;
  FILE *f = fopen(path ? path : "man/im2k-protocol.5", "r");
  if (!f) return;
  n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  vector(text, "notify request (", notify_hex, sizeof notify_hex);
  vector(text, "notify response (", ack_hex, sizeof ack_hex);
  vector(text, "list request BLAKE2b-256", list_digest_hex, sizeof list_digest_hex);
}

static unsigned char csk[32], cpk[32], ssk[32], spk[32], k[32];

static void put_hex(const char *label, const unsigned char *p, size_t n)
{
  char h[2 * PACKET_MAX + 1];
  hex_encode(h, p, n);
  printf("%s (%zu bytes):\n", label, n);
  for (size_t i = 0; i < 2 * n; i += 64) printf("  %.64s\n", h + i);
}

int main(int argc, char **argv)
{
  int print = argc > 1 && !strcmp(argv[1], "-p");
  unsigned char body[PACKET_MAX], pkt[PACKET_MAX], plain[PACKET_MAX], nonce[24], reqid[8];
  unsigned char byhand[PACKET_MAX], rsp[PACKET_MAX], rnd[16], digest[32];
  unsigned char tokkey[32];
  struct msg_note n;
  struct wr w;
  size_t i, plen;
  int len, rlen;
  char hx[2 * PACKET_MAX + 1];

  if (sodium_init() < 0) unit_fatal("t_vectors", "sodium_init");
  load_vectors();
  CHECK(notify_hex[0] && ack_hex[0] && list_digest_hex[0], "the manual holds the three vectors");
  for (i = 0; i < 32; i++) {
    csk[i] = (unsigned char)(0x01 + i);
    ssk[i] = (unsigned char)(0x81 + i);
    tokkey[i] = 0x33;
  }
  if (crypto_scalarmult_base(cpk, csk) || crypto_scalarmult_base(spk, ssk) ||
      crypto_box_beforenm(k, spk, csk))
    unit_fatal("t_vectors", "keys");

  /* NOTIFY from a.example's key to b.example's key */
  memset(&n, 0, sizeof n);
  strcpy(n.sender, "alice@a.example");
  strcpy(n.rcpt, "bob@b.example");
  n.handle[2] = 0x03;
  n.handle[3] = 0xe9;
  for (i = 4; i < 16; i++) n.handle[i] = 0x11;
  n.size = 171;
  memset(n.hash, 0x22, 32);
  token_make(n.token, tokkey, n.handle, n.rcpt);
  wr_init(&w, body, sizeof body);
  msg_put_note(&w, &n);
  CHECK(!w.err && w.pos == 1 + 15 + 1 + 13 + 16 + 8 + 32 + 32, "notify body is %zu bytes", w.pos);
  memset(rnd, 0x44, 16);
  len = packet_seal_request_nonce(pkt, KIND_NOTIFY, cpk, k, body, w.pos, 0, reqid, rnd);
  CHECK(len == 62 + 16 + 1 + (int)w.pos, "notify datagram length %d", len);

  /* the same datagram from the specification alone */
  memcpy(byhand, "IM2K", 4);
  byhand[4] = 1;
  byhand[5] = KIND_NOTIFY;
  memcpy(byhand + 6, cpk, 32);
  memcpy(nonce, "IM2K-REQ", 8);
  memcpy(nonce + 8, rnd, 16);
  memcpy(byhand + 38, nonce, 24);
  plain[0] = KIND_NOTIFY;
  memcpy(plain + 1, body, w.pos);
  plen = 1 + w.pos;
  if (crypto_box_easy(byhand + 62, plain, plen, nonce, spk, csk)) unit_fatal("t_vectors", "box");
  CHECK(len == (int)(62 + 16 + plen) && !memcmp(pkt, byhand, (size_t)len),
        "notify datagram matches the specification");
  CHECK(!memcmp(reqid, rnd, 8), "request id is nonce bytes 8..15");
  hex_encode(hx, pkt, (size_t)len);
  CHECK(!strcmp(hx, notify_hex), "notify datagram matches the manual's vector");
  if (print) put_hex("notify request", pkt, (size_t)len);

  /* its acknowledgement: status 0, response nonce random part 0x55... */
  memset(rnd, 0x55, 16);
  {
    struct msg_notify_ans ack = {MSG_OK, 0};
    wr_init(&w, body, sizeof body);
    msg_put_notify_ans(&w, &ack);
    CHECK(!w.err && w.pos == 1 && body[0] == MSG_OK, "ack body is the status alone");
  }
  rlen = packet_seal_response_nonce(rsp, (size_t)len, KIND_NOTIFY, k, reqid, body, w.pos, rnd);
  CHECK(rlen == 30 + 16 + 1 + 8 + 1, "ack length %d", rlen);
  memcpy(byhand, "IM2K", 4);
  byhand[4] = 1;
  byhand[5] = KIND_NOTIFY | 0x80;
  memcpy(nonce, "IM2K-RSP", 8);
  memcpy(nonce + 8, rnd, 16);
  memcpy(byhand + 6, nonce, 24);
  plain[0] = KIND_NOTIFY | 0x80;
  memcpy(plain + 1, reqid, 8);
  plain[9] = MSG_OK;
  if (crypto_box_easy(byhand + 30, plain, 10, nonce, cpk, ssk)) unit_fatal("t_vectors", "box");
  CHECK(rlen == 56 && !memcmp(rsp, byhand, 56), "ack matches the specification");
  hex_encode(hx, rsp, 56);
  CHECK(!strcmp(hx, ack_hex), "ack matches the manual's vector");
  if (print) put_hex("notify response", rsp, 56);
  {
    /* and the client reads it back as a bare OK */
    const unsigned char *rb;
    size_t rbl;
    unsigned char rid[8];
    struct msg_notify_ans ack;
    struct rd r;
    CHECK(packet_open_response(rsp, 56, KIND_NOTIFY, k, plain, &rb, &rbl, rid) == 0 &&
              !memcmp(rid, reqid, 8),
          "ack opens");
    rd_init(&r, rb, rbl);
    CHECK(msg_get_notify_ans(&r, &ack) == 0 && ack.status == MSG_OK && ack.bits == 0,
          "ack decodes to OK");
  }

  /* a LIST padded to 1200 bytes: its BLAKE2b-256 digest */
  {
    struct msg_list_req q;
    strcpy(q.user, "bob");
    q.cursor = 7;
    q.postage = 0;
    wr_init(&w, body, sizeof body);
    msg_put_list_req(&w, &q);
    memset(rnd, 0x66, 16);
    len = packet_seal_request_nonce(pkt, KIND_LIST, cpk, k, body, w.pos, PACKET_MAX, reqid, rnd);
    CHECK(len == PACKET_MAX, "padded list is %d bytes", len);
    memset(plain, 0, sizeof plain);
    plain[0] = KIND_LIST;
    memcpy(plain + 1, body, w.pos);
    memcpy(nonce, "IM2K-REQ", 8);
    memcpy(nonce + 8, rnd, 16);
    memcpy(byhand, "IM2K", 4);
    byhand[4] = 1;
    byhand[5] = KIND_LIST;
    memcpy(byhand + 6, cpk, 32);
    memcpy(byhand + 38, nonce, 24);
    if (crypto_box_easy(byhand + 62, plain, PACKET_MAX - 62 - 16, nonce, spk, csk))
      unit_fatal("t_vectors", "box");
    CHECK(!memcmp(pkt, byhand, PACKET_MAX), "padded list matches the specification");
    if (crypto_generichash(digest, 32, pkt, PACKET_MAX, NULL, 0)) unit_fatal("t_vectors", "hash");
    hex_encode(hx, digest, 32);
    CHECK(!strcmp(hx, list_digest_hex), "padded list digest matches the manual's vector");
  }

  if (print) {
    hex_encode(hx, csk, 32); printf("client secret key: %s\n", hx);
    hex_encode(hx, cpk, 32); printf("client public key: %s\n", hx);
    hex_encode(hx, ssk, 32); printf("server secret key: %s\n", hx);
    hex_encode(hx, spk, 32); printf("server public key: %s\n", hx);
    hex_encode(hx, n.token, 32); printf("token: %s\n", hx);
    hex_encode(hx, digest, 32); printf("list request BLAKE2b-256: %s\n", hx);
  }
  return unit_done("t_vectors");
}
