/* Unit tests for pooler/resolve: numeric hosts and unix socket directories
 * resolve at once (names are left to DNS, overlong paths refused); names
 * resolve through evdns with the answer always delivered from the loop,
 * failures name the host, and a cancelled request never calls back and
 * leaks nothing. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "pooler/resolve.h"
#include "pooler/sockaddr.h"
#include "tests/unit/loop_test.h"

struct numeric_vector {
	const char *host;
	int port;
	enum resolve_status status;
	const char *expect;   /* OK: the address formatted; ERR: part of why */
};

static const struct numeric_vector numerics[] = {
	{ "127.0.0.1", 5432, RESOLVE_OK, "127.0.0.1:5432" },
	{ "10.20.30.40", 6000, RESOLVE_OK, "10.20.30.40:6000" },
	{ "::1", 6432, RESOLVE_OK, "[::1]:6432" },
	{ "2001:db8::5", 5432, RESOLVE_OK, "[2001:db8::5]:5432" },
	{ "/var/run/postgresql", 5433, RESOLVE_OK, "unix:/var/run/postgresql/.s.PGSQL.5433" },
	{ "@pgsock", 5432, RESOLVE_OK, "unix:@pgsock/.s.PGSQL.5432" },
	{ "db.example.com", 5432, RESOLVE_NEED_DNS, NULL },
	{ "localhost", 5432, RESOLVE_NEED_DNS, NULL },
	{ "127.0.0.256", 5432, RESOLVE_NEED_DNS, NULL },
	{ "/a-directory-name-long-enough-that-the-socket-path-does-not-fit-into-sun-path/of-108-bytes-in-linux",
	  5432, RESOLVE_ERR, "is too long (at most 107 bytes)" },
};

START_TEST(test_resolve_numeric)
{
	const struct numeric_vector *v = &numerics[_i];
	struct resolve_result res = { .count = 99 };
	char why[256] = "", buf[SOCKADDR_FMT_SIZE];
	ck_assert_int_eq(resolve_numeric(v->host, v->port, &res, why, sizeof why), v->status);
	if (v->status == RESOLVE_OK) {
		ck_assert_uint_eq(res.count, 1);
		ck_assert_str_eq(sockaddr_format((struct sockaddr *)&res.addr[0].ss, buf, sizeof buf),
				 v->expect);
	} else {
		ck_assert_uint_eq(res.count, 99);
	}
	if (v->status == RESOLVE_ERR)
		ck_assert_ptr_nonnull(strstr(why, v->expect));
}
END_TEST

struct answer {
	struct event_base *base;
	int calls;
	size_t count;
	char first[SOCKADDR_FMT_SIZE];
	char error[320];
};

static void on_resolved(void *arg, const struct resolve_result *res, const char *error)
{
	struct answer *ans = arg;
	ans->calls++;
	ck_assert((res == NULL) != (error == NULL));
	if (res) {
		ans->count = res->count;
		sockaddr_format((struct sockaddr *)&res->addr[0].ss, ans->first, sizeof ans->first);
	} else {
		snprintf(ans->error, sizeof ans->error, "%s", error);
	}
	event_base_loopbreak(ans->base);
}

/* An evdns_base that knows db.corral.test from a hosts file and asks a
 * nameserver that never answers, giving up after 0.2 s. */
static struct evdns_base *test_dns(struct event_base *base, int *silent_fd)
{
	char hosts[] = "/tmp/corral-hosts-XXXXXX", server[64];
	int fd = mkstemp(hosts);
	ck_assert_int_ge(fd, 0);
	const char *text = "10.1.2.3 db.corral.test\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct evdns_base *dns = evdns_base_new(base, 0);
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(evdns_base_load_hosts(dns, hosts), 0);
	unlink(hosts);

	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof in;
	*silent_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(*silent_fd, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(getsockname(*silent_fd, (struct sockaddr *)&in, &len), 0);
	snprintf(server, sizeof server, "127.0.0.1:%d", ntohs(in.sin_port));
	ck_assert_int_eq(evdns_base_nameserver_ip_add(dns, server), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "timeout:", "0.2"), 0);
	ck_assert_int_eq(evdns_base_set_option(dns, "attempts:", "1"), 0);
	return dns;
}

/* An answer evdns knows at once is still delivered from the loop; a name
 * nobody answers for fails with the name in the error. */
START_TEST(test_resolve_answers_from_loop)
{
	struct event_base *base = event_base_new();
	int silent;
	struct evdns_base *dns = test_dns(base, &silent);
	struct answer ans = { .base = base };
	ck_assert_ptr_nonnull(resolve_start(base, dns, "db.corral.test", 5432, on_resolved, &ans));
	ck_assert_int_eq(ans.calls, 0);
	run_loop(base, 2000);
	ck_assert_int_eq(ans.calls, 1);
	ck_assert_uint_eq(ans.count, 1);
	ck_assert_str_eq(ans.first, "10.1.2.3:5432");

	memset(&ans, 0, sizeof ans);
	ans.base = base;
	ck_assert_ptr_nonnull(resolve_start(base, dns, "nowhere.corral.test", 5432, on_resolved,
					    &ans));
	run_loop(base, 3000);
	ck_assert_int_eq(ans.calls, 1);
	ck_assert_msg(strstr(ans.error, "could not resolve host 'nowhere.corral.test': ") == ans.error,
		      "%s", ans.error);
	evdns_base_free(dns, 0);
	close(silent);
	event_base_free(base);
}
END_TEST

/* A cancelled request never calls back, whether evdns answered at once
 * (the answer was held) or is still waiting for the nameserver; nothing
 * leaks either way (the sanitizer build checks). */
START_TEST(test_resolve_cancel)
{
	struct event_base *base = event_base_new();
	int silent;
	struct evdns_base *dns = test_dns(base, &silent);
	struct answer ans = { .base = base };
	resolve_cancel(resolve_start(base, dns, "db.corral.test", 5432, on_resolved, &ans));
	resolve_cancel(resolve_start(base, dns, "pending.corral.test", 5432, on_resolved, &ans));
	run_loop(base, 500);
	ck_assert_int_eq(ans.calls, 0);
	evdns_base_free(dns, 1);
	close(silent);
	event_base_free(base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_resolve_numeric, 0, sizeof numerics / sizeof numerics[0]);
	tcase_add_test(tc, test_resolve_answers_from_loop);
	tcase_add_test(tc, test_resolve_cancel);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
