/* it_query_wait_timeout: the queue's bound (it_query_wait_timeout.sh:
 * database it_wait, transaction mode, a pool of 1, query_wait_timeout =
 * 1 s). A holder keeps the only server busy with pg_sleep(2.5). Five
 * waiters queue 100 ms apart; each must get FATAL 08P01 "query_wait_timeout"
 * and a closed connection between 1 s (less 20 ms of clock slack) and
 * 1 s + 100 ms after its own query, which only per-connection timers
 * manage. A late client that queues 700 ms before the holder finishes is
 * served, with its own row; the holder's query is unaffected. */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB "it_wait"
#define TIMEOUT_MS 1000
#define LATE_MS 100
#define EARLY_SLACK_MS 20
#define HOLD_SQL_FMT "SELECT pg_sleep(2.5), 'held' /* %s */"
#define WAITERS 5
#define DEADLINE_MS 8000

/* A client whose query is sent at a scheduled time and answered when
 * libpq has all of its results (after an error: when corral closed). */
struct timed {
	const char *name;
	PGconn *conn;
	char sql[128];
	int64_t send_at;     /* ms after t0; ignored once sent */
	int64_t sent;        /* it_now_ms() when sent; 0 until then */
	int64_t answered;    /* it_now_ms() when answered; 0 until then */
	PGresult *result;    /* first error, else last result */
};

static void send_due(struct timed *t, int64_t now)
{
	ck_assert_msg(PQsendQuery(t->conn, t->sql), "%s: %s", t->name, PQerrorMessage(t->conn));
	t->sent = now;
}

static void take_answer(struct timed *t)
{
	t->answered = it_now_ms();
	ck_assert(it_pq_collect(t->conn, t->answered + IT_WAIT_MS, &t->result) == 0);
}

/* Sends each query at t0 + send_at and notes when each is answered, until
 * all are or the deadline passes. */
static void run_schedule(struct timed *ts, int n, int64_t t0)
{
	struct pollfd fds[WAITERS + 2];
	int which[WAITERS + 2];
	for (;;) {
		int64_t now = it_now_ms(), next = t0 + DEADLINE_MS;
		int k = 0, open = 0;
		for (int i = 0; i < n; i++) {
			struct timed *t = &ts[i];
			if (t->sent == 0 && t0 + t->send_at <= now)
				send_due(t, now);
			if (t->sent == 0 && t0 + t->send_at < next)
				next = t0 + t->send_at;
			if (t->answered != 0)
				continue;
			open++;
			if (t->sent != 0) {
				fds[k] = (struct pollfd){ .fd = PQsocket(t->conn), .events = POLLIN };
				which[k++] = i;
			}
		}
		if (open == 0)
			return;
		ck_assert_msg(now < t0 + DEADLINE_MS, "%d queries unanswered after %d ms", open,
			      DEADLINE_MS);
		ck_assert(poll(fds, (nfds_t)k, (int)(next - now)) >= 0);
		for (int j = 0; j < k; j++) {
			struct timed *t = &ts[which[j]];
			if (fds[j].revents != 0 && (!PQconsumeInput(t->conn) || !PQisBusy(t->conn)))
				take_answer(t);
		}
	}
}

static void check_timed_out(const struct timed *t)
{
	int64_t waited = t->answered - t->sent;
	it_pq_check_error(t->result, t->name, "08P01", "query_wait_timeout");
	ck_assert_msg(PQstatus(t->conn) == CONNECTION_BAD, "%s: connection still open after "
		      "the query_wait_timeout error", t->name);
	ck_assert_msg(waited >= TIMEOUT_MS - EARLY_SLACK_MS && waited <= TIMEOUT_MS + LATE_MS,
		      "%s: error after %lld ms, expected %d..%d", t->name, (long long)waited,
		      TIMEOUT_MS - EARLY_SLACK_MS, TIMEOUT_MS + LATE_MS);
	printf("%s: query_wait_timeout after %lld ms\n", t->name, (long long)waited);
}

static void check_row(const struct timed *t, const char *want)
{
	ck_assert_msg(t->result != NULL && PQresultStatus(t->result) == PGRES_TUPLES_OK,
		      "%s: %s", t->name, t->result ? PQresultErrorMessage(t->result) : "no result");
	int col = PQnfields(t->result) - 1;
	ck_assert_str_eq(PQgetvalue(t->result, 0, col), want);
}

START_TEST(test_waiters_time_out_on_time)
{
	static const char *const names[WAITERS] = { "waiter 0", "waiter 1", "waiter 2",
						     "waiter 3", "waiter 4" };
	struct timed ts[WAITERS + 2] = { { .name = "holder" }, { .name = "late client" } };
	char token[IT_TOKEN_SIZE];
	it_token(token);
	snprintf(ts[0].sql, sizeof ts[0].sql, HOLD_SQL_FMT, token);
	snprintf(ts[1].sql, sizeof ts[1].sql, "SELECT 'late'");
	ts[1].send_at = 1800;
	for (int i = 0; i < WAITERS; i++) {
		ts[2 + i].name = names[i];
		snprintf(ts[2 + i].sql, sizeof ts[2 + i].sql, "SELECT 'never %d'", i);
		ts[2 + i].send_at = 100 * i;
	}
	/* Everyone logs in first: a login needs no server. */
	for (int i = 0; i < WAITERS + 2; i++)
		ts[i].conn = it_pq_connect(DB, "");
	PGconn *direct = it_pq_connect_direct();
	send_due(&ts[0], it_now_ms());
	it_pq_wait_active(direct, ts[0].sql);
	run_schedule(ts, WAITERS + 2, it_now_ms());

	check_row(&ts[0], "held");
	check_row(&ts[1], "late");
	ck_assert_msg(ts[1].answered - ts[1].sent >= 300, "the late client was served after "
		      "%lld ms: it should have queued behind the holder",
		      (long long)(ts[1].answered - ts[1].sent));
	for (int i = 0; i < WAITERS; i++)
		check_timed_out(&ts[2 + i]);
	for (int i = 0; i < WAITERS + 2; i++) {
		PQclear(ts[i].result);
		PQfinish(ts[i].conn);
	}
	PQfinish(direct);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_query_wait_timeout");
	TCase *tc = tcase_create("wait");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_waiters_time_out_on_time);
	suite_add_tcase(s, tc);
	return it_run(s);
}
