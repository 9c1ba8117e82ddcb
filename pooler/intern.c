/* intern: a chained hash table of reference-counted strings (see
 * intern.h). Each entry carries its text, so an interned pointer leads
 * back to its entry without a lookup; only intern_get hashes. */
#include "pooler/intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define INITIAL_BUCKETS 16

struct intern_entry {
	struct intern_entry *next;  /* in its bucket */
	uint32_t hash;
	uint32_t refs;
	char text[];
};

/* The one table; the bucket count doubles when it would exceed it. */
static struct {
	struct intern_entry **buckets;
	size_t mask;                /* bucket count - 1; buckets NULL when empty */
	size_t count;
} table;

/* FNV-1a: the values are short and few, and nobody can make them collide
 * into anything worse than a longer chain. */
static uint32_t hash_of(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static struct intern_entry *entry_of(const char *v)
{
	return (struct intern_entry *)(void *)(uintptr_t)(v - offsetof(struct intern_entry, text));
}

static void grow(void)
{
	size_t n = table.buckets ? (table.mask + 1) * 2 : INITIAL_BUCKETS;
	struct intern_entry **buckets = xcalloc(n, sizeof *buckets);
	for (size_t i = 0; table.buckets && i <= table.mask; i++) {
		struct intern_entry *e = table.buckets[i];
		while (e) {
			struct intern_entry *next = e->next;
			e->next = buckets[e->hash & (n - 1)];
			buckets[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(table.buckets);
	table.buckets = buckets;
	table.mask = n - 1;
}

const char *intern_get(const char *s)
{
	uint32_t h = hash_of(s);
	if (table.buckets) {
		for (struct intern_entry *e = table.buckets[h & table.mask]; e; e = e->next) {
			if (e->hash == h && strcmp(e->text, s) == 0) {
				e->refs++;
				return e->text;
			}
		}
	}
	if (table.buckets == NULL || table.count > table.mask)
		grow();
	size_t len = strlen(s);
	struct intern_entry *e = xmalloc(sizeof *e + len + 1);
	e->hash = h;
	e->refs = 1;
	memcpy(e->text, s, len + 1);
	e->next = table.buckets[h & table.mask];
	table.buckets[h & table.mask] = e;
	table.count++;
	return e->text;
}

const char *intern_ref(const char *v)
{
	entry_of(v)->refs++;
	return v;
}

void intern_put(const char *v)
{
	if (v == NULL)
		return;
	struct intern_entry *e = entry_of(v);
	if (--e->refs > 0)
		return;
	struct intern_entry **at = &table.buckets[e->hash & table.mask];
	while (*at != e)
		at = &(*at)->next;
	*at = e->next;
	free(e);
	if (--table.count == 0) {
		free(table.buckets);
		table.buckets = NULL;
		table.mask = 0;
	}
}

size_t intern_count(void)
{
	return table.count;
}
