/* ps_server: which registry statements are prepared (as "corral_<id>") on
 * one server connection, bounded by max_prepared_statements with least
 * recently used eviction. It records what corral has sent, in order: a
 * statement is in the set from the moment its Parse is written to the
 * server, and out of it from the moment its Close is; the reply queue
 * (ps_queue) puts it right when the server fails or skips one of those.
 * Each member holds a statement reference. O(1) per operation on average.
 * No I/O. */
#ifndef CORRAL_POOLER_PS_SERVER_H
#define CORRAL_POOLER_PS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "pooler/list.h"
#include "pooler/ps_registry.h"
#include "pooler/ps_table.h"

struct ps_server {
	struct ps_table slots;     /* struct ps_slot by statement id */
	struct list_node lru;      /* slots, most recently used first */
	struct ps_registry *reg;   /* not owned */
	size_t max;                /* >= 1 */
};

/* An empty set of at most max (>= 1) statements after eviction. */
void ps_server_init(struct ps_server *s, struct ps_registry *reg, size_t max);
/* Releases every member. */
void ps_server_fini(struct ps_server *s);

/* Whether st is prepared on this server; if so it becomes the most
 * recently used. */
bool ps_server_use(struct ps_server *s, struct ps_stmt *st);
/* Whether st is a member, changing nothing. */
bool ps_server_has(const struct ps_server *s, const struct ps_stmt *st);

/* Add st (not a member) as the most recently used; takes a reference.
 * The set may now hold more than max: call ps_server_evict until NULL. */
void ps_server_add(struct ps_server *s, struct ps_stmt *st);
/* While the set holds more than max: remove the least recently used
 * member and return it, its reference handed to the caller (who closes it
 * on the server). NULL when within bounds. The most recently used member
 * is never returned (max >= 1). */
struct ps_stmt *ps_server_evict(struct ps_server *s) __attribute__((warn_unused_result));

/* Remove st if it is a member (releasing the set's reference); whether it
 * was. */
bool ps_server_forget(struct ps_server *s, struct ps_stmt *st);
/* Put an evicted st back as the least recently used, taking over the
 * caller's reference (its Close was skipped: the server still has it). If
 * it is a member again already, the reference is just released. */
void ps_server_readd(struct ps_server *s, struct ps_stmt *st);
/* Forget every member (the server ran DISCARD ALL or DEALLOCATE ALL). */
void ps_server_clear(struct ps_server *s);

/* Members now (SHOW SERVERS prepared_statements). */
size_t ps_server_count(const struct ps_server *s);

#endif
