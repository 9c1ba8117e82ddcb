/* daemon: detach, pidfile, user switch (see daemon.h). */
#include "pooler/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *why, size_t why_size, const char *what)
{
	snprintf(why, why_size, "%s: %s", what, strerror(errno));
	return -1;
}

int daemon_detach(char *why, size_t why_size)
{
	pid_t pid = fork();
	if (pid == -1)
		return fail(why, why_size, "fork");
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return fail(why, why_size, "setsid");
	int fd = open("/dev/null", O_RDWR);
	if (fd == -1)
		return fail(why, why_size, "open /dev/null");
	for (int target = 0; target <= 2; target++)
		if (dup2(fd, target) == -1)
			return fail(why, why_size, "dup2");
	if (fd > 2)
		close(fd);
	return 0;
}

/* The pid recorded in path, or 0 when there is none or it is unreadable. */
static pid_t read_pidfile(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 ? (pid_t)pid : 0;
}

int daemon_write_pidfile(const char *path, char *why, size_t why_size)
{
	pid_t old = read_pidfile(path);
	if (old > 0 && old != getpid() && kill(old, 0) == 0) {
		snprintf(why, why_size, "pidfile %s names running process %ld; is another corral running?",
			 path, (long)old);
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return fail(why, why_size, path);
	int written = fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || written < 0)
		return fail(why, why_size, path);
	return 0;
}

void daemon_remove_pidfile(const char *path)
{
	if (read_pidfile(path) == getpid())
		unlink(path);
}

int daemon_switch_user(const char *user, char *why, size_t why_size)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(why, why_size, "unknown user '%s'", user);
		return -1;
	}
	if (geteuid() == pw->pw_uid)
		return 0;
	if (geteuid() != 0) {
		snprintf(why, why_size, "cannot switch to user '%s': not running as root", user);
		return -1;
	}
	if (setgid(pw->pw_gid) == -1)
		return fail(why, why_size, "setgid");
	if (initgroups(pw->pw_name, pw->pw_gid) == -1)
		return fail(why, why_size, "initgroups");
	if (setuid(pw->pw_uid) == -1)
		return fail(why, why_size, "setuid");
	return 0;
}
