/* pg_secret: classification of stored secrets (see pg_secret.h). */
#include "protocol/pg_secret.h"

#include "protocol/pg_md5.h"
#include "protocol/pg_scram.h"

enum pg_secret_kind pg_secret_kind(const char *secret)
{
	if (pg_md5_is_secret(secret))
		return PG_SECRET_MD5;
	struct pg_scram_verifier v;
	const char *reason;
	if (pg_scram_verifier_parse(secret, &v, &reason) == 0)
		return PG_SECRET_SCRAM;
	return PG_SECRET_PLAIN;
}
