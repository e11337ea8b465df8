/* job.h: the job record im2k-archive writes for im2k-notifyd (in
 * queue/job/) and beside each archived message (archive/UID/HANDLE.job),
 * as a sequence of netstrings:
 *   "im2k-job-1" uid handle status-name size hash time sender count rcpt...
 * with exactly count recipients and nothing after them, so that a file cut
 * short anywhere does not parse.
 * handle, status-name and hash are lower-case hex. */
#ifndef IM2K_JOB_H
#define IM2K_JOB_H

#include "buf.h"
#include "addr.h"

#include <stddef.h>
#include <stdint.h>

#define JOB_HANDLE 16
#define JOB_STATUS 16
#define JOB_HASH 32
#define JOB_RCPT_MAX 100000
#define JOB_FILE_MAX (64 + 512 + (size_t)JOB_RCPT_MAX * (ADDR_MAX + 5))
#define MESSAGE_MAX ((uint64_t)1 << 40)

struct job {
  uint32_t uid;
  unsigned char handle[JOB_HANDLE];
  unsigned char status[JOB_STATUS];  /* names queue/status/HEX */
  uint64_t size;
  unsigned char hash[JOB_HASH];      /* BLAKE2b-256 of the message */
  int64_t time;
  char sender[ADDR_MAX + 1];
  size_t nrcpt;
  char **rcpt;                       /* checked addresses */
};

void job_init(struct job *j);
/* job_add_rcpt: copy a (checked) address in; -1 ENOMEM or E2BIG. */
int job_add_rcpt(struct job *j, const char *rcpt);
int job_encode(const struct job *j, struct buf *out);
/* job_parse: 0, or -1 with errno EINVAL (bad record) or ENOMEM; on
 * success free with job_free. */
int job_parse(struct job *j, const unsigned char *p, size_t n);
void job_free(struct job *j);

#endif
