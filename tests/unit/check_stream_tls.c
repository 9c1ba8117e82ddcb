/* Unit tests for the stream's TLS paths (pooler/stream with pooler/tls),
 * over socketpairs in one event loop: messages forwarded from a plain
 * socket into a TLS one and back, through tiny socket buffers and 512-byte
 * I/O buffers (partial SSL_write from the forwarding buffer, WANT_WRITE
 * and back-pressure, decrypted bytes left in OpenSSL after a read that
 * filled the buffer); own output over TLS; a handshake started from a
 * message handler; plaintext sent after an SSLRequest refused; exactly one
 * byte read as the answer to our SSLRequest; a failed handshake and a
 * peer's close_notify reported through on_error. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "pooler/iobuf.h"
#include "pooler/stream.h"
#include "pooler/tls.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_startup.h"
#include "tests/unit/loop_test.h"
#include "tests/unit/tls_test.h"

#define MESSAGES 300

/* One stream and what its owner saw. */
struct end {
	struct stream st;
	struct rig *rig;
	bool forward;            /* pass every message to the peer, else check it */
	bool start_tls_on_ssl_request;
	int ready;               /* on_tls_ready calls */
	bool failed;
	int err;
	char reason[256];
	int answer;              /* on_tls_answer's byte, -1 before */
	uint32_t next_seq;       /* checking: the next message expected */
};

/* The loop, its buffers and the TLS contexts the ends share. */
struct rig {
	struct event_base *base;
	struct iobuf_pool buffers;
	struct stream_env env;
	struct tls_contexts tls;
	int waiting;             /* ends not done yet; the loop stops at 0 */
};

static void rig_init(struct rig *r, const char *settings)
{
	memset(r, 0, sizeof *r);
	r->base = event_base_new();
	iobuf_pool_init(&r->buffers, 512, 16);
	r->env = (struct stream_env){ .base = r->base, .buffers = &r->buffers,
				      .max_packet_size = 1 << 20 };
	tls_test_load(&r->tls, settings);
}

static void rig_fini(struct rig *r)
{
	tls_contexts_fini(&r->tls);
	iobuf_pool_fini(&r->buffers);
	event_base_free(r->base);
}

static void done_one(struct rig *r)
{
	if (--r->waiting == 0)
		event_base_loopbreak(r->base);
}

/* Message seq: CopyData with a body of 4..20003 bytes, seq first. */
static uint32_t body_len(uint32_t seq)
{
	return 4 + (seq * 7919u) % 20000u;
}

static uint8_t body_byte(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31u + i * 7u + (i >> 8));
}

static void put_message(struct pg_buf *b, uint32_t seq)
{
	uint32_t n = body_len(seq);
	pg_buf_put_u8(b, 'd');
	pg_buf_put_u32(b, n + 4);
	pg_buf_put_u32(b, seq);
	for (uint32_t i = 4; i < n; i++)
		pg_buf_put_u8(b, body_byte(seq, i));
}

static enum stream_verdict check_message(struct end *e, const struct pg_frame *msg)
{
	uint32_t seq = e->next_seq;
	ck_assert_int_eq(msg->type, 'd');
	ck_assert_uint_eq(msg->body_len, body_len(seq));
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	ck_assert_uint_eq(pg_load_u32(msg->body), seq);
	uint32_t i = 4;   /* one assertion per message: each one costs Check a write */
	while (i < msg->body_len && msg->body[i] == body_byte(seq, i))
		i++;
	ck_assert_msg(i == msg->body_len, "message %u differs at byte %u", seq, i);
	if (++e->next_seq == MESSAGES)
		done_one(e->rig);
	return STREAM_CONSUMED;
}

static enum stream_verdict on_message(void *owner, struct stream *s, const struct pg_frame *msg)
{
	struct end *e = owner;
	if (e->start_tls_on_ssl_request) {
		/* As the client does: 'S', then the handshake from the handler. */
		ck_assert_uint_eq(msg->len, PG_SSL_REQUEST_LEN);
		pg_buf_put_u8(stream_out(s), 'S');
		stream_send_out(s);
		ck_assert_int_eq(stream_start_tls(s, tls_new_accept(&e->rig->tls, s->fd)), 0);
		return STREAM_CONSUMED;
	}
	return e->forward ? STREAM_FORWARD : check_message(e, msg);
}

static void on_error(void *owner, struct stream *s, int err, const char *reason)
{
	struct end *e = owner;
	e->failed = true;
	e->err = err;
	snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
	stream_close(s);
	event_base_loopbreak(e->rig->base);
}

static void on_tls_answer(void *owner, struct stream *s, uint8_t answer)
{
	struct end *e = owner;
	e->answer = answer;
	done_one(e->rig);
}

static void on_tls_ready(void *owner, struct stream *s)
{
	struct end *e = owner;
	e->ready++;
	done_one(e->rig);
}

static const struct stream_ops ops = {
	.on_message = on_message,
	.on_error = on_error,
	.on_tls_answer = on_tls_answer,
	.on_tls_ready = on_tls_ready,
};

static void end_init(struct end *e, struct rig *r, int fd)
{
	memset(e, 0, sizeof *e);
	e->rig = r;
	e->answer = -1;
	ck_assert_int_eq(stream_init(&e->st, &r->env, fd, &ops, e), 0);
}

/* The plain side of the forwarding test: a raw socket writing the
 * forward messages and reading back what came the other way. */
struct raw {
	struct rig *rig;
	int fd;
	struct event *ev;
	struct pg_buf out, expect;  /* bytes to write; bytes to read back */
	size_t written, read;
};

static void raw_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct raw *w = arg;
	uint8_t buf[3000];
	ssize_t n;
	if (what & EV_WRITE) {
		n = write(fd, w->out.data + w->written, w->out.len - w->written);
		if (n > 0)
			w->written += (size_t)n;
		if (w->written == w->out.len) {
			event_del(w->ev);
			event_assign(w->ev, w->rig->base, fd, EV_READ | EV_PERSIST, raw_on_event, w);
			event_add(w->ev, NULL);
		}
	}
	while ((what & EV_READ) && (n = read(fd, buf, sizeof buf)) > 0) {
		ck_assert_uint_le(w->read + (size_t)n, w->expect.len);
		ck_assert_int_eq(memcmp(buf, w->expect.data + w->read, (size_t)n), 0);
		w->read += (size_t)n;
		if (w->read == w->expect.len)
			done_one(w->rig);
	}
}

/* raw -> s1 (plain) => s2 (TLS, accepting) -> s3 (TLS, connecting): s3
 * checks every message; s3's own output goes back s2 => s1 -> raw. */
START_TEST(test_forward_through_tls)
{
	struct rig r;
	struct end s1, s2, s3;
	struct raw w = { .rig = &r };
	int plain[2], tls[2];
	char why[256];
	rig_init(&r, TLS_TEST_ACCEPT " server_tls_sslmode=require");
	tls_test_pair(plain, 4096);
	tls_test_pair(tls, 4096);
	end_init(&s1, &r, plain[0]);
	end_init(&s2, &r, tls[0]);
	end_init(&s3, &r, tls[1]);
	s1.forward = s2.forward = true;
	stream_link(&s1.st, &s2.st);
	ck_assert_int_eq(stream_start_tls(&s2.st, tls_new_accept(&r.tls, tls[0])), 0);
	ck_assert_int_eq(stream_start_tls(&s3.st, tls_new_connect(&r.tls, tls[1], "127.0.0.1", why,
								  sizeof why)), 0);
	/* s1 reads at once: its bytes wait for s2's handshake. */
	stream_start_reading(&s1.st);
	w.fd = plain[1];
	pg_buf_init(&w.out);
	pg_buf_init(&w.expect);
	for (uint32_t i = 0; i < MESSAGES; i++) {
		put_message(&w.out, i);
		put_message(&w.expect, i);
		put_message(stream_out(&s3.st), i);
	}
	w.ev = event_new(r.base, w.fd, EV_WRITE | EV_PERSIST, raw_on_event, &w);
	event_add(w.ev, NULL);
	r.waiting = 2;            /* both TLS ends ready */
	run_loop(r.base, 10000);
	ck_assert_int_eq(s2.ready + s3.ready, 2);
	stream_send_out(&s3.st);
	r.waiting = 2;            /* s3 checked every message, raw read every byte */
	run_loop(r.base, 30000);
	ck_assert_msg(!s1.failed && !s2.failed && !s3.failed, "%s%s%s", s1.reason, s2.reason,
		      s3.reason);
	ck_assert_uint_eq(s3.next_seq, MESSAGES);
	ck_assert_uint_eq(w.read, w.expect.len);
	ck_assert_uint_eq(s2.st.bytes_in, w.expect.len);
	ck_assert_uint_eq(s2.st.bytes_out, w.out.len);
	ck_assert_ptr_null(s2.st.in);   /* all sent: no buffer held */
	stream_close(&s1.st);
	stream_close(&s2.st);
	stream_close(&s3.st);
	ck_assert_uint_eq(r.buffers.in_use, 0);
	event_free(w.ev);
	pg_buf_fini(&w.out);
	pg_buf_fini(&w.expect);
	close(plain[1]);
	rig_fini(&r);
}
END_TEST

/* The accepting side's start, as the client does it: SSLRequest handled,
 * 'S' sent, handshake started from the handler. A client that sends
 * bytes right after its SSLRequest is refused; one that waits for 'S'
 * gets its handshake. */
START_TEST(test_ssl_request_then_handshake)
{
	static const uint8_t request[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	struct rig r;
	struct end a;
	int fds[2];
	uint8_t byte = 0;
	char why[256];
	bool pipelined = _i == 1;
	rig_init(&r, TLS_TEST_ACCEPT " server_tls_sslmode=require");
	tls_test_pair(fds, 0);
	end_init(&a, &r, fds[0]);
	a.st.startup = true;
	a.start_tls_on_ssl_request = true;
	uint8_t wire[sizeof request + 5];
	memcpy(wire, request, sizeof request);
	memcpy(wire + sizeof request, "junk!", 5);
	size_t len = sizeof request + (pipelined ? 5 : 0);
	ck_assert_int_eq(write(fds[1], wire, len), (ssize_t)len);
	stream_start_reading(&a.st);
	r.waiting = 1;
	run_loop(r.base, pipelined ? 1000 : 100);
	if (pipelined) {
		ck_assert(a.failed);
		ck_assert_int_eq(a.err, -1);
		ck_assert_str_eq(a.reason, "received unencrypted data after SSL request");
		/* 'S' was sent, nothing after it: no plaintext error mid-handshake. */
		ck_assert_int_eq(read(fds[1], &byte, 1), 1);
		ck_assert_int_eq(byte, 'S');
		ck_assert_int_eq(read(fds[1], &byte, 1), 0);
	} else {
		ck_assert(!a.failed);
		ck_assert_int_eq(read(fds[1], &byte, 1), 1);
		ck_assert_int_eq(byte, 'S');
		SSL *c = tls_new_connect(&r.tls, fds[1], "127.0.0.1", why, sizeof why);
		enum tls_io res;
		for (int i = 0; i < 100 && (res = tls_handshake(c, why, sizeof why)) != TLS_IO_OK; i++)
			run_loop(r.base, 10);
		ck_assert_int_eq(res, TLS_IO_OK);
		run_loop(r.base, 50);
		ck_assert_int_eq(a.ready, 1);
		ck_assert_int_eq(a.st.tls, STREAM_TLS_ON);
		tls_free(c);
		stream_close(&a.st);
	}
	close(fds[1]);
	rig_fini(&r);
}
END_TEST

/* The answer to our SSLRequest is one byte; what follows stays unread. */
START_TEST(test_tls_answer_one_byte)
{
	struct rig r;
	struct end c;
	int fds[2];
	char rest[8] = "";
	rig_init(&r, "server_tls_sslmode=require");
	tls_test_pair(fds, 0);
	end_init(&c, &r, fds[0]);
	pg_startup_build_ssl_request(stream_out(&c.st));
	stream_send_out(&c.st);
	stream_expect_tls_answer(&c.st);
	ck_assert_int_eq(read(fds[1], rest, sizeof rest), PG_SSL_REQUEST_LEN);
	ck_assert_int_eq(write(fds[1], "Sxyz", 4), 4);
	r.waiting = 1;
	run_loop(r.base, 1000);
	ck_assert_int_eq(c.answer, 'S');
	ck_assert_int_eq(c.st.tls, STREAM_TLS_OFF);
	ck_assert_int_eq(recv(fds[0], rest, sizeof rest, 0), 3);
	ck_assert_int_eq(memcmp(rest, "xyz", 3), 0);
	stream_close(&c.st);
	close(fds[1]);
	rig_fini(&r);
}
END_TEST

/* A handshake that fails is an on_error with OpenSSL's reason; a peer's
 * close_notify after a good one is an end of file (err 0). */
START_TEST(test_tls_failures)
{
	struct rig r;
	struct end a, c;
	int fds[2];
	char why[256];
	rig_init(&r, TLS_TEST_ACCEPT " server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt");
	tls_test_pair(fds, 0);
	end_init(&a, &r, fds[0]);
	end_init(&c, &r, fds[1]);
	ck_assert_int_eq(stream_start_tls(&a.st, tls_new_accept(&r.tls, fds[0])), 0);
	ck_assert_int_eq(stream_start_tls(&c.st, tls_new_connect(&r.tls, fds[1], "db.other.example",
								 why, sizeof why)), 0);
	run_loop(r.base, 2000);
	ck_assert(c.failed);
	ck_assert_int_eq(c.err, -1);
	ck_assert_str_eq(c.reason, "TLS handshake failed: certificate verify failed: hostname mismatch");
	run_loop(r.base, 200);
	ck_assert(a.failed);     /* the alert, or the close */
	ck_assert_int_eq(c.ready + a.ready, 0);

	tls_test_pair(fds, 0);
	end_init(&a, &r, fds[0]);
	end_init(&c, &r, fds[1]);
	ck_assert_int_eq(stream_start_tls(&a.st, tls_new_accept(&r.tls, fds[0])), 0);
	ck_assert_int_eq(stream_start_tls(&c.st, tls_new_connect(&r.tls, fds[1], "localhost", why,
								 sizeof why)), 0);
	r.waiting = 2;
	run_loop(r.base, 2000);
	ck_assert_int_eq(a.ready + c.ready, 2);
	stream_close(&c.st);    /* sends close_notify */
	run_loop(r.base, 1000);
	ck_assert(a.failed);
	ck_assert_int_eq(a.err, 0);
	rig_fini(&r);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tls_test_make_certs();
	Suite *s = suite_create("stream_tls");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_forward_through_tls);
	tcase_add_loop_test(tc, test_ssl_request_then_handshake, 0, 2);
	tcase_add_test(tc, test_tls_answer_one_byte);
	tcase_add_test(tc, test_tls_failures);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tls_test_remove_certs();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
