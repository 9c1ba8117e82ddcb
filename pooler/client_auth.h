/* client_auth: authenticates one application client against corral's
 * configuration (auth_type, auth_hba_file, auth_file, [users], and secrets
 * auth_query found) the way PgBouncer does, without touching a socket. The caller (client.c) has read the
 * StartupMessage; it calls client_auth_begin, sends whatever was appended
 * to its output buffer, feeds each complete message the client sends next
 * to client_auth_step, and acts on the result. Passwords are checked in
 * constant time; a user who cannot log in (unknown, empty or unusable
 * secret) still gets the whole challenge exchange and then the same error
 * as a wrong password, so the messages do not tell which users exist (the
 * time may: a user's first SCRAM login with a plaintext secret, and every
 * plain login against a SCRAM secret, run PBKDF2). The ErrorResponse
 * itself, logging and timeouts are the caller's. */
#ifndef CORRAL_POOLER_CLIENT_AUTH_H
#define CORRAL_POOLER_CLIENT_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/cfg.h"
#include "config/cfg_hba.h"
#include "pooler/scram_cache.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_md5.h"
#include "protocol/pg_scram.h"

enum client_auth_result {
	CLIENT_AUTH_CONTINUE,  /* out holds an authentication request: send it and
				* feed the client's next message to client_auth_step */
	CLIENT_AUTH_OK,        /* authenticated: out ends with AuthenticationOk
				* (after AuthenticationSASLFinal for SCRAM); the
				* caller appends ParameterStatus, BackendKeyData and
				* ReadyForQuery and sends */
	CLIENT_AUTH_FAIL,      /* *err filled and nothing appended by this call: the
				* caller sends ErrorResponse FATAL and closes */
	CLIENT_AUTH_LOOKUP,    /* the user is not in auth_file and auth_query may
				* know them: nothing appended; run the lookup and
				* hand its answer to client_auth_lookup_done */
};

/* Size of each text in struct client_auth_error. */
#define CLIENT_AUTH_TEXT_SIZE 256

/* Why a login failed. message and detail go to the client (a user name it
 * sent may appear, never a secret); log is for the operator (it may name
 * the real reason the client is not told, e.g. an unknown user). */
struct client_auth_error {
	const char *sqlstate;                 /* static: 28P01, 28000, 08P01, 0A000, XX000 */
	char message[CLIENT_AUTH_TEXT_SIZE];
	char detail[CLIENT_AUTH_TEXT_SIZE];   /* "" when there is none */
	char log[CLIENT_AUTH_TEXT_SIZE];
};

enum client_auth_phase {
	CLIENT_AUTH_PH_NONE,                /* not begun, or finished */
	CLIENT_AUTH_PH_WAIT_LOOKUP,         /* returned CLIENT_AUTH_LOOKUP */
	CLIENT_AUTH_PH_WAIT_PASSWORD,       /* sent AuthenticationCleartextPassword
					     * or AuthenticationMD5Password */
	CLIENT_AUTH_PH_WAIT_SASL_INITIAL,   /* sent AuthenticationSASL */
	CLIENT_AUTH_PH_WAIT_SASL_RESPONSE,  /* sent AuthenticationSASLContinue */
	CLIENT_AUTH_PH_DONE,                /* CLIENT_AUTH_OK returned */
	CLIENT_AUTH_PH_FAILED,              /* CLIENT_AUTH_FAIL returned */
};

/* What the client is asked for. */
enum client_auth_method {
	CLIENT_AUTH_METHOD_NONE,       /* any, trust: nothing */
	CLIENT_AUTH_METHOD_CLEARTEXT,  /* plain */
	CLIENT_AUTH_METHOD_MD5,        /* md5 with an md5 or plaintext secret */
	CLIENT_AUTH_METHOD_SCRAM,      /* scram-sha-256, or md5 with a SCRAM secret */
};

/* Why a login is bound to fail whatever the client sends (the exchange
 * still runs, see above). */
enum client_auth_mock {
	CLIENT_AUTH_MOCK_NONE,          /* a real exchange */
	CLIENT_AUTH_MOCK_NO_USER,       /* not in auth_file (nor found by auth_query) */
	CLIENT_AUTH_MOCK_EMPTY_SECRET,  /* "" in auth_file, or no password from auth_query */
	CLIENT_AUTH_MOCK_MD5_SECRET,    /* SCRAM asked of an md5 secret */
	CLIENT_AUTH_MOCK_BAD_VERIFIER,  /* a SCRAM secret protocol/ cannot parse */
};

/* One client's login. Embedded in the client; fields are read-only outside
 * client_auth.c. Owns user, secret and the SCRAM exchange; holds nothing
 * from the cfg snapshot, so a reload during a login is harmless. */
struct client_auth {
	enum client_auth_phase phase;
	enum client_auth_method method;
	enum client_auth_mock mock;
	const char *mock_reason;               /* static detail for the log, or NULL */
	enum cfg_auth_type type;               /* what to ask for: auth_type, or the hba
						* rule's method as the auth_type it means */
	uint32_t scram_iterations;             /* for verifiers derived from plaintext */
	bool can_lookup;                       /* users missing from auth_file go to auth_query */
	bool looked_up;                        /* the secret (or its absence) is auth_query's */
	bool scram_from_file;                  /* the verifier is PostgreSQL's own (auth_file
						* or auth_query), not derived by corral */
	char *user;                            /* owned copy */
	char *secret;                          /* owned copy, CLEARTEXT and MD5 only */
	enum cfg_secret_kind secret_kind;
	uint8_t md5_salt[PG_MD5_SALT_LEN];
	char scram_nonce[PG_SCRAM_NONCE_LEN + 1]; /* server's half, drawn in begin */
	struct pg_scram_server scram;          /* METHOD_SCRAM only */
};

/* What a login needs to know about its connection. Read by
 * client_auth_begin only. */
struct client_auth_conn {
	const char *database;      /* as the client asked for it */
	struct cfg_hba_addr addr;  /* AF_UNIX for a unix socket */
	bool is_ssl;               /* the connection is TLS (hostssl rules) */
	bool have_peer_uid;        /* unix socket: the peer's uid is known */
	uid_t peer_uid;
	bool can_lookup;           /* auth_user is set for the database: a user missing
				    * from auth_file is looked up with auth_query */
	bool has_cert_cn;          /* TLS with a client certificate that verified: */
	char cert_cn[CLIENT_AUTH_TEXT_SIZE];   /* its Common Name */
	char cert_why[CLIENT_AUTH_TEXT_SIZE];  /* else on TLS, why there is none
						* (tls_peer_common_name's reason) */
};

/* Starts authenticating user (non-empty, as sent in the StartupMessage)
 * on connection *conn under cfg->settings.auth_type, reading cfg->auth,
 * cfg->users and cfg->hba now and never again. cache supplies randomness
 * (md5 salts, SCRAM nonces) and derived SCRAM keys; it must outlive the
 * login. *a needs no initialisation; call client_auth_fini after any
 * result.
 *  any:   OK at once, whoever the user is.
 *  trust: OK when the user is in auth_file or [users]; else LOOKUP when
 *         conn->can_lookup; else FAIL 28000 "\"trust\" authentication
 *         failed".
 *  plain: CONTINUE with AuthenticationCleartextPassword.
 *  md5:   CONTINUE with AuthenticationMD5Password (random salt), or with
 *         AuthenticationSASL when the user's secret is a SCRAM verifier.
 *  scram-sha-256: CONTINUE with AuthenticationSASL (SCRAM-SHA-256). A
 *         plaintext secret costs one PBKDF2 the first time (then cached).
 *  plain, md5, scram-sha-256: LOOKUP instead when the user is not in
 *         auth_file and conn->can_lookup.
 *  cert:  FAIL 28000 "certificate authentication failed for user ...",
 *         the detail saying why, unless the connection is TLS and its
 *         verified client certificate's Common Name is the user; then as
 *         trust (the user must be known; the failure has the same text).
 *  hba:   the first cfg->hba rule matching the connection decides: trust,
 *         password (as plain), md5, scram-sha-256, cert as above; reject,
 *         or no matching rule, FAIL 28000 "pg_hba.conf rejects connection
 *         for host ..." / "no pg_hba.conf entry for host ..."; peer: FAIL
 *         28000 "Peer authentication failed for user ..." unless the unix
 *         socket peer's OS user name is the user, then as trust.
 *  ldap, pam: FAIL 28000, not supported yet.
 * FAIL XX000 when randomness or OpenSSL fails. */
enum client_auth_result client_auth_begin(struct client_auth *a, const struct cfg *cfg,
					  struct scram_cache *cache,
					  const struct client_auth_conn *conn, const char *user,
					  struct pg_buf *out, struct client_auth_error *err)
	__attribute__((warn_unused_result));

/* Whether some client of cfg may log in by certificate (auth_type cert,
 * or auth_type hba with a cert rule): the client TLS context must then
 * ask for certificates (tls_contexts_load). */
bool client_auth_uses_cert(const struct cfg *cfg);

/* After CLIENT_AUTH_LOOKUP: what auth_query answered. found false: it
 * returned no row, and the login goes on as for a user missing from
 * auth_file (the whole exchange, then the wrong-password error). With
 * found, secret is the row's password: NULL or "" when the role has none
 * (bound to fail like an empty auth_file secret), else plaintext, an md5
 * secret or a SCRAM verifier (copied). Results as client_auth_begin's for
 * the method it chose (trust, and cert whose certificate passed: OK when
 * found). */
enum client_auth_result client_auth_lookup_done(struct client_auth *a, struct scram_cache *cache,
						bool found, const char *secret, struct pg_buf *out,
						struct client_auth_error *err)
	__attribute__((warn_unused_result));

/* Handles msg, one complete message from the client (its body stays valid
 * for the call only), after CLIENT_AUTH_CONTINUE.
 *  CONTINUE: SCRAM's server-first-message was appended (SASLContinue).
 *  OK: the password or proof is right (see enum client_auth_result).
 *  FAIL 28P01 "password authentication failed for user \"X\"": wrong
 *    password or a user bound to fail; also "empty password returned by
 *    client".
 *  FAIL 08P01: anything but a 'p' message, a malformed PasswordMessage,
 *    SASLInitialResponse or SCRAM message, a mechanism other than
 *    SCRAM-SHA-256, a nonce or channel-binding mismatch, or a message
 *    after the login ended.
 *  FAIL 0A000: SCRAM features not supported (channel binding, an
 *    authorization identity). FAIL XX000: OpenSSL failed. */
enum client_auth_result client_auth_step(struct client_auth *a, const struct pg_frame *msg,
					 struct pg_buf *out, struct client_auth_error *err)
	__attribute__((warn_unused_result));

/* After a SCRAM login succeeded: the verifier the exchange ran against and
 * the ClientKey the client proved, which pg_scram_client_init_keys takes to
 * log in to PostgreSQL as this client; true. False for any other login.
 * Only a verifier from the auth_file or auth_query (a->scram_from_file)
 * can match PostgreSQL's; one derived from a plaintext secret has corral's
 * salt. */
bool client_auth_scram_keys(const struct client_auth *a, struct pg_scram_verifier *v,
			    uint8_t client_key[PG_SCRAM_KEY_LEN]);

/* After a login succeeded with an md5 secret auth_query found: that secret
 * (valid until client_auth_fini), with which corral can answer
 * PostgreSQL's md5 request for this user. NULL for any other login. */
const char *client_auth_lookup_md5(const struct client_auth *a);

/* Wipes the secret, salts and SCRAM state and frees what *a owns; *a is
 * left zeroed, so a second call is harmless. */
void client_auth_fini(struct client_auth *a);

#endif
