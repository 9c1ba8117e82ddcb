/* it_prepared: what corral believes each server has prepared against what
 * the server really has, after the sequences that could set them apart
 * (it_prepared.sh runs one Check case per corral configuration, chosen by
 * CK_RUN_CASE). corral's belief is SHOW SERVERS prepared_statements; the
 * truth is pg_prepared_statements, read on each server of the pool while
 * every one is held by a client of the test. A server that keeps a
 * statement corral forgot answers the next Parse of it with 42P05; one
 * that lost a statement corral still counts answers its next Bind with
 * 26000: each sequence also runs the statement again to show it.
 * Cases: "queue": a Parse corral injected that worked before its pipeline
 * failed, a client gone mid-pipeline, DISCARD ALL and DEALLOCATE ALL run
 * by a client, DEALLOCATE sent as an unnamed extended-protocol statement
 * (answered exactly as PostgreSQL answers it, compared result by result); "reset": server_reset_query_always with a reset query that
 * keeps the statements (RESET ALL); "check": a server_check_query that
 * drops them (DISCARD ALL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB "it_ps"
#define POOL_SIZE 2
#define LIKE_CORRAL "name LIKE 'corral\\_%'"

/* libpq's PQprepare, bounded: the statement must be created. */
static void prepare(PGconn *c, const char *name, const char *sql)
{
	ck_assert_msg(PQsendPrepare(c, name, sql, 0, NULL), "%s", PQerrorMessage(c));
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, it_now_ms() + IT_WAIT_MS, &r) == 0, "prepare %s: timeout", name);
	ck_assert_msg(r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK, "prepare %s: %s", name,
		      r ? PQresultErrorMessage(r) : "no result");
	PQclear(r);
}

/* Runs statement `name` with one text parameter; the first error result,
 * else the last result. Caller PQclears. */
static PGresult *run(PGconn *c, const char *name, const char *param)
{
	ck_assert_msg(PQsendQueryPrepared(c, name, param ? 1 : 0, &param, NULL, NULL, 0), "%s",
		      PQerrorMessage(c));
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, it_now_ms() + IT_WAIT_MS, &r) == 0, "run %s: timeout", name);
	ck_assert_msg(r != NULL, "run %s: no result", name);
	return r;
}

/* Runs `name`, which must return the one value `want`. */
static void run_ok(PGconn *c, const char *name, const char *param, const char *want)
{
	PGresult *r = run(c, name, param);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "run %s: %s", name, PQresultErrorMessage(r));
	ck_assert_str_eq(PQgetvalue(r, 0, 0), want);
	PQclear(r);
}

static void run_error(PGconn *c, const char *name, const char *param, const char *sqlstate)
{
	PGresult *r = run(c, name, param);
	it_pq_check_error(r, name, sqlstate, NULL);
	PQclear(r);
}

/* corral's count for the server whose backend is pid (SHOW SERVERS). */
static long corral_count(PGconn *admin, const char *pid)
{
	PGresult *r = it_pq_exec(admin, "SHOW SERVERS");
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "SHOW SERVERS: %s", PQresultErrorMessage(r));
	int db = PQfnumber(r, "database"), rpid = PQfnumber(r, "remote_pid");
	int n = PQfnumber(r, "prepared_statements");
	ck_assert(db >= 0 && rpid >= 0 && n >= 0);
	long count = -1;
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, db), DB) == 0 && strcmp(PQgetvalue(r, i, rpid), pid) == 0)
			count = atol(PQgetvalue(r, i, n));
	PQclear(r);
	ck_assert_msg(count >= 0, "SHOW SERVERS has no server with remote_pid %s", pid);
	return count;
}

/* Holds every server of the pool at once (a transaction each, opening
 * those missing) and checks, for each, that corral counts the corral_
 * statements the server has. */
static void assert_in_step(const char *when)
{
	PGconn *held[POOL_SIZE];
	PGconn *admin = it_pq_connect("pgbouncer", "");
	for (int i = 0; i < POOL_SIZE; i++) {
		held[i] = it_pq_connect(DB, "");
		it_pq_exec_ok(held[i], "BEGIN");
	}
	for (int i = 0; i < POOL_SIZE; i++) {
		PGresult *r = it_pq_exec(held[i], "SELECT pg_backend_pid(), count(*) "
					 "FROM pg_prepared_statements WHERE " LIKE_CORRAL);
		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
		long truth = atol(PQgetvalue(r, 0, 1));
		long believed = corral_count(admin, PQgetvalue(r, 0, 0));
		ck_assert_msg(believed == truth, "%s: corral counts %ld statements on backend %s, "
			      "which has %ld", when, believed, PQgetvalue(r, 0, 0), truth);
		PQclear(r);
	}
	for (int i = 0; i < POOL_SIZE; i++) {
		it_pq_exec_ok(held[i], "COMMIT");
		PQfinish(held[i]);
	}
	PQfinish(admin);
}

/* A new client with statement "one" (SELECT 1) prepared and run once. */
static PGconn *client_with_one(void)
{
	PGconn *c = it_pq_connect(DB, "");
	prepare(c, "one", "SELECT 1");
	run_ok(c, "one", NULL, "1");
	return c;
}

/* The pool hands out its most recently used idle server first: `hold`
 * takes the server the previous statement ran on, so the next one from
 * another client runs on the other server. */
static PGconn *hold_last_server(void)
{
	PGconn *hold = it_pq_connect(DB, "");
	it_pq_exec_ok(hold, "BEGIN");
	return hold;
}

/* The Parse corral puts before a Bind on a server that lacks the
 * statement works; the Execute after it fails, and PostgreSQL skips the
 * rest of the pipeline: the statement stays prepared there. */
START_TEST(test_injected_parse_then_error)
{
	PGconn *a = it_pq_connect(DB, "");
	prepare(a, "div", "SELECT 10 / $1::int");
	PGconn *hold = hold_last_server();
	run_error(a, "div", "0", "22012");
	run_ok(a, "div", "5", "2");
	PGconn *b = it_pq_connect(DB, "");
	prepare(b, "div_too", "SELECT 10 / $1::int");
	run_ok(b, "div_too", "2", "5");
	it_pq_exec_ok(hold, "COMMIT");
	assert_in_step("after a failed pipeline");
	PQfinish(hold);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

/* A client leaves with an injected Parse and a query in flight. */
START_TEST(test_client_leaves_mid_pipeline)
{
	PGconn *a = it_pq_connect(DB, "");
	prepare(a, "nap", "SELECT pg_sleep($1::float8)::text");
	PGconn *hold = hold_last_server();
	const char *param = "0.5";
	ck_assert(PQsendQueryPrepared(a, "nap", 1, &param, NULL, NULL, 0));
	ck_assert_int_eq(PQflush(a), 0);
	it_sleep_ms(100);
	PQfinish(a);
	it_pq_exec_ok(hold, "COMMIT");
	PQfinish(hold);
	assert_in_step("after a client left mid-query");
	PGconn *b = it_pq_connect(DB, "");
	prepare(b, "nap", "SELECT pg_sleep($1::float8)::text");
	run_ok(b, "nap", "0", "");
	PQfinish(b);
}
END_TEST

/* DEALLOCATE ALL and DISCARD ALL run by the server for the client empty
 * both the server and the client's names, as without corral. */
START_TEST(test_client_drops_all)
{
	PGconn *a = client_with_one();
	it_pq_exec_ok(a, "SELECT 1; DEALLOCATE ALL");
	run_error(a, "one", NULL, "26000");
	assert_in_step("after DEALLOCATE ALL in a multi-statement query");
	prepare(a, "one", "SELECT 1");
	run_ok(a, "one", NULL, "1");
	it_pq_exec_ok(a, "DISCARD ALL");
	run_error(a, "one", NULL, "26000");
	prepare(a, "one", "SELECT 1");
	run_ok(a, "one", NULL, "1");
	assert_in_step("after DISCARD ALL");
	PQfinish(a);
}
END_TEST

/* ---- DEALLOCATE through the extended protocol, against PostgreSQL ---- */

#define TRANSCRIPT_SIZE 4096

/* Appends one result to the transcript t: status, then the command tag or
 * the SQLSTATE and message. */
static void note(char *t, PGresult *r)
{
	size_t len = strlen(t);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(t + len, TRANSCRIPT_SIZE - len, "%s %s %s | ", PQresStatus(PQresultStatus(r)),
		 state ? state : PQcmdStatus(r), state ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "");
	PQclear(r);
}

/* Sends sql as an unnamed statement (Parse, Bind, Describe, Execute,
 * Sync: what psycopg 3 sends for its DEALLOCATE) and notes the result. */
static void params(PGconn *c, char *t, const char *sql)
{
	ck_assert_msg(PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0), "%s", PQerrorMessage(c));
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, it_now_ms() + IT_WAIT_MS, &r) == 0, "%s: timeout", sql);
	note(t, r);
}

static void named(PGconn *c, char *t, const char *name)
{
	note(t, run(c, name, NULL));
}

/* The results of every query of one pipeline segment, up to its Sync. */
static void note_segment(PGconn *c, char *t, int queries)
{
	for (int i = 0; i < queries; i++) {
		note(t, it_pq_next(c, it_now_ms() + IT_WAIT_MS));
		PGresult *end = it_pq_next(c, it_now_ms() + IT_WAIT_MS);
		ck_assert_msg(end == NULL, "an extra result");
	}
	note(t, it_pq_next(c, it_now_ms() + IT_WAIT_MS));
}

/* DEALLOCATE and DEALLOCATE ALL as unnamed statements: success, a name
 * gone, a name never prepared, an aborted transaction, in a pipeline
 * between uses of the name. 'p' prepares a name (as SELECT 1), 'q' sends
 * an unnamed statement, 'n' runs a name. */
static const struct {
	char op;
	const char *arg;
} transcript_steps[] = {
	{ 'p', "x" }, { 'q', "DEALLOCATE x" }, { 'n', "x" }, { 'q', "DEALLOCATE x" },
	{ 'q', "DEALLOCATE PREPARE \"never\"" }, { 'p', "x" }, { 'q', "BEGIN" },
	{ 'q', "SELECT 1/0" }, { 'q', "DEALLOCATE x" }, { 'q', "ROLLBACK" }, { 'n', "x" },
	{ 'p', "y" }, { 'q', "DEALLOCATE ALL" }, { 'n', "x" }, { 'n', "y" }, { 'p', "x" },
};

/* Runs transcript_steps and then a pipeline on c; writes what c answered
 * to t. */
static void deallocate_transcript(PGconn *c, char *t)
{
	t[0] = '\0';
	for (size_t i = 0; i < sizeof transcript_steps / sizeof transcript_steps[0]; i++) {
		const char *arg = transcript_steps[i].arg;
		if (transcript_steps[i].op == 'p')
			prepare(c, arg, "SELECT 1");
		else if (transcript_steps[i].op == 'q')
			params(c, t, arg);
		else
			named(c, t, arg);
	}
	ck_assert(PQenterPipelineMode(c));
	const char *const sqls[] = { "DEALLOCATE x", "DEALLOCATE x", "SELECT 3" };
	ck_assert(PQsendQueryPrepared(c, "x", 0, NULL, NULL, NULL, 0));
	for (int i = 0; i < 3; i++)
		ck_assert(PQsendQueryParams(c, sqls[i], 0, NULL, NULL, NULL, NULL, 0));
	ck_assert(PQpipelineSync(c));
	note_segment(c, t, 4);
	ck_assert(PQexitPipelineMode(c));
	named(c, t, "x");
}

START_TEST(test_deallocate_like_postgres)
{
	char via_corral[TRANSCRIPT_SIZE], direct[TRANSCRIPT_SIZE];
	PGconn *c = it_pq_connect(DB, "");
	deallocate_transcript(c, via_corral);
	PQfinish(c);
	c = it_pq_connect_direct();
	deallocate_transcript(c, direct);
	PQfinish(c);
	ck_assert_str_eq(via_corral, direct);
	assert_in_step("after DEALLOCATE through the extended protocol");
}
END_TEST

/* server_reset_query_always = 1 with RESET ALL: the reset runs after
 * every transaction and leaves the statements where they are. */
START_TEST(test_reset_keeps_statements)
{
	PGconn *a = client_with_one();
	assert_in_step("after the reset query");
	PGconn *b = it_pq_connect(DB, "");
	prepare(b, "same_text", "SELECT 1");
	run_ok(b, "same_text", NULL, "1");
	run_ok(a, "one", NULL, "1");
	PQfinish(a);
	PQfinish(b);
}
END_TEST

/* server_check_query = DISCARD ALL before every use of an idle server:
 * the statements are gone each time, and prepared again. */
START_TEST(test_check_drops_statements)
{
	PGconn *a = client_with_one();
	run_ok(a, "one", NULL, "1");
	assert_in_step("after the check query");
	run_ok(a, "one", NULL, "1");
	PQfinish(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_prepared");
	TCase *queue = tcase_create("queue");
	tcase_set_timeout(queue, 60);
	tcase_add_test(queue, test_injected_parse_then_error);
	tcase_add_test(queue, test_client_leaves_mid_pipeline);
	tcase_add_test(queue, test_client_drops_all);
	tcase_add_test(queue, test_deallocate_like_postgres);
	suite_add_tcase(s, queue);
	TCase *reset = tcase_create("reset");
	tcase_set_timeout(reset, 60);
	tcase_add_test(reset, test_reset_keeps_statements);
	suite_add_tcase(s, reset);
	TCase *check = tcase_create("check");
	tcase_set_timeout(check, 60);
	tcase_add_test(check, test_check_drops_statements);
	suite_add_tcase(s, check);
	return it_run(s);
}
