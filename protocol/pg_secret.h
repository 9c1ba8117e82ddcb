/* pg_secret: tells what kind of secret a stored password string is, the
 * way PostgreSQL does: an md5 secret ("md5" + 32 hex digits), a SCRAM
 * verifier (a well-formed "SCRAM-SHA-256$..."), or else plaintext. Used by
 * config/ to validate auth files and by the pooler to pick how to check a
 * client. No I/O. */
#ifndef CORRAL_PROTOCOL_PG_SECRET_H
#define CORRAL_PROTOCOL_PG_SECRET_H

enum pg_secret_kind {
	PG_SECRET_PLAIN,  /* anything else, the empty string included */
	PG_SECRET_MD5,    /* pg_md5_is_secret */
	PG_SECRET_SCRAM,  /* pg_scram_verifier_parse accepts it */
};

/* The kind of the NUL-terminated secret. A malformed "SCRAM-SHA-256$..."
 * string is plaintext, as in PostgreSQL; config/ may want to warn about
 * it (pg_scram_verifier_parse gives the reason). */
enum pg_secret_kind pg_secret_kind(const char *secret);

#endif
