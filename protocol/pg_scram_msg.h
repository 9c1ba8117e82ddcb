/* pg_scram_msg: what the SCRAM server and client sides share, internal to
 * protocol/pg_scram*.c: splitting a message into its "x=value" attributes
 * (strictly: one letter, '=', a value without ',' or NUL, no empty or
 * duplicate attributes, "m=" refused), base64 fields of fixed size, and the
 * HMAC-SHA-256 / SHA-256 primitives. The order each message requires is
 * checked by its handler, not here. */
#ifndef CORRAL_PROTOCOL_PG_SCRAM_MSG_H
#define CORRAL_PROTOCOL_PG_SCRAM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_scram.h"

/* Most attributes a message may carry, extensions included; no SCRAM
 * message defines more than four. */
#define PG_SCRAM_MSG_MAX_ATTRS 8

struct pg_scram_attr {
	char name;          /* an ASCII letter */
	const char *value;  /* inside the message, not terminated */
	size_t len;
	size_t at;          /* offset of `name` from the message's start */
};

struct pg_scram_attrs {
	size_t n;
	struct pg_scram_attr a[PG_SCRAM_MSG_MAX_ATTRS];
};

/* Splits the len bytes at msg into attributes (msg need not be
 * terminated). PG_SCRAM_OK: *out filled, n >= 1. ERR_FORMAT: empty message,
 * empty or nameless attribute, NUL byte, duplicate, more than
 * PG_SCRAM_MSG_MAX_ATTRS. ERR_UNSUPPORTED: an "m=" attribute. *reason is
 * set on error. */
enum pg_scram_result pg_scram_msg_split(const char *msg, size_t len,
					struct pg_scram_attrs *out, const char **reason)
	__attribute__((warn_unused_result));

/* True when attribute i exists and is named `name`. */
bool pg_scram_msg_attr_is(const struct pg_scram_attrs *a, size_t i, char name);

/* True when s[0..len) is a usable nonce: non-empty, printable ASCII
 * (0x21..0x7e) other than ','. */
bool pg_scram_msg_nonce_ok(const char *s, size_t len);

/* Parses len decimal digits without a leading zero ("0" alone is fine).
 * 0: *out is the value, or UINT32_MAX when it does not fit. -1: empty, a
 * non-digit or a leading zero. */
int pg_scram_msg_parse_count(const char *s, size_t len, uint32_t *out)
	__attribute__((warn_unused_result));

/* Decodes attr's value as base64 of exactly PG_SCRAM_KEY_LEN bytes.
 * 0: out filled. -1: not canonical base64 or another length. */
int pg_scram_msg_decode_key(const struct pg_scram_attr *attr,
			    uint8_t out[PG_SCRAM_KEY_LEN])
	__attribute__((warn_unused_result));

/* Appends the base64 of n bytes (n <= PG_SCRAM_SALT_MAX) to b. */
void pg_scram_msg_put_base64(struct pg_buf *b, const uint8_t *data, size_t n);

/* HMAC-SHA-256 of data under a PG_SCRAM_KEY_LEN-byte key. 0 or -1 when
 * OpenSSL fails. */
int pg_scram_msg_hmac(const uint8_t key[PG_SCRAM_KEY_LEN], const void *data, size_t len,
		      uint8_t out[PG_SCRAM_KEY_LEN])
	__attribute__((warn_unused_result));

/* SHA-256 of data. 0 or -1 when OpenSSL fails. */
int pg_scram_msg_sha256(const void *data, size_t len, uint8_t out[PG_SCRAM_KEY_LEN])
	__attribute__((warn_unused_result));

#endif
