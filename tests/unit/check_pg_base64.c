/* Unit tests for protocol/pg_base64: RFC 4648 section 10 vectors both
 * ways, and the strict decoder's refusals. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_base64.h"

static const struct {
	const char *raw;
	const char *b64;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	{ "\xff\xfe\xfd", "//79" },
	{ "\xfb\xef", "++8=" },
};

START_TEST(test_encode)
{
	char out[16];
	size_t n = strlen(vectors[_i].raw);
	pg_base64_encode((const uint8_t *)vectors[_i].raw, n, out);
	ck_assert_str_eq(out, vectors[_i].b64);
	ck_assert_uint_eq(pg_base64_encoded_len(n), strlen(vectors[_i].b64));
}
END_TEST

START_TEST(test_decode)
{
	uint8_t out[16];
	size_t n = 99;
	const char *b64 = vectors[_i].b64;
	ck_assert_int_eq(pg_base64_decode(b64, strlen(b64), out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, strlen(vectors[_i].raw));
	ck_assert_mem_eq(out, vectors[_i].raw, n);
}
END_TEST

static const char *const invalid[] = {
	"Zg=",       /* length not a multiple of 4 */
	"Zg",
	"Zh==",      /* unused bits not zero */
	"Zm9=",
	"Z===",      /* too much padding */
	"====",
	"Zg==Zg==",  /* padding before the end */
	"Zm=v",
	"Zm9v\n",
	"Zm9-",      /* URL-safe alphabet is not accepted */
	"Zm9_",
	"Zm 9",
	"Zm9vYmFy====",
};

START_TEST(test_decode_invalid)
{
	uint8_t out[16];
	size_t n;
	ck_assert_int_eq(pg_base64_decode(invalid[_i], strlen(invalid[_i]), out, sizeof out, &n), -1);
}
END_TEST

START_TEST(test_decode_capacity)
{
	uint8_t out[6];
	size_t n;
	ck_assert_int_eq(pg_base64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
	ck_assert_int_eq(pg_base64_decode("Zm9vYmE=", 8, out, 5, &n), 0);
	ck_assert_uint_eq(n, 5);
	/* Only the first len characters count. */
	ck_assert_int_eq(pg_base64_decode("Zm9vYmFy", 4, out, 3, &n), 0);
	ck_assert_mem_eq(out, "foo", 3);
}
END_TEST

#define N(table) ((int)(sizeof table / sizeof table[0]))

int main(void)
{
	Suite *s = suite_create("pg_base64");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_encode, 0, N(vectors));
	tcase_add_loop_test(tc, test_decode, 0, N(vectors));
	tcase_add_loop_test(tc, test_decode_invalid, 0, N(invalid));
	tcase_add_test(tc, test_decode_capacity);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
