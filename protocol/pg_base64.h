/* pg_base64: standard base64 (RFC 4648 section 4, with '=' padding) as
 * SCRAM uses it for nonces, salts, proofs and verifiers. The decoder is
 * strict: the length is a multiple of 4, only the alphabet, padding only at
 * the end, and the unused bits of the last character zero, so every byte
 * string has exactly one accepted encoding. No allocation, no I/O. */
#ifndef CORRAL_PROTOCOL_PG_BASE64_H
#define CORRAL_PROTOCOL_PG_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters pg_base64_encode writes for n input bytes (without a NUL). */
static inline size_t pg_base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Encodes n bytes of in into out, which must hold
 * pg_base64_encoded_len(n) + 1 bytes; out is NUL-terminated. */
void pg_base64_encode(const uint8_t *in, size_t n, char *out);

/* Decodes the len characters at in (no NUL needed) into out, which holds
 * out_cap bytes. 0: *out_len set to the decoded length. -1: in is not
 * canonical base64 or decodes to more than out_cap bytes; out may have been
 * partly written. */
int pg_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap,
		     size_t *out_len)
	__attribute__((warn_unused_result));

#endif
