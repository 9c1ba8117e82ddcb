/* it_pipeline: the extended protocol pipelined through corral in
 * transaction mode (it_pipeline.sh: it_pipe on a pool of 2, it_pipe1 on a
 * pool of 1). Two clients each put 300 Parse/Bind/Execute queries in
 * flight with a Sync every 50 and every result comes back to the client
 * that sent it, in order; an error aborts the rest of its Sync segment and
 * the next segment works; Flush without Sync keeps the server (another
 * client on the pool of 1 waits until the Sync); Parse, Describe and many
 * Executes of an unnamed statement run in one segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB "it_pipe"
#define DB_POOL1 "it_pipe1"
#define QUERIES 300
#define SYNC_EVERY 50
#define QUEUED_MS 500

/* The next result, which must have status want. Caller PQclears. */
static PGresult *expect_status(PGconn *c, ExecStatusType want, const char *what)
{
	PGresult *r = it_pq_next(c, it_now_ms() + IT_WAIT_MS);
	ck_assert_msg(r != NULL, "%s: no result, expected %s", what, PQresStatus(want));
	ck_assert_msg(PQresultStatus(r) == want, "%s: %s, expected %s %s", what,
		      PQresStatus(PQresultStatus(r)), PQresStatus(want), PQresultErrorMessage(r));
	return r;
}

/* The end of one query's results (the NULL pipeline mode puts after them). */
static void expect_end(PGconn *c, const char *what)
{
	PGresult *r = it_pq_next(c, it_now_ms() + IT_WAIT_MS);
	ck_assert_msg(r == NULL, "%s: an extra %s result", what,
		      r ? PQresStatus(PQresultStatus(r)) : "");
}

static void expect_sync(PGconn *c)
{
	PQclear(expect_status(c, PGRES_PIPELINE_SYNC, "Sync"));
}

/* One row whose first column is want; then the query's end. */
static void expect_row(PGconn *c, const char *want, const char *what)
{
	PGresult *r = expect_status(c, PGRES_TUPLES_OK, what);
	ck_assert_msg(PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), want) == 0,
		      "%s: got '%s', expected '%s'", what,
		      PQntuples(r) ? PQgetvalue(r, 0, 0) : "(no row)", want);
	PQclear(r);
	expect_end(c, what);
}

/* Sends SELECT $1 with text value v in pipeline mode. */
static void send_value(PGconn *c, const char *v)
{
	ck_assert_msg(PQsendQueryParams(c, "SELECT $1::text", 1, NULL, &v, NULL, NULL, 0),
		      "send: %s", PQerrorMessage(c));
}

static void enter_pipeline(PGconn *c)
{
	ck_assert_msg(PQenterPipelineMode(c), "enter pipeline: %s", PQerrorMessage(c));
}

static void exit_pipeline(PGconn *c)
{
	ck_assert_msg(PQexitPipelineMode(c), "exit pipeline: %s", PQerrorMessage(c));
	it_pq_assert_tx(c, PQTRANS_IDLE);
}

static void pipeline_sync(PGconn *c)
{
	ck_assert_msg(PQpipelineSync(c), "sync: %s", PQerrorMessage(c));
}

/* The value query i of a client with this token returns. */
static void value_of(char *out, size_t size, const char *token, int i)
{
	snprintf(out, size, "%s.%d", token, i);
}

static void send_many(PGconn *c, const char *token)
{
	char v[64];
	enter_pipeline(c);
	for (int i = 0; i < QUERIES; i++) {
		value_of(v, sizeof v, token, i);
		send_value(c, v);
		if ((i + 1) % SYNC_EVERY == 0)
			pipeline_sync(c);
	}
}

static void read_many(PGconn *c, const char *token)
{
	char v[64];
	for (int i = 0; i < QUERIES; i++) {
		value_of(v, sizeof v, token, i);
		expect_row(c, v, v);
		if ((i + 1) % SYNC_EVERY == 0)
			expect_sync(c);
	}
	exit_pipeline(c);
}

START_TEST(test_many_in_flight_two_clients)
{
	char ta[IT_TOKEN_SIZE], tb[IT_TOKEN_SIZE];
	it_token(ta);
	it_token(tb);
	PGconn *a = it_pq_connect(DB, "");
	PGconn *b = it_pq_connect(DB, "");
	send_many(a, ta);
	send_many(b, tb);
	read_many(b, tb);
	read_many(a, ta);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_error_aborts_segment)
{
	PGconn *a = it_pq_connect(DB_POOL1, "");
	enter_pipeline(a);
	send_value(a, "before");
	ck_assert(PQsendQueryParams(a, "SELECT 1/0", 0, NULL, NULL, NULL, NULL, 0));
	send_value(a, "skipped");
	pipeline_sync(a);
	send_value(a, "after");
	pipeline_sync(a);
	expect_row(a, "before", "query before the error");
	PGresult *r = it_pq_next(a, it_now_ms() + IT_WAIT_MS);
	it_pq_check_error(r, "SELECT 1/0", "22012", NULL);
	PQclear(r);
	expect_end(a, "SELECT 1/0");
	PQclear(expect_status(a, PGRES_PIPELINE_ABORTED, "query after the error"));
	expect_end(a, "query after the error");
	expect_sync(a);
	expect_row(a, "after", "query in the next segment");
	expect_sync(a);
	exit_pipeline(a);

	PGconn *b = it_pq_connect(DB_POOL1, "");
	char *v = it_pq_text(b, "SELECT 'b'");
	ck_assert_str_eq(v, "b");
	free(v);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_flush_without_sync_keeps_server)
{
	PGconn *a = it_pq_connect(DB_POOL1, "");
	PGconn *b = it_pq_connect(DB_POOL1, "");
	enter_pipeline(a);
	send_value(a, "flushed");
	ck_assert(PQsendFlushRequest(a));
	ck_assert_int_eq(PQflush(a), 0);
	expect_row(a, "flushed", "result of a Flush without Sync");
	ck_assert_msg(PQsendQuery(b, "SELECT 'b'"), "%s", PQerrorMessage(b));
	it_pq_assert_waiting(b, QUEUED_MS);
	send_value(a, "synced");
	pipeline_sync(a);
	expect_row(a, "synced", "result before the Sync");
	expect_sync(a);
	exit_pipeline(a);
	PGresult *r;
	ck_assert(it_pq_collect(b, it_now_ms() + IT_WAIT_MS, &r) == 0);
	ck_assert_msg(r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK, "%s",
		      r ? PQresultErrorMessage(r) : "no result");
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "b");
	PQclear(r);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

START_TEST(test_unnamed_statement_in_one_segment)
{
	PGconn *a = it_pq_connect(DB, "");
	enter_pipeline(a);
	ck_assert(PQsendPrepare(a, "", "SELECT $1::int * 2", 1, NULL));
	ck_assert(PQsendDescribePrepared(a, ""));
	char v[16], want[16];
	const char *param = v;
	for (int i = 0; i < 20; i++) {
		snprintf(v, sizeof v, "%d", i);
		ck_assert(PQsendQueryPrepared(a, "", 1, &param, NULL, NULL, 0));
	}
	pipeline_sync(a);
	PQclear(expect_status(a, PGRES_COMMAND_OK, "Parse"));
	expect_end(a, "Parse");
	PGresult *r = expect_status(a, PGRES_COMMAND_OK, "Describe");
	ck_assert_int_eq(PQnparams(r), 1);
	ck_assert_int_eq(PQnfields(r), 1);
	PQclear(r);
	expect_end(a, "Describe");
	for (int i = 0; i < 20; i++) {
		snprintf(want, sizeof want, "%d", i * 2);
		expect_row(a, want, "Execute of the unnamed statement");
	}
	expect_sync(a);
	exit_pipeline(a);
	PQfinish(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_pipeline");
	TCase *tc = tcase_create("pipeline");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_many_in_flight_two_clients);
	tcase_add_test(tc, test_error_aborts_segment);
	tcase_add_test(tc, test_flush_without_sync_keeps_server);
	tcase_add_test(tc, test_unnamed_statement_in_one_segment);
	suite_add_tcase(s, tc);
	return it_run(s);
}
