/* compat_libpq: libpq's own API through corral, every case run by
 * COMPAT_CLIENTS threads at once, each with its own connection to corral
 * database COMPAT_DB (compat_libpq.sh runs this once per pool mode) and
 * its own random token in what it checks, so an answer meant for another
 * client fails the case. Cases: named prepared statements, more distinct
 * ones than max_prepared_statements, re-used across transactions (so
 * re-prepared on whichever server a transaction lands on) and described;
 * DEALLOCATE in its forms, as a simple query and through the extended
 * protocol; PostgreSQL's errors for a duplicate name
 * (42P05) and an unknown one (26000); pipeline mode with named statements
 * over many Sync segments; errors inside a pipeline; PQcancel; COPY in and
 * out; 100,000-row results. Threads never call Check: each records its
 * first failure and the test asserts on them after joining. Prints one
 * "ok - CASE" or "not ok - CASE: why" line per case (compat_lib.sh's
 * compat_driver reads them). PQclosePrepared needs libpq 17; the Close
 * message is left to the unit tests (check_prepared). */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"
#include "util/xalloc.h"

#define ERROR_SIZE 600
/* Distinct statements per client: with 20 clients more than the default
 * max_prepared_statements (200), so servers evict and re-prepare. */
#define OWN_STATEMENTS 15
#define SHARED_STATEMENTS 5
#define ROUNDS 60
#define COPY_ROWS 5000
#define LARGE_ROWS 100000
#define SLEEP_SQL "SELECT pg_sleep($1::float8), '%s'::text"

/* One client: a thread with its connection, token and first failure. */
struct worker {
	int id;
	PGconn *conn;                   /* to corral; owned, closed by worker_main */
	char token[IT_TOKEN_SIZE];
	char error[ERROR_SIZE];         /* the first failure; "" while none */
	int (*run)(struct worker *w);   /* the case: 0, or -1 with error set */
	pthread_t thread;
};

/* Records the first failure of w, on one line (libpq's messages end in a
 * newline; the result line must not). Returns -1, for `return flunk(...)`. */
__attribute__((format(printf, 2, 3)))
static int flunk(struct worker *w, const char *fmt, ...)
{
	if (w->error[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof w->error, fmt, ap);
		va_end(ap);
		for (char *p = w->error; (p = strchr(p, '\n')) != NULL;)
			*p = ' ';
	}
	return -1;
}

/* The next result of w's connection into *r (NULL: the query's results
 * are all read). Returns 0, or -1 (failure recorded) when none came
 * within IT_WAIT_MS. */
static int next_result(struct worker *w, PGresult **r, const char *what)
{
	*r = NULL;
	if (it_pq_wait(w->conn, it_now_ms() + IT_WAIT_MS) != 0)
		return flunk(w, "%s: no result within %d ms", what, IT_WAIT_MS);
	*r = PQgetResult(w->conn);
	return 0;
}

/* Checks that r has status want (and, for rows, exactly one row whose
 * first column is value, when value is not NULL; for an error, SQLSTATE
 * value). Clears r. Returns 0, or -1 with the failure recorded. */
static int check(struct worker *w, PGresult *r, ExecStatusType want, const char *value,
		 const char *what)
{
	int rc = 0;
	ExecStatusType got = r ? PQresultStatus(r) : PGRES_EMPTY_QUERY;
	if (r == NULL)
		rc = flunk(w, "%s: no result, expected %s", what, PQresStatus(want));
	else if (got != want)
		rc = flunk(w, "%s: %s, expected %s %s", what, PQresStatus(got), PQresStatus(want),
			  PQresultErrorMessage(r));
	else if (value && want == PGRES_FATAL_ERROR) {
		const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (code == NULL || strcmp(code, value) != 0)
			rc = flunk(w, "%s: SQLSTATE %s, expected %s (%s)", what, code ? code : "none",
				  value, PQresultErrorMessage(r));
	} else if (value && (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), value) != 0))
		rc = flunk(w, "%s: %d rows, first '%s', expected one row '%s'", what, PQntuples(r),
			  PQntuples(r) ? PQgetvalue(r, 0, 0) : "", value);
	PQclear(r);
	return rc;
}

/* Reads every result of the query just sent (the first error, else the
 * last) and checks it as check() does. */
static int finish(struct worker *w, int sent, ExecStatusType want, const char *value,
		  const char *what)
{
	PGresult *r;
	if (!sent)
		return flunk(w, "%s: send failed: %s", what, PQerrorMessage(w->conn));
	if (it_pq_collect(w->conn, it_now_ms() + IT_WAIT_MS, &r) != 0) {
		PQclear(r);
		return flunk(w, "%s: no answer within %d ms", what, IT_WAIT_MS);
	}
	return check(w, r, want, value, what);
}

/* A simple query that must succeed with a command or rows (value: the
 * one row's first column, or NULL for a command). */
static int exec_ok(struct worker *w, const char *sql, const char *value)
{
	return finish(w, PQsendQuery(w->conn, sql), value ? PGRES_TUPLES_OK : PGRES_COMMAND_OK,
		      value, sql);
}

static int exec_error(struct worker *w, const char *sql, const char *sqlstate)
{
	return finish(w, PQsendQuery(w->conn, sql), PGRES_FATAL_ERROR, sqlstate, sql);
}

static int prepare(struct worker *w, const char *name, const char *sql)
{
	return finish(w, PQsendPrepare(w->conn, name, sql, 0, NULL), PGRES_COMMAND_OK, NULL, name);
}

/* Executes statement name with n text parameters; one row `value`, or
 * with want == PGRES_FATAL_ERROR the SQLSTATE `value`. */
static int run_prepared(struct worker *w, const char *name, int n, const char *const *params,
			ExecStatusType want, const char *value)
{
	return finish(w, PQsendQueryPrepared(w->conn, name, n, params, NULL, NULL, 0), want, value,
		      name);
}

/* --- the cases --------------------------------------------------------- */

/* Statement k's name and text: the shared ones (the same text in every
 * client, so one server-side statement serves them all) end in ':s<k>',
 * a client's own in ':k<k>:<token>'. */
static void statement(const struct worker *w, int k, char *name, size_t nsize, char *sql,
		      size_t ssize)
{
	snprintf(name, nsize, "st%d", k);
	if (k < SHARED_STATEMENTS)
		snprintf(sql, ssize, "SELECT $1::text || ':' || $2::int || ':s%d'", k);
	else
		snprintf(sql, ssize, "SELECT $1::text || ':' || $2::int || ':k%d:%s'", k, w->token);
}

/* Describe of statement name: two parameters (text, int4), one text column. */
static int describe(struct worker *w, const char *name)
{
	PGresult *r;
	if (!PQsendDescribePrepared(w->conn, name) ||
	    it_pq_collect(w->conn, it_now_ms() + IT_WAIT_MS, &r) != 0)
		return flunk(w, "describe %s: %s", name, PQerrorMessage(w->conn));
	bool good = r && PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 2 &&
		    PQparamtype(r, 0) == 25 && PQparamtype(r, 1) == 23 && PQnfields(r) == 1 &&
		    PQftype(r, 0) == 25;
	if (!good)
		flunk(w, "describe %s: %s, %d params, %d fields %s", name,
		     r ? PQresStatus(PQresultStatus(r)) : "no result", r ? PQnparams(r) : -1,
		     r ? PQnfields(r) : -1, r ? PQresultErrorMessage(r) : "");
	PQclear(r);
	return good ? 0 : -1;
}

/* Executes statement k of round `round` and checks its answer. */
static int run_statement(struct worker *w, int k, int round)
{
	char name[32], sql[160], n[16], want[96];
	statement(w, k, name, sizeof name, sql, sizeof sql);
	snprintf(n, sizeof n, "%d", round);
	if (k < SHARED_STATEMENTS)
		snprintf(want, sizeof want, "%s:%d:s%d", w->token, round, k);
	else
		snprintf(want, sizeof want, "%s:%d:k%d:%s", w->token, round, k, w->token);
	const char *params[] = { w->token, n };
	return run_prepared(w, name, 2, params, PGRES_TUPLES_OK, want);
}

/* Prepares every statement, describes each, then runs ROUNDS of them:
 * most on their own (a transaction each), every tenth round three inside
 * BEGIN/COMMIT. */
static int case_prepared_many(struct worker *w)
{
	int total = OWN_STATEMENTS + SHARED_STATEMENTS;
	for (int k = 0; k < total; k++) {
		char name[32], sql[160];
		statement(w, k, name, sizeof name, sql, sizeof sql);
		if (prepare(w, name, sql) != 0 || describe(w, name) != 0)
			return -1;
	}
	for (int round = 0; round < ROUNDS; round++) {
		int k = (round * 7 + w->id) % total;
		if (round % 10 != 9) {
			if (run_statement(w, k, round) != 0)
				return -1;
			continue;
		}
		if (exec_ok(w, "BEGIN", NULL) != 0 || run_statement(w, k, round) != 0 ||
		    run_statement(w, (k + 1) % total, round) != 0 ||
		    describe(w, "st0") != 0 || run_statement(w, (k + 2) % total, round) != 0 ||
		    exec_ok(w, "COMMIT", NULL) != 0)
			return -1;
	}
	return 0;
}

/* Runs statement name with the token as its one parameter: want is the
 * answer, or an SQLSTATE when error is true. */
static int run_token(struct worker *w, const char *name, bool error, const char *want)
{
	const char *params[] = { w->token };
	return run_prepared(w, name, 1, params, error ? PGRES_FATAL_ERROR : PGRES_TUPLES_OK, want);
}

/* DEALLOCATE name, DEALLOCATE PREPARE, a quoted mixed-case name, a name
 * re-used with another text, DEALLOCATE ALL, one inside a transaction
 * that rolls back (deallocation is not transactional in PostgreSQL) and
 * of an unknown name (26000). */
static int case_deallocate(struct worker *w)
{
	char a[64], b[64];
	snprintf(a, sizeof a, "a:%s", w->token);
	snprintf(b, sizeof b, "b:%s", w->token);
	if (prepare(w, "d_a", "SELECT 'a:' || $1::text") != 0 || run_token(w, "d_a", false, a) != 0 ||
	    exec_ok(w, "DEALLOCATE d_a", NULL) != 0 || run_token(w, "d_a", true, "26000") != 0 ||
	    prepare(w, "d_a", "SELECT 'b:' || $1::text") != 0 || run_token(w, "d_a", false, b) != 0)
		return -1;
	if (prepare(w, "D_Up", "SELECT 'a:' || $1::text") != 0 ||
	    run_token(w, "D_Up", false, a) != 0 || exec_ok(w, "deallocate \"D_Up\"", NULL) != 0 ||
	    run_token(w, "D_Up", true, "26000") != 0 ||
	    prepare(w, "d_p", "SELECT 'b:' || $1::text") != 0 ||
	    exec_ok(w, "DEALLOCATE PREPARE d_p", NULL) != 0 || run_token(w, "d_p", true, "26000") != 0)
		return -1;
	if (prepare(w, "d_1", "SELECT 'a:' || $1::text") != 0 ||
	    prepare(w, "d_2", "SELECT 'b:' || $1::text") != 0 ||
	    exec_ok(w, "DEALLOCATE ALL", NULL) != 0 || run_token(w, "d_1", true, "26000") != 0 ||
	    run_token(w, "d_2", true, "26000") != 0 || run_token(w, "d_a", true, "26000") != 0 ||
	    prepare(w, "d_1", "SELECT 'b:' || $1::text") != 0 || run_token(w, "d_1", false, b) != 0)
		return -1;
	if (exec_ok(w, "BEGIN", NULL) != 0 || exec_ok(w, "DEALLOCATE d_1", NULL) != 0 ||
	    exec_ok(w, "ROLLBACK", NULL) != 0 || run_token(w, "d_1", true, "26000") != 0)
		return -1;
	return exec_error(w, "DEALLOCATE d_never", "26000");
}

/* DEALLOCATE name and DEALLOCATE ALL sent as an unnamed statement of the
 * extended protocol (PQexecParams; psycopg 3 evicts its statements so):
 * the name is gone and can be prepared again. */
static int case_deallocate_extended(struct worker *w)
{
	char a[64], b[64];
	snprintf(a, sizeof a, "a:%s", w->token);
	snprintf(b, sizeof b, "b:%s", w->token);
	return prepare(w, "x_1", "SELECT 'a:' || $1::text") || run_token(w, "x_1", false, a) ||
	       finish(w, PQsendQueryParams(w->conn, "DEALLOCATE x_1", 0, NULL, NULL, NULL, NULL, 0),
		      PGRES_COMMAND_OK, NULL, "extended DEALLOCATE x_1") ||
	       run_token(w, "x_1", true, "26000") ||
	       prepare(w, "x_1", "SELECT 'b:' || $1::text") || run_token(w, "x_1", false, b) ||
	       prepare(w, "x_2", "SELECT 'a:' || $1::text") ||
	       finish(w, PQsendQueryParams(w->conn, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0),
		      PGRES_COMMAND_OK, NULL, "extended DEALLOCATE ALL") ||
	       run_token(w, "x_1", true, "26000") || run_token(w, "x_2", true, "26000") ||
	       prepare(w, "x_2", "SELECT 'b:' || $1::text") || run_token(w, "x_2", false, b)
		? -1 : 0;
}

/* A duplicate name (42P05) and an unknown one (26000) get PostgreSQL's
 * errors, outside and inside a transaction; a failed Parse creates no
 * statement; a bad parameter fails only its execution. */
static int case_prepare_errors(struct worker *w)
{
	const char *one[] = { "1" }, *bad[] = { "x" };
	if (prepare(w, "e1", "SELECT $1::int + 1") != 0 ||
	    finish(w, PQsendPrepare(w->conn, "e1", "SELECT 0", 0, NULL), PGRES_FATAL_ERROR,
		   "42P05", "duplicate e1") != 0 ||
	    run_prepared(w, "e1", 1, one, PGRES_TUPLES_OK, "2") != 0 ||
	    run_prepared(w, "e_unknown", 1, one, PGRES_FATAL_ERROR, "26000") != 0 ||
	    finish(w, PQsendDescribePrepared(w->conn, "e_unknown"), PGRES_FATAL_ERROR, "26000",
		   "describe e_unknown") != 0 ||
	    run_prepared(w, "e1", 1, bad, PGRES_FATAL_ERROR, "22P02") != 0 ||
	    run_prepared(w, "e1", 1, one, PGRES_TUPLES_OK, "2") != 0)
		return -1;
	if (exec_ok(w, "BEGIN", NULL) != 0 ||
	    finish(w, PQsendPrepare(w->conn, "e1", "SELECT 0", 0, NULL), PGRES_FATAL_ERROR,
		   "42P05", "duplicate e1 in a transaction") != 0)
		return -1;
	if (PQtransactionStatus(w->conn) != PQTRANS_INERROR)
		return flunk(w, "after 42P05 in a transaction: status %d, expected in error",
			    (int)PQtransactionStatus(w->conn));
	if (run_prepared(w, "e1", 1, one, PGRES_FATAL_ERROR, "25P02") != 0 ||
	    exec_ok(w, "ROLLBACK", NULL) != 0 ||
	    run_prepared(w, "e1", 1, one, PGRES_TUPLES_OK, "2") != 0)
		return -1;
	return finish(w, PQsendPrepare(w->conn, "e2", "SELEC 1", 0, NULL), PGRES_FATAL_ERROR,
		      "42601", "syntax error") ||
	       run_prepared(w, "e2", 0, NULL, PGRES_FATAL_ERROR, "26000") ||
	       prepare(w, "e2", "SELECT 2") || run_prepared(w, "e2", 0, NULL, PGRES_TUPLES_OK, "2")
		? -1 : 0;
}

/* --- pipeline mode ---------------------------------------------------- */

/* In pipeline mode: the next result must be `want` (value as check());
 * then, unless it is a Sync, the NULL that ends its query. */
static int pipe_expect(struct worker *w, ExecStatusType want, const char *value, const char *what)
{
	PGresult *r;
	if (next_result(w, &r, what) != 0 || check(w, r, want, value, what) != 0)
		return -1;
	if (want == PGRES_PIPELINE_SYNC)
		return 0;
	if (next_result(w, &r, what) != 0)
		return -1;
	if (r != NULL) {
		flunk(w, "%s: an extra %s result", what, PQresStatus(PQresultStatus(r)));
		PQclear(r);
		return -1;
	}
	return 0;
}

static int pipe_send(struct worker *w, int sent, const char *what)
{
	return sent ? 0 : flunk(w, "%s: %s", what, PQerrorMessage(w->conn));
}

static int pipe_sync(struct worker *w)
{
	return pipe_send(w, PQpipelineSync(w->conn), "sync");
}

/* Sends an execution of pipeline statement p_cat (token || '/' || n). */
static int send_cat(struct worker *w, int n)
{
	char v[16];
	snprintf(v, sizeof v, "%d", n);
	const char *params[] = { w->token, v };
	return pipe_send(w, PQsendQueryPrepared(w->conn, "p_cat", 2, params, NULL, NULL, 0),
			 "send p_cat");
}

static int expect_cat(struct worker *w, int n)
{
	char want[48];
	snprintf(want, sizeof want, "%s/%d", w->token, n);
	return pipe_expect(w, PGRES_TUPLES_OK, want, "p_cat");
}

#define PIPE_SEGMENTS 10
#define PIPE_PER_SEGMENT 10

/* Two statements prepared in the first segment, a third prepared and used
 * in the middle one, each segment a Sync of its own (in transaction
 * pooling each may land on another server); everything is sent before
 * anything is read. */
static int case_pipeline(struct worker *w)
{
	if (!PQenterPipelineMode(w->conn))
		return flunk(w, "enter pipeline mode: %s", PQerrorMessage(w->conn));
	if (pipe_send(w, PQsendPrepare(w->conn, "p_cat", "SELECT $1::text || '/' || $2::int", 0, NULL),
		      "prepare p_cat") != 0 ||
	    pipe_send(w, PQsendPrepare(w->conn, "p_twice", "SELECT $1::int * 2", 0, NULL),
		      "prepare p_twice") != 0)
		return -1;
	for (int s = 0; s < PIPE_SEGMENTS; s++) {
		if (s == PIPE_SEGMENTS / 2 &&
		    pipe_send(w, PQsendPrepare(w->conn, "p_mid", "SELECT $1::text || '!'", 0, NULL),
			      "prepare p_mid") != 0)
			return -1;
		for (int i = 0; i < PIPE_PER_SEGMENT; i++)
			if (send_cat(w, s * PIPE_PER_SEGMENT + i) != 0)
				return -1;
		const char *tok[] = { w->token };
		if (s == PIPE_SEGMENTS / 2 &&
		    pipe_send(w, PQsendQueryPrepared(w->conn, "p_mid", 1, tok, NULL, NULL, 0),
			      "send p_mid") != 0)
			return -1;
		if (pipe_sync(w) != 0)
			return -1;
	}
	char bang[32];
	snprintf(bang, sizeof bang, "%s!", w->token);
	if (pipe_expect(w, PGRES_COMMAND_OK, NULL, "prepare p_cat") != 0 ||
	    pipe_expect(w, PGRES_COMMAND_OK, NULL, "prepare p_twice") != 0)
		return -1;
	for (int s = 0; s < PIPE_SEGMENTS; s++) {
		if (s == PIPE_SEGMENTS / 2 &&
		    pipe_expect(w, PGRES_COMMAND_OK, NULL, "prepare p_mid") != 0)
			return -1;
		for (int i = 0; i < PIPE_PER_SEGMENT; i++)
			if (expect_cat(w, s * PIPE_PER_SEGMENT + i) != 0)
				return -1;
		if ((s == PIPE_SEGMENTS / 2 && pipe_expect(w, PGRES_TUPLES_OK, bang, "p_mid") != 0) ||
		    pipe_expect(w, PGRES_PIPELINE_SYNC, NULL, "sync") != 0)
			return -1;
	}
	if (!PQexitPipelineMode(w->conn))
		return flunk(w, "exit pipeline mode: %s", PQerrorMessage(w->conn));
	const char *five[] = { "5" };
	return run_prepared(w, "p_twice", 1, five, PGRES_TUPLES_OK, "10");
}

/* Sends statement p_div (10 / n). */
static int send_div(struct worker *w, const char *n)
{
	const char *params[] = { n };
	return pipe_send(w, PQsendQueryPrepared(w->conn, "p_div", 1, params, NULL, NULL, 0),
			 "send p_div");
}

static int send_sql(struct worker *w, const char *sql)
{
	return pipe_send(w, PQsendQueryParams(w->conn, sql, 0, NULL, NULL, NULL, NULL, 0), sql);
}

/* Segments, each ended by a Sync: (1) prepare p_cat and p_div; (2) an
 * error (division by zero) skips the rest of its segment; (3) the next
 * works; (4) a duplicate Parse fails (42P05) and skips the rest; (5) an
 * unknown name fails (26000) and skips the rest; (6) BEGIN then an error:
 * the transaction is failed; (7) in it, statements fail with 25P02; (8)
 * ROLLBACK; (9) prepare and use a new statement. Sent whole, then read. */
static int send_error_segments(struct worker *w)
{
	const char *tok[] = { w->token };
	return pipe_send(w, PQsendPrepare(w->conn, "p_cat", "SELECT $1::text || '/' || $2::int", 0,
					  NULL), "prepare p_cat") ||
	       pipe_send(w, PQsendPrepare(w->conn, "p_div", "SELECT 10 / $1::int", 0, NULL),
			 "prepare p_div") || pipe_sync(w) ||
	       send_cat(w, 1) || send_div(w, "0") || send_cat(w, 2) || pipe_sync(w) ||
	       send_div(w, "5") || send_cat(w, 3) || pipe_sync(w) ||
	       pipe_send(w, PQsendPrepare(w->conn, "p_cat", "SELECT 1", 0, NULL), "duplicate") ||
	       send_cat(w, 4) || pipe_sync(w) ||
	       pipe_send(w, PQsendQueryPrepared(w->conn, "p_unknown", 1, tok, NULL, NULL, 0),
			 "send p_unknown") || send_cat(w, 5) || pipe_sync(w) ||
	       send_sql(w, "BEGIN") || send_cat(w, 6) || send_div(w, "0") || pipe_sync(w) ||
	       send_cat(w, 7) || pipe_sync(w) ||
	       send_sql(w, "ROLLBACK") || pipe_sync(w) ||
	       pipe_send(w, PQsendPrepare(w->conn, "p_new", "SELECT $1::text || '+'", 0, NULL),
			 "prepare p_new") ||
	       pipe_send(w, PQsendQueryPrepared(w->conn, "p_new", 1, tok, NULL, NULL, 0),
			 "send p_new") || pipe_sync(w)
		? -1 : 0;
}

static int case_pipeline_errors(struct worker *w)
{
	char plus[32];
	snprintf(plus, sizeof plus, "%s+", w->token);
	if (!PQenterPipelineMode(w->conn))
		return flunk(w, "enter pipeline mode: %s", PQerrorMessage(w->conn));
	if (send_error_segments(w) != 0)
		return -1;
	ExecStatusType ab = PGRES_PIPELINE_ABORTED, err = PGRES_FATAL_ERROR, sync = PGRES_PIPELINE_SYNC;
	if (pipe_expect(w, PGRES_COMMAND_OK, NULL, "1: prepare p_cat") ||
	    pipe_expect(w, PGRES_COMMAND_OK, NULL, "1: prepare p_div") || pipe_expect(w, sync, NULL, "1") ||
	    expect_cat(w, 1) || pipe_expect(w, err, "22012", "2: p_div(0)") ||
	    pipe_expect(w, ab, NULL, "2: p_cat after the error") || pipe_expect(w, sync, NULL, "2") ||
	    pipe_expect(w, PGRES_TUPLES_OK, "2", "3: p_div(5)") || expect_cat(w, 3) ||
	    pipe_expect(w, sync, NULL, "3") ||
	    pipe_expect(w, err, "42P05", "4: duplicate p_cat") ||
	    pipe_expect(w, ab, NULL, "4: p_cat after the duplicate") || pipe_expect(w, sync, NULL, "4") ||
	    pipe_expect(w, err, "26000", "5: p_unknown") ||
	    pipe_expect(w, ab, NULL, "5: p_cat after p_unknown") || pipe_expect(w, sync, NULL, "5") ||
	    pipe_expect(w, PGRES_COMMAND_OK, NULL, "6: BEGIN") || expect_cat(w, 6) ||
	    pipe_expect(w, err, "22012", "6: p_div(0)") || pipe_expect(w, sync, NULL, "6") ||
	    pipe_expect(w, err, "25P02", "7: p_cat in the failed transaction") ||
	    pipe_expect(w, sync, NULL, "7") ||
	    pipe_expect(w, PGRES_COMMAND_OK, NULL, "8: ROLLBACK") || pipe_expect(w, sync, NULL, "8") ||
	    pipe_expect(w, PGRES_COMMAND_OK, NULL, "9: prepare p_new") ||
	    pipe_expect(w, PGRES_TUPLES_OK, plus, "9: p_new") || pipe_expect(w, sync, NULL, "9"))
		return -1;
	if (!PQexitPipelineMode(w->conn))
		return flunk(w, "exit pipeline mode: %s", PQerrorMessage(w->conn));
	return run_token(w, "p_new", false, plus);
}

/* --- cancel, COPY, large results ---------------------------------------- */

/* Waits (20 s at most: in transaction pooling the clients ahead in the
 * queue are cancelled one after the other) until PostgreSQL runs exactly
 * `sql`, observed over a direct connection. An answer arriving first (the
 * sleep ended before this client cancelled it) is a failure that says
 * what came. */
static int wait_running(struct worker *w, PGconn *direct, const char *sql)
{
	const char *params[] = { sql };
	for (int64_t end = it_now_ms() + 20000; it_now_ms() < end; it_sleep_ms(20)) {
		if (!PQconsumeInput(w->conn) || !PQisBusy(w->conn)) {
			PGresult *r = PQgetResult(w->conn);
			flunk(w, "the sleep was answered before this client cancelled it: %s %s",
			      r ? PQresStatus(PQresultStatus(r)) : "no result",
			      r ? PQresultErrorMessage(r) : PQerrorMessage(w->conn));
			PQclear(r);
			return -1;
		}
		PGresult *r = PQexecParams(direct, "SELECT count(*) FROM pg_stat_activity "
					   "WHERE state = 'active' AND query = $1", 1, NULL, params,
					   NULL, NULL, 0);
		bool running = PQresultStatus(r) == PGRES_TUPLES_OK &&
			       strcmp(PQgetvalue(r, 0, 0), "1") == 0;
		PQclear(r);
		if (running)
			return 0;
	}
	return flunk(w, "the sleep was not seen running within 20 s");
}

/* A prepared pg_sleep(60) cancelled with PQcancel once it runs: 57014
 * within 5 s; then the statement runs again on the same connection. */
static int case_cancel(struct worker *w)
{
	char sql[96], errbuf[256];
	snprintf(sql, sizeof sql, SLEEP_SQL, w->token);
	PGconn *direct = PQconnectdb("dbname=postgres connect_timeout=5");
	if (PQstatus(direct) != CONNECTION_OK) {
		flunk(w, "direct connection: %s", PQerrorMessage(direct));
		PQfinish(direct);
		return -1;
	}
	const char *sixty[] = { "60" }, *zero[] = { "0" };
	int rc = prepare(w, "c_sleep", sql);
	if (rc == 0 && !PQsendQueryPrepared(w->conn, "c_sleep", 1, sixty, NULL, NULL, 0))
		rc = flunk(w, "send c_sleep: %s", PQerrorMessage(w->conn));
	if (rc == 0)
		rc = wait_running(w, direct, sql);
	PQfinish(direct);
	PGcancel *cancel = PQgetCancel(w->conn);
	int64_t sent = it_now_ms();
	if (rc == 0 && !PQcancel(cancel, errbuf, sizeof errbuf))
		rc = flunk(w, "PQcancel: %s", errbuf);
	PQfreeCancel(cancel);
	if (rc != 0)
		return -1;
	PGresult *r;
	if (it_pq_collect(w->conn, sent + 5000, &r) != 0) {
		PQclear(r);
		return flunk(w, "the cancelled sleep did not end within 5 s");
	}
	if (check(w, r, PGRES_FATAL_ERROR, "57014", "cancelled c_sleep") != 0)
		return -1;
	return finish(w, PQsendQueryPrepared(w->conn, "c_sleep", 1, zero, NULL, NULL, 0),
		      PGRES_TUPLES_OK, NULL, "c_sleep(0) after the cancel");
}

/* Sends COPY_ROWS rows of w's token through COPY FROM STDIN, 64 KiB at a
 * time. */
static int copy_in(struct worker *w, const char *table)
{
	char sql[160], buf[65536];
	snprintf(sql, sizeof sql, "COPY %s (token, n, payload) FROM STDIN", table);
	if (finish(w, PQsendQuery(w->conn, sql), PGRES_COPY_IN, NULL, sql) != 0)
		return -1;
	size_t used = 0;
	for (int n = 1; n <= COPY_ROWS; n++) {
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\t%d\tline %d of %s\n",
					 w->token, n, n, w->token);
		if ((sizeof buf - used < 256 || n == COPY_ROWS) &&
		    PQputCopyData(w->conn, buf, (int)used) != 1)
			return flunk(w, "PQputCopyData: %s", PQerrorMessage(w->conn));
		if (sizeof buf - used < 256)
			used = 0;
	}
	return finish(w, PQputCopyEnd(w->conn, NULL) == 1, PGRES_COMMAND_OK, NULL, "COPY FROM end");
}

/* The next COPY OUT line into *line (NULL at the end: the COPY's result is
 * then ready), waiting at most IT_WAIT_MS. Caller PQfreemems *line. */
static int copy_line(struct worker *w, char **line)
{
	int64_t end = it_now_ms() + IT_WAIT_MS;
	for (;;) {
		int n = PQgetCopyData(w->conn, line, 1);
		if (n > 0)
			return 0;
		if (n == -1) {
			*line = NULL;
			return 0;
		}
		if (n == -2)
			return flunk(w, "COPY TO: %s", PQerrorMessage(w->conn));
		struct pollfd p = { .fd = PQsocket(w->conn), .events = POLLIN };
		int64_t left = end - it_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) < 0 || !PQconsumeInput(w->conn))
			return flunk(w, "COPY TO: no data within %d ms", IT_WAIT_MS);
	}
}

/* COPY the token's rows out again: every line as it went in, in order. */
static int copy_out(struct worker *w, const char *table)
{
	char sql[200], want[96];
	snprintf(sql, sizeof sql, "COPY (SELECT token, n, payload FROM %s WHERE token = '%s' "
		 "ORDER BY n) TO STDOUT", table, w->token);
	if (finish(w, PQsendQuery(w->conn, sql), PGRES_COPY_OUT, NULL, sql) != 0)
		return -1;
	for (int n = 1;; n++) {
		char *line;
		if (copy_line(w, &line) != 0)
			return -1;
		if (line == NULL)
			return n == COPY_ROWS + 1 ? finish(w, 1, PGRES_COMMAND_OK, NULL, "COPY TO end")
						  : flunk(w, "COPY TO: %d lines, expected %d", n - 1,
							 COPY_ROWS);
		snprintf(want, sizeof want, "%s\t%d\tline %d of %s\n", w->token, n, n, w->token);
		bool same = strcmp(line, want) == 0;
		PQfreemem(line);
		if (!same)
			return flunk(w, "COPY TO: line %d differs", n);
	}
}

/* COPY in and out, in a transaction for odd clients (with a prepared
 * count between), on its own for even ones. */
static int case_copy(struct worker *w)
{
	const char *table = getenv("COMPAT_TABLE");
	char sql[160], count[16];
	snprintf(sql, sizeof sql, "SELECT count(*)::text FROM %s WHERE token = $1", table);
	snprintf(count, sizeof count, "%d", COPY_ROWS);
	bool tx = w->id % 2;
	if (prepare(w, "c_count", sql) != 0 || (tx && exec_ok(w, "BEGIN", NULL) != 0) ||
	    copy_in(w, table) != 0 || run_token(w, "c_count", false, count) != 0 ||
	    copy_out(w, table) != 0 || (tx && exec_ok(w, "COMMIT", NULL) != 0))
		return -1;
	return run_token(w, "c_count", false, count);
}

/* LARGE_ROWS rows from a prepared statement: whole for even clients, in
 * single-row mode for odd ones; the rows' sum and token checked. */
static int case_large(struct worker *w)
{
	char n[16], sum[32];
	snprintf(n, sizeof n, "%d", LARGE_ROWS);
	snprintf(sum, sizeof sum, "%lld", (long long)LARGE_ROWS * (LARGE_ROWS + 1) / 2);
	if (prepare(w, "l_rows", "SELECT g, $1::text FROM generate_series(1, $2::int) g") != 0)
		return -1;
	const char *params[] = { w->token, n };
	if (!PQsendQueryPrepared(w->conn, "l_rows", 2, params, NULL, NULL, 0))
		return flunk(w, "send l_rows: %s", PQerrorMessage(w->conn));
	bool single = w->id % 2;
	if (single && !PQsetSingleRowMode(w->conn))
		return flunk(w, "single-row mode refused");
	long long rows = 0, total = 0;
	for (;;) {
		PGresult *r;
		if (next_result(w, &r, "l_rows") != 0)
			return -1;
		if (r == NULL)
			break;
		ExecStatusType st = PQresultStatus(r);
		for (int i = 0; (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) && i < PQntuples(r); i++) {
			total += atoll(PQgetvalue(r, i, 0));
			rows += strcmp(PQgetvalue(r, i, 1), w->token) == 0;
		}
		if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK)
			flunk(w, "l_rows: %s %s", PQresStatus(st), PQresultErrorMessage(r));
		PQclear(r);
	}
	if (w->error[0] != '\0')
		return -1;
	if (rows != LARGE_ROWS || total != atoll(sum))
		return flunk(w, "l_rows: %lld rows with the token summing to %lld, expected %d and %s",
			    rows, total, LARGE_ROWS, sum);
	return exec_ok(w, "SELECT 'after'", "after");
}

/* --- running the clients -------------------------------------------------- */

/* A thread: connects to corral, runs the case, disconnects. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char conninfo[1024];
	if (it_pq_conninfo(conninfo, sizeof conninfo, getenv("COMPAT_DB"), "") != 0) {
		flunk(w, "%s", conninfo);
		return NULL;
	}
	w->conn = PQconnectdb(conninfo);
	if (PQstatus(w->conn) != CONNECTION_OK)
		flunk(w, "login: %s", PQerrorMessage(w->conn));
	else if (w->run(w) != 0 && w->error[0] == '\0')
		flunk(w, "failed without saying why");
	PQfinish(w->conn);
	w->conn = NULL;
	return NULL;
}

/* Runs `run` in COMPAT_CLIENTS threads at once and fails the test with
 * the first failures when any client failed. */
static void run_clients(int (*run)(struct worker *w))
{
	const char *env = getenv("COMPAT_CLIENTS");
	int n = env ? atoi(env) : 20;
	it_env("COMPAT_DB");
	ck_assert_int_gt(n, 0);
	struct worker *ws = xcalloc((size_t)n, sizeof *ws);
	for (int i = 0; i < n; i++) {
		ws[i].id = i;
		ws[i].run = run;
		it_token(ws[i].token);
		ck_assert_int_eq(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]), 0);
	}
	int failed = 0;
	char first[4 * ERROR_SIZE] = "";
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(pthread_join(ws[i].thread, NULL), 0);
		if (ws[i].error[0] == '\0')
			continue;
		if (failed++ < 4) {
			size_t used = strlen(first);
			snprintf(first + used, sizeof first - used, " [client %d: %s]", i, ws[i].error);
		}
	}
	free(ws);
	ck_assert_msg(failed == 0, "%d of %d clients failed:%s", failed, n, first);
}

#define CASE(fn) START_TEST(test_##fn) { run_clients(fn); } END_TEST
CASE(case_prepared_many)
CASE(case_deallocate)
CASE(case_deallocate_extended)
CASE(case_prepare_errors)
CASE(case_pipeline)
CASE(case_pipeline_errors)
CASE(case_cancel)
CASE(case_copy)
CASE(case_large)

int main(void)
{
	/* One test per TCase, named for its result line. */
	const struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "named prepared statements, more than max_prepared_statements, across transactions",
		  test_case_prepared_many },
		{ "DEALLOCATE, DEALLOCATE PREPARE, DEALLOCATE ALL", test_case_deallocate },
		{ "DEALLOCATE and DEALLOCATE ALL through the extended protocol",
		  test_case_deallocate_extended },
		{ "duplicate name 42P05, unknown name 26000", test_case_prepare_errors },
		{ "pipeline mode with named statements over many Syncs", test_case_pipeline },
		{ "errors inside a pipeline", test_case_pipeline_errors },
		{ "PQcancel of a prepared pg_sleep", test_case_cancel },
		{ "COPY in and out", test_case_copy },
		{ "100,000-row results", test_case_large },
	};
	Suite *s = suite_create("compat_libpq");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 90);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_SILENT);
	TestResult **results = srunner_results(sr);
	int n = srunner_ntests_run(sr);
	for (int i = 0; i < n; i++) {
		if (tr_rtype(results[i]) == CK_PASS)
			printf("ok - libpq: %s\n", tr_tcname(results[i]));
		else
			printf("not ok - libpq: %s: %s\n", tr_tcname(results[i]), tr_msg(results[i]));
	}
	printf("# PQclosePrepared not tested: libpq %d has none (libpq 17 added it)\n",
	       PQlibVersion() / 10000);
	free(results);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
