/* daemon: the process-level chores of a Unix daemon: detach from the
 * terminal (-d), write and remove the pidfile, and switch to an unprivileged
 * user (-u). Each reports failure to its caller with errno-based text; none
 * logs or exits on its own. */
#ifndef CORRAL_POOLER_DAEMON_H
#define CORRAL_POOLER_DAEMON_H

#include <stddef.h>

/* Fork into the background, start a new session, point stdin/out/err at
 * /dev/null. Returns 0 in the daemon (the parent exits 0), -1 with why. */
int daemon_detach(char *why, size_t why_size) __attribute__((warn_unused_result));

/* Write our pid to path, refusing when it names a live process (another
 * corral on the same pidfile). Returns 0, or -1 with why. */
int daemon_write_pidfile(const char *path, char *why, size_t why_size)
	__attribute__((warn_unused_result));
/* Remove the pidfile if it still holds our pid. */
void daemon_remove_pidfile(const char *path);

/* When running as root, switch group and user to `user` (supplementary
 * groups too). Returns 0, or -1 with why (unknown user, not root, failure). */
int daemon_switch_user(const char *user, char *why, size_t why_size)
	__attribute__((warn_unused_result));

#endif
