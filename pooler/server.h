/* server: one connection from corral to PostgreSQL, and its state machine.
 * It connects, negotiates TLS when server_tls_sslmode asks (SSLRequest,
 * the one-byte answer, the handshake), logs in (server_login), then serves
 * clients of its pool:
 * idle in the pool, linked to a client while that client's transaction (or
 * session, or statement) runs, reset when needed. It knows when it is free
 * again by counting what is in flight (PROTOCOL.md): +1 per Query, Sync or
 * FunctionCall forwarded, -1 per ReadyForQuery; free at ReadyForQuery 'I'
 * with nothing in flight and no extended-protocol message since the last
 * Sync. Released while a cancel for its query is still in flight, it waits
 * for PostgreSQL to handle that cancel before anyone else gets it
 * (cancel.h). The state is its list membership in the pool;
 * server_set_state is the one place that changes it. */
#ifndef CORRAL_POOLER_SERVER_H
#define CORRAL_POOLER_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "pooler/list.h"
#include "pooler/prepared.h"
#include "pooler/session_params.h"
#include "pooler/stream.h"

struct auth_query;
struct client;
struct event;
struct pool;
struct server_login;

#define SERVER_STATES(X) \
	X(SERVER_ST_CONNECTING, "connecting") /* TCP/unix connect in progress */ \
	X(SERVER_ST_TLS, "tls")               /* SSLRequest sent: its answer, then the handshake */ \
	X(SERVER_ST_LOGIN, "login")           /* startup and authentication */ \
	X(SERVER_ST_IDLE, "idle")             /* in the pool, clean, unlinked */ \
	X(SERVER_ST_TESTING, "testing")       /* running server_check_query before reuse */ \
	X(SERVER_ST_ACTIVE, "active")         /* linked to a client */ \
	X(SERVER_ST_RESET, "reset")           /* running server_reset_query, unlinked */ \
	X(SERVER_ST_BEING_CANCELED, "being_canceled") /* released, unlinked: waits for its cancels */ \
	X(SERVER_ST_CLOSED, "closed")         /* gone; freed at the end of the loop turn */

#define SERVER_STATE_ENUM(name, text) name,
enum server_state { SERVER_STATES(SERVER_STATE_ENUM) };
#undef SERVER_STATE_ENUM

struct server {
	struct list_node node;        /* in a pool list by state, or corral's free list */
	enum server_state state;
	uint64_t id;
	struct pool *pool;
	struct client *client;        /* linked client, ACTIVE only */
	struct stream stream;
	struct event *timer;          /* owned: connect timeout, then idle timeout / lifetime */
	bool idle_timer_armed;        /* timer added for an idle spell and not yet fired */
	struct server_login *login;   /* CONNECTING and LOGIN only (owned) */
	struct session_params params; /* what this backend reports */
	struct session_params_memo params_memo; /* params against the pool's defaults */
	uint32_t backend_pid, backend_key;
	struct prepared_server ps;    /* replies owed, in order; prepared statements here */
	bool extended_open;           /* extended-protocol messages since the last Sync */
	char tx_status;               /* last ReadyForQuery status: 'I', 'T' or 'E' */
	int swallow;                  /* ReadyForQuery of corral's own queries still owed */
	bool dirty;                   /* must not be reused: close when released */
	struct auth_query *lookup;    /* ACTIVE, no client: running an auth_query lookup */
	bool close_needed;            /* target changed on reload, or RECONNECT: close when released */
	int cancels;                  /* cancel requests in flight for its backend (cancel.c) */
	bool reset_wanted;            /* BEING_CANCELED: server_reset_query before the pool */
	uint64_t created_us, last_used_us;
	uint64_t query_start_us;      /* turn time the running query was sent */
	uint64_t xact_start_us;       /* turn time the running transaction began */
};

const char *server_state_name(enum server_state st);

/* Open a new server for p (CONNECTING, in p's opening list). Returns NULL
 * and fills why when the socket cannot even be started. */
struct server *server_open(struct pool *p, char *why, size_t why_size);

/* Link s (IDLE) to client c: bring s's session parameters in line with
 * c's (one injected round trip, its replies swallowed), then forward. */
void server_link(struct server *s, struct client *c);

/* The linked client is leaving. A clean server goes back to the pool (after
 * server_reset_query in session mode); one with work in flight is closed. */
void server_client_left(struct server *s);

/* The last cancel request for s was handled by PostgreSQL: a server kept
 * out of the pool for it (BEING_CANCELED) goes on there now. */
void server_cancels_done(struct server *s);

/* Close s: its client (if any) gets an error and is closed too. */
void server_close(struct server *s, const char *reason);

/* Whether s may go back to the pool now: nothing in flight, ReadyForQuery
 * 'I', no extended-protocol message since the last Sync (PROTOCOL.md). */
bool server_is_clean(const struct server *s);

/* Whether replies to the client's messages are still owed. */
static inline bool server_busy(const struct server *s)
{
	return !ps_queue_empty(&s->ps.queue);
}

/* The reply queue changed (a query started, a Sync was sent, a reply
 * was matched): which of s's messages its stream now forwards to the
 * client unseen (ps_queue_pass_through). Only while no query of corral's
 * own is running on s. */
static inline void server_update_pass(struct server *s)
{
	if (s->swallow == 0)
		s->stream.pass = ps_queue_pass_through(&s->ps.queue);
}

/* Whether s has been idle longer than server_check_delay and must run
 * server_check_query before a client gets it. */
bool server_needs_check(const struct server *s);
/* Send server_check_query (TESTING); the pool gets it back when it answers. */
void server_start_check(struct server *s);

/* Whether s outlived server_lifetime at now_us (corral_now_us) and must
 * not be reused. */
bool server_expired(const struct server *s, uint64_t now_us);

/* Whether s is still opening: connecting, negotiating TLS or logging in. */
bool server_is_opening(const struct server *s);

/* Move s to `next`, checking the transition is allowed. */
void server_set_state(struct server *s, enum server_state next);

/* Free servers that were closed during this loop turn. */
void server_free(struct server *s);

#endif
