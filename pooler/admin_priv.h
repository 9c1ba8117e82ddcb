/* admin_priv: what the admin console's files share and nothing else may
 * use: struct admin itself, the request a command runs with, the result
 * set writer (admin_result.c) and each file's entry point. admin.c runs
 * sessions and owns the state; admin_show.c, admin_sockets.c and
 * admin_stats.c answer SHOW; admin_cmd.c runs the control commands. */
#ifndef CORRAL_POOLER_ADMIN_PRIV_H
#define CORRAL_POOLER_ADMIN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pooler/admin.h"
#include "pooler/admin_parse.h"
#include "pooler/list.h"
#include "protocol/pg_buf.h"

struct event;

/* A small set of database names (PAUSE db, DISABLE db): a handful at
 * most, so a plain array. Owns the strings. */
struct admin_names {
	char **names;
	size_t count;
};

bool admin_names_has(const struct admin_names *s, const char *name);
void admin_names_add(struct admin_names *s, const char *name);
/* Returns whether name was there. */
bool admin_names_remove(struct admin_names *s, const char *name);

/* What a waiting console command waits for. */
enum admin_wait {
	ADMIN_UNTIL_PAUSED,     /* paused pools have no server left */
	ADMIN_UNTIL_CLOSED,     /* no server is marked close_needed */
};

/* A command answered once its condition holds; found by client id so a
 * session that leaves meanwhile is simply dropped. Owned by admin. */
struct admin_waiter {
	struct list_node node;      /* in admin->waiters */
	uint64_t client_id;
	enum admin_wait what;
	enum admin_verb verb;       /* the CommandComplete tag */
	char db[ADMIN_ARG_MAX];     /* "" for every database */
};

struct admin {
	struct corral *corral;
	bool pause_all;             /* PAUSE or KILL without a database */
	struct admin_names paused;  /* PAUSE db, KILL db */
	struct admin_names disabled;/* DISABLE db */
	struct list_node waiters;   /* struct admin_waiter */
	struct event *wait_timer;   /* owned: looks at the waiters while there are any */
	struct event *stats_timer;  /* owned: every stats_period */
	uint64_t period_start_us;   /* monotonic: when the running stats period began */
	uint64_t period_us;         /* length of the last whole period; 0 before the first */
};

/* One console command being run. */
struct admin_request {
	struct admin *admin;
	struct corral *corral;
	struct client *client;      /* the console session */
	const struct admin_command *cmd;
	bool is_admin;              /* admin_users: may run more than SHOW */
	struct pg_buf *out;         /* the session's own output */
};

/* Whether a command was answered (its reply is in out; ReadyForQuery
 * follows) or waits (admin_wait_for) to be answered later. */
enum admin_outcome {
	ADMIN_ANSWERED,
	ADMIN_WAITING,
};

/* ---- result sets (admin_result.c) ---- */

struct admin_column {
	const char *name;
	uint32_t type_oid;          /* PG_OID_TEXT, _INT4, _INT8 or _NUMERIC */
};

#define ADMIN_MAX_COLUMNS 32
#define ADMIN_CELL_SIZE 64

/* A RowDescription, then rows built cell by cell, then CommandComplete.
 * Text cells point at the caller's strings, which must live until
 * admin_row_end; every other cell is formatted into the result's own
 * storage. */
struct admin_result {
	struct pg_buf *out;
	const struct admin_column *columns;
	uint16_t count;             /* columns */
	uint16_t filled;            /* cells of the row being built */
	const char *cells[ADMIN_MAX_COLUMNS];
	char scratch[ADMIN_MAX_COLUMNS][ADMIN_CELL_SIZE];
};

/* Writes the RowDescription of n (<= ADMIN_MAX_COLUMNS) columns to out. */
void admin_result_begin(struct admin_result *r, struct pg_buf *out,
			const struct admin_column *columns, size_t n);
/* The next cell: text (NULL is SQL NULL), printf text (cut at
 * ADMIN_CELL_SIZE - 1 bytes), a signed or unsigned integer, or a wall-clock
 * time in microseconds as "YYYY-MM-DD HH:MM:SS UTC" (0: NULL). */
void admin_cell_text(struct admin_result *r, const char *s);
void admin_cell_textf(struct admin_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void admin_cell_int(struct admin_result *r, int64_t v);
void admin_cell_uint(struct admin_result *r, uint64_t v);
void admin_cell_time(struct admin_result *r, uint64_t wall_us);
/* Writes the row as a DataRow. Every column must have its cell: a missing
 * or extra one is a bug and aborts. */
void admin_row_end(struct admin_result *r);
/* Writes CommandComplete "SHOW". */
void admin_result_end(struct admin_result *r);

/* An ERROR (the session goes on) with sqlstate and message, logged at
 * warning level as PgBouncer does. */
void admin_error(struct pg_buf *out, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the commands ---- */

/* SHOW HELP, POOLS, DATABASES, USERS, CONFIG, LISTS, MEM, STATE, VERSION;
 * the rest go to the two below (admin_show.c). */
void admin_show(const struct admin_request *req);
/* SHOW CLIENTS, SERVERS, SOCKETS, ACTIVE_SOCKETS (admin_sockets.c). */
void admin_show_sockets(const struct admin_request *req);
/* SHOW STATS, STATS_TOTALS, STATS_AVERAGES, TOTALS (admin_stats.c). */
void admin_show_stats(const struct admin_request *req);
/* Every other verb, privilege already checked (admin_cmd.c). */
enum admin_outcome admin_command(const struct admin_request *req);

/* Answer the request's command later, once `what` holds for db ("" all). */
void admin_wait_for(const struct admin_request *req, enum admin_wait what, const char *db);
/* Whether what holds now for db ("" all) (admin_cmd.c). */
bool admin_wait_done(const struct admin *a, enum admin_wait what, const char *db);

/* Start the stats_period timer (admin_stats.c). */
void admin_stats_start(struct admin *a);

/* Wall-clock microseconds of a monotonic instant (corral_now_us). */
uint64_t admin_wall_us(const struct corral *c, uint64_t mono_us);

#endif
