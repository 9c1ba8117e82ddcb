/* ps_table: chained buckets in a power-of-two array, grown by doubling at
 * load factor 1 (rehashing uses the stored hashes, never the keys). The
 * hash is SipHash-2-4 as its authors specify it (2 compression rounds per
 * 8-byte word, 4 finalization rounds, the length in the last word's top
 * byte), written here from the specification. */
#include "pooler/ps_table.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define INITIAL_BUCKETS 8

static uint64_t rotl(uint64_t v, unsigned n)
{
	return v << n | v >> (64 - n);
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* n <= 8 bytes as a little-endian word, whatever the host order. */
static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

uint64_t ps_hash(const struct ps_hash_key *key, uint64_t seed, const void *data, size_t len)
{
	uint64_t k0 = key->k0 ^ seed, k1 = key->k1;
	struct sip s = {
		.v0 = k0 ^ UINT64_C(0x736f6d6570736575),
		.v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
		.v2 = k0 ^ UINT64_C(0x6c7967656e657261),
		.v3 = k1 ^ UINT64_C(0x7465646279746573),
	};
	const uint8_t *p = data;
	size_t whole = len - len % 8;
	for (size_t i = 0; i < whole; i += 8)
		sip_word(&s, load_le(p + i, 8));
	/* (p + whole only when there is a tail: p may be NULL when len is 0.) */
	uint64_t tail = len % 8 ? load_le(p + whole, len % 8) : 0;
	sip_word(&s, (uint64_t)len << 56 | tail);
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t ps_hash_u64(uint64_t v)
{
	v ^= v >> 33;
	v *= UINT64_C(0xff51afd7ed558ccd);
	v ^= v >> 33;
	v *= UINT64_C(0xc4ceb9fe1a85ec53);
	v ^= v >> 33;
	return v;
}

void ps_table_init(struct ps_table *t)
{
	t->buckets = NULL;
	t->mask = 0;
	t->count = 0;
}

void ps_table_fini(struct ps_table *t)
{
	free(t->buckets);
	ps_table_init(t);
}

struct ps_link *ps_table_chain(const struct ps_table *t, uint64_t hash)
{
	return t->buckets ? t->buckets[hash & t->mask] : NULL;
}

static void link_into(struct ps_table *t, struct ps_link *l)
{
	struct ps_link **head = &t->buckets[l->hash & t->mask];
	l->next = *head;
	*head = l;
}

static void grow(struct ps_table *t)
{
	size_t old_n = t->buckets ? t->mask + 1 : 0;
	size_t n = old_n ? old_n * 2 : INITIAL_BUCKETS;
	struct ps_link **old = t->buckets;
	t->buckets = xcalloc(n, sizeof *t->buckets);
	t->mask = n - 1;
	for (size_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct ps_link *l = old[i];
			old[i] = l->next;
			link_into(t, l);
		}
	}
	free(old);
}

void ps_table_insert(struct ps_table *t, struct ps_link *l)
{
	if (t->buckets == NULL || t->count > t->mask)
		grow(t);
	link_into(t, l);
	t->count++;
}

void ps_table_remove(struct ps_table *t, struct ps_link *l)
{
	struct ps_link **pp = &t->buckets[l->hash & t->mask];
	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	l->next = NULL;
	t->count--;
}

void ps_table_drain(struct ps_table *t, void (*fn)(struct ps_link *l, void *ctx), void *ctx)
{
	if (t->buckets == NULL)
		return;
	/* Chain every entry into one list first, so fn sees an empty table
	 * and may insert into it. */
	struct ps_link *all = NULL;
	for (size_t i = 0; i <= t->mask; i++) {
		while (t->buckets[i]) {
			struct ps_link *l = t->buckets[i];
			t->buckets[i] = l->next;
			l->next = all;
			all = l;
		}
	}
	t->count = 0;
	while (all) {
		struct ps_link *l = all;
		all = l->next;
		l->next = NULL;
		fn(l, ctx);
	}
}
