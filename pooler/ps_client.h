/* ps_client: one client's named prepared statements, as the client sees
 * them: its own names (any string but "") mapped to registry statements.
 * Names are nodes that can be detached and put back, so a Close or
 * DEALLOCATE that the server ends up skipping (an earlier error in the
 * same pipeline) can be undone exactly; whoever detached a node owns it.
 *
 * Memory is bounded by a byte budget per client: each name is charged its
 * node, its text and the full size of its statement (as if no other client
 * shared it), and a Parse that would go over the budget is refused. A
 * detached node is charged to no one; it lives only until the reply it
 * waits for arrives. The unnamed statement is not tracked here. No I/O. */
#ifndef CORRAL_POOLER_PS_CLIENT_H
#define CORRAL_POOLER_PS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "pooler/ps_registry.h"
#include "pooler/ps_table.h"
#include "protocol/pg_wire.h"

/* One client name. In the map (in_map) the map owns it; detached, the
 * caller that detached it does. */
struct ps_name {
	struct ps_link link;       /* in the map; keyed hash of the name */
	struct ps_stmt *stmt;      /* one reference */
	size_t cost;               /* bytes charged while in the map */
	bool in_map;
	bool keep;                 /* scratch mark for ps_client_clear_unmarked */
	char name[];
};

struct ps_client {
	struct ps_table names;
	struct ps_registry *reg;   /* not owned */
	size_t bytes;              /* charged for the names in the map */
	size_t max_bytes;          /* the budget; SIZE_MAX for none */
};

/* The names of a map taken away whole by DEALLOCATE ALL, kept until that
 * command is known to have taken effect. */
struct ps_client_saved {
	struct ps_table names;
};

enum ps_client_add_result {
	PS_CLIENT_ADDED,
	PS_CLIENT_DUPLICATE,      /* the name is in use: 42P05 */
	PS_CLIENT_OVER_BUDGET,    /* it would take more than max_bytes */
};

void ps_client_init(struct ps_client *c, struct ps_registry *reg, size_t max_bytes);
/* Frees every name in the map (detached nodes are their owners'). */
void ps_client_fini(struct ps_client *c);

/* Map name to the registry statement for (query, types). ADDED: *out is
 * the new node (in the map). DUPLICATE, OVER_BUDGET: nothing changed, *out
 * untouched. Allocates the node and, if new, the statement. */
enum ps_client_add_result ps_client_add(struct ps_client *c, const char *name,
					const char *query, size_t query_len,
					const struct pg_oids *types, struct ps_name **out)
	__attribute__((warn_unused_result));

/* The node for name, or NULL. */
struct ps_name *ps_client_find(const struct ps_client *c, const char *name);

/* Take n (in the map) out of it; the caller owns it from now on. */
void ps_client_detach(struct ps_client *c, struct ps_name *n);
/* Put a detached n back. 0, or -1 when its name has been mapped again
 * meanwhile (n stays the caller's). The budget is not checked: this
 * restores what was there. */
int ps_client_attach(struct ps_client *c, struct ps_name *n) __attribute__((warn_unused_result));
/* Free a detached node, dropping its statement reference. */
void ps_name_free(struct ps_registry *reg, struct ps_name *n);

/* DEALLOCATE ALL: move every name out into a saved set (the caller owns
 * it) and leave the map empty. */
struct ps_client_saved *ps_client_save_and_clear(struct ps_client *c);
/* Undo it: put each saved name back unless the name has been mapped again
 * meanwhile (then the newer one stays and the saved one is freed); frees
 * saved. */
void ps_client_restore(struct ps_client *c, struct ps_client_saved *saved);
/* Free a saved set. */
void ps_client_saved_free(struct ps_registry *reg, struct ps_client_saved *saved);

/* Free every name in the map whose `keep` mark is not set, and clear the
 * marks (DISCARD ALL on the server, sparing names added after it). */
void ps_client_clear_unmarked(struct ps_client *c);

/* Names in the map (SHOW CLIENTS prepared_statements). */
size_t ps_client_count(const struct ps_client *c);

#endif
