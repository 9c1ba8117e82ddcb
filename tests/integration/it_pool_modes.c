/* it_pool_modes: the three pool modes through libpq, each on a pool of one
 * server (it_pool_modes.sh starts corral with databases it_session,
 * it_tx and it_stmt). Session: a client keeps its backend across
 * transactions and holds it while connected; when it leaves, the reset
 * query leaves the next client no temp table, prepared statement, setting,
 * advisory lock or LISTEN. Transaction: clients share the server between
 * transactions, a transaction (also a failed one, until ROLLBACK) holds
 * it, a multi-statement query's error frees it, and function calls
 * (large objects over the fastpath protocol) work. Statement: autocommit
 * statements work; BEGIN is refused with PgBouncer's message and leaves
 * the server clean. */
#include <libpq/libpq-fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB_SESSION "it_session"
#define DB_TX "it_tx"
#define DB_STMT "it_stmt"
#define PID_SQL "SELECT pg_backend_pid()"
/* How long a query must stay unanswered to count as queued. */
#define QUEUED_MS 500

/* Sends sql on c without waiting; fails the test when libpq refuses. */
static void send_query(PGconn *c, const char *sql)
{
	ck_assert_msg(PQsendQuery(c, sql), "%s: %s", sql, PQerrorMessage(c));
}

/* Reads the answer to a query sent earlier: one row, one column, `want`. */
static void expect_value(PGconn *c, const char *want)
{
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, it_now_ms() + IT_WAIT_MS, &r) == 0,
		      "no answer within %d ms once the server was free", IT_WAIT_MS);
	ck_assert_msg(r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK, "%s",
		      r ? PQresultErrorMessage(r) : "no result");
	ck_assert_str_eq(PQgetvalue(r, 0, 0), want);
	PQclear(r);
}

static void expect_text(PGconn *c, const char *sql, const char *want)
{
	char *v = it_pq_text(c, sql);
	ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s: got %s, expected %s", sql,
		      v ? v : "NULL", want);
	free(v);
}

START_TEST(test_session_same_backend)
{
	PGconn *a = it_pq_connect(DB_SESSION, "");
	long long pid = it_pq_int(a, PID_SQL);
	for (int i = 0; i < 3; i++) {
		it_pq_exec_ok(a, "BEGIN");
		ck_assert_int_eq(it_pq_int(a, PID_SQL), pid);
		it_pq_exec_ok(a, "COMMIT");
		ck_assert_int_eq(it_pq_int(a, PID_SQL), pid);
		it_pq_assert_tx(a, PQTRANS_IDLE);
	}
	PQfinish(a);
}
END_TEST

START_TEST(test_session_holds_server)
{
	PGconn *a = it_pq_connect(DB_SESSION, "");
	PGconn *b = it_pq_connect(DB_SESSION, "");
	it_pq_exec_ok(a, "SELECT 1");
	it_pq_assert_tx(a, PQTRANS_IDLE);
	send_query(b, "SELECT 'b'");
	it_pq_assert_waiting(b, QUEUED_MS);
	PQfinish(a);
	expect_value(b, "b");
	PQfinish(b);
}
END_TEST

/* What a session leaves behind that DISCARD ALL removes. */
static const char *const session_litter[] = {
	"CREATE TEMP TABLE it_reset_t (x int)",
	"PREPARE it_reset_s AS SELECT 1",
	"SET work_mem = '7MB'",
	"SET TimeZone = 'Asia/Tokyo'",
	"SELECT pg_advisory_lock(7340033)",
	"LISTEN it_reset_channel",
};

START_TEST(test_session_reset_for_next_client)
{
	PGconn *direct = it_pq_connect_direct();
	char *tz = it_pq_text(direct, "SHOW TimeZone");
	char *work_mem = it_pq_text(direct, "SHOW work_mem");
	PQfinish(direct);

	PGconn *a = it_pq_connect(DB_SESSION, "");
	for (size_t i = 0; i < sizeof session_litter / sizeof session_litter[0]; i++)
		it_pq_exec_ok(a, session_litter[i]);
	PGresult *r = PQprepare(a, "it_reset_p", "SELECT 2", 0, NULL);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	long long pid = it_pq_int(a, PID_SQL);
	PQfinish(a);

	PGconn *b = it_pq_connect(DB_SESSION, "");
	ck_assert_msg(it_pq_int(b, PID_SQL) == pid, "the next client got another server: "
		      "session mode should reset and reuse it, not close it");
	expect_text(b, "SELECT to_regclass('pg_temp.it_reset_t') IS NULL", "t");
	expect_text(b, "SELECT count(*) FROM pg_prepared_statements", "0");
	expect_text(b, "SHOW work_mem", work_mem);
	expect_text(b, "SHOW TimeZone", tz);
	expect_text(b, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
		    "AND pid = pg_backend_pid()", "0");
	expect_text(b, "SELECT count(*) FROM pg_listening_channels()", "0");
	it_pq_assert_tx(b, PQTRANS_IDLE);
	PQfinish(b);
	free(tz);
	free(work_mem);
}
END_TEST

START_TEST(test_tx_shares_server)
{
	PGconn *a = it_pq_connect(DB_TX, "");
	PGconn *b = it_pq_connect(DB_TX, "");
	long long pid = it_pq_int(a, PID_SQL);
	ck_assert_int_eq(it_pq_int(b, PID_SQL), pid);
	ck_assert_int_eq(it_pq_int(a, PID_SQL), pid);
	it_pq_assert_tx(a, PQTRANS_IDLE);
	it_pq_assert_tx(b, PQTRANS_IDLE);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_tx_holds_server_until_commit)
{
	PGconn *a = it_pq_connect(DB_TX, "");
	PGconn *b = it_pq_connect(DB_TX, "");
	it_pq_exec_ok(a, "BEGIN");
	it_pq_assert_tx(a, PQTRANS_INTRANS);
	send_query(b, "SELECT 'b'");
	it_pq_assert_waiting(b, QUEUED_MS);
	it_pq_exec_ok(a, "SELECT 1");
	it_pq_assert_waiting(b, 100);
	it_pq_exec_ok(a, "COMMIT");
	expect_value(b, "b");
	it_pq_assert_tx(b, PQTRANS_IDLE);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_tx_failed_transaction_holds_until_rollback)
{
	PGconn *a = it_pq_connect(DB_TX, "");
	PGconn *b = it_pq_connect(DB_TX, "");
	it_pq_exec_ok(a, "BEGIN");
	it_pq_exec_error(a, "SELECT 1/0", "22012", "division by zero");
	it_pq_assert_tx(a, PQTRANS_INERROR);
	send_query(b, "SELECT 'b'");
	it_pq_assert_waiting(b, QUEUED_MS);
	it_pq_exec_error(a, "SELECT 1", "25P02", "current transaction is aborted");
	it_pq_assert_tx(a, PQTRANS_INERROR);
	it_pq_exec_ok(a, "ROLLBACK");
	it_pq_assert_tx(a, PQTRANS_IDLE);
	expect_value(b, "b");
	it_pq_assert_tx(b, PQTRANS_IDLE);
	expect_text(a, "SELECT 'a again'", "a again");
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_tx_multi_statement_error_frees_server)
{
	PGconn *a = it_pq_connect(DB_TX, "");
	PGconn *b = it_pq_connect(DB_TX, "");
	it_pq_exec_error(a, "SELECT 1; SELECT 1/0; SELECT 3", "22012", NULL);
	it_pq_assert_tx(a, PQTRANS_IDLE);
	expect_text(b, "SELECT 'b'", "b");
	it_pq_assert_tx(b, PQTRANS_IDLE);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

/* Large objects go through libpq's fastpath FunctionCall messages. */
START_TEST(test_tx_function_calls)
{
	char data[4096];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	PGconn *a = it_pq_connect(DB_TX, "");
	it_pq_exec_ok(a, "BEGIN");
	Oid oid = lo_creat(a, INV_READ | INV_WRITE);
	ck_assert_msg(oid != InvalidOid, "lo_creat: %s", PQerrorMessage(a));
	int fd = lo_open(a, oid, INV_WRITE);
	ck_assert_msg(fd >= 0, "lo_open: %s", PQerrorMessage(a));
	ck_assert_int_eq(lo_write(a, fd, data, sizeof data), (int)sizeof data);
	ck_assert_int_eq(lo_close(a, fd), 0);
	it_pq_exec_ok(a, "COMMIT");
	it_pq_assert_tx(a, PQTRANS_IDLE);

	char back[sizeof data];
	it_pq_exec_ok(a, "BEGIN");
	fd = lo_open(a, oid, INV_READ);
	ck_assert_msg(fd >= 0, "lo_open: %s", PQerrorMessage(a));
	ck_assert_int_eq(lo_read(a, fd, back, sizeof back), (int)sizeof back);
	ck_assert_mem_eq(back, data, sizeof data);
	ck_assert_int_eq(lo_close(a, fd), 0);
	it_pq_exec_ok(a, "COMMIT");
	ck_assert_int_eq(lo_unlink(a, oid), 1);
	it_pq_assert_tx(a, PQTRANS_IDLE);
	PQfinish(a);
}
END_TEST

START_TEST(test_stmt_autocommit)
{
	PGconn *a = it_pq_connect(DB_STMT, "");
	PGconn *b = it_pq_connect(DB_STMT, "");
	char sql[64], want[16];
	for (int i = 0; i < 5; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		snprintf(want, sizeof want, "%d", i);
		expect_text(i % 2 ? a : b, sql, want);
	}
	ck_assert_int_eq(it_pq_int(a, PID_SQL), it_pq_int(b, PID_SQL));
	it_pq_assert_tx(a, PQTRANS_IDLE);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_stmt_refuses_transaction)
{
	static const char *const message = "transaction blocks not allowed in statement pooling mode";
	PGconn *a = it_pq_connect(DB_STMT, "");
	PGresult *r = it_pq_exec(a, "BEGIN");
	if (!it_pq_is_error(r)) {
		/* The refusal may come once the server reports the open block. */
		PQclear(r);
		r = it_pq_exec(a, "SELECT 1");
	}
	it_pq_check_error(r, "BEGIN in statement mode", NULL, message);
	PQclear(r);
	PQfinish(a);

	PGconn *b = it_pq_connect(DB_STMT, "");
	expect_text(b, "SELECT 'clean'", "clean");
	it_pq_assert_tx(b, PQTRANS_IDLE);
	PQfinish(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_pool_modes");
	TCase *tc = tcase_create("session");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_session_same_backend);
	tcase_add_test(tc, test_session_holds_server);
	tcase_add_test(tc, test_session_reset_for_next_client);
	suite_add_tcase(s, tc);
	tc = tcase_create("transaction");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tx_shares_server);
	tcase_add_test(tc, test_tx_holds_server_until_commit);
	tcase_add_test(tc, test_tx_failed_transaction_holds_until_rollback);
	tcase_add_test(tc, test_tx_multi_statement_error_frees_server);
	tcase_add_test(tc, test_tx_function_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("statement");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stmt_autocommit);
	tcase_add_test(tc, test_stmt_refuses_transaction);
	suite_add_tcase(s, tc);
	return it_run(s);
}
