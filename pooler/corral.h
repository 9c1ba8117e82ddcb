/* corral: the daemon's top-level state: the event loop, the current
 * configuration snapshot, signal handling (SIGINT/SIGTERM stop, SIGHUP
 * reload) and configuration reload (load new, log the differences, swap).
 * Everything a loop owns hangs off struct corral; there are no hidden
 * globals besides the log sink. */
#ifndef CORRAL_POOLER_CORRAL_H
#define CORRAL_POOLER_CORRAL_H

#include <stdbool.h>
#include <stddef.h>

struct cfg;
struct event;
struct event_base;

/* Command-line choices that outrank the config file. */
struct corral_options {
	const char *config_path;
	bool daemonize;   /* -d */
	bool quiet;       /* -q */
	int verbose;      /* number of -v, added to the config's verbose */
	const char *user; /* -u, or NULL for the config's user setting */
};

struct corral {
	struct corral_options opts;
	struct event_base *base;      /* owned */
	struct cfg *cfg;              /* owned: the running snapshot */
	struct event *on_sigint;      /* owned */
	struct event *on_sigterm;     /* owned */
	struct event *on_sighup;      /* owned */
};

/* Adopt cfg (ownership passes to c), apply its log settings, create the
 * event loop and signal events. Returns 0, or -1 with why. */
int corral_init(struct corral *c, const struct corral_options *opts, struct cfg *cfg,
		char *why, size_t why_size) __attribute__((warn_unused_result));

/* Run the loop until a stop signal. Returns the process exit status. */
int corral_run(struct corral *c);

/* Load the config file again; on success log each difference (warning on
 * those that need a restart) and swap the snapshot in, returning 0. On
 * failure log file:line and keep the running snapshot, returning -1. The
 * outcome is always logged; the result is for callers that must answer
 * someone (the admin console's RELOAD). */
int corral_reload(struct corral *c);

/* Release everything c owns. */
void corral_fini(struct corral *c);

#endif
