/* maildir.h: delivery into a Maildir by the rules every Maildir reader
 * relies on: write tmp/NAME, fsync, link into new/NAME, fsync new/.
 * NAME is chosen by the caller from the message's identity, so a second
 * delivery of the same message finds the first and adds nothing. */
#ifndef IM2K_MAILDIR_H
#define IM2K_MAILDIR_H

/* maildir_open: open (creating with mode 0700 if missing) the Maildir at
 * path and its tmp, new and cur; returns a directory descriptor. */
int maildir_open(const char *path);
/* maildir_has: 1 if NAME is in new/ or in cur/ (as NAME or NAME:2,...),
 * 0 if not, -1 on error. */
int maildir_has(int mdfd, const char *name);
/* maildir_tmp: a fresh tmp/NAME open for writing (a stale one from a
 * crashed run is removed first). */
int maildir_tmp(int mdfd, const char *name);
/* maildir_commit: fsync and close fd (tmp/NAME), link it to new/NAME,
 * remove tmp/NAME, fsync new/.  Returns 0 when delivered, 1 when NAME
 * was already in new/ (nothing added), -1 on error (tmp/NAME removed). */
int maildir_commit(int mdfd, const char *name, int fd);
/* maildir_abort: close fd and remove tmp/NAME. */
void maildir_abort(int mdfd, const char *name, int fd);

#endif
