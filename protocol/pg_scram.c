/* pg_scram: the parts of SCRAM-SHA-256 that are not one side's exchange:
 * result names, PBKDF2 key derivation, the verifier's text form and nonce
 * generation. The server and client state machines live in
 * pg_scram_server.c and pg_scram_client.c; shared message syntax in
 * pg_scram_msg.c. */
#include "protocol/pg_scram.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "protocol/pg_base64.h"
#include "protocol/pg_scram_msg.h"

static const char verifier_prefix[] = "SCRAM-SHA-256$";

const char *pg_scram_result_name(enum pg_scram_result res)
{
	switch (res) {
	case PG_SCRAM_OK: return "ok";
	case PG_SCRAM_ERR_FORMAT: return "malformed message";
	case PG_SCRAM_ERR_UNSUPPORTED: return "unsupported feature";
	case PG_SCRAM_ERR_CHANNEL_BINDING: return "channel binding mismatch";
	case PG_SCRAM_ERR_NONCE: return "nonce mismatch";
	case PG_SCRAM_ERR_PROOF: return "wrong password";
	case PG_SCRAM_ERR_SERVER_SIGNATURE: return "server signature mismatch";
	case PG_SCRAM_ERR_SERVER_REJECTED: return "server rejected the exchange";
	case PG_SCRAM_ERR_PARAMS: return "unacceptable salt or iteration count";
	case PG_SCRAM_ERR_STATE: return "called out of order";
	case PG_SCRAM_ERR_CRYPTO: return "cryptographic library failure";
	}
	return "unknown result";
}

int pg_scram_keys_derive(const char *password, const uint8_t *salt, size_t salt_len,
			 uint32_t iterations, struct pg_scram_keys *out)
{
	if (salt_len == 0 || salt_len > PG_SCRAM_SALT_MAX || iterations == 0 ||
	    iterations > PG_SCRAM_MAX_ITERATIONS)
		return -1;
	/* PBKDF2 with one output block of HMAC-SHA-256 is RFC 5802's Hi(). */
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
			      (int)iterations, EVP_sha256(), PG_SCRAM_KEY_LEN,
			      out->salted_password) != 1)
		return -1;
	if (pg_scram_msg_hmac(out->salted_password, "Client Key", 10, out->client_key) != 0 ||
	    pg_scram_msg_hmac(out->salted_password, "Server Key", 10, out->server_key) != 0 ||
	    pg_scram_msg_sha256(out->client_key, PG_SCRAM_KEY_LEN, out->stored_key) != 0)
		return -1;
	return 0;
}

void pg_scram_verifier_from_keys(struct pg_scram_verifier *v, const struct pg_scram_keys *k,
				 const uint8_t *salt, size_t salt_len, uint32_t iterations)
{
	v->iterations = iterations;
	v->salt_len = salt_len;
	memcpy(v->salt, salt, salt_len);
	memcpy(v->stored_key, k->stored_key, PG_SCRAM_KEY_LEN);
	memcpy(v->server_key, k->server_key, PG_SCRAM_KEY_LEN);
}

/* Returns the length of the field starting at s and ending before `stop`
 * (or the string's end when stop is '\0'); *found tells whether stop was
 * there. */
static size_t field_len(const char *s, char stop, bool *found)
{
	const char *end = strchr(s, stop);
	*found = end != NULL && stop != '\0';
	return end != NULL ? (size_t)(end - s) : strlen(s);
}

/* Parses one base64 key field of the verifier, which must end at `stop`.
 * Returns a pointer past the stop character, or NULL. */
static const char *parse_key(const char *s, char stop, uint8_t out[PG_SCRAM_KEY_LEN])
{
	bool found;
	size_t len = field_len(s, stop, &found);
	if (stop != '\0' && !found)
		return NULL;
	size_t n;
	if (pg_base64_decode(s, len, out, PG_SCRAM_KEY_LEN, &n) != 0 || n != PG_SCRAM_KEY_LEN)
		return NULL;
	return s + len + (found ? 1 : 0);
}

int pg_scram_verifier_parse(const char *text, struct pg_scram_verifier *out,
			    const char **reason)
{
	size_t prefix_len = sizeof verifier_prefix - 1;
	if (strncmp(text, verifier_prefix, prefix_len) != 0) {
		*reason = "verifier does not start with \"SCRAM-SHA-256$\"";
		return -1;
	}
	const char *s = text + prefix_len;
	bool found;
	size_t len = field_len(s, ':', &found);
	if (!found || pg_scram_msg_parse_count(s, len, &out->iterations) != 0 ||
	    out->iterations == 0 || out->iterations > PG_SCRAM_MAX_ITERATIONS) {
		*reason = "verifier's iteration count is not a number from 1 to 10000000 followed by ':'";
		return -1;
	}
	s += len + 1;
	len = field_len(s, '$', &found);
	if (!found || pg_base64_decode(s, len, out->salt, PG_SCRAM_SALT_MAX, &out->salt_len) != 0 ||
	    out->salt_len == 0) {
		*reason = "verifier's salt is not base64 of 1 to 64 bytes followed by '$'";
		return -1;
	}
	s += len + 1;
	s = parse_key(s, ':', out->stored_key);
	if (s == NULL) {
		*reason = "verifier's StoredKey is not base64 of 32 bytes followed by ':'";
		return -1;
	}
	if (parse_key(s, '\0', out->server_key) == NULL) {
		*reason = "verifier's ServerKey is not base64 of 32 bytes ending the text";
		return -1;
	}
	return 0;
}

void pg_scram_verifier_format(const struct pg_scram_verifier *v,
			      char out[PG_SCRAM_VERIFIER_SIZE])
{
	char salt[(PG_SCRAM_SALT_MAX + 2) / 3 * 4 + 1];
	char stored[(PG_SCRAM_KEY_LEN + 2) / 3 * 4 + 1];
	char server[(PG_SCRAM_KEY_LEN + 2) / 3 * 4 + 1];
	pg_base64_encode(v->salt, v->salt_len, salt);
	pg_base64_encode(v->stored_key, PG_SCRAM_KEY_LEN, stored);
	pg_base64_encode(v->server_key, PG_SCRAM_KEY_LEN, server);
	snprintf(out, PG_SCRAM_VERIFIER_SIZE, "%s%u:%s$%s:%s", verifier_prefix,
		 (unsigned)v->iterations, salt, stored, server);
}

int pg_scram_random_nonce(char out[PG_SCRAM_NONCE_LEN + 1])
{
	uint8_t raw[PG_SCRAM_NONCE_LEN / 4 * 3];
	if (RAND_bytes(raw, (int)sizeof raw) != 1)
		return -1;
	pg_base64_encode(raw, sizeof raw, out);
	return 0;
}
