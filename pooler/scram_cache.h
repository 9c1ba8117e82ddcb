/* scram_cache: the per-loop authentication state that outlives one login.
 * It caches SCRAM-SHA-256 verifiers derived from plaintext auth_file
 * secrets, so PBKDF2 (thousands of HMACs, milliseconds of CPU that would
 * stall the event loop) runs once per (user, secret, iterations) instead of
 * once per login; it derives the mock verifiers that make an unknown user's
 * SCRAM exchange look like a real one; and it is the random source of
 * client authentication (salts, nonces), replaceable for tests. No I/O, no
 * globals; one cache per event loop, not shared between threads. */
#ifndef CORRAL_POOLER_SCRAM_CACHE_H
#define CORRAL_POOLER_SCRAM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_scram.h"

/* Bytes of salt in a derived or mock verifier, as PostgreSQL makes them. */
#define SCRAM_CACHE_SALT_LEN 16
/* A capacity that holds every user of a large auth_file (~200 bytes each). */
#define SCRAM_CACHE_DEFAULT_CAPACITY 1024

/* Fills n bytes at out with cryptographically strong random bytes.
 * 0: done. -1: no randomness available; nothing may be authenticated. */
typedef int scram_cache_random_fn(void *ctx, void *out, size_t n);

/* Counters since scram_cache_new. */
struct scram_cache_stats {
	size_t entries;        /* verifiers held now, <= capacity */
	uint64_t derivations;  /* PBKDF2 runs (cache misses that succeeded) */
	uint64_t hits;
	uint64_t evictions;    /* entries dropped to make room */
};

struct scram_cache;

/* A cache of at most capacity (>= 1) verifiers; the least recently used
 * one is evicted to make room. random NULL means OpenSSL's RAND_bytes
 * (random_ctx unused); tests pass a deterministic generator. The caller
 * owns the cache and frees it with scram_cache_free. */
struct scram_cache *scram_cache_new(size_t capacity, scram_cache_random_fn *random,
				    void *random_ctx);
/* Wipes every verifier and the mock key, then frees; NULL is allowed. */
void scram_cache_free(struct scram_cache *c);

/* n random bytes from the cache's source. 0, or -1 when it failed. */
int scram_cache_random(struct scram_cache *c, void *out, size_t n)
	__attribute__((warn_unused_result));

/* The verifier for user's plaintext password `secret` at `iterations`:
 * the cached one (O(1): one SHA-256 of the key, one bucket walk), or one
 * derived now with a fresh random salt and remembered. Entries are keyed by
 * a digest of (iterations, user, secret), so a secret changed by a reload
 * simply misses and its old entry ages out; no plaintext is kept. 0: *out
 * filled. -1: iterations not 1..PG_SCRAM_MAX_ITERATIONS, the random source
 * or OpenSSL failed; nothing is cached. */
int scram_cache_verifier(struct scram_cache *c, const char *user, const char *secret,
			 uint32_t iterations, struct pg_scram_verifier *out)
	__attribute__((warn_unused_result));

/* A verifier for a user who must fail to log in (unknown, or with a
 * secret SCRAM cannot use), so that the exchange looks like a real one: its
 * salt depends only on the user name and a random key drawn on first use,
 * so repeated attempts see the same salt, as for a real user; its keys
 * match no password. No PBKDF2 runs. 0: *out filled. -1: as for
 * scram_cache_verifier. */
int scram_cache_mock_verifier(struct scram_cache *c, const char *user, uint32_t iterations,
			      struct pg_scram_verifier *out)
	__attribute__((warn_unused_result));

void scram_cache_stats(const struct scram_cache *c, struct scram_cache_stats *out);

#endif
