/* it_timeouts: corral's per-connection timers, measured. it_timeouts.sh
 * starts one corral per test case (database it_tmo, transaction mode, a
 * pool of 2, the one timeout under test set to 1 s) and picks the case
 * with CK_RUN_CASE:
 *   client_idle    an idle client gets FATAL "client_idle_timeout" after
 *                  0.9..1.5 s, after login or after a query; one whose
 *                  query outlasts the timeout, or that queries every
 *                  400 ms for 1.6 s, stays;
 *   query_timeout  pg_sleep(3) gets FATAL "query_timeout" after 0.9..1.5 s
 *                  and its backend stops running it within 1 s more;
 *                  shorter queries, even back to back, are untouched;
 *   idle_tx        BEGIN then silence: FATAL "idle_transaction_timeout"
 *                  after 0.9..1.5 s and the backend leaves its transaction;
 *                  a busy transaction and an idle client outside one stay;
 *   server_idle    a released server's backend goes 0.9..2 s later;
 *   lifetime       a server is closed at the end of server_lifetime (1 s
 *                  less up to 10 % jitter) while idle, and not reused
 *                  when released after it;
 *   user_override  [users] query_timeout = 1 for IT_USER only.
 * Messages may spell a setting's name with blanks, as PgBouncer does
 * ("query timeout"); SQLSTATEs are corral's (docs/errors.md). Errors that
 * arrive between queries reach libpq's notice receiver; the cases that
 * wait for them catch them there. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pgstat.h"
#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB "it_tmo"
/* Bounds for a 1 s timeout: a little early for clock granularity, and
 * late enough for a loaded machine, not for a coarse periodic sweep. */
#define EARLY_MS 900
#define LATE_MS 1500

/* The first error (ERROR or FATAL) that arrived while c was idle. */
struct async_error {
	char severity[16];
	char sqlstate[6];
	char message[256];
	int64_t at;          /* it_now_ms() when it arrived; 0 until then */
};

static void on_notice(void *arg, const PGresult *r)
{
	struct async_error *e = arg;
	const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (e->at != 0 || severity == NULL ||
	    (strcmp(severity, "FATAL") != 0 && strcmp(severity, "ERROR") != 0))
		return;
	snprintf(e->severity, sizeof e->severity, "%s", severity);
	snprintf(e->sqlstate, sizeof e->sqlstate, "%s", state ? state : "");
	snprintf(e->message, sizeof e->message, "%s", message ? message : "");
	e->at = it_now_ms();
}

/* Waits up to max_ms for corral to close c, which has no query in flight,
 * and fills *e with the error it sent first. Returns it_now_ms() at the
 * close. */
static int64_t wait_closed(PGconn *c, struct async_error *e, int max_ms)
{
	memset(e, 0, sizeof *e);
	PQsetNoticeReceiver(c, on_notice, e);
	int64_t deadline = it_now_ms() + max_ms;
	for (;;) {
		int64_t left = deadline - it_now_ms();
		ck_assert_msg(left > 0, "corral did not close the idle connection within %d ms",
			      max_ms);
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
		int ready = poll(&p, 1, (int)left);
		ck_assert_msg(ready >= 0 || errno == EINTR, "poll: %s", strerror(errno));
		if (ready <= 0)
			continue;
		int open = PQconsumeInput(c);
		(void)PQisBusy(c);  /* parses what arrived: an error reaches on_notice */
		if (!open)
			return it_now_ms();
	}
}

/* Whether message names setting, its words joined by '_' (corral's
 * spelling) or by ' ' (PgBouncer's "query timeout"). */
static bool names_setting(const char *message, const char *setting)
{
	size_t n = strlen(setting);
	for (const char *p = message; *p != '\0'; p++) {
		size_t i = 0;
		while (i < n && (p[i] == setting[i] || (setting[i] == '_' && p[i] == ' ')))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* An error from corral: SQLSTATE sqlstate, a message naming setting. */
static void check_error(const char *what, const char *code, const char *message,
			const char *sqlstate, const char *setting)
{
	message = message ? message : "";
	it_check_diag(what, code, message, sqlstate, NULL);
	ck_assert_msg(names_setting(message, setting), "%s: message \"%s\" does not name %s",
		      what, message, setting);
}

static void check_ms(const char *what, int64_t ms, int lo, int hi)
{
	printf("%s: %lld ms\n", what, (long long)ms);
	ck_assert_msg(ms >= lo && ms <= hi, "%s after %lld ms, expected %d..%d", what,
		      (long long)ms, lo, hi);
}

/* c is idle (from t0 on): corral must close it with FATAL sqlstate and a
 * message naming setting, EARLY_MS..LATE_MS after t0. */
static void expect_closed_idle(PGconn *c, int64_t t0, const char *what, const char *sqlstate,
			       const char *setting)
{
	struct async_error e;
	wait_closed(c, &e, 5000);
	ck_assert_msg(e.at != 0, "%s: corral closed the connection without an error", what);
	ck_assert_msg(strcmp(e.severity, "FATAL") == 0, "%s: severity %s, expected FATAL (%s)",
		      what, e.severity, e.message);
	check_error(what, e.sqlstate, e.message, sqlstate, setting);
	check_ms(what, e.at - t0, EARLY_MS, LATE_MS);
}

/* Runs "SELECT 1" on c every gap_ms, n times: each must succeed. */
static void keep_busy(PGconn *c, int n, int gap_ms)
{
	for (int i = 0; i < n; i++) {
		it_sleep_ms(gap_ms);
		it_pq_exec_ok(c, "SELECT 1");
	}
}

START_TEST(test_client_idle)
{
	PGconn *c = it_pq_connect(DB, "");
	expect_closed_idle(c, it_now_ms(), "idle since login", "08P01", "client_idle_timeout");
	PQfinish(c);

	c = it_pq_connect(DB, "");
	it_pq_exec_ok(c, "SELECT 1");
	expect_closed_idle(c, it_now_ms(), "idle after a query", "08P01", "client_idle_timeout");
	PQfinish(c);

	/* A query running past the timeout is not idleness, nor are pauses
	 * shorter than it. */
	c = it_pq_connect(DB, "");
	it_pq_exec_ok(c, "SELECT pg_sleep(1.5)");
	it_pq_exec_ok(c, "SELECT 1");
	keep_busy(c, 4, 400);
	PQfinish(c);
}
END_TEST

/* Sends pg_sleep(3) on c, whose queries are bounded by a 1 s
 * query_timeout: the error must come in time and close c, and the
 * backend must stop running the query within 1 s more. */
static void expect_query_timeout(PGconn *c, PGconn *direct)
{
	char token[IT_TOKEN_SIZE], sql[128], where[256];
	it_token(token);
	snprintf(sql, sizeof sql, "SELECT pg_sleep(3) /* %s */", token);
	int64_t t0 = it_now_ms();
	ck_assert_msg(PQsendQuery(c, sql), "%s", PQerrorMessage(c));
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, t0 + 5000, &r) == 0, "no answer to pg_sleep(3) within 5 s");
	int64_t took = it_now_ms() - t0;
	ck_assert_msg(r != NULL, "no result for pg_sleep(3)");
	ck_assert_msg(it_pq_is_error(r), "pg_sleep(3): %s, expected an error",
		      PQresStatus(PQresultStatus(r)));
	check_error("pg_sleep(3)", PQresultErrorField(r, PG_DIAG_SQLSTATE),
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), "57014", "query_timeout");
	const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	ck_assert_msg(severity && strcmp(severity, "FATAL") == 0, "severity %s, expected FATAL",
		      severity ? severity : "(none)");
	check_ms("query_timeout error", took, EARLY_MS, LATE_MS);
	ck_assert_msg(PQstatus(c) == CONNECTION_BAD, "the connection is still open after "
		      "the query_timeout error");
	PQclear(r);
	snprintf(where, sizeof where, "state = 'active' AND query = '%s'", sql);
	printf("the backend stopped the query %lld ms later\n",
	       (long long)it_pgstat_wait_count(direct, where, 0, 1000));
}

START_TEST(test_query_timeout)
{
	PGconn *direct = it_pq_connect_direct();
	PGconn *c = it_pq_connect(DB, "");
	expect_query_timeout(c, direct);
	PQfinish(c);

	/* The timer is per query: three of 0.5 s in a row pass. */
	c = it_pq_connect(DB, "");
	for (int i = 0; i < 3; i++)
		it_pq_exec_ok(c, "SELECT pg_sleep(0.5)");
	PQfinish(c);
	PQfinish(direct);
}
END_TEST

START_TEST(test_idle_transaction)
{
	PGconn *direct = it_pq_connect_direct();
	PGconn *c = it_pq_connect(DB, "");
	it_pq_exec_ok(c, "BEGIN");
	long long pid = it_pq_int(c, "SELECT pg_backend_pid()");
	expect_closed_idle(c, it_now_ms(), "idle in a transaction", "25P03",
			   "idle_transaction_timeout");
	PQfinish(c);
	char where[128];
	snprintf(where, sizeof where, "pid = %lld AND state LIKE 'idle in transaction%%'", pid);
	printf("backend %lld left its transaction %lld ms later\n", pid,
	       (long long)it_pgstat_wait_count(direct, where, 0, 1000));

	/* A transaction that keeps working is not idle; a client idle
	 * outside a transaction is not subject to this timeout. */
	c = it_pq_connect(DB, "");
	it_pq_exec_ok(c, "BEGIN");
	keep_busy(c, 4, 400);
	it_pq_exec_ok(c, "COMMIT");
	it_sleep_ms(1200);
	it_pq_exec_ok(c, "SELECT 1");
	it_pq_assert_tx(c, PQTRANS_IDLE);
	PQfinish(c);
	PQfinish(direct);
}
END_TEST

/* Waits for backend pid to leave pg_stat_activity; returns how long it
 * took, in ms. */
static int64_t wait_gone(PGconn *direct, long long pid, int max_ms)
{
	char where[64];
	snprintf(where, sizeof where, "pid = %lld", pid);
	return it_pgstat_wait_count(direct, where, 0, max_ms);
}

START_TEST(test_server_idle)
{
	PGconn *direct = it_pq_connect_direct();
	PGconn *c = it_pq_connect(DB, "");
	long long pid = it_pq_int(c, "SELECT pg_backend_pid()");
	check_ms("the idle server's backend left", wait_gone(direct, pid, 3000), EARLY_MS, 2000);
	/* The client stays; its next query gets another server. */
	long long next = it_pq_int(c, "SELECT pg_backend_pid()");
	ck_assert_msg(next != pid, "the query ran on backend %lld, which should be gone", pid);
	PQfinish(c);
	PQfinish(direct);
}
END_TEST

START_TEST(test_lifetime)
{
	PGconn *direct = it_pq_connect_direct();
	/* The pool opens its first server for this login. */
	int64_t opened = it_now_ms();
	PGconn *c = it_pq_connect(DB, "");
	long long pid = it_pq_int(c, "SELECT pg_backend_pid()");
	wait_gone(direct, pid, 3000);
	check_ms("an idle server closed after its lifetime", it_now_ms() - opened, 850, LATE_MS);

	/* Busy past its lifetime: closed when released, not reused. */
	char *busy = it_pq_text(c, "SELECT pg_backend_pid() FROM pg_sleep(1.2)");
	pid = atoll(busy);
	free(busy);
	long long next = it_pq_int(c, "SELECT pg_backend_pid()");
	ck_assert_msg(next != pid, "backend %lld was reused after its lifetime", pid);
	wait_gone(direct, pid, 1000);

	/* Queries 1.5 s apart never share a backend. */
	it_sleep_ms(1500);
	long long later = it_pq_int(c, "SELECT pg_backend_pid()");
	ck_assert_msg(later != next, "backend %lld served queries 1.5 s apart", next);
	PQfinish(c);
	PQfinish(direct);
}
END_TEST

START_TEST(test_user_override)
{
	char extra[256];
	snprintf(extra, sizeof extra, "user=%s password=%s", it_env("IT_USER"),
		 it_env("IT_PASSWORD"));
	PGconn *direct = it_pq_connect_direct();
	PGconn *c = it_pq_connect(DB, extra);
	expect_query_timeout(c, direct);
	PQfinish(c);
	/* Other users keep the global setting: no query_timeout. */
	c = it_pq_connect(DB, "");
	it_pq_exec_ok(c, "SELECT pg_sleep(1.5)");
	PQfinish(c);
	PQfinish(direct);
}
END_TEST

int main(void)
{
	const struct { const char *name; const TTest *test; } cases[] = {
		{ "client_idle", test_client_idle }, { "query_timeout", test_query_timeout },
		{ "idle_tx", test_idle_transaction }, { "server_idle", test_server_idle },
		{ "lifetime", test_lifetime }, { "user_override", test_user_override },
	};
	Suite *s = suite_create("it_timeouts");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return it_run(s);
}
