/* db: a worker's one database connection, used with blocking calls, each
 * bounded by a deadline. It owns the PGconn, connects when a statement needs
 * it (after a failure, on the next request), prepares every statement the
 * app runs once per connection with PQprepare, and turns whatever goes
 * wrong (refused connection, a corral error such as query_wait_timeout, a
 * statement past its deadline, a lost socket) into one failure with a
 * message the caller logs and answers 503 for. A connection that may be
 * unusable after a failure is closed, never reused. */
#ifndef CORRAL_APP_DB_H
#define CORRAL_APP_DB_H

#include <libpq-fe.h>

/* The statements prepared on every connection. */
enum db_stmt {
	DB_WORLD_SELECT,    /* $1 id -> id, randomnumber */
	DB_FORTUNES,        /* -> id, message */
	DB_WORLD_LOCK,      /* $1 int[] ids -> locks them in id order */
	DB_WORLD_UPDATE,    /* $1 int[] ids, $2 int[] numbers */
	DB_FILE_ALLOWED,    /* $1 name -> downloadable (no row: unknown file) */
	DB_HEALTH,          /* -> 1 */
	DB_CHANNEL_MEMBER,  /* $1 channel, $2 user -> member (no row: unknown channel) */
	DB_MESSAGE_INSERT,  /* $1 channel, $2 user, $3 text -> the stored message as JSON */
	DB_MESSAGE_HISTORY, /* $1 channel, $2 since id -> a JSON array of messages after it */
	DB_STMT_COUNT,
};

struct db {
	PGconn *conn;        /* NULL when not connected */
	char *dsn;           /* owned */
	int timeout_ms;      /* bound on connecting, and on each statement */
	char error[512];     /* the last failure, one line */
};

/* Initialize with a copy of dsn (libpq conninfo or URI; "" = PG* variables)
 * and the per-operation bound. Does not connect. Pair with db_fini. */
void db_init(struct db *db, const char *dsn, int timeout_ms);
void db_fini(struct db *db);

/* Connect and prepare every statement unless already connected. Returns 0,
 * or -1 with db->error set and no connection kept. */
int db_connect(struct db *db) __attribute__((warn_unused_result));

/* Run a prepared statement with text parameters (nparams as the statement
 * declares), connecting first when needed. Returns the result
 * (PGRES_TUPLES_OK or PGRES_COMMAND_OK), which the caller PQclear()s; or
 * NULL with db->error set. */
PGresult *db_exec(struct db *db, enum db_stmt stmt, const char *const *params)
	__attribute__((warn_unused_result));

/* Run a statement without parameters and without a result worth keeping
 * (BEGIN, COMMIT, ROLLBACK) through the simple query protocol, connecting
 * first when needed. Returns 0, or -1 with db->error set. */
int db_command(struct db *db, const char *sql) __attribute__((warn_unused_result));

/* End a transaction that failed half-way: ROLLBACK, bounded like any
 * statement; when even that fails, the connection is closed (which ends
 * the transaction too). db->error keeps the first failure. */
void db_abort_transaction(struct db *db);

#endif
