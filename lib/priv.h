/* priv.h: dropping root in a daemon, the daemontools way: envuidgid puts
 * the account's ids in $UID and $GID, the daemon opens what needs root
 * (keys, sockets) and then calls priv_drop. */
#ifndef IM2K_PRIV_H
#define IM2K_PRIV_H

#include <sys/types.h>

/* priv_drop: no core dumps; then, when $UID and $GID are set, become
 * them (supplementary groups: just $GID).  -1 with errno on failure,
 * EPERM if the process would still be root afterwards. */
int priv_drop(void);
/* priv_drop_extra: the same with one more supplementary group, extra
 * (im2k-notifyd: the readers of archives, for relaying over SMTP). */
int priv_drop_extra(gid_t extra);

#endif
