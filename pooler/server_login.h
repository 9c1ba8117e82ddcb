/* server_login: corral logging in to PostgreSQL on a new server
 * connection, as a state machine fed one server message at a time. It
 * writes the StartupMessage, answers the authentication request
 * (trust, cleartext, md5, SCRAM-SHA-256 with a password or with ready
 * keys), then collects ParameterStatus and BackendKeyData until
 * ReadyForQuery. It never sees a socket: the caller frames what the server
 * sends (pg_frame_read), feeds each message to server_login_step, and sends
 * whatever the step appended. TLS (SSLRequest) happens before it, the
 * pool's bookkeeping after it. */
#ifndef CORRAL_POOLER_SERVER_LOGIN_H
#define CORRAL_POOLER_SERVER_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg_database.h"
#include "pooler/session_params.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_scram.h"
#include "protocol/pg_startup.h"

/* Parameters server_login_db_params can produce. */
#define SERVER_LOGIN_DB_PARAMS 4

/* What to log in with. Read by server_login_start only: it copies what it
 * keeps, so the caller (and a config snapshot a reload frees) need not
 * outlive the login. */
struct server_login_config {
	const char *user;       /* server user */
	const char *database;   /* server database name */
	/* The secret for user: plaintext, an md5 secret or a SCRAM verifier;
	 * NULL or "" when none (trust servers only). */
	const char *password;
	/* Ready SCRAM keys (both or neither): a verifier and its ClientKey,
	 * from a client's SCRAM exchange or from server_login_scram_keys of an
	 * earlier login. Used for SCRAM in preference to the password, so no
	 * PBKDF2 runs. Keys of an older verifier (the server's salt or
	 * iteration count differs: the password was changed) are dropped for a
	 * plaintext password when there is one; else the login fails. */
	const struct pg_scram_verifier *scram_verifier;
	const uint8_t *scram_client_key;
	/* Sent after user and database (names non-empty); e.g. from
	 * server_login_db_params. */
	const struct pg_startup_param *params;
	size_t param_count;
	/* Which ParameterStatus values are tracked (see session_params_record);
	 * must outlive the login. */
	const struct session_param_set *tracked;
};

enum server_login_result {
	SERVER_LOGIN_CONTINUE,  /* out may hold bytes to send; feed the next message */
	SERVER_LOGIN_DONE,      /* ReadyForQuery seen: parameters and backend key collected */
	SERVER_LOGIN_FAIL,      /* err filled; close the connection */
};

/* Where a failure came from. */
enum server_login_error_kind {
	SERVER_LOGIN_ERR_SERVER,   /* the server's ErrorResponse: its SQLSTATE and message
				    * (28P01 wrong password, 3D000 no such database, 53300
				    * too many connections, 57P03 starting up, ...) */
	SERVER_LOGIN_ERR_AUTH,     /* corral cannot answer the server's authentication
				    * request: method not supported, no usable secret,
				    * SCRAM exchange failed (28000; 08P01 for a server that
				    * fails to prove itself) */
	SERVER_LOGIN_ERR_PROTOCOL, /* malformed or unexpected message, or a protocol
				    * version negotiation (08P01) */
};

struct server_login_error {
	enum server_login_error_kind kind;
	char sqlstate[6];
	char message[256];   /* for the log and for clients ("server login failed: ...") */
};

enum server_login_phase {
	SERVER_LOGIN_AUTH,        /* StartupMessage sent: expects a request or AuthenticationOk */
	SERVER_LOGIN_PASSWORD,    /* password sent: expects AuthenticationOk */
	SERVER_LOGIN_SASL_FIRST,  /* client-first sent: expects SASLContinue */
	SERVER_LOGIN_SASL_FINAL,  /* client-final sent: expects SASLFinal */
	SERVER_LOGIN_SASL_DONE,   /* server verified: expects AuthenticationOk */
	SERVER_LOGIN_PARAMS,      /* authenticated: ParameterStatus, BackendKeyData, then
				   * ReadyForQuery */
	SERVER_LOGIN_FINISHED,    /* DONE or FAIL returned */
};

/* One login. Embedded or allocated by its server; server_login_start,
 * then server_login_fini. Fields are private to server_login.c. */
struct server_login {
	enum server_login_phase phase;
	char *user;                        /* owned */
	char *password;                    /* owned, NULL when none; wiped by fini */
	bool have_keys;
	struct pg_scram_verifier verifier; /* have_keys: copy; wiped by fini */
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	bool scram_used;                   /* scram is initialized */
	struct pg_scram_client scram;
	char nonce[PG_SCRAM_NONCE_LEN + 1]; /* ours, kept to replay client-first */
	struct pg_buf scratch;             /* SASL payloads before framing (owned) */
	const struct session_param_set *tracked;
	uint32_t backend_pid, backend_key;
};

/* Starts a login with c (copied: user, password, SCRAM keys) and appends
 * the StartupMessage (protocol 3.0: user, database, c->params) to out. */
void server_login_start(struct server_login *l, const struct server_login_config *c,
			struct pg_buf *out);

/* Handles one complete message msg from the server (pg_frame_read).
 * CONTINUE: an answer may have been appended to out (PasswordMessage,
 * SASLInitialResponse, SASLResponse); send it and feed the next message.
 * DONE (at ReadyForQuery): *server_params holds every ParameterStatus
 * (session_params_record, so untracked ones too) and *backend_pid,
 * *backend_key the BackendKeyData (0, 0 if the server sent none: it cannot
 * be cancelled). FAIL: *err filled, nothing appended; close the
 * connection. server_params collects from the start, so the caller
 * initializes it before the first step. NoticeResponse is skipped: the
 * caller sees every message before feeding it and may log it. After DONE
 * or FAIL every call fails (SERVER_LOGIN_ERR_PROTOCOL). */
enum server_login_result server_login_step(struct server_login *l, const struct pg_frame *msg,
					   struct pg_buf *out, struct session_params *server_params,
					   uint32_t *backend_pid, uint32_t *backend_key,
					   struct server_login_error *err)
	__attribute__((warn_unused_result));

/* After a DONE login that ran SCRAM: copies the verifier and ClientKey it
 * used into *v and client_key (to pass as scram_verifier and
 * scram_client_key next time: no PBKDF2) and returns true; they differ
 * from the configured keys when those were stale. false: no SCRAM
 * exchange completed. */
bool server_login_scram_keys(const struct server_login *l, struct pg_scram_verifier *v,
			     uint8_t client_key[PG_SCRAM_KEY_LEN]);

/* Releases the login and wipes its secrets. */
void server_login_fini(struct server_login *l);

/* The StartupMessage parameters a [databases] entry asks of the server:
 * client_encoding, DateStyle, TimeZone, application_name, those it sets, in
 * that order, as views into *db. Returns how many were written to out. */
size_t server_login_db_params(const struct cfg_database *db,
			      struct pg_startup_param out[SERVER_LOGIN_DB_PARAMS]);

#endif
