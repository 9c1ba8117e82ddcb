/* Unit tests for pooler/admin_parse: every verb and SHOW item in any case,
 * blanks and a trailing ';', quoted arguments and SET values, and each way
 * a command can be wrong, with the exact sentence the client will see. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/admin_parse.h"

struct parse_vector {
	const char *query;
	enum admin_parse_result result;
	enum admin_verb verb;       /* OK only, for every field below */
	enum admin_show show;
	const char *arg;
	const char *value;
	unsigned long long client_id;
	enum admin_shutdown shutdown;
	const char *why;            /* not OK: the exact message; NULL for EMPTY */
};

#define OK_SHOW(q, item) { q, ADMIN_PARSE_OK, ADMIN_SHOW, item, "", "", 0, 0, NULL }
#define OK_DB(q, verb, db) { q, ADMIN_PARSE_OK, verb, 0, db, "", 0, 0, NULL }
#define OK_SET(q, key, val) { q, ADMIN_PARSE_OK, ADMIN_SET, 0, key, val, 0, 0, NULL }
#define BAD(q, result, why) { q, result, 0, 0, NULL, NULL, 0, 0, why }

static const struct parse_vector vectors[] = {
	OK_SHOW("SHOW POOLS", ADMIN_SHOW_POOLS),
	OK_SHOW("show pools;", ADMIN_SHOW_POOLS),
	OK_SHOW("  \tShow\n Stats_Totals ; \n", ADMIN_SHOW_STATS_TOTALS),
	OK_SHOW("SHOW HELP", ADMIN_SHOW_HELP),
	OK_SHOW("SHOW STATS", ADMIN_SHOW_STATS),
	OK_SHOW("SHOW STATS_AVERAGES", ADMIN_SHOW_STATS_AVERAGES),
	OK_SHOW("SHOW TOTALS", ADMIN_SHOW_TOTALS),
	OK_SHOW("SHOW SERVERS", ADMIN_SHOW_SERVERS),
	OK_SHOW("SHOW CLIENTS", ADMIN_SHOW_CLIENTS),
	OK_SHOW("SHOW SOCKETS", ADMIN_SHOW_SOCKETS),
	OK_SHOW("SHOW ACTIVE_SOCKETS", ADMIN_SHOW_ACTIVE_SOCKETS),
	OK_SHOW("SHOW DATABASES", ADMIN_SHOW_DATABASES),
	OK_SHOW("SHOW USERS", ADMIN_SHOW_USERS),
	OK_SHOW("SHOW CONFIG", ADMIN_SHOW_CONFIG),
	OK_SHOW("SHOW LISTS", ADMIN_SHOW_LISTS),
	OK_SHOW("SHOW MEM", ADMIN_SHOW_MEM),
	OK_SHOW("SHOW STATE", ADMIN_SHOW_STATE),
	OK_SHOW("SHOW \"version\"", ADMIN_SHOW_VERSION),
	OK_DB("PAUSE", ADMIN_PAUSE, ""),
	OK_DB("pause MyDb;", ADMIN_PAUSE, "MyDb"),
	OK_DB("RESUME app-db", ADMIN_RESUME, "app-db"),
	OK_DB("DISABLE \"we\"\"ird db\"", ADMIN_DISABLE, "we\"ird db"),
	OK_DB("ENABLE x", ADMIN_ENABLE, "x"),
	OK_DB("RECONNECT", ADMIN_RECONNECT, ""),
	OK_DB("KILL db1", ADMIN_KILL, "db1"),
	OK_DB("WAIT_CLOSE;", ADMIN_WAIT_CLOSE, ""),
	OK_DB("reload", ADMIN_RELOAD, ""),
	{ "KILL_CLIENT 1234", ADMIN_PARSE_OK, ADMIN_KILL_CLIENT, 0, "1234", "", 1234, 0, NULL },
	{ "SHUTDOWN", ADMIN_PARSE_OK, ADMIN_SHUTDOWN, 0, "", "", 0, ADMIN_SHUTDOWN_NOW, NULL },
	{ "shutdown wait_for_servers", ADMIN_PARSE_OK, ADMIN_SHUTDOWN, 0, "", "", 0,
	  ADMIN_SHUTDOWN_WAIT_FOR_SERVERS, NULL },
	{ "SHUTDOWN WAIT_FOR_CLIENTS;", ADMIN_PARSE_OK, ADMIN_SHUTDOWN, 0, "", "", 0,
	  ADMIN_SHUTDOWN_WAIT_FOR_CLIENTS, NULL },
	OK_SET("SET log_connections = 1", "log_connections", "1"),
	OK_SET("set query_timeout to 0.5;", "query_timeout", "0.5"),
	OK_SET("SET server_check_query = 'select ''x'''", "server_check_query", "select 'x'"),
	OK_SET("SET default_pool_size=20", "default_pool_size", "20"),
	OK_SET("SET default_pool_size= 20", "default_pool_size", "20"),
	OK_SET("SET \"logfile\" = '/tmp/a b.log' ;", "logfile", "/tmp/a b.log"),
	OK_SET("SET server_reset_query = ''", "server_reset_query", ""),
	BAD("", ADMIN_PARSE_EMPTY, NULL),
	BAD("  ; ", ADMIN_PARSE_EMPTY, NULL),
	BAD("SELECT 1", ADMIN_PARSE_SYNTAX, "invalid command 'SELECT 1', use SHOW HELP;"),
	BAD("SHOW", ADMIN_PARSE_SYNTAX, "SHOW needs what to show, e.g. SHOW POOLS"),
	BAD("SHOW FOO", ADMIN_PARSE_SYNTAX, "invalid command 'SHOW FOO', use SHOW HELP;"),
	BAD("SHOW POOLS; SHOW STATS", ADMIN_PARSE_SYNTAX,
	    "invalid command 'SHOW POOLS; SHOW STATS', use SHOW HELP;"),
	BAD("SHOW POOLS;;", ADMIN_PARSE_SYNTAX, "invalid command 'SHOW POOLS;;', use SHOW HELP;"),
	BAD("PAUSE a b", ADMIN_PARSE_SYNTAX, "invalid command 'PAUSE a b', use SHOW HELP;"),
	BAD("PAUSE \"open", ADMIN_PARSE_SYNTAX, "invalid command 'PAUSE \"open', use SHOW HELP;"),
	BAD("PAUSEX", ADMIN_PARSE_SYNTAX, "invalid command 'PAUSEX', use SHOW HELP;"),
	BAD("RELOAD now", ADMIN_PARSE_SYNTAX, "RELOAD takes no argument"),
	BAD("DISABLE", ADMIN_PARSE_SYNTAX, "DISABLE needs a database name"),
	BAD("ENABLE ;", ADMIN_PARSE_SYNTAX, "ENABLE needs a database name"),
	BAD("KILL_CLIENT", ADMIN_PARSE_SYNTAX, "KILL_CLIENT needs a client id from SHOW CLIENTS"),
	BAD("KILL_CLIENT abc", ADMIN_PARSE_BAD_ARG,
	    "KILL_CLIENT needs a client id from SHOW CLIENTS, not 'abc'"),
	BAD("KILL_CLIENT -1", ADMIN_PARSE_BAD_ARG,
	    "KILL_CLIENT needs a client id from SHOW CLIENTS, not '-1'"),
	BAD("KILL_CLIENT 0", ADMIN_PARSE_BAD_ARG,
	    "KILL_CLIENT needs a client id from SHOW CLIENTS, not '0'"),
	BAD("KILL_CLIENT 99999999999999999999999", ADMIN_PARSE_BAD_ARG,
	    "KILL_CLIENT needs a client id from SHOW CLIENTS, not '99999999999999999999999'"),
	BAD("SHUTDOWN LATER", ADMIN_PARSE_BAD_ARG,
	    "SHUTDOWN takes WAIT_FOR_SERVERS or WAIT_FOR_CLIENTS, not 'LATER'"),
	BAD("PAUSE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    ADMIN_PARSE_BAD_ARG, "argument too long (at most 63 bytes)"),
	BAD("SET", ADMIN_PARSE_SYNTAX, "SET needs key = value"),
	BAD("SET x", ADMIN_PARSE_SYNTAX, "SET needs key = value"),
	BAD("SET x 1", ADMIN_PARSE_SYNTAX, "SET needs key = value"),
	BAD("SET x =", ADMIN_PARSE_SYNTAX, "invalid command 'SET x =', use SHOW HELP;"),
	BAD("SET x = 'open", ADMIN_PARSE_SYNTAX, "invalid command 'SET x = 'open', use SHOW HELP;"),
	BAD("SET x = 1 2", ADMIN_PARSE_SYNTAX, "invalid command 'SET x = 1 2', use SHOW HELP;"),
	BAD("SET = 1", ADMIN_PARSE_SYNTAX, "invalid command 'SET = 1', use SHOW HELP;"),
};

START_TEST(test_admin_parse)
{
	const struct parse_vector *v = &vectors[_i];
	struct admin_command cmd;
	char why[256] = "";
	enum admin_parse_result r = admin_parse(v->query, &cmd, why, sizeof why);
	ck_assert_msg(r == v->result, "'%s': result %d, expected %d (%s)", v->query, r, v->result,
		      why);
	if (r != ADMIN_PARSE_OK) {
		if (v->why)
			ck_assert_str_eq(why, v->why);
		return;
	}
	ck_assert_int_eq(cmd.verb, v->verb);
	if (v->verb == ADMIN_SHOW) {
		ck_assert_int_eq(cmd.show, v->show);
		return;
	}
	ck_assert_str_eq(cmd.arg, v->arg);
	ck_assert_str_eq(cmd.value, v->value);
	ck_assert_uint_eq(cmd.client_id, v->client_id);
	ck_assert_int_eq(cmd.shutdown, v->shutdown);
}
END_TEST

START_TEST(test_verb_names)
{
	ck_assert_str_eq(admin_verb_name(ADMIN_SHOW), "SHOW");
	ck_assert_str_eq(admin_verb_name(ADMIN_KILL_CLIENT), "KILL_CLIENT");
	ck_assert_str_eq(admin_verb_name(ADMIN_WAIT_CLOSE), "WAIT_CLOSE");
	ck_assert_str_eq(admin_verb_name(ADMIN_SET), "SET");
}
END_TEST

/* Every prefix of a valid command parses to something, never crashes,
 * and a long query is quoted cut, not overflowing why. */
START_TEST(test_prefixes_and_long_query)
{
	const char *full = "SET server_check_query = 'select ''x''';";
	char buf[64], why[48];
	struct admin_command cmd;
	for (size_t n = 0; n <= strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		enum admin_parse_result r = admin_parse(buf, &cmd, why, sizeof why);
		ck_assert(r == ADMIN_PARSE_OK || r == ADMIN_PARSE_EMPTY || r == ADMIN_PARSE_SYNTAX);
	}
	char longq[2000];
	memset(longq, 'x', sizeof longq - 1);
	longq[sizeof longq - 1] = '\0';
	ck_assert_int_eq(admin_parse(longq, &cmd, why, sizeof why), ADMIN_PARSE_SYNTAX);
	ck_assert_uint_eq(strlen(why), sizeof why - 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin_parse");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_admin_parse, 0, (int)(sizeof vectors / sizeof vectors[0]));
	tcase_add_test(tc, test_verb_names);
	tcase_add_test(tc, test_prefixes_and_long_query);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
