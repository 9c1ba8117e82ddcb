/* Unit tests for pooler/cancel_map: 100,000 keys inserted and removed in an
 * interleaved order agree with a plain reference list at every check; keys
 * are unique; wrong and near-miss keys reach nobody; removal of an absent
 * key changes nothing. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <openssl/rand.h>

#include "pooler/cancel_map.h"

#define N_KEYS 100000

struct ref_entry {
	uint64_t id;
	void *owner;
};

/* The reference model: live entries in no particular order. */
struct ref {
	struct ref_entry *e;
	size_t n;
};

static uint64_t id_of(uint32_t pid, uint32_t key)
{
	return (uint64_t)pid << 32 | key;
}

/* A distinct fake owner per insert; the map never dereferences owners. */
static void *owner_for(size_t i)
{
	return (void *)(uintptr_t)(0x1000 + 16 * i);
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const struct ref_entry *)a)->id, y = ((const struct ref_entry *)b)->id;
	return x < y ? -1 : x > y;
}

/* Check's assertions report their location to the parent process each
 * time (a system call), so the hot loops below test plainly and call
 * ck_abort_msg only on a mismatch. */
#define require(cond) \
	do { \
		if (!(cond)) \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

static uint64_t random_u64(void)
{
	uint64_t v;
	require(RAND_bytes((unsigned char *)&v, sizeof v) == 1);
	return v;
}

static void insert_one(struct cancel_map *map, struct ref *ref, size_t i)
{
	uint32_t pid, key;
	require(cancel_map_new_key(map, owner_for(i), &pid, &key) == 0);
	ref->e[ref->n].id = id_of(pid, key);
	ref->e[ref->n].owner = owner_for(i);
	ref->n++;
}

/* Remove a random live entry from both; a second removal finds nothing. */
static void remove_one(struct cancel_map *map, struct ref *ref)
{
	size_t at = (size_t)(random_u64() % ref->n);
	struct ref_entry e = ref->e[at];
	ref->e[at] = ref->e[--ref->n];
	uint32_t pid = (uint32_t)(e.id >> 32), key = (uint32_t)e.id;
	require(cancel_map_remove(map, pid, key) == e.owner);
	require(cancel_map_find(map, pid, key) == NULL);
	require(cancel_map_remove(map, pid, key) == NULL);
}

/* Every live entry found with its owner, and the counts agree. */
static void check_all(const struct cancel_map *map, const struct ref *ref)
{
	ck_assert_uint_eq(cancel_map_count(map), ref->n);
	for (size_t i = 0; i < ref->n; i++)
		require(cancel_map_find(map, (uint32_t)(ref->e[i].id >> 32), (uint32_t)ref->e[i].id) ==
			ref->e[i].owner);
}

static struct ref ref_new(void)
{
	struct ref ref = { .e = calloc(N_KEYS, sizeof *ref.e), .n = 0 };
	ck_assert_ptr_nonnull(ref.e);
	return ref;
}

/* Insert N_KEYS, removing a random live one after every third insert, with
 * a full comparison every 997 steps so that growth and the shifts of
 * removals in between are caught. */
START_TEST(test_churn_matches_reference)
{
	struct cancel_map *map = cancel_map_new();
	struct ref ref = ref_new();
	for (size_t i = 0; i < N_KEYS; i++) {
		insert_one(map, &ref, i);
		if (i % 3 == 2)
			remove_one(map, &ref);
		if (i % 997 == 0)
			check_all(map, &ref);
	}
	check_all(map, &ref);
	ck_assert_uint_eq(ref.n, N_KEYS - N_KEYS / 3);
	cancel_map_free(map);
	free(ref.e);
}
END_TEST

/* Drain to empty one random entry at a time (checking as it shrinks),
 * then fill again: a table emptied by shifts takes new keys normally. */
START_TEST(test_drain_and_refill)
{
	struct cancel_map *map = cancel_map_new();
	struct ref ref = ref_new();
	for (size_t i = 0; i < N_KEYS / 2; i++)
		insert_one(map, &ref, i);
	for (size_t step = 0; ref.n > 0; step++) {
		remove_one(map, &ref);
		if (step % 499 == 0)
			check_all(map, &ref);
	}
	ck_assert_uint_eq(cancel_map_count(map), 0);
	for (size_t i = 0; i < 1000; i++)
		insert_one(map, &ref, N_KEYS / 2 + i);
	check_all(map, &ref);
	cancel_map_free(map);
	free(ref.e);
}
END_TEST

/* Live keys are pairwise distinct, and a random key, or a live key with
 * one bit changed in pid or in key, reaches nobody unless it is itself
 * live (checked against the sorted reference). */
START_TEST(test_unique_and_wrong_keys)
{
	struct cancel_map *map = cancel_map_new();
	struct ref ref = ref_new();
	for (size_t i = 0; i < N_KEYS; i++)
		insert_one(map, &ref, i);
	struct ref_entry *sorted = malloc(ref.n * sizeof *sorted);
	ck_assert_ptr_nonnull(sorted);
	for (size_t i = 0; i < ref.n; i++)
		sorted[i] = ref.e[i];
	qsort(sorted, ref.n, sizeof *sorted, cmp_id);
	for (size_t i = 1; i < ref.n; i++)
		require(sorted[i - 1].id != sorted[i].id);
	size_t wrong = 0;
	for (size_t i = 0; i < 3 * N_KEYS; i++) {
		uint64_t id = i < N_KEYS ? random_u64()
			    : ref.e[i % N_KEYS].id ^ (UINT64_C(1) << (i % 64));
		struct ref_entry probe = { .id = id };
		if (bsearch(&probe, sorted, ref.n, sizeof *sorted, cmp_id) != NULL)
			continue;
		require(cancel_map_find(map, (uint32_t)(id >> 32), (uint32_t)id) == NULL);
		require(cancel_map_remove(map, (uint32_t)(id >> 32), (uint32_t)id) == NULL);
		wrong++;
	}
	ck_assert_uint_gt(wrong, 3 * N_KEYS - 10);
	ck_assert_uint_eq(cancel_map_count(map), N_KEYS);
	cancel_map_free(map);
	free(sorted);
	free(ref.e);
}
END_TEST

/* Both halves carry entropy: over 1,000 keys, pid and key each take
 * (nearly) 1,000 distinct values and every one of the 64 bits varies. */
START_TEST(test_all_bits_random)
{
	struct cancel_map *map = cancel_map_new();
	struct ref ref = ref_new();
	for (size_t i = 0; i < 1000; i++)
		insert_one(map, &ref, i);
	uint64_t ones = 0, zeros = 0;
	for (size_t i = 0; i < ref.n; i++) {
		ones |= ref.e[i].id;
		zeros |= ~ref.e[i].id;
	}
	ck_assert_uint_eq(ones, UINT64_MAX);
	ck_assert_uint_eq(zeros, UINT64_MAX);
	cancel_map_free(map);
	free(ref.e);
}
END_TEST

/* An empty map finds and removes nothing, and free accepts NULL. */
START_TEST(test_empty_map)
{
	struct cancel_map *map = cancel_map_new();
	ck_assert_uint_eq(cancel_map_count(map), 0);
	ck_assert_ptr_null(cancel_map_find(map, 0, 0));
	ck_assert_ptr_null(cancel_map_remove(map, 1234, 5678));
	ck_assert_uint_eq(cancel_map_count(map), 0);
	cancel_map_free(map);
	cancel_map_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cancel_map");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_churn_matches_reference);
	tcase_add_test(tc, test_drain_and_refill);
	tcase_add_test(tc, test_unique_and_wrong_keys);
	tcase_add_test(tc, test_all_bits_random);
	tcase_add_test(tc, test_empty_map);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
