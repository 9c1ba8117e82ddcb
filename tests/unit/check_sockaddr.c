/* Unit tests for pooler/sockaddr: every family formats as the log lines
 * expect, short buffers are cut and terminated, and the PostgreSQL unix
 * socket address is built for paths and abstract names, refusing paths
 * that do not fit. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "pooler/sockaddr.h"

struct format_vector {
	int family;
	const char *addr;   /* AF_INET/6: literal; AF_UNIX: path, "@name" abstract, "" unnamed */
	int port;
	const char *expect;
};

static const struct format_vector formats[] = {
	{ AF_INET, "127.0.0.1", 5432, "127.0.0.1:5432" },
	{ AF_INET, "0.0.0.0", 0, "0.0.0.0:0" },
	{ AF_INET, "255.255.255.255", 65535, "255.255.255.255:65535" },
	{ AF_INET6, "::1", 6432, "[::1]:6432" },
	{ AF_INET6, "::", 6432, "[::]:6432" },
	{ AF_INET6, "fe80::1:2", 1, "[fe80::1:2]:1" },
	{ AF_INET6, "::ffff:10.0.0.1", 5432, "[::ffff:10.0.0.1]:5432" },
	{ AF_UNIX, "", 0, "unix" },
	{ AF_UNIX, "/tmp/.s.PGSQL.6432", 0, "unix:/tmp/.s.PGSQL.6432" },
	{ AF_UNIX, "@corral/.s.PGSQL.6432", 0, "unix:@corral/.s.PGSQL.6432" },
	{ AF_APPLETALK, "", 0, "family 5" },
};

START_TEST(test_sockaddr_format)
{
	const struct format_vector *v = &formats[_i];
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_family = (sa_family_t)v->family;
	if (v->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		ck_assert_int_eq(inet_pton(AF_INET, v->addr, &in->sin_addr), 1);
		in->sin_port = htons((uint16_t)v->port);
	} else if (v->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		ck_assert_int_eq(inet_pton(AF_INET6, v->addr, &in6->sin6_addr), 1);
		in6->sin6_port = htons((uint16_t)v->port);
	} else if (v->family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		snprintf(un->sun_path, sizeof un->sun_path, "%s", v->addr);
		if (v->addr[0] == '@')
			un->sun_path[0] = '\0';
	}
	char buf[SOCKADDR_FMT_SIZE];
	ck_assert_ptr_eq(sockaddr_format((struct sockaddr *)&ss, buf, sizeof buf), buf);
	ck_assert_str_eq(buf, v->expect);
	/* A short buffer is cut, still terminated. */
	char small[6];
	sockaddr_format((struct sockaddr *)&ss, small, sizeof small);
	ck_assert_int_eq(strncmp(small, v->expect, 5), 0);
	ck_assert_uint_le(strlen(small), 5);
}
END_TEST

START_TEST(test_sockaddr_pg_unix)
{
	struct sockaddr_un un;
	socklen_t len = 0;
	char why[256], buf[SOCKADDR_FMT_SIZE];
	ck_assert_int_eq(sockaddr_pg_unix("/tmp", 6432, &un, &len, why, sizeof why), 0);
	ck_assert_str_eq(un.sun_path, "/tmp/.s.PGSQL.6432");
	ck_assert_int_eq(len, sizeof un);
	ck_assert_int_eq(sockaddr_pg_unix("@pg", 5432, &un, &len, why, sizeof why), 0);
	ck_assert_int_eq(un.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(un.sun_path + 1, "pg/.s.PGSQL.5432", 16), 0);
	ck_assert_int_eq(len, offsetof(struct sockaddr_un, sun_path) + 17);
	ck_assert_str_eq(sockaddr_format((struct sockaddr *)&un, buf, sizeof buf),
			 "unix:@pg/.s.PGSQL.5432");
	char dir[120];
	memset(dir, 'd', sizeof dir - 1);
	dir[0] = '/';
	dir[sizeof dir - 1] = '\0';
	ck_assert_int_eq(sockaddr_pg_unix(dir, 5432, &un, &len, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "is too long (at most 107 bytes)"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sockaddr");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_sockaddr_format, 0, sizeof formats / sizeof formats[0]);
	tcase_add_test(tc, test_sockaddr_pg_unix);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
