/* it_raw: raw protocol connections to corral for the integration tests
 * (see it_raw.h). Messages are framed and decoded with protocol/, whose
 * readers have their own unit tests; every read has a deadline. */
#include "tests/integration/it_raw.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_startup.h"
#include "tests/integration/it_util.h"

void it_raw_open(struct it_raw *r)
{
	const char *host = it_env("CORRAL_HOST"), *port = it_env("CORRAL_PORT");
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	ck_assert_msg(rc == 0, "getaddrinfo(%s, %s): %s", host, port, gai_strerror(rc));
	r->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	ck_assert_msg(r->fd >= 0, "socket: %s", strerror(errno));
	/* Sends are small; a pooler that stops reading fails the test. */
	struct timeval tv = { .tv_sec = IT_WAIT_MS / 1000 };
	ck_assert_int_eq(setsockopt(r->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
	ck_assert_msg(connect(r->fd, ai->ai_addr, ai->ai_addrlen) == 0,
		      "connect to corral at %s:%s: %s", host, port, strerror(errno));
	freeaddrinfo(ai);
	r->len = 0;
	r->used = 0;
	r->type = 0;
	r->body = NULL;
	r->body_len = 0;
	r->key_pid = r->key_secret = 0;
}

void it_raw_close(struct it_raw *r)
{
	close(r->fd);
	r->fd = -1;
}

void it_raw_send(struct it_raw *r, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t off = 0; off < n;) {
		ssize_t w = send(r->fd, p + off, n - off, MSG_NOSIGNAL);
		ck_assert_msg(w > 0, "sending to corral: %s", strerror(errno));
		off += (size_t)w;
	}
}

/* Sends and releases b. */
static void send_buf(struct it_raw *r, struct pg_buf *b)
{
	it_raw_send(r, b->data, b->len);
	pg_buf_fini(b);
}

void it_raw_send_startup(struct it_raw *r, const char *dbname, const char *user)
{
	struct pg_buf b;
	pg_buf_init(&b);
	const struct pg_startup_param params[] = { { "user", user }, { "database", dbname } };
	pg_startup_build(&b, PG_PROTOCOL_3_0, params, 2);
	send_buf(r, &b);
}

void it_raw_send_cancel(struct it_raw *r, uint32_t pid, uint32_t key)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build_cancel(&b, pid, key);
	send_buf(r, &b);
}

/* recv into the free end of r->in, waiting until deadline_ms. Returns the
 * byte count; 0 when corral closed (or reset) the connection. */
static size_t raw_recv(struct it_raw *r, int64_t deadline_ms)
{
	ck_assert_msg(r->len < sizeof r->in, "corral sent more than %zu bytes unread", sizeof r->in);
	for (;;) {
		int64_t left = deadline_ms - it_now_ms();
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
		ck_assert_msg(ready != 0, "nothing from corral within the time allowed");
		if (ready < 0) {
			ck_assert_msg(errno == EINTR, "poll: %s", strerror(errno));
			continue;
		}
		ssize_t n = recv(r->fd, r->in + r->len, sizeof r->in - r->len, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		ck_assert_msg(n > 0, "reading from corral: %s", strerror(errno));
		r->len += (size_t)n;
		return (size_t)n;
	}
}

uint8_t it_raw_byte(struct it_raw *r)
{
	ck_assert_msg(r->len == r->used, "bytes arrived before the one-byte answer");
	r->len = r->used = 0;
	ck_assert_msg(raw_recv(r, it_now_ms() + IT_WAIT_MS) > 0, "corral closed the connection");
	uint8_t b = r->in[0];
	memmove(r->in, r->in + 1, --r->len);
	return b;
}

static uint8_t raw_next(struct it_raw *r, int64_t deadline_ms)
{
	memmove(r->in, r->in + r->used, r->len - r->used);
	r->len -= r->used;
	r->used = 0;
	for (;;) {
		struct pg_reader rd;
		struct pg_frame f;
		pg_reader_init(&rd, r->in, r->len);
		enum pg_result res = pg_frame_read(&rd, sizeof r->in - 1, &f);
		if (res == PG_OK) {
			r->used = rd.pos;
			r->type = f.type;
			r->body = f.body;
			r->body_len = f.body_len;
			return r->type;
		}
		ck_assert_msg(res == PG_NEED_MORE, "corral sent a malformed message: %s",
			      rd.err_reason);
		if (raw_recv(r, deadline_ms) == 0) {
			ck_assert_msg(r->len == 0, "corral closed the connection inside a message");
			r->type = 0;
			r->body = NULL;
			r->body_len = 0;
			return 0;
		}
	}
}

uint8_t it_raw_next(struct it_raw *r)
{
	return raw_next(r, it_now_ms() + IT_WAIT_MS);
}

/* The current message as a frame for protocol/'s readers. */
static struct pg_frame current(const struct it_raw *r)
{
	return (struct pg_frame){ .type = r->type, .len = (uint32_t)r->body_len + 4,
				  .body = r->body, .body_len = r->body_len };
}

void it_raw_login(struct it_raw *r, const char *dbname, const char *user, const char *password)
{
	it_raw_send_startup(r, dbname, user);
	while (it_raw_next(r) == PG_BE_AUTH) {
		struct pg_frame f = current(r);
		struct pg_reader rd;
		struct pg_backend_auth auth;
		ck_assert_int_eq(pg_backend_read_auth(&f, &rd, &auth), PG_OK);
		if (auth.code == PG_AUTH_OK)
			continue;
		ck_assert_msg(auth.code == PG_AUTH_CLEARTEXT, "corral asked for authentication "
			      "code %u; the raw tests run corral with auth_type = plain", auth.code);
		struct pg_buf b;
		pg_buf_init(&b);
		pg_frontend_put_password(&b, password);
		send_buf(r, &b);
	}
}

/* The current message as an ErrorResponse; fails the test when it is
 * anything else. Views into r->in. */
static struct pg_backend_diag raw_error(const struct it_raw *r)
{
	ck_assert_msg(r->type == PG_BE_ERROR, "expected an ErrorResponse, got %s '%c'",
		      r->type ? "message type" : "the connection closed (type 0)",
		      r->type ? r->type : '0');
	struct pg_frame f = current(r);
	struct pg_reader rd;
	struct pg_backend_diag d;
	ck_assert_int_eq(pg_backend_read_error(&f, &rd, &d), PG_OK);
	return d;
}

void it_raw_expect_error(struct it_raw *r, const char *sqlstates, const char *part)
{
	struct pg_backend_diag d = raw_error(r);
	it_check_diag("ErrorResponse", d.sqlstate, d.message, sqlstates, part);
	ck_assert_msg(strcmp(d.severity, "FATAL") == 0, "severity %s, expected FATAL (message: %s)",
		      d.severity, d.message);
	it_raw_expect_eof(r, 2000);
}

int64_t it_raw_expect_eof(struct it_raw *r, int ms)
{
	int64_t start = it_now_ms();
	while (raw_next(r, start + ms) != 0)
		;
	return it_now_ms() - start;
}

void it_raw_wait_ready(struct it_raw *r)
{
	for (;;) {
		switch (r->type) {
		case PG_BE_BACKEND_KEY_DATA: {
			struct pg_frame f = current(r);
			struct pg_reader rd;
			ck_assert_int_eq(pg_backend_read_backend_key_data(&f, &rd, &r->key_pid,
									  &r->key_secret), PG_OK);
			it_raw_next(r);
			continue;
		}
		case PG_BE_PARAMETER_STATUS:
		case PG_BE_NOTICE:
			it_raw_next(r);
			continue;
		case PG_BE_READY_FOR_QUERY:
			return;
		case PG_BE_ERROR: {
			struct pg_backend_diag d = raw_error(r);
			ck_abort_msg("login failed: %s %s", d.sqlstate, d.message);
		}
		default:
			ck_abort_msg("message '%c' (0: close) before ReadyForQuery",
				     r->type ? r->type : '0');
		}
	}
}

void it_raw_send_query(struct it_raw *r, const char *sql)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_query(&b, sql);
	send_buf(r, &b);
}

void it_raw_query_end(struct it_raw *r, int ms, char sqlstate[6])
{
	int64_t deadline = it_now_ms() + ms;
	sqlstate[0] = '\0';
	for (;;) {
		uint8_t type = raw_next(r, deadline);
		ck_assert_msg(type != 0, "corral closed the connection before ReadyForQuery");
		if (type == PG_BE_READY_FOR_QUERY)
			return;
		if (type == PG_BE_ERROR && sqlstate[0] == '\0') {
			struct pg_backend_diag d = raw_error(r);
			snprintf(sqlstate, 6, "%s", d.sqlstate ? d.sqlstate : "?????");
		}
	}
}
