/* Unit tests for ps_wire and ps_sql: a client's Bind comes out with only
 * the statement name changed, byte for byte (formats, NULLs, binary values
 * with NUL bytes, result formats); the Parse, Describe, Close and stand-in
 * corral writes, and the replies it gives, are exact bytes; DEALLOCATE is
 * recognised in every form PostgreSQL accepts that drivers send, and
 * everything else is left to the server. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "pooler/ps_registry.h"
#include "pooler/ps_sql.h"
#include "pooler/ps_wire.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frontend.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ps_hash_key test_key = { 1, 2 };

/* A fresh registry's first statement ("corral_1"). */
struct wire_fixture {
	struct ps_registry *reg;
	struct ps_stmt *st;
	struct pg_buf out;
};

static const uint8_t oids_int4_text[] = { 0, 0, 0, 23, 0, 0, 0, 25 };

static void fixture_init(struct wire_fixture *fx)
{
	struct pg_oids types = { 2, oids_int4_text };
	fx->reg = ps_registry_new(&test_key);
	fx->st = ps_registry_get(fx->reg, "select $1::int, $2", 18, &types);
	pg_buf_init(&fx->out);
}

static void fixture_fini(struct wire_fixture *fx)
{
	pg_buf_fini(&fx->out);
	ps_registry_unref(fx->reg, fx->st);
	ps_registry_free(fx->reg);
}

/* b holds exactly the message type + length + body. */
static void assert_message(const struct pg_buf *b, uint8_t type, const uint8_t *body, size_t len)
{
	ck_assert_uint_eq(b->len, 5 + len);
	ck_assert_uint_eq(b->data[0], type);
	ck_assert_uint_eq(pg_load_u32(b->data + 1), 4 + len);
	if (len > 0)
		ck_assert_mem_eq(b->data + 5, body, len);
}

/* ---- Bind ---- */

struct bind_vector {
	const char *what;
	const uint8_t *body;        /* the client's Bind body, statement "s1" */
	size_t len;
	size_t tail;                /* offset of what follows the statement name */
	const char *portal;
};

static const struct bind_vector binds[] = {
	{ "portal, formats, a value and a NULL",
	  BODY("p1\0s1\0" "\0\1\0\1" "\0\2" "\0\0\0\3abc" "\xff\xff\xff\xff" "\0\2\0\0\0\1"), 6, "p1" },
	{ "nothing but names", BODY("\0s1\0" "\0\0" "\0\0" "\0\0"), 4, "" },
	{ "binary values with NUL bytes",
	  BODY("\0s1\0" "\0\2\0\1\0\1" "\0\2" "\0\0\0\4\0\0\0\1" "\0\0\0\0" "\0\1\0\1"), 4, "" },
};

START_TEST(test_bind_rewrite)
{
	const struct bind_vector *v = &binds[_i];
	struct wire_fixture fx;
	fixture_init(&fx);
	struct pg_frame f = msg_frame(PG_FE_BIND, v->body, v->len);
	struct pg_reader r;
	struct pg_frontend_bind b;
	ck_assert_int_eq(pg_frontend_read_bind(&f, &r, &b), PG_OK);
	ck_assert_str_eq(b.statement, "s1");
	ps_wire_put_bind(&fx.out, &f, &b, fx.st);
	/* want: the portal, "corral_1", then the client's bytes after "s1\0". */
	uint8_t want[128];
	size_t plen = strlen(v->portal) + 1;
	memcpy(want, v->portal, plen);
	memcpy(want + plen, "corral_1", 9);
	memcpy(want + plen + 9, v->body + v->tail, v->len - v->tail);
	assert_message(&fx.out, PG_FE_BIND, want, plen + 9 + v->len - v->tail);
	msg_frame_free(&f);
	fixture_fini(&fx);
}
END_TEST

/* ---- what corral writes to a server ---- */

START_TEST(test_injected_messages)
{
	struct wire_fixture fx;
	fixture_init(&fx);
	ps_wire_put_parse(&fx.out, fx.st);
	assert_message(&fx.out, PG_FE_PARSE,
		       BODY("corral_1\0select $1::int, $2\0\0\2\0\0\0\x17\0\0\0\x19"));
	pg_buf_reset(&fx.out);
	ps_wire_put_describe(&fx.out, fx.st);
	assert_message(&fx.out, PG_FE_DESCRIBE, BODY("Scorral_1\0"));
	pg_buf_reset(&fx.out);
	ps_wire_put_close(&fx.out, fx.st);
	assert_message(&fx.out, PG_FE_CLOSE, BODY("Scorral_1\0"));
	pg_buf_reset(&fx.out);
	ps_wire_put_stand_in(&fx.out);
	assert_message(&fx.out, PG_FE_DESCRIBE, BODY("Scorral_error\0"));
	fixture_fini(&fx);
}
END_TEST

/* ---- what corral tells a client ---- */

START_TEST(test_simple_replies)
{
	struct pg_buf b;
	pg_buf_init(&b);
	ps_wire_put_reply(&b, PS_REPLY_PARSE_COMPLETE, NULL, PG_TX_IDLE);
	assert_message(&b, PG_BE_PARSE_COMPLETE, NULL, 0);
	pg_buf_reset(&b);
	ps_wire_put_reply(&b, PS_REPLY_CLOSE_COMPLETE, NULL, PG_TX_IDLE);
	assert_message(&b, PG_BE_CLOSE_COMPLETE, NULL, 0);
	pg_buf_reset(&b);
	ps_wire_put_reply(&b, PS_REPLY_NONE, NULL, PG_TX_IDLE);
	ck_assert_uint_eq(b.len, 0);
	ps_wire_put_reply(&b, PS_REPLY_DEALLOCATE, NULL, PG_TX_IN_BLOCK);
	ck_assert_uint_eq(b.len, 16 + 6);
	ck_assert_mem_eq(b.data, "C\0\0\0\017DEALLOCATE\0Z\0\0\0\5T", b.len);
	pg_buf_reset(&b);
	ps_wire_put_reply(&b, PS_REPLY_DEALLOCATE_ALL, NULL, PG_TX_IDLE);
	ck_assert_uint_eq(b.len, 20 + 6);
	ck_assert_mem_eq(b.data, "C\0\0\0\023DEALLOCATE ALL\0Z\0\0\0\5I", b.len);
	pg_buf_fini(&b);
}
END_TEST

static const struct {
	enum ps_reply kind;
	const char *sqlstate;
} errors[] = {
	{ PS_REPLY_DUPLICATE, "42P05" },
	{ PS_REPLY_OVER_BUDGET, "53400" },
};

START_TEST(test_error_replies)
{
	struct pg_buf b;
	pg_buf_init(&b);
	ps_wire_put_reply(&b, errors[_i].kind, "prepared statement \"x\" already exists", PG_TX_IDLE);
	struct pg_frame f = msg_frame_of_buf(&b);
	struct pg_reader r;
	struct pg_backend_diag d;
	ck_assert_int_eq(f.type, PG_BE_ERROR);
	ck_assert_int_eq(pg_backend_read_error(&f, &r, &d), PG_OK);
	ck_assert_str_eq(d.severity, "ERROR");
	ck_assert_str_eq(d.severity_localized, "ERROR");
	ck_assert_str_eq(d.sqlstate, errors[_i].sqlstate);
	ck_assert_str_eq(d.message, "prepared statement \"x\" already exists");
	ck_assert_ptr_null(d.detail);
	msg_frame_free(&f);
	pg_buf_fini(&b);
}
END_TEST

/* ---- DEALLOCATE ---- */

#define NAME63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

static const struct {
	const char *query;
	enum ps_sql_deallocate want;
	const char *name;
} deallocs[] = {
	{ "DEALLOCATE s1", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "deallocate S1", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DeAlLoCaTe PREPARE Foo", PS_SQL_DEALLOCATE_NAME, "foo" },
	{ "  DEALLOCATE\n\ts1 ;  ", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DEALLOCATE s1;;", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DEALLOCATE s1\r\n\f\v", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DEALLOCATE \"My Stmt\"", PS_SQL_DEALLOCATE_NAME, "My Stmt" },
	{ "DEALLOCATE \"a\"\"b\"", PS_SQL_DEALLOCATE_NAME, "a\"b" },
	{ "DEALLOCATE\"s1\"", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DEALLOCATE pdo_stmt_0000000a", PS_SQL_DEALLOCATE_NAME, "pdo_stmt_0000000a" },
	{ "DEALLOCATE _x$1", PS_SQL_DEALLOCATE_NAME, "_x$1" },
	{ "DEALLOCATE /* c */ s1 -- trailing", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "-- lead\nDEALLOCATE s1", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "/* a /* nested */ c */ DEALLOCATE/**/s1", PS_SQL_DEALLOCATE_NAME, "s1" },
	{ "DEALLOCATE \xc3\x89" "A", PS_SQL_DEALLOCATE_NAME, "\xc3\x89" "a" },
	{ "DEALLOCATE prepare", PS_SQL_DEALLOCATE_NAME, "prepare" },
	{ "DEALLOCATE PREPARE;", PS_SQL_DEALLOCATE_NAME, "prepare" },
	{ "DEALLOCATE PREPARE prepare", PS_SQL_DEALLOCATE_NAME, "prepare" },
	{ "DEALLOCATE PREPARE \"PREPARE\"", PS_SQL_DEALLOCATE_NAME, "PREPARE" },
	{ "DEALLOCATE \"ALL\"", PS_SQL_DEALLOCATE_NAME, "ALL" },
	{ "DEALLOCATE \"all\"", PS_SQL_DEALLOCATE_NAME, "all" },
	{ "DEALLOCATE " NAME63, PS_SQL_DEALLOCATE_NAME, NAME63 },
	{ "DEALLOCATE \"" NAME63 "\"", PS_SQL_DEALLOCATE_NAME, NAME63 },
	{ "DEALLOCATE ALL", PS_SQL_DEALLOCATE_ALL, NULL },
	{ "deallocate all;", PS_SQL_DEALLOCATE_ALL, NULL },
	{ "DEALLOCATE PREPARE ALL", PS_SQL_DEALLOCATE_ALL, NULL },
	{ "DEALLOCATE PREPARE all ; ", PS_SQL_DEALLOCATE_ALL, NULL },
	{ "", PS_SQL_OTHER, NULL },
	{ " ;", PS_SQL_OTHER, NULL },
	{ "SELECT 1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE;", PS_SQL_OTHER, NULL },
	{ "DEALLOCATEs1", PS_SQL_OTHER, NULL },
	{ "\"DEALLOCATE\" s1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE s1; SELECT 1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE s1 s2", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE ALL s1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE PREPARE PREPARE x", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE \"\"", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE \"s1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE s1 /* open", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE 1abc", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE $1", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE U&\"x\"", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE " NAME63 "l", PS_SQL_OTHER, NULL },
	{ "DEALLOCATE \"" NAME63 "l\"", PS_SQL_OTHER, NULL },
};

START_TEST(test_deallocate)
{
	char name[PS_SQL_NAME_MAX + 1];
	enum ps_sql_deallocate got = ps_sql_parse_deallocate(deallocs[_i].query, name);
	ck_assert_msg(got == deallocs[_i].want, "%s: got %d, want %d", deallocs[_i].query, got,
		      deallocs[_i].want);
	if (got == PS_SQL_DEALLOCATE_NAME)
		ck_assert_str_eq(name, deallocs[_i].name);
	/* The quick test in front of it never turns a DEALLOCATE away. */
	if (got != PS_SQL_OTHER)
		ck_assert_msg(ps_sql_may_deallocate(deallocs[_i].query, strlen(deallocs[_i].query)),
			      "ps_sql_may_deallocate turned away %s", deallocs[_i].query);
}
END_TEST

/* What ps_sql_may_deallocate turns away: whatever cannot start with the
 * keyword or a comment, within the bytes it is given (no NUL needed). */
START_TEST(test_may_deallocate)
{
	ck_assert(!ps_sql_may_deallocate("SELECT 1", 8));
	ck_assert(!ps_sql_may_deallocate(" \t\n\r\f\vselect", 12));
	ck_assert(!ps_sql_may_deallocate("", 0));
	ck_assert(!ps_sql_may_deallocate("   ", 3));
	ck_assert(!ps_sql_may_deallocate("\"DEALLOCATE\" s1", 16));
	ck_assert(!ps_sql_may_deallocate("  DEALLOCATE", 2));
	ck_assert(ps_sql_may_deallocate("  d", 3));
	ck_assert(ps_sql_may_deallocate("Dx", 1));
	ck_assert(ps_sql_may_deallocate("-- c", 4));
	ck_assert(ps_sql_may_deallocate("\v/* c */", 9));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prepared_wire");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_bind_rewrite, 0, N(binds));
	tcase_add_test(tc, test_injected_messages);
	tcase_add_test(tc, test_simple_replies);
	tcase_add_loop_test(tc, test_error_replies, 0, N(errors));
	tcase_add_loop_test(tc, test_deallocate, 0, N(deallocs));
	tcase_add_test(tc, test_may_deallocate);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
