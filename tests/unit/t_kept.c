/* t_kept: lib/kept: when a kept control file counts as changed, and the
 * kept text (control/smtproutes) through changes, removal, a file that
 * cannot be read and one too large. */
#include "file.h"
#include "kept.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dfd;

static void put(const char *name, const char *text)
{
  if (file_put_atomic(dfd, name, text, strlen(text), 0644) == -1) unit_fatal("t_kept", "put");
}

/* one step of a look: at ms, what kept_look says, and whether the
 * caller then takes the file */
struct step {
  const char *before;   /* "put:TEXT", "rm", "touch" or NULL: done first */
  int64_t at;
  enum kept_look want;
  int take;
};

static const struct step steps[] = {
  {NULL, 5000, KEPT_GONE, 0},                 /* no file yet */
  {"put:one", 5001, KEPT_CHANGED, 1},         /* nothing held: looked at at once */
  {NULL, 5002, KEPT_SAME, 0},                 /* held, within the second */
  {"put:two", 5500, KEPT_SAME, 0},            /* replaced, but not looked at yet */
  {NULL, 6000, KEPT_SAME, 0},                 /* 999 ms after the last look */
  {NULL, 6001, KEPT_CHANGED, 0},              /* looked at: replaced */
  {NULL, 6002, KEPT_SAME, 0},                 /* not taken: looked at again a second later */
  {NULL, 7001, KEPT_CHANGED, 1},              /* still changed: taken now */
  {NULL, 8100, KEPT_SAME, 0},                 /* unchanged after a second */
  {"put:two", 9200, KEPT_CHANGED, 1},         /* same text, a new inode */
  {"rm", 10300, KEPT_GONE, 0},
  {"put:three", 10301, KEPT_SAME, 0},         /* still held: too early */
  {NULL, 11400, KEPT_CHANGED, 1},
};

static void test_look(void)
{
  struct kept k = KEPT("f");
  size_t i;
  for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    const struct step *s = &steps[i];
    struct stat st;
    enum kept_look r;
    if (s->before && !strncmp(s->before, "put:", 4)) put("f", s->before + 4);
    if (s->before && !strcmp(s->before, "rm") && unlinkat(dfd, "f", 0) == -1) unit_fatal("t_kept", "rm");
    r = kept_look(&k, dfd, s->at, &st);
    CHECK(r == s->want, "step %zu at %lld: %d, wanted %d", i, (long long)s->at, r, s->want);
    if (r == KEPT_CHANGED && s->take) kept_took(&k, &st);
  }
  kept_drop(&k);
  {
    struct stat st;
    CHECK(kept_look(&k, dfd, 11401, &st) == KEPT_CHANGED, "dropped: the file is new again");
  }
}

static void test_text(void)
{
  struct kept_text t = KEPT_TEXT("routes", 16);
  int64_t now = 100000;
  CHECK(kept_text(&t, dfd, now) == 0 && !t.p, "no file: 0");
  put("routes", "a.example:x\n");
  CHECK(kept_text(&t, dfd, now + 10) == 0, "no file held: looked at once a second too");
  CHECK(kept_text(&t, dfd, now + 1000) == 1 && t.n == 12 && !memcmp(t.p, "a.example:x\n", 12),
        "the file taken");
  put("routes", "b.example:y\n");
  CHECK(kept_text(&t, dfd, now + 1500) == 1 && t.p[0] == 'a', "within the second: the old text");
  CHECK(kept_text(&t, dfd, now + 2000) == 1 && t.p[0] == 'b', "a second later: the new text");
  put("routes", "c.example:a-much-longer-line\n");
  errno = 0;
  CHECK(kept_text(&t, dfd, now + 3000) == -1 && errno == EMSGSIZE && t.p && t.p[0] == 'b',
        "too large: -1 EMSGSIZE, the old text kept");
  CHECK(kept_text(&t, dfd, now + 3500) == 1 && t.p[0] == 'b', "not read again within the second");
  put("routes", "d.example:z\n");
  CHECK(kept_text(&t, dfd, now + 4000) == 1 && t.p[0] == 'd', "tried again: taken");
  if (unlinkat(dfd, "routes", 0) == -1) unit_fatal("t_kept", "rm routes");
  CHECK(kept_text(&t, dfd, now + 5000) == 0 && !t.p && t.n == 0, "removed: none");
  if (mkdirat(dfd, "routes", 0755) == -1) unit_fatal("t_kept", "mkdir routes");
  errno = 0;
  CHECK(kept_text(&t, dfd, now + 6000) == -1 && !t.p, "a directory in its place: -1, none held");
  if (unlinkat(dfd, "routes", AT_REMOVEDIR) == -1) unit_fatal("t_kept", "rmdir routes");
  kept_text_free(&t);
}

int main(void)
{
  char dir[64];
  if (unit_tmpdir(dir) == -1) unit_fatal("t_kept", "mkdtemp");
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1) unit_fatal("t_kept", "open temp dir");
  test_look();
  test_text();
  close(dfd);
  CHECK(unit_rmtree(dir) == 0, "remove %s", dir);
  return unit_done("t_kept");
}
