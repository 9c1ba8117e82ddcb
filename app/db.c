/* db: one blocking libpq connection with deadlines (see db.h). Each call
 * sends with libpq's asynchronous functions and then waits in poll() for
 * at most the time left, so "blocking" never means "forever": a hung
 * corral or PostgreSQL costs a request db-timeout, not a worker. */
#include "app/db.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_log.h"
#include "util/xalloc.h"

/* A messages row as the chat endpoints show it. */
#define MESSAGE_JSON \
	"json_build_object('id', id, 'channel', channel, 'user', author, 'text', body, 'at', sent_at)"
/* The most messages one history answer holds. */
#define MESSAGE_HISTORY_MAX "100"

static const struct {
	const char *name;
	const char *sql;
	int nparams;
} stmts[DB_STMT_COUNT] = {
	[DB_WORLD_SELECT] = { "app_world_select",
			      "SELECT id, randomnumber FROM world WHERE id = $1", 1 },
	[DB_FORTUNES] = { "app_fortunes", "SELECT id, message FROM fortune", 0 },
	/* Locking in id order first makes concurrent /updates requests take
	 * their row locks in one global order, so they cannot deadlock. */
	[DB_WORLD_LOCK] = { "app_world_lock",
			    "SELECT id FROM world WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE", 1 },
	[DB_WORLD_UPDATE] = { "app_world_update",
			      "UPDATE world SET randomnumber = v.r "
			      "FROM unnest($1::int[], $2::int[]) AS v(id, r) WHERE world.id = v.id", 2 },
	[DB_FILE_ALLOWED] = { "app_file_allowed",
			      "SELECT downloadable FROM files WHERE name = $1", 1 },
	[DB_HEALTH] = { "app_health", "SELECT 1", 0 },
	[DB_CHANNEL_MEMBER] = { "app_channel_member",
				"SELECT EXISTS (SELECT 1 FROM members m "
				"WHERE m.channel = c.name AND m.username = $2) "
				"FROM channels c WHERE c.name = $1", 2 },
	/* The database writes the JSON, so the answer, the pushed message
	 * and the history have one shape and one escaping. */
	[DB_MESSAGE_INSERT] = { "app_message_insert",
				"INSERT INTO messages (channel, author, body) VALUES ($1, $2, $3) "
				"RETURNING " MESSAGE_JSON "::text", 3 },
	[DB_MESSAGE_HISTORY] = { "app_message_history",
				 "SELECT coalesce(json_agg(" MESSAGE_JSON " ORDER BY id), '[]')::text "
				 "FROM (SELECT * FROM messages WHERE channel = $1 AND id > $2::bigint "
				 "ORDER BY id LIMIT " MESSAGE_HISTORY_MAX ") m", 2 },
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record a failure as one line (libpq's messages end in newlines and may
 * span several). Always returns -1. */
static int fail(struct db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->error, sizeof db->error, fmt, ap);
	va_end(ap);
	for (char *p = db->error; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	size_t len = strlen(db->error);
	while (len > 0 && db->error[len - 1] == ' ')
		db->error[--len] = '\0';
	return -1;
}

static void disconnect(struct db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
}

void db_init(struct db *db, const char *dsn, int timeout_ms)
{
	*db = (struct db){ .dsn = xstrdup(dsn), .timeout_ms = timeout_ms };
}

void db_fini(struct db *db)
{
	disconnect(db);
	free(db->dsn);
	db->dsn = NULL;
}

/* Wait until the connection's socket is ready for events or the deadline
 * passes. A signal (the worker's SIGTERM) does not cut the wait short.
 * Returns 0 when ready, -1 with db->error set otherwise. */
static int wait_socket(struct db *db, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return fail(db, "no answer from the database within %d ms", db->timeout_ms);
		struct pollfd p = { .fd = PQsocket(db->conn), .events = events };
		int n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(db, "poll: %s", strerror(errno));
	}
}

static bool result_ok(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Record a failed result. Returns whether the connection must be dropped:
 * libpq says it is gone, or the server said FATAL (it closes next). */
static bool record_error(struct db *db, const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (msg != NULL)
		fail(db, "%s %s: %s", sev != NULL ? sev : "ERROR", state != NULL ? state : "?????", msg);
	else
		fail(db, "%s", PQerrorMessage(db->conn));
	return PQstatus(db->conn) == CONNECTION_BAD ||
	       (sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0));
}

/* Wait until PQgetResult will not block, or the deadline. Returns 0, or
 * -1 with db->error set (the connection is then out of step). */
static int await_result(struct db *db, uint64_t deadline)
{
	while (PQisBusy(db->conn)) {
		if (wait_socket(db, POLLIN, deadline) != 0)
			return -1;
		if (!PQconsumeInput(db->conn))
			return fail(db, "%s", PQerrorMessage(db->conn));
	}
	return 0;
}

/* Read every result of the query just sent, waiting until the deadline.
 * Returns the first failed result's verdict or the last good result: the
 * result (the caller PQclear()s it), or NULL with db->error set and the
 * connection closed when it cannot be trusted any more. */
static PGresult *collect(struct db *db, uint64_t deadline)
{
	PGresult *keep = NULL, *r;
	for (;;) {
		if (await_result(db, deadline) != 0)
			goto broken;
		if ((r = PQgetResult(db->conn)) == NULL)
			break;
		if (keep == NULL || (result_ok(keep) && !result_ok(r))) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r);
		}
	}
	if (keep == NULL) {
		fail(db, "the database sent no result");
		goto broken;
	}
	if (result_ok(keep))
		return keep;
	if (record_error(db, keep))
		disconnect(db);
	PQclear(keep);
	return NULL;
broken:
	/* Results may still be on their way: the connection is out of step
	 * with the requests, and closing it is the only sure way back. Through
	 * corral, closing mid-query also cancels the query on the server. */
	PQclear(keep);
	disconnect(db);
	return NULL;
}

/* A connection kept from an earlier request may have been closed by the
 * other side meanwhile (PostgreSQL restarted, a backend terminated, corral
 * dropped the client): then the socket is readable while nothing was
 * asked. Inside a transaction the caller opened, the next statement tells.
 * Returns whether the connection can be used. */
static bool still_usable(struct db *db)
{
	if (PQstatus(db->conn) != CONNECTION_OK)
		return false;
	switch (PQtransactionStatus(db->conn)) {
	case PQTRANS_IDLE: break;
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR: return true;
	default: return false;
	}
	/* A closing server sends its reason (libpq hands it to the notice
	 * processor), then end-of-file, which one read may not reach: read
	 * while there is something to read, a few times at most. */
	for (int reads = 0; reads < 4; reads++) {
		struct pollfd p = { .fd = PQsocket(db->conn), .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return true;
		if (!PQconsumeInput(db->conn) || PQstatus(db->conn) != CONNECTION_OK)
			return false;
	}
	return !PQisBusy(db->conn);
}

/* Notices, and the reason a server gives before it closes an idle
 * connection, go to the app's log as one line. */
static void log_notice(void *arg, const char *message)
{
	int len = (int)strlen(message);
	while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == ' '))
		len--;
	app_log("database says: %.*s", len, message);
}

/* Open the connection (no statements yet). Returns 0 or -1 (error set,
 * nothing kept). */
static int open_connection(struct db *db, uint64_t deadline)
{
	char timeout[16];
	/* libpq's own bound, in whole seconds (it treats 1 as 2); the poll
	 * deadline below is the precise one. */
	snprintf(timeout, sizeof timeout, "%d", (db->timeout_ms + 999) / 1000);
	const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *const values[] = { timeout, "corral-app", db->dsn, NULL };
	/* dbname comes last so that the DSN's own settings win over ours. */
	db->conn = PQconnectStartParams(keys, values, 1);
	if (db->conn == NULL)
		return fail(db, "libpq could not allocate a connection");
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (PQstatus(db->conn) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
	       st != PGRES_POLLING_FAILED) {
		if (wait_socket(db, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline) != 0) {
			disconnect(db);
			return -1;
		}
		st = PQconnectPoll(db->conn);
	}
	if (st != PGRES_POLLING_OK) {
		fail(db, "cannot connect: %s", PQerrorMessage(db->conn));
		disconnect(db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, log_notice, NULL);
	return 0;
}

/* What PQgetResult hands out next in pipeline mode must be a result of
 * status *want or, with want NULL, the NULL that ends a query's results.
 * Returns 0, or -1 with db->error saying what came instead. */
static int expect_result(struct db *db, uint64_t deadline, const ExecStatusType *want)
{
	if (await_result(db, deadline) != 0)
		return -1;
	PGresult *r = PQgetResult(db->conn);
	int rc = 0;
	if ((want == NULL) != (r == NULL)) {
		rc = fail(db, "the database sent %s", r ? "an extra result" : "no result");
	} else if (r != NULL && PQresultStatus(r) != *want) {
		(void)record_error(db, r);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* Prepare every statement in one round trip (libpq's pipeline mode, one
 * Sync): through a transaction pool each round trip waits for a server,
 * and after an outage every worker reconnects at once. Returns 0, or -1
 * with db->error set (the connection is then of no use). */
static int prepare_all(struct db *db, uint64_t deadline)
{
	if (!PQenterPipelineMode(db->conn))
		return fail(db, "%s", PQerrorMessage(db->conn));
	for (int i = 0; i < DB_STMT_COUNT; i++)
		if (!PQsendPrepare(db->conn, stmts[i].name, stmts[i].sql, stmts[i].nparams, NULL))
			return fail(db, "%s", PQerrorMessage(db->conn));
	if (!PQpipelineSync(db->conn))
		return fail(db, "%s", PQerrorMessage(db->conn));
	static const ExecStatusType prepared = PGRES_COMMAND_OK, synced = PGRES_PIPELINE_SYNC;
	for (int i = 0; i < DB_STMT_COUNT; i++) {
		/* Each statement's result, then the NULL that ends it. */
		if (expect_result(db, deadline, &prepared) != 0 || expect_result(db, deadline, NULL) != 0)
			return -1;
	}
	if (expect_result(db, deadline, &synced) != 0)
		return -1;
	if (!PQexitPipelineMode(db->conn))
		return fail(db, "%s", PQerrorMessage(db->conn));
	return 0;
}

int db_connect(struct db *db)
{
	if (db->conn != NULL) {
		if (still_usable(db))
			return 0;
		disconnect(db);
	}
	uint64_t deadline = now_ms() + (uint64_t)db->timeout_ms;
	if (open_connection(db, deadline) != 0)
		return -1;
	if (prepare_all(db, deadline) != 0) {
		/* A connection without its statements is no use. */
		disconnect(db);
		return -1;
	}
	return 0;
}

PGresult *db_exec(struct db *db, enum db_stmt stmt, const char *const *params)
{
	if (db_connect(db) != 0)
		return NULL;
	uint64_t deadline = now_ms() + (uint64_t)db->timeout_ms;
	if (!PQsendQueryPrepared(db->conn, stmts[stmt].name, stmts[stmt].nparams, params,
				 NULL, NULL, 0)) {
		fail(db, "%s", PQerrorMessage(db->conn));
		disconnect(db);
		return NULL;
	}
	return collect(db, deadline);
}

int db_command(struct db *db, const char *sql)
{
	if (db_connect(db) != 0)
		return -1;
	uint64_t deadline = now_ms() + (uint64_t)db->timeout_ms;
	if (!PQsendQuery(db->conn, sql)) {
		fail(db, "%s", PQerrorMessage(db->conn));
		disconnect(db);
		return -1;
	}
	PGresult *r = collect(db, deadline);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

void db_abort_transaction(struct db *db)
{
	if (db->conn == NULL)
		return;
	char first[sizeof db->error];
	memcpy(first, db->error, sizeof first);
	if (db_command(db, "ROLLBACK") != 0 || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		disconnect(db);
	memcpy(db->error, first, sizeof first);
}
