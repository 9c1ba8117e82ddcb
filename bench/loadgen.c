/* loadgen: the benchmarks' client for what pgbench cannot do: hold
 * thousands of logged-in idle connections (bench/memory.sh) and time how
 * fast thousands of clients log in (bench/logins.sh). One process, libpq's
 * asynchronous API and poll() over only the connections with work in
 * flight, so 10,000 idle ones cost nothing per wakeup. It is driven over
 * stdin/stdout by the scripts (see usage()); it owns no measurement of the
 * pooler itself, which the scripts read from /proc. */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

enum phase {
	PHASE_CONNECTING,
	PHASE_QUERYING,
	PHASE_IDLE,
};

/* One connection. Owned by struct load, which PQfinishes conn. */
struct client {
	PGconn *conn;
	enum phase phase;
	PostgresPollingStatusType want;   /* PHASE_CONNECTING: what PQconnectPoll waits for */
	bool flushing;                    /* PHASE_QUERYING: PQflush has more to send */
};

/* Every connection and the ones with work in flight (at most `window`). */
struct load {
	struct client *clients;
	int nclients;
	int window;
	int *active;                      /* indexes into clients; nactive of them */
	int nactive;
	struct pollfd *fds;               /* scratch: one per active client */
	double timeout_s;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: loadgen [-n CLIENTS] [-c WINDOW] [-t SECONDS] CONNINFO\n\n"
		"Logs CLIENTS (default 1) connections in with libpq, at most WINDOW\n"
		"(default 100) logins in flight, then prints 'logged_in N SECONDS'.\n"
		"Then reads commands from stdin, one per line:\n"
		"  query   every connection runs SELECT 1 once (WINDOW in flight);\n"
		"          prints 'queried N SECONDS'\n"
		"  quit    (or end of input) closes every connection and exits 0\n"
		"Each phase must end within SECONDS (default 600). Any failed login\n"
		"or query, or a timeout, exits 1 with the reason on stderr.\n"
		"Password and defaults come from libpq's PG* environment.\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Raises the soft open-files limit to the hard one: a loadgen holding
 * 10,000 connections needs more than the usual 1,024. Failure is not
 * fatal; the connects that exceed the limit will say so. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			fprintf(stderr, "loadgen: setrlimit(RLIMIT_NOFILE): %s\n", strerror(errno));
	}
}

static short events_of(const struct client *c)
{
	if (c->phase == PHASE_CONNECTING)
		return c->want == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	return (short)(POLLIN | (c->flushing ? POLLOUT : 0));
}

/* Starts client i's login and makes it active. Returns 0, or -1 with the
 * reason printed (libpq could not even start, e.g. a bad conninfo). */
__attribute__((warn_unused_result))
static int start_connect(struct load *l, int i, const char *conninfo)
{
	struct client *c = &l->clients[i];
	c->conn = PQconnectStart(conninfo);
	if (c->conn == NULL || PQstatus(c->conn) == CONNECTION_BAD) {
		fprintf(stderr, "loadgen: client %d: %s\n", i,
			c->conn ? PQerrorMessage(c->conn) : "out of memory");
		return -1;
	}
	c->phase = PHASE_CONNECTING;
	c->want = PGRES_POLLING_WRITING;
	l->active[l->nactive++] = i;
	return 0;
}

/* Starts client i's SELECT 1 and makes it active. Returns 0 or -1. */
__attribute__((warn_unused_result))
static int start_query(struct load *l, int i)
{
	struct client *c = &l->clients[i];
	if (!PQsendQuery(c->conn, "SELECT 1")) {
		fprintf(stderr, "loadgen: client %d: send: %s", i, PQerrorMessage(c->conn));
		return -1;
	}
	c->phase = PHASE_QUERYING;
	c->flushing = false;
	l->active[l->nactive++] = i;
	return 0;
}

/* Advances c's login. Returns 1 when logged in, 0 when not yet, -1 on
 * failure (reason printed). */
__attribute__((warn_unused_result))
static int connect_step(struct client *c, int i)
{
	c->want = PQconnectPoll(c->conn);
	if (c->want == PGRES_POLLING_FAILED) {
		fprintf(stderr, "loadgen: client %d: login: %s", i, PQerrorMessage(c->conn));
		return -1;
	}
	if (c->want != PGRES_POLLING_OK)
		return 0;
	if (PQsetnonblocking(c->conn, 1) != 0) {
		fprintf(stderr, "loadgen: client %d: %s", i, PQerrorMessage(c->conn));
		return -1;
	}
	return 1;
}

/* Advances c's query. Returns 1 when its results are all read (it must be
 * one row, and the transaction idle), 0 when not yet, -1 on failure. */
__attribute__((warn_unused_result))
static int query_step(struct client *c, int i)
{
	int f = PQflush(c->conn);
	if (f < 0 || !PQconsumeInput(c->conn)) {
		fprintf(stderr, "loadgen: client %d: %s", i, PQerrorMessage(c->conn));
		return -1;
	}
	c->flushing = f == 1;
	while (!PQisBusy(c->conn)) {
		PGresult *r = PQgetResult(c->conn);
		if (r == NULL)
			return PQtransactionStatus(c->conn) == PQTRANS_IDLE ? 1 : -1;
		bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		if (!ok)
			fprintf(stderr, "loadgen: client %d: %s %s", i,
				PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
		PQclear(r);
		if (!ok)
			return -1;
	}
	return 0;
}

/* Runs one wakeup: polls the active clients (at most 1 s) and advances the
 * ready ones; a client that finished leaves the active set. Returns the
 * number that finished, or -1 on a failure or a poll error. */
__attribute__((warn_unused_result))
static int step_active(struct load *l)
{
	for (int k = 0; k < l->nactive; k++) {
		const struct client *c = &l->clients[l->active[k]];
		l->fds[k] = (struct pollfd){ .fd = PQsocket(c->conn), .events = events_of(c) };
	}
	int n = l->nactive > 0 ? l->nactive : 0;   /* never negative: poll's count is unsigned */
	if (poll(l->fds, (nfds_t)n, 1000) < 0 && errno != EINTR) {
		fprintf(stderr, "loadgen: poll: %s\n", strerror(errno));
		return -1;
	}
	int finished = 0, kept = 0;
	for (int k = 0; k < n; k++) {
		int i = l->active[k];
		struct client *c = &l->clients[i];
		int rc = 0;
		if (l->fds[k].revents != 0)
			rc = c->phase == PHASE_CONNECTING ? connect_step(c, i) : query_step(c, i);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			c->phase = PHASE_IDLE;
			finished++;
		} else {
			l->active[kept++] = i;
		}
	}
	l->nactive = kept;
	return finished;
}

/* Runs a phase: every client gets started (conninfo non-NULL: a login,
 * else a query), at most l->window in flight, until all have finished.
 * Prints "<what> N SECONDS". Returns 0, or -1 on a failure or timeout
 * (reason printed). */
__attribute__((warn_unused_result))
static int run_phase(struct load *l, const char *what, const char *conninfo)
{
	double start = now_s();
	int next = 0, done = 0;
	while (done < l->nclients) {
		while (next < l->nclients && l->nactive < l->window) {
			int rc = conninfo ? start_connect(l, next, conninfo) : start_query(l, next);
			if (rc != 0)
				return -1;
			next++;
		}
		int finished = step_active(l);
		if (finished < 0)
			return -1;
		done += finished;
		if (now_s() - start > l->timeout_s) {
			fprintf(stderr, "loadgen: %s: %d of %d done after %.0f s\n", what, done,
				l->nclients, l->timeout_s);
			return -1;
		}
	}
	printf("%s %d %.6f\n", what, l->nclients, now_s() - start);
	fflush(stdout);
	return 0;
}

/* Serves the stdin commands until quit or end of input. Returns 0, or -1
 * when a query phase failed or a command is unknown. */
__attribute__((warn_unused_result))
static int serve_commands(struct load *l)
{
	char line[64];
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "quit") == 0)
			return 0;
		if (strcmp(line, "query") != 0) {
			fprintf(stderr, "loadgen: unknown command '%s'\n", line);
			return -1;
		}
		if (run_phase(l, "queried", NULL) != 0)
			return -1;
	}
	return 0;
}

/* Parses a positive integer option; exits 2 on anything else. */
static int positive(const char *arg, char opt)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || v < 1 || v > 1000000) {
		fprintf(stderr, "loadgen: -%c needs a number from 1 to 1000000, not '%s'\n", opt, arg);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	struct load l = { .nclients = 1, .window = 100, .timeout_s = 600 };
	int opt;
	while ((opt = getopt(argc, argv, "n:c:t:h")) != -1) {
		switch (opt) {
		case 'n': l.nclients = positive(optarg, 'n'); break;
		case 'c': l.window = positive(optarg, 'c'); break;
		case 't': l.timeout_s = positive(optarg, 't'); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	raise_fd_limit();
	l.clients = xcalloc((size_t)l.nclients, sizeof *l.clients);
	l.active = xcalloc((size_t)l.window, sizeof *l.active);
	l.fds = xcalloc((size_t)l.window, sizeof *l.fds);
	int rc = run_phase(&l, "logged_in", argv[optind]) == 0 && serve_commands(&l) == 0 ? 0 : 1;
	for (int i = 0; i < l.nclients; i++)
		PQfinish(l.clients[i].conn);
	free(l.clients);
	free(l.active);
	free(l.fds);
	return rc;
}
