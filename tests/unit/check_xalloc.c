/* Unit tests for util/xalloc: copies are exact and terminated, zeroing holds. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

START_TEST(test_strndup_terminates_partial_copy)
{
	char *p = xstrndup("abcdef", 3);
	ck_assert_str_eq(p, "abc");
	free(p);
}
END_TEST

START_TEST(test_calloc_zeroes)
{
	unsigned char *p = xcalloc(64, 4);
	for (int i = 0; i < 256; i++)
		ck_assert_int_eq(p[i], 0);
	free(p);
}
END_TEST

START_TEST(test_realloc_keeps_prefix)
{
	char *p = xstrdup("corral");
	p = xrealloc(p, 4096);
	ck_assert_str_eq(p, "corral");
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_strndup_terminates_partial_copy);
	tcase_add_test(tc, test_calloc_zeroes);
	tcase_add_test(tc, test_realloc_keeps_prefix);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
