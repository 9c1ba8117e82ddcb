/* Unit tests for app/html: the five HTML metacharacters become entities,
 * every other byte (UTF-8 included) is copied, lengths are respected. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "app/html.h"

static const struct {
	const char *in;
	const char *want;
} vectors[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "<script>alert(\"x\");</script>", "&lt;script&gt;alert(&quot;x&quot;);&lt;/script&gt;" },
	{ "Tom & Jerry's", "Tom &amp; Jerry&#39;s" },
	{ "&amp;", "&amp;amp;" },
	{ "<<>>", "&lt;&lt;&gt;&gt;" },
	{ "\xe3\x83\x95\xe3\x83\xac<", "\xe3\x83\x95\xe3\x83\xac&lt;" },
	{ "'", "&#39;" },
	{ "end\"", "end&quot;" },
};

START_TEST(test_escape)
{
	struct evbuffer *out = evbuffer_new();
	const char *in = vectors[_i].in;
	ck_assert_int_eq(html_escape_append(out, in, strlen(in)), 0);
	size_t len = evbuffer_get_length(out);
	ck_assert_uint_eq(len, strlen(vectors[_i].want));
	/* An empty evbuffer's pullup is NULL, which memcmp may not get. */
	if (len > 0)
		ck_assert(memcmp(evbuffer_pullup(out, -1), vectors[_i].want, len) == 0);
	evbuffer_free(out);
}
END_TEST

/* Only len bytes are read: the rest of the string is not escaped or copied. */
START_TEST(test_length_bound)
{
	struct evbuffer *out = evbuffer_new();
	ck_assert_int_eq(html_escape_append(out, "a<b>c", 2), 0);
	ck_assert_uint_eq(evbuffer_get_length(out), 5);
	ck_assert(memcmp(evbuffer_pullup(out, -1), "a&lt;", 5) == 0);
	evbuffer_free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_html");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_escape, 0, sizeof vectors / sizeof vectors[0]);
	tcase_add_test(tc, test_length_bound);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
