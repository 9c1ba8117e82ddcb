/* it_pgstat: pg_stat_activity counts for the pooler integration tests
 * (see it_pgstat.h). Each count is a statement of its own, so it sees a
 * fresh snapshot of the activity view, and counts client backends only:
 * an autovacuum worker visiting a test's new database has its datname too. */
#include "tests/integration/it_pgstat.h"

#include <stdio.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

long long it_pgstat_count(PGconn *direct, const char *where)
{
	char sql[1024];
	int n = snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity "
			 "WHERE backend_type = 'client backend' AND (%s)", where);
	ck_assert_msg(n > 0 && (size_t)n < sizeof sql, "condition too long: %s", where);
	return it_pq_int(direct, sql);
}

int64_t it_pgstat_wait_count(PGconn *direct, const char *where, long long want, int max_ms)
{
	int64_t start = it_now_ms();
	for (;;) {
		long long n = it_pgstat_count(direct, where);
		int64_t waited = it_now_ms() - start;
		if (n == want)
			return waited;
		ck_assert_msg(waited < max_ms, "pg_stat_activity: %lld backends where %s after "
			      "%d ms, expected %lld", n, where, max_ms, want);
		it_sleep_ms(10);
	}
}
