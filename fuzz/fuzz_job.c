/* fuzz_job.c: libFuzzer harness for job_parse.  The input is a job file
 * as found in queue/job/ or archive/UID/; whatever parses must encode,
 * parse back to the same record, and encode to the same bytes again. */
#include "addr.h"
#include "buf.h"
#include "job.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_job(const struct job *a, const struct job *b)
{
  size_t i;
  if (a->uid != b->uid || a->size != b->size || a->time != b->time ||
      memcmp(a->handle, b->handle, JOB_HANDLE) ||
      memcmp(a->status, b->status, JOB_STATUS) ||
      memcmp(a->hash, b->hash, JOB_HASH) || strcmp(a->sender, b->sender) ||
      a->nrcpt != b->nrcpt)
    return 0;
  for (i = 0; i < a->nrcpt; i++)
    if (strcmp(a->rcpt[i], b->rcpt[i])) return 0;
  return 1;
}

/* what job.h promises of any parsed record */
static void check_job(const struct job *j)
{
  size_t i;
  if (!addr_check(j->sender, strlen(j->sender))) abort();
  if (j->nrcpt == 0 || j->nrcpt > JOB_RCPT_MAX || !j->rcpt) abort();
  if (j->size > MESSAGE_MAX || j->time < 0) abort();
  for (i = 0; i < j->nrcpt; i++)
    if (!j->rcpt[i] || !addr_check(j->rcpt[i], strlen(j->rcpt[i]))) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct job a, b;
  struct buf e1, e2;
  size_t i;
  if (job_parse(&a, data, size) == -1) return 0;
  check_job(&a);
  buf_init(&e1, JOB_FILE_MAX);
  buf_init(&e2, JOB_FILE_MAX);
  if (job_encode(&a, &e1) == -1) abort();
  if (job_parse(&b, e1.p, e1.len) == -1) abort();
  if (!same_job(&a, &b)) abort();
  /* the encoding is canonical: encoding the copy gives the same bytes */
  if (job_encode(&b, &e2) == -1) abort();
  if (e1.len != e2.len || memcmp(e1.p, e2.p, e1.len)) abort();
  /* every field has one spelling but for the case of hex digits, so the
   * encoding is the input with its hex in lower case */
  if (e1.len != size) abort();
  for (i = 0; i < size; i++)
    if (e1.p[i] != data[i] && !(data[i] >= 'A' && data[i] <= 'F' &&
                                e1.p[i] == data[i] - 'A' + 'a'))
      abort();
  job_free(&a);
  job_free(&b);
  buf_free(&e1);
  buf_free(&e2);
  return 0;
}
