/* im2k-status: the sender's view of their own messages: for each message
 * in the caller's archive and each recipient, queued / notified (how many
 * times, last when) / confirmed / failed / gaveup.  -m prints one record
 * per line for scripts:
 *     HANDLE TIME SIZE RECIPIENT STATE TRIES LAST
 * SECURITY: runs as the user with no privilege.  It reads the caller's own
 * archive (chosen by getuid()) and, for each message, the status record
 * whose unguessable name only that archive holds. */
#include "die.h"
#include "file.h"
#include "grow.h"
#include "hex.h"
#include "home.h"
#include "job.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct msg {
  char name[2 * JOB_HANDLE + 1];
  struct job j;
};

static void when(char *out, size_t n, int64_t t)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!t) { snprintf(out, n, "-"); return; }
  localtime_r(&tt, &tm);
  strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int bytime(const void *a, const void *b)
{
  const struct msg *x = a, *y = b;
  if (x->j.time != y->j.time) return x->j.time < y->j.time ? -1 : 1;
  return strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
  char home[HOME_MAX], dir[32];
  int hfd, afd, machine = 0, opt;
  DIR *d;
  struct dirent *de;
  struct msg *m = NULL;
  size_t nm = 0, cap = 0, i, k;

  die_prog = "im2k-status";
  while ((opt = getopt(argc, argv, "m")) != -1) {
    if (opt == 'm') machine = 1;
    else die(EXIT_PERM, "usage: im2k-status [-m]");
  }
  if (optind != argc) die(EXIT_PERM, "usage: im2k-status [-m]");
  if (sodium_init() < 0) die(EXIT_TEMP, "unable to initialize libsodium");
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  snprintf(dir, sizeof dir, "archive/%lu", (unsigned long)getuid());
  afd = openat(hfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (afd == -1) {
    if (errno == ENOENT) return 0; /* never sent anything */
    die_sys(EXIT_TEMP, "unable to open %s/%s", home, dir);
  }
  d = fdopendir(dup(afd));
  if (!d) die_sys(EXIT_TEMP, "unable to read %s/%s", home, dir);
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    unsigned char *p;
    size_t len;
    if (n != 2 * JOB_HANDLE + 4 || strcmp(de->d_name + 2 * JOB_HANDLE, ".job")) continue;
    if (nm == cap && grow_array(&m, &cap, nm + 1, sizeof *m, 16) == -1) die_nomem();
    if (file_read(afd, de->d_name, JOB_FILE_MAX, &p, &len) == -1) {
      warn_sys("unable to read %s/%s/%s", home, dir, de->d_name);
      continue;
    }
    if (job_parse(&m[nm].j, p, len) == -1) {
      warn("%s/%s/%s is damaged", home, dir, de->d_name);
      free(p);
      continue;
    }
    free(p);
    memcpy(m[nm].name, de->d_name, 2 * JOB_HANDLE);
    m[nm].name[2 * JOB_HANDLE] = 0;
    nm++;
  }
  closedir(d);
  if (nm) qsort(m, nm, sizeof *m, bytime);

  if (!machine && nm)
    printf("%-19s  %-32s  %-9s  %5s  %-19s  %s\n", "SENT", "RECIPIENT", "STATUS", "TRIES",
           "LAST NOTIFIED", "MESSAGE");
  for (i = 0; i < nm; i++) {
    char sname[2 * JOB_STATUS + 16], sent[32], last[32];
    unsigned char *p = NULL;
    size_t len = 0, nr = 0;
    struct status_rec *r = NULL;
    /* queue/status may be searched, not listed: the name is the key */
    memcpy(sname, "queue/status/", 13);
    hex_encode(sname + 13, m[i].j.status, JOB_STATUS);
    if (file_read(hfd, sname, JOB_FILE_MAX, &p, &len) == 0) {
      if (status_parse(p, len, &r, &nr) == -1) {
        warn("status record of %s is damaged", m[i].name);
        r = NULL;
        nr = 0;
      }
      free(p);
    } else if (errno != ENOENT)
      warn_sys("unable to read the status of %s", m[i].name);
    when(sent, sizeof sent, m[i].j.time);
    for (k = 0; k < m[i].j.nrcpt; k++) {
      const char *rc = m[i].j.rcpt[k];
      struct status_rec q = {STATUS_QUEUED, 0, 0, "", NULL};
      size_t x;
      /* notifyd writes the records in the job's order: the k-th is the
       * one, unless the file is older or edited */
      if (k < nr && !strcmp(r[k].rcpt, rc)) q = r[k];
      else
        for (x = 0; x < nr; x++)
          if (!strcmp(r[x].rcpt, rc)) { q = r[x]; break; }
      if (machine) {
        printf("%s %lld %llu %s %s %lu %lld%s%s\n", m[i].name, (long long)m[i].j.time,
               (unsigned long long)m[i].j.size, rc, status_word(q.state),
               (unsigned long)q.tries, (long long)q.last, q.reply ? " " : "",
               q.reply ? q.reply : "");
      } else {
        when(last, sizeof last, q.last);
        printf("%-19s  %-32s  %-9s  %5lu  %-19s  %s\n", sent, rc, status_word(q.state),
               (unsigned long)q.tries, last, m[i].name);
        if (q.reply) printf("%-19s  SMTP: %s\n", "", q.reply);
      }
    }
    status_free(r, nr);
    job_free(&m[i].j);
  }
  free(m);
  if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, "unable to write output");
  return 0;
}
