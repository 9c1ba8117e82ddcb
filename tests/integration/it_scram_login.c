/* Integration test: protocol/pg_scram_client logs in to a real PostgreSQL
 * (the one tests/harness starts with scram-sha-256 for every connection)
 * over a plain TCP socket, then runs SELECT 1. Also: a wrong password is
 * refused with 28P01, the keys cached from one login log in again without
 * the password, and PostgreSQL's own stored verifier parses and matches
 * our key derivation. Without the harness's PG* variables every test fails
 * and says how to run it. Socket handling is the minimum a test needs. */
#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_scram.h"
#include "protocol/pg_secret.h"
#include "protocol/pg_startup.h"

#define MAX_MESSAGE (1u << 20)

struct env {
	const char *host, *port, *user, *password, *database;
};

struct conn {
	int fd;
	struct pg_buf in;   /* received bytes; the last frame handed out starts at 0 */
	size_t used;        /* bytes of `in` the last frame occupied */
};

/* What a refused login said. */
struct refusal {
	char sqlstate[6];
	char message[256];
};

static struct env require_env(void)
{
	struct env e = { getenv("PGHOST"), getenv("PGPORT"), getenv("PGUSER"),
			 getenv("PGPASSWORD"), getenv("PGDATABASE") };
	if (e.host == NULL || e.port == NULL || e.user == NULL || e.password == NULL ||
	    e.database == NULL)
		ck_abort_msg("PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE must be set: "
			     "run via scripts/test (tests/harness starts PostgreSQL)");
	return e;
}

static void conn_open(struct conn *c, const struct env *e)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int rc = getaddrinfo(e->host, e->port, &hints, &ai);
	ck_assert_msg(rc == 0, "getaddrinfo(%s, %s): %s", e->host, e->port, gai_strerror(rc));
	c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	ck_assert_msg(c->fd >= 0, "socket: %s", strerror(errno));
	/* A server that stops answering fails the test instead of hanging it. */
	struct timeval tv = { .tv_sec = 10 };
	ck_assert_int_eq(setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	ck_assert_msg(connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0, "connect to %s:%s: %s",
		      e->host, e->port, strerror(errno));
	freeaddrinfo(ai);
	pg_buf_init(&c->in);
	c->used = 0;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	pg_buf_fini(&c->in);
}

/* Sends all of b and empties it. */
static void conn_send(struct conn *c, struct pg_buf *b)
{
	for (size_t off = 0; off < b->len;) {
		ssize_t n = send(c->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		off += (size_t)n;
	}
	pg_buf_reset(b);
}

/* The next whole message from the server. Its body is a view into c->in,
 * valid until the next call. */
static struct pg_frame conn_next(struct conn *c)
{
	if (c->used > 0) {
		memmove(c->in.data, c->in.data + c->used, c->in.len - c->used);
		c->in.len -= c->used;
		c->used = 0;
	}
	for (;;) {
		struct pg_reader r;
		struct pg_frame f;
		pg_reader_init(&r, c->in.data, c->in.len);
		enum pg_result res = pg_frame_read(&r, MAX_MESSAGE, &f);
		if (res == PG_OK) {
			c->used = r.pos;
			return f;
		}
		ck_assert_msg(res == PG_NEED_MORE, "malformed message from the server: %s",
			      r.err_reason);
		pg_buf_reserve(&c->in, 8192);
		ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
		ck_assert_msg(n > 0, "reading from the server: %s",
			      n == 0 ? "connection closed" : strerror(errno));
		c->in.len += (size_t)n;
	}
}

static void read_refusal(const struct pg_frame *f, struct refusal *out)
{
	struct pg_reader r;
	struct pg_backend_diag d;
	ck_assert_int_eq(pg_backend_read_error(f, &r, &d), PG_OK);
	snprintf(out->sqlstate, sizeof out->sqlstate, "%s", d.sqlstate);
	snprintf(out->message, sizeof out->message, "%s", d.message);
}

/* The next message as an Authentication request with `code` (true), or
 * an ErrorResponse (false, *why filled). Anything else fails the test. */
static bool expect_auth(struct conn *c, uint32_t code, struct pg_backend_auth *auth,
			struct refusal *why)
{
	struct pg_frame f = conn_next(c);
	if (f.type == PG_BE_ERROR) {
		read_refusal(&f, why);
		return false;
	}
	ck_assert_msg(f.type == PG_BE_AUTH, "expected Authentication, got message '%c'", f.type);
	struct pg_reader r;
	ck_assert_int_eq(pg_backend_read_auth(&f, &r, auth), PG_OK);
	ck_assert_msg(auth->code == code, "expected authentication code %u, got %u "
		      "(the harness must require scram-sha-256)", code, auth->code);
	return true;
}

static bool offers_scram(const struct pg_backend_auth *auth)
{
	struct pg_backend_mechanisms it = auth->mechanisms;
	const char *name;
	while (pg_backend_mechanisms_next(&it, &name))
		if (strcmp(name, PG_SCRAM_MECHANISM) == 0)
			return true;
	return false;
}

/* Sends StartupMessage and runs the SASL exchange with client *sc (fresh
 * from an _init). true: AuthenticationOk arrived. false: the server refused
 * (*why). Any protocol surprise fails the test. */
static bool scram_login(struct conn *c, const struct env *e, struct pg_scram_client *sc,
			struct refusal *why)
{
	struct pg_buf out, msg;
	pg_buf_init(&out);
	pg_buf_init(&msg);
	const struct pg_startup_param params[] = { { "user", e->user }, { "database", e->database } };
	pg_startup_build(&out, PG_PROTOCOL_3_0, params, 2);
	conn_send(c, &out);
	struct pg_backend_auth auth;
	bool ok = expect_auth(c, PG_AUTH_SASL, &auth, why);
	if (ok) {
		ck_assert_msg(offers_scram(&auth), "server does not offer " PG_SCRAM_MECHANISM);
		char nonce[PG_SCRAM_NONCE_LEN + 1];
		ck_assert_int_eq(pg_scram_random_nonce(nonce), 0);
		ck_assert_int_eq(pg_scram_client_first(sc, "", nonce, &msg), PG_SCRAM_OK);
		pg_frontend_put_sasl_initial(&out, PG_SCRAM_MECHANISM, msg.data, (int32_t)msg.len);
		conn_send(c, &out);
		ok = expect_auth(c, PG_AUTH_SASL_CONTINUE, &auth, why);
	}
	if (ok) {
		pg_buf_reset(&msg);
		enum pg_scram_result res = pg_scram_client_handle_first(sc, auth.data, auth.data_len, &msg);
		ck_assert_msg(res == PG_SCRAM_OK, "server-first: %s", sc->err_reason);
		pg_frontend_put_sasl_response(&out, msg.data, msg.len);
		conn_send(c, &out);
		ok = expect_auth(c, PG_AUTH_SASL_FINAL, &auth, why);
	}
	if (ok) {
		enum pg_scram_result res = pg_scram_client_handle_final(sc, auth.data, auth.data_len);
		ck_assert_msg(res == PG_SCRAM_OK, "server-final: %s", sc->err_reason);
		ok = expect_auth(c, PG_AUTH_OK, &auth, why);
	}
	pg_buf_fini(&msg);
	pg_buf_fini(&out);
	return ok;
}

/* After AuthenticationOk: skips ParameterStatus, BackendKeyData and
 * notices up to ReadyForQuery, which must say idle. */
static void expect_ready(struct conn *c)
{
	for (;;) {
		struct pg_frame f = conn_next(c);
		struct pg_reader r;
		if (f.type == PG_BE_ERROR) {
			struct refusal why;
			read_refusal(&f, &why);
			ck_abort_msg("ErrorResponse %s after login: %s", why.sqlstate, why.message);
		}
		if (f.type != PG_BE_READY_FOR_QUERY) {
			ck_assert_msg(f.type == PG_BE_PARAMETER_STATUS || f.type == PG_BE_BACKEND_KEY_DATA ||
				      f.type == PG_BE_NOTICE, "unexpected message '%c' before ReadyForQuery",
				      f.type);
			continue;
		}
		enum pg_tx_status st;
		ck_assert_int_eq(pg_backend_read_ready_for_query(&f, &r, &st), PG_OK);
		ck_assert_int_eq(st, PG_TX_IDLE);
		return;
	}
}

/* Runs a simple query returning one row of one text column; copies the
 * value (NUL-terminated) into out. */
static void query_one(struct conn *c, const char *sql, char *out, size_t out_size)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_query(&b, sql);
	conn_send(c, &b);
	pg_buf_fini(&b);
	struct pg_frame f = conn_next(c);
	ck_assert_msg(f.type == PG_BE_ROW_DESCRIPTION, "%s: expected RowDescription, got '%c'", sql, f.type);
	f = conn_next(c);
	ck_assert_msg(f.type == PG_BE_DATA_ROW, "%s: expected DataRow, got '%c'", sql, f.type);
	struct pg_reader r;
	struct pg_values row;
	struct pg_value v;
	ck_assert_int_eq(pg_backend_read_data_row(&f, &r, &row), PG_OK);
	ck_assert_uint_eq(row.count, 1);
	ck_assert(pg_values_next(&row, &v));
	ck_assert_int_ge(v.len, 0);
	ck_assert_uint_lt((size_t)v.len, out_size);
	memcpy(out, v.data, (size_t)v.len);
	out[v.len] = '\0';
	f = conn_next(c);
	ck_assert_msg(f.type == PG_BE_COMMAND_COMPLETE, "%s: expected CommandComplete, got '%c'", sql, f.type);
	f = conn_next(c);
	ck_assert_int_eq(f.type, PG_BE_READY_FOR_QUERY);
}

static void terminate(struct conn *c)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_terminate(&b);
	conn_send(c, &b);
	pg_buf_fini(&b);
	conn_close(c);
}

START_TEST(test_login_select_1)
{
	struct env e = require_env();
	struct conn c;
	struct pg_scram_client sc;
	struct refusal why;
	conn_open(&c, &e);
	pg_scram_client_init_password(&sc, e.password);
	ck_assert_msg(scram_login(&c, &e, &sc, &why), "login refused: %s %s", why.sqlstate, why.message);
	ck_assert_int_eq(sc.phase, PG_SCRAM_CLIENT_DONE);
	pg_scram_client_fini(&sc);
	expect_ready(&c);
	char value[16];
	query_one(&c, "SELECT 1", value, sizeof value);
	ck_assert_str_eq(value, "1");
	terminate(&c);
}
END_TEST

START_TEST(test_wrong_password_28P01)
{
	struct env e = require_env();
	struct conn c;
	struct pg_scram_client sc;
	struct refusal why;
	conn_open(&c, &e);
	char wrong[256];
	snprintf(wrong, sizeof wrong, "%s-wrong", e.password);
	pg_scram_client_init_password(&sc, wrong);
	ck_assert(!scram_login(&c, &e, &sc, &why));
	ck_assert_str_eq(why.sqlstate, "28P01");
	/* Refused after our proof, not earlier. */
	ck_assert_int_eq(sc.phase, PG_SCRAM_CLIENT_WAIT_SERVER_FINAL);
	pg_scram_client_fini(&sc);
	conn_close(&c);
}
END_TEST

/* The verifier and ClientKey a password login leaves behind log in again
 * with no password and no PBKDF2: the cache and passthrough path. */
START_TEST(test_ready_keys_login)
{
	struct env e = require_env();
	struct conn c;
	struct pg_scram_client sc;
	struct refusal why;
	conn_open(&c, &e);
	pg_scram_client_init_password(&sc, e.password);
	ck_assert(scram_login(&c, &e, &sc, &why));
	struct pg_scram_verifier v = sc.verifier;
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	memcpy(client_key, sc.keys.client_key, PG_SCRAM_KEY_LEN);
	pg_scram_client_fini(&sc);
	expect_ready(&c);
	terminate(&c);

	conn_open(&c, &e);
	pg_scram_client_init_keys(&sc, &v, client_key);
	ck_assert_msg(scram_login(&c, &e, &sc, &why), "login refused: %s %s", why.sqlstate, why.message);
	pg_scram_client_fini(&sc);
	expect_ready(&c);
	terminate(&c);
}
END_TEST

/* PostgreSQL's own stored secret is a verifier we parse, and deriving keys
 * from the password with its salt and iterations gives its keys. */
START_TEST(test_postgres_verifier_matches)
{
	struct env e = require_env();
	struct conn c;
	struct pg_scram_client sc;
	struct refusal why;
	conn_open(&c, &e);
	pg_scram_client_init_password(&sc, e.password);
	ck_assert(scram_login(&c, &e, &sc, &why));
	pg_scram_client_fini(&sc);
	expect_ready(&c);
	char text[PG_SCRAM_VERIFIER_SIZE];
	query_one(&c, "SELECT rolpassword FROM pg_authid WHERE rolname = current_user", text,
		  sizeof text);
	terminate(&c);

	ck_assert_int_eq(pg_secret_kind(text), PG_SECRET_SCRAM);
	struct pg_scram_verifier v;
	const char *reason = NULL;
	ck_assert_msg(pg_scram_verifier_parse(text, &v, &reason) == 0, "%s: %s", text, reason);
	struct pg_scram_keys k;
	ck_assert_int_eq(pg_scram_keys_derive(e.password, v.salt, v.salt_len, v.iterations, &k), 0);
	ck_assert_mem_eq(k.stored_key, v.stored_key, PG_SCRAM_KEY_LEN);
	ck_assert_mem_eq(k.server_key, v.server_key, PG_SCRAM_KEY_LEN);
	char again[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&v, again);
	ck_assert_str_eq(again, text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_scram_login");
	TCase *tc = tcase_create("postgres");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_login_select_1);
	tcase_add_test(tc, test_wrong_password_28P01);
	tcase_add_test(tc, test_ready_keys_login);
	tcase_add_test(tc, test_postgres_verifier_matches);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
