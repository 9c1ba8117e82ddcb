/* Unit tests for protocol/pg_md5: secrets, salted responses and server-side
 * verification against values computed independently with md5sum:
 *   echo -n secretpostgres | md5sum
 *     -> 53f48b7c4b76a86ce72276c5755f217d
 *   printf '%s\x01\x02\x03\x04' 53f48b7c4b76a86ce72276c5755f217d | md5sum
 *     -> bb41a296aab6baccb36ff243a562abff
 *   printf '%s\xde\xad\xbe\xef' 53f48b7c4b76a86ce72276c5755f217d | md5sum
 *     -> c546d0bbed2af888b328536b45c76348 */
#include <check.h>
#include <stdlib.h>

#include "protocol/pg_md5.h"

#define SECRET "md553f48b7c4b76a86ce72276c5755f217d"
#define RFC_VERIFIER \
	"SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:" \
	"wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="

static const uint8_t salt_a[PG_MD5_SALT_LEN] = { 1, 2, 3, 4 };
static const uint8_t salt_b[PG_MD5_SALT_LEN] = { 0xde, 0xad, 0xbe, 0xef };

START_TEST(test_secret)
{
	char out[PG_MD5_SECRET_SIZE];
	ck_assert_int_eq(pg_md5_secret("secret", "postgres", out), 0);
	ck_assert_str_eq(out, SECRET);
}
END_TEST

static const struct {
	const char *input;  /* plaintext or md5 secret */
	const uint8_t *salt;
	const char *response;
} responses[] = {
	{ "secret", salt_a, "md5bb41a296aab6baccb36ff243a562abff" },
	{ SECRET, salt_a, "md5bb41a296aab6baccb36ff243a562abff" },
	{ "secret", salt_b, "md5c546d0bbed2af888b328536b45c76348" },
	{ SECRET, salt_b, "md5c546d0bbed2af888b328536b45c76348" },
};

START_TEST(test_response)
{
	char out[PG_MD5_SECRET_SIZE];
	ck_assert_int_eq(pg_md5_response(responses[_i].input, "postgres", responses[_i].salt, out), 0);
	ck_assert_str_eq(out, responses[_i].response);
}
END_TEST

static const struct {
	const char *stored;
	const char *user;
	const uint8_t *salt;
	const char *response;
	enum pg_md5_result res;
} verifies[] = {
	{ "secret", "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_OK },
	{ SECRET, "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_OK },
	{ SECRET, "postgres", salt_b, "md5c546d0bbed2af888b328536b45c76348", PG_MD5_OK },
	/* The response for another salt (a replay) fails. */
	{ SECRET, "postgres", salt_b, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_ERR_MISMATCH },
	{ "Secret", "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_ERR_MISMATCH },
	/* A plaintext secret is salted with the user name; an md5 one already is. */
	{ "secret", "postgre", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_ERR_MISMATCH },
	{ SECRET, "anyone", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_OK },
	{ SECRET, "postgres", salt_a, "md5BB41A296AAB6BACCB36FF243A562ABFF", PG_MD5_ERR_MISMATCH },
	{ SECRET, "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abf", PG_MD5_ERR_MISMATCH },
	{ SECRET, "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abff0", PG_MD5_ERR_MISMATCH },
	{ SECRET, "postgres", salt_a, "", PG_MD5_ERR_MISMATCH },
	/* The client sent the plaintext instead of a response. */
	{ "secret", "postgres", salt_a, "secret", PG_MD5_ERR_MISMATCH },
	/* Knowing the stored secret text must not be enough. */
	{ SECRET, "postgres", salt_a, SECRET, PG_MD5_ERR_MISMATCH },
	{ RFC_VERIFIER, "postgres", salt_a, "md5bb41a296aab6baccb36ff243a562abff", PG_MD5_ERR_SECRET },
};

START_TEST(test_verify)
{
	enum pg_md5_result res = pg_md5_verify(verifies[_i].stored, verifies[_i].user,
					       verifies[_i].salt, verifies[_i].response);
	ck_assert_int_eq(res, verifies[_i].res);
}
END_TEST

static const struct {
	const char *s;
	bool secret;
} is_secrets[] = {
	{ SECRET, true },
	{ "md500000000000000000000000000000000", true },
	{ "md5ABCDEF7b4b76a86ce72276c5755f217d", false },
	{ "md553f48b7c4b76a86ce72276c5755f217", false },
	{ "md553f48b7c4b76a86ce72276c5755f217d0", false },
	{ "md553f48b7c4b76a86ce72276c5755f217g", false },
	{ "md453f48b7c4b76a86ce72276c5755f217d", false },
	{ "MD553f48b7c4b76a86ce72276c5755f217d", false },
	{ "md5", false },
	{ "", false },
};

START_TEST(test_is_secret)
{
	ck_assert_int_eq(pg_md5_is_secret(is_secrets[_i].s), is_secrets[_i].secret);
}
END_TEST

#define N(table) ((int)(sizeof table / sizeof table[0]))

int main(void)
{
	Suite *s = suite_create("pg_md5");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_secret);
	tcase_add_loop_test(tc, test_response, 0, N(responses));
	tcase_add_loop_test(tc, test_verify, 0, N(verifies));
	tcase_add_loop_test(tc, test_is_secret, 0, N(is_secrets));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
