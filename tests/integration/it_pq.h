/* it_pq: libpq connections for the pooler integration tests, to corral or
 * straight to the harness PostgreSQL, with every wait bounded (a silent
 * pooler fails a test instead of hanging it) and Check assertions on
 * results, errors and transaction status. Functions marked "no Check" may
 * be used outside a Check test (it_client). */
#ifndef CORRAL_TESTS_INTEGRATION_IT_PQ_H
#define CORRAL_TESTS_INTEGRATION_IT_PQ_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a libpq conninfo for corral's TCP listener (CORRAL_HOST,
 * CORRAL_PORT) as the harness user (PGUSER, PGPASSWORD), database dbname,
 * connect_timeout 5, then `extra` (conninfo text, may be ""; its keys
 * override). Returns 0, or -1 with the reason in out when a variable is
 * missing or out is too small. No Check. */
int it_pq_conninfo(char *out, size_t size, const char *dbname, const char *extra)
	__attribute__((warn_unused_result));

/* Waits until c has a result to hand out (PQisBusy false), its connection
 * broke (PQgetResult then says why), or deadline_ms (it_now_ms's clock)
 * passes. Returns 0 when PQgetResult will not block, -1 on timeout.
 * No Check. */
int it_pq_wait(PGconn *c, int64_t deadline_ms) __attribute__((warn_unused_result));

/* Reads every result of the query in flight on c until deadline_ms. *out
 * gets the first error result, else the last result (NULL when none came);
 * a COPY result ends the reading there, for the caller to carry on the
 * COPY. Returns 0, or -1 on timeout (*out then holds what arrived so far).
 * Caller PQclears *out. No Check. */
int it_pq_collect(PGconn *c, int64_t deadline_ms, PGresult **out)
	__attribute__((warn_unused_result));

/* True for an error result (fatal, nonfatal or a bad response). No Check. */
bool it_pq_is_error(const PGresult *r);

/* A logged-in connection to corral, database dbname, conninfo `extra`;
 * fails the test with libpq's message when the login does not succeed
 * within 5 s. Caller PQfinishes it. */
PGconn *it_pq_connect(const char *dbname, const char *extra);
/* The same, straight to the harness PostgreSQL (database postgres), for
 * observing what corral did: pg_stat_activity, pg_locks, terminating. */
PGconn *it_pq_connect_direct(void);

/* The next result of c (NULL once the query's results are all read);
 * fails the test when none arrives by deadline_ms. Caller PQclears. */
PGresult *it_pq_next(PGconn *c, int64_t deadline_ms);

/* Sends sql and reads all its results within IT_WAIT_MS: the first error
 * result, else the last result; a send that fails yields a
 * PGRES_FATAL_ERROR result with libpq's message. Caller PQclears. */
PGresult *it_pq_exec(PGconn *c, const char *sql);
/* it_pq_exec that must succeed (a command or rows). */
void it_pq_exec_ok(PGconn *c, const char *sql);
/* it_pq_exec of a query returning exactly one row and column: its text, a
 * malloc'd copy the caller frees (NULL for SQL NULL). */
char *it_pq_text(PGconn *c, const char *sql);
/* it_pq_text as a decimal integer. */
long long it_pq_int(PGconn *c, const char *sql);

/* Fails the test unless r is an error as it_check_diag describes. */
void it_pq_check_error(const PGresult *r, const char *what, const char *sqlstates,
		       const char *part);
/* it_pq_exec that must fail as it_pq_check_error describes. */
void it_pq_exec_error(PGconn *c, const char *sql, const char *sqlstates, const char *part);

/* Fails the test unless c's last ReadyForQuery said `want`. */
void it_pq_assert_tx(PGconn *c, PGTransactionStatusType want);

/* Fails the test if a result for c's query in flight arrives within ms:
 * the query is being held back (queued behind another client). */
void it_pq_assert_waiting(PGconn *c, int ms);

/* Polls pg_stat_activity over `direct` until a backend is active running
 * exactly `query`; returns its pid. Fails the test after IT_WAIT_MS. */
int it_pq_wait_active(PGconn *direct, const char *query);

#endif
