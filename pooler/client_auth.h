/* client_auth: authenticates one application client against corral's
 * configuration (auth_type, auth_file, [users]) the way PgBouncer does,
 * without touching a socket. The caller (client.c) has read the
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

#include "config/cfg.h"
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
	CLIENT_AUTH_MOCK_NO_USER,       /* not in auth_file */
	CLIENT_AUTH_MOCK_EMPTY_SECRET,  /* "" in auth_file */
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
	bool auth_query_configured;            /* auth_user set: say so when a user is missing */
	bool scram_from_file;                  /* the verifier is the auth_file's */
	char *user;                            /* owned copy */
	char *secret;                          /* owned copy, CLEARTEXT and MD5 only */
	enum cfg_secret_kind secret_kind;
	uint8_t md5_salt[PG_MD5_SALT_LEN];
	char scram_nonce[PG_SCRAM_NONCE_LEN + 1]; /* server's half, drawn in begin */
	struct pg_scram_server scram;          /* METHOD_SCRAM only */
};

/* Starts authenticating user (non-empty, as sent in the StartupMessage)
 * under cfg->settings.auth_type, reading cfg->auth and cfg->users now and
 * never again. cache supplies randomness (md5 salts, SCRAM nonces) and
 * derived SCRAM keys; it must outlive the login. *a needs no
 * initialisation; call client_auth_fini after any result.
 *  any:   OK at once, whoever the user is.
 *  trust: OK when the user is in auth_file or [users]; else FAIL 28000
 *         "\"trust\" authentication failed".
 *  plain: CONTINUE with AuthenticationCleartextPassword.
 *  md5:   CONTINUE with AuthenticationMD5Password (random salt), or with
 *         AuthenticationSASL when the user's secret is a SCRAM verifier.
 *  scram-sha-256: CONTINUE with AuthenticationSASL (SCRAM-SHA-256). A
 *         plaintext secret costs one PBKDF2 the first time (then cached).
 *  cert, hba, ldap, pam: FAIL 28000, not supported yet.
 * FAIL XX000 when randomness or OpenSSL fails. */
enum client_auth_result client_auth_begin(struct client_auth *a, const struct cfg *cfg,
					  struct scram_cache *cache, const char *user,
					  struct pg_buf *out, struct client_auth_error *err)
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
 * Only a verifier from the auth_file (a->scram_from_file) can match
 * PostgreSQL's; one derived from a plaintext secret has corral's salt. */
bool client_auth_scram_keys(const struct client_auth *a, struct pg_scram_verifier *v,
			    uint8_t client_key[PG_SCRAM_KEY_LEN]);

/* Wipes the secret, salts and SCRAM state and frees what *a owns; *a is
 * left zeroed, so a second call is harmless. */
void client_auth_fini(struct client_auth *a);

#endif
