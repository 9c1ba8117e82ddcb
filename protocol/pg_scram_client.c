/* pg_scram_client: the client side of one SCRAM-SHA-256 exchange, corral
 * logging in to PostgreSQL with a password or with ready keys (see
 * pg_scram.h). It produces client-first and client-final, parses
 * server-first and server-final, and checks the server's signature in
 * constant time. It sends gs2 flag "n": corral does not do channel binding
 * yet. It does not pick nonces and does not frame messages. */
#include "protocol/pg_scram.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "protocol/pg_base64.h"
#include "protocol/pg_scram_msg.h"
#include "util/xalloc.h"

/* The gs2 header corral sends, and its base64 for c=. */
static const char gs2_header[] = "n,,";
static const char gs2_header_b64[] = "biws";

static const char crypto_failed[] = "PBKDF2, HMAC or SHA-256 failed in OpenSSL";

/* RFC 5802's server-error-value registry, for a readable reason. */
static const struct {
	const char *value;
	const char *reason;
} server_errors[] = {
	{ "invalid-encoding", "server rejected the exchange: invalid-encoding" },
	{ "extensions-not-supported", "server rejected the exchange: extensions-not-supported" },
	{ "invalid-proof", "server rejected the exchange: invalid-proof (wrong password)" },
	{ "channel-bindings-dont-match", "server rejected the exchange: channel-bindings-dont-match" },
	{ "server-does-support-channel-binding",
	  "server rejected the exchange: server-does-support-channel-binding" },
	{ "channel-binding-not-supported", "server rejected the exchange: channel-binding-not-supported" },
	{ "unsupported-channel-binding-type",
	  "server rejected the exchange: unsupported-channel-binding-type" },
	{ "unknown-user", "server rejected the exchange: unknown-user" },
	{ "invalid-username-encoding", "server rejected the exchange: invalid-username-encoding" },
	{ "no-resources", "server rejected the exchange: no-resources" },
	{ "other-error", "server rejected the exchange: other-error" },
};

static void init_common(struct pg_scram_client *c)
{
	memset(c, 0, sizeof *c);
	c->phase = PG_SCRAM_CLIENT_START;
	pg_buf_init(&c->auth_message);
}

void pg_scram_client_init_password(struct pg_scram_client *c, const char *password)
{
	init_common(c);
	c->password = xstrdup(password);
}

void pg_scram_client_init_keys(struct pg_scram_client *c, const struct pg_scram_verifier *v,
			       const uint8_t client_key[PG_SCRAM_KEY_LEN])
{
	init_common(c);
	c->verifier = *v;
	memcpy(c->keys.client_key, client_key, PG_SCRAM_KEY_LEN);
	memcpy(c->keys.stored_key, v->stored_key, PG_SCRAM_KEY_LEN);
	memcpy(c->keys.server_key, v->server_key, PG_SCRAM_KEY_LEN);
}

void pg_scram_client_fini(struct pg_scram_client *c)
{
	if (c->password != NULL) {
		OPENSSL_cleanse(c->password, strlen(c->password));
		free(c->password);
	}
	pg_buf_fini(&c->auth_message);
	OPENSSL_cleanse(c, sizeof *c);
}

static enum pg_scram_result fail(struct pg_scram_client *c, enum pg_scram_result res,
				 const char *reason)
{
	c->phase = PG_SCRAM_CLIENT_FAILED;
	c->err_reason = reason;
	return res;
}

/* Appends user as a SCRAM saslname: ',' and '=' become "=2C" and "=3D". */
static void put_saslname(struct pg_buf *b, const char *user)
{
	for (const char *p = user; *p != '\0'; p++) {
		if (*p == ',')
			pg_buf_put_bytes(b, "=2C", 3);
		else if (*p == '=')
			pg_buf_put_bytes(b, "=3D", 3);
		else
			pg_buf_put_u8(b, (uint8_t)*p);
	}
}

enum pg_scram_result pg_scram_client_first(struct pg_scram_client *c, const char *user,
					   const char *nonce, struct pg_buf *out)
{
	if (c->phase != PG_SCRAM_CLIENT_START)
		return fail(c, PG_SCRAM_ERR_STATE, "client-first-message was already produced");
	size_t nonce_len = strlen(nonce);
	if (!pg_scram_msg_nonce_ok(nonce, nonce_len))
		return fail(c, PG_SCRAM_ERR_STATE, "client nonce is empty or not printable ASCII");
	struct pg_buf *am = &c->auth_message;
	pg_buf_put_bytes(am, "n=", 2);
	put_saslname(am, user != NULL ? user : "");
	pg_buf_put_bytes(am, ",r=", 3);
	c->nonce_at = am->len;
	c->nonce_len = nonce_len;
	pg_buf_put_bytes(am, nonce, nonce_len);
	pg_buf_put_bytes(out, gs2_header, sizeof gs2_header - 1);
	pg_buf_put_bytes(out, am->data, am->len);
	c->phase = PG_SCRAM_CLIENT_WAIT_SERVER_FIRST;
	return PG_SCRAM_OK;
}

/* Checks server-first's attribute order and nonce; decodes the salt and
 * iteration count into params (its keys are left unset). */
static enum pg_scram_result read_server_first(struct pg_scram_client *c,
					      const struct pg_scram_attrs *a,
					      struct pg_scram_verifier *params)
{
	if (!pg_scram_msg_attr_is(a, 0, 'r'))
		return fail(c, PG_SCRAM_ERR_FORMAT, "server-first-message does not start with the nonce (r=)");
	if (!pg_scram_msg_attr_is(a, 1, 's'))
		return fail(c, PG_SCRAM_ERR_FORMAT, "server-first-message lacks the salt (s=) after the nonce");
	if (!pg_scram_msg_attr_is(a, 2, 'i'))
		return fail(c, PG_SCRAM_ERR_FORMAT,
			    "server-first-message lacks the iteration count (i=) after the salt");
	const struct pg_scram_attr *r = &a->a[0], *s = &a->a[1], *i = &a->a[2];
	if (!pg_scram_msg_nonce_ok(r->value, r->len))
		return fail(c, PG_SCRAM_ERR_FORMAT, "server's nonce is not printable ASCII");
	if (r->len <= c->nonce_len ||
	    memcmp(r->value, c->auth_message.data + c->nonce_at, c->nonce_len) != 0)
		return fail(c, PG_SCRAM_ERR_NONCE,
			    "server's nonce does not extend the client's nonce");
	if (s->len > pg_base64_encoded_len(PG_SCRAM_SALT_MAX))
		return fail(c, PG_SCRAM_ERR_PARAMS, "server's salt is longer than 64 bytes");
	if (pg_base64_decode(s->value, s->len, params->salt, PG_SCRAM_SALT_MAX, &params->salt_len) != 0)
		return fail(c, PG_SCRAM_ERR_FORMAT, "salt (s=) is not base64");
	if (params->salt_len == 0)
		return fail(c, PG_SCRAM_ERR_PARAMS, "server's salt is empty");
	if (pg_scram_msg_parse_count(i->value, i->len, &params->iterations) != 0)
		return fail(c, PG_SCRAM_ERR_FORMAT, "iteration count (i=) is not a decimal number");
	if (params->iterations == 0 || params->iterations > PG_SCRAM_MAX_ITERATIONS)
		return fail(c, PG_SCRAM_ERR_PARAMS,
			    "server's iteration count is not between 1 and 10000000");
	return PG_SCRAM_OK;
}

/* Makes c->keys and c->verifier match the server's salt and iterations:
 * derives them from the password, or checks that the ready keys belong
 * to these parameters. */
static enum pg_scram_result settle_keys(struct pg_scram_client *c,
					const struct pg_scram_verifier *params)
{
	if (c->password == NULL) {
		if (params->iterations != c->verifier.iterations ||
		    params->salt_len != c->verifier.salt_len ||
		    memcmp(params->salt, c->verifier.salt, params->salt_len) != 0)
			return fail(c, PG_SCRAM_ERR_PARAMS,
				    "server's salt or iteration count differ from those of the ready keys "
				    "(the verifier corral holds is not the server's)");
		return PG_SCRAM_OK;
	}
	if (pg_scram_keys_derive(c->password, params->salt, params->salt_len,
				 params->iterations, &c->keys) != 0)
		return fail(c, PG_SCRAM_ERR_CRYPTO, crypto_failed);
	pg_scram_verifier_from_keys(&c->verifier, &c->keys, params->salt, params->salt_len,
				    params->iterations);
	return PG_SCRAM_OK;
}

/* Appends the client-final-message for server nonce r to out, completing
 * the AuthMessage and remembering the ServerSignature to expect. */
static enum pg_scram_result put_client_final(struct pg_scram_client *c,
					     const struct pg_scram_attr *r, struct pg_buf *out)
{
	struct pg_buf *am = &c->auth_message;
	size_t at = am->len;
	pg_buf_put_bytes(am, "c=", 2);
	pg_buf_put_bytes(am, gs2_header_b64, sizeof gs2_header_b64 - 1);
	pg_buf_put_bytes(am, ",r=", 3);
	pg_buf_put_bytes(am, r->value, r->len);
	uint8_t proof[PG_SCRAM_KEY_LEN];
	if (pg_scram_msg_hmac(c->keys.stored_key, am->data, am->len, proof) != 0 ||
	    pg_scram_msg_hmac(c->keys.server_key, am->data, am->len, c->server_signature) != 0)
		return fail(c, PG_SCRAM_ERR_CRYPTO, crypto_failed);
	for (size_t i = 0; i < PG_SCRAM_KEY_LEN; i++)
		proof[i] ^= c->keys.client_key[i];
	pg_buf_put_bytes(out, am->data + at, am->len - at);
	pg_buf_put_bytes(out, ",p=", 3);
	pg_scram_msg_put_base64(out, proof, PG_SCRAM_KEY_LEN);
	return PG_SCRAM_OK;
}

enum pg_scram_result pg_scram_client_handle_first(struct pg_scram_client *c,
						  const uint8_t *msg, size_t len,
						  struct pg_buf *out)
{
	if (c->phase != PG_SCRAM_CLIENT_WAIT_SERVER_FIRST)
		return fail(c, PG_SCRAM_ERR_STATE, "server-first-message is not expected now");
	const char *text = (const char *)msg;
	struct pg_scram_attrs a;
	const char *reason;
	enum pg_scram_result res = pg_scram_msg_split(text, len, &a, &reason);
	if (res != PG_SCRAM_OK)
		return fail(c, res, reason);
	struct pg_scram_verifier params;
	res = read_server_first(c, &a, &params);
	if (res == PG_SCRAM_OK)
		res = settle_keys(c, &params);
	if (res != PG_SCRAM_OK)
		return res;
	pg_buf_put_u8(&c->auth_message, ',');
	pg_buf_put_bytes(&c->auth_message, text, len);
	pg_buf_put_u8(&c->auth_message, ',');
	res = put_client_final(c, &a.a[0], out);
	if (res != PG_SCRAM_OK)
		return res;
	c->phase = PG_SCRAM_CLIENT_WAIT_SERVER_FINAL;
	return PG_SCRAM_OK;
}

static const char *server_error_reason(const struct pg_scram_attr *e)
{
	for (size_t i = 0; i < sizeof server_errors / sizeof server_errors[0]; i++) {
		if (strlen(server_errors[i].value) == e->len &&
		    memcmp(server_errors[i].value, e->value, e->len) == 0)
			return server_errors[i].reason;
	}
	return "server rejected the exchange with an unrecognized error (e=)";
}

enum pg_scram_result pg_scram_client_handle_final(struct pg_scram_client *c,
						  const uint8_t *msg, size_t len)
{
	if (c->phase != PG_SCRAM_CLIENT_WAIT_SERVER_FINAL)
		return fail(c, PG_SCRAM_ERR_STATE, "server-final-message is not expected now");
	struct pg_scram_attrs a;
	const char *reason;
	enum pg_scram_result res = pg_scram_msg_split((const char *)msg, len, &a, &reason);
	if (res != PG_SCRAM_OK)
		return fail(c, res, reason);
	if (pg_scram_msg_attr_is(&a, 0, 'e'))
		return fail(c, PG_SCRAM_ERR_SERVER_REJECTED, server_error_reason(&a.a[0]));
	if (!pg_scram_msg_attr_is(&a, 0, 'v'))
		return fail(c, PG_SCRAM_ERR_FORMAT,
			    "server-final-message does not start with v= or e=");
	uint8_t sig[PG_SCRAM_KEY_LEN];
	if (pg_scram_msg_decode_key(&a.a[0], sig) != 0)
		return fail(c, PG_SCRAM_ERR_FORMAT, "server signature (v=) is not base64 of 32 bytes");
	if (CRYPTO_memcmp(sig, c->server_signature, PG_SCRAM_KEY_LEN) != 0)
		return fail(c, PG_SCRAM_ERR_SERVER_SIGNATURE,
			    "server's signature does not match: it does not hold this user's secret");
	c->phase = PG_SCRAM_CLIENT_DONE;
	return PG_SCRAM_OK;
}
