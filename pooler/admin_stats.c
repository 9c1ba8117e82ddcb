/* admin_stats: statistics per database as SHOW STATS, STATS_TOTALS,
 * STATS_AVERAGES and TOTALS report them, and the stats_period timer that
 * makes the averages. Pools count as they go (struct pool_stats); every
 * stats_period the timer keeps what each pool added in the period that
 * just ended (pool->stats_period), so averages cost nothing per event and
 * stay steady between ticks. Counts and bytes average per second; times
 * per transaction, query or server assignment, as PgBouncer's do. The
 * timer also writes log_stats's line. */
#include "pooler/admin_priv.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "protocol/pg_backend.h"
#include "util/xalloc.h"

/* What an average divides by. */
enum per {
	PER_SECOND,
	PER_XACT,
	PER_QUERY,
	PER_ASSIGNMENT,
};

/* fields[] rows by name, for the log line. */
enum field_index {
	FIELD_ASSIGNMENTS, FIELD_XACTS, FIELD_QUERIES, FIELD_RECEIVED, FIELD_SENT,
	FIELD_XACT_TIME, FIELD_QUERY_TIME, FIELD_WAIT_TIME, FIELD_CLIENT_PARSES,
	FIELD_SERVER_PARSES, FIELD_BINDS, FIELD_CONNECTS,
};

/* One counter and its names in each SHOW, in PgBouncer's column order. */
static const struct stat_field {
	const char *stats_total;   /* SHOW STATS */
	const char *stats_avg;     /* SHOW STATS */
	const char *totals_col;    /* SHOW STATS_TOTALS */
	const char *averages_col;  /* SHOW STATS_AVERAGES */
	const char *totals_row;    /* SHOW TOTALS: "total_" / "avg_" + this */
	size_t offset;             /* in struct pool_stats */
	enum per per;
} fields[] = {
#define F(st, sa, tc, ac, tr, member, per) \
	{ st, sa, tc, ac, tr, offsetof(struct pool_stats, member), per }
	F("total_server_assignment_count", "avg_server_assignment_count", "server_assignment_count",
	  "server_assignment_count", "server_assignment_count", server_assignment_count, PER_SECOND),
	F("total_xact_count", "avg_xact_count", "xact_count", "xact_count", "xact_count", xact_count,
	  PER_SECOND),
	F("total_query_count", "avg_query_count", "query_count", "query_count", "query_count",
	  query_count, PER_SECOND),
	F("total_received", "avg_recv", "bytes_received", "bytes_received", "client_bytes",
	  bytes_received, PER_SECOND),
	F("total_sent", "avg_sent", "bytes_sent", "bytes_sent", "server_bytes", bytes_sent,
	  PER_SECOND),
	F("total_xact_time", "avg_xact_time", "xact_time", "xact_time", "xact_time", xact_time_us,
	  PER_XACT),
	F("total_query_time", "avg_query_time", "query_time", "query_time", "query_time",
	  query_time_us, PER_QUERY),
	F("total_wait_time", "avg_wait_time", "wait_time", "wait_time", "wait_time", wait_time_us,
	  PER_ASSIGNMENT),
	F("total_client_parse_count", "avg_client_parse_count", "client_parse_count",
	  "avg_client_parse_count", "ps_client_parse_count", ps.client_parses, PER_SECOND),
	F("total_server_parse_count", "avg_server_parse_count", "server_parse_count",
	  "avg_server_parse_count", "ps_server_parse_count", ps.server_parses, PER_SECOND),
	F("total_bind_count", "avg_bind_count", "bind_count", "avg_bind_count", "ps_bind_count",
	  ps.binds, PER_SECOND),
	F("total_client_connect_count", "avg_client_connect_count", "client_connect_count",
	  "client_connect_count", "client_connect_count", client_connect_count, PER_SECOND),
#undef F
};
#define FIELDS (sizeof fields / sizeof fields[0])

static uint64_t get(const struct pool_stats *s, size_t i)
{
	uint64_t v;
	memcpy(&v, (const char *)s + fields[i].offset, sizeof v);
	return v;
}

static void add(struct pool_stats *to, const struct pool_stats *from)
{
	for (size_t i = 0; i < FIELDS; i++) {
		uint64_t v = get(to, i) + get(from, i);
		memcpy((char *)to + fields[i].offset, &v, sizeof v);
	}
}

static void subtract(struct pool_stats *to, const struct pool_stats *a, const struct pool_stats *b)
{
	for (size_t i = 0; i < FIELDS; i++) {
		uint64_t v = get(a, i) - get(b, i);
		memcpy((char *)to + fields[i].offset, &v, sizeof v);
	}
}

/* Field i's average over a period of period_us in which delta was added. */
static uint64_t average(const struct pool_stats *delta, size_t i, uint64_t period_us)
{
	uint64_t by;
	switch (fields[i].per) {
	case PER_SECOND:
		return period_us ? get(delta, i) * 1000000 / period_us : 0;
	case PER_XACT:
		by = delta->xact_count;
		break;
	case PER_QUERY:
		by = delta->query_count;
		break;
	case PER_ASSIGNMENT:
		by = delta->server_assignment_count;
		break;
	default:
		return 0;
	}
	return by ? get(delta, i) / by : 0;
}

/* ---- the period timer ---- */

static void admin_stats_on_period(evutil_socket_t fd, short what, void *arg);

static void arm(struct admin *a)
{
	corral_event_add_us(a->stats_timer, (uint64_t)a->corral->cfg->settings.stats_period);
}

void admin_stats_start(struct admin *a)
{
	a->stats_timer = evtimer_new(a->corral->base, admin_stats_on_period, a);
	a->period_start_us = corral_now_us();
	arm(a);
}

static void log_period(const struct pool_stats *d, uint64_t period_us)
{
	log_info("stats: %" PRIu64 " xacts/s, %" PRIu64 " queries/s, %" PRIu64 " client parses/s, "
		 "%" PRIu64 " server parses/s, %" PRIu64 " binds/s, in %" PRIu64 " B/s, out %" PRIu64
		 " B/s, xact %" PRIu64 " us, query %" PRIu64 " us, wait %" PRIu64 " us",
		 average(d, FIELD_XACTS, period_us), average(d, FIELD_QUERIES, period_us),
		 average(d, FIELD_CLIENT_PARSES, period_us), average(d, FIELD_SERVER_PARSES, period_us),
		 average(d, FIELD_BINDS, period_us), average(d, FIELD_RECEIVED, period_us),
		 average(d, FIELD_SENT, period_us), average(d, FIELD_XACT_TIME, period_us),
		 average(d, FIELD_QUERY_TIME, period_us), average(d, FIELD_WAIT_TIME, period_us));
}

static void admin_stats_on_period(evutil_socket_t fd, short what, void *arg)
{
	struct admin *a = arg;
	uint64_t now = corral_now_us();
	struct pool_stats all;
	memset(&all, 0, sizeof all);
	a->period_us = now - a->period_start_us;
	a->period_start_us = now;
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &a->corral->pools) {
		struct pool *p = list_entry(n, struct pool, node);
		subtract(&p->stats_period, &p->stats, &p->stats_mark);
		p->stats_mark = p->stats;
		add(&all, &p->stats_period);
	}
	if (a->corral->cfg->settings.log_stats)
		log_period(&all, a->period_us);
	arm(a);
}

/* ---- SHOW ---- */

static int by_database(const void *x, const void *y)
{
	const struct pool *const *a = x, *const *b = y;
	return strcmp((*a)->db_name, (*b)->db_name);
}

/* A database's (or everything's) totals and what its last period added. */
struct sums {
	const char *database;
	struct pool_stats total, period;
};

/* Calls row(r, sums, period_us) once per database, in name order. */
static void per_database(const struct admin_request *req, struct admin_result *r,
			 void (*row)(struct admin_result *, const struct sums *, uint64_t))
{
	size_t n = 0, k = 0;
	const struct list_node *it;
	for (it = req->corral->pools.next; it != &req->corral->pools; it = it->next)
		n++;
	struct pool **pools = xcalloc(n + 1, sizeof *pools);
	for (it = req->corral->pools.next; it != &req->corral->pools; it = it->next)
		pools[k++] = list_entry(it, struct pool, node);
	qsort(pools, n, sizeof *pools, by_database);
	for (size_t i = 0; i < n;) {
		struct sums s = { .database = pools[i]->db_name };
		for (; i < n && strcmp(pools[i]->db_name, s.database) == 0; i++) {
			add(&s.total, &pools[i]->stats);
			add(&s.period, &pools[i]->stats_period);
		}
		row(r, &s, req->admin->period_us);
	}
	free(pools);
}

static void stats_row(struct admin_result *r, const struct sums *s, uint64_t period_us)
{
	admin_cell_text(r, s->database);
	for (size_t i = 0; i < FIELDS; i++)
		admin_cell_uint(r, get(&s->total, i));
	for (size_t i = 0; i < FIELDS; i++)
		admin_cell_uint(r, average(&s->period, i, period_us));
	admin_row_end(r);
}

static void totals_row(struct admin_result *r, const struct sums *s, uint64_t period_us)
{
	admin_cell_text(r, s->database);
	for (size_t i = 0; i < FIELDS; i++)
		admin_cell_uint(r, get(&s->total, i));
	admin_row_end(r);
}

static void averages_row(struct admin_result *r, const struct sums *s, uint64_t period_us)
{
	admin_cell_text(r, s->database);
	for (size_t i = 0; i < FIELDS; i++)
		admin_cell_uint(r, average(&s->period, i, period_us));
	admin_row_end(r);
}

/* SHOW TOTALS: one (name, value) row per total and per average, over all
 * databases. */
static void show_totals(const struct admin_request *req, struct admin_result *r)
{
	struct sums all;
	memset(&all, 0, sizeof all);
	for (const struct list_node *it = req->corral->pools.next; it != &req->corral->pools;
	     it = it->next) {
		const struct pool *p = list_entry(it, struct pool, node);
		add(&all.total, &p->stats);
		add(&all.period, &p->stats_period);
	}
	for (int avg = 0; avg < 2; avg++) {
		for (size_t i = 0; i < FIELDS; i++) {
			admin_cell_textf(r, "%s_%s", avg ? "avg" : "total", fields[i].totals_row);
			admin_cell_uint(r, avg ? average(&all.period, i, req->admin->period_us)
					       : get(&all.total, i));
			admin_row_end(r);
		}
	}
}

void admin_show_stats(const struct admin_request *req)
{
	struct admin_column cols[1 + 2 * FIELDS];
	size_t n = 1;
	enum admin_show what = req->cmd->show;
	cols[0] = (struct admin_column){ what == ADMIN_SHOW_TOTALS ? "name" : "database", PG_OID_TEXT };
	if (what == ADMIN_SHOW_TOTALS)
		cols[n++] = (struct admin_column){ "value", PG_OID_NUMERIC };
	for (size_t i = 0; i < FIELDS && what != ADMIN_SHOW_TOTALS; i++) {
		const char *name = what == ADMIN_SHOW_STATS ? fields[i].stats_total
				 : what == ADMIN_SHOW_STATS_TOTALS ? fields[i].totals_col
				 : fields[i].averages_col;
		cols[n++] = (struct admin_column){ name, PG_OID_NUMERIC };
	}
	for (size_t i = 0; i < FIELDS && what == ADMIN_SHOW_STATS; i++)
		cols[n++] = (struct admin_column){ fields[i].stats_avg, PG_OID_NUMERIC };
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, n);
	if (what == ADMIN_SHOW_TOTALS)
		show_totals(req, &r);
	else
		per_database(req, &r, what == ADMIN_SHOW_STATS ? stats_row
				      : what == ADMIN_SHOW_STATS_TOTALS ? totals_row : averages_row);
	admin_result_end(&r);
}
