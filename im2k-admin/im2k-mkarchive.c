/* im2k-mkarchive: create a sender's archive, HOME/archive/UID, owned by
 * the user (so the messages count against the user's quota), setgid to
 * the archive readers' group so that im2k-fetchd may read them, closed to
 * everyone else.  With -p the archive is also public, a mailing list: it
 * gets an index (archive/UID/index) and a line in control/lists, compiled
 * into control/lists.cdb.  Run by root. */
#include "addr.h"
#include "ctl.h"
#include "die.h"
#include "file.h"
#include "home.h"
#include "servers.h"
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LISTS_MAX (1 << 20)

/* index_open: archive/UID/index, opened without following or creating
 * anything the user may have planted in the archive (the user owns the
 * directory): made anew (O_EXCL), or an existing plain file of the
 * user's with one link.  A hard link to another's file, a FIFO, a device
 * or a symbolic link there is refused, never opened for writing,
 * chowned or waited on. */
static int index_open(int dfd, const char *home, const char *dir, const struct passwd *pw)
{
  struct stat st, st2;
  int fd = openat(dfd, "index", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
  if (fd != -1 || errno != EEXIST) return fd;
  if (fstatat(dfd, "index", &st, AT_SYMLINK_NOFOLLOW) == -1) return -1;
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != pw->pw_uid)
    die(EXIT_PERM, "%s/%s/index is not a plain file of %s's (a link, a FIFO, a device or another's "
        "file): not touching it; remove it and run im2k-mkarchive -p again", home, dir, pw->pw_name);
  fd = openat(dfd, "index", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return -1;
  /* the same file as the one looked at, not one put there since */
  if (fstat(fd, &st2) == -1) { close(fd); return -1; }
  if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino || !S_ISREG(st2.st_mode) || st2.st_nlink != 1 ||
      st2.st_uid != pw->pw_uid)
    die(EXIT_TEMP, "%s/%s/index changed while it was looked at: try again", home, dir);
  return fd;
}

/* publish: archive/UID/index (the user's, group g, 0640, kept as it is
 * when present), then NAME:UID in control/lists, replacing any line for
 * NAME, and control/lists.cdb compiled from it */
static void publish(int hfd, int dfd, const char *home, const char *dir, const struct passwd *pw, gid_t g)
{
  char line[128];
  unsigned char *old = NULL;
  size_t n = 0, i, start, nl = strlen(pw->pw_name), ll;
  unsigned long bad;
  char *text;
  size_t tl = 0;
  int fd, cfd;
  fd = index_open(dfd, home, dir, pw);
  if (fd == -1) die_sys(EXIT_TEMP, "unable to create %s/%s/index", home, dir);
  if (geteuid() == 0 && fchown(fd, pw->pw_uid, g) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s/%s/index", home, dir);
  if (fchmod(fd, 0640) == -1) die_sys(EXIT_TEMP, "unable to chmod %s/%s/index", home, dir);
  if (file_sync_close(fd) == -1) die_sys(EXIT_TEMP, "unable to write %s/%s/index", home, dir);
  if (fsync(dfd) == -1) die_sys(EXIT_TEMP, "unable to sync %s/%s", home, dir);

  cfd = openat(hfd, "control", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cfd == -1) die_sys(EXIT_TEMP, "unable to open %s/control", home);
  if (file_read(cfd, "lists", LISTS_MAX, &old, &n) == -1 && errno != ENOENT)
    die_sys(EXIT_TEMP, "unable to read %s/control/lists", home);
  ll = (size_t)snprintf(line, sizeof line, "%s:%lu\n", pw->pw_name, (unsigned long)pw->pw_uid);
  text = malloc(n + ll + 1);
  if (!text) die_nomem();
  for (i = 0; i < n; i = start) {
    const unsigned char *e = memchr(old + i, '\n', n - i);
    start = e ? (size_t)(e - old) + 1 : n;
    if (start - i > nl && !memcmp(old + i, pw->pw_name, nl) && old[i + nl] == ':') continue;
    memcpy(text + tl, old + i, start - i);
    tl += start - i;
    if (!e) text[tl++] = '\n';
  }
  memcpy(text + tl, line, ll);
  tl += ll;
  if (file_put_atomic(cfd, "lists", text, tl, 0644) == -1)
    die_sys(EXIT_TEMP, "unable to write %s/control/lists", home);
  free(text);
  free(old);
  close(cfd);
  if (ctl_compile(hfd, "control/lists", "control/lists.cdb", lists_row, &bad) == -1) {
    if (bad) die(EXIT_PERM, "%s/control/lists line %lu: want NAME:UID, once per name", home, bad);
    die_sys(EXIT_TEMP, "unable to compile %s/control/lists", home);
  }
}

int main(int argc, char **argv)
{
  char home[HOME_MAX], path[64];
  struct passwd *pw;
  struct group *gr;
  const char *name;
  gid_t g;
  int hfd, dfd, public = 0;
  die_prog = "im2k-mkarchive";
  if (argc == 3 && !strcmp(argv[1], "-p")) public = 1;
  else if (argc != 2) die(EXIT_PERM, "usage: im2k-mkarchive [-p] USER");
  name = argv[argc - 1];
  if (name[0] == '-') die(EXIT_PERM, "usage: im2k-mkarchive [-p] USER");
  pw = getpwnam(name);
  if (!pw) die(EXIT_PERM, "no such user: %s", name);
  if (public && !local_check(pw->pw_name, strlen(pw->pw_name)))
    die(EXIT_PERM, "account name %s does not make a list address", pw->pw_name);
  if (pw->pw_uid == 0) die(EXIT_PERM, "root does not get an archive: send as a user");
  if (geteuid() == 0) {
    gr = getgrnam(auto_users[USER_ARCHIVE_GROUP]);
    if (!gr) die(EXIT_TEMP, "no group %s: create the accounts in conf-users first",
                 auto_users[USER_ARCHIVE_GROUP]);
    g = gr->gr_gid;
  } else {
    if (pw->pw_uid != getuid()) die(EXIT_PERM, "only root may create another user's archive");
    g = getgid();
  }
  hfd = home_open(home);
  if (hfd == -1) die_sys(EXIT_TEMP, "unable to open home %s", home);
  snprintf(path, sizeof path, "archive/%lu", (unsigned long)pw->pw_uid);
  if (mkdirat(hfd, path, 0700) == -1 && errno != EEXIST)
    die_sys(EXIT_TEMP, "unable to create %s/%s", home, path);
  /* the archive itself, by a descriptor: chown and chmod never follow a
   * name that could have been replaced */
  dfd = openat(hfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd == -1) die_sys(EXIT_TEMP, "unable to open %s/%s (not a directory?)", home, path);
  if (geteuid() == 0 && fchown(dfd, pw->pw_uid, g) == -1)
    die_sys(EXIT_TEMP, "unable to chown %s/%s", home, path);
  if (fchmod(dfd, 02750) == -1) die_sys(EXIT_TEMP, "unable to chmod %s/%s", home, path);
  if (public) publish(hfd, dfd, home, path, pw, g);
  close(dfd);
  printf("%s/%s\n", home, path);
  return 0;
}
