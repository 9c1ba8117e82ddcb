/* Unit tests for pooler/intern: equal strings are one pointer, references
 * keep a string until the last one goes, the table grows and empties. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "pooler/intern.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Pairs of strings and whether they are equal. */
static const struct { const char *a, *b; bool same; } pairs[] = {
	{ "UTF8", "UTF8", true },
	{ "", "", true },
	{ "ISO, MDY", "ISO, MDY", true },
	{ "UTF8", "utf8", false },
	{ "a", "ab", false },
	{ "", " ", false },
};

START_TEST(test_pairs)
{
	char a[32], b[32];   /* copies: the pointers passed in differ */
	snprintf(a, sizeof a, "%s", pairs[_i].a);
	snprintf(b, sizeof b, "%s", pairs[_i].b);
	const char *x = intern_get(a), *y = intern_get(b);
	ck_assert_str_eq(x, pairs[_i].a);
	ck_assert_str_eq(y, pairs[_i].b);
	ck_assert(x != a && y != b);
	ck_assert_int_eq(x == y, pairs[_i].same);
	ck_assert_uint_eq(intern_count(), pairs[_i].same ? 1 : 2);
	intern_put(x);
	intern_put(y);
	ck_assert_uint_eq(intern_count(), 0);
}
END_TEST

START_TEST(test_references)
{
	const char *v = intern_get("pgbench");
	ck_assert_ptr_eq(intern_ref(v), v);
	ck_assert_ptr_eq(intern_get("pgbench"), v);
	intern_put(v);
	intern_put(v);
	ck_assert_uint_eq(intern_count(), 1);
	ck_assert_str_eq(v, "pgbench");
	intern_put(v);
	ck_assert_uint_eq(intern_count(), 0);
	intern_put(NULL);
}
END_TEST

START_TEST(test_grow)
{
	/* Far past the first bucket array: every string keeps its pointer. */
	enum { COUNT = 5000 };
	static const char *got[COUNT];
	char text[16];
	for (int i = 0; i < COUNT; i++) {
		snprintf(text, sizeof text, "v%d", i);
		got[i] = intern_get(text);
	}
	ck_assert_uint_eq(intern_count(), COUNT);
	for (int i = 0; i < COUNT; i++) {
		snprintf(text, sizeof text, "v%d", i);
		ck_assert_ptr_eq(intern_get(text), got[i]);
		intern_put(got[i]);
	}
	for (int i = COUNT - 1; i >= 0; i -= 2)
		intern_put(got[i]);
	ck_assert_uint_eq(intern_count(), COUNT / 2);
	for (int i = COUNT - 2; i >= 0; i -= 2)
		intern_put(got[i]);
	ck_assert_uint_eq(intern_count(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("intern");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_pairs, 0, N(pairs));
	tcase_add_test(tc, test_references);
	tcase_add_test(tc, test_grow);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
