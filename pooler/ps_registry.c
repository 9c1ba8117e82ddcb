/* ps_registry: one ps_table of statements, each a single allocation (the
 * struct, its type OIDs, then the query text). The hash covers the query
 * and the types as sent (big-endian OIDs), so a lookup straight from a
 * Parse message needs no conversion until a new statement is stored. */
#include "pooler/ps_registry.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct ps_registry {
	struct ps_table table;
	struct ps_hash_key key;
	uint64_t next_id;
	size_t bytes;
};

struct ps_registry *ps_registry_new(const struct ps_hash_key *key)
{
	struct ps_registry *reg = xcalloc(1, sizeof *reg);
	ps_table_init(&reg->table);
	reg->key = *key;
	reg->next_id = 1;
	return reg;
}

static void free_stmt(struct ps_link *l, void *ctx)
{
	(void)ctx;
	free(ps_link_entry(l, struct ps_stmt, link));
}

void ps_registry_free(struct ps_registry *reg)
{
	if (reg == NULL)
		return;
	ps_table_drain(&reg->table, free_stmt, NULL);
	ps_table_fini(&reg->table);
	free(reg);
}

const struct ps_hash_key *ps_registry_key(const struct ps_registry *reg)
{
	return &reg->key;
}

size_t ps_stmt_size(size_t query_len, uint16_t n_types)
{
	return sizeof(struct ps_stmt) + (size_t)n_types * sizeof(uint32_t) + query_len + 1;
}

/* The types are hashed first and their hash seeds the query's: the two
 * fields stay apart without copying them into one buffer. */
static uint64_t key_hash(const struct ps_registry *reg, const char *query, size_t query_len,
			 const struct pg_oids *types)
{
	uint64_t h = ps_hash(&reg->key, 0, types->count ? types->p : NULL, 4u * types->count);
	return ps_hash(&reg->key, h, query, query_len);
}

static bool same_stmt(const struct ps_stmt *st, const char *query, size_t query_len,
		     const struct pg_oids *types)
{
	if (st->query_len != query_len || st->n_types != types->count)
		return false;
	for (uint16_t i = 0; i < types->count; i++)
		if (st->types[i] != pg_oids_at(types, i))
			return false;
	return memcmp(st->query, query, query_len) == 0;
}

static struct ps_stmt *new_stmt(struct ps_registry *reg, uint64_t hash, const char *query,
				size_t query_len, const struct pg_oids *types)
{
	size_t size = ps_stmt_size(query_len, types->count);
	struct ps_stmt *st = xmalloc(size);
	st->link.hash = hash;
	st->id = reg->next_id++;
	st->refs = 0;
	st->n_types = types->count;
	for (uint16_t i = 0; i < types->count; i++)
		st->types[i] = pg_oids_at(types, i);
	char *text = (char *)(st->types + types->count);
	memcpy(text, query, query_len);
	text[query_len] = '\0';
	st->query = text;
	st->query_len = query_len;
	snprintf(st->server_name, sizeof st->server_name, "corral_%" PRIu64, st->id);
	ps_table_insert(&reg->table, &st->link);
	reg->bytes += size;
	return st;
}

struct ps_stmt *ps_registry_get(struct ps_registry *reg, const char *query, size_t query_len,
				const struct pg_oids *types)
{
	uint64_t hash = key_hash(reg, query, query_len, types);
	struct ps_stmt *st = NULL;
	for (struct ps_link *l = ps_table_chain(&reg->table, hash); l; l = l->next) {
		struct ps_stmt *cand = ps_link_entry(l, struct ps_stmt, link);
		if (l->hash == hash && same_stmt(cand, query, query_len, types)) {
			st = cand;
			break;
		}
	}
	if (st == NULL)
		st = new_stmt(reg, hash, query, query_len, types);
	st->refs++;
	return st;
}

void ps_stmt_ref(struct ps_stmt *st)
{
	st->refs++;
}

void ps_registry_unref(struct ps_registry *reg, struct ps_stmt *st)
{
	if (--st->refs > 0)
		return;
	ps_table_remove(&reg->table, &st->link);
	reg->bytes -= ps_stmt_size(st->query_len, st->n_types);
	free(st);
}

size_t ps_registry_count(const struct ps_registry *reg)
{
	return reg->table.count;
}

size_t ps_registry_bytes(const struct ps_registry *reg)
{
	return reg->bytes;
}
