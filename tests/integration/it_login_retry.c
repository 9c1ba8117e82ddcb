/* it_login_retry: clients of a pool whose server cannot be reached or
 * refuses corral's login get an error in bounded time, never a hang.
 * it_login_retry.sh runs corral with auth_type = trust (a client is
 * logged in without a password, so only the server side can fail),
 * server_login_retry = 5 and server_connect_timeout = 1, and picks the
 * case with CK_RUN_CASE:
 *   wrong_password  it_badpw logs in as IT_ROLE with a wrong password:
 *                   the first client gets FATAL 28P01 naming the server
 *                   login; a second one within server_login_retry gets the
 *                   same error in under 200 ms and PostgreSQL sees no new
 *                   login attempt (its log, IT_PG_LOG, does not grow);
 *                   after the window corral tries again;
 *   refused         it_refused points at a port nothing listens on: two
 *                   clients each get a connection error within
 *                   server_connect_timeout + 1 s;
 *   silent          it_silent points at a server that accepts and never
 *                   speaks: the client's error comes within
 *                   server_connect_timeout + 1 s too (PgBouncer's
 *                   server_connect_timeout covers connect and login). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define RETRY_MS 5000
#define CONNECT_TIMEOUT_MS 1000
#define FAST_MS 200
/* A connection error's class. */
#define CONNECTION_STATES "08000 08001 08003 08004 08006"

struct refusal {
	char sqlstate[6];
	char message[256];
	int64_t ms;          /* from connecting to the error */
};

/* Returns once r has a message to read or corral closed it; fails the
 * test, naming db, when nothing comes by deadline. */
static void await(struct it_raw *r, int64_t deadline, const char *db)
{
	if (r->len > r->used)  /* the next message may be buffered already */
		return;
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	int ready;
	do {
		int64_t left = deadline - it_now_ms();
		ready = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (ready < 0 && errno == EINTR);
	ck_assert_msg(ready > 0, "%s: no answer from corral in time: the client hangs", db);
}

static bool login_noise(uint8_t type)
{
	return type == PG_BE_AUTH || type == PG_BE_PARAMETER_STATUS ||
	       type == PG_BE_BACKEND_KEY_DATA || type == PG_BE_NOTICE;
}

/* Logs in to database db as the harness user and expects a FATAL
 * ErrorResponse, then the close, within max_ms of connecting. Fills *out. */
static void expect_refused(const char *db, int max_ms, struct refusal *out)
{
	struct it_raw r;
	int64_t start = it_now_ms();
	it_raw_open(&r);
	it_raw_send_startup(&r, db, it_env("PGUSER"));
	do
		await(&r, start + max_ms, db);
	while (login_noise(it_raw_next(&r)));
	out->ms = it_now_ms() - start;
	ck_assert_msg(r.type == PG_BE_ERROR, "%s: login answered with '%c' (0: closed), "
		      "expected a FATAL error", db, r.type ? r.type : '0');
	struct pg_frame f = { .type = r.type, .len = (uint32_t)r.body_len + 4, .body = r.body,
			      .body_len = r.body_len };
	struct pg_reader rd;
	struct pg_backend_diag d;
	ck_assert_int_eq(pg_backend_read_error(&f, &rd, &d), PG_OK);
	snprintf(out->sqlstate, sizeof out->sqlstate, "%s", d.sqlstate ? d.sqlstate : "");
	snprintf(out->message, sizeof out->message, "%s", d.message ? d.message : "");
	printf("%s: refused after %lld ms: %s %s\n", db, (long long)out->ms, out->sqlstate,
	       out->message);
	it_raw_expect_error(&r, NULL, NULL);  /* FATAL, then the close */
	it_raw_close(&r);
}

/* Lines of the file at path that hold needle. */
static int count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Waits up to 2 s for the log to hold want lines with needle. */
static void wait_log(const char *path, const char *needle, int want)
{
	int64_t deadline = it_now_ms() + 2000;
	int n;
	while ((n = count_lines(path, needle)) < want && it_now_ms() < deadline)
		it_sleep_ms(20);
	ck_assert_msg(n == want, "PostgreSQL logged '%s' %d times, expected %d", needle, n, want);
}

START_TEST(test_wrong_password)
{
	const char *log = it_env("IT_PG_LOG");
	char needle[128];
	snprintf(needle, sizeof needle, "password authentication failed for user \"%s\"",
		 it_env("IT_ROLE"));
	int before = count_lines(log, needle);
	struct refusal first, second, third;

	expect_refused("it_badpw", 5000, &first);
	int64_t failed_at = it_now_ms();
	it_check_diag("the first client", first.sqlstate, first.message, "28P01", "server login");
	it_check_diag("the first client", first.sqlstate, first.message, NULL, needle);
	wait_log(log, needle, before + 1);

	/* Within server_login_retry: the cached error at once, no new login. */
	expect_refused("it_badpw", 5000, &second);
	it_check_diag("a client within server_login_retry", second.sqlstate, second.message,
		      "28P01", needle);
	ck_assert_msg(second.ms < FAST_MS, "the cached error took %lld ms, expected < %d",
		      (long long)second.ms, FAST_MS);
	it_sleep_ms(300);
	ck_assert_msg(count_lines(log, needle) == before + 1, "corral tried the server login "
		      "again within server_login_retry");

	/* After the window, corral tries the server again. */
	it_sleep_ms((int)(RETRY_MS + 200 - (it_now_ms() - failed_at)));
	expect_refused("it_badpw", 5000, &third);
	it_check_diag("a client after server_login_retry", third.sqlstate, third.message,
		      "28P01", needle);
	wait_log(log, needle, before + 2);
}
END_TEST

START_TEST(test_refused)
{
	for (int i = 0; i < 2; i++) {
		struct refusal r;
		expect_refused("it_refused", CONNECT_TIMEOUT_MS + 1000, &r);
		it_check_diag("nothing listens", r.sqlstate, r.message, CONNECTION_STATES, NULL);
	}
}
END_TEST

START_TEST(test_silent)
{
	struct refusal r;
	expect_refused("it_silent", CONNECT_TIMEOUT_MS + 1000, &r);
	it_check_diag("a silent server", r.sqlstate, r.message, CONNECTION_STATES " 08P01", NULL);
}
END_TEST

int main(void)
{
	const struct { const char *name; const TTest *test; } cases[] = {
		{ "wrong_password", test_wrong_password },
		{ "refused", test_refused },
		{ "silent", test_silent },
	};
	Suite *s = suite_create("it_login_retry");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return it_run(s);
}
