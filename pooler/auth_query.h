/* auth_query: looking up a login's secret in PostgreSQL (auth_user +
 * auth_query) for users missing from auth_file, without blocking the
 * loop. A lookup takes a server of the auth_user's pool (on the client's
 * database or auth_dbname) like a client would: an idle one at once, or it
 * queues in the pool (which opens servers for it) until one is released.
 * On that server it runs auth_query as Parse/Bind/Describe/Execute/Sync
 * with the user name as a text parameter (never spliced into the SQL),
 * reads one row of (name, password), and gives the server back to the
 * pool. The logging-in client waits meanwhile; other clients and pools go
 * on. The secret (plaintext, md5 or a SCRAM verifier) is handed to
 * client_auth; after the login, auth_query_adopt lets the client's pool log
 * in to PostgreSQL as that user with the md5 secret or the SCRAM keys from
 * the client's exchange, so corral never needs the plaintext. Nothing is
 * cached: every login missing from auth_file runs the query, as in
 * PgBouncer. The reply parsing (auth_query_reply_*) does no I/O. */
#ifndef CORRAL_POOLER_AUTH_QUERY_H
#define CORRAL_POOLER_AUTH_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "pooler/stream.h"
#include "protocol/pg_frame.h"

struct cfg;
struct client_auth;
struct corral;
struct pool;
struct server;

/* Where the lookups for clients of one database go: views into the cfg
 * snapshot, valid while it is. */
struct auth_query_target {
	const char *user;     /* auth_user: the database entry's, else the global one */
	const char *dbname;   /* auth_dbname (entry's, else global), else the client's database */
	const char *query;    /* auth_query: the entry's, else the global one */
};

/* Whether users of database (the client's name for it; its entry or the
 * "*" fallback) missing from auth_file are looked up: true with *t filled
 * when an auth_user applies, false when none does or the database is
 * unknown. */
bool auth_query_target(const struct cfg *cfg, const char *database, struct auth_query_target *t);

enum auth_query_status {
	AUTH_QUERY_FOUND,      /* one row: secret is its password (NULL for SQL NULL) */
	AUTH_QUERY_NOT_FOUND,  /* no row */
	AUTH_QUERY_FAILED,     /* error says why (for the log, not for the client) */
};

/* How a lookup ends. secret and error are valid during the call only. */
typedef void auth_query_done_fn(void *arg, enum auth_query_status status, const char *secret,
				const char *error);

struct auth_query;

/* Looks user up for a client: with t (copied), on a server of the pool
 * (t->dbname, t->user). Returns the lookup, whose done(arg, ...) will be
 * called exactly once from a later event (never from within this call)
 * unless auth_query_cancel comes first; the lookup frees itself after
 * calling done. NULL with why filled when it cannot start: the auth
 * database is not configured, or its pool cannot log in right now
 * (server_login_retry). */
struct auth_query *auth_query_start(struct corral *corral, const struct auth_query_target *t,
				    const char *user, auth_query_done_fn *done, void *arg,
				    char *why, size_t why_size);

/* The client no longer waits: done will not be called. A lookup waiting
 * for a server leaves the queue and is freed; one running finishes its
 * query, gives the server back and frees itself. */
void auth_query_cancel(struct auth_query *q);

/* ---- for the pool and the server ---- */

/* Server s of p is free and a lookup waits in p->lookups: the oldest one
 * takes s (ACTIVE, linked to no client) and sends its query; s goes back
 * to the pool (pool_release) once the answer is read. */
void auth_query_take_server(struct pool *p, struct server *s);
/* A message from s while it runs a lookup (s->lookup set): the server's
 * message handler hands every message here. */
enum stream_verdict auth_query_on_message(struct server *s, const struct pg_frame *msg);
/* s is being closed while it runs a lookup: the lookup fails. */
void auth_query_server_lost(struct server *s, const char *reason);
/* p's servers cannot log in (error is why): every lookup queued in p fails. */
void auth_query_fail_waiting(struct pool *p, const char *error);

/* After client a logged in to pool p (before client_auth_fini): let p's
 * server logins use what the login proved: the SCRAM verifier and
 * ClientKey of an exchange against PostgreSQL's own verifier, or the md5
 * secret auth_query found. Only when p logs in as a's user (no forced
 * user). */
void auth_query_adopt(struct pool *p, const struct client_auth *a);

/* ---- the reply, I/O-free ---- */

enum auth_query_reply_state {
	AUTH_QUERY_REPLY_READING,  /* waiting for more messages */
	AUTH_QUERY_REPLY_DONE,     /* ReadyForQuery 'I' read: status and secret final */
	AUTH_QUERY_REPLY_BROKEN,   /* the server broke the protocol: close it */
};

/* What the server has answered so far. */
struct auth_query_reply {
	enum auth_query_reply_state state;
	enum auth_query_status status;  /* NOT_FOUND until a row, FAILED on an error */
	int rows;
	char *secret;                   /* owned; the row's password, NULL for SQL NULL */
	char error[256];                /* FAILED or BROKEN: why */
};

void auth_query_reply_init(struct auth_query_reply *r);
/* Frees and wipes the secret. */
void auth_query_reply_fini(struct auth_query_reply *r);
/* Feeds one whole message (msg->body set) of the server's answer to
 * Parse/Bind/Describe/Execute/Sync. Expected: ParseComplete, BindComplete,
 * RowDescription with 2 columns, DataRows of 2 columns (a NULL name is an
 * error; more than one row is an error), CommandComplete, ReadyForQuery;
 * ErrorResponse makes the status FAILED (its message in error) and the
 * answer ends at ReadyForQuery; NoticeResponse and ParameterStatus are
 * skipped. Returns the new state: READING, DONE at ReadyForQuery (status
 * FOUND, NOT_FOUND or FAILED), BROKEN for a malformed or unexpected
 * message (error says which). */
enum auth_query_reply_state auth_query_reply_feed(struct auth_query_reply *r,
						  const struct pg_frame *msg);

#endif
