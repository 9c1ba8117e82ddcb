/* ps_table: the intrusive chained hash table under corral's prepared
 * statement bookkeeping (the per-loop statement registry, each client's
 * statement names, each server's prepared set), and the keyed hash they
 * use. Entries embed a struct ps_link; the table owns only its bucket
 * array, never the entries. Keys come from clients (query texts, statement
 * names), so the hash is SipHash-2-4 under a per-loop random key: a client
 * cannot build colliding chains it does not know the key for. No I/O. */
#ifndef CORRAL_POOLER_PS_TABLE_H
#define CORRAL_POOLER_PS_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit SipHash key. */
struct ps_hash_key {
	uint64_t k0, k1;
};

/* SipHash-2-4 of data[0..len) under key, with seed mixed into the key so
 * one key serves several independent hashes (seed 0 for plain use). data
 * may be NULL when len is 0. */
uint64_t ps_hash(const struct ps_hash_key *key, uint64_t seed, const void *data, size_t len);

/* Spreads the bits of a non-secret integer (a statement id) over a word. */
uint64_t ps_hash_u64(uint64_t v);

/* Embedded in every entry. `hash` is set by the caller before insert and
 * must not change while the entry is in a table. */
struct ps_link {
	struct ps_link *next;
	uint64_t hash;
};

/* The entry that embeds `link` as `member`. */
#define ps_link_entry(link, type, member) ((type *)((char *)(link) - offsetof(type, member)))

struct ps_table {
	struct ps_link **buckets;  /* owned; NULL until the first insert */
	size_t mask;               /* bucket count - 1 (a power of two), 0 while empty */
	size_t count;              /* entries linked */
};

/* An empty table; nothing is allocated until the first insert. */
void ps_table_init(struct ps_table *t);
/* Frees the bucket array. The entries are the caller's: remove or drain
 * them first if they must not dangle. */
void ps_table_fini(struct ps_table *t);

/* The first entry of the chain `hash` lives in (walk ->next and compare
 * ->hash, then the key), or NULL. */
struct ps_link *ps_table_chain(const struct ps_table *t, uint64_t hash);

/* Links l (l->hash set). The table doubles when it holds as many entries
 * as buckets, so chains stay short on average. Duplicates are the
 * caller's to prevent. */
void ps_table_insert(struct ps_table *t, struct ps_link *l);
/* Unlinks l, which must be in t. O(chain length). */
void ps_table_remove(struct ps_table *t, struct ps_link *l);

/* Empties the table, then hands every former entry to fn once; fn may
 * free the entry or insert it into t again (the buckets are kept). */
void ps_table_drain(struct ps_table *t, void (*fn)(struct ps_link *l, void *ctx), void *ctx);

#endif
