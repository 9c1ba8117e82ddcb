/* ps_client: a ps_table of ps_name nodes keyed by the registry's hash key
 * (names are client input). Budget accounting happens on every way in and
 * out of the table, so `bytes` is always the sum of the costs of the names
 * in it. */
#include "pooler/ps_client.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void ps_client_init(struct ps_client *c, struct ps_registry *reg, size_t max_bytes)
{
	ps_table_init(&c->names);
	c->reg = reg;
	c->bytes = 0;
	c->max_bytes = max_bytes;
}

void ps_name_free(struct ps_registry *reg, struct ps_name *n)
{
	ps_registry_unref(reg, n->stmt);
	free(n);
}

static void free_name(struct ps_link *l, void *ctx)
{
	ps_name_free(ctx, ps_link_entry(l, struct ps_name, link));
}

void ps_client_fini(struct ps_client *c)
{
	ps_table_drain(&c->names, free_name, c->reg);
	ps_table_fini(&c->names);
	c->bytes = 0;
}

static uint64_t name_hash(const struct ps_client *c, const char *name, size_t len)
{
	return ps_hash(ps_registry_key(c->reg), 1, name, len);
}

static struct ps_name *find(const struct ps_client *c, const char *name, size_t len, uint64_t hash)
{
	for (struct ps_link *l = ps_table_chain(&c->names, hash); l; l = l->next) {
		struct ps_name *n = ps_link_entry(l, struct ps_name, link);
		if (l->hash == hash && strncmp(n->name, name, len + 1) == 0)
			return n;
	}
	return NULL;
}

struct ps_name *ps_client_find(const struct ps_client *c, const char *name)
{
	size_t len = strlen(name);
	return find(c, name, len, name_hash(c, name, len));
}

static void link_name(struct ps_client *c, struct ps_name *n)
{
	ps_table_insert(&c->names, &n->link);
	n->in_map = true;
	c->bytes += n->cost;
}

enum ps_client_add_result ps_client_add(struct ps_client *c, const char *name,
					const char *query, size_t query_len,
					const struct pg_oids *types, struct ps_name **out)
{
	size_t len = strlen(name);
	uint64_t hash = name_hash(c, name, len);
	if (find(c, name, len, hash) != NULL)
		return PS_CLIENT_DUPLICATE;
	size_t cost = sizeof(struct ps_name) + len + 1 + ps_stmt_size(query_len, types->count);
	/* (An undo may have put the map over budget: never subtract past 0.) */
	if (c->bytes > c->max_bytes || cost > c->max_bytes - c->bytes)
		return PS_CLIENT_OVER_BUDGET;
	struct ps_name *n = xmalloc(sizeof *n + len + 1);
	memcpy(n->name, name, len + 1);
	n->link.hash = hash;
	n->cost = cost;
	n->keep = false;
	n->stmt = ps_registry_get(c->reg, query, query_len, types);
	link_name(c, n);
	*out = n;
	return PS_CLIENT_ADDED;
}

void ps_client_detach(struct ps_client *c, struct ps_name *n)
{
	ps_table_remove(&c->names, &n->link);
	n->in_map = false;
	c->bytes -= n->cost;
}

int ps_client_attach(struct ps_client *c, struct ps_name *n)
{
	if (find(c, n->name, strlen(n->name), n->link.hash) != NULL)
		return -1;
	link_name(c, n);
	return 0;
}

struct ps_client_saved *ps_client_save_and_clear(struct ps_client *c)
{
	struct ps_client_saved *saved = xmalloc(sizeof *saved);
	saved->names = c->names;
	ps_table_init(&c->names);
	c->bytes = 0;
	return saved;
}

static void restore_name(struct ps_link *l, void *ctx)
{
	struct ps_client *c = ctx;
	struct ps_name *n = ps_link_entry(l, struct ps_name, link);
	n->in_map = false;
	if (ps_client_attach(c, n) != 0)
		ps_name_free(c->reg, n);
}

void ps_client_restore(struct ps_client *c, struct ps_client_saved *saved)
{
	ps_table_drain(&saved->names, restore_name, c);
	ps_table_fini(&saved->names);
	free(saved);
}

void ps_client_saved_free(struct ps_registry *reg, struct ps_client_saved *saved)
{
	ps_table_drain(&saved->names, free_name, reg);
	ps_table_fini(&saved->names);
	free(saved);
}

static void keep_or_free(struct ps_link *l, void *ctx)
{
	struct ps_client *c = ctx;
	struct ps_name *n = ps_link_entry(l, struct ps_name, link);
	c->bytes -= n->cost;
	n->in_map = false;
	if (!n->keep) {
		ps_name_free(c->reg, n);
		return;
	}
	n->keep = false;
	link_name(c, n);
}

void ps_client_clear_unmarked(struct ps_client *c)
{
	ps_table_drain(&c->names, keep_or_free, c);
}

size_t ps_client_count(const struct ps_client *c)
{
	return c->names.count;
}
