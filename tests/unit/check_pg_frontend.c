/* Unit tests for protocol/pg_frontend: every builder read back by its
 * reader with exact values, hand-written bodies in the protocol's
 * documented layouts, malformed bodies (each with its result and offset),
 * and bodies cut at every length. Each reader's output is rendered as text
 * (see msg_test.h) so one compare checks every decoded value. */
#include <check.h>
#include <stdlib.h>

#include "protocol/pg_frontend.h"
#include "tests/unit/msg_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void text_data(struct msg_text *t, const char *label, const uint8_t *data, size_t len)
{
	msg_text_add(t, "%s'", label);
	msg_text_bytes(t, data, len);
	msg_text_add(t, "'");
}

static enum pg_result render_query(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	const char *query;
	enum pg_result res = pg_frontend_read_query(f, r, &query);
	if (res == PG_OK)
		msg_text_add(t, "query='%s'", query);
	return res;
}

static enum pg_result render_parse(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	struct pg_frontend_parse p;
	enum pg_result res = pg_frontend_read_parse(f, r, &p);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "stmt='%s' query='%s' types=(", p.statement, p.query);
	for (uint16_t i = 0; i < p.param_types.count; i++)
		msg_text_add(t, "%s%u", i ? "," : "", (unsigned)pg_oids_at(&p.param_types, i));
	msg_text_add(t, ")");
	return PG_OK;
}

static enum pg_result render_bind(const struct pg_frame *f, struct pg_reader *r,
				  struct msg_text *t)
{
	struct pg_frontend_bind b;
	enum pg_result res = pg_frontend_read_bind(f, r, &b);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "portal='%s' stmt='%s' pfmt=", b.portal, b.statement);
	msg_text_formats(t, b.param_formats);
	msg_text_add(t, " params=");
	msg_text_values(t, b.params);
	msg_text_add(t, " rfmt=");
	msg_text_formats(t, b.result_formats);
	return PG_OK;
}

static enum pg_result render_target(enum pg_result res, const struct pg_frontend_target *target,
				    struct msg_text *t)
{
	if (res == PG_OK)
		msg_text_add(t, "%c '%s'", (char)target->kind, target->name);
	return res;
}

static enum pg_result render_describe(const struct pg_frame *f, struct pg_reader *r,
				      struct msg_text *t)
{
	struct pg_frontend_target target;
	return render_target(pg_frontend_read_describe(f, r, &target), &target, t);
}

static enum pg_result render_close(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	struct pg_frontend_target target;
	return render_target(pg_frontend_read_close(f, r, &target), &target, t);
}

static enum pg_result render_execute(const struct pg_frame *f, struct pg_reader *r,
				     struct msg_text *t)
{
	struct pg_frontend_execute e;
	enum pg_result res = pg_frontend_read_execute(f, r, &e);
	if (res == PG_OK)
		msg_text_add(t, "portal='%s' max=%d", e.portal, (int)e.max_rows);
	return res;
}

static enum pg_result render_empty(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	enum pg_result res = pg_frontend_read_empty(f, r);
	if (res == PG_OK)
		msg_text_add(t, "empty %c", (char)f->type);
	return res;
}

static enum pg_result render_copy_data(const struct pg_frame *f, struct pg_reader *r,
				       struct msg_text *t)
{
	const uint8_t *data;
	size_t len;
	enum pg_result res = pg_frontend_read_copy_data(f, r, &data, &len);
	if (res == PG_OK)
		text_data(t, "data=", data, len);
	return res;
}

static enum pg_result render_copy_fail(const struct pg_frame *f, struct pg_reader *r,
				       struct msg_text *t)
{
	const char *message;
	enum pg_result res = pg_frontend_read_copy_fail(f, r, &message);
	if (res == PG_OK)
		msg_text_add(t, "fail='%s'", message);
	return res;
}

static enum pg_result render_function_call(const struct pg_frame *f, struct pg_reader *r,
					   struct msg_text *t)
{
	struct pg_frontend_function_call c;
	enum pg_result res = pg_frontend_read_function_call(f, r, &c);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "oid=%u afmt=", (unsigned)c.function_oid);
	msg_text_formats(t, c.arg_formats);
	msg_text_add(t, " args=");
	msg_text_values(t, c.args);
	msg_text_add(t, " rfmt=%d", (int)c.result_format);
	return PG_OK;
}

static enum pg_result render_password(const struct pg_frame *f, struct pg_reader *r,
				      struct msg_text *t)
{
	const char *password;
	enum pg_result res = pg_frontend_read_password(f, r, &password);
	if (res == PG_OK)
		msg_text_add(t, "password='%s'", password);
	return res;
}

static enum pg_result render_sasl_initial(const struct pg_frame *f, struct pg_reader *r,
					  struct msg_text *t)
{
	struct pg_frontend_sasl_initial s;
	enum pg_result res = pg_frontend_read_sasl_initial(f, r, &s);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "mech='%s' ", s.mechanism);
	if (s.data_len == -1) {
		ck_assert_ptr_null(s.data);
		msg_text_add(t, "data=NULL");
	} else {
		text_data(t, "data=", s.data, (size_t)s.data_len);
	}
	return PG_OK;
}

static enum pg_result render_sasl_response(const struct pg_frame *f, struct pg_reader *r,
					   struct msg_text *t)
{
	const uint8_t *data;
	size_t len;
	enum pg_result res = pg_frontend_read_sasl_response(f, r, &data, &len);
	if (res == PG_OK)
		text_data(t, "data=", data, len);
	return res;
}

static const struct msg_reader query = { "query", render_query };
static const struct msg_reader parse = { "parse", render_parse };
static const struct msg_reader bind = { "bind", render_bind };
static const struct msg_reader describe = { "describe", render_describe };
static const struct msg_reader close_ = { "close", render_close };
static const struct msg_reader execute = { "execute", render_execute };
static const struct msg_reader empty = { "empty", render_empty };
static const struct msg_reader copy_data = { "copy_data", render_copy_data };
static const struct msg_reader copy_fail = { "copy_fail", render_copy_fail };
static const struct msg_reader fcall = { "function_call", render_function_call };
static const struct msg_reader password = { "password", render_password };
static const struct msg_reader sasl_initial = { "sasl_initial", render_sasl_initial };
static const struct msg_reader sasl_response = { "sasl_response", render_sasl_response };

/* Bodies laid out as the protocol documentation describes each message. */
static const struct msg_valid valid[] = {
	{ &query, 'Q', BODY("SELECT 1; SELECT 2\0"), "query='SELECT 1; SELECT 2'" },
	{ &query, 'Q', BODY("\0"), "query=''" },
	{ &parse, 'P', BODY("s1\0SELECT $1::int\0\0\x01\0\0\0\x17"),
	  "stmt='s1' query='SELECT $1::int' types=(23)" },
	{ &parse, 'P', BODY("\0SELECT 1\0\0\0"), "stmt='' query='SELECT 1' types=()" },
	{ &bind, 'B', BODY("\0s1\0\0\0\0\x01\0\0\0\x01" "5" "\0\0"),
	  "portal='' stmt='s1' pfmt=() params=[ '5' ] rfmt=()" },
	{ &bind, 'B',
	  BODY("p1\0s1\0" "\0\x01\0\x01" "\0\x02" "\0\0\0\x04\0\0\0\x2a" "\xff\xff\xff\xff"
	       "\0\x02\0\x01\0\0"),
	  "portal='p1' stmt='s1' pfmt=(1) params=[ '\\x00\\x00\\x00*' NULL ] rfmt=(1,0)" },
	{ &bind, 'B',
	  BODY("\0\0" "\0\x02\0\0\0\x01" "\0\x02" "\0\0\0\x01" "a" "\0\0\0\0" "\0\0"),
	  "portal='' stmt='' pfmt=(0,1) params=[ 'a' '' ] rfmt=()" },
	{ &describe, 'D', BODY("S\0"), "S ''" },
	{ &describe, 'D', BODY("Pportal1\0"), "P 'portal1'" },
	{ &close_, 'C', BODY("Sstmt\0"), "S 'stmt'" },
	{ &close_, 'C', BODY("P\0"), "P ''" },
	{ &execute, 'E', BODY("\0\0\0\0\0"), "portal='' max=0" },
	{ &execute, 'E', BODY("c1\0\0\0\0\x64"), "portal='c1' max=100" },
	{ &empty, 'S', BODY(""), "empty S" },
	{ &empty, 'H', BODY(""), "empty H" },
	{ &empty, 'X', BODY(""), "empty X" },
	{ &empty, 'c', BODY(""), "empty c" },
	{ &copy_data, 'd', BODY("1\tone\n"), "data='1\\x09one\\x0a'" },
	{ &copy_data, 'd', BODY(""), "data=''" },
	{ &copy_fail, 'f', BODY("aborted by user\0"), "fail='aborted by user'" },
	{ &fcall, 'F', BODY("\0\0\x06\x3e" "\0\0" "\0\x01" "\0\0\0\x02" "42" "\0\0"),
	  "oid=1598 afmt=() args=[ '42' ] rfmt=0" },
	{ &fcall, 'F', BODY("\0\0\0\x01" "\0\x01\0\x01" "\0\x02" "\xff\xff\xff\xff" "\0\0\0\0"
			    "\0\x01"),
	  "oid=1 afmt=(1) args=[ NULL '' ] rfmt=1" },
	{ &password, 'p', BODY("secret\0"), "password='secret'" },
	{ &password, 'p', BODY("md5a3556571e93b0d20722ba62be61e8c2d\0"),
	  "password='md5a3556571e93b0d20722ba62be61e8c2d'" },
	{ &sasl_initial, 'p', BODY("SCRAM-SHA-256\0\0\0\0\x1cn,,n=,r=rOprNGfwEbeRWgbNEkqO"),
	  "mech='SCRAM-SHA-256' data='n,,n=,r=rOprNGfwEbeRWgbNEkqO'" },
	{ &sasl_initial, 'p', BODY("SCRAM-SHA-256\0\xff\xff\xff\xff"),
	  "mech='SCRAM-SHA-256' data=NULL" },
	{ &sasl_response, 'p', BODY("c=biws,r=abc,p=xyz"), "data='c=biws,r=abc,p=xyz'" },
	{ &sasl_response, 'p', BODY(""), "data=''" },
};

static const struct msg_bad bad[] = {
	{ "query unterminated", &query, 'Q', BODY("SELECT 1"), PG_ERR_FORMAT, 0 },
	{ "query trailing", &query, 'Q', BODY("a\0b"), PG_ERR_FORMAT, 2 },
	{ "query empty body", &query, 'Q', BODY(""), PG_ERR_FORMAT, 0 },
	{ "query on a wrong frame", &query, 'P', BODY("a\0"), PG_ERR_FORMAT, 0 },
	{ "parse name unterminated", &parse, 'P', BODY("s1"), PG_ERR_FORMAT, 0 },
	{ "parse query unterminated", &parse, 'P', BODY("s1\0SELECT"), PG_ERR_FORMAT, 3 },
	{ "parse count missing", &parse, 'P', BODY("\0q\0"), PG_ERR_FORMAT, 3 },
	{ "parse count beyond body", &parse, 'P', BODY("\0q\0\0\x02\0\0\0\x17"), PG_ERR_LENGTH, 3 },
	{ "parse negative count", &parse, 'P', BODY("\0q\0\xff\xff"), PG_ERR_LENGTH, 3 },
	{ "parse trailing", &parse, 'P', BODY("\0q\0\0\0X"), PG_ERR_FORMAT, 5 },
	{ "bind param format 2", &bind, 'B', BODY("\0\0\0\x01\0\x02\0\0\0\0"), PG_ERR_FORMAT, 4 },
	{ "bind format count mismatch", &bind, 'B',
	  BODY("\0\0\0\x02\0\0\0\0" "\0\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	       "\0\0"),
	  PG_ERR_FORMAT, 2 },
	{ "bind param length -2", &bind, 'B', BODY("\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
	  PG_ERR_LENGTH, 6 },
	{ "bind param length beyond body", &bind, 'B', BODY("\0\0\0\0\0\x01\0\0\0\x09" "abc\0\0"),
	  PG_ERR_LENGTH, 6 },
	{ "bind param count beyond body", &bind, 'B', BODY("\0\0\0\0\0\x02\xff\xff\xff\xff\0\0"),
	  PG_ERR_LENGTH, 4 },
	{ "bind result format 3", &bind, 'B', BODY("\0\0\0\0\0\0\0\x01\0\x03"), PG_ERR_FORMAT, 8 },
	{ "bind result formats missing", &bind, 'B', BODY("\0\0\0\0\0\0"), PG_ERR_FORMAT, 6 },
	{ "bind trailing", &bind, 'B', BODY("\0\0\0\0\0\0\0\0!"), PG_ERR_FORMAT, 8 },
	{ "bind portal unterminated", &bind, 'B', BODY("portal"), PG_ERR_FORMAT, 0 },
	{ "describe kind X", &describe, 'D', BODY("Xname\0"), PG_ERR_FORMAT, 0 },
	{ "describe kind s", &describe, 'D', BODY("s\0"), PG_ERR_FORMAT, 0 },
	{ "describe empty", &describe, 'D', BODY(""), PG_ERR_FORMAT, 0 },
	{ "describe name unterminated", &describe, 'D', BODY("Sab"), PG_ERR_FORMAT, 1 },
	{ "describe trailing", &describe, 'D', BODY("S\0\0"), PG_ERR_FORMAT, 2 },
	{ "close kind p", &close_, 'C', BODY("p\0"), PG_ERR_FORMAT, 0 },
	{ "close read as describe", &describe, 'C', BODY("S\0"), PG_ERR_FORMAT, 0 },
	{ "execute portal unterminated", &execute, 'E', BODY("c1"), PG_ERR_FORMAT, 0 },
	{ "execute rows truncated", &execute, 'E', BODY("\0\0\0\0"), PG_ERR_FORMAT, 1 },
	{ "execute trailing", &execute, 'E', BODY("\0\0\0\0\0\0"), PG_ERR_FORMAT, 5 },
	{ "sync with a byte", &empty, 'S', BODY("x"), PG_ERR_FORMAT, 0 },
	{ "empty on a wrong frame", &empty, 'Q', BODY(""), PG_ERR_FORMAT, 0 },
	{ "copy data on a wrong frame", &copy_data, 'c', BODY("x"), PG_ERR_FORMAT, 0 },
	{ "copy fail unterminated", &copy_fail, 'f', BODY("oops"), PG_ERR_FORMAT, 0 },
	{ "function oid truncated", &fcall, 'F', BODY("\0\0"), PG_ERR_FORMAT, 0 },
	{ "function result format 2", &fcall, 'F', BODY("\0\0\0\x01\0\0\0\0\0\x02"),
	  PG_ERR_FORMAT, 8 },
	{ "function format count mismatch", &fcall, 'F',
	  BODY("\0\0\0\x01" "\0\x02\0\0\0\0" "\0\x01\xff\xff\xff\xff" "\0\0"), PG_ERR_FORMAT, 4 },
	{ "function arg length -5", &fcall, 'F', BODY("\0\0\0\x01\0\0\0\x01\xff\xff\xff\xfb\0\0"),
	  PG_ERR_LENGTH, 8 },
	{ "function trailing", &fcall, 'F', BODY("\0\0\0\x01\0\0\0\0\0\0\0"), PG_ERR_FORMAT, 10 },
	{ "password unterminated", &password, 'p', BODY("secret"), PG_ERR_FORMAT, 0 },
	{ "password trailing", &password, 'p', BODY("secret\0x"), PG_ERR_FORMAT, 7 },
	{ "password on a wrong frame", &password, 'Q', BODY("secret\0"), PG_ERR_FORMAT, 0 },
	{ "sasl mechanism unterminated", &sasl_initial, 'p', BODY("SCRAM"), PG_ERR_FORMAT, 0 },
	{ "sasl length missing", &sasl_initial, 'p', BODY("M\0\0\0"), PG_ERR_FORMAT, 2 },
	{ "sasl length -2", &sasl_initial, 'p', BODY("M\0\xff\xff\xff\xfe"), PG_ERR_LENGTH, 2 },
	{ "sasl length beyond body", &sasl_initial, 'p', BODY("M\0\0\0\0\x05" "abcd"),
	  PG_ERR_LENGTH, 2 },
	{ "sasl trailing", &sasl_initial, 'p', BODY("M\0\0\0\0\x01" "ab"), PG_ERR_FORMAT, 7 },
	{ "sasl -1 then bytes", &sasl_initial, 'p', BODY("M\0\xff\xff\xff\xff" "a"),
	  PG_ERR_FORMAT, 6 },
	{ "sasl response on a wrong frame", &sasl_response, 'd', BODY("x"), PG_ERR_FORMAT, 0 },
};

/* Each cut body fails at the start of the field the cut falls in, or at
 * the count or length that promised more than is left. */
static const struct msg_truncated truncated[] = {
	{ &bind, 'B',
	  BODY("p\0s\0" "\0\x01\0\0" "\0\x02" "\0\0\0\x02" "ab" "\xff\xff\xff\xff" "\0\x01\0\x01"),
	  (const size_t[]){ 0, 0, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 16, 16,
			    20, 20, 20, 20 } },
	{ &parse, 'P', BODY("s\0q\0\0\x02\0\0\0\x17\0\0\0\x19"),
	  (const size_t[]){ 0, 0, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 } },
	{ &execute, 'E', BODY("c\0\0\0\0\x64"), (const size_t[]){ 0, 0, 2, 2, 2, 2 } },
	{ &describe, 'D', BODY("Sab\0"), (const size_t[]){ 0, 1, 1, 1 } },
	{ &sasl_initial, 'p', BODY("M\0\0\0\0\x03xyz"),
	  (const size_t[]){ 0, 0, 2, 2, 2, 2, 2, 2, 2 } },
	{ &fcall, 'F', BODY("\0\0\x06\x3e" "\0\0" "\0\x01" "\0\0\0\x02" "42" "\0\0"),
	  (const size_t[]){ 0, 0, 0, 0, 4, 4, 6, 6, 6, 6, 6, 6, 8, 8, 14, 14 } },
};

static void build_query(struct pg_buf *b)
{
	pg_frontend_put_query(b, "SELECT 1");
}

static void build_parse(struct pg_buf *b)
{
	static const uint32_t types[] = { 23, 0 };
	pg_frontend_put_parse(b, "s1", "SELECT $1, $2", types, N(types));
}

static void build_parse_untyped(struct pg_buf *b)
{
	pg_frontend_put_parse(b, "", "SELECT 1", NULL, 0);
}

static void build_bind(struct pg_buf *b)
{
	static const char *const params[] = { "42", NULL, "" };
	pg_frontend_put_bind(b, "", "s1", params, N(params));
}

static void build_bind_none(struct pg_buf *b)
{
	pg_frontend_put_bind(b, "c1", "", NULL, 0);
}

static void build_describe_statement(struct pg_buf *b)
{
	pg_frontend_put_describe(b, PG_FE_TARGET_STATEMENT, "s1");
}

static void build_describe_portal(struct pg_buf *b)
{
	pg_frontend_put_describe(b, PG_FE_TARGET_PORTAL, "");
}

static void build_close_statement(struct pg_buf *b)
{
	pg_frontend_put_close(b, PG_FE_TARGET_STATEMENT, "s1");
}

static void build_close_portal(struct pg_buf *b)
{
	pg_frontend_put_close(b, PG_FE_TARGET_PORTAL, "c");
}

static void build_execute(struct pg_buf *b)
{
	pg_frontend_put_execute(b, "", 0);
}

static void build_execute_limited(struct pg_buf *b)
{
	pg_frontend_put_execute(b, "c1", 100);
}

static void build_sync(struct pg_buf *b)
{
	pg_frontend_put_sync(b);
}

static void build_flush(struct pg_buf *b)
{
	pg_frontend_put_flush(b);
}

static void build_terminate(struct pg_buf *b)
{
	pg_frontend_put_terminate(b);
}

static void build_copy_data(struct pg_buf *b)
{
	pg_frontend_put_copy_data(b, "a\tb\n", 4);
}

static void build_copy_data_empty(struct pg_buf *b)
{
	pg_frontend_put_copy_data(b, NULL, 0);
}

static void build_copy_done(struct pg_buf *b)
{
	pg_frontend_put_copy_done(b);
}

static void build_copy_fail(struct pg_buf *b)
{
	pg_frontend_put_copy_fail(b, "client aborted");
}

static void build_function_call(struct pg_buf *b)
{
	static const char *const args[] = { "42", NULL };
	pg_frontend_put_function_call(b, 1598, args, N(args));
}

static void build_password(struct pg_buf *b)
{
	pg_frontend_put_password(b, "secret");
}

static void build_sasl_initial(struct pg_buf *b)
{
	pg_frontend_put_sasl_initial(b, "SCRAM-SHA-256", "n,,n=,r=abc", 11);
}

static void build_sasl_initial_none(struct pg_buf *b)
{
	pg_frontend_put_sasl_initial(b, "SCRAM-SHA-256", NULL, -1);
}

static void build_sasl_initial_empty(struct pg_buf *b)
{
	pg_frontend_put_sasl_initial(b, "X", "", 0);
}

static void build_sasl_response(struct pg_buf *b)
{
	pg_frontend_put_sasl_response(b, "c=biws,r=abc,p=xyz", 18);
}

static const struct msg_round_trip round_trips[] = {
	{ "query", build_query, &query, "query='SELECT 1'" },
	{ "parse", build_parse, &parse, "stmt='s1' query='SELECT $1, $2' types=(23,0)" },
	{ "parse untyped", build_parse_untyped, &parse, "stmt='' query='SELECT 1' types=()" },
	{ "bind", build_bind, &bind, "portal='' stmt='s1' pfmt=() params=[ '42' NULL '' ] rfmt=()" },
	{ "bind without params", build_bind_none, &bind,
	  "portal='c1' stmt='' pfmt=() params=[ ] rfmt=()" },
	{ "describe statement", build_describe_statement, &describe, "S 's1'" },
	{ "describe portal", build_describe_portal, &describe, "P ''" },
	{ "close statement", build_close_statement, &close_, "S 's1'" },
	{ "close portal", build_close_portal, &close_, "P 'c'" },
	{ "execute", build_execute, &execute, "portal='' max=0" },
	{ "execute limited", build_execute_limited, &execute, "portal='c1' max=100" },
	{ "sync", build_sync, &empty, "empty S" },
	{ "flush", build_flush, &empty, "empty H" },
	{ "terminate", build_terminate, &empty, "empty X" },
	{ "copy data", build_copy_data, &copy_data, "data='a\\x09b\\x0a'" },
	{ "copy data empty", build_copy_data_empty, &copy_data, "data=''" },
	{ "copy done", build_copy_done, &empty, "empty c" },
	{ "copy fail", build_copy_fail, &copy_fail, "fail='client aborted'" },
	{ "function call", build_function_call, &fcall, "oid=1598 afmt=() args=[ '42' NULL ] rfmt=0" },
	{ "password", build_password, &password, "password='secret'" },
	{ "sasl initial", build_sasl_initial, &sasl_initial,
	  "mech='SCRAM-SHA-256' data='n,,n=,r=abc'" },
	{ "sasl initial without data", build_sasl_initial_none, &sasl_initial,
	  "mech='SCRAM-SHA-256' data=NULL" },
	{ "sasl initial empty data", build_sasl_initial_empty, &sasl_initial, "mech='X' data=''" },
	{ "sasl response", build_sasl_response, &sasl_response, "data='c=biws,r=abc,p=xyz'" },
};

START_TEST(test_valid)
{
	msg_check_valid(&valid[_i]);
}
END_TEST

START_TEST(test_bad)
{
	msg_check_bad(&bad[_i]);
}
END_TEST

START_TEST(test_truncated)
{
	msg_check_truncated(&truncated[_i]);
}
END_TEST

START_TEST(test_round_trip)
{
	msg_check_round_trip(&round_trips[_i]);
}
END_TEST

/* The exact bytes of an extended-protocol round, as a server expects them. */
START_TEST(test_extended_bytes)
{
	struct pg_buf b;
	pg_buf_init(&b);
	static const char *const params[] = { "7" };
	pg_frontend_put_bind(&b, "", "s", params, 1);
	pg_frontend_put_execute(&b, "", 0);
	pg_frontend_put_sync(&b);
	static const uint8_t want[] = {
		'B', 0, 0, 0, 18, 0, 's', 0, 0, 0, 0, 1, 0, 0, 0, 1, '7', 0, 0,
		'E', 0, 0, 0, 9, 0, 0, 0, 0, 0,
		'S', 0, 0, 0, 4,
	};
	ck_assert_uint_eq(b.len, sizeof want);
	ck_assert_mem_eq(b.data, want, sizeof want);
	pg_buf_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_frontend");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_valid, 0, N(valid));
	tcase_add_loop_test(tc, test_bad, 0, N(bad));
	tcase_add_loop_test(tc, test_truncated, 0, N(truncated));
	tcase_add_loop_test(tc, test_round_trip, 0, N(round_trips));
	tcase_add_test(tc, test_extended_bytes);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
