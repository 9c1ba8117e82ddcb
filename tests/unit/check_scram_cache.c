/* Unit tests for pooler/scram_cache: a derived verifier is right (checked
 * against an independent PBKDF2 through pg_scram_keys_derive) and derived
 * once per (user, secret, iterations); every change of the key misses;
 * eviction takes the least recently used entry; mock verifiers are stable
 * per user, distinct between users and cost no PBKDF2; a failing random
 * source or bad iteration count caches nothing. The random source is a
 * deterministic counter, so salts are known bytes. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/scram_cache.h"
#include "protocol/pg_scram.h"

/* Few iterations keep the suite fast; the count is part of the key anyway. */
#define ITER 64

/* Bytes 0, 1, 2, ... across successful calls; every call fails while
 * `broken` is set. */
struct counter_rng {
	uint8_t next;
	unsigned calls;
	bool broken;
};

static int counter_random(void *ctx, void *out, size_t n)
{
	struct counter_rng *rng = ctx;
	if (rng->broken)
		return -1;
	rng->calls++;
	uint8_t *p = out;
	for (size_t i = 0; i < n; i++)
		p[i] = rng->next++;
	return 0;
}

static struct scram_cache_stats stats_of(const struct scram_cache *c)
{
	struct scram_cache_stats s;
	scram_cache_stats(c, &s);
	return s;
}

static void assert_stats(const struct scram_cache *c, size_t entries, uint64_t derivations,
			 uint64_t hits, uint64_t evictions)
{
	struct scram_cache_stats s = stats_of(c);
	ck_assert_uint_eq(s.entries, entries);
	ck_assert_uint_eq(s.derivations, derivations);
	ck_assert_uint_eq(s.hits, hits);
	ck_assert_uint_eq(s.evictions, evictions);
}

static void get(struct scram_cache *c, const char *user, const char *secret, uint32_t iter,
		struct pg_scram_verifier *v)
{
	ck_assert_int_eq(scram_cache_verifier(c, user, secret, iter, v), 0);
}

START_TEST(test_derives_once_and_correctly)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(4, counter_random, &rng);
	struct pg_scram_verifier v1, v2;
	get(c, "alice", "secret", ITER, &v1);
	assert_stats(c, 1, 1, 0, 0);
	ck_assert_uint_eq(v1.iterations, ITER);
	ck_assert_uint_eq(v1.salt_len, SCRAM_CACHE_SALT_LEN);
	for (uint8_t i = 0; i < SCRAM_CACHE_SALT_LEN; i++)
		ck_assert_uint_eq(v1.salt[i], i);

	struct pg_scram_keys k;
	ck_assert_int_eq(pg_scram_keys_derive("secret", v1.salt, v1.salt_len, ITER, &k), 0);
	ck_assert_mem_eq(v1.stored_key, k.stored_key, PG_SCRAM_KEY_LEN);
	ck_assert_mem_eq(v1.server_key, k.server_key, PG_SCRAM_KEY_LEN);

	get(c, "alice", "secret", ITER, &v2);
	assert_stats(c, 1, 1, 1, 0);
	char t1[PG_SCRAM_VERIFIER_SIZE], t2[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&v1, t1);
	pg_scram_verifier_format(&v2, t2);
	ck_assert_str_eq(t1, t2);
	ck_assert_uint_eq(rng.calls, 1);
	scram_cache_free(c);
}
END_TEST

/* Each differs from ("alice", "secret", ITER) in one part of the key. */
static const struct {
	const char *user;
	const char *secret;
	uint32_t iterations;
} other_keys[] = {
	{ "alice", "secret2", ITER },   /* the secret changed on reload */
	{ "bob", "secret", ITER },      /* same password, another user */
	{ "alicesecret", "", ITER },    /* same concatenation, other split */
	{ "alice", "secret", ITER + 1 },
};

START_TEST(test_any_key_change_misses)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(4, counter_random, &rng);
	struct pg_scram_verifier v1, v2;
	get(c, "alice", "secret", ITER, &v1);
	get(c, other_keys[_i].user, other_keys[_i].secret, other_keys[_i].iterations, &v2);
	assert_stats(c, 2, 2, 0, 0);
	ck_assert_mem_ne(v1.salt, v2.salt, SCRAM_CACHE_SALT_LEN);
	ck_assert_uint_eq(v2.iterations, other_keys[_i].iterations);
	/* Both stay cached. */
	get(c, "alice", "secret", ITER, &v2);
	get(c, other_keys[_i].user, other_keys[_i].secret, other_keys[_i].iterations, &v2);
	assert_stats(c, 2, 2, 2, 0);
	scram_cache_free(c);
}
END_TEST

START_TEST(test_evicts_least_recently_used)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(2, counter_random, &rng);
	struct pg_scram_verifier v;
	get(c, "a", "pw", ITER, &v);
	get(c, "b", "pw", ITER, &v);
	get(c, "a", "pw", ITER, &v);        /* a is now the most recent */
	get(c, "c", "pw", ITER, &v);        /* evicts b */
	assert_stats(c, 2, 3, 1, 1);
	get(c, "a", "pw", ITER, &v);        /* still cached */
	assert_stats(c, 2, 3, 2, 1);
	get(c, "b", "pw", ITER, &v);        /* derived again, evicts c */
	assert_stats(c, 2, 4, 2, 2);
	get(c, "a", "pw", ITER, &v);
	assert_stats(c, 2, 4, 3, 2);
	get(c, "c", "pw", ITER, &v);
	assert_stats(c, 2, 5, 3, 3);
	scram_cache_free(c);
}
END_TEST

START_TEST(test_capacity_one)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(1, counter_random, &rng);
	struct pg_scram_verifier v;
	get(c, "a", "pw", ITER, &v);
	get(c, "b", "pw", ITER, &v);
	get(c, "b", "pw", ITER, &v);
	get(c, "a", "pw", ITER, &v);
	assert_stats(c, 1, 3, 1, 2);
	scram_cache_free(c);
}
END_TEST

static const uint32_t bad_iterations[] = { 0, PG_SCRAM_MAX_ITERATIONS + 1, UINT32_MAX };

START_TEST(test_bad_iterations)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(4, counter_random, &rng);
	struct pg_scram_verifier v;
	ck_assert_int_eq(scram_cache_verifier(c, "a", "pw", bad_iterations[_i], &v), -1);
	ck_assert_int_eq(scram_cache_mock_verifier(c, "a", bad_iterations[_i], &v), -1);
	assert_stats(c, 0, 0, 0, 0);
	ck_assert_uint_eq(rng.calls, 0);
	scram_cache_free(c);
}
END_TEST

START_TEST(test_random_failure_caches_nothing)
{
	struct counter_rng rng = { .broken = true };
	struct scram_cache *c = scram_cache_new(4, counter_random, &rng);
	struct pg_scram_verifier v;
	uint8_t b[4];
	ck_assert_int_eq(scram_cache_verifier(c, "a", "pw", ITER, &v), -1);
	ck_assert_int_eq(scram_cache_mock_verifier(c, "a", ITER, &v), -1);
	ck_assert_int_eq(scram_cache_random(c, b, sizeof b), -1);
	assert_stats(c, 0, 0, 0, 0);
	rng.broken = false;  /* the source recovers: so does the cache */
	ck_assert_int_eq(scram_cache_verifier(c, "a", "pw", ITER, &v), 0);
	assert_stats(c, 1, 1, 0, 0);
	scram_cache_free(c);
}
END_TEST

START_TEST(test_mock_verifier)
{
	struct counter_rng rng = { 0 };
	struct scram_cache *c = scram_cache_new(4, counter_random, &rng);
	struct pg_scram_verifier a1, a2, b;
	ck_assert_int_eq(scram_cache_mock_verifier(c, "ghost", ITER, &a1), 0);
	ck_assert_int_eq(scram_cache_mock_verifier(c, "ghost", ITER, &a2), 0);
	ck_assert_int_eq(scram_cache_mock_verifier(c, "phantom", 4096, &b), 0);
	ck_assert_mem_eq(&a1, &a2, sizeof a1);
	ck_assert_mem_ne(a1.salt, b.salt, SCRAM_CACHE_SALT_LEN);
	ck_assert_mem_ne(a1.stored_key, b.stored_key, PG_SCRAM_KEY_LEN);
	ck_assert_uint_eq(a1.iterations, ITER);
	ck_assert_uint_eq(b.iterations, 4096);
	ck_assert_uint_eq(a1.salt_len, SCRAM_CACHE_SALT_LEN);
	/* One draw for the mock key, no PBKDF2, nothing cached. */
	ck_assert_uint_eq(rng.calls, 1);
	assert_stats(c, 0, 0, 0, 0);

	/* Another cache (another key) gives the same user another salt. */
	struct scram_cache *c2 = scram_cache_new(4, counter_random, &rng);
	ck_assert_int_eq(scram_cache_mock_verifier(c2, "ghost", ITER, &a2), 0);
	ck_assert_mem_ne(a1.salt, a2.salt, SCRAM_CACHE_SALT_LEN);
	scram_cache_free(c2);
	scram_cache_free(c);
}
END_TEST

START_TEST(test_openssl_random_source)
{
	struct scram_cache *c = scram_cache_new(4, NULL, NULL);
	uint8_t x[32], y[32];
	ck_assert_int_eq(scram_cache_random(c, x, sizeof x), 0);
	ck_assert_int_eq(scram_cache_random(c, y, sizeof y), 0);
	ck_assert_mem_ne(x, y, sizeof x);
	struct pg_scram_verifier v;
	get(c, "a", "pw", ITER, &v);
	assert_stats(c, 1, 1, 0, 0);
	scram_cache_free(c);
	scram_cache_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scram_cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_derives_once_and_correctly);
	tcase_add_loop_test(tc, test_any_key_change_misses, 0,
			    (int)(sizeof other_keys / sizeof other_keys[0]));
	tcase_add_test(tc, test_evicts_least_recently_used);
	tcase_add_test(tc, test_capacity_one);
	tcase_add_loop_test(tc, test_bad_iterations, 0,
			    (int)(sizeof bad_iterations / sizeof bad_iterations[0]));
	tcase_add_test(tc, test_random_failure_caches_nothing);
	tcase_add_test(tc, test_mock_verifier);
	tcase_add_test(tc, test_openssl_random_source);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
