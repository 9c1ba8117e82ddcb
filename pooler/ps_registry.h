/* ps_registry: the distinct prepared statements of one event loop, shared
 * by all its clients and servers. A statement is its query text and
 * parameter type OIDs; it gets a loop-unique id once, and with it the
 * stable name "corral_<id>" it carries on every server it is prepared on.
 * Statements are reference-counted: each client name, server set entry and
 * pending reply that points at one holds a reference, and the last release
 * frees it (its id is never reused). Lookup is O(1) on average: one keyed
 * hash of the query and types, one short chain. No I/O. */
#ifndef CORRAL_POOLER_PS_REGISTRY_H
#define CORRAL_POOLER_PS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "pooler/ps_table.h"
#include "protocol/pg_wire.h"

/* "corral_" and up to 20 digits and the NUL. */
#define PS_SERVER_NAME_SIZE 28

/* One distinct statement. Owned by the registry; alive while refs > 0. */
struct ps_stmt {
	struct ps_link link;       /* in the registry; hash of query and types */
	uint64_t id;
	uint32_t refs;
	uint16_t n_types;
	size_t query_len;          /* strlen(query) */
	const char *query;         /* NUL-terminated, inside this allocation */
	char server_name[PS_SERVER_NAME_SIZE];  /* "corral_<id>" */
	uint32_t types[];          /* n_types parameter type OIDs (0 = unspecified) */
};

struct ps_registry;

/* An empty registry hashing under key (draw it from a CSPRNG; tests use a
 * fixed one). Freed by ps_registry_free. */
struct ps_registry *ps_registry_new(const struct ps_hash_key *key);
/* Frees the registry and any statement still in it (there should be none:
 * free clients and servers first). NULL is allowed. */
void ps_registry_free(struct ps_registry *reg);

/* The hash key, for the other tables keyed by client input. */
const struct ps_hash_key *ps_registry_key(const struct ps_registry *reg);

/* The statement for (query[0..query_len), types), created (with the next
 * id) when the registry has none; one reference is added for the caller.
 * query must be NUL-terminated at query_len (as Parse carries it);
 * types->count <= INT16_MAX. Allocates only when the statement is new. */
struct ps_stmt *ps_registry_get(struct ps_registry *reg, const char *query, size_t query_len,
				const struct pg_oids *types);

/* One more reference to st. */
void ps_stmt_ref(struct ps_stmt *st);
/* Drops one reference; the last one frees st. */
void ps_registry_unref(struct ps_registry *reg, struct ps_stmt *st);

/* Statements alive, and the bytes their allocations take. */
size_t ps_registry_count(const struct ps_registry *reg);
size_t ps_registry_bytes(const struct ps_registry *reg);

/* Bytes of the allocation a statement of this size takes, for callers
 * that budget memory before creating one. */
size_t ps_stmt_size(size_t query_len, uint16_t n_types);

#endif
