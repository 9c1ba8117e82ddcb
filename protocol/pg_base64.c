/* pg_base64: strict base64 encoding and decoding (see pg_base64.h). */
#include "protocol/pg_base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void pg_base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = alphabet[v >> 18];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		*out++ = alphabet[v >> 18];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* The 6-bit value of base64 character c, or -1 outside the alphabet. */
static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int pg_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap,
		     size_t *out_len)
{
	if (len % 4 != 0)
		return -1;
	size_t pad = 0;
	if (len > 0 && in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	size_t n = len / 4 * 3 - pad;
	if (n > out_cap)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		/* Padding characters count as zero bits; only the last group may
		 * have them, and the bits they stand for must be zero. */
		uint32_t v = 0;
		size_t data_chars = i + 4 == len ? 4 - pad : 4;
		for (size_t j = 0; j < 4; j++) {
			int s = j < data_chars ? sextet(in[i + j]) : 0;
			if (s < 0)
				return -1;
			v = v << 6 | (uint32_t)s;
		}
		uint8_t bytes[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
		size_t keep = data_chars - 1;
		for (size_t j = keep; j < 3; j++)
			if (bytes[j] != 0)
				return -1;
		for (size_t j = 0; j < keep; j++)
			out[o++] = bytes[j];
	}
	*out_len = n;
	return 0;
}
