/* Unit tests for pooler/auth_query's I/O-free parts: which auth_user,
 * auth_dbname and auth_query apply to a database (entry, fallback, global
 * settings), and reading the server's answer to the lookup: found, SQL
 * NULL password, no row, the server's error, the wrong shape of result
 * (kept usable: the answer runs to ReadyForQuery), and protocol breaks
 * (malformed or unexpected messages, an open transaction). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "pooler/auth_query.h"
#include "protocol/pg_backend.h"
#include "tests/unit/msg_test.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- auth_query_target ---- */

static const char target_ini[] =
	"[databases]\n"
	"plain = host=h\n"
	"own = host=h auth_user=ou auth_dbname=odb auth_query=Q1\n"
	"onlyuser = host=h auth_user=ou2\n"
	"%s"
	"[pgbouncer]\n"
	"auth_type = md5\n"
	"auth_file = users.txt\n"
	"%s";

struct target_case {
	const char *fallback;   /* a "*" line or "" */
	const char *settings;   /* more [pgbouncer] lines */
	const char *database;
	bool applies;
	const char *user, *dbname, *query;  /* when it applies; NULL query: the default */
};

static const struct target_case targets[] = {
	{ "", "", "plain", false, NULL, NULL, NULL },
	{ "", "", "nowhere", false, NULL, NULL, NULL },
	{ "", "", "own", true, "ou", "odb", "Q1" },
	{ "", "", "onlyuser", true, "ou2", "onlyuser", NULL },
	{ "", "auth_user = gu\n", "plain", true, "gu", "plain", NULL },
	{ "", "auth_user = gu\nauth_dbname = gdb\nauth_query = GQ\n", "plain", true, "gu", "gdb",
	  "GQ" },
	{ "", "auth_user = gu\nauth_dbname = gdb\nauth_query = GQ\n", "own", true, "ou", "odb",
	  "Q1" },
	{ "", "auth_user = gu\nauth_dbname = gdb\n", "onlyuser", true, "ou2", "gdb", NULL },
	{ "", "auth_user = gu\n", "nowhere", false, NULL, NULL, NULL },
	{ "* = host=h\n", "auth_user = gu\n", "nowhere", true, "gu", "nowhere", NULL },
	{ "* = host=h auth_user=fu\n", "", "nowhere", true, "fu", "nowhere", NULL },
};

START_TEST(test_target)
{
	const struct target_case *tc = &targets[_i];
	char text[1024];
	snprintf(text, sizeof text, target_ini, tc->fallback, tc->settings);
	struct cfg *cfg;
	struct cfg_error err;
	ck_assert_msg(cfg_load_buffer(text, strlen(text), "t.ini", &cfg, &err) == 0, "%s", err.msg);
	struct auth_query_target t;
	ck_assert_int_eq(auth_query_target(cfg, tc->database, &t), tc->applies);
	if (tc->applies) {
		ck_assert_str_eq(t.user, tc->user);
		ck_assert_str_eq(t.dbname, tc->dbname);
		ck_assert_str_eq(t.query, tc->query ? tc->query : cfg->settings.auth_query);
	}
	cfg_free(cfg);
}
END_TEST

/* ---- the reply ---- */

#define SECRET "md5a3556571e93b0d20722ba62be61e8c2d"

/* Appends the message script letter c stands for to b. */
static void build(char c, struct pg_buf *b)
{
	static const char *const names2[] = { "usename", "passwd" };
	static const char *const names3[] = { "usename", "passwd", "x" };
	static const uint32_t oids[] = { PG_OID_NAME, PG_OID_TEXT, PG_OID_TEXT };
	const char *found[] = { "alice", SECRET }, *null_pw[] = { "alice", NULL };
	const char *null_name[] = { NULL, SECRET }, *three[] = { "a", "b", "c" };
	const struct pg_backend_diag error = { .severity = "ERROR", .sqlstate = "42501",
					       .message = "permission denied for table pg_authid" };
	const struct pg_backend_diag notice = { .severity = "NOTICE", .sqlstate = "00000",
						.message = "hello" };
	switch (c) {
	case 'p': pg_backend_put_parse_complete(b); break;
	case 'b': pg_backend_put_bind_complete(b); break;
	case 'T': pg_backend_put_row_description(b, names2, oids, 2); break;
	case '3': pg_backend_put_row_description(b, names3, oids, 3); break;
	case 'D': pg_backend_put_data_row(b, found, NULL, 2); break;
	case 'd': pg_backend_put_data_row(b, null_pw, NULL, 2); break;
	case 'x': pg_backend_put_data_row(b, null_name, NULL, 2); break;
	case 'w': pg_backend_put_data_row(b, three, NULL, 3); break;
	case 'C': pg_backend_put_command_complete(b, "SELECT 1"); break;
	case 'Z': pg_backend_put_ready_for_query(b, PG_TX_IDLE); break;
	case 'z': pg_backend_put_ready_for_query(b, PG_TX_IN_BLOCK); break;
	case 'E': pg_backend_put_error(b, &error); break;
	case 'N': pg_backend_put_notice(b, &notice); break;
	case 'S': pg_backend_put_parameter_status(b, "TimeZone", "UTC"); break;
	case 'n': pg_backend_put_no_data(b); break;
	case 'I': pg_backend_put_empty_query(b); break;
	case 'G': pg_backend_put_copy_response(b, PG_BE_COPY_IN, PG_FORMAT_TEXT, NULL, 0); break;
	default: ck_abort_msg("no message '%c'", c);
	}
}

struct reply_case {
	const char *script;     /* one letter per message (see build); 'm': a
				 * RowDescription with a truncated body */
	enum auth_query_reply_state state;
	enum auth_query_status status;
	const char *secret;     /* NULL: none */
	const char *error;      /* exact, "" when none */
};

static const struct reply_case replies[] = {
	{ "pbTDCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FOUND, SECRET, "" },
	{ "NpSbTDNCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FOUND, SECRET, "" },
	{ "pbTdCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FOUND, NULL, "" },
	{ "pbTCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_NOT_FOUND, NULL, "" },
	{ "EZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, NULL,
	  "ERROR 42501: permission denied for table pg_authid" },
	{ "pbTDEZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, SECRET,
	  "ERROR 42501: permission denied for table pg_authid" },
	{ "pb3wCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, NULL,
	  "auth_query returns 3 columns, expected 2 (name, password)" },
	{ "pbTDDCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, SECRET,
	  "auth_query returns more than one row" },
	{ "pbTxCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, NULL,
	  "auth_query returns a NULL user name" },
	{ "pbnCZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, NULL,
	  "auth_query returns no rows at all (is it a SELECT?)" },
	{ "pbIZ", AUTH_QUERY_REPLY_DONE, AUTH_QUERY_FAILED, NULL, "auth_query is empty" },
	{ "pbTDCz", AUTH_QUERY_REPLY_BROKEN, AUTH_QUERY_FAILED, SECRET,
	  "auth_query left a transaction open (status 'T')" },
	{ "pbG", AUTH_QUERY_REPLY_BROKEN, AUTH_QUERY_FAILED, NULL,
	  "unexpected message type 'G' in the answer to auth_query" },
	{ "pbm", AUTH_QUERY_REPLY_BROKEN, AUTH_QUERY_FAILED, NULL, NULL },
	{ "pbTCZZ", AUTH_QUERY_REPLY_BROKEN, AUTH_QUERY_FAILED, NULL,
	  "message type 'Z' after the answer ended" },
};

START_TEST(test_reply)
{
	const struct reply_case *rc = &replies[_i];
	struct auth_query_reply r;
	auth_query_reply_init(&r);
	ck_assert_int_eq(r.status, AUTH_QUERY_NOT_FOUND);
	size_t n = strlen(rc->script);
	enum auth_query_reply_state st = AUTH_QUERY_REPLY_READING;
	for (size_t i = 0; i < n; i++) {
		/* Only the last message may come after the end (that case's point). */
		ck_assert_msg(st == AUTH_QUERY_REPLY_READING || i == n - 1, "ended before message %zu",
			      i);
		struct pg_frame f;
		if (rc->script[i] == 'm') {
			static const uint8_t body[] = { 0, 1, 'u', 's' };  /* name unterminated */
			f = msg_frame(PG_BE_ROW_DESCRIPTION, body, sizeof body);
		} else {
			struct pg_buf b;
			pg_buf_init(&b);
			build(rc->script[i], &b);
			f = msg_frame_of_buf(&b);
			pg_buf_fini(&b);
		}
		st = auth_query_reply_feed(&r, &f);
		msg_frame_free(&f);
	}
	ck_assert_int_eq(st, rc->state);
	ck_assert_int_eq(r.state, rc->state);
	ck_assert_int_eq(r.status, rc->status);
	if (rc->secret)
		ck_assert_str_eq(r.secret, rc->secret);
	else
		ck_assert_ptr_null(r.secret);
	if (rc->error)
		ck_assert_str_eq(r.error, rc->error);
	else
		ck_assert_ptr_nonnull(strstr(r.error, "malformed RowDescription from server: "));
	auth_query_reply_fini(&r);
	ck_assert_ptr_null(r.secret);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("auth_query");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_target, 0, N(targets));
	tcase_add_loop_test(tc, test_reply, 0, N(replies));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
