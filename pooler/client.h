/* client: one application connection to corral, and its state machine:
 * startup (SSLRequest answered, TLS handshake when client TLS is on,
 * StartupMessage read, CancelRequest routed),
 * authentication (client_auth), the welcome (server parameters, our own
 * BackendKeyData, ReadyForQuery), then idle / waiting for a server / linked
 * to one, until it leaves. Its state is its list membership;
 * client_set_state is the one place that changes it. */
#ifndef CORRAL_POOLER_CLIENT_H
#define CORRAL_POOLER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/cfg_hba.h"
#include "pooler/list.h"
#include "pooler/ps_client.h"
#include "pooler/session_params.h"
#include "pooler/stream.h"

struct auth_query;
struct client_auth;
struct corral;
struct event;
struct pool;
struct server;

#define CLIENT_STATES(X) \
	X(CLIENT_ST_LOGIN, "login")       /* reading SSLRequest / StartupMessage */ \
	X(CLIENT_ST_TLS_HANDSHAKE, "tls_handshake") /* answered 'S' to SSLRequest; handshake running */ \
	X(CLIENT_ST_AUTH, "auth")         /* password or SASL exchange */ \
	X(CLIENT_ST_WELCOME, "welcome")   /* authenticated; waiting for the pool's server params */ \
	X(CLIENT_ST_IDLE, "idle")         /* logged in, no server */ \
	X(CLIENT_ST_WAITING, "waiting")   /* queued for a server */ \
	X(CLIENT_ST_ACTIVE, "active")     /* linked to a server */ \
	X(CLIENT_ST_CLOSED, "closed")     /* gone; freed at the end of the loop turn */

#define CLIENT_STATE_ENUM(name, text) name,
enum client_state { CLIENT_STATES(CLIENT_STATE_ENUM) };
#undef CLIENT_STATE_ENUM

/* Kept small, without holes: 10,000 idle clients are 10,000 of these. */
struct client {
	struct list_node node;        /* in a pool list by state, or corral's lists */
	enum client_state state;
	uint16_t port;                /* its TCP port (client_addr) */
	bool is_unix;                 /* came through the unix socket (never TLS) */
	bool ps_wait;                 /* paused until its server's replies settle */
	uint64_t id;
	struct corral *corral;
	struct pool *pool;            /* from the StartupMessage on */
	struct server *server;        /* ACTIVE only */
	struct stream stream;
	struct event *timer;          /* own deadline: login, ACTIVE timeouts (owned); NULL
				       * until one runs, freed at login's end (IDLE and
				       * WAITING clients are timed by their pool) */
	struct client_auth *auth;     /* AUTH only (owned) */
	struct auth_query *lookup;    /* AUTH: auth_query running for it (cancelled on close) */
	struct session_params params; /* the client's view of its session */
	char *user;                   /* owned */
	char *database;               /* owned */
	struct cfg_hba_addr peer;     /* its address for auth_hba_file rules (AF_UNIX: socket) */
	uint32_t cancel_pid, cancel_key;
	bool timer_armed;             /* timer is pending */
	struct ps_client ps;          /* its named prepared statements */
	uint64_t wait_since_us;       /* monotonic: when it became IDLE or WAITING */
	uint64_t connect_us;          /* wall clock: accepted (SHOW CLIENTS) */
	uint64_t request_us;          /* wall clock: last wanted a server (SHOW CLIENTS) */
};

const char *client_state_name(enum client_state st);

/* Size of a buffer that holds any client_addr. */
#define CLIENT_ADDR_SIZE 64
/* c's address for logs: "127.0.0.1:51234", "[::1]:51234" or "unix";
 * written to buf (CLIENT_ADDR_SIZE bytes), which it returns. */
const char *client_addr(const struct client *c, char *buf);

/* Take an accepted socket (non-blocking). The client starts in LOGIN. */
void client_accept(struct corral *corral, int fd, const struct sockaddr *addr, bool is_unix);

/* The pool has linked c to a server (c was WAITING): go on with its query. */
void client_server_ready(struct client *c);
/* The server linked to c is free again; c becomes IDLE (and handles any
 * query it already sent). */
void client_server_released(struct client *c);
/* Send the welcome (c is WELCOME, its pool now knows server parameters). */
void client_welcome(struct client *c);

/* Send c a FATAL ErrorResponse with sqlstate and message, log it, close. */
void client_fatal(struct client *c, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Close c quietly (it left, or was told why already). */
void client_close(struct client *c, const char *reason);

void client_set_state(struct client *c, enum client_state next);
/* Arm the deadline c's state has (client_idle_timeout, query_wait_timeout,
 * query_timeout, idle_transaction_timeout): its own timer, or its pool's
 * for IDLE and WAITING (pool_client_deadline); or stop it. */
void client_rearm_timer(struct client *c);
void client_free(struct client *c);

#endif
