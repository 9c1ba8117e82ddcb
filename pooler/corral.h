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
#include "pooler/tls.h"

struct admin;
struct cancel_map;
struct cfg;
struct cfg_settings;
struct event;
struct event_base;
struct evdns_base;
struct listener_set;
struct ps_registry;
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
	struct tls_contexts tls;      /* owned: TLS contexts built from the running settings */
	struct cancel_map *cancel;    /* owned: BackendKeyData -> client */
	struct list_node cancels;     /* cancel requests in flight (cancel.c owns them) */
	struct ps_registry *prepared; /* owned: distinct prepared statements */
	struct pg_buf ps_to_server;   /* scratch for prepared-statement rewrites */
	struct pg_buf ps_to_client;
	struct list_node pools;       /* every struct pool */
	struct list_node login_clients; /* CLIENT_ST_LOGIN and CLIENT_ST_AUTH */
	struct list_node dead_clients;  /* CLIENT_ST_CLOSED, freed by the reaper */
	struct list_node dead_servers;  /* SERVER_ST_CLOSED, freed by the reaper */
	struct event *reaper;         /* owned: frees the dead at the end of a loop turn */
	int client_count;             /* every client not yet freed */
	bool shutting_down;           /* SIGINT: let transactions finish, then exit */
	bool wait_for_clients;        /* SHUTDOWN WAIT_FOR_CLIENTS: exit when the last one leaves */
	struct admin *admin;          /* owned: console state, statistics periods */
	struct event *shutdown_timer; /* owned: bounds the wait for them */
	uint64_t next_id;             /* ids for clients and servers, for logs */
};

/* The clock as of this loop turn. corral_run starts every turn of the
 * loop with corral_clock_tick; the first read of each clock in a turn asks
 * the system (a vDSO call), later reads in the same turn get the same
 * value. A turn runs the callbacks of one epoll_wait, so the value is late
 * by at most the time those take (microseconds; PgBouncer caches its clock
 * the same way), and a transaction's clock reads cost one system-clock
 * read per turn instead of six. */
struct corral_clock {
	uint64_t mono_us, wall_us;  /* valid when the flag beside it is set */
	bool have_mono, have_wall;
};
extern struct corral_clock corral_clock;
uint64_t corral_clock_read_mono(void);
uint64_t corral_clock_read_wall(void);

/* A new loop turn: the next reads ask the system again. */
static inline void corral_clock_tick(void)
{
	corral_clock.have_mono = corral_clock.have_wall = false;
}

/* Monotonic microseconds, for deadlines and ages. */
static inline uint64_t corral_now_us(void)
{
	return corral_clock.have_mono ? corral_clock.mono_us : corral_clock_read_mono();
}

/* Wall-clock microseconds, for statistics and what operators read. The
 * loop's own timer clock is libevent's default, CLOCK_MONOTONIC_COARSE
 * (4 ms ticks), good enough for timeouts; a precise one
 * (EVENT_BASE_FLAG_PRECISE_TIMER) would cost a timerfd_settime system call
 * per loop turn. */
static inline uint64_t corral_wall_us(void)
{
	return corral_clock.have_wall ? corral_clock.wall_us : corral_clock_read_wall();
}

/* event_add with a timeout of `us` microseconds. */
void corral_event_add_us(struct event *ev, uint64_t us);
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
 * those that need a restart), swap the snapshot in and apply it (log
 * settings, listeners' options, every pool's settings: pool_reconfigure),
 * returning 0. On failure log file:line, keep the running snapshot and
 * return -1 with why ("file:line: message"). The outcome is always logged;
 * why is for callers that must answer someone (the admin console's
 * RELOAD). */
int corral_reload(struct corral *c, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* SET on the admin console: *next (ownership of its strings passes to c)
 * replaces the running settings and is applied as a reload's would be. */
void corral_replace_settings(struct corral *c, struct cfg_settings *next);

/* How the admin console's SHUTDOWN stops corral. */
enum corral_stop_mode {
	CORRAL_STOP_NOW,              /* leave the loop at once */
	CORRAL_STOP_WAIT_FOR_SERVERS, /* as SIGINT: stop accepting, let transactions finish */
	CORRAL_STOP_WAIT_FOR_CLIENTS, /* stop accepting, exit once every client left */
};
void corral_stop(struct corral *c, enum corral_stop_mode mode);

/* Build TLS contexts from cfg's settings (reading the certificate, key
 * and CA files again; asking clients for certificates when cfg's
 * authentication may check them) and put them in place of the running
 * ones, which connections made earlier keep using. Returns 0, or -1 with
 * why ("client_tls_cert_file '...': ...") and the running contexts kept.
 * corral_reload calls it; so must anything else that changes TLS or
 * authentication settings, before applying them. */
int corral_reload_tls(struct corral *c, const struct cfg *cfg, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* Release everything c owns. */
void corral_fini(struct corral *c);

#endif
