/* it_session_params: session parameters follow each client across a
 * shared server (it_session_params.sh: database it_sp1, transaction mode,
 * a pool of 1, so both clients provably run on the same backend). Two
 * clients with different startup parameters (application_name,
 * client_encoding) and SETs (TimeZone, DateStyle, IntervalStyle,
 * standard_conforming_strings) take turns; each turn every reported
 * setting, and values formatted by them (a timestamptz, a Latin-1
 * character), must be exactly what a direct PostgreSQL session with that
 * client's settings returns, and libpq's view of TimeZone must stay the
 * client's own. A SET rolled back leaves the client's value in force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

#define DB "it_sp1"
#define ROUNDS 10
/* Every column but the last is compared; the last is the backend pid. */
#define PROBE "SELECT current_setting('TimeZone'), current_setting('DateStyle'), " \
	"current_setting('IntervalStyle'), current_setting('application_name'), " \
	"current_setting('client_encoding'), current_setting('standard_conforming_strings'), " \
	"'2020-01-02 03:04:05+00'::timestamptz::text, interval '1 day 2 hours'::text, " \
	"chr(233), pg_backend_pid()"

struct persona {
	const char *startup;        /* conninfo extras sent at login */
	const char *sets[4];        /* SET commands run after login */
	const char *timezone;
};

/* PROBE's columns but the pid, joined by '|'. */
struct answer {
	char s[512];
};

static const struct persona personas[2] = {
	{ "application_name=it_sp_a client_encoding=UTF8",
	  { "SET TimeZone = 'America/New_York'", "SET DateStyle = 'SQL, DMY'",
	    "SET IntervalStyle = 'iso_8601'", "SET standard_conforming_strings = off" },
	  "America/New_York" },
	{ "application_name=it_sp_b client_encoding=LATIN1",
	  { "SET TimeZone = 'Asia/Tokyo'", "SET DateStyle = 'ISO, MDY'",
	    "SET IntervalStyle = 'postgres_verbose'", "SET standard_conforming_strings = on" },
	  "Asia/Tokyo" },
};

/* PROBE's columns but the last, joined by '|' into out; returns the pid. */
static int probe(PGconn *c, char *out, size_t size)
{
	PGresult *r = it_pq_exec(c, PROBE);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	out[0] = '\0';
	int last = PQnfields(r) - 1;
	for (int i = 0; i < last; i++) {
		size_t n = strlen(out);
		snprintf(out + n, size - n, "%s%s", i ? "|" : "", PQgetvalue(r, 0, i));
	}
	int pid = atoi(PQgetvalue(r, 0, last));
	PQclear(r);
	return pid;
}

static void apply_sets(PGconn *c, const struct persona *p)
{
	for (size_t i = 0; i < sizeof p->sets / sizeof p->sets[0]; i++)
		it_pq_exec_ok(c, p->sets[i]);
}

/* What PostgreSQL itself answers to PROBE with p's settings. */
static void learn_expected(const struct persona *p, struct answer *out)
{
	char info[256];
	snprintf(info, sizeof info, "connect_timeout=5 %s", p->startup);
	PGconn *direct = PQconnectdb(info);
	ck_assert_msg(PQstatus(direct) == CONNECTION_OK, "%s", PQerrorMessage(direct));
	apply_sets(direct, p);
	probe(direct, out->s, sizeof out->s);
	PQfinish(direct);
}

/* One turn of client c (persona p): its own values, on server `pid`. */
static void check_turn(PGconn *c, const struct persona *p, const struct answer *want,
		       int round, int pid)
{
	struct answer got;
	ck_assert_int_eq(probe(c, got.s, sizeof got.s), pid);
	ck_assert_msg(strcmp(got.s, want->s) == 0, "round %d, client %s:\n got      %s\n "
		      "expected %s", round, p->startup, got.s, want->s);
	const char *tz = PQparameterStatus(c, "TimeZone");
	ck_assert_msg(tz != NULL && strcmp(tz, p->timezone) == 0, "libpq's TimeZone is %s, "
		      "expected %s", tz ? tz : "NULL", p->timezone);
	it_pq_assert_tx(c, PQTRANS_IDLE);
}

START_TEST(test_params_follow_clients_on_one_server)
{
	PGconn *c[2];
	struct answer want[2];
	for (int i = 0; i < 2; i++) {
		learn_expected(&personas[i], &want[i]);
		c[i] = it_pq_connect(DB, personas[i].startup);
		apply_sets(c[i], &personas[i]);
	}
	ck_assert_msg(strcmp(want[0].s, want[1].s) != 0,
		      "the two personas must differ for the test to mean anything");
	int pid = (int)it_pq_int(c[0], "SELECT pg_backend_pid()");
	for (int round = 0; round < ROUNDS; round++) {
		if (round == ROUNDS / 2) {
			it_pq_exec_ok(c[0], "BEGIN");
			it_pq_exec_ok(c[0], "SET TimeZone = 'Europe/Paris'");
			it_pq_exec_ok(c[0], "ROLLBACK");
		}
		for (int k = 0; k < 2; k++) {
			int i = (round + k) % 2;
			check_turn(c[i], &personas[i], &want[i], round, pid);
		}
	}
	PQfinish(c[0]);
	PQfinish(c[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_session_params");
	TCase *tc = tcase_create("params");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_params_follow_clients_on_one_server);
	suite_add_tcase(s, tc);
	return it_run(s);
}
