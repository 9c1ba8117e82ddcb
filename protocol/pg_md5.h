/* pg_md5: PostgreSQL's md5 password authentication, both sides. The
 * stored secret is "md5" + hex(md5(password || user)); the answer to
 * AuthenticationMD5Password(salt) is "md5" + hex(md5(hex-part-of-secret ||
 * salt)). A plaintext password and a stored md5 secret are equally usable
 * as input, since the secret is all the exchange needs. md5 is weak; it is
 * here because PostgreSQL users still have md5 secrets. No I/O. */
#ifndef CORRAL_PROTOCOL_PG_MD5_H
#define CORRAL_PROTOCOL_PG_MD5_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes of salt in AuthenticationMD5Password. */
#define PG_MD5_SALT_LEN 4
/* Characters of a secret or a response: "md5" and 32 hex digits. */
#define PG_MD5_SECRET_LEN 35
/* The same with its NUL: the size of every output buffer here. */
#define PG_MD5_SECRET_SIZE (PG_MD5_SECRET_LEN + 1)

enum pg_md5_result {
	PG_MD5_OK = 0,        /* the response proves the password */
	PG_MD5_ERR_MISMATCH,  /* wrong password (or a malformed response) */
	PG_MD5_ERR_SECRET,    /* the stored secret is a SCRAM verifier: md5
			       * cannot be checked against it */
	PG_MD5_ERR_CRYPTO,    /* OpenSSL refused md5 (e.g. FIPS mode) */
};

/* True when s is "md5" followed by exactly 32 lowercase hex digits: the
 * form PostgreSQL and auth files store. A plaintext password of that form
 * is indistinguishable and is taken as a secret, as PostgreSQL does. */
bool pg_md5_is_secret(const char *s);

/* The stored form of (password, user) into out. 0, or -1 when OpenSSL
 * refuses md5. */
int pg_md5_secret(const char *password, const char *user, char out[PG_MD5_SECRET_SIZE])
	__attribute__((warn_unused_result));

/* The PasswordMessage text answering AuthenticationMD5Password(salt) for
 * user. password_or_secret is a plaintext password or an md5 secret
 * (pg_md5_is_secret). 0: out filled. -1: OpenSSL refuses md5. */
int pg_md5_response(const char *password_or_secret, const char *user,
		    const uint8_t salt[PG_MD5_SALT_LEN], char out[PG_MD5_SECRET_SIZE])
	__attribute__((warn_unused_result));

/* Checks a client's PasswordMessage text `response` against the stored
 * secret (plaintext or md5) for user and the salt the server sent; the
 * comparison takes the same time wherever the first difference is. */
enum pg_md5_result pg_md5_verify(const char *stored, const char *user,
				 const uint8_t salt[PG_MD5_SALT_LEN], const char *response)
	__attribute__((warn_unused_result));

#endif
