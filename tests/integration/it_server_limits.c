/* it_server_limits: how many servers corral opens, watched in
 * pg_stat_activity while clients run. it_server_limits.sh creates a role
 * IT_USER (password IT_PASSWORD, also in the auth_file) and databases
 * IT_DB_A and IT_DB_B that only this test uses, starts one corral per
 * case and picks the case with CK_RUN_CASE (all in transaction mode):
 *   max_db     it_lim_db -> IT_DB_A with max_db_connections = 2: 10
 *              clients of two users (two pools) run pg_sleep(0.3); never
 *              more than 2 backends on IT_DB_A, both used;
 *   max_user   it_lim_a/it_lim_b -> IT_DB_A/IT_DB_B, max_user_connections
 *              = 2: 10 clients of IT_USER over both databases and 4 of the
 *              harness user: at most 2 backends per user, more in total;
 *   min_pool   it_lim_min -> IT_DB_B with min_pool_size = 3: 3 backends
 *              within 1 s of the first login, a terminated one replaced,
 *              all kept after the client leaves;
 *   reserve    it_lim_res -> IT_DB_A with pool_size = 1, reserve_pool_size
 *              = 2, reserve_pool_timeout = 0.5: of 4 clients running
 *              pg_sleep(2) at once, one starts at once, two after
 *              0.45..1 s from the reserve, the last when the first ends. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pgstat.h"
#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define MAX_JOBS 16
#define SAMPLE_MS 10

/* One client running one query. */
struct job {
	PGconn *conn;
	int64_t done_ms;    /* after the start; 0 while running */
	PGresult *result;   /* first error, else the last result */
};

/* pg_stat_activity conditions watched while jobs run, and the largest
 * count each reached. */
struct watch {
	const char *where[3];
	long long max[3];
	int n;
};

static void sample(PGconn *direct, struct watch *w)
{
	for (int i = 0; i < w->n; i++) {
		long long c = it_pgstat_count(direct, w->where[i]);
		if (c > w->max[i])
			w->max[i] = c;
	}
}

/* Notes each job whose answer is complete. Returns how many still run. */
static int reap(struct job *jobs, int n, int64_t t0)
{
	struct pollfd fds[MAX_JOBS];
	int which[MAX_JOBS], k = 0, running = 0;
	for (int i = 0; i < n; i++) {
		if (jobs[i].done_ms != 0)
			continue;
		fds[k] = (struct pollfd){ .fd = PQsocket(jobs[i].conn), .events = POLLIN };
		which[k++] = i;
	}
	int ready = poll(fds, (nfds_t)k, SAMPLE_MS);
	ck_assert_msg(ready >= 0 || errno == EINTR, "poll: %s", strerror(errno));
	for (int j = 0; j < k; j++) {
		struct job *jb = &jobs[which[j]];
		if (fds[j].revents != 0 && (!PQconsumeInput(jb->conn) || !PQisBusy(jb->conn))) {
			jb->done_ms = it_now_ms() - t0;
			ck_assert(it_pq_collect(jb->conn, it_now_ms() + IT_WAIT_MS, &jb->result) == 0);
		}
		running += jb->done_ms == 0;
	}
	return running;
}

/* Sends sql on every job's connection at once and samples w every
 * SAMPLE_MS until all are answered (bounded by max_ms). Every job must
 * succeed. */
static void run_jobs(struct job *jobs, int n, const char *sql, PGconn *direct,
		     struct watch *w, int max_ms)
{
	int64_t t0 = it_now_ms();
	for (int i = 0; i < n; i++)
		ck_assert_msg(PQsendQuery(jobs[i].conn, sql), "%s", PQerrorMessage(jobs[i].conn));
	while (reap(jobs, n, t0) > 0) {
		sample(direct, w);
		ck_assert_msg(it_now_ms() - t0 < max_ms, "clients still waiting after %d ms", max_ms);
	}
	for (int i = 0; i < n; i++) {
		PGresult *r = jobs[i].result;
		ck_assert_msg(r != NULL && !it_pq_is_error(r), "client %d: %s", i,
			      r ? PQresultErrorMessage(r) : "no result");
		PQclear(r);
		jobs[i].result = NULL;
	}
	for (int i = 0; i < w->n; i++)
		printf("at most %lld backends where %s\n", w->max[i], w->where[i]);
}

static void finish_jobs(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		PQfinish(jobs[i].conn);
}

/* conninfo extras for the test's own role. */
static const char *role_extra(void)
{
	static char extra[256];
	snprintf(extra, sizeof extra, "user=%s password=%s", it_env("IT_USER"),
		 it_env("IT_PASSWORD"));
	return extra;
}

static long long slowest(const struct job *jobs, int n)
{
	long long m = 0;
	for (int i = 0; i < n; i++)
		if (jobs[i].done_ms > m)
			m = jobs[i].done_ms;
	return m;
}

START_TEST(test_max_db)
{
	char on_db[128];
	snprintf(on_db, sizeof on_db, "datname = '%s'", it_env("IT_DB_A"));
	struct watch w = { .where = { on_db }, .n = 1 };
	struct job jobs[10] = { 0 };
	for (int i = 0; i < 10; i++)
		jobs[i].conn = it_pq_connect("it_lim_db", i % 2 ? role_extra() : "");
	PGconn *direct = it_pq_connect_direct();
	run_jobs(jobs, 10, "SELECT pg_sleep(0.3)", direct, &w, 10000);
	ck_assert_msg(w.max[0] <= 2, "%lld backends on one database at once; "
		      "max_db_connections is 2", w.max[0]);
	ck_assert_msg(w.max[0] == 2, "only %lld backend used; max_db_connections allows 2",
		      w.max[0]);
	/* 10 queries of 0.3 s, 2 at a time. */
	ck_assert_msg(slowest(jobs, 10) >= 1400, "all done after %lld ms: more than 2 ran at once",
		      slowest(jobs, 10));
	finish_jobs(jobs, 10);
	PQfinish(direct);
}
END_TEST

START_TEST(test_max_user)
{
	const char *a = it_env("IT_DB_A"), *b = it_env("IT_DB_B");
	char by_role[128], by_harness[192], total[192];
	snprintf(by_role, sizeof by_role, "usename = '%s'", it_env("IT_USER"));
	snprintf(by_harness, sizeof by_harness, "usename = current_user AND datname IN ('%s', '%s')",
		 a, b);
	snprintf(total, sizeof total, "datname IN ('%s', '%s')", a, b);
	struct watch w = { .where = { by_role, by_harness, total }, .n = 3 };
	struct job jobs[14] = { 0 };
	for (int i = 0; i < 10; i++)
		jobs[i].conn = it_pq_connect(i % 2 ? "it_lim_a" : "it_lim_b", role_extra());
	for (int i = 10; i < 14; i++)
		jobs[i].conn = it_pq_connect("it_lim_a", "");
	PGconn *direct = it_pq_connect_direct();
	run_jobs(jobs, 14, "SELECT pg_sleep(0.3)", direct, &w, 10000);
	ck_assert_msg(w.max[0] <= 2 && w.max[1] <= 2, "%lld and %lld backends for two users at "
		      "once; max_user_connections is 2", w.max[0], w.max[1]);
	ck_assert_msg(w.max[0] == 2, "only %lld backend for %s; max_user_connections allows 2",
		      w.max[0], it_env("IT_USER"));
	ck_assert_msg(w.max[2] > 2, "never more than %lld backends in all: the limit is per "
		      "user", w.max[2]);
	ck_assert_msg(slowest(jobs, 10) >= 1400, "%s's 10 queries done after %lld ms: more than "
		      "2 ran at once", it_env("IT_USER"), slowest(jobs, 10));
	finish_jobs(jobs, 14);
	PQfinish(direct);
}
END_TEST

START_TEST(test_min_pool)
{
	char on_db[128], victim[256];
	snprintf(on_db, sizeof on_db, "datname = '%s'", it_env("IT_DB_B"));
	PGconn *direct = it_pq_connect_direct();
	/* A previous case's backends may still be on their way out. */
	it_pgstat_wait_count(direct, on_db, 0, 5000);
	PGconn *c = it_pq_connect("it_lim_min", "");
	printf("3 servers open %lld ms after the login\n",
	       (long long)it_pgstat_wait_count(direct, on_db, 3, 3000));
	it_sleep_ms(300);
	ck_assert_int_eq(it_pgstat_count(direct, on_db), 3);

	snprintf(victim, sizeof victim, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE %s LIMIT 1", on_db);
	it_pq_exec_ok(direct, victim);
	it_pgstat_wait_count(direct, on_db, 2, 2000);
	printf("back to 3 servers %lld ms after one was terminated\n",
	       (long long)it_pgstat_wait_count(direct, on_db, 3, 2000));

	it_pq_exec_ok(c, "SELECT 1");
	PQfinish(c);
	it_sleep_ms(500);
	ck_assert_msg(it_pgstat_count(direct, on_db) == 3, "min_pool_size servers closed when "
		      "the last client left");
	PQfinish(direct);
}
END_TEST

static int by_done(const void *x, const void *y)
{
	const struct job *a = x, *b = y;
	return (a->done_ms > b->done_ms) - (a->done_ms < b->done_ms);
}

START_TEST(test_reserve)
{
	char on_db[128];
	snprintf(on_db, sizeof on_db, "datname = '%s'", it_env("IT_DB_A"));
	struct watch w = { .where = { on_db }, .n = 1 };
	struct job jobs[4] = { 0 };
	PGconn *direct = it_pq_connect_direct();
	/* A previous case's backends may still be on their way out. */
	it_pgstat_wait_count(direct, on_db, 0, 5000);
	for (int i = 0; i < 4; i++)
		jobs[i].conn = it_pq_connect("it_lim_res", "");
	run_jobs(jobs, 4, "SELECT pg_sleep(2)", direct, &w, 10000);
	qsort(jobs, 4, sizeof jobs[0], by_done);
	for (int i = 0; i < 4; i++)
		printf("client %d: done after %lld ms\n", i, (long long)jobs[i].done_ms);
	ck_assert_msg(jobs[0].done_ms >= 1950 && jobs[0].done_ms <= 2600,
		      "the first client took %lld ms, expected 1950..2600",
		      (long long)jobs[0].done_ms);
	for (int i = 1; i <= 2; i++)
		/* Without the reserve it would start at 2000 ms; the upper bound
		 * leaves room for a slow SCRAM server login on a loaded machine. */
		ck_assert_msg(jobs[i].done_ms >= 2450 && jobs[i].done_ms <= 3500,
			      "client %d started after %lld ms, expected a reserve server after "
			      "450..1500 ms (reserve_pool_timeout 0.5 s)", i,
			      (long long)(jobs[i].done_ms - 2000));
	ck_assert_msg(jobs[3].done_ms >= 3900, "the fourth client was done after %lld ms: the "
		      "reserve holds only 2", (long long)jobs[3].done_ms);
	ck_assert_msg(w.max[0] == 3, "%lld backends at most, expected pool_size 1 + reserve 2",
		      w.max[0]);
	finish_jobs(jobs, 4);
	PQfinish(direct);
}
END_TEST

int main(void)
{
	const struct { const char *name; const TTest *test; } cases[] = {
		{ "max_db", test_max_db }, { "max_user", test_max_user },
		{ "min_pool", test_min_pool }, { "reserve", test_reserve },
	};
	Suite *s = suite_create("it_server_limits");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return it_run(s);
}
