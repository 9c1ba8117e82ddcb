/* pool: the server connections and waiting clients of one (database, user)
 * pair. It hands idle servers to clients (LIFO: the warmest first, or round
 * robin with server_round_robin), queues clients when none is free, opens
 * servers concurrently up to the pool's limits, and remembers the last
 * server login error so clients fail fast during server_login_retry. A
 * pool's settings are resolved from the config snapshot when it is made,
 * and again on every reload. */
#ifndef CORRAL_POOLER_POOL_H
#define CORRAL_POOLER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "config/cfg_database.h"
#include "pooler/list.h"
#include "pooler/prepared.h"
#include "pooler/resolve.h"
#include "pooler/session_params.h"
#include "protocol/pg_scram.h"

struct client;
struct corral;
struct event;
struct server;

/* What a pool needs from the config, resolved once: the [databases] entry
 * (or the "*" fallback) overlaid on the [pgbouncer] defaults and [users]. */
struct pool_config {
	char *host;                 /* first host of the entry, or unix_socket_dir (owned) */
	int port;
	char *dbname;               /* on the server (owned) */
	char *server_user;          /* who corral logs in as (owned) */
	char *password;             /* secret for server_user (owned), may be NULL */
	enum cfg_pool_mode mode;
	int pool_size;
	int min_pool_size;
	int reserve_pool_size;
	int max_db_connections;     /* 0 = no limit */
	int max_user_connections;   /* 0 = no limit */
	int64_t query_wait_timeout_us;  /* 0 = off, for every timeout here */
	int64_t query_timeout_us;
	int64_t idle_transaction_timeout_us;
	int64_t client_idle_timeout_us;
	bool client_timers_off;     /* none of the three above: an idle or active
				     * client never needs a timer */
	int64_t server_lifetime_us;
	int64_t server_idle_timeout_us;
	int64_t server_login_retry_us;
	int64_t server_connect_timeout_us;
	char *connect_query;        /* owned, may be NULL */
	char *client_encoding;      /* startup parameters for the server, owned, may be NULL */
	char *datestyle;
	char *timezone;
	char *application_name;
};

/* Where the pool's servers are: known at once for literals and unix
 * sockets, looked up asynchronously for host names. */
enum pool_addr_state {
	POOL_ADDR_UNKNOWN,
	POOL_ADDR_RESOLVING,
	POOL_ADDR_READY,
};

/* Counters since the pool was made, as SHOW STATS reports them (times in
 * microseconds, bytes as seen on client sockets). */
struct pool_stats {
	uint64_t server_assignment_count; /* a server linked to a client */
	uint64_t xact_count;              /* transactions ended (ReadyForQuery 'I') */
	uint64_t query_count;             /* queries ended (ReadyForQuery) */
	uint64_t bytes_received;          /* from clients */
	uint64_t bytes_sent;              /* to clients */
	uint64_t xact_time_us;            /* first query to end of transaction */
	uint64_t query_time_us;           /* query sent to ReadyForQuery */
	uint64_t wait_time_us;            /* clients queued for a server */
	struct ps_counters ps;            /* Parse and Bind messages (prepared.h) */
	uint64_t client_connect_count;    /* clients logged in to the pool */
};

struct pool {
	struct list_node node;          /* in corral->pools */
	struct corral *corral;
	char *db_name;                  /* as clients name it (owned) */
	char *user_name;                /* the client's user (owned) */
	struct pool_config cfg;
	enum pool_addr_state addr_state;
	struct resolve_result addr;
	struct resolve_request *resolving; /* RESOLVING only */
	struct event *reserve_timer;    /* owned: when the oldest waiter may use the reserve */
	struct event *client_timer;     /* owned: client_idle_timeout and query_wait_timeout
					 * (pool_client_deadline) */
	uint64_t client_timer_due;      /* monotonic, when client_timer fires; 0: not armed */
	bool opening;                   /* pool_open_servers is on the stack */

	struct list_node idle_servers;  /* SERVER_ST_IDLE, most recently used first */
	struct list_node active_servers;/* SERVER_ST_ACTIVE and SERVER_ST_RESET */
	struct list_node opening_servers;/* SERVER_ST_CONNECTING and SERVER_ST_LOGIN */
	int server_count;               /* all of the above */
	int opening_count;

	struct list_node welcome_clients;/* CLIENT_ST_WELCOME: logged in, waiting for server params */
	struct list_node idle_clients;  /* CLIENT_ST_IDLE, longest idle first */
	struct list_node waiting_clients;/* CLIENT_ST_WAITING, oldest first */
	struct list_node active_clients;/* CLIENT_ST_ACTIVE */
	int client_count;
	int waiting_count;
	struct list_node lookups;       /* auth_query lookups waiting for a server, oldest
					 * first (auth_query.c owns them) */
	int lookup_count;

	bool have_scram_keys;           /* SCRAM keys from a server login or from a client's
					 * exchange (auth_query_adopt): no PBKDF2 next time */
	struct pg_scram_verifier scram_verifier;
	uint8_t scram_client_key[PG_SCRAM_KEY_LEN];
	char *auth_query_password;      /* md5 secret auth_query found for the user (owned):
					 * server logins use it when cfg.password is NULL */
	bool have_welcome;              /* welcome holds a server's ParameterStatus set */
	struct session_params welcome;
	struct pool_stats stats;
	struct pool_stats stats_mark;   /* stats at the last stats_period tick (admin_stats) */
	struct pool_stats stats_period; /* what the last whole stats_period added */
	bool console;                   /* the admin console's pseudo-pool: never opens servers */
	bool autodb;                    /* made from the `*` fallback entry: freed once unused
					 * for autodb_idle_timeout */
	struct event *autodb_timer;     /* owned, made with the first autodb configuration */
	uint64_t unused_since_us;       /* monotonic, when the timer first saw it unused; 0: in use */
	uint64_t logins_seen;           /* stats.client_connect_count at the timer's last look */
	bool paused;                    /* PAUSE or KILL: hands out no server, closes released ones */
	char last_error_sqlstate[6];    /* last failed server login, "" when none */
	char last_error[256];
	uint64_t last_error_at_us;      /* monotonic, when it failed */
};

/* The pool for (db_name, user_name), made on first use from the config
 * (paused if its database is). Returns NULL and fills sqlstate/why when
 * the database is unknown (3D000) or disabled by DISABLE (55000). */
struct pool *pool_get(struct corral *corral, const char *db_name, const char *user_name,
		      const char **sqlstate, char *why, size_t why_size);
/* The admin console's pseudo-pool for db_name ("corral", "pgbouncer"): its
 * clients are console sessions (admin.c); it never opens a server. */
struct pool *pool_new_console(struct corral *corral, const char *db_name);
/* Take the settings from the running snapshot again (reload, SET): sizes,
 * limits, timeouts and the mode apply from now on. When the server target
 * changed (host, port, dbname, user, password, startup parameters,
 * connect_query) the servers close as they are released. A pool whose
 * database left the config keeps its settings for the clients it has. */
void pool_reconfigure(struct pool *p);
/* Mark every server of p to close instead of serving again (RECONNECT, a
 * changed target); idle ones close now, with reason. */
void pool_close_needed(struct pool *p, const char *reason);
void pool_free(struct pool *p);

/* Give client c a server: link an idle one and return it, or queue c
 * (CLIENT_ST_WAITING) and start opening servers, returning NULL. */
struct server *pool_acquire(struct pool *p, struct client *c);
/* An idle server for corral's own use (an auth_query lookup), still IDLE
 * for the caller to take; NULL when none is free now (the pool is paused,
 * or all are busy: then queue in p->lookups and pool_open_servers). */
struct server *pool_take_idle(struct pool *p);
/* A server is clean and free again: hand it to the oldest waiting client or
 * make it idle. */
void pool_release(struct pool *p, struct server *s);
/* A client of p entered IDLE or WAITING at since_us (monotonic), with a
 * timeout of timeout_us (<= 0: none): p's one client timer fires by then.
 * Clients join the tail of those lists as they enter them, so each list is
 * in deadline order and the timer only ever looks at the heads: no timer
 * call per client, none per transaction. */
void pool_client_deadline(struct pool *p, uint64_t since_us, int64_t timeout_us);
/* A server finished logging in: remember its parameters, welcome clients
 * waiting for them, and put it to work. */
void pool_server_ready(struct pool *p, struct server *s);
/* Server `failed` (still counted as opening, or NULL) could not connect or
 * log in: remember the error, so no new server is tried and new clients
 * fail fast for server_login_retry, and fail the clients waiting for a
 * server when no other one is still opening. Call before closing it. */
void pool_server_failed(struct pool *p, const struct server *failed, const char *sqlstate,
			const char *message);
/* A server closed: open another if clients still wait. */
void pool_server_gone(struct pool *p);
/* Open servers while clients wait and the limits allow. */
void pool_open_servers(struct pool *p);
/* Whether a recent server login failure should refuse new work now. */
bool pool_failing(const struct pool *p);

#endif
