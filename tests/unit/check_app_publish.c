/* Unit tests for app/publish against a scripted publisher: a child process
 * on a loopback port that reads one request, hands its bytes to the test
 * through a pipe and answers as told (or never). Checked: the request
 * (method, path, Host, Content-Type, Content-Length, body), 2xx as
 * success, any other status or a garbled answer as failure with the
 * status line in the reason, a refused connection, a publisher that never
 * answers (failure within publish-timeout), and disabled publishing. */
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/publish.h"

/* The scripted publisher: its port, its pid, and the read end of the pipe
 * that carries the request it received. */
struct fake {
	int port;
	pid_t pid;
	int request_fd;
};

/* Read one request (head, then Content-Length bytes) from fd into buf.
 * Returns its length. */
static size_t read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		const char *end = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "Content-Length: ");
		if (end != NULL && cl != NULL && len >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
			break;
	}
	return len;
}

/* Start a publisher that answers answer (NULL: never answers, holds the
 * connection until killed). */
static struct fake fake_start(const char *answer)
{
	struct fake f;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	int pipefd[2], lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(pipe(pipefd), 0);
	f.port = ntohs(sin.sin_port);
	f.pid = fork();
	ck_assert_int_ge(f.pid, 0);
	if (f.pid == 0) {
		char req[8192];
		int cfd = accept(lfd, NULL, NULL);
		size_t n = read_request(cfd, req, sizeof req);
		if (write(pipefd[1], req, n) != (ssize_t)n)
			_exit(1);
		close(pipefd[1]);
		if (answer == NULL)
			pause();
		else if (write(cfd, answer, strlen(answer)) != (ssize_t)strlen(answer))
			_exit(1);
		close(cfd);
		_exit(0);
	}
	close(lfd);
	close(pipefd[1]);
	f.request_fd = pipefd[0];
	return f;
}

/* The request the publisher received, into buf. */
static void fake_request(struct fake *f, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 && (n = read(f->request_fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static void fake_stop(struct fake *f)
{
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	close(f->request_fd);
}

static void publish_to(struct publish *p, int port, int timeout_ms)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/_nchan/pub/", port);
	publish_init(p, url, timeout_ms);
	ck_assert(p->enabled);
}

START_TEST(test_request_and_created)
{
	static const char body[] = "{\"id\" : 1, \"text\" : \"hi\"}";
	struct fake f = fake_start("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	struct publish p;
	char why[256] = "", req[8192], want[512];
	publish_to(&p, f.port, 2000);
	ck_assert_int_eq(publish_post(&p, "lobby", body, strlen(body), why, sizeof why), 0);
	fake_request(&f, req, sizeof req);
	snprintf(want, sizeof want,
		 "POST /_nchan/pub/lobby HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", f.port, strlen(body), body);
	ck_assert_str_eq(req, want);
	fake_stop(&f);
	publish_fini(&p);
}
END_TEST

static const struct {
	const char *answer;
	int rc;
	const char *why;   /* part of the reason, for failures */
} answer_vectors[] = {
	{ "HTTP/1.1 202 Accepted\r\n\r\nqueued messages: 1\r\n", 0, NULL },
	{ "HTTP/1.0 200 OK\r\n\r\n", 0, NULL },
	{ "HTTP/1.1 403 Forbidden\r\n\r\n", -1, "answered 'HTTP/1.1 403 Forbidden'" },
	{ "HTTP/1.1 500 Internal Server Error\r\n\r\n", -1, "500" },
	{ "SSH-2.0-OpenSSH\r\n", -1, "answered 'SSH-2.0-OpenSSH'" },
	{ "HTTP/1.1 2x1 Odd\r\n\r\n", -1, "2x1" },
	{ "", -1, "answered ''" },
};

START_TEST(test_answers)
{
	struct fake f = fake_start(answer_vectors[_i].answer);
	struct publish p;
	char why[256] = "";
	publish_to(&p, f.port, 2000);
	ck_assert_int_eq(publish_post(&p, "c", "{}", 2, why, sizeof why), answer_vectors[_i].rc);
	if (answer_vectors[_i].why != NULL)
		ck_assert_msg(strstr(why, answer_vectors[_i].why) != NULL, "why: %s", why);
	fake_stop(&f);
	publish_fini(&p);
}
END_TEST

static long long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL + (now.tv_nsec - since->tv_nsec) / 1000000;
}

START_TEST(test_silent_publisher)
{
	struct fake f = fake_start(NULL);
	struct publish p;
	struct timespec start;
	char why[256] = "";
	publish_to(&p, f.port, 200);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(publish_post(&p, "c", "{}", 2, why, sizeof why), -1);
	long long ms = elapsed_ms(&start);
	ck_assert_msg(ms >= 190 && ms < 2000, "took %lld ms", ms);
	ck_assert_str_eq(why, "the publisher did not answer in time");
	fake_stop(&f);
	publish_fini(&p);
}
END_TEST

START_TEST(test_refused)
{
	struct fake f = fake_start("HTTP/1.1 201 Created\r\n\r\n");
	struct publish p;
	char why[256] = "";
	int port = f.port;
	/* Take the publisher's one connection, so nothing listens after. */
	publish_to(&p, port, 2000);
	ck_assert_int_eq(publish_post(&p, "c", "{}", 2, why, sizeof why), 0);
	fake_stop(&f);
	ck_assert_int_eq(publish_post(&p, "c", "{}", 2, why, sizeof why), -1);
	ck_assert_str_eq(why, "connect: Connection refused");
	publish_fini(&p);
}
END_TEST

START_TEST(test_disabled)
{
	struct publish p;
	char why[256] = "";
	publish_init(&p, "", 1000);
	ck_assert(!p.enabled);
	ck_assert_int_eq(publish_post(&p, "c", "{}", 2, why, sizeof why), -1);
	ck_assert_str_eq(why, "no publish-url");
	publish_fini(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_publish");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_request_and_created);
	tcase_add_loop_test(tc, test_answers, 0, sizeof answer_vectors / sizeof answer_vectors[0]);
	tcase_add_test(tc, test_silent_publisher);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_disabled);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
