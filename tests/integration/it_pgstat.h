/* it_pgstat: watching what corral does to the harness PostgreSQL through
 * pg_stat_activity, over a direct connection (it_pq_connect_direct):
 * counting the backends that match a condition, and waiting, bounded, for
 * that count to reach a value. Conditions are SQL text the test builds
 * from its own pids, tokens and names; nothing here quotes them. */
#ifndef CORRAL_TESTS_INTEGRATION_IT_PGSTAT_H
#define CORRAL_TESTS_INTEGRATION_IT_PGSTAT_H

#include <libpq-fe.h>
#include <stdint.h>

/* How many rows of pg_stat_activity satisfy `where` (an SQL condition)
 * now. Fails the test when the query fails. */
long long it_pgstat_count(PGconn *direct, const char *where);

/* Polls it_pgstat_count every 10 ms until it equals want; returns how
 * long that took, in ms. Fails the test, with the last count, when it has
 * not happened within max_ms. */
int64_t it_pgstat_wait_count(PGconn *direct, const char *where, long long want, int max_ms);

#endif
