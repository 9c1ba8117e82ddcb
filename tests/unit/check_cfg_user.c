/* Unit tests for config/cfg_user: every [users] key lands in its field,
 * unset ones stay -1, bad entries fail naming the key, equality. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_database.h"
#include "config/cfg_user.h"

/* The expected fields of a parsed entry, in struct order. */
struct fields {
	int pool_mode, pool_size, reserve_pool_size, max_user_connections,
	    max_user_client_connections, query_timeout, query_wait_timeout,
	    idle_transaction_timeout, transaction_timeout, client_idle_timeout;
};

#define UNSET { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 }

struct good {
	const char *value;
	struct fields expect;
};

static const struct good goods[] = {
	{ "", UNSET },
	{ "pool_mode=transaction max_user_connections=10 pool_size=5",
	  { CFG_POOL_TRANSACTION, 5, -1, 10, -1, -1, -1, -1, -1, -1 } },
	{ "pool_mode=session", { CFG_POOL_SESSION, -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
	{ "pool_mode='Statement'", { CFG_POOL_STATEMENT, -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
	{ "reserve_pool_size=2 max_user_client_connections=100",
	  { -1, -1, 2, -1, 100, -1, -1, -1, -1, -1 } },
	{ "query_timeout=30 query_wait_timeout=0 idle_transaction_timeout=60 "
	  "transaction_timeout=120 client_idle_timeout=600",
	  { -1, -1, -1, -1, -1, 30, 0, 60, 120, 600 } },
	{ "query_wait_timeout=-1", UNSET },
	{ " pool_size = 1\tpool_size=7 ", { -1, 7, -1, -1, -1, -1, -1, -1, -1, -1 } },
};

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	struct cfg_user u;
	char why[512] = "";
	ck_assert_msg(cfg_user_parse("alice", g->value, &u, why, sizeof why) == 0, "%s", why);
	ck_assert_str_eq(u.name, "alice");
	const struct fields *e = &g->expect;
	ck_assert_int_eq(u.pool_mode, e->pool_mode);
	ck_assert_int_eq(u.pool_size, e->pool_size);
	ck_assert_int_eq(u.reserve_pool_size, e->reserve_pool_size);
	ck_assert_int_eq(u.max_user_connections, e->max_user_connections);
	ck_assert_int_eq(u.max_user_client_connections, e->max_user_client_connections);
	ck_assert_int_eq(u.query_timeout, e->query_timeout);
	ck_assert_int_eq(u.query_wait_timeout, e->query_wait_timeout);
	ck_assert_int_eq(u.idle_transaction_timeout, e->idle_transaction_timeout);
	ck_assert_int_eq(u.transaction_timeout, e->transaction_timeout);
	ck_assert_int_eq(u.client_idle_timeout, e->client_idle_timeout);
	cfg_user_fini(&u);
}
END_TEST

struct bad {
	const char *name;
	const char *value;
	const char *why;
};

static const struct bad bads[] = {
	{ "u", "host=x", "unknown key \"host\", expected one of pool_mode, pool_size," },
	{ "u", "pool_mode=fast", "pool_mode: got \"fast\", expected session, transaction, statement" },
	{ "u", "pool_size=-1", "pool_size: expected an integer from 0 to 2147483647, got \"-1\"" },
	{ "u", "reserve_pool_size=x", "reserve_pool_size: expected an integer from 0" },
	{ "u", "max_user_connections=1.5", "max_user_connections: expected an integer" },
	{ "u", "query_timeout=2.5", "query_timeout: expected an integer from 0" },
	{ "u", "query_wait_timeout=-2", "query_wait_timeout: expected an integer from -1" },
	{ "u", "client_idle_timeout=-1", "client_idle_timeout: expected an integer from 0" },
	{ "u", "pool_size", "expected \"=\" after key \"pool_size\"" },
	{ "u", "pool_mode='session", "pool_mode: unterminated quoted value" },
	{ "u", "pool_size=", "pool_size: empty value" },
	{ "", "pool_size=1", "empty user name" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	struct cfg_user u;
	char why[512] = "";
	ck_assert_int_eq(cfg_user_parse(b->name, b->value, &u, why, sizeof why), -1);
	ck_assert_msg(strstr(why, b->why) != NULL, "[%s] why=\"%s\", expected \"%s\"",
		      b->value, why, b->why);
	ck_assert_ptr_null(u.name);
}
END_TEST

struct eq {
	const char *name_a, *a, *name_b, *b;
	bool equal;
};

static const struct eq eqs[] = {
	{ "u", "", "u", "", true },
	{ "u", "pool_size=5 pool_mode=transaction", "u", "pool_mode=TRANSACTION pool_size=5", true },
	{ "u", "query_wait_timeout=-1", "u", "", true },
	{ "u", "", "v", "", false },
	{ "u", "pool_size=5", "u", "pool_size=6", false },
	{ "u", "pool_size=5", "u", "", false },
	{ "u", "pool_mode=session", "u", "", false },
	{ "u", "client_idle_timeout=0", "u", "", false },
	{ "u", "max_user_client_connections=3", "u", "max_user_client_connections=4", false },
};

START_TEST(test_equal)
{
	const struct eq *e = &eqs[_i];
	struct cfg_user a, b;
	char why[512] = "";
	ck_assert_msg(cfg_user_parse(e->name_a, e->a, &a, why, sizeof why) == 0, "%s", why);
	ck_assert_msg(cfg_user_parse(e->name_b, e->b, &b, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(cfg_user_equal(&a, &b), e->equal);
	ck_assert_int_eq(cfg_user_equal(&b, &a), e->equal);
	ck_assert(cfg_user_equal(&a, &a));
	cfg_user_fini(&a);
	cfg_user_fini(&b);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("cfg_user");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good, 0, N(goods));
	tcase_add_loop_test(tc, test_bad, 0, N(bads));
	tcase_add_loop_test(tc, test_equal, 0, N(eqs));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
