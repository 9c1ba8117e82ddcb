/* pg_scram_msg: SCRAM attribute syntax and the hash primitives both SCRAM
 * sides use (see pg_scram_msg.h). */
#include "protocol/pg_scram_msg.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/pg_base64.h"

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Checks the attribute at msg[start..end) and appends it to out. */
static enum pg_scram_result add_attr(const char *msg, size_t start, size_t end,
				     struct pg_scram_attrs *out, const char **reason)
{
	if (end - start < 2 || !is_letter(msg[start]) || msg[start + 1] != '=') {
		*reason = "attribute is not a letter followed by '='";
		return PG_SCRAM_ERR_FORMAT;
	}
	if (msg[start] == 'm') {
		*reason = "mandatory extension (m=) is not supported";
		return PG_SCRAM_ERR_UNSUPPORTED;
	}
	for (size_t i = 0; i < out->n; i++) {
		if (out->a[i].name == msg[start]) {
			*reason = "an attribute appears twice";
			return PG_SCRAM_ERR_FORMAT;
		}
	}
	if (out->n == PG_SCRAM_MSG_MAX_ATTRS) {
		*reason = "too many attributes";
		return PG_SCRAM_ERR_FORMAT;
	}
	out->a[out->n++] = (struct pg_scram_attr){
		.name = msg[start],
		.value = msg + start + 2,
		.len = end - start - 2,
		.at = start,
	};
	return PG_SCRAM_OK;
}

enum pg_scram_result pg_scram_msg_split(const char *msg, size_t len,
					struct pg_scram_attrs *out, const char **reason)
{
	out->n = 0;
	if (len == 0) {
		*reason = "message is empty";
		return PG_SCRAM_ERR_FORMAT;
	}
	if (memchr(msg, '\0', len) != NULL) {
		*reason = "message contains a NUL byte";
		return PG_SCRAM_ERR_FORMAT;
	}
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && msg[i] != ',')
			continue;
		enum pg_scram_result res = add_attr(msg, start, i, out, reason);
		if (res != PG_SCRAM_OK)
			return res;
		start = i + 1;
	}
	return PG_SCRAM_OK;
}

bool pg_scram_msg_attr_is(const struct pg_scram_attrs *a, size_t i, char name)
{
	return i < a->n && a->a[i].name == name;
}

bool pg_scram_msg_nonce_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return false;
	return true;
}

int pg_scram_msg_parse_count(const char *s, size_t len, uint32_t *out)
{
	if (len == 0 || (s[0] == '0' && len > 1))
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

int pg_scram_msg_decode_key(const struct pg_scram_attr *attr,
			    uint8_t out[PG_SCRAM_KEY_LEN])
{
	size_t n;
	if (pg_base64_decode(attr->value, attr->len, out, PG_SCRAM_KEY_LEN, &n) != 0)
		return -1;
	return n == PG_SCRAM_KEY_LEN ? 0 : -1;
}

_Static_assert(PG_SCRAM_KEY_LEN <= PG_SCRAM_SALT_MAX, "keys fit the base64 scratch buffer");

void pg_scram_msg_put_base64(struct pg_buf *b, const uint8_t *data, size_t n)
{
	char text[(PG_SCRAM_SALT_MAX + 2) / 3 * 4 + 1];
	pg_base64_encode(data, n, text);
	pg_buf_put_bytes(b, text, pg_base64_encoded_len(n));
}

int pg_scram_msg_hmac(const uint8_t key[PG_SCRAM_KEY_LEN], const void *data, size_t len,
		      uint8_t out[PG_SCRAM_KEY_LEN])
{
	unsigned int out_len = 0;
	if (HMAC(EVP_sha256(), key, PG_SCRAM_KEY_LEN, data, len, out, &out_len) == NULL)
		return -1;
	return out_len == PG_SCRAM_KEY_LEN ? 0 : -1;
}

int pg_scram_msg_sha256(const void *data, size_t len, uint8_t out[PG_SCRAM_KEY_LEN])
{
	unsigned int out_len = 0;
	if (EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) != 1)
		return -1;
	return out_len == PG_SCRAM_KEY_LEN ? 0 : -1;
}
