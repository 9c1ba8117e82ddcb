/* corral: the daemon's top-level state: the event loop, the current
 * configuration snapshot, signal handling (SIGINT/SIGTERM stop, SIGHUP
 * reload) and configuration reload (load new, log the differences, swap).
 * Everything a loop owns hangs off struct corral; there are no hidden
 * globals besides the log sink. */
#ifndef CORRAL_POOLER_CORRAL_H
#define CORRAL_POOLER_CORRAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pooler/iobuf.h"
#include "pooler/list.h"
#include "pooler/session_params.h"
#include "pooler/stream.h"

struct cancel_map;
struct cfg;
struct event;
struct event_base;
struct evdns_base;
struct listener_set;
struct scram_cache;

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
	struct evdns_base *dns;       /* owned: asynchronous host name lookups */
	struct listener_set *listeners; /* owned */
	struct iobuf_pool buffers;    /* I/O buffers for every stream */
	struct stream_env env;        /* what streams share: base, buffers, limits */
	struct session_param_set tracked; /* session parameters that follow clients */
	struct scram_cache *scram;    /* owned: randomness and derived SCRAM keys */
	struct cancel_map *cancel;    /* owned: BackendKeyData -> client */
	struct list_node pools;       /* every struct pool */
	struct list_node login_clients; /* CLIENT_ST_LOGIN and CLIENT_ST_AUTH */
	struct list_node dead_clients;  /* CLIENT_ST_CLOSED, freed by the reaper */
	struct list_node dead_servers;  /* SERVER_ST_CLOSED, freed by the reaper */
	struct event *reaper;         /* owned: frees the dead at the end of a loop turn */
	int client_count;             /* every client not yet freed */
	bool shutting_down;           /* SIGINT: let transactions finish, then exit */
	struct event *shutdown_timer; /* owned: bounds the wait for them */
	uint64_t next_id;             /* ids for clients and servers, for logs */
};

/* Monotonic microseconds. */
uint64_t corral_now_us(void);
/* Wall-clock microseconds as of the current loop turn (no system call):
 * for statistics on the hot path. */
uint64_t corral_turn_us(const struct corral *c);
/* During a SIGINT shutdown: exit the loop once no client is linked. */
void corral_shutdown_check(struct corral *c);
/* Have the reaper free the dead at the end of this loop turn. */
void corral_schedule_reap(struct corral *c);

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
