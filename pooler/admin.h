/* admin: the admin console, the virtual database "corral" (or "pgbouncer",
 * so PgBouncer's tools work unchanged). A console session is a client of a
 * pseudo-pool that never opens a server; each simple Query it sends is one
 * command (admin_parse.h) answered here: SHOW ... with PgBouncer 1.25's
 * columns (admin_show.c, admin_sockets.c, admin_stats.c) and the control
 * commands (admin_cmd.c). admin_users may run everything, stats_users only
 * SHOW. This module also owns what those commands leave behind: paused and
 * disabled databases, commands waiting to be answered (PAUSE, WAIT_CLOSE),
 * and the stats_period timer behind SHOW STATS's averages. One struct admin
 * per loop, owned by struct corral. */
#ifndef CORRAL_POOLER_ADMIN_H
#define CORRAL_POOLER_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "pooler/stream.h"

struct admin;
struct client;
struct corral;
struct pg_frame;
struct pool;

/* State for c's loop; starts the stats_period timer (c->base must exist). */
struct admin *admin_new(struct corral *c);
/* Stops the timers and frees a; NULL is allowed. Console pools are c's. */
void admin_free(struct admin *a);

/* Whether a client's database names the console ("corral", "pgbouncer"). */
bool admin_is_console_db(const char *db);

/* For an authenticated client of user asking for console database db: the
 * console's pseudo-pool (made on first use, welcoming clients with
 * server_version "<version>/corral", UTF8, ISO dates, UTC). NULL with
 * sqlstate "42501" and why "not allowed" when user is in neither
 * admin_users nor stats_users (with auth_type any, everyone is a stats
 * user, admin_users are admins). */
struct pool *admin_console_pool(struct corral *c, const char *user, const char *db,
				const char **sqlstate, char *why, size_t why_size);

/* A message from console client c (IDLE in a console pool), Terminate
 * excepted: a Query is run and answered (result, or ERROR, then
 * ReadyForQuery; the session stays usable). The extended protocol gets an
 * ERROR at Parse and ReadyForQuery at Sync, its other messages dropped;
 * anything else is a protocol violation (FATAL). Returns
 * STREAM_NEED_BODY until the Query is whole, STREAM_PAUSE while a command
 * waits to be answered (PAUSE, WAIT_CLOSE), STREAM_STOP when c was closed,
 * else STREAM_CONSUMED. */
enum stream_verdict admin_on_message(struct client *c, const struct pg_frame *msg);

/* Whether new pools of database db start paused (PAUSE, KILL), and whether
 * db refuses new clients (DISABLE). For pool_get; O(paused/disabled). */
bool admin_db_paused(const struct admin *a, const char *db);
bool admin_db_disabled(const struct admin *a, const char *db);

#endif
