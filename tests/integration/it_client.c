/* it_client: a libpq client that shell tests drive one line at a time
 * (tests/harness/corral.sh, corral_client_*), so that a script can keep a
 * session open across steps, leave a query in flight, or SIGKILL a client
 * mid-transaction as a dying application would. Not a test by itself.
 *
 * Usage: it_client DBNAME CONNINFO_EXTRA. Logs in to corral, prints
 * "READY <pid>" (the BackendKeyData pid corral gave) or "CONNFAIL <why>".
 * Then each stdin line is one simple query (several statements allowed);
 * "\q" ends the session. One reply line per query:
 *   OK <tx> [<rows>]                   rows: fields joined by '|', rows by ','
 *   ERROR <tx> <sqlstate|-> <message>  the first error the query produced
 *   TIMEOUT                            no answer in IT_CLIENT_TIMEOUT_MS
 *                                      (default 30000); the client exits
 * <tx> is IDLE, ACTIVE, INTRANS, INERROR or UNKNOWN (connection lost). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"
#include "tests/integration/it_util.h"

static const char *tx_word(PGconn *c)
{
	switch (PQtransactionStatus(c)) {
	case PQTRANS_IDLE: return "IDLE";
	case PQTRANS_ACTIVE: return "ACTIVE";
	case PQTRANS_INTRANS: return "INTRANS";
	case PQTRANS_INERROR: return "INERROR";
	case PQTRANS_UNKNOWN: break;
	}
	return "UNKNOWN";
}

/* Prints s with line breaks turned into blanks and trailing blanks cut,
 * so a reply stays one line. */
static void put_line(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < n; i++)
		putchar(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
	putchar('\n');
}

static void put_rows(const PGresult *r)
{
	for (int row = 0; row < PQntuples(r); row++) {
		putchar(row == 0 ? ' ' : ',');
		for (int col = 0; col < PQnfields(r); col++) {
			if (col > 0)
				putchar('|');
			fputs(PQgetisnull(r, row, col) ? "NULL" : PQgetvalue(r, row, col), stdout);
		}
	}
	putchar('\n');
}

/* Runs one line and prints its reply. Returns 0, or -1 after TIMEOUT. */
static int run(PGconn *c, const char *sql, int timeout_ms)
{
	PGresult *r = NULL;
	if (!PQsendQuery(c, sql)) {
		r = PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR);
	} else if (it_pq_collect(c, it_now_ms() + timeout_ms, &r) != 0) {
		PQclear(r);
		puts("TIMEOUT");
		return -1;
	}
	if (r != NULL && it_pq_is_error(r)) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		printf("ERROR %s %s ", tx_word(c), state ? state : "-");
		put_line(PQresultErrorMessage(r));
	} else {
		printf("OK %s", tx_word(c));
		if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK)
			put_rows(r);
		else
			putchar('\n');
	}
	PQclear(r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: it_client DBNAME CONNINFO_EXTRA\n");
		return 2;
	}
	const char *t = getenv("IT_CLIENT_TIMEOUT_MS");
	int timeout_ms = t ? atoi(t) : 30000;
	char info[1024];
	if (it_pq_conninfo(info, sizeof info, argv[1], argv[2]) != 0) {
		printf("CONNFAIL %s\n", info);
		return 1;
	}
	PGconn *c = PQconnectdb(info);
	if (PQstatus(c) != CONNECTION_OK) {
		fputs("CONNFAIL ", stdout);
		put_line(PQerrorMessage(c));
		PQfinish(c);
		return 1;
	}
	printf("READY %d\n", PQbackendPID(c));
	fflush(stdout);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (strcmp(line, "\\q") == 0)
			break;
		rc = run(c, line, timeout_ms);
		fflush(stdout);
	}
	free(line);
	PQfinish(c);
	return rc == 0 ? 0 : 3;
}
