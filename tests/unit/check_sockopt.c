/* Unit tests for pooler/sockopt: the tcp_* settings land on a socket as the
 * options they name (and only when set), listening sockets get reuse,
 * v6-only and defer-accept, and a non-blocking connect succeeds, is
 * refused, or fails at once with the address in the message. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg_settings.h"
#include "pooler/resolve.h"
#include "pooler/sockopt.h"
#include "tests/unit/loop_test.h"

static void set(struct cfg_settings *s, const char *name, const char *value)
{
	char why[256];
	ck_assert_msg(cfg_settings_set(s, name, value, why, sizeof why) == 0, "%s", why);
}

/* Each tcp_* setting appears as its option on the socket. */
START_TEST(test_tune_from_settings)
{
	struct cfg_settings s;
	struct sockopt_tcp t;
	char why[256];
	cfg_settings_init(&s);
	set(&s, "tcp_keepidle", "30");
	set(&s, "tcp_keepintvl", "5");
	set(&s, "tcp_keepcnt", "4");
	set(&s, "tcp_user_timeout", "7000");
	set(&s, "tcp_socket_buffer", "65536");
	sockopt_tcp_from_settings(&t, &s);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(sockopt_tune_tcp(fd, &t, why, sizeof why), 0);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPCNT), 4);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 7000);
	/* Linux doubles buffer sizes for its bookkeeping. */
	ck_assert_int_ge(int_option(fd, SOL_SOCKET, SO_SNDBUF), 65536);
	ck_assert_int_ge(int_option(fd, SOL_SOCKET, SO_RCVBUF), 65536);
	close(fd);
	cfg_settings_fini(&s);
}
END_TEST

/* tcp_keepalive off turns keepalive off and leaves its timings alone. */
START_TEST(test_tune_keepalive_off)
{
	struct sockopt_tcp t = { .keepalive = false, .keepidle = 30 };
	char why[256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int idle = int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE);
	ck_assert_int_eq(sockopt_tune_tcp(fd, &t, why, sizeof why), 0);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), idle);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	close(fd);
}
END_TEST

/* Tuning a socket that is not TCP fails and names the option. */
START_TEST(test_tune_error_names_option)
{
	struct sockopt_tcp t = { .keepalive = true };
	char why[256];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(sockopt_tune_tcp(fd, &t, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "setsockopt(TCP_NODELAY, 1): ") == why, "%s", why);
	close(fd);
}
END_TEST

START_TEST(test_tune_listen)
{
	char why[256];
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sockopt_tune_listen(fd, AF_INET6, true, why, sizeof why), 0);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_REUSEADDR), 1);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_REUSEPORT), 1);
	ck_assert_int_eq(int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	ck_assert_int_eq(sockopt_defer_accept(fd, true, why, sizeof why), 0);
	ck_assert_int_gt(int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
	ck_assert_int_eq(sockopt_defer_accept(fd, false, why, sizeof why), 0);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(sockopt_tune_listen(fd, AF_INET, false, why, sizeof why), 0);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_REUSEADDR), 1);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	close(fd);
}
END_TEST

static int wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	return poll(&p, 1, 2000);
}

/* To a listening socket: started, non-blocking, close-on-exec and tuned,
 * then established. */
START_TEST(test_connect_established)
{
	struct sockopt_tcp t = { .keepalive = true, .keepidle = 60 };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof in;
	char why[256];
	int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(listen(srv, 4), 0);
	ck_assert_int_eq(getsockname(srv, (struct sockaddr *)&in, &len), 0);
	int fd = -1;
	ck_assert_int_eq(sockopt_connect_nonblocking((struct sockaddr *)&in, len, &t, &fd, why,
						     sizeof why), 0);
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), 60);
	ck_assert_int_eq(wait_writable(fd), 1);
	ck_assert_int_eq(sockopt_connect_finish(fd, why, sizeof why), 0);
	int peer = accept(srv, NULL, NULL);
	ck_assert_int_ge(peer, 0);
	close(peer);
	close(fd);
	close(srv);
}
END_TEST

/* A closed port refuses: at once (the message names the address) or when
 * the connect completes (the message is the reason alone). */
START_TEST(test_connect_refused)
{
	struct sockopt_tcp t = { .keepalive = true };
	int port = free_port();
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons((uint16_t)port) };
	char why[256], expect[128];
	int fd = -1;
	if (sockopt_connect_nonblocking((struct sockaddr *)&in, sizeof in, &t, &fd, why,
					sizeof why) == 0) {
		ck_assert_int_eq(wait_writable(fd), 1);
		ck_assert_int_eq(sockopt_connect_finish(fd, why, sizeof why), -1);
		ck_assert_str_eq(why, strerror(ECONNREFUSED));
		close(fd);
	} else {
		snprintf(expect, sizeof expect, "cannot connect to 127.0.0.1:%d: %s", port,
			 strerror(ECONNREFUSED));
		ck_assert_str_eq(why, expect);
	}
}
END_TEST

/* A unix socket that does not exist fails at once, naming its path. */
START_TEST(test_connect_missing_unix)
{
	struct sockopt_tcp t = { .keepalive = true };
	struct resolve_result res;
	char why[256];
	int fd = -1;
	ck_assert_int_eq(resolve_numeric("/nonexistent-corral-dir", 5432, &res, why, sizeof why),
			 RESOLVE_OK);
	ck_assert_int_eq(sockopt_connect_nonblocking((struct sockaddr *)&res.addr[0].ss,
						     res.addr[0].len, &t, &fd, why, sizeof why), -1);
	ck_assert_int_eq(fd, -1);
	ck_assert_str_eq(why, "cannot connect to unix:/nonexistent-corral-dir/.s.PGSQL.5432: "
			      "No such file or directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sockopt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_tune_from_settings);
	tcase_add_test(tc, test_tune_keepalive_off);
	tcase_add_test(tc, test_tune_error_names_option);
	tcase_add_test(tc, test_tune_listen);
	tcase_add_test(tc, test_connect_established);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_connect_missing_unix);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
