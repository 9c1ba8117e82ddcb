/* it_bad_input: what corral does with clients that are wrong or hostile
 * (it_bad_input.sh: database it_bad, auth_type = plain so raw logins can
 * answer the password request, max_packet_size = 64 kB,
 * client_login_timeout = 1 s). Each case, table-driven, runs while a
 * victim client's query is in flight: wrong password (28P01), unknown
 * database (3D000), unknown user, malformed startup packets (unterminated
 * parameters, protocol 2.0, no user, a length too large or too small),
 * an HTTP request, random bytes, and after a good login an oversized
 * message, an unknown message type and a length below 4. Each must get a
 * FATAL ErrorResponse with the expected SQLSTATE and be closed; the
 * victim's query must finish with its own row and a new client must log
 * in. Also: a silent or half-sent startup is closed after
 * client_login_timeout, and an SSLRequest is answered 'N' and the login
 * then works. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define DB "it_bad"
/* A string literal's bytes without its terminating NUL. */
#define BODY(lit) (lit), (sizeof(lit) - 1)

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sends a startup-phase packet: length (0: the true one) then body. */
static void send_packet(struct it_raw *r, uint32_t length, const char *body, size_t n)
{
	uint8_t len[4];
	put_u32(len, length ? length : (uint32_t)(4 + n));
	it_raw_send(r, len, sizeof len);
	it_raw_send(r, body, n);
}

static void login_ready(struct it_raw *r)
{
	it_raw_login(r, DB, it_env("PGUSER"), it_env("PGPASSWORD"));
	it_raw_wait_ready(r);
}

static void wrong_password(struct it_raw *r)
{
	it_raw_login(r, DB, it_env("PGUSER"), "not-the-password");
}

static void unknown_database(struct it_raw *r)
{
	it_raw_login(r, "it_no_such_db", it_env("PGUSER"), it_env("PGPASSWORD"));
}

static void unknown_user(struct it_raw *r)
{
	it_raw_login(r, DB, "it_no_such_user", it_env("PGPASSWORD"));
}

static void unterminated_params(struct it_raw *r)
{
	send_packet(r, 0, BODY("\x00\x03\x00\x00" "user\0corral_test"));
	it_raw_next(r);
}

static void protocol_2(struct it_raw *r)
{
	send_packet(r, 0, BODY("\x00\x02\x00\x00" "user\0corral_test\0\0"));
	it_raw_next(r);
}

static void no_user(struct it_raw *r)
{
	send_packet(r, 0, BODY("\x00\x03\x00\x00" "database\0" DB "\0\0"));
	it_raw_next(r);
}

static void startup_too_long(struct it_raw *r)
{
	send_packet(r, 0x7fffffff, BODY("\x00\x03\x00\x00"));
	it_raw_next(r);
}

static void startup_too_short(struct it_raw *r)
{
	send_packet(r, 4, BODY(""));
	it_raw_next(r);
}

static void http_request(struct it_raw *r)
{
	it_raw_send(r, BODY("GET / HTTP/1.1\r\nHost: corral\r\n\r\n"));
	it_raw_next(r);
}

/* 64 bytes that claim to be a 64-byte packet, with a nonsense protocol
 * code; the rest from a fixed xorshift sequence, the same on every run. */
static void random_bytes(struct it_raw *r)
{
	uint8_t b[64];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof b; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	put_u32(b, sizeof b);
	b[4] = 0x7e;
	it_raw_send(r, b, sizeof b);
	it_raw_next(r);
}

static void oversized_message(struct it_raw *r)
{
	login_ready(r);
	it_raw_send(r, BODY("Q\x05\xf5\xe1\x00"));  /* 100,000,000 bytes announced */
	it_raw_next(r);
}

static void unknown_message(struct it_raw *r)
{
	login_ready(r);
	it_raw_send(r, BODY("\x01\x00\x00\x00\x08" "abcd"));
	it_raw_next(r);
}

static void length_below_4(struct it_raw *r)
{
	login_ready(r);
	it_raw_send(r, BODY("Q\x00\x00\x00\x02"));
	it_raw_next(r);
}

struct bad_case {
	const char *name;
	void (*provoke)(struct it_raw *r);   /* leaves corral's answer current */
	const char *sqlstates;
	const char *part;
};

static const struct bad_case bad_cases[] = {
	{ "wrong password", wrong_password, "28P01", "authentication failed" },
	{ "unknown database", unknown_database, "3D000", "it_no_such_db" },
	{ "unknown user", unknown_user, "28P01 28000", NULL },
	{ "unterminated startup parameters", unterminated_params, "08P01", NULL },
	{ "protocol 2.0", protocol_2, "08P01 0A000", NULL },
	{ "startup without user", no_user, "08P01 28000", NULL },
	{ "startup length 2^31-1", startup_too_long, "08P01", NULL },
	{ "startup length 4", startup_too_short, "08P01", NULL },
	{ "an HTTP request", http_request, "08P01", NULL },
	{ "random bytes", random_bytes, "08P01 0A000", NULL },
	{ "a 100 MB message after login", oversized_message, "08P01", NULL },
	{ "message type 0x01 after login", unknown_message, "08P01", NULL },
	{ "message length 2 after login", length_below_4, "08P01", NULL },
};

START_TEST(test_bad_input_spares_others)
{
	const struct bad_case *bc = &bad_cases[_i];
	fprintf(stderr, "case %d: %s\n", _i, bc->name);
	char token[IT_TOKEN_SIZE], sql[96];
	it_token(token);
	snprintf(sql, sizeof sql, "SELECT pg_sleep(0.5), '%s'", token);
	PGconn *victim = it_pq_connect(DB, "");
	ck_assert(PQsendQuery(victim, sql));
	int64_t sent = it_now_ms();

	struct it_raw r;
	it_raw_open(&r);
	bc->provoke(&r);
	it_raw_expect_error(&r, bc->sqlstates, bc->part);
	it_raw_close(&r);

	PGresult *res;
	ck_assert(it_pq_collect(victim, it_now_ms() + IT_WAIT_MS, &res) == 0 && res != NULL);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "the victim's query: %s",
		      PQresultErrorMessage(res));
	ck_assert_str_eq(PQgetvalue(res, 0, 1), token);
	ck_assert_int_ge(it_now_ms() - sent, 450);
	PQclear(res);
	PQfinish(victim);
	PGconn *next = it_pq_connect(DB, "");
	it_pq_exec_ok(next, "SELECT 1");
	PQfinish(next);
}
END_TEST

/* Closed by client_login_timeout (1 s) once `prefix` (may be empty) was
 * all it sent. Timed from before the connect: corral's timer starts at
 * its accept, which cannot come earlier, while a test descheduled after
 * sending would otherwise see the close come "early". */
static void expect_login_timeout(const char *prefix, size_t n)
{
	struct it_raw r;
	int64_t start = it_now_ms();
	it_raw_open(&r);
	it_raw_send(&r, prefix, n);
	(void)it_raw_expect_eof(&r, 3000);
	int64_t took = it_now_ms() - start;
	ck_assert_msg(took >= 900 && took <= 1600, "closed after %lld ms, expected about "
		      "1000 (client_login_timeout)", (long long)took);
	it_raw_close(&r);
}

START_TEST(test_silent_client_closed)
{
	expect_login_timeout(BODY(""));
}
END_TEST

START_TEST(test_half_startup_closed)
{
	expect_login_timeout(BODY("\x00\x00\x00\x40\x00\x03"));
}
END_TEST

START_TEST(test_ssl_request_answered_n)
{
	struct it_raw r;
	it_raw_open(&r);
	send_packet(&r, 0, BODY("\x04\xd2\x16\x2f"));  /* SSLRequest: 1234.5679 */
	uint8_t answer = it_raw_byte(&r);
	ck_assert_msg(answer == 'N', "SSLRequest answered 0x%02x, expected 'N'", answer);
	login_ready(&r);
	it_raw_send(&r, BODY("Q\x00\x00\x00\x0d" "SELECT 1\0"));
	static const char replies[] = "TDCZ";
	for (size_t i = 0; i < sizeof replies - 1; i++)
		ck_assert_int_eq(it_raw_next(&r), replies[i]);
	it_raw_close(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_bad_input");
	TCase *tc = tcase_create("bad_input");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_bad_input_spares_others, 0,
			    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("login");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_silent_client_closed);
	tcase_add_test(tc, test_half_startup_closed);
	tcase_add_test(tc, test_ssl_request_answered_n);
	suite_add_tcase(s, tc);
	return it_run(s);
}
