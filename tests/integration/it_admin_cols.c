/* it_admin_cols: what the admin console answers, in a form shell tests
 * compare: the columns of one command's result, or the error an
 * extended-protocol query gets. Not a test by itself
 * (tests/integration/it_admin_show.sh runs it).
 *
 * Usage: it_admin_cols QUERY        one "name type" line per column
 *                                   (type: text, int4, int8, numeric, or
 *                                   the OID), then "rows N"
 *        it_admin_cols -x QUERY     the same query through the extended
 *                                   protocol: "ERROR <sqlstate> <message>"
 * It logs in to corral's database pgbouncer as the harness user (PG*,
 * CORRAL_HOST, CORRAL_PORT). Exit status 0 when it printed an answer, 1
 * when the login or the query failed in another way (said on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/it_pq.h"

static const char *type_name(Oid oid, char *buf, size_t size)
{
	switch (oid) {
	case 25: return "text";
	case 23: return "int4";
	case 20: return "int8";
	case 1700: return "numeric";
	default:
		snprintf(buf, size, "%u", (unsigned)oid);
		return buf;
	}
}

static int print_columns(const PGresult *r)
{
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "it_admin_cols: %s", PQresultErrorMessage(r));
		return 1;
	}
	for (int i = 0; i < PQnfields(r); i++) {
		char buf[16];
		printf("%s %s\n", PQfname(r, i), type_name(PQftype(r, i), buf, sizeof buf));
	}
	printf("rows %d\n", PQntuples(r));
	return 0;
}

static int print_error(const PGresult *r)
{
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (!it_pq_is_error(r)) {
		fprintf(stderr, "it_admin_cols: the extended protocol query succeeded\n");
		return 1;
	}
	printf("ERROR %s %s\n", code ? code : "-", msg ? msg : PQresultErrorMessage(r));
	return 0;
}

int main(int argc, char **argv)
{
	bool extended = argc == 3 && strcmp(argv[1], "-x") == 0;
	if (argc != 2 && !extended) {
		fprintf(stderr, "usage: it_admin_cols [-x] QUERY\n");
		return 2;
	}
	const char *query = argv[argc - 1];
	char conninfo[1024];
	if (it_pq_conninfo(conninfo, sizeof conninfo, "pgbouncer", "") != 0) {
		fprintf(stderr, "it_admin_cols: %s\n", conninfo);
		return 1;
	}
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "it_admin_cols: %s", PQerrorMessage(c));
		PQfinish(c);
		return 1;
	}
	PGresult *r = extended ? PQexecParams(c, query, 0, NULL, NULL, NULL, NULL, 0)
			       : PQexec(c, query);
	int rc = extended ? print_error(r) : print_columns(r);
	PQclear(r);
	PQfinish(c);
	return rc;
}
