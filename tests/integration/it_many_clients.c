/* it_many_clients: 1,000 clients at once on a pool of 5 servers in
 * transaction mode (it_many_clients.sh starts corral with database
 * it_many). One process drives them all with libpq's asynchronous calls
 * and poll(): every client connects, then runs ROUNDS queries (simple,
 * extended, and a BEGIN/COMMIT transaction in one simple query) that each
 * return a token only that client knows, with pg_backend_pid(). A row
 * reaching the wrong client, a missing or extra row, an error, a
 * transaction left open, more than 5 distinct servers, or any client not
 * finished within the deadline fails the test. */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"
#include "util/xalloc.h"

#define DB "it_many"
#define CLIENTS 1000
#define ROUNDS 6
#define POOL_SIZE 5
#define DEADLINE_MS 120000

enum phase {
	PHASE_CONNECTING,
	PHASE_QUERYING,
	PHASE_DONE,
};

struct client {
	int id;
	PGconn *conn;
	enum phase phase;
	PostgresPollingStatusType want;   /* PHASE_CONNECTING: what PQconnectPoll waits for */
	bool flushing;                    /* PHASE_QUERYING: PQflush has more to send */
	int round;
	int rows;                         /* token rows seen this round */
	char token[64];
};

/* What every client shares: the distinct backend pids seen. */
struct tally {
	int pids[POOL_SIZE];
	int npids;
	int done;
	int connected;
};

static void record_pid(struct tally *t, int pid)
{
	for (int i = 0; i < t->npids; i++)
		if (t->pids[i] == pid)
			return;
	ck_assert_msg(t->npids < POOL_SIZE, "a %dth distinct server (pid %d) on a pool of %d",
		      t->npids + 1, pid, POOL_SIZE);
	t->pids[t->npids++] = pid;
}

/* Sends the query of c's current round with a fresh token. */
static void send_round(struct client *c)
{
	char sql[160], id[IT_TOKEN_SIZE];
	it_token(id);
	snprintf(c->token, sizeof c->token, "c%d.r%d.%s", c->id, c->round, id);
	const char *param = c->token;
	int ok;
	switch (c->round % 3) {
	case 0:
		snprintf(sql, sizeof sql, "SELECT '%s', pg_backend_pid()", c->token);
		ok = PQsendQuery(c->conn, sql);
		break;
	case 1:
		ok = PQsendQueryParams(c->conn, "SELECT $1::text, pg_backend_pid()", 1, NULL,
				       &param, NULL, NULL, 0);
		break;
	default:
		snprintf(sql, sizeof sql, "BEGIN; SELECT '%s', pg_backend_pid(); COMMIT", c->token);
		ok = PQsendQuery(c->conn, sql);
		break;
	}
	ck_assert_msg(ok, "client %d round %d: send: %s", c->id, c->round, PQerrorMessage(c->conn));
	c->rows = 0;
	int f = PQflush(c->conn);
	ck_assert_msg(f >= 0, "client %d: flush: %s", c->id, PQerrorMessage(c->conn));
	c->flushing = f == 1;
}

/* One result of c's round: rows must carry c's own token. */
static void check_result(struct client *c, struct tally *t, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	ck_assert_msg(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK,
		      "client %d round %d: %s %s", c->id, c->round, PQresStatus(st),
		      PQresultErrorMessage(r));
	if (st != PGRES_TUPLES_OK)
		return;
	ck_assert_msg(PQntuples(r) == 1, "client %d round %d: %d rows", c->id, c->round,
		      PQntuples(r));
	ck_assert_msg(strcmp(PQgetvalue(r, 0, 0), c->token) == 0,
		      "client %d round %d got '%s', expected its own '%s'", c->id, c->round,
		      PQgetvalue(r, 0, 0), c->token);
	record_pid(t, atoi(PQgetvalue(r, 0, 1)));
	c->rows++;
}

/* Reads what arrived for c; ends the round when its results are all in. */
static void query_step(struct client *c, struct tally *t)
{
	if (c->flushing) {
		int f = PQflush(c->conn);
		ck_assert_msg(f >= 0, "client %d: flush: %s", c->id, PQerrorMessage(c->conn));
		c->flushing = f == 1;
	}
	ck_assert_msg(PQconsumeInput(c->conn), "client %d round %d: %s", c->id, c->round,
		      PQerrorMessage(c->conn));
	while (!PQisBusy(c->conn)) {
		PGresult *r = PQgetResult(c->conn);
		if (r == NULL) {
			ck_assert_msg(c->rows == 1, "client %d round %d: %d token rows", c->id,
				      c->round, c->rows);
			ck_assert_msg(PQtransactionStatus(c->conn) == PQTRANS_IDLE,
				      "client %d round %d left a transaction open", c->id, c->round);
			if (++c->round == ROUNDS) {
				c->phase = PHASE_DONE;
				t->done++;
			} else {
				send_round(c);
			}
			return;
		}
		check_result(c, t, r);
		PQclear(r);
	}
}

static void connect_step(struct client *c, struct tally *t)
{
	c->want = PQconnectPoll(c->conn);
	ck_assert_msg(c->want != PGRES_POLLING_FAILED, "client %d: login: %s", c->id,
		      PQerrorMessage(c->conn));
	if (c->want != PGRES_POLLING_OK)
		return;
	ck_assert_int_eq(PQsetnonblocking(c->conn, 1), 0);
	c->phase = PHASE_QUERYING;
	t->connected++;
	send_round(c);
}

static short events_of(const struct client *c)
{
	if (c->phase == PHASE_CONNECTING)
		return c->want == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	return (short)(POLLIN | (c->flushing ? POLLOUT : 0));
}

/* Drives every client until all are done or the deadline passes. */
static void drive(struct client *cs, struct tally *t, int64_t deadline)
{
	struct pollfd *fds = xcalloc(CLIENTS, sizeof *fds);
	int *index = xcalloc(CLIENTS, sizeof *index);
	while (t->done < CLIENTS) {
		ck_assert_msg(it_now_ms() < deadline, "after %d ms: %d of %d clients logged in, "
			      "%d finished", DEADLINE_MS, t->connected, CLIENTS, t->done);
		int n = 0;
		for (int i = 0; i < CLIENTS; i++) {
			if (cs[i].phase == PHASE_DONE)
				continue;
			fds[n] = (struct pollfd){ .fd = PQsocket(cs[i].conn), .events = events_of(&cs[i]) };
			index[n++] = i;
		}
		int ready = poll(fds, (nfds_t)n, 1000);
		ck_assert_msg(ready >= 0, "poll failed");
		for (int k = 0; k < n && ready > 0; k++) {
			if (fds[k].revents == 0)
				continue;
			ready--;
			struct client *c = &cs[index[k]];
			if (c->phase == PHASE_CONNECTING)
				connect_step(c, t);
			else
				query_step(c, t);
		}
	}
	free(fds);
	free(index);
}

START_TEST(test_thousand_clients_own_results)
{
	char info[1024];
	ck_assert_msg(it_pq_conninfo(info, sizeof info, DB, "") == 0, "%s", info);
	struct client *cs = xcalloc(CLIENTS, sizeof *cs);
	struct tally t = { .npids = 0 };
	int64_t start = it_now_ms();
	for (int i = 0; i < CLIENTS; i++) {
		cs[i] = (struct client){ .id = i, .phase = PHASE_CONNECTING,
					 .want = PGRES_POLLING_WRITING };
		cs[i].conn = PQconnectStart(info);
		ck_assert_msg(cs[i].conn != NULL && PQstatus(cs[i].conn) != CONNECTION_BAD,
			      "client %d: %s", i, PQerrorMessage(cs[i].conn));
	}
	drive(cs, &t, start + DEADLINE_MS);
	printf("%d clients x %d rounds in %lld ms over %d server(s)\n", CLIENTS, ROUNDS,
	       (long long)(it_now_ms() - start), t.npids);
	ck_assert_msg(t.npids >= 2, "1000 queued clients were served by %d server; the pool "
		      "should open servers up to its size of %d", t.npids, POOL_SIZE);
	for (int i = 0; i < CLIENTS; i++)
		PQfinish(cs[i].conn);
	free(cs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_many_clients");
	TCase *tc = tcase_create("many");
	tcase_set_timeout(tc, DEADLINE_MS / 1000 + 30);
	tcase_add_test(tc, test_thousand_clients_own_results);
	suite_add_tcase(s, tc);
	return it_run(s);
}
