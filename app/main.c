/* main: corral-app's master process. It loads the settings, opens the one
 * listening socket, pre-forks the workers that share it and then only
 * supervises them, waiting for signals with sigtimedwait (no event loop,
 * so nothing of the master's is shared with the workers it forks):
 *   SIGCHLD          a worker that dies unexpectedly is replaced (after a
 *                    1 s back-off when it lived less than a second);
 *   SIGTERM, SIGINT  the workers drain; then the master exits 0;
 *   SIGHUP           the settings are loaded again; a new generation of
 *                    workers starts, then the old one drains.
 * It never touches the database or a request. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/app_log.h"
#include "app/settings.h"
#include "app/worker.h"
#include "util/xalloc.h"

/* A worker that dies younger than this is restarted only after as long,
 * so a worker that cannot start does not turn into a fork loop. */
#define RESPAWN_BACKOFF_MS 1000
/* After drain-timeout, stopping workers get this long before SIGKILL. */
#define KILL_GRACE_MS 2000

struct child {
	pid_t pid;
	unsigned generation;
	uint64_t started_ms;
	bool stopping;          /* sent SIGTERM: its exit is expected */
};

/* The master's whole state; it lives in main's frame. */
struct master {
	struct settings_cli cli;
	struct app_settings settings;   /* the running snapshot */
	int listen_fd;
	pid_t pid;
	struct child *children;         /* live workers, any generation */
	int nchildren, capacity;
	unsigned generation;            /* the current one; older ones drain */
	bool stopping;
	uint64_t kill_at_ms;            /* when stopping: SIGKILL what is left */
	int respawn_pending;            /* workers to start at respawn_at_ms */
	uint64_t respawn_at_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The listening socket for "host:port", non-blocking because every worker
 * accepts on it. Returns the fd, or -1 (logged). */
static int open_listener(const char *listen_addr)
{
	char host[256], port[8];
	int p;
	if (settings_listen_split(listen_addr, host, sizeof host, &p) != 0) {
		app_log("listen: '%s' is not host:port", listen_addr);
		return -1;
	}
	snprintf(port, sizeof port, "%d", p);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		app_log("listen: %s: %s", listen_addr, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
		app_log("listen: %s: %s", listen_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void master_free(struct master *m)
{
	settings_fini(&m->settings);
	free(m->children);
	m->children = NULL;
}

/* Fork one worker of the current generation. In the child this never
 * returns: it runs the worker and exits. Returns 0, or -1 (logged). */
static int spawn(struct master *m)
{
	pid_t pid = fork();
	if (pid < 0) {
		app_log("cannot start a worker: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int rc = worker_run(&m->settings, m->listen_fd, m->pid);
		master_free(m);
		exit(rc);
	}
	if (m->nchildren == m->capacity) {
		m->capacity = m->capacity ? 2 * m->capacity : 64;
		m->children = xrealloc(m->children, (size_t)m->capacity * sizeof *m->children);
	}
	m->children[m->nchildren++] = (struct child){
		.pid = pid, .generation = m->generation, .started_ms = now_ms(),
	};
	return 0;
}

/* Start n workers; the ones fork refuses are retried after the back-off. */
static void spawn_many(struct master *m, int n)
{
	for (int i = 0; i < n; i++) {
		if (spawn(m) != 0) {
			m->respawn_pending += n - i;
			m->respawn_at_ms = now_ms() + RESPAWN_BACKOFF_MS;
			return;
		}
	}
}

/* SIGTERM every worker of a generation older than the current one (all of
 * them when stopping) that has not had it yet. */
static void drain_old(struct master *m)
{
	for (int i = 0; i < m->nchildren; i++) {
		struct child *c = &m->children[i];
		if (c->stopping || (!m->stopping && c->generation == m->generation))
			continue;
		c->stopping = true;
		kill(c->pid, SIGTERM);
	}
}

static void log_exit(const struct child *c, int status, const char *what_next)
{
	if (WIFSIGNALED(status))
		app_log("worker %d was killed by signal %d%s", (int)c->pid, WTERMSIG(status), what_next);
	else if (WEXITSTATUS(status) != 0 || what_next[0] != '\0')
		app_log("worker %d exited with status %d%s", (int)c->pid, WEXITSTATUS(status), what_next);
}

/* One exited worker: forget it, and replace it when its death was not
 * asked for. */
static void on_child_exit(struct master *m, int index, int status)
{
	struct child c = m->children[index];
	m->children[index] = m->children[--m->nchildren];
	if (c.stopping || m->stopping || c.generation != m->generation) {
		log_exit(&c, status, "");
		return;
	}
	if (now_ms() - c.started_ms >= RESPAWN_BACKOFF_MS) {
		log_exit(&c, status, "; starting a new one");
		spawn_many(m, 1);
		return;
	}
	log_exit(&c, status, "; starting a new one in 1 s");
	if (m->respawn_pending++ == 0)
		m->respawn_at_ms = now_ms() + RESPAWN_BACKOFF_MS;
}

static void reap(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < m->nchildren; i++) {
			if (m->children[i].pid == pid) {
				on_child_exit(m, i, status);
				break;
			}
		}
	}
}

/* Log what a reload changes; the listening address is the one setting a
 * reload cannot change (the socket is shared with running workers). */
static void log_reload(const struct app_settings *old, struct app_settings *next)
{
	if (strcmp(old->listen, next->listen) != 0) {
		app_log("reload: listen %s -> %s needs a restart; still on %s", old->listen,
			next->listen, old->listen);
		free(next->listen);
		next->listen = xstrdup(old->listen);
	}
	app_log("reload: %d workers%s, db-timeout %d ms, retry-after %d s, idle-timeout %d s, "
		"drain-timeout %d s, files-location %s", next->workers,
		strcmp(old->dsn, next->dsn) != 0 ? ", a new dsn" : "", next->db_timeout_ms,
		next->retry_after_s, next->idle_timeout_s, next->drain_timeout_s,
		next->files_location);
}

/* SIGHUP: a new snapshot, a new generation, then the old one drains. A
 * settings file that does not load leaves everything as it was. */
static void reload(struct master *m)
{
	struct app_settings next;
	char why[1024];
	if (settings_load(&m->cli, getenv("DATABASE_URL"), &next, why, sizeof why) != 0) {
		app_log("reload failed, the running settings stay: %s", why);
		return;
	}
	log_reload(&m->settings, &next);
	settings_fini(&m->settings);
	m->settings = next;
	m->generation++;
	m->respawn_pending = 0;
	spawn_many(m, m->settings.workers);
	drain_old(m);
}

static void begin_stop(struct master *m, int sig)
{
	if (m->stopping)
		return;
	app_log("got %s: draining %d workers", sig == SIGINT ? "SIGINT" : "SIGTERM", m->nchildren);
	m->stopping = true;
	m->respawn_pending = 0;
	m->kill_at_ms = now_ms() + (uint64_t)m->settings.drain_timeout_s * 1000 + KILL_GRACE_MS;
	drain_old(m);
}

/* Timers: the respawn back-off, and the SIGKILL deadline when stopping. */
static void on_timers(struct master *m)
{
	uint64_t now = now_ms();
	if (m->respawn_pending > 0 && now >= m->respawn_at_ms) {
		int n = m->respawn_pending;
		m->respawn_pending = 0;
		spawn_many(m, n);
	}
	if (m->stopping && now >= m->kill_at_ms) {
		for (int i = 0; i < m->nchildren; i++) {
			app_log("worker %d did not drain in time; killing it", (int)m->children[i].pid);
			kill(m->children[i].pid, SIGKILL);
		}
		m->kill_at_ms = UINT64_MAX;
	}
}

/* Signal handlers that do nothing: the signals are blocked and taken with
 * sigtimedwait, but an inherited SIG_IGN (a background job's SIGINT)
 * would discard them before that. */
static void on_signal(int sig)
{
}

static void supervise(struct master *m, const sigset_t *set)
{
	while (!m->stopping || m->nchildren > 0) {
		struct timespec wait = { 0, 200 * 1000 * 1000 };
		siginfo_t info;
		int sig = sigtimedwait(set, &info, &wait);
		if (sig == SIGCHLD)
			reap(m);
		else if (sig == SIGTERM || sig == SIGINT)
			begin_stop(m, sig);
		else if (sig == SIGHUP && !m->stopping)
			reload(m);
		on_timers(m);
	}
}

/* Block the signals supervise() takes, after giving them handlers. */
static void take_signals(sigset_t *set)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigaddset(set, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct master m = { .listen_fd = -1, .pid = getpid() };
	char why[1024];
	sigset_t set;
	switch (settings_parse_args(argc, argv, &m.cli)) {
	case SETTINGS_CLI_OK: break;
	case SETTINGS_CLI_EXIT: return 0;
	case SETTINGS_CLI_USAGE: return 2;
	}
	if (settings_load(&m.cli, getenv("DATABASE_URL"), &m.settings, why, sizeof why) != 0) {
		fprintf(stderr, "corral-app: %s\n", why);
		return 2;
	}
	take_signals(&set);
	if ((m.listen_fd = open_listener(m.settings.listen)) < 0) {
		master_free(&m);
		return 1;
	}
	app_log("listening on %s with %d workers (corral-app %s)", m.settings.listen,
		m.settings.workers, PACKAGE_VERSION);
	spawn_many(&m, m.settings.workers);
	supervise(&m, &set);
	close(m.listen_fd);
	master_free(&m);
	app_log("stopped");
	return 0;
}
