/* Unit tests for app/params: queries=N follows the benchmark's clamping
 * rules exactly, and /files/ names that could leave nginx's files
 * directory or name a hidden file are refused. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app/params.h"

static const struct {
	const char *query;   /* NULL: the URI has no query string */
	int want;
} queries_vectors[] = {
	{ NULL, 1 },
	{ "", 1 },
	{ "queries=", 1 },
	{ "queries=0", 1 },
	{ "queries=1", 1 },
	{ "queries=20", 20 },
	{ "queries=500", 500 },
	{ "queries=501", 500 },
	{ "queries=99999999999999999999999", 500 },
	{ "queries=-5", 1 },
	{ "queries=+5", 1 },
	{ "queries=foo", 1 },
	{ "queries=20x", 1 },
	{ "queries=007", 7 },
	{ "a=1&queries=15&b=2", 15 },
	{ "queries=3&queries=9", 3 },
	{ "myqueries=9", 1 },
	{ "queries", 1 },
};

START_TEST(test_queries)
{
	ck_assert_int_eq(params_queries(queries_vectors[_i].query), queries_vectors[_i].want);
}
END_TEST

static const struct {
	const char *name;
	bool ok;
} name_vectors[] = {
	{ "hello.txt", true },
	{ "a", true },
	{ "report_2024-01.pdf", true },
	{ "", false },
	{ ".hidden", false },
	{ "..", false },
	{ "../etc/passwd", false },
	{ "a/b", false },
	{ "a%2fb", false },
	{ "a b", false },
	{ "caf\xc3\xa9", false },
	{ "a?b", false },
};

START_TEST(test_file_names)
{
	ck_assert_msg(params_file_name_ok(name_vectors[_i].name) == name_vectors[_i].ok,
		      "'%s'", name_vectors[_i].name);
}
END_TEST

START_TEST(test_file_name_length)
{
	char name[PARAMS_FILE_NAME_MAX + 2];
	memset(name, 'x', sizeof name - 1);
	name[PARAMS_FILE_NAME_MAX] = '\0';
	ck_assert(params_file_name_ok(name));
	name[PARAMS_FILE_NAME_MAX] = 'x';
	name[PARAMS_FILE_NAME_MAX + 1] = '\0';
	ck_assert(!params_file_name_ok(name));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_params");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_queries, 0, sizeof queries_vectors / sizeof queries_vectors[0]);
	tcase_add_loop_test(tc, test_file_names, 0, sizeof name_vectors / sizeof name_vectors[0]);
	tcase_add_test(tc, test_file_name_length);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
