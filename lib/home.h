/* home.h: where a program finds its im2k home (control/, keys/,
 * archive/, queue/).  Rules, in order:
 *  1. $IM2K_HOME, unless the process runs with privileges it was given
 *     (setgid or setuid), which must never let the caller choose;
 *  2. the directory above the one that holds the running program, when it
 *     has a control/ subdirectory (an installed bin/); a privileged
 *     process takes it only if every directory from it to / belongs to
 *     root and is writable by nobody else;
 *  3. the compiled-in conf-home. */
#ifndef IM2K_HOME_H
#define IM2K_HOME_H

#include <stddef.h>

#define HOME_MAX 4096

extern const char auto_home[];

/* home_find: 0 and the path in out, or -1 with errno. */
int home_find(char out[HOME_MAX]);
/* home_bindir: the directory holding the running program. */
int home_bindir(char out[HOME_MAX]);
/* home_open: home_find, then a directory descriptor for it. */
int home_open(char path[HOME_MAX]);

#endif
