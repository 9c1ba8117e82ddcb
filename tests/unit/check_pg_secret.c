/* Unit tests for protocol/pg_secret: the three kinds, and the look-alikes
 * that are plaintext. */
#include <check.h>
#include <stdlib.h>

#include "protocol/pg_secret.h"

#define STORED "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
#define SERVER "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="

static const struct {
	const char *secret;
	enum pg_secret_kind kind;
} vectors[] = {
	{ "md553f48b7c4b76a86ce72276c5755f217d", PG_SECRET_MD5 },
	{ "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" STORED ":" SERVER, PG_SECRET_SCRAM },
	{ "secret", PG_SECRET_PLAIN },
	{ "", PG_SECRET_PLAIN },
	{ "md553f48b7c4b76a86ce72276c5755f217", PG_SECRET_PLAIN },
	{ "md553F48B7C4B76A86CE72276C5755F217D", PG_SECRET_PLAIN },
	/* Malformed verifiers are plaintext, as in PostgreSQL. */
	{ "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" STORED, PG_SECRET_PLAIN },
	{ "SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$" STORED ":" SERVER, PG_SECRET_PLAIN },
};

START_TEST(test_kind)
{
	ck_assert_int_eq(pg_secret_kind(vectors[_i].secret), vectors[_i].kind);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_secret");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_kind, 0, (int)(sizeof vectors / sizeof vectors[0]));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
