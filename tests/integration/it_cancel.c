/* it_cancel: query cancellation through corral (it_cancel.sh: database
 * it_cancel, transaction mode, a pool of 2). PQcancel of a pg_sleep(30)
 * returns within 1 s and the query fails with 57014 within 1 s, while
 * another client's query on the other server finishes untouched and the
 * cancelled client keeps working; CancelRequests with a wrong key (the
 * client's pid with a random key, or random pid and key) reach nobody; a
 * cancel for a client with no query in flight is dropped and does not hit
 * its next query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define DB "it_cancel"
#define CANCEL_MS 1000

/* A client's query in flight, tagged so pg_stat_activity shows it alone. */
struct flight {
	PGconn *conn;
	char sql[128];
	int64_t sent;
};

/* Sends "SELECT pg_sleep(seconds), 'value'" tagged with a fresh token. */
static void start_sleep(struct flight *f, const char *seconds, const char *value)
{
	char token[IT_TOKEN_SIZE];
	it_token(token);
	snprintf(f->sql, sizeof f->sql, "SELECT pg_sleep(%s), '%s' /* %s */", seconds, value,
		 token);
	ck_assert_msg(PQsendQuery(f->conn, f->sql), "%s", PQerrorMessage(f->conn));
	f->sent = it_now_ms();
}

/* The flight's result, waited for until deadline_ms; caller PQclears. */
static PGresult *land(struct flight *f, int64_t deadline_ms)
{
	PGresult *r;
	ck_assert_msg(it_pq_collect(f->conn, deadline_ms, &r) == 0 && r != NULL,
		      "%s: no answer in time", f->sql);
	return r;
}

/* The flight finished normally with value, after at least min_ms. */
static void expect_finished(struct flight *f, const char *value, int min_ms)
{
	PGresult *r = land(f, it_now_ms() + IT_WAIT_MS);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", f->sql,
		      PQresultErrorMessage(r));
	ck_assert_str_eq(PQgetvalue(r, 0, 1), value);
	int64_t took = it_now_ms() - f->sent;
	ck_assert_msg(took >= min_ms, "%s took %lld ms: cut short", f->sql, (long long)took);
	PQclear(r);
	it_pq_assert_tx(f->conn, PQTRANS_IDLE);
}

START_TEST(test_cancel_sleep_spares_neighbour)
{
	PGconn *direct = it_pq_connect_direct();
	struct flight a = { .conn = it_pq_connect(DB, "") };
	struct flight b = { .conn = it_pq_connect(DB, "") };
	start_sleep(&a, "30", "a");
	start_sleep(&b, "1.5", "b");
	it_pq_wait_active(direct, a.sql);
	it_pq_wait_active(direct, b.sql);

	int64_t t0 = it_now_ms();
	char why[256];
	PGcancel *cancel = PQgetCancel(a.conn);
	ck_assert_msg(PQcancel(cancel, why, sizeof why) == 1, "PQcancel: %s", why);
	PQfreeCancel(cancel);
	ck_assert_msg(it_now_ms() - t0 <= CANCEL_MS, "PQcancel took %lld ms",
		      (long long)(it_now_ms() - t0));
	PGresult *r = land(&a, t0 + CANCEL_MS);
	it_pq_check_error(r, "the cancelled pg_sleep(30)", "57014", NULL);
	PQclear(r);
	printf("pg_sleep(30) cancelled in %lld ms\n", (long long)(it_now_ms() - t0));
	it_pq_assert_tx(a.conn, PQTRANS_IDLE);

	expect_finished(&b, "b", 1450);
	char *v = it_pq_text(a.conn, "SELECT 'a again'");
	ck_assert_str_eq(v, "a again");
	free(v);
	PQfinish(a.conn);
	PQfinish(b.conn);
	PQfinish(direct);
}
END_TEST

START_TEST(test_wrong_keys_reach_nobody)
{
	PGconn *direct = it_pq_connect_direct();
	struct flight a = { .conn = it_pq_connect(DB, "") };
	start_sleep(&a, "1", "a");
	it_pq_wait_active(direct, a.sql);
	const uint32_t forged[][2] = {
		{ (uint32_t)PQbackendPID(a.conn), it_random32() },
		{ (uint32_t)PQbackendPID(a.conn), 0 },
		{ it_random32(), it_random32() },
	};
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		struct it_raw raw;
		it_raw_open(&raw);
		it_raw_send_cancel(&raw, forged[i][0], forged[i][1]);
		it_raw_expect_eof(&raw, 2000);
		it_raw_close(&raw);
	}
	expect_finished(&a, "a", 950);
	PQfinish(a.conn);
	PQfinish(direct);
}
END_TEST

START_TEST(test_cancel_of_idle_client_dropped)
{
	struct flight a = { .conn = it_pq_connect(DB, "") };
	it_pq_exec_ok(a.conn, "SELECT 1");
	char why[256];
	PGcancel *cancel = PQgetCancel(a.conn);
	ck_assert_msg(PQcancel(cancel, why, sizeof why) == 1, "PQcancel: %s", why);
	PQfreeCancel(cancel);
	start_sleep(&a, "0.5", "a");
	expect_finished(&a, "a", 450);
	PQfinish(a.conn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_cancel");
	/* PQcancel has no timeout of its own; Check's ends a hang. */
	TCase *tc = tcase_create("cancel");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_cancel_sleep_spares_neighbour);
	tcase_add_test(tc, test_wrong_keys_reach_nobody);
	tcase_add_test(tc, test_cancel_of_idle_client_dropped);
	suite_add_tcase(s, tc);
	return it_run(s);
}
