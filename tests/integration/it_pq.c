/* it_pq: libpq helpers for the pooler integration tests (see it_pq.h).
 * Queries are sent asynchronously and waited for with poll() against a
 * deadline, so no call here blocks on corral without bound. */
#include "tests/integration/it_pq.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_util.h"
#include "util/xalloc.h"

/* Appends ` key='value'` to the NUL-terminated out (libpq quoting: \ and '
 * escaped). Returns -1 when out's size bytes have no room. */
static int put_kv(char *out, size_t size, const char *key, const char *value)
{
	size_t n = strlen(out);
	int w = snprintf(out + n, size - n, " %s='", key);
	if (w < 0 || (size_t)w >= size - n)
		return -1;
	n += (size_t)w;
	for (const char *p = value; *p; p++) {
		if (n + 3 >= size)
			return -1;
		if (*p == '\\' || *p == '\'')
			out[n++] = '\\';
		out[n++] = *p;
	}
	if (n + 2 > size)
		return -1;
	out[n++] = '\'';
	out[n] = '\0';
	return 0;
}

int it_pq_conninfo(char *out, size_t size, const char *dbname, const char *extra)
{
	static const char *const vars[] = { "CORRAL_HOST", "CORRAL_PORT", "PGUSER", "PGPASSWORD" };
	static const char *const keys[] = { "host", "port", "user", "password" };
	out[0] = '\0';
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v == NULL) {
			snprintf(out, size, "%s is not set: run through the test's .sh script "
				 "(tests/harness/corral.sh starts corral)", vars[i]);
			return -1;
		}
		if (put_kv(out, size, keys[i], v) != 0)
			goto too_long;
	}
	if (put_kv(out, size, "dbname", dbname) != 0)
		goto too_long;
	size_t n = strlen(out);
	int w = snprintf(out + n, size - n, " connect_timeout=5 %s", extra);
	if (w >= 0 && (size_t)w < size - n)
		return 0;
too_long:
	snprintf(out, size, "conninfo for %s longer than %zu bytes", dbname, size);
	return -1;
}

int it_pq_wait(PGconn *c, int64_t deadline_ms)
{
	while (PQisBusy(c) && PQstatus(c) != CONNECTION_BAD) {
		int64_t left = deadline_ms - it_now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -1;  /* cannot wait: report it as no answer */
		if (!PQconsumeInput(c))
			return 0;   /* broken: PQgetResult says why, at once */
	}
	return 0;
}

bool it_pq_is_error(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE;
}

static bool is_copy(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH;
}

int it_pq_collect(PGconn *c, int64_t deadline_ms, PGresult **out)
{
	*out = NULL;
	for (;;) {
		if (it_pq_wait(c, deadline_ms) != 0)
			return -1;
		PGresult *r = PQgetResult(c);
		if (r == NULL)
			return 0;
		bool copy = is_copy(r);
		if (*out != NULL && it_pq_is_error(*out)) {
			PQclear(r);
		} else {
			PQclear(*out);
			*out = r;
		}
		if (copy)
			return 0;
	}
}

/* c, or a failed test with what was being done and libpq's message. */
static PGconn *checked_conn(PGconn *c, const char *what)
{
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s: %s", what, PQerrorMessage(c));
	return c;
}

PGconn *it_pq_connect(const char *dbname, const char *extra)
{
	char info[1024], what[256];
	ck_assert_msg(it_pq_conninfo(info, sizeof info, dbname, extra) == 0, "%s", info);
	snprintf(what, sizeof what, "logging in to corral, database %s %s", dbname, extra);
	return checked_conn(PQconnectdb(info), what);
}

PGconn *it_pq_connect_direct(void)
{
	it_env("PGPORT");
	return checked_conn(PQconnectdb("connect_timeout=5"), "logging in to the harness PostgreSQL");
}

PGresult *it_pq_next(PGconn *c, int64_t deadline_ms)
{
	ck_assert_msg(it_pq_wait(c, deadline_ms) == 0,
		      "no result from corral within the time allowed");
	return PQgetResult(c);
}

PGresult *it_pq_exec(PGconn *c, const char *sql)
{
	if (!PQsendQuery(c, sql))
		return PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR);
	PGresult *r;
	ck_assert_msg(it_pq_collect(c, it_now_ms() + IT_WAIT_MS, &r) == 0,
		      "%s: no result from corral within %d ms", sql, IT_WAIT_MS);
	ck_assert_msg(r != NULL, "%s: no result at all", sql);
	ck_assert_msg(!is_copy(r), "%s: it_pq_exec does not run COPY", sql);
	return r;
}

void it_pq_exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = it_pq_exec(c, sql);
	ck_assert_msg(!it_pq_is_error(r), "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

char *it_pq_text(PGconn *c, const char *sql)
{
	PGresult *r = it_pq_exec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s %s", sql,
		      PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
	ck_assert_msg(PQntuples(r) == 1 && PQnfields(r) == 1, "%s: %d rows of %d columns, "
		      "expected one value", sql, PQntuples(r), PQnfields(r));
	char *v = PQgetisnull(r, 0, 0) ? NULL : xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

long long it_pq_int(PGconn *c, const char *sql)
{
	char *v = it_pq_text(c, sql);
	ck_assert_msg(v != NULL, "%s: NULL, expected an integer", sql);
	char *end;
	long long n = strtoll(v, &end, 10);
	ck_assert_msg(*v != '\0' && *end == '\0', "%s: '%s' is not an integer", sql, v);
	free(v);
	return n;
}

void it_pq_check_error(const PGresult *r, const char *what, const char *sqlstates,
		       const char *part)
{
	ck_assert_msg(it_pq_is_error(r), "%s: %s, expected an error", what,
		      PQresStatus(PQresultStatus(r)));
	it_check_diag(what, PQresultErrorField(r, PG_DIAG_SQLSTATE), PQresultErrorMessage(r),
		      sqlstates, part);
}

void it_pq_exec_error(PGconn *c, const char *sql, const char *sqlstates, const char *part)
{
	PGresult *r = it_pq_exec(c, sql);
	it_pq_check_error(r, sql, sqlstates, part);
	PQclear(r);
}

static const char *tx_name(PGTransactionStatusType t)
{
	switch (t) {
	case PQTRANS_IDLE: return "idle";
	case PQTRANS_ACTIVE: return "active";
	case PQTRANS_INTRANS: return "in a transaction";
	case PQTRANS_INERROR: return "in a failed transaction";
	case PQTRANS_UNKNOWN: break;
	}
	return "unknown (connection bad)";
}

void it_pq_assert_tx(PGconn *c, PGTransactionStatusType want)
{
	PGTransactionStatusType got = PQtransactionStatus(c);
	ck_assert_msg(got == want, "transaction status %s, expected %s", tx_name(got),
		      tx_name(want));
}

void it_pq_assert_waiting(PGconn *c, int ms)
{
	ck_assert_msg(it_pq_wait(c, it_now_ms() + ms) != 0,
		      "a result arrived within %d ms though the query should still be "
		      "waiting for a server (%s)", ms,
		      PQstatus(c) == CONNECTION_BAD ? PQerrorMessage(c) : "connection fine");
}

int it_pq_wait_active(PGconn *direct, const char *query)
{
	const char *sql = "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query = $1";
	int64_t deadline = it_now_ms() + IT_WAIT_MS;
	for (;;) {
		PGresult *r = PQexecParams(direct, sql, 1, NULL, &query, NULL, NULL, 0);
		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "pg_stat_activity: %s",
			      PQresultErrorMessage(r));
		int pid = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
		PQclear(r);
		if (pid > 0)
			return pid;
		ck_assert_msg(it_now_ms() < deadline, "no backend ran \"%s\" within %d ms",
			      query, IT_WAIT_MS);
		it_sleep_ms(20);
	}
}
