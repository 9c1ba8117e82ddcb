/* pg_md5: md5 secrets, responses and their verification (see pg_md5.h). */
#include "protocol/pg_md5.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "protocol/pg_secret.h"

#define MD5_LEN 16
#define HEX_LEN (2 * MD5_LEN)
#define PREFIX_LEN 3

bool pg_md5_is_secret(const char *s)
{
	if (strncmp(s, "md5", PREFIX_LEN) != 0 || strlen(s) != PG_MD5_SECRET_LEN)
		return false;
	for (size_t i = PREFIX_LEN; i < PG_MD5_SECRET_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* out = "md5" + hex(md5(a || b)), b being b_len bytes. 0 or -1. */
static int md5_hex(const char *a, size_t a_len, const void *b, size_t b_len,
		   char out[PG_MD5_SECRET_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t digest[MD5_LEN];
	unsigned int n = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, a, a_len) == 1 && EVP_DigestUpdate(ctx, b, b_len) == 1 &&
		 EVP_DigestFinal_ex(ctx, digest, &n) == 1 && n == MD5_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	memcpy(out, "md5", PREFIX_LEN);
	for (size_t i = 0; i < MD5_LEN; i++) {
		out[PREFIX_LEN + 2 * i] = hex[digest[i] >> 4];
		out[PREFIX_LEN + 2 * i + 1] = hex[digest[i] & 15];
	}
	out[PG_MD5_SECRET_LEN] = '\0';
	return 0;
}

int pg_md5_secret(const char *password, const char *user, char out[PG_MD5_SECRET_SIZE])
{
	return md5_hex(password, strlen(password), user, strlen(user), out);
}

int pg_md5_response(const char *password_or_secret, const char *user,
		    const uint8_t salt[PG_MD5_SALT_LEN], char out[PG_MD5_SECRET_SIZE])
{
	char secret[PG_MD5_SECRET_SIZE];
	if (pg_md5_is_secret(password_or_secret))
		memcpy(secret, password_or_secret, PG_MD5_SECRET_SIZE);
	else if (pg_md5_secret(password_or_secret, user, secret) != 0)
		return -1;
	int res = md5_hex(secret + PREFIX_LEN, HEX_LEN, salt, PG_MD5_SALT_LEN, out);
	OPENSSL_cleanse(secret, sizeof secret);
	return res;
}

enum pg_md5_result pg_md5_verify(const char *stored, const char *user,
				 const uint8_t salt[PG_MD5_SALT_LEN], const char *response)
{
	/* Accepting the verifier's text as a plaintext password would let
	 * anyone who read the verifier log in. */
	if (pg_secret_kind(stored) == PG_SECRET_SCRAM)
		return PG_MD5_ERR_SECRET;
	char expect[PG_MD5_SECRET_SIZE];
	if (pg_md5_response(stored, user, salt, expect) != 0)
		return PG_MD5_ERR_CRYPTO;
	/* The length of a response is public; only the bytes are compared in
	 * constant time. */
	bool match = strlen(response) == PG_MD5_SECRET_LEN &&
		     CRYPTO_memcmp(expect, response, PG_MD5_SECRET_LEN) == 0;
	OPENSSL_cleanse(expect, sizeof expect);
	return match ? PG_MD5_OK : PG_MD5_ERR_MISMATCH;
}
