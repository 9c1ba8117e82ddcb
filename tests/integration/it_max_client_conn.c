/* it_max_client_conn: the client limit (it_max_client_conn.sh: database
 * it_max, max_client_conn = 4, auth_type = plain for the raw login). With
 * four clients connected, one with a query in flight, a fifth gets FATAL
 * 53300 "no more connections allowed (max_client_conn)" (checked through
 * libpq's message and raw for the SQLSTATE) and is closed; the query in
 * flight finishes; once one client leaves, a new one gets in. */
#include <stdio.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define DB "it_max"
#define LIMIT 4
#define MESSAGE "no more connections allowed (max_client_conn)"

/* A libpq login that must be refused for the client limit. */
static void expect_refused(void)
{
	char info[1024];
	ck_assert_msg(it_pq_conninfo(info, sizeof info, DB, "") == 0, "%s", info);
	PGconn *c = PQconnectdb(info);
	ck_assert_msg(PQstatus(c) == CONNECTION_BAD, "a client over max_client_conn got in");
	ck_assert_msg(strstr(PQerrorMessage(c), MESSAGE) != NULL, "refused with \"%s\", "
		      "expected \"%s\"", PQerrorMessage(c), MESSAGE);
	PQfinish(c);
}

/* A login that succeeds within 2 s: the slot of a client that just left
 * is freed when corral has noticed, which takes a moment. */
static PGconn *connect_soon(void)
{
	char info[1024];
	ck_assert_msg(it_pq_conninfo(info, sizeof info, DB, "") == 0, "%s", info);
	int64_t deadline = it_now_ms() + 2000;
	for (;;) {
		PGconn *c = PQconnectdb(info);
		if (PQstatus(c) == CONNECTION_OK)
			return c;
		ck_assert_msg(it_now_ms() < deadline, "no login within 2 s of a client leaving: %s",
			      PQerrorMessage(c));
		PQfinish(c);
		it_sleep_ms(100);
	}
}

START_TEST(test_one_over_the_limit_refused)
{
	PGconn *held[LIMIT];
	for (int i = 0; i < LIMIT; i++)
		held[i] = it_pq_connect(DB, "");
	ck_assert(PQsendQuery(held[0], "SELECT pg_sleep(1), 'in flight'"));

	expect_refused();
	struct it_raw r;
	it_raw_open(&r);
	it_raw_login(&r, DB, it_env("PGUSER"), it_env("PGPASSWORD"));
	it_raw_expect_error(&r, "53300", MESSAGE);
	it_raw_close(&r);

	PGresult *res;
	ck_assert(it_pq_collect(held[0], it_now_ms() + IT_WAIT_MS, &res) == 0 && res != NULL);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "in flight");
	PQclear(res);
	for (int i = 1; i < LIMIT; i++)
		it_pq_exec_ok(held[i], "SELECT 1");

	PQfinish(held[LIMIT - 1]);
	held[LIMIT - 1] = connect_soon();
	it_pq_exec_ok(held[LIMIT - 1], "SELECT 1");
	expect_refused();
	for (int i = 0; i < LIMIT; i++)
		PQfinish(held[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_max_client_conn");
	TCase *tc = tcase_create("limit");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_one_over_the_limit_refused);
	suite_add_tcase(s, tc);
	return it_run(s);
}
