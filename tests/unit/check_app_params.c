/* Unit tests for app/params: queries=N follows the benchmark's clamping
 * rules exactly, /files/ names that could leave nginx's files directory or
 * name a hidden file are refused, and the chat endpoints' names, since=ID
 * and message texts (well-formed UTF-8 only) are read as documented. */
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

static const struct {
	const char *name;
	bool ok;
} chat_name_vectors[] = {
	{ "lobby", true },
	{ "alice", true },
	{ "team_2-b", true },
	{ "", false },
	{ "a.b", false },
	{ "a/b", false },
	{ "a b", false },
	{ "a%20b", false },
	{ "caf\xc3\xa9", false },
	{ "a\r\nX-Evil: 1", false },
};

START_TEST(test_chat_names)
{
	ck_assert_msg(params_name_ok(chat_name_vectors[_i].name) == chat_name_vectors[_i].ok,
		      "'%s'", chat_name_vectors[_i].name);
}
END_TEST

START_TEST(test_chat_name_length)
{
	char name[PARAMS_NAME_MAX + 2];
	memset(name, 'n', sizeof name - 1);
	name[PARAMS_NAME_MAX] = '\0';
	ck_assert(params_name_ok(name));
	name[PARAMS_NAME_MAX] = 'n';
	name[PARAMS_NAME_MAX + 1] = '\0';
	ck_assert(!params_name_ok(name));
}
END_TEST

static const struct {
	const char *value;
	long long want;
} since_vectors[] = {
	{ NULL, 0 },
	{ "", 0 },
	{ "0", 0 },
	{ "42", 42 },
	{ "-1", 0 },
	{ "+1", 0 },
	{ "1x", 0 },
	{ "9223372036854775807", 9223372036854775807LL },
	{ "9223372036854775808", 9223372036854775807LL },
	{ "99999999999999999999999999", 9223372036854775807LL },
};

START_TEST(test_since)
{
	ck_assert_int_eq(params_since(since_vectors[_i].value), since_vectors[_i].want);
}
END_TEST

static const struct {
	const char *text;
	bool ok;
} message_vectors[] = {
	{ "hello", true },
	{ "two\nlines\tand a tab", true },
	{ "<b>markup</b> & \"quotes\"", true },
	{ "caf\xc3\xa9 \xe3\x83\x97\xe3\x83\xbc\xe3\x83\xab \xf0\x9f\x90\x98", true },
	{ "\xef\xbf\xbf", true },                /* U+FFFF */
	{ "\xf4\x8f\xbf\xbf", true },            /* U+10FFFF */
	{ "", false },
	{ "bell\a", false },
	{ "cr\r", false },
	{ "del\x7f", false },
	{ "\xc3", false },                        /* truncated */
	{ "\xc3(", false },                       /* bad continuation */
	{ "\xc0\xaf", false },                    /* overlong '/' */
	{ "\xe0\x80\xaf", false },                /* overlong, 3 bytes */
	{ "\xed\xa0\x80", false },                /* surrogate U+D800 */
	{ "\xf4\x90\x80\x80", false },            /* above U+10FFFF */
	{ "\xf8\x88\x80\x80\x80", false },        /* 5 bytes */
	{ "\x80", false },                        /* lone continuation */
};

START_TEST(test_messages)
{
	const char *t = message_vectors[_i].text;
	ck_assert_msg(params_message_ok(t, strlen(t)) == message_vectors[_i].ok, "vector %d", _i);
}
END_TEST

START_TEST(test_message_length_and_nul)
{
	char text[PARAMS_MESSAGE_MAX + 1];
	memset(text, 'm', sizeof text);
	ck_assert(params_message_ok(text, PARAMS_MESSAGE_MAX));
	ck_assert(!params_message_ok(text, PARAMS_MESSAGE_MAX + 1));
	ck_assert(!params_message_ok("a\0b", 3));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_params");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_queries, 0, sizeof queries_vectors / sizeof queries_vectors[0]);
	tcase_add_loop_test(tc, test_file_names, 0, sizeof name_vectors / sizeof name_vectors[0]);
	tcase_add_test(tc, test_file_name_length);
	tcase_add_loop_test(tc, test_chat_names, 0,
			    sizeof chat_name_vectors / sizeof chat_name_vectors[0]);
	tcase_add_test(tc, test_chat_name_length);
	tcase_add_loop_test(tc, test_since, 0, sizeof since_vectors / sizeof since_vectors[0]);
	tcase_add_loop_test(tc, test_messages, 0, sizeof message_vectors / sizeof message_vectors[0]);
	tcase_add_test(tc, test_message_length_and_nul);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
