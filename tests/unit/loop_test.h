/* loop_test: helpers the pooler networking suites share: running an
 * event_base for a bounded time, finding a free loopback port, reading an
 * int socket option. Each call asserts its own success. */
#ifndef CORRAL_TESTS_UNIT_LOOP_TEST_H
#define CORRAL_TESTS_UNIT_LOOP_TEST_H

#include <check.h>
#include <netinet/in.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>

static inline void loop_test_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run base's loop for at most ms milliseconds (a callback may end it sooner). */
static inline void run_loop(struct event_base *base, int ms)
{
	struct event *deadline = evtimer_new(base, loop_test_on_deadline, base);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	ck_assert_ptr_nonnull(deadline);
	ck_assert_int_eq(evtimer_add(deadline, &tv), 0);
	ck_assert_int_ne(event_base_dispatch(base), -1);
	event_free(deadline);
}

/* A loopback port nobody listens on right now (bound, read, released). */
static inline int free_port(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof in;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	close(fd);
	return ntohs(in.sin_port);
}

static inline int int_option(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;
	ck_assert_int_eq(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

#endif
