/* cancel_map: open addressing with linear probing over a power-of-two table
 * kept at most half full, so a probe is short whatever the churn. Removal
 * shifts the following entries of the cluster back (no tombstones), so
 * 10,000 clients logging in and out never degrade the table. A slot is
 * empty when its owner is NULL. The stored ids are CSPRNG output, so an
 * attacker cannot build long clusters; the mixing below only guards
 * against a poor random source, not against chosen keys. */
#include "pooler/cancel_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <openssl/rand.h>

#include "util/xalloc.h"

#define INITIAL_CAPACITY 64
/* Random ids drawn per RAND_bytes call: one call serves this many logins. */
#define RANDOM_BATCH 64

struct cancel_slot {
	uint64_t id;    /* pid << 32 | key */
	void *owner;    /* NULL: empty slot */
};

struct cancel_map {
	struct cancel_slot *slots;
	size_t mask;                  /* capacity - 1; capacity is a power of two */
	size_t count;
	uint64_t random[RANDOM_BATCH];
	size_t random_left;           /* unused ids at the start of random[] */
};

/* A 64-bit finalizer (multiply-xorshift) spreading every input bit over
 * the slot index. */
static size_t home_slot(const struct cancel_map *map, uint64_t id)
{
	id ^= id >> 33;
	id *= UINT64_C(0xff51afd7ed558ccd);
	id ^= id >> 33;
	id *= UINT64_C(0xc4ceb9fe1a85ec53);
	id ^= id >> 33;
	return (size_t)id & map->mask;
}

static uint64_t make_id(uint32_t pid, uint32_t key)
{
	return (uint64_t)pid << 32 | key;
}

struct cancel_map *cancel_map_new(void)
{
	struct cancel_map *map = xcalloc(1, sizeof *map);
	map->slots = xcalloc(INITIAL_CAPACITY, sizeof *map->slots);
	map->mask = INITIAL_CAPACITY - 1;
	return map;
}

void cancel_map_free(struct cancel_map *map)
{
	if (map == NULL)
		return;
	free(map->slots);
	free(map);
}

/* The slot holding id, or the empty slot ending its probe sequence. */
static size_t probe(const struct cancel_map *map, uint64_t id)
{
	size_t i = home_slot(map, id);
	while (map->slots[i].owner != NULL && map->slots[i].id != id)
		i = (i + 1) & map->mask;
	return i;
}

/* Double the table and re-place every entry. */
static void grow(struct cancel_map *map)
{
	struct cancel_slot *old = map->slots;
	size_t old_capacity = map->mask + 1;
	map->slots = xcalloc(old_capacity * 2, sizeof *map->slots);
	map->mask = old_capacity * 2 - 1;
	for (size_t i = 0; i < old_capacity; i++)
		if (old[i].owner != NULL)
			map->slots[probe(map, old[i].id)] = old[i];
	free(old);
}

/* The next unused random id; -1 when the CSPRNG cannot refill the batch. */
static int next_random(struct cancel_map *map, uint64_t *id)
{
	if (map->random_left == 0) {
		if (RAND_bytes((unsigned char *)map->random, sizeof map->random) != 1)
			return -1;
		map->random_left = RANDOM_BATCH;
	}
	*id = map->random[--map->random_left];
	return 0;
}

int cancel_map_new_key(struct cancel_map *map, void *owner, uint32_t *pid, uint32_t *key)
{
	/* Growing first keeps the load at most one half after the insert. */
	if ((map->count + 1) * 2 > map->mask + 1)
		grow(map);
	uint64_t id;
	size_t i;
	do {
		if (next_random(map, &id) != 0)
			return -1;
		i = probe(map, id);
	} while (map->slots[i].owner != NULL);
	map->slots[i].id = id;
	map->slots[i].owner = owner;
	map->count++;
	*pid = (uint32_t)(id >> 32);
	*key = (uint32_t)id;
	return 0;
}

void *cancel_map_find(const struct cancel_map *map, uint32_t pid, uint32_t key)
{
	return map->slots[probe(map, make_id(pid, key))].owner;
}

/* Whether the entry at j, whose home slot is home, may move back to the
 * hole at i: only if its probe sequence from home passes i, that is, i is
 * not cyclically inside (home, j]. */
static bool may_fill_hole(size_t mask, size_t home, size_t i, size_t j)
{
	return ((j - home) & mask) >= ((j - i) & mask);
}

void *cancel_map_remove(struct cancel_map *map, uint32_t pid, uint32_t key)
{
	size_t hole = probe(map, make_id(pid, key));
	void *owner = map->slots[hole].owner;
	if (owner == NULL)
		return NULL;
	for (size_t j = (hole + 1) & map->mask; map->slots[j].owner != NULL;
	     j = (j + 1) & map->mask) {
		if (may_fill_hole(map->mask, home_slot(map, map->slots[j].id), hole, j)) {
			map->slots[hole] = map->slots[j];
			hole = j;
		}
	}
	map->slots[hole].owner = NULL;
	map->count--;
	return owner;
}

size_t cancel_map_count(const struct cancel_map *map)
{
	return map->count;
}
