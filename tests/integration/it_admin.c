/* it_admin: who may use the admin console and how it answers mistakes
 * (it_admin_show.sh: auth_type plain for the raw logins; admin_users the
 * harness user, stats_users it_stats, it_nobody in auth_file only). A
 * user in neither list gets FATAL 42501 "not allowed"; a stats user may
 * SHOW but gets 42501 "admin access needed" for the rest; every kind of
 * bad command gets its SQLSTATE and the session goes on, as it does after
 * the extended protocol's 0A000; SET changes what SHOW CONFIG reports, and
 * refuses settings that need a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define CONSOLE "pgbouncer"
#define STATS_USER "user=it_stats password=stats-secret"

START_TEST(test_user_not_listed_refused)
{
	struct it_raw r;
	it_raw_open(&r);
	it_raw_login(&r, CONSOLE, "it_nobody", "nobody-secret");
	it_raw_expect_error(&r, "42501", "not allowed");
	it_raw_close(&r);
	/* The other name of the console, likewise. */
	it_raw_open(&r);
	it_raw_login(&r, "corral", "it_nobody", "nobody-secret");
	it_raw_expect_error(&r, "42501", "not allowed");
	it_raw_close(&r);
}
END_TEST

START_TEST(test_wrong_password_refused)
{
	struct it_raw r;
	it_raw_open(&r);
	it_raw_login(&r, CONSOLE, it_env("PGUSER"), "not-the-password");
	it_raw_expect_error(&r, "28P01", NULL);
	it_raw_close(&r);
}
END_TEST

START_TEST(test_stats_user_shows_only)
{
	PGconn *c = it_pq_connect(CONSOLE, STATS_USER);
	PGresult *r = it_pq_exec(c, "SHOW POOLS");
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	const char *refused[] = { "PAUSE", "RESUME", "RELOAD", "RECONNECT", "DISABLE it_admin",
				  "KILL_CLIENT 1", "SET default_pool_size = 3", "SHUTDOWN" };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		it_pq_exec_error(c, refused[i], "42501", "admin access needed");
	char *v = it_pq_text(c, "SHOW VERSION");
	ck_assert_msg(strncmp(v, "corral ", 7) == 0, "SHOW VERSION said '%s'", v);
	free(v);
	PQfinish(c);
}
END_TEST

/* A bad command, the SQLSTATE it must get, and a part of the message. */
static const struct {
	const char *sql, *sqlstate, *part;
} mistakes[] = {
	{ "SELECT 1", "42601", "invalid command 'SELECT 1', use SHOW HELP;" },
	{ "SHOW NOTHING", "42601", "invalid command 'SHOW NOTHING'" },
	{ "SHOW POOLS; SHOW STATS", "42601", "invalid command" },
	{ "DISABLE", "42601", "DISABLE needs a database name" },
	{ "RELOAD now", "42601", "RELOAD takes no argument" },
	{ "KILL_CLIENT abc", "22023", "not 'abc'" },
	{ "KILL_CLIENT 999999", "22023", "client not found: 999999" },
	{ "PAUSE it_no_such_db", "22023", "no such database: it_no_such_db" },
	{ "PAUSE pgbouncer", "22023", "cannot PAUSE the admin database" },
	{ "SHUTDOWN SOON", "22023", "WAIT_FOR_SERVERS or WAIT_FOR_CLIENTS" },
	{ "SET no_such_setting = 1", "22023", "unknown setting: no_such_setting" },
	{ "SET default_pool_size = many", "22023", "default_pool_size" },
	{ "SET listen_port = 1", "55P02", "needs a restart" },
	{ "SET auth_file = '/tmp/x'", "55P02", "RELOAD" },
	{ "SET client_tls_sslmode = require", "55P02", "RELOAD" },
	{ "SET auth_type = trust", "55P02", "RELOAD" },
	{ "RESUME", "55000", "not paused" },
	{ "RESUME it_admin", "55000", "database it_admin is not paused" },
};

START_TEST(test_mistakes_answered_session_goes_on)
{
	PGconn *c = it_pq_connect(CONSOLE, "");
	it_pq_exec_error(c, mistakes[_i].sql, mistakes[_i].sqlstate, mistakes[_i].part);
	it_pq_assert_tx(c, PQTRANS_IDLE);
	char *v = it_pq_text(c, "show version;");
	ck_assert_msg(strncmp(v, "corral ", 7) == 0, "SHOW VERSION said '%s'", v);
	free(v);
	PGresult *r = it_pq_exec(c, "");
	ck_assert_int_eq(PQresultStatus(r), PGRES_EMPTY_QUERY);
	PQclear(r);
	PQfinish(c);
}
END_TEST

START_TEST(test_extended_protocol_refused)
{
	PGconn *c = it_pq_connect(CONSOLE, "");
	PGresult *r = PQexecParams(c, "SHOW POOLS", 0, NULL, NULL, NULL, NULL, 0);
	it_pq_check_error(r, "extended protocol", "0A000", "extended query protocol not supported");
	PQclear(r);
	it_pq_assert_tx(c, PQTRANS_IDLE);
	r = it_pq_exec(c, "SHOW POOLS");  /* the session goes on */
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}
END_TEST

/* Value of setting key in SHOW CONFIG. */
static char *config_value(PGconn *c, const char *key)
{
	PGresult *r = it_pq_exec(c, "SHOW CONFIG");
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	ck_assert_str_eq(PQfname(r, 0), "key");
	char *value = NULL;
	for (int i = 0; i < PQntuples(r) && value == NULL; i++)
		if (strcmp(PQgetvalue(r, i, 0), key) == 0)
			value = strdup(PQgetvalue(r, i, 1));
	PQclear(r);
	ck_assert_msg(value != NULL, "SHOW CONFIG has no %s", key);
	return value;
}

START_TEST(test_set_changes_config)
{
	PGconn *c = it_pq_connect(CONSOLE, "");
	char *before = config_value(c, "server_check_query");
	it_pq_exec_ok(c, "SET server_check_query = 'select ''it_admin'''");
	char *after = config_value(c, "server_check_query");
	ck_assert_str_eq(after, "select 'it_admin'");
	free(after);
	it_pq_exec_ok(c, "set stats_users to it_stats");
	after = config_value(c, "stats_users");
	ck_assert_str_eq(after, "it_stats");
	free(after);
	char *set_back = malloc(strlen(before) * 2 + 64);
	char *q = set_back + sprintf(set_back, "SET server_check_query = '");
	for (const char *p = before; *p; p++) {
		if (*p == '\'')
			*q++ = '\'';
		*q++ = *p;
	}
	strcpy(q, "'");
	it_pq_exec_ok(c, set_back);
	after = config_value(c, "server_check_query");
	ck_assert_str_eq(after, before);
	free(after);
	free(set_back);
	free(before);
	PQfinish(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_admin");
	TCase *tc = tcase_create("console");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_user_not_listed_refused);
	tcase_add_test(tc, test_wrong_password_refused);
	tcase_add_test(tc, test_stats_user_shows_only);
	tcase_add_loop_test(tc, test_mistakes_answered_session_goes_on, 0,
			    (int)(sizeof mistakes / sizeof mistakes[0]));
	tcase_add_test(tc, test_extended_protocol_refused);
	tcase_add_test(tc, test_set_changes_config);
	suite_add_tcase(s, tc);
	return it_run(s);
}
