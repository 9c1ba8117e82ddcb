/* it_cancel_race: a cancel that reaches PostgreSQL late must not hit
 * another query (it_cancel_race.sh: database it_race in transaction mode
 * and it_race_session in session mode, each a pool of 1, auth_type =
 * plain so the raw client A can log in and learn its cancel key).
 * PostgreSQL signals the backend only after a new connection and a fork,
 * milliseconds after corral forwarded the request; a server handed on
 * meanwhile would carry the signal to its next query. Client A ends a
 * transaction and sends a cancel at the same instant, round after round,
 * while client B's pg_sleep waits for the one server: B's query must
 * never fail with 57014. A cancel of A's running pg_sleep must still land
 * within 1 s, and the cancel connection must close only once PostgreSQL
 * has acted (session mode: A's next query, sent after that close, runs
 * untouched). A client or server that leaves while its cancel is in
 * flight must leave corral serving (the sanitizer build checks the rest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define DB "it_race"
#define DB_SESSION "it_race_session"
#define ROUNDS 25
#define CANCEL_MS 1000

static void raw_login(struct it_raw *a, const char *db)
{
	it_raw_open(a);
	it_raw_login(a, db, it_env("PGUSER"), it_env("PGPASSWORD"));
	it_raw_wait_ready(a);
	ck_assert_msg(a->key_pid || a->key_secret, "no BackendKeyData at login");
}

/* Runs sql on A; returns the SQLSTATE of its error in state ("" if none). */
static void raw_run(struct it_raw *a, const char *sql, char state[6])
{
	it_raw_send_query(a, sql);
	it_raw_query_end(a, IT_WAIT_MS, state);
}

static void raw_run_ok(struct it_raw *a, const char *sql)
{
	char state[6];
	raw_run(a, sql, state);
	ck_assert_msg(state[0] == '\0', "%s failed: %s", sql, state);
}

/* Sends A's CancelRequest on k, a connection opened earlier (so corral
 * has accepted it and reads the 16 bytes at once). */
static void send_cancel(struct it_raw *k, const struct it_raw *a)
{
	it_raw_send_cancel(k, a->key_pid, a->key_secret);
}

/* B's query's outcome: "" when it returned its row, else its SQLSTATE
 * (or "none" when no error code came). */
static void b_outcome(PGconn *b, const char *sql, char state[16])
{
	PGresult *r;
	ck_assert_msg(it_pq_collect(b, it_now_ms() + IT_WAIT_MS, &r) == 0 && r != NULL,
		      "%s: no answer in time", sql);
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		state[0] = '\0';
	else
		snprintf(state, 16, "%s", code ? code : "none");
	PQclear(r);
}

START_TEST(test_late_cancel_spares_next_client)
{
	struct it_raw a;
	raw_login(&a, DB);
	PGconn *b = it_pq_connect(DB, "");
	int a_cancelled = 0, b_hit = 0;
	char first_hit[16] = "";
	for (int round = 0; round < ROUNDS; round++) {
		struct it_raw k;
		it_raw_open(&k);
		raw_run_ok(&a, "BEGIN");
		char token[IT_TOKEN_SIZE], sql[128], state[16];
		it_token(token);
		snprintf(sql, sizeof sql, "SELECT pg_sleep(0.1), 'b' /* %s */", token);
		ck_assert_msg(PQsendQuery(b, sql), "%s", PQerrorMessage(b));
		it_pq_assert_waiting(b, 20);  /* queued behind A's transaction */
		it_raw_send_query(&a, "COMMIT");
		send_cancel(&k, &a);
		it_raw_query_end(&a, IT_WAIT_MS, state);
		if (state[0] != '\0') {  /* the cancel caught A's own COMMIT */
			ck_assert_str_eq(state, "57014");
			a_cancelled++;
			raw_run(&a, "ROLLBACK", state);
		}
		b_outcome(b, sql, state);
		if (state[0] != '\0' && b_hit++ == 0)
			snprintf(first_hit, sizeof first_hit, "%s", state);
		it_raw_expect_eof(&k, IT_WAIT_MS);
		it_raw_close(&k);
	}
	printf("%d rounds: A's own COMMIT cancelled %d times, B's query failed %d times\n",
	       ROUNDS, a_cancelled, b_hit);
	ck_assert_msg(b_hit == 0, "A's cancel failed B's query %d times in %d rounds (first: %s)",
		      b_hit, ROUNDS, first_hit);
	it_raw_close(&a);
	PQfinish(b);
}
END_TEST

/* A runs sql (tagged) and the test waits until PostgreSQL runs it. */
static void raw_start_running(struct it_raw *a, PGconn *direct, const char *what, char *sql,
			      size_t size)
{
	char token[IT_TOKEN_SIZE];
	it_token(token);
	snprintf(sql, size, "SELECT %s /* %s */", what, token);
	it_raw_send_query(a, sql);
	it_pq_wait_active(direct, sql);
}

START_TEST(test_cancel_of_running_query_lands)
{
	PGconn *direct = it_pq_connect_direct();
	struct it_raw a, k;
	char sql[128], bsql[128], state[16], token[IT_TOKEN_SIZE];
	raw_login(&a, DB);
	PGconn *b = it_pq_connect(DB, "");
	raw_start_running(&a, direct, "pg_sleep(30)", sql, sizeof sql);
	it_token(token);
	snprintf(bsql, sizeof bsql, "SELECT 'b' /* %s */", token);
	ck_assert_msg(PQsendQuery(b, bsql), "%s", PQerrorMessage(b));
	it_pq_assert_waiting(b, 20);

	int64_t t0 = it_now_ms();
	it_raw_open(&k);
	send_cancel(&k, &a);
	int64_t closed = it_raw_expect_eof(&k, CANCEL_MS);
	it_raw_close(&k);
	it_raw_query_end(&a, CANCEL_MS, state);
	ck_assert_str_eq(state, "57014");
	printf("pg_sleep(30) cancelled in %lld ms; the cancel connection closed after %lld ms\n",
	       (long long)(it_now_ms() - t0), (long long)closed);
	b_outcome(b, bsql, state);
	ck_assert_msg(state[0] == '\0', "B's query after the cancel failed: %s", state);
	raw_run_ok(&a, "SELECT 'a again'");
	it_raw_close(&a);
	PQfinish(b);
	PQfinish(direct);
}
END_TEST

/* Session mode keeps A's server: its next query goes to the same backend
 * at once, so the cancel connection must stay open until PostgreSQL has
 * signalled, as libpq's PQcancel expects. */
START_TEST(test_session_next_query_spared)
{
	struct it_raw a;
	raw_login(&a, DB_SESSION);
	int hit = 0;
	for (int round = 0; round < ROUNDS / 2; round++) {
		struct it_raw k;
		char state[6];
		it_raw_open(&k);
		it_raw_send_query(&a, "SELECT 1");
		send_cancel(&k, &a);
		it_raw_query_end(&a, IT_WAIT_MS, state);
		it_raw_expect_eof(&k, IT_WAIT_MS);  /* what PQcancel waits for */
		it_raw_close(&k);
		raw_run(&a, "SELECT pg_sleep(0.05)", state);
		hit += state[0] != '\0';
	}
	ck_assert_msg(hit == 0, "a cancel hit the query sent after its connection closed %d times",
		      hit);
	it_raw_close(&a);
}
END_TEST

/* The cancelling connection, then the cancelled client (whose server
 * closes: it left mid-query), go away while the cancel is in flight. */
START_TEST(test_leaving_during_cancel)
{
	PGconn *direct = it_pq_connect_direct();
	struct it_raw a, k;
	char sql[128];
	raw_login(&a, DB);
	raw_start_running(&a, direct, "pg_sleep(30)", sql, sizeof sql);
	it_raw_open(&k);
	send_cancel(&k, &a);
	it_raw_close(&k);
	it_raw_close(&a);
	PGconn *b = it_pq_connect(DB, "");
	char *v = it_pq_text(b, "SELECT 'b'");
	ck_assert_str_eq(v, "b");
	free(v);
	PQfinish(b);
	PQfinish(direct);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_cancel_race");
	TCase *tc = tcase_create("cancel_race");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_late_cancel_spares_next_client);
	tcase_add_test(tc, test_cancel_of_running_query_lands);
	tcase_add_test(tc, test_session_next_query_spared);
	tcase_add_test(tc, test_leaving_during_cancel);
	suite_add_tcase(s, tc);
	return it_run(s);
}
