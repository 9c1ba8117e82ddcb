/* ps_server: a ps_table of slots keyed by statement id (ids are
 * sequential and chosen by corral, so a plain integer mix spreads them),
 * threaded on an intrusive LRU list. One small allocation per statement
 * prepared on the server, none per use. */
#include "pooler/ps_server.h"

#include <stdlib.h>

#include "util/xalloc.h"

struct ps_slot {
	struct ps_link link;
	struct list_node lru;
	struct ps_stmt *stmt;      /* one reference */
};

void ps_server_init(struct ps_server *s, struct ps_registry *reg, size_t max)
{
	ps_table_init(&s->slots);
	list_init(&s->lru);
	s->reg = reg;
	s->max = max;
}

static struct ps_slot *find(const struct ps_server *s, const struct ps_stmt *st)
{
	uint64_t hash = ps_hash_u64(st->id);
	for (struct ps_link *l = ps_table_chain(&s->slots, hash); l; l = l->next) {
		struct ps_slot *slot = ps_link_entry(l, struct ps_slot, link);
		if (slot->stmt == st)
			return slot;
	}
	return NULL;
}

/* Unlink slot, free it and hand back its statement reference. */
static struct ps_stmt *take(struct ps_server *s, struct ps_slot *slot)
{
	struct ps_stmt *st = slot->stmt;
	ps_table_remove(&s->slots, &slot->link);
	list_remove(&slot->lru);
	free(slot);
	return st;
}

void ps_server_clear(struct ps_server *s)
{
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &s->lru)
		ps_registry_unref(s->reg, take(s, list_entry(pos, struct ps_slot, lru)));
}

void ps_server_fini(struct ps_server *s)
{
	ps_server_clear(s);
	ps_table_fini(&s->slots);
}

bool ps_server_use(struct ps_server *s, struct ps_stmt *st)
{
	struct ps_slot *slot = find(s, st);
	if (slot == NULL)
		return false;
	list_remove(&slot->lru);
	list_push_front(&s->lru, &slot->lru);
	return true;
}

bool ps_server_has(const struct ps_server *s, const struct ps_stmt *st)
{
	return find(s, st) != NULL;
}

/* Link st (reference already taken) at the front or the back of the LRU. */
static void insert(struct ps_server *s, struct ps_stmt *st, bool most_recent)
{
	struct ps_slot *slot = xmalloc(sizeof *slot);
	slot->stmt = st;
	slot->link.hash = ps_hash_u64(st->id);
	ps_table_insert(&s->slots, &slot->link);
	if (most_recent)
		list_push_front(&s->lru, &slot->lru);
	else
		list_push_back(&s->lru, &slot->lru);
}

void ps_server_add(struct ps_server *s, struct ps_stmt *st)
{
	ps_stmt_ref(st);
	insert(s, st, true);
}

struct ps_stmt *ps_server_evict(struct ps_server *s)
{
	if (s->slots.count <= s->max)
		return NULL;
	return take(s, list_entry(s->lru.prev, struct ps_slot, lru));
}

bool ps_server_forget(struct ps_server *s, struct ps_stmt *st)
{
	struct ps_slot *slot = find(s, st);
	if (slot == NULL)
		return false;
	ps_registry_unref(s->reg, take(s, slot));
	return true;
}

void ps_server_readd(struct ps_server *s, struct ps_stmt *st)
{
	if (find(s, st) != NULL)
		ps_registry_unref(s->reg, st);
	else
		insert(s, st, false);
}

size_t ps_server_count(const struct ps_server *s)
{
	return s->slots.count;
}
