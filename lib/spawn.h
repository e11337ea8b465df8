/* spawn.h: starting im2k-archive, the one program that writes a user's
 * archive, for the programs that hand it messages (im2k-inject,
 * im2k-smtpd). */
#ifndef IM2K_SPAWN_H
#define IM2K_SPAWN_H

#include <sys/types.h>

/* archive_start: run BINDIR/im2k-archive with the message on its fd 0
 * and the envelope on its fd 1; *msg and *env get the ends to write
 * them to.  Returns its pid, or -1 with errno and nothing left open.  A
 * child that cannot run the program says so and exits 111. */
pid_t archive_start(const char *bindir, int *msg, int *env);

#endif
