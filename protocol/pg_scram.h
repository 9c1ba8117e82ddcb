/* pg_scram: SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, both
 * sides: the stored verifier (parse/format), the PBKDF2 key derivation (the
 * expensive step, separate so callers can cache it), the server state
 * machine that checks an application client and the client state machine
 * that logs in to PostgreSQL. Pure functions over buffers: nonces come in
 * from the caller, messages go out into a caller-owned pg_buf, errors carry
 * a static reason. Channel binding (-PLUS, gs2 flag "p=") is refused for
 * now; the gs2 flag is kept per exchange so it can be added. Framing the
 * messages in SASL* / AuthenticationSASL* is pg_frontend's and pg_backend's
 * job. */
#ifndef CORRAL_PROTOCOL_PG_SCRAM_H
#define CORRAL_PROTOCOL_PG_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"

/* The SASL mechanism name in AuthenticationSASL and SASLInitialResponse. */
#define PG_SCRAM_MECHANISM "SCRAM-SHA-256"
/* SHA-256 output: the size of every key, signature and proof. */
#define PG_SCRAM_KEY_LEN 32
/* Longest salt accepted, in bytes (PostgreSQL makes 16-byte salts). */
#define PG_SCRAM_SALT_MAX 64
/* Largest iteration count accepted from a verifier or a server. PBKDF2 at
 * 10,000,000 rounds costs seconds of CPU, so a larger count is treated as a
 * hostile or broken peer rather than honoured (PostgreSQL's default is 4096). */
#define PG_SCRAM_MAX_ITERATIONS 10000000u
/* Characters in a nonce from pg_scram_random_nonce (18 random bytes in
 * base64, as PostgreSQL makes them), without the NUL. */
#define PG_SCRAM_NONCE_LEN 24
/* Buffer size that holds any formatted verifier and its NUL. */
#define PG_SCRAM_VERIFIER_SIZE 256

enum pg_scram_result {
	PG_SCRAM_OK = 0,
	PG_SCRAM_ERR_FORMAT,            /* malformed message: protocol violation */
	PG_SCRAM_ERR_UNSUPPORTED,       /* well-formed, but asks for channel binding,
					 * an authorization identity or m= */
	PG_SCRAM_ERR_CHANNEL_BINDING,   /* c= does not echo the gs2 header */
	PG_SCRAM_ERR_NONCE,             /* nonce differs from the exchange's */
	PG_SCRAM_ERR_PROOF,             /* server side: wrong password */
	PG_SCRAM_ERR_SERVER_SIGNATURE,  /* client side: server did not prove it
					 * holds the verifier */
	PG_SCRAM_ERR_SERVER_REJECTED,   /* client side: server-final carried e= */
	PG_SCRAM_ERR_PARAMS,            /* client side: salt or iteration count out
					 * of bounds, or not those of the ready keys */
	PG_SCRAM_ERR_STATE,             /* called in the wrong phase, or a bad argument */
	PG_SCRAM_ERR_CRYPTO,            /* OpenSSL failed */
};

/* What a server stores for a user: "SCRAM-SHA-256$<iterations>:<salt>$
 * <StoredKey>:<ServerKey>" in parsed form. Plain data; copy freely. */
struct pg_scram_verifier {
	uint32_t iterations;
	size_t salt_len;
	uint8_t salt[PG_SCRAM_SALT_MAX];
	uint8_t stored_key[PG_SCRAM_KEY_LEN];
	uint8_t server_key[PG_SCRAM_KEY_LEN];
};

/* Everything derived from (password, salt, iterations). */
struct pg_scram_keys {
	uint8_t salted_password[PG_SCRAM_KEY_LEN];
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	uint8_t stored_key[PG_SCRAM_KEY_LEN];
	uint8_t server_key[PG_SCRAM_KEY_LEN];
};

/* Short name of a result ("ok", "wrong password", ...) for logs and tests. */
const char *pg_scram_result_name(enum pg_scram_result res);

/* PBKDF2-HMAC-SHA-256 of password over salt for `iterations` rounds, then
 * ClientKey, StoredKey, ServerKey. Costs `iterations` HMACs: callers on an
 * event loop cache the result per secret. Preconditions: salt_len 1..
 * PG_SCRAM_SALT_MAX, 1 <= iterations <= PG_SCRAM_MAX_ITERATIONS. 0: *out
 * filled. -1: OpenSSL failed or a precondition does not hold; *out
 * undefined.
 *
 * The password is used as raw bytes, without SASLprep. An ASCII password
 * is what SASLprep would produce anyway; a non-ASCII one is not normalised,
 * which matches PostgreSQL when the password is already in SASLprep form or
 * when SASLprep fails on it (PostgreSQL then uses the raw bytes too), and
 * differs otherwise (e.g. a password with non-NFKC characters). */
int pg_scram_keys_derive(const char *password, const uint8_t *salt, size_t salt_len,
			 uint32_t iterations, struct pg_scram_keys *out)
	__attribute__((warn_unused_result));

/* Fills *v from keys derived with (salt, iterations); salt_len must be
 * 1..PG_SCRAM_SALT_MAX. */
void pg_scram_verifier_from_keys(struct pg_scram_verifier *v, const struct pg_scram_keys *k,
				 const uint8_t *salt, size_t salt_len, uint32_t iterations);

/* Parses a verifier string (the whole NUL-terminated text). 0: *out
 * filled. -1: malformed (wrong prefix, iteration count not 1..
 * PG_SCRAM_MAX_ITERATIONS, salt empty or longer than PG_SCRAM_SALT_MAX,
 * keys not base64 of 32 bytes, trailing text); *reason set to static text,
 * *out undefined. */
int pg_scram_verifier_parse(const char *text, struct pg_scram_verifier *out,
			    const char **reason)
	__attribute__((warn_unused_result));

/* Formats *v as "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>". */
void pg_scram_verifier_format(const struct pg_scram_verifier *v,
			      char out[PG_SCRAM_VERIFIER_SIZE]);

/* A fresh nonce: 18 bytes from RAND_bytes in base64, NUL-terminated.
 * 0: done. -1: the random generator failed; do not authenticate. */
int pg_scram_random_nonce(char out[PG_SCRAM_NONCE_LEN + 1])
	__attribute__((warn_unused_result));

/* ---- Server side: corral checks an application client. ---- */

enum pg_scram_server_phase {
	PG_SCRAM_SERVER_WAIT_FIRST,  /* expects client-first-message */
	PG_SCRAM_SERVER_WAIT_FINAL,  /* sent server-first, expects client-final */
	PG_SCRAM_SERVER_DONE,        /* proof verified, server-final produced */
	PG_SCRAM_SERVER_FAILED,      /* a step failed; err_reason says why */
};

/* One exchange. Embedded by its owner; pg_scram_server_init/_fini. Fields
 * are read-only outside pg_scram_server.c. */
struct pg_scram_server {
	enum pg_scram_server_phase phase;
	struct pg_scram_verifier verifier;  /* copy of the user's secret */
	char gs2_flag;                      /* 'n' or 'y' from client-first */
	struct pg_buf auth_message;         /* owned: RFC 5802 AuthMessage so far */
	size_t nonce_at;                    /* combined nonce inside auth_message */
	size_t nonce_len;
	uint8_t client_key[PG_SCRAM_KEY_LEN]; /* recovered; valid in DONE */
	const char *err_reason;             /* static; set when a step fails */
};

/* Starts an exchange against verifier *v (copied). For a plaintext
 * secret, derive keys with a salt and iteration count of the caller's
 * choosing and use pg_scram_verifier_from_keys first. */
void pg_scram_server_init(struct pg_scram_server *s, const struct pg_scram_verifier *v);
/* Releases and wipes the exchange's state. */
void pg_scram_server_fini(struct pg_scram_server *s);

/* Handles the client-first-message (the SASLInitialResponse data, len
 * bytes, no NUL needed) and appends the server-first-message to out.
 * server_nonce: the server's half of the nonce, printable ASCII other than
 * ',' (pg_scram_random_nonce's output qualifies). PG_SCRAM_OK: phase is
 * WAIT_FINAL. Otherwise phase is FAILED, err_reason set, nothing appended:
 * ERR_FORMAT (malformed), ERR_UNSUPPORTED (channel binding "p=",
 * authorization identity "a=", extension "m="), ERR_STATE (wrong phase or
 * unusable server_nonce). */
enum pg_scram_result pg_scram_server_handle_first(struct pg_scram_server *s,
						  const uint8_t *msg, size_t len,
						  const char *server_nonce, struct pg_buf *out)
	__attribute__((warn_unused_result));

/* Handles the client-final-message and, if its proof verifies, appends the
 * server-final-message ("v=...") to out. PG_SCRAM_OK: phase DONE, the
 * client knows the password; s->client_key holds its ClientKey. Otherwise
 * phase FAILED, err_reason set, nothing appended: ERR_FORMAT,
 * ERR_UNSUPPORTED (m=), ERR_CHANNEL_BINDING (c= is not the base64 of the
 * gs2 header), ERR_NONCE, ERR_PROOF (wrong password: answer 28P01),
 * ERR_STATE, ERR_CRYPTO. */
enum pg_scram_result pg_scram_server_handle_final(struct pg_scram_server *s,
						  const uint8_t *msg, size_t len,
						  struct pg_buf *out)
	__attribute__((warn_unused_result));

/* ---- Client side: corral logs in to PostgreSQL. ---- */

enum pg_scram_client_phase {
	PG_SCRAM_CLIENT_START,             /* client-first not produced yet */
	PG_SCRAM_CLIENT_WAIT_SERVER_FIRST, /* sent client-first */
	PG_SCRAM_CLIENT_WAIT_SERVER_FINAL, /* sent client-final with the proof */
	PG_SCRAM_CLIENT_DONE,              /* server's signature verified */
	PG_SCRAM_CLIENT_FAILED,            /* a step failed; err_reason says why */
};

/* One exchange. Embedded by its owner; one of the _init functions, then
 * pg_scram_client_fini. Fields are read-only outside pg_scram_client.c.
 * From WAIT_SERVER_FINAL on, `verifier` and `keys.client_key` are exactly
 * what pg_scram_client_init_keys takes, so a caller can cache them and skip
 * PBKDF2 on the next login with the same password. */
struct pg_scram_client {
	enum pg_scram_client_phase phase;
	char *password;                    /* owned copy, NULL with ready keys */
	struct pg_scram_verifier verifier; /* server's salt/iterations and keys */
	struct pg_scram_keys keys;         /* salted_password zero with ready keys */
	struct pg_buf auth_message;        /* owned: RFC 5802 AuthMessage so far */
	size_t nonce_len;                  /* client nonce length; it follows "r=" */
	size_t nonce_at;
	uint8_t server_signature[PG_SCRAM_KEY_LEN]; /* expected in server-final */
	const char *err_reason;            /* static; set when a step fails */
};

/* Starts an exchange that proves knowledge of password (copied; the copy is
 * wiped by _fini; raw bytes, see pg_scram_keys_derive). PBKDF2 runs inside
 * pg_scram_client_handle_first, with the server's salt and iteration count. */
void pg_scram_client_init_password(struct pg_scram_client *c, const char *password);
/* Starts an exchange with ready keys: *v's salt, iterations, StoredKey and
 * ServerKey plus the matching ClientKey (the passthrough case: a verifier
 * from the auth file and the ClientKey recovered from the application
 * client's exchange). No PBKDF2 runs. */
void pg_scram_client_init_keys(struct pg_scram_client *c, const struct pg_scram_verifier *v,
			       const uint8_t client_key[PG_SCRAM_KEY_LEN]);
/* Releases and wipes the exchange's state, password included. */
void pg_scram_client_fini(struct pg_scram_client *c);

/* Appends the client-first-message "n,,n=<user>,r=<nonce>" to out. user is
 * sent SCRAM-escaped and PostgreSQL ignores it: pass "" (libpq does) or
 * NULL for empty. nonce: printable ASCII other than ',', at least one
 * character (pg_scram_random_nonce's output qualifies). PG_SCRAM_OK: phase
 * WAIT_SERVER_FIRST. ERR_STATE: wrong phase or unusable nonce; phase
 * FAILED, nothing appended. */
enum pg_scram_result pg_scram_client_first(struct pg_scram_client *c, const char *user,
					   const char *nonce, struct pg_buf *out)
	__attribute__((warn_unused_result));

/* Handles the server-first-message (AuthenticationSASLContinue data) and
 * appends the client-final-message with the proof to out. With a password
 * this runs PBKDF2 for the server's iteration count. PG_SCRAM_OK: phase
 * WAIT_SERVER_FINAL. Otherwise phase FAILED, err_reason set, nothing
 * appended: ERR_FORMAT, ERR_UNSUPPORTED (m=), ERR_NONCE (the server's nonce
 * does not extend ours), ERR_PARAMS (iterations not 1..
 * PG_SCRAM_MAX_ITERATIONS, salt empty or over PG_SCRAM_SALT_MAX bytes, or,
 * with ready keys, not the salt and iterations they were derived with),
 * ERR_STATE, ERR_CRYPTO. */
enum pg_scram_result pg_scram_client_handle_first(struct pg_scram_client *c,
						  const uint8_t *msg, size_t len,
						  struct pg_buf *out)
	__attribute__((warn_unused_result));

/* Handles the server-final-message (AuthenticationSASLFinal data).
 * PG_SCRAM_OK: the server proved it holds the verifier; phase DONE (the
 * login still needs AuthenticationOk). Otherwise phase FAILED, err_reason
 * set: ERR_FORMAT, ERR_UNSUPPORTED (m=), ERR_SERVER_REJECTED (e=),
 * ERR_SERVER_SIGNATURE, ERR_STATE. */
enum pg_scram_result pg_scram_client_handle_final(struct pg_scram_client *c,
						  const uint8_t *msg, size_t len)
	__attribute__((warn_unused_result));

#endif
