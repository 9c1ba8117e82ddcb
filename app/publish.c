/* publish: one bounded, blocking POST to nchan's publisher (see
 * publish.h). The socket is non-blocking underneath so that every step
 * (connect, send, read) waits in poll() for at most the time left. Only
 * the status line of the answer is read for meaning; the rest is read and
 * dropped until nginx closes, so the connection ends cleanly. */
#include "app/publish.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app_log.h"
#include "app/settings.h"
#include "util/xalloc.h"

/* What is kept of the answer: enough for "HTTP/1.1 201 Created". */
#define STATUS_LINE_MAX 64

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Put what went wrong in why: what, then strerror(err) unless err is 0.
 * Always returns -1. */
static int fail(char *why, size_t why_size, const char *what, int err)
{
	if (err != 0)
		snprintf(why, why_size, "%s: %s", what, strerror(err));
	else
		snprintf(why, why_size, "%s", what);
	return -1;
}

void publish_init(struct publish *p, const char *url, int timeout_ms)
{
	char host[256], service[8];
	const char *path;
	int port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	*p = (struct publish){ .timeout_ms = timeout_ms };
	if (url[0] == '\0' || settings_publish_url_split(url, host, sizeof host, &port, &path) != 0)
		return;
	snprintf(service, sizeof service, "%d", port);
	int rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0) {
		app_log("publish-url %s: %s: messages are stored but not pushed", url, gai_strerror(rc));
		return;
	}
	memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
	p->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	/* "http://" is 7 bytes; the authority runs up to the path. */
	p->authority = xstrndup(url + 7, (size_t)(path - url - 7));
	p->path = xstrdup(path);
	p->enabled = true;
}

void publish_fini(struct publish *p)
{
	free(p->authority);
	free(p->path);
	p->authority = p->path = NULL;
	p->enabled = false;
}

/* Wait until fd is ready for events or the deadline passes (a signal does
 * not cut the wait short). Returns 0 when ready, -1 with why otherwise. */
static int wait_fd(int fd, short events, uint64_t deadline, char *why, size_t why_size)
{
	for (;;) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return fail(why, why_size, "the publisher did not answer in time", 0);
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(why, why_size, "poll", errno);
	}
}

/* A non-blocking socket connected to the publisher, or -1 with why. */
static int connect_publisher(const struct publish *p, uint64_t deadline, char *why,
			     size_t why_size)
{
	int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(why, why_size, "socket", errno);
	if (connect(fd, (const struct sockaddr *)&p->addr, p->addr_len) != 0) {
		int err = errno;
		socklen_t len = sizeof err;
		if (err == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline, why, why_size) != 0)
				goto fail;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		}
		if (err != 0) {
			fail(why, why_size, "connect", err);
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Send len bytes of data. Returns 0, or -1 with why. */
static int send_all(int fd, const char *data, size_t len, uint64_t deadline, char *why,
		    size_t why_size)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return fail(why, why_size, "send", errno);
		} else if (wait_fd(fd, POLLOUT, deadline, why, why_size) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Read the answer until the publisher closes, keeping its first line in
 * line (NUL-terminated, at most STATUS_LINE_MAX bytes). Returns 0, or -1
 * with why. */
static int read_answer(int fd, char *line, uint64_t deadline, char *why, size_t why_size)
{
	char buf[4096];
	size_t kept = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return fail(why, why_size, "recv", errno);
			if (wait_fd(fd, POLLIN, deadline, why, why_size) != 0)
				return -1;
			continue;
		}
		size_t take = (size_t)n < STATUS_LINE_MAX - kept ? (size_t)n : STATUS_LINE_MAX - kept;
		memcpy(line + kept, buf, take);
		kept += take;
	}
	line[kept] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	return 0;
}

/* The status code of an "HTTP/1.x NNN ..." line, or -1. */
static int status_code(const char *line)
{
	static const char version[] = "HTTP/1.";
	if (strncmp(line, version, sizeof version - 1) != 0 || line[8] != ' ')
		return -1;
	const char *d = line + 9;
	for (int i = 0; i < 3; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -1;
	}
	return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

int publish_post(const struct publish *p, const char *channel, const char *body, size_t len,
		 char *why, size_t why_size)
{
	if (!p->enabled)
		return fail(why, why_size, "no publish-url", 0);
	uint64_t deadline = now_ms() + (uint64_t)p->timeout_ms;
	char head[512], line[STATUS_LINE_MAX + 1];
	int n = snprintf(head, sizeof head,
			 "POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 p->path, channel, p->authority, len);
	if (n < 0 || (size_t)n >= sizeof head)
		return fail(why, why_size, "publish-url too long", 0);
	int fd = connect_publisher(p, deadline, why, why_size);
	if (fd < 0)
		return -1;
	int rc = -1;
	if (send_all(fd, head, (size_t)n, deadline, why, why_size) == 0 &&
	    send_all(fd, body, len, deadline, why, why_size) == 0 &&
	    read_answer(fd, line, deadline, why, why_size) == 0) {
		int code = status_code(line);
		if (code >= 200 && code <= 299)
			rc = 0;
		else
			snprintf(why, why_size, "the publisher answered '%s'", line);
	}
	close(fd);
	return rc;
}
