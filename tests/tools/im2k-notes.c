/* im2k-notes: fills an inbox for the bound tests.  Sends COUNT
 * notifications, each of a new handle, from SENDER to RCPT, sealed with
 * the sender ISP's secret key, to the inbox at IP PORT (public key
 * PKHEX), one after the other; prints how many were answered ok, temp
 * (refused for now), noent, other, and not at all.  Not installed.
 *   im2k-notes IP PORT PKHEX SECRETFILE SENDER RCPT COUNT
 * Exit 0, 111 on a local error. */
#include "hex.h"
#include "keys.h"
#include "msg.h"
#include "packet.h"
#include "udp.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  unsigned char spk[32], sk[32], pk[32], body[PACKET_MAX], resp[PACKET_MAX];
  const unsigned char *rb;
  struct udp_client c;
  struct msg_note n;
  struct wr w;
  unsigned long count, i, okc = 0, temp = 0, noent = 0, other = 0, none = 0;
  size_t rbl;
  if (argc != 8) {
    fprintf(stderr, "usage: im2k-notes IP PORT PKHEX SECRETFILE SENDER RCPT COUNT\n");
    return 111;
  }
  if (sodium_init() < 0 || hex_decode(spk, 32, argv[3], strlen(argv[3])) == -1 ||
      keys_read(AT_FDCWD, argv[4], sk, 32) == -1 || crypto_scalarmult_base(pk, sk) != 0) {
    fprintf(stderr, "im2k-notes: bad key\n");
    return 111;
  }
  if (udp_client_open(&c, argv[1], (uint16_t)atoi(argv[2]), spk, pk, sk) == -1) {
    perror("im2k-notes: udp_client_open");
    return 111;
  }
  count = strtoul(argv[7], NULL, 10);
  memset(&n, 0, sizeof n);
  snprintf(n.sender, sizeof n.sender, "%s", argv[5]);
  snprintf(n.rcpt, sizeof n.rcpt, "%s", argv[6]);
  n.size = 10;
  for (i = 0; i < count; i++) {
    randombytes_buf(n.handle, sizeof n.handle);
    randombytes_buf(n.token, sizeof n.token);
    wr_init(&w, body, sizeof body);
    msg_put_note(&w, &n);
    if (udp_call(&c, KIND_NOTIFY, body, w.pos, 0, resp, &rb, &rbl, 3000) == -1) { none++; continue; }
    if (rbl < 1) other++;
    else if (rb[0] == MSG_OK) okc++;
    else if (rb[0] == MSG_TEMP) temp++;
    else if (rb[0] == MSG_NOENT) noent++;
    else other++;
  }
  printf("ok %lu temp %lu noent %lu other %lu none %lu\n", okc, temp, noent, other, none);
  udp_client_close(&c);
  return 0;
}
