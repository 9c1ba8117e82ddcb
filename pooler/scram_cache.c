/* scram_cache: derived SCRAM verifiers in a chained hash table of
 * power-of-two size (at least the capacity, so chains stay short) threaded
 * on an LRU list; mock verifiers from an HMAC of the user name; the random
 * source. Entries are allocated on first use up to the capacity and then
 * recycled from the LRU tail, so a full cache allocates nothing. See
 * scram_cache.h for the contract. */
#include "pooler/scram_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util/xalloc.h"

#define DIGEST_LEN 32

/* One cached verifier. Owned by the cache; linked in one bucket chain and
 * in the LRU list. */
struct entry {
	uint8_t key[DIGEST_LEN];   /* SHA-256(iterations, user, NUL, secret) */
	struct pg_scram_verifier verifier;
	struct entry *chain_next;
	struct entry *lru_prev;    /* towards the most recently used */
	struct entry *lru_next;
};

struct scram_cache {
	struct entry **buckets;
	size_t mask;               /* bucket count - 1 */
	size_t capacity;
	struct entry *lru_head;    /* most recently used */
	struct entry *lru_tail;    /* next to evict */
	scram_cache_random_fn *random;
	void *random_ctx;
	bool have_mock_key;
	uint8_t mock_key[DIGEST_LEN];
	struct scram_cache_stats stats;
};

static int openssl_random(void *ctx, void *out, size_t n)
{
	(void)ctx;
	return n <= (size_t)INT32_MAX && RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

struct scram_cache *scram_cache_new(size_t capacity, scram_cache_random_fn *random,
				    void *random_ctx)
{
	struct scram_cache *c = xcalloc(1, sizeof *c);
	c->capacity = capacity > 0 ? capacity : 1;
	size_t n = 1;
	while (n < c->capacity)
		n <<= 1;
	c->buckets = xcalloc(n, sizeof *c->buckets);
	c->mask = n - 1;
	c->random = random ? random : openssl_random;
	c->random_ctx = random_ctx;
	return c;
}

void scram_cache_free(struct scram_cache *c)
{
	if (c == NULL)
		return;
	struct entry *e = c->lru_head;
	while (e != NULL) {
		struct entry *next = e->lru_next;
		OPENSSL_cleanse(e, sizeof *e);
		free(e);
		e = next;
	}
	free(c->buckets);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

int scram_cache_random(struct scram_cache *c, void *out, size_t n)
{
	return c->random(c->random_ctx, out, n);
}

static bool iterations_ok(uint32_t iterations)
{
	return iterations >= 1 && iterations <= PG_SCRAM_MAX_ITERATIONS;
}

/* SHA-256 over (iterations big-endian, user, NUL, secret): user names hold
 * no NUL, so distinct triples never share a digest input. 0 or -1. */
static int entry_key(const char *user, const char *secret, uint32_t iterations,
		     uint8_t out[DIGEST_LEN])
{
	const uint8_t iter[4] = { (uint8_t)(iterations >> 24), (uint8_t)(iterations >> 16),
				  (uint8_t)(iterations >> 8), (uint8_t)iterations };
	unsigned n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, iter, sizeof iter) == 1 &&
		 EVP_DigestUpdate(ctx, user, strlen(user) + 1) == 1 &&
		 EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
		 EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == DIGEST_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static struct entry **bucket_of(struct scram_cache *c, const uint8_t key[DIGEST_LEN])
{
	size_t h;
	memcpy(&h, key, sizeof h);  /* the digest is already uniform */
	return &c->buckets[h & c->mask];
}

static void lru_unlink(struct scram_cache *c, struct entry *e)
{
	if (e->lru_prev != NULL)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NULL)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct scram_cache *c, struct entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NULL)
		c->lru_head->lru_prev = e;
	else
		c->lru_tail = e;
	c->lru_head = e;
}

static struct entry *lookup(struct scram_cache *c, const uint8_t key[DIGEST_LEN])
{
	for (struct entry *e = *bucket_of(c, key); e != NULL; e = e->chain_next)
		if (memcmp(e->key, key, DIGEST_LEN) == 0)
			return e;
	return NULL;
}

/* An entry to fill: a new one while below capacity, else the least
 * recently used one, taken off its chain and the LRU list and wiped. */
static struct entry *take_free_entry(struct scram_cache *c)
{
	if (c->stats.entries < c->capacity) {
		c->stats.entries++;
		return xcalloc(1, sizeof(struct entry));
	}
	struct entry *e = c->lru_tail;
	struct entry **link = bucket_of(c, e->key);
	while (*link != e)
		link = &(*link)->chain_next;
	*link = e->chain_next;
	lru_unlink(c, e);
	OPENSSL_cleanse(e, sizeof *e);
	c->stats.evictions++;
	return e;
}

/* Runs PBKDF2 with a fresh salt into *v. 0 or -1. */
static int derive(struct scram_cache *c, const char *secret, uint32_t iterations,
		  struct pg_scram_verifier *v)
{
	uint8_t salt[SCRAM_CACHE_SALT_LEN];
	struct pg_scram_keys keys;
	int rc = -1;
	if (scram_cache_random(c, salt, sizeof salt) == 0 &&
	    pg_scram_keys_derive(secret, salt, sizeof salt, iterations, &keys) == 0) {
		pg_scram_verifier_from_keys(v, &keys, salt, sizeof salt, iterations);
		rc = 0;
	}
	OPENSSL_cleanse(&keys, sizeof keys);
	return rc;
}

int scram_cache_verifier(struct scram_cache *c, const char *user, const char *secret,
			 uint32_t iterations, struct pg_scram_verifier *out)
{
	uint8_t key[DIGEST_LEN];
	if (!iterations_ok(iterations) || entry_key(user, secret, iterations, key) != 0)
		return -1;
	struct entry *e = lookup(c, key);
	if (e != NULL) {
		c->stats.hits++;
		lru_unlink(c, e);
		lru_push_front(c, e);
		*out = e->verifier;
		return 0;
	}
	struct pg_scram_verifier v;
	if (derive(c, secret, iterations, &v) != 0)
		return -1;
	c->stats.derivations++;
	e = take_free_entry(c);
	memcpy(e->key, key, DIGEST_LEN);
	e->verifier = v;
	struct entry **bucket = bucket_of(c, key);
	e->chain_next = *bucket;
	*bucket = e;
	lru_push_front(c, e);
	*out = v;
	OPENSSL_cleanse(&v, sizeof v);
	return 0;
}

int scram_cache_mock_verifier(struct scram_cache *c, const char *user, uint32_t iterations,
			      struct pg_scram_verifier *out)
{
	if (!iterations_ok(iterations))
		return -1;
	if (!c->have_mock_key) {
		if (scram_cache_random(c, c->mock_key, sizeof c->mock_key) != 0)
			return -1;
		c->have_mock_key = true;
	}
	/* h = HMAC(mock key, user) gives the salt, and keys whose ClientKey
	 * would be a SHA-256 preimage: no client can produce a proof. */
	uint8_t h[DIGEST_LEN];
	unsigned n = 0;
	if (HMAC(EVP_sha256(), c->mock_key, sizeof c->mock_key, (const uint8_t *)user,
		 strlen(user), h, &n) == NULL || n != DIGEST_LEN)
		return -1;
	memset(out, 0, sizeof *out);
	out->iterations = iterations;
	out->salt_len = SCRAM_CACHE_SALT_LEN;
	memcpy(out->salt, h, SCRAM_CACHE_SALT_LEN);
	memcpy(out->stored_key, h, PG_SCRAM_KEY_LEN);
	int rc = EVP_Digest(h, sizeof h, out->server_key, &n, EVP_sha256(), NULL) == 1 ? 0 : -1;
	OPENSSL_cleanse(h, sizeof h);
	return rc;
}

void scram_cache_stats(const struct scram_cache *c, struct scram_cache_stats *out)
{
	*out = c->stats;
}
