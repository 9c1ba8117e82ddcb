/* pg_scram_server: the server side of one SCRAM-SHA-256 exchange, corral
 * checking an application client against a stored verifier (see
 * pg_scram.h). It parses client-first and client-final, produces
 * server-first and server-final, and verifies the proof in constant time.
 * It does not pick nonces (the caller passes one in) and does not frame
 * messages. */
#include "protocol/pg_scram.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "protocol/pg_base64.h"
#include "protocol/pg_scram_msg.h"

/* "n,," or "y,,": the only gs2 headers accepted while the authorization
 * identity is refused and channel binding is not offered. */
#define GS2_HEADER_LEN 3

void pg_scram_server_init(struct pg_scram_server *s, const struct pg_scram_verifier *v)
{
	memset(s, 0, sizeof *s);
	s->phase = PG_SCRAM_SERVER_WAIT_FIRST;
	s->verifier = *v;
	pg_buf_init(&s->auth_message);
}

void pg_scram_server_fini(struct pg_scram_server *s)
{
	pg_buf_fini(&s->auth_message);
	OPENSSL_cleanse(s, sizeof *s);
}

static const char crypto_failed[] = "HMAC or SHA-256 failed in OpenSSL";

/* Ends the exchange with res. A ClientKey recovered from a proof that did
 * not verify is wiped: with the proof it would reveal ClientSignature. */
static enum pg_scram_result fail(struct pg_scram_server *s, enum pg_scram_result res,
				 const char *reason)
{
	OPENSSL_cleanse(s->client_key, sizeof s->client_key);
	s->phase = PG_SCRAM_SERVER_FAILED;
	s->err_reason = reason;
	return res;
}

/* Checks the gs2 header at the start of a client-first-message and
 * stores its flag. A client that sends "y" supports channel binding but
 * saw no -PLUS mechanism offered; since none is offered, that is honest
 * and accepted. */
static enum pg_scram_result read_gs2_header(struct pg_scram_server *s, const char *msg,
					    size_t len)
{
	if (len >= 2 && msg[0] == 'p' && msg[1] == '=')
		return fail(s, PG_SCRAM_ERR_UNSUPPORTED,
			    "client requires channel binding (SCRAM-SHA-256-PLUS), which is not supported");
	if (len < 2 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-first-message does not start with a channel-binding flag (n, y or p=) and ','");
	if (len >= 4 && msg[2] == 'a' && msg[3] == '=')
		return fail(s, PG_SCRAM_ERR_UNSUPPORTED,
			    "authorization identity (a=) is not supported");
	if (len < GS2_HEADER_LEN || msg[2] != ',')
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-first-message's gs2 header does not end with ','");
	s->gs2_flag = msg[0];
	return PG_SCRAM_OK;
}

/* Appends "r=<client nonce><server nonce>,s=<salt>,i=<iterations>" to the
 * AuthMessage and returns its offset there. */
static size_t put_server_first(struct pg_scram_server *s, const struct pg_scram_attr *cnonce,
			       const char *snonce, size_t snonce_len)
{
	struct pg_buf *am = &s->auth_message;
	size_t at = am->len;
	pg_buf_put_bytes(am, "r=", 2);
	s->nonce_at = am->len;
	s->nonce_len = cnonce->len + snonce_len;
	pg_buf_put_bytes(am, cnonce->value, cnonce->len);
	pg_buf_put_bytes(am, snonce, snonce_len);
	pg_buf_put_bytes(am, ",s=", 3);
	pg_scram_msg_put_base64(am, s->verifier.salt, s->verifier.salt_len);
	char iter[16];
	int n = snprintf(iter, sizeof iter, ",i=%u", (unsigned)s->verifier.iterations);
	pg_buf_put_bytes(am, iter, (size_t)n);
	return at;
}

enum pg_scram_result pg_scram_server_handle_first(struct pg_scram_server *s,
						  const uint8_t *msg, size_t len,
						  const char *server_nonce, struct pg_buf *out)
{
	if (s->phase != PG_SCRAM_SERVER_WAIT_FIRST)
		return fail(s, PG_SCRAM_ERR_STATE, "client-first-message is not expected now");
	size_t snonce_len = strlen(server_nonce);
	if (!pg_scram_msg_nonce_ok(server_nonce, snonce_len))
		return fail(s, PG_SCRAM_ERR_STATE, "server nonce is empty or not printable ASCII");
	const char *text = (const char *)msg;
	enum pg_scram_result res = read_gs2_header(s, text, len);
	if (res != PG_SCRAM_OK)
		return res;
	/* The user name (n=) is not checked: PostgreSQL takes the user from
	 * the startup packet and libpq sends it empty. */
	const char *bare = text + GS2_HEADER_LEN;
	size_t bare_len = len - GS2_HEADER_LEN;
	struct pg_scram_attrs a;
	const char *reason;
	res = pg_scram_msg_split(bare, bare_len, &a, &reason);
	if (res != PG_SCRAM_OK)
		return fail(s, res, reason);
	if (!pg_scram_msg_attr_is(&a, 0, 'n'))
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-first-message lacks the user name (n=) after the gs2 header");
	if (!pg_scram_msg_attr_is(&a, 1, 'r'))
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-first-message lacks the nonce (r=) after the user name");
	if (!pg_scram_msg_nonce_ok(a.a[1].value, a.a[1].len))
		return fail(s, PG_SCRAM_ERR_FORMAT, "client nonce is empty or not printable ASCII");

	pg_buf_put_bytes(&s->auth_message, bare, bare_len);
	pg_buf_put_u8(&s->auth_message, ',');
	size_t at = put_server_first(s, &a.a[1], server_nonce, snonce_len);
	pg_buf_put_bytes(out, s->auth_message.data + at, s->auth_message.len - at);
	pg_buf_put_u8(&s->auth_message, ',');
	s->phase = PG_SCRAM_SERVER_WAIT_FINAL;
	return PG_SCRAM_OK;
}

/* The proof is ClientKey XOR HMAC(StoredKey, AuthMessage); recovering
 * ClientKey and hashing it must give StoredKey. On success appends
 * "v=<ServerSignature>" to out and keeps ClientKey. */
static enum pg_scram_result verify_proof(struct pg_scram_server *s,
					 const uint8_t proof[PG_SCRAM_KEY_LEN],
					 struct pg_buf *out)
{
	const struct pg_buf *am = &s->auth_message;
	uint8_t sig[PG_SCRAM_KEY_LEN], stored[PG_SCRAM_KEY_LEN];
	if (pg_scram_msg_hmac(s->verifier.stored_key, am->data, am->len, sig) != 0)
		return fail(s, PG_SCRAM_ERR_CRYPTO, crypto_failed);
	for (size_t i = 0; i < PG_SCRAM_KEY_LEN; i++)
		s->client_key[i] = proof[i] ^ sig[i];
	if (pg_scram_msg_sha256(s->client_key, PG_SCRAM_KEY_LEN, stored) != 0)
		return fail(s, PG_SCRAM_ERR_CRYPTO, crypto_failed);
	if (CRYPTO_memcmp(stored, s->verifier.stored_key, PG_SCRAM_KEY_LEN) != 0)
		return fail(s, PG_SCRAM_ERR_PROOF,
			    "password authentication failed: the client's proof does not match the stored secret");
	if (pg_scram_msg_hmac(s->verifier.server_key, am->data, am->len, sig) != 0)
		return fail(s, PG_SCRAM_ERR_CRYPTO, crypto_failed);
	pg_buf_put_bytes(out, "v=", 2);
	pg_scram_msg_put_base64(out, sig, PG_SCRAM_KEY_LEN);
	s->phase = PG_SCRAM_SERVER_DONE;
	return PG_SCRAM_OK;
}

/* True when c= carries the base64 of the gs2 header client-first had. The
 * strict decoder makes base64 canonical, so comparing the text compares the
 * bytes: "biws" is "n,,", "eSws" is "y,,". */
static bool channel_binding_ok(const struct pg_scram_server *s, const struct pg_scram_attr *c)
{
	const uint8_t gs2[GS2_HEADER_LEN] = { (uint8_t)s->gs2_flag, ',', ',' };
	char expect[8];
	pg_base64_encode(gs2, sizeof gs2, expect);
	size_t expect_len = pg_base64_encoded_len(sizeof gs2);
	return c->len == expect_len && memcmp(c->value, expect, expect_len) == 0;
}

enum pg_scram_result pg_scram_server_handle_final(struct pg_scram_server *s,
						  const uint8_t *msg, size_t len,
						  struct pg_buf *out)
{
	if (s->phase != PG_SCRAM_SERVER_WAIT_FINAL)
		return fail(s, PG_SCRAM_ERR_STATE, "client-final-message is not expected now");
	const char *text = (const char *)msg;
	struct pg_scram_attrs a;
	const char *reason;
	enum pg_scram_result res = pg_scram_msg_split(text, len, &a, &reason);
	if (res != PG_SCRAM_OK)
		return fail(s, res, reason);
	if (!pg_scram_msg_attr_is(&a, 0, 'c'))
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-final-message does not start with channel-binding data (c=)");
	if (!pg_scram_msg_attr_is(&a, 1, 'r'))
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-final-message lacks the nonce (r=) after c=");
	const struct pg_scram_attr *proof = &a.a[a.n - 1];
	if (a.n < 3 || proof->name != 'p')
		return fail(s, PG_SCRAM_ERR_FORMAT,
			    "client-final-message does not end with the proof (p=)");

	if (!channel_binding_ok(s, &a.a[0]))
		return fail(s, PG_SCRAM_ERR_CHANNEL_BINDING,
			    "channel-binding data (c=) is not the base64 of the client-first-message's gs2 header");
	if (a.a[1].len != s->nonce_len ||
	    memcmp(a.a[1].value, s->auth_message.data + s->nonce_at, s->nonce_len) != 0)
		return fail(s, PG_SCRAM_ERR_NONCE,
			    "client-final-message's nonce differs from the server-first-message's");
	uint8_t client_proof[PG_SCRAM_KEY_LEN];
	if (pg_scram_msg_decode_key(proof, client_proof) != 0)
		return fail(s, PG_SCRAM_ERR_FORMAT, "proof (p=) is not base64 of 32 bytes");
	/* AuthMessage ends with client-final-message-without-proof: all of
	 * the message before ",p=". */
	pg_buf_put_bytes(&s->auth_message, text, proof->at - 1);
	return verify_proof(s, client_proof, out);
}
