/* Unit tests for the prepared-statement stores: ps_table (SipHash-2-4
 * against its published vectors; a table under heavy collision and churn
 * agreeing with a plain array at every check), ps_registry (one statement
 * per distinct query and types, ids never reused, references), ps_client
 * (duplicates, the byte budget to the byte, detach/attach, DEALLOCATE ALL
 * saved and restored, clearing all but marked names) and ps_server (LRU
 * order, eviction, forget, re-add at the cold end, references). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/ps_client.h"
#include "pooler/ps_registry.h"
#include "pooler/ps_server.h"
#include "pooler/ps_table.h"
#include "util/xalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ps_hash_key test_key = { UINT64_C(0x0706050403020100),
					     UINT64_C(0x0f0e0d0c0b0a0908) };

/* OIDs as Parse carries them (big-endian). */
static const uint8_t oids_int4_text[] = { 0, 0, 0, 23, 0, 0, 0, 25 };
static const uint8_t oids_text_int4[] = { 0, 0, 0, 25, 0, 0, 0, 23 };
static const struct pg_oids no_types = { 0, NULL };
static const struct pg_oids int4_text = { 2, oids_int4_text };
static const struct pg_oids text_int4 = { 2, oids_text_int4 };

/* ---- ps_hash ---- */

/* SipHash-2-4 with key 00..0f over the message 00 01 .. (len-1), from the
 * reference vectors of its authors. */
static const struct {
	size_t len;
	uint64_t want;
} sip_vectors[] = {
	{ 0, UINT64_C(0x726fdb47dd0e0e31) },
	{ 1, UINT64_C(0x74f839c593dc67fd) },
	{ 2, UINT64_C(0x0d6c8009d9a94f5a) },
	{ 15, UINT64_C(0xa129ca6149be45e5) },
};

START_TEST(test_siphash_vectors)
{
	uint8_t msg[64];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(ps_hash(&test_key, 0, msg, sip_vectors[_i].len), sip_vectors[_i].want);
}
END_TEST

START_TEST(test_siphash_seed_and_key)
{
	const char *s = "select 1";
	uint64_t h = ps_hash(&test_key, 0, s, strlen(s));
	ck_assert_uint_ne(ps_hash(&test_key, 1, s, strlen(s)), h);
	struct ps_hash_key other = { test_key.k0, test_key.k1 + 1 };
	ck_assert_uint_ne(ps_hash(&other, 0, s, strlen(s)), h);
	ck_assert_uint_eq(ps_hash(&test_key, 0, NULL, 0), sip_vectors[0].want);
	ck_assert_uint_ne(ps_hash_u64(1), ps_hash_u64(2));
}
END_TEST

/* ---- ps_table ---- */

struct item {
	struct ps_link link;
	unsigned value;
	bool linked;
};

/* Few distinct hashes, so chains are long and removal walks them. */
static uint64_t item_hash(unsigned v)
{
	return v % 37;
}

static struct item *table_find(const struct ps_table *t, unsigned v)
{
	uint64_t h = item_hash(v);
	for (struct ps_link *l = ps_table_chain(t, h); l; l = l->next) {
		struct item *it = ps_link_entry(l, struct item, link);
		if (l->hash == h && it->value == v)
			return it;
	}
	return NULL;
}

static void check_table(const struct ps_table *t, const struct item *items, size_t n)
{
	size_t linked = 0;
	for (size_t i = 0; i < n; i++) {
		struct item *found = table_find(t, items[i].value);
		if (items[i].linked != (found == &items[i]))
			ck_abort_msg("item %zu: linked %d, found %p", i, items[i].linked, (void *)found);
		linked += items[i].linked;
	}
	ck_assert_uint_eq(t->count, linked);
}

/* Re-link the even values, forget the odd ones. */
static void relink_even(struct ps_link *l, void *ctx)
{
	struct item *it = ps_link_entry(l, struct item, link);
	it->linked = it->value % 2 == 0;
	if (it->linked)
		ps_table_insert(ctx, l);
}

START_TEST(test_table_churn)
{
	enum { COUNT = 3000 };
	struct item *items = xcalloc(COUNT, sizeof *items);
	struct ps_table t;
	ps_table_init(&t);
	ck_assert_ptr_null(ps_table_chain(&t, 5));
	for (unsigned i = 0; i < COUNT; i++) {
		items[i].value = i;
		items[i].link.hash = item_hash(i);
		items[i].linked = true;
		ps_table_insert(&t, &items[i].link);
	}
	ck_assert_uint_ge(t.mask + 1, COUNT);
	check_table(&t, items, COUNT);
	for (unsigned i = 0; i < COUNT; i += 3) {
		ps_table_remove(&t, &items[i].link);
		items[i].linked = false;
	}
	check_table(&t, items, COUNT);
	for (unsigned i = 0; i < COUNT; i += 6) {
		ps_table_insert(&t, &items[i].link);
		items[i].linked = true;
	}
	check_table(&t, items, COUNT);
	ps_table_drain(&t, relink_even, &t);
	check_table(&t, items, COUNT);
	ps_table_fini(&t);
	ck_assert_ptr_null(t.buckets);
	ck_assert_uint_eq(t.count, 0);
	free(items);
}
END_TEST

/* ---- ps_registry ---- */

START_TEST(test_registry_distinct)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_stmt *a = ps_registry_get(reg, "select $1, $2", 13, &int4_text);
	struct ps_stmt *b = ps_registry_get(reg, "select $1, $2", 13, &int4_text);
	struct ps_stmt *c = ps_registry_get(reg, "select $1, $2", 13, &text_int4);
	struct ps_stmt *d = ps_registry_get(reg, "select $1, $2", 13, &no_types);
	struct ps_stmt *e = ps_registry_get(reg, "select 1", 8, &no_types);
	struct ps_stmt *f = ps_registry_get(reg, "select 10", 9, &no_types);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(a->refs, 2);
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_ne(a, d);
	ck_assert_ptr_ne(e, f);
	ck_assert_uint_eq(ps_registry_count(reg), 5);
	ck_assert_uint_eq(a->id, 1);
	ck_assert_uint_eq(f->id, 5);
	ck_assert_str_eq(a->server_name, "corral_1");
	ck_assert_str_eq(f->server_name, "corral_5");
	ck_assert_str_eq(a->query, "select $1, $2");
	ck_assert_uint_eq(a->query_len, 13);
	ck_assert_uint_eq(a->n_types, 2);
	ck_assert_uint_eq(a->types[0], 23);
	ck_assert_uint_eq(a->types[1], 25);
	ck_assert_uint_eq(c->types[0], 25);
	ck_assert_uint_eq(ps_registry_bytes(reg), 2 * ps_stmt_size(13, 2) + ps_stmt_size(13, 0) +
				ps_stmt_size(8, 0) + ps_stmt_size(9, 0));
	ps_registry_unref(reg, a);
	ps_registry_unref(reg, b);
	ck_assert_uint_eq(ps_registry_count(reg), 4);
	/* The same statement again is a new one: ids are never reused. */
	struct ps_stmt *g = ps_registry_get(reg, "select $1, $2", 13, &int4_text);
	ck_assert_uint_eq(g->id, 6);
	ck_assert_str_eq(g->server_name, "corral_6");
	ps_stmt_ref(g);
	ps_registry_unref(reg, g);
	ck_assert_uint_eq(ps_registry_count(reg), 5);
	/* ps_registry_free takes what is left. */
	ps_registry_free(reg);
	ps_registry_free(NULL);
}
END_TEST

START_TEST(test_registry_many)
{
	enum { COUNT = 2000 };
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_stmt **st = xcalloc(COUNT, sizeof *st);
	char q[32];
	for (int i = 0; i < COUNT; i++) {
		int n = snprintf(q, sizeof q, "select %d", i);
		st[i] = ps_registry_get(reg, q, (size_t)n, &no_types);
	}
	for (int i = 0; i < COUNT; i++) {
		int n = snprintf(q, sizeof q, "select %d", i);
		struct ps_stmt *again = ps_registry_get(reg, q, (size_t)n, &no_types);
		if (again != st[i])
			ck_abort_msg("statement %d not found again", i);
		ps_registry_unref(reg, again);
		ps_registry_unref(reg, st[i]);
	}
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ck_assert_uint_eq(ps_registry_bytes(reg), 0);
	free(st);
	ps_registry_free(reg);
}
END_TEST

/* ---- ps_client ---- */

static size_t name_cost(const char *name, size_t query_len, uint16_t n_types)
{
	return sizeof(struct ps_name) + strlen(name) + 1 + ps_stmt_size(query_len, n_types);
}

static struct ps_name *add_ok(struct ps_client *c, const char *name, const char *query)
{
	struct ps_name *n = NULL;
	ck_assert_int_eq(ps_client_add(c, name, query, strlen(query), &no_types, &n), PS_CLIENT_ADDED);
	ck_assert_ptr_nonnull(n);
	ck_assert(n->in_map);
	ck_assert_ptr_eq(ps_client_find(c, name), n);
	return n;
}

START_TEST(test_client_add_find)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_client c;
	ps_client_init(&c, reg, SIZE_MAX);
	struct ps_name *s1 = add_ok(&c, "s1", "select 1");
	struct ps_name *s2 = add_ok(&c, "S1", "select 1");      /* names are case-sensitive */
	ck_assert_ptr_eq(s1->stmt, s2->stmt);
	ck_assert_uint_eq(s1->stmt->refs, 2);
	ck_assert_uint_eq(ps_registry_count(reg), 1);
	ck_assert_uint_eq(ps_client_count(&c), 2);
	ck_assert_uint_eq(c.bytes, name_cost("s1", 8, 0) + name_cost("S1", 8, 0));
	struct ps_name *untouched = (struct ps_name *)&c;
	struct ps_name *out = untouched;
	ck_assert_int_eq(ps_client_add(&c, "s1", "select 2", 8, &no_types, &out), PS_CLIENT_DUPLICATE);
	ck_assert_ptr_eq(out, untouched);
	ck_assert_uint_eq(ps_registry_count(reg), 1);
	ck_assert_ptr_null(ps_client_find(&c, "s"));
	ck_assert_ptr_null(ps_client_find(&c, "s12"));
	ck_assert_ptr_null(ps_client_find(&c, ""));
	ps_client_fini(&c);
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ps_registry_free(reg);
}
END_TEST

START_TEST(test_client_budget)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_client c;
	size_t one = name_cost("a", 8, 0);
	ps_client_init(&c, reg, 2 * one);
	add_ok(&c, "a", "select 1");
	add_ok(&c, "b", "select 2");
	ck_assert_uint_eq(c.bytes, 2 * one);
	struct ps_name *out;
	ck_assert_int_eq(ps_client_add(&c, "c", "select 3", 8, &no_types, &out), PS_CLIENT_OVER_BUDGET);
	ck_assert_uint_eq(ps_registry_count(reg), 2);
	ck_assert_uint_eq(ps_client_count(&c), 2);
	/* A detached name is charged to no one. */
	struct ps_name *a = ps_client_find(&c, "a");
	ps_client_detach(&c, a);
	ck_assert_uint_eq(c.bytes, one);
	add_ok(&c, "c", "select 3");
	/* Putting a back goes over budget (an undo restores what was); no
	 * further add then fits, whatever its size. */
	ck_assert_int_eq(ps_client_attach(&c, a), 0);
	ck_assert_uint_eq(c.bytes, 3 * one);
	ck_assert_int_eq(ps_client_add(&c, "d", "", 0, &no_types, &out), PS_CLIENT_OVER_BUDGET);
	ps_client_fini(&c);
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ps_registry_free(reg);
}
END_TEST

START_TEST(test_client_detach_attach)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_client c;
	ps_client_init(&c, reg, SIZE_MAX);
	struct ps_name *a = add_ok(&c, "a", "select 1");
	ps_client_detach(&c, a);
	ck_assert(!a->in_map);
	ck_assert_ptr_null(ps_client_find(&c, "a"));
	ck_assert_uint_eq(c.bytes, 0);
	ck_assert_int_eq(ps_client_attach(&c, a), 0);
	ck_assert_ptr_eq(ps_client_find(&c, "a"), a);
	ps_client_detach(&c, a);
	struct ps_name *a2 = add_ok(&c, "a", "select 2");
	ck_assert_int_eq(ps_client_attach(&c, a), -1);       /* the name was taken again */
	ck_assert(!a->in_map);
	ck_assert_ptr_eq(ps_client_find(&c, "a"), a2);
	ps_name_free(reg, a);
	ps_client_fini(&c);
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ps_registry_free(reg);
}
END_TEST

START_TEST(test_client_save_restore)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_client c;
	ps_client_init(&c, reg, SIZE_MAX);
	add_ok(&c, "a", "select 1");
	struct ps_name *b = add_ok(&c, "b", "select 2");
	size_t bytes = c.bytes;
	struct ps_client_saved *saved = ps_client_save_and_clear(&c);
	ck_assert_uint_eq(ps_client_count(&c), 0);
	ck_assert_uint_eq(c.bytes, 0);
	ck_assert_ptr_null(ps_client_find(&c, "a"));
	struct ps_name *a2 = add_ok(&c, "a", "select 3");
	ps_client_restore(&c, saved);                   /* the newer "a" stays */
	ck_assert_uint_eq(ps_client_count(&c), 2);
	ck_assert_ptr_eq(ps_client_find(&c, "a"), a2);
	ck_assert_ptr_eq(ps_client_find(&c, "b"), b);
	ck_assert_uint_eq(c.bytes, bytes);              /* same sizes, as it happens */
	ck_assert_uint_eq(ps_registry_count(reg), 2);   /* "select 1" went with the old "a" */
	ps_client_saved_free(reg, ps_client_save_and_clear(&c));
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ps_client_fini(&c);
	ps_registry_free(reg);
}
END_TEST

START_TEST(test_client_clear_unmarked)
{
	struct ps_registry *reg = ps_registry_new(&test_key);
	struct ps_client c;
	ps_client_init(&c, reg, SIZE_MAX);
	add_ok(&c, "a", "select 1");
	struct ps_name *b = add_ok(&c, "b", "select 2");
	add_ok(&c, "c", "select 3");
	b->keep = true;
	ps_client_clear_unmarked(&c);
	ck_assert_uint_eq(ps_client_count(&c), 1);
	ck_assert_ptr_eq(ps_client_find(&c, "b"), b);
	ck_assert(!b->keep);
	ck_assert(b->in_map);
	ck_assert_uint_eq(c.bytes, name_cost("b", 8, 0));
	ck_assert_uint_eq(ps_registry_count(reg), 1);
	ps_client_clear_unmarked(&c);
	ck_assert_uint_eq(ps_client_count(&c), 0);
	ck_assert_uint_eq(c.bytes, 0);
	ps_client_fini(&c);
	ck_assert_uint_eq(ps_registry_count(reg), 0);
	ps_registry_free(reg);
}
END_TEST

/* ---- ps_server ---- */

struct set_fixture {
	struct ps_registry *reg;
	struct ps_stmt *st[5];     /* "select 0" .. "select 4", one reference each */
};

static void set_fixture_init(struct set_fixture *fx)
{
	fx->reg = ps_registry_new(&test_key);
	for (int i = 0; i < 5; i++) {
		char q[16];
		int n = snprintf(q, sizeof q, "select %d", i);
		fx->st[i] = ps_registry_get(fx->reg, q, (size_t)n, &no_types);
	}
}

static void set_fixture_fini(struct set_fixture *fx)
{
	for (int i = 0; i < 5; i++)
		ps_registry_unref(fx->reg, fx->st[i]);
	ck_assert_uint_eq(ps_registry_count(fx->reg), 0);
	ps_registry_free(fx->reg);
}

START_TEST(test_server_lru)
{
	struct set_fixture fx;
	set_fixture_init(&fx);
	struct ps_server s;
	ps_server_init(&s, fx.reg, 3);
	struct ps_stmt **st = fx.st;
	for (int i = 0; i < 3; i++) {
		ck_assert(!ps_server_use(&s, st[i]));
		ps_server_add(&s, st[i]);
		ck_assert_ptr_null(ps_server_evict(&s));
	}
	ck_assert_uint_eq(st[0]->refs, 2);
	ck_assert_uint_eq(ps_server_count(&s), 3);
	ck_assert(ps_server_use(&s, st[0]));               /* 0 2 1: 1 is coldest */
	ps_server_add(&s, st[3]);
	ck_assert_ptr_eq(ps_server_evict(&s), st[1]);
	ck_assert_ptr_null(ps_server_evict(&s));
	ck_assert_uint_eq(st[1]->refs, 2);                 /* the caller holds the set's */
	ck_assert(!ps_server_has(&s, st[1]));
	ck_assert(ps_server_has(&s, st[0]) && ps_server_has(&s, st[2]) && ps_server_has(&s, st[3]));
	/* Its Close was skipped: back in, at the cold end. */
	ps_server_readd(&s, st[1]);
	ck_assert_uint_eq(st[1]->refs, 2);
	ck_assert_uint_eq(ps_server_count(&s), 4);
	ck_assert_ptr_eq(ps_server_evict(&s), st[1]);
	ps_registry_unref(fx.reg, st[1]);
	/* Re-adding a member only drops the reference handed over. */
	ps_stmt_ref(st[0]);
	ps_server_readd(&s, st[0]);
	ck_assert_uint_eq(st[0]->refs, 2);
	ck_assert(ps_server_forget(&s, st[2]));
	ck_assert(!ps_server_forget(&s, st[2]));
	ck_assert_uint_eq(st[2]->refs, 1);
	ps_server_clear(&s);
	ck_assert_uint_eq(ps_server_count(&s), 0);
	ck_assert_uint_eq(st[0]->refs, 1);
	ps_server_add(&s, st[4]);
	ps_server_fini(&s);
	ck_assert_uint_eq(st[4]->refs, 1);
	set_fixture_fini(&fx);
}
END_TEST

START_TEST(test_server_max_one)
{
	struct set_fixture fx;
	set_fixture_init(&fx);
	struct ps_server s;
	ps_server_init(&s, fx.reg, 1);
	for (int i = 0; i < 5; i++) {
		ps_server_add(&s, fx.st[i]);
		struct ps_stmt *old = ps_server_evict(&s);
		ck_assert_ptr_eq(old, i ? fx.st[i - 1] : NULL);
		if (old)
			ps_registry_unref(fx.reg, old);
		ck_assert(ps_server_has(&s, fx.st[i]));
		ck_assert_uint_eq(ps_server_count(&s), 1);
	}
	ps_server_fini(&s);
	set_fixture_fini(&fx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prepared_store");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_siphash_vectors, 0, N(sip_vectors));
	tcase_add_test(tc, test_siphash_seed_and_key);
	tcase_add_test(tc, test_table_churn);
	tcase_add_test(tc, test_registry_distinct);
	tcase_add_test(tc, test_registry_many);
	tcase_add_test(tc, test_client_add_find);
	tcase_add_test(tc, test_client_budget);
	tcase_add_test(tc, test_client_detach_attach);
	tcase_add_test(tc, test_client_save_restore);
	tcase_add_test(tc, test_client_clear_unmarked);
	tcase_add_test(tc, test_server_lru);
	tcase_add_test(tc, test_server_max_one);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
