/* Unit tests for protocol/pg_backend: every builder read back by its reader
 * with exact values, hand-written bodies in the protocol's documented
 * layouts, malformed bodies (each with its result and offset), and bodies
 * cut at every length. Each reader's output is rendered as text (see
 * msg_test.h) so one compare checks every decoded value. */
#include <check.h>
#include <stdlib.h>

#include "protocol/pg_backend.h"
#include "tests/unit/msg_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum pg_result render_auth(const struct pg_frame *f, struct pg_reader *r,
				  struct msg_text *t)
{
	struct pg_backend_auth a;
	enum pg_result res = pg_backend_read_auth(f, r, &a);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "code=%u", (unsigned)a.code);
	if (a.salt) {
		msg_text_add(t, " salt='");
		msg_text_bytes(t, a.salt, 4);
		msg_text_add(t, "'");
	}
	if (a.code == PG_AUTH_SASL) {
		const char *m;
		msg_text_add(t, " mechs=");
		for (int i = 0; pg_backend_mechanisms_next(&a.mechanisms, &m); i++)
			msg_text_add(t, "%s'%s'", i ? "," : "", m);
	}
	if (a.data) {
		msg_text_add(t, " data='");
		msg_text_bytes(t, a.data, a.data_len);
		msg_text_add(t, "'");
	}
	return PG_OK;
}

static enum pg_result render_parameter_status(const struct pg_frame *f, struct pg_reader *r,
					      struct msg_text *t)
{
	const char *name, *value;
	enum pg_result res = pg_backend_read_parameter_status(f, r, &name, &value);
	if (res == PG_OK)
		msg_text_add(t, "%s='%s'", name, value);
	return res;
}

static enum pg_result render_backend_key_data(const struct pg_frame *f, struct pg_reader *r,
					      struct msg_text *t)
{
	uint32_t pid, key;
	enum pg_result res = pg_backend_read_backend_key_data(f, r, &pid, &key);
	if (res == PG_OK)
		msg_text_add(t, "pid=%u key=%u", (unsigned)pid, (unsigned)key);
	return res;
}

static enum pg_result render_ready(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	enum pg_tx_status status;
	enum pg_result res = pg_backend_read_ready_for_query(f, r, &status);
	if (res == PG_OK)
		msg_text_add(t, "status=%c", (char)status);
	return res;
}

static void text_diag(struct msg_text *t, const struct pg_backend_diag *d)
{
	msg_text_str(t, "S=", d->severity_localized);
	msg_text_str(t, " V=", d->severity);
	msg_text_str(t, " C=", d->sqlstate);
	msg_text_str(t, " M=", d->message);
	msg_text_str(t, " D=", d->detail);
	msg_text_str(t, " H=", d->hint);
}

static enum pg_result render_error(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	struct pg_backend_diag d;
	enum pg_result res = pg_backend_read_error(f, r, &d);
	if (res == PG_OK)
		text_diag(t, &d);
	return res;
}

static enum pg_result render_notice(const struct pg_frame *f, struct pg_reader *r,
				    struct msg_text *t)
{
	struct pg_backend_diag d;
	enum pg_result res = pg_backend_read_notice(f, r, &d);
	if (res == PG_OK)
		text_diag(t, &d);
	return res;
}

static enum pg_result render_row_description(const struct pg_frame *f, struct pg_reader *r,
					     struct msg_text *t)
{
	struct pg_backend_columns cols;
	struct pg_backend_column c;
	enum pg_result res = pg_backend_read_row_description(f, r, &cols);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "n=%u", (unsigned)cols.count);
	while (pg_backend_columns_next(&cols, &c))
		msg_text_add(t, " [%s table=%u col=%d type=%u len=%d mod=%d fmt=%d]", c.name,
			     (unsigned)c.table_oid, c.column, (unsigned)c.type_oid, c.type_len,
			     (int)c.type_mod, (int)c.format);
	ck_assert_uint_eq(cols.len, 0);
	return PG_OK;
}

static enum pg_result render_data_row(const struct pg_frame *f, struct pg_reader *r,
				      struct msg_text *t)
{
	struct pg_values values;
	enum pg_result res = pg_backend_read_data_row(f, r, &values);
	if (res == PG_OK)
		msg_text_values(t, values);
	return res;
}

static enum pg_result render_command_complete(const struct pg_frame *f, struct pg_reader *r,
					      struct msg_text *t)
{
	const char *tag;
	enum pg_result res = pg_backend_read_command_complete(f, r, &tag);
	if (res == PG_OK)
		msg_text_add(t, "tag='%s'", tag);
	return res;
}

static enum pg_result render_empty(const struct pg_frame *f, struct pg_reader *r,
				   struct msg_text *t)
{
	enum pg_result res = pg_backend_read_empty(f, r);
	if (res == PG_OK)
		msg_text_add(t, "empty %c", (char)f->type);
	return res;
}

static enum pg_result render_copy(const struct pg_frame *f, struct pg_reader *r,
				  struct msg_text *t)
{
	struct pg_backend_copy c;
	enum pg_result res = pg_backend_read_copy_response(f, r, &c);
	if (res != PG_OK)
		return res;
	msg_text_add(t, "%c format=%d cols=", (char)f->type, (int)c.format);
	msg_text_formats(t, c.columns);
	return PG_OK;
}

static const struct msg_reader auth = { "auth", render_auth };
static const struct msg_reader param = { "parameter_status", render_parameter_status };
static const struct msg_reader key = { "backend_key_data", render_backend_key_data };
static const struct msg_reader ready = { "ready_for_query", render_ready };
static const struct msg_reader error = { "error", render_error };
static const struct msg_reader notice = { "notice", render_notice };
static const struct msg_reader rowdesc = { "row_description", render_row_description };
static const struct msg_reader datarow = { "data_row", render_data_row };
static const struct msg_reader complete = { "command_complete", render_command_complete };
static const struct msg_reader empty = { "empty", render_empty };
static const struct msg_reader copy = { "copy_response", render_copy };

/* Bodies laid out as the protocol documentation describes each message. */
static const struct msg_valid valid[] = {
	{ &auth, 'R', BODY("\0\0\0\0"), "code=0" },
	{ &auth, 'R', BODY("\0\0\0\3"), "code=3" },
	{ &auth, 'R', BODY("\0\0\0\5" "\x01\xfe" "ab"), "code=5 salt='\\x01\\xfeab'" },
	{ &auth, 'R', BODY("\0\0\0\x0a" "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"),
	  "code=10 mechs='SCRAM-SHA-256-PLUS','SCRAM-SHA-256'" },
	{ &auth, 'R', BODY("\0\0\0\x0a\0"), "code=10 mechs=" },
	{ &auth, 'R', BODY("\0\0\0\x0b" "r=nonce,s=c2FsdA==,i=4096"),
	  "code=11 data='r=nonce,s=c2FsdA==,i=4096'" },
	{ &auth, 'R', BODY("\0\0\0\x0c" "v=c2lnbmF0dXJl"), "code=12 data='v=c2lnbmF0dXJl'" },
	{ &auth, 'R', BODY("\0\0\0\x0b"), "code=11 data=''" },
	/* GSS and unknown codes come back for the caller to refuse. */
	{ &auth, 'R', BODY("\0\0\0\x07"), "code=7 data=''" },
	{ &auth, 'R', BODY("\0\0\0\x63" "\x01\x02"), "code=99 data='\\x01\\x02'" },
	{ &param, 'S', BODY("client_encoding\0UTF8\0"), "client_encoding='UTF8'" },
	{ &param, 'S', BODY("application_name\0\0"), "application_name=''" },
	{ &key, 'K', BODY("\0\0\x30\x39\x12\x34\x56\x78"), "pid=12345 key=305419896" },
	{ &key, 'K', BODY("\xff\xff\xff\xff\0\0\0\0"), "pid=4294967295 key=0" },
	{ &ready, 'Z', BODY("I"), "status=I" },
	{ &ready, 'Z', BODY("T"), "status=T" },
	{ &ready, 'Z', BODY("E"), "status=E" },
	{ &error, 'E',
	  BODY("SERROR\0VERROR\0C42P01\0Mrelation \"x\" does not exist\0P15\0"
	       "Fparse_relation.c\0L1392\0Rparser_open_table\0\0"),
	  "S='ERROR' V='ERROR' C='42P01' M='relation \"x\" does not exist' D=- H=-" },
	/* A server older than 9.6 sends no V: severity falls back to S. */
	{ &error, 'E', BODY("SFATAL\0C28P01\0Mpassword authentication failed\0\0"),
	  "S='FATAL' V='FATAL' C='28P01' M='password authentication failed' D=- H=-" },
	{ &error, 'E', BODY("\0"), "S=- V=- C=- M=- D=- H=-" },
	{ &error, 'E', BODY("MFirst\0MSecond\0\0"), "S=- V=- C=- M='Second' D=- H=-" },
	{ &notice, 'N', BODY("SWARNING\0VWARNING\0C01000\0Mm\0Dsome detail\0Hsome hint\0\0"),
	  "S='WARNING' V='WARNING' C='01000' M='m' D='some detail' H='some hint'" },
	{ &notice, 'N', BODY("SAVERTISSEMENT\0VWARNING\0C01000\0Mm\0\0"),
	  "S='AVERTISSEMENT' V='WARNING' C='01000' M='m' D=- H=-" },
	{ &rowdesc, 'T', BODY("\0\0"), "n=0" },
	{ &rowdesc, 'T',
	  BODY("\0\x02"
	       "id\0" "\0\0\x40\0" "\0\x01" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\0"
	       "n\0" "\0\0\0\0" "\0\0" "\0\0\x04\x13" "\xff\xff" "\0\0\0\x44" "\0\x01"),
	  "n=2 [id table=16384 col=1 type=23 len=4 mod=-1 fmt=0]"
	  " [n table=0 col=0 type=1043 len=-1 mod=68 fmt=1]" },
	{ &datarow, 'D', BODY("\0\0"), "[ ]" },
	{ &datarow, 'D', BODY("\0\x03" "\0\0\0\x01" "1" "\xff\xff\xff\xff" "\0\0\0\0"),
	  "[ '1' NULL '' ]" },
	{ &complete, 'C', BODY("SELECT 1\0"), "tag='SELECT 1'" },
	{ &complete, 'C', BODY("INSERT 0 1\0"), "tag='INSERT 0 1'" },
	{ &empty, 'I', BODY(""), "empty I" },
	{ &empty, '1', BODY(""), "empty 1" },
	{ &empty, '2', BODY(""), "empty 2" },
	{ &empty, '3', BODY(""), "empty 3" },
	{ &empty, 'n', BODY(""), "empty n" },
	{ &copy, 'G', BODY("\0\0\x02\0\0\0\0"), "G format=0 cols=(0,0)" },
	{ &copy, 'H', BODY("\x01\0\x02\0\x01\0\0"), "H format=1 cols=(1,0)" },
	{ &copy, 'W', BODY("\0\0\0"), "W format=0 cols=()" },
};

static const struct msg_bad bad[] = {
	{ "auth code truncated", &auth, 'R', BODY("\0\0\0"), PG_ERR_FORMAT, 0 },
	{ "auth ok with a trailing byte", &auth, 'R', BODY("\0\0\0\0X"), PG_ERR_FORMAT, 4 },
	{ "auth on a wrong frame", &auth, 'S', BODY("\0\0\0\0"), PG_ERR_FORMAT, 0 },
	{ "md5 salt short", &auth, 'R', BODY("\0\0\0\5ab"), PG_ERR_FORMAT, 4 },
	{ "md5 salt long", &auth, 'R', BODY("\0\0\0\5abcde"), PG_ERR_FORMAT, 8 },
	{ "sasl mechanism unterminated", &auth, 'R', BODY("\0\0\0\x0aSCRAM"), PG_ERR_FORMAT, 4 },
	{ "sasl list unclosed", &auth, 'R', BODY("\0\0\0\x0aSCRAM\0"), PG_ERR_FORMAT, 10 },
	{ "sasl list trailing", &auth, 'R', BODY("\0\0\0\x0a" "A\0\0X"), PG_ERR_FORMAT, 7 },
	{ "sasl without list", &auth, 'R', BODY("\0\0\0\x0a"), PG_ERR_FORMAT, 4 },
	{ "status value unterminated", &param, 'S', BODY("a\0b"), PG_ERR_FORMAT, 2 },
	{ "status value missing", &param, 'S', BODY("a\0"), PG_ERR_FORMAT, 2 },
	{ "status trailing", &param, 'S', BODY("a\0b\0c"), PG_ERR_FORMAT, 4 },
	{ "key data short", &key, 'K', BODY("\0\0\0\1\0\0\0"), PG_ERR_FORMAT, 4 },
	{ "key data long", &key, 'K', BODY("\0\0\0\1\0\0\0\2\3"), PG_ERR_FORMAT, 8 },
	{ "ready status X", &ready, 'Z', BODY("X"), PG_ERR_FORMAT, 0 },
	{ "ready status i", &ready, 'Z', BODY("i"), PG_ERR_FORMAT, 0 },
	{ "ready status NUL", &ready, 'Z', BODY("\0"), PG_ERR_FORMAT, 0 },
	{ "ready empty", &ready, 'Z', BODY(""), PG_ERR_FORMAT, 0 },
	{ "ready trailing", &ready, 'Z', BODY("II"), PG_ERR_FORMAT, 1 },
	{ "ready on a wrong frame", &ready, 'I', BODY("I"), PG_ERR_FORMAT, 0 },
	{ "error without terminator", &error, 'E', BODY("SERROR\0"), PG_ERR_FORMAT, 7 },
	{ "error field unterminated", &error, 'E', BODY("SERROR"), PG_ERR_FORMAT, 1 },
	{ "error unknown field unterminated", &error, 'E', BODY("SERROR\0qabc"), PG_ERR_FORMAT, 8 },
	{ "error trailing", &error, 'E', BODY("SERROR\0\0X"), PG_ERR_FORMAT, 8 },
	{ "error empty", &error, 'E', BODY(""), PG_ERR_FORMAT, 0 },
	{ "notice read as error", &error, 'N', BODY("\0"), PG_ERR_FORMAT, 0 },
	{ "error read as notice", &notice, 'E', BODY("\0"), PG_ERR_FORMAT, 0 },
	{ "rowdesc count beyond body", &rowdesc, 'T',
	  BODY("\0\x02" "id\0" "\0\0\0\0" "\0\0" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\0"),
	  PG_ERR_LENGTH, 0 },
	{ "rowdesc negative count", &rowdesc, 'T', BODY("\xff\xff"), PG_ERR_LENGTH, 0 },
	{ "rowdesc format 2", &rowdesc, 'T',
	  BODY("\0\x01" "id\0" "\0\0\0\0" "\0\0" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\x02"),
	  PG_ERR_FORMAT, 21 },
	{ "rowdesc name unterminated", &rowdesc, 'T', BODY("\0\x01" "abcdefghijklmnopqrs"),
	  PG_ERR_FORMAT, 2 },
	{ "rowdesc trailing", &rowdesc, 'T',
	  BODY("\0\x01" "id\0" "\0\0\0\0" "\0\0" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\0"
	       "!"),
	  PG_ERR_FORMAT, 23 },
	{ "datarow count beyond body", &datarow, 'D', BODY("\0\x02\0\0\0\x01" "a"),
	  PG_ERR_LENGTH, 0 },
	{ "datarow negative count", &datarow, 'D', BODY("\x80\0"), PG_ERR_LENGTH, 0 },
	{ "datarow length -2", &datarow, 'D', BODY("\0\x01\xff\xff\xff\xfe"), PG_ERR_LENGTH, 2 },
	{ "datarow length beyond body", &datarow, 'D', BODY("\0\x01\0\0\0\x05" "ab"),
	  PG_ERR_LENGTH, 2 },
	{ "datarow trailing", &datarow, 'D', BODY("\0\x01\xff\xff\xff\xff" "z"), PG_ERR_FORMAT, 6 },
	{ "tag unterminated", &complete, 'C', BODY("SELECT 1"), PG_ERR_FORMAT, 0 },
	{ "tag trailing", &complete, 'C', BODY("SELECT 1\0\0"), PG_ERR_FORMAT, 9 },
	{ "empty with a byte", &empty, '1', BODY("x"), PG_ERR_FORMAT, 0 },
	{ "empty on a wrong frame", &empty, 'Z', BODY(""), PG_ERR_FORMAT, 0 },
	{ "copy format 2", &copy, 'G', BODY("\x02\0\0"), PG_ERR_FORMAT, 0 },
	{ "copy binary column in text", &copy, 'G', BODY("\0\0\x02\0\0\0\x01"), PG_ERR_FORMAT, 5 },
	{ "copy column format 7", &copy, 'H', BODY("\x01\0\x01\0\x07"), PG_ERR_FORMAT, 3 },
	{ "copy count beyond body", &copy, 'H', BODY("\0\0\x03\0\0"), PG_ERR_LENGTH, 1 },
	{ "copy trailing", &copy, 'W', BODY("\0\0\0\0"), PG_ERR_FORMAT, 3 },
	{ "copy on a wrong frame", &copy, 'Z', BODY("\0\0\0"), PG_ERR_FORMAT, 0 },
};

/* Each cut body fails at the start of the field the cut falls in, or at
 * the count that promised more than is left. */
static const struct msg_truncated truncated[] = {
	{ &key, 'K', BODY("\0\0\x30\x39\x12\x34\x56\x78"),
	  (const size_t[]){ 0, 0, 0, 0, 4, 4, 4, 4 } },
	{ &param, 'S', BODY("ab\0c\0"), (const size_t[]){ 0, 0, 0, 3, 3 } },
	{ &ready, 'Z', BODY("I"), (const size_t[]){ 0 } },
	{ &auth, 'R', BODY("\0\0\0\x0a" "AB\0C\0\0"),
	  (const size_t[]){ 0, 0, 0, 0, 4, 4, 4, 7, 7, 9 } },
	{ &error, 'E', BODY("SERROR\0C42P01\0Mbad\0\0"),
	  (const size_t[]){ 0, 1, 1, 1, 1, 1, 1, 7, 8, 8, 8, 8, 8, 8, 14, 15, 15, 15, 15, 19 } },
	{ &rowdesc, 'T',
	  BODY("\0\x01" "id\0" "\0\0\0\0" "\0\0" "\0\0\0\x17" "\0\x04" "\xff\xff\xff\xff" "\0\0"),
	  (const size_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			    21, 21 } },
	{ &datarow, 'D', BODY("\0\x02" "\0\0\0\x02" "ab" "\xff\xff\xff\xff"),
	  (const size_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8 } },
	{ &copy, 'H', BODY("\x01\0\x02\0\x01\0\0"), (const size_t[]){ 0, 1, 1, 1, 1, 1, 1 } },
};

static void build_auth_ok(struct pg_buf *b)
{
	pg_backend_put_auth_ok(b);
}

static void build_auth_cleartext(struct pg_buf *b)
{
	pg_backend_put_auth_cleartext(b);
}

static void build_auth_md5(struct pg_buf *b)
{
	static const uint8_t salt[4] = { 0x01, 0xff, 'a', 0 };
	pg_backend_put_auth_md5(b, salt);
}

static void build_auth_sasl(struct pg_buf *b)
{
	static const char *const mechs[] = { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" };
	pg_backend_put_auth_sasl(b, mechs, N(mechs));
}

static void build_auth_sasl_continue(struct pg_buf *b)
{
	pg_backend_put_auth_sasl_continue(b, "r=abc,s=xyz,i=4096", 18);
}

static void build_auth_sasl_continue_empty(struct pg_buf *b)
{
	pg_backend_put_auth_sasl_continue(b, NULL, 0);
}

static void build_auth_sasl_final(struct pg_buf *b)
{
	pg_backend_put_auth_sasl_final(b, "v=\0sig", 6);
}

static void build_parameter_status(struct pg_buf *b)
{
	pg_backend_put_parameter_status(b, "TimeZone", "Europe/Paris");
}

static void build_backend_key_data(struct pg_buf *b)
{
	pg_backend_put_backend_key_data(b, 0xdeadbeef, 7);
}

static void build_ready_idle(struct pg_buf *b)
{
	pg_backend_put_ready_for_query(b, PG_TX_IDLE);
}

static void build_ready_in_block(struct pg_buf *b)
{
	pg_backend_put_ready_for_query(b, PG_TX_IN_BLOCK);
}

static void build_ready_failed(struct pg_buf *b)
{
	pg_backend_put_ready_for_query(b, PG_TX_FAILED);
}

static void build_error(struct pg_buf *b)
{
	pg_backend_put_error(b, &(struct pg_backend_diag){
		.severity = "FATAL", .sqlstate = "53300", .message = "too many clients",
		.hint = "raise max_client_conn" });
}

static void build_error_localized(struct pg_buf *b)
{
	pg_backend_put_error(b, &(struct pg_backend_diag){
		.severity = "FATAL", .severity_localized = "SCHWERWIEGEND", .sqlstate = "28P01",
		.message = "m", .detail = "d" });
}

static void build_notice(struct pg_buf *b)
{
	pg_backend_put_notice(b, &(struct pg_backend_diag){
		.severity = "NOTICE", .sqlstate = "00000", .message = "hello", .detail = "there" });
}

static void build_row_description(struct pg_buf *b)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g" };
	static const uint32_t oids[] = { PG_OID_TEXT, PG_OID_INT4, PG_OID_INT8, PG_OID_BOOL,
					 PG_OID_FLOAT8, PG_OID_NAME, PG_OID_NUMERIC };
	pg_backend_put_row_description(b, names, oids, N(names));
}

static void build_row_description_none(struct pg_buf *b)
{
	pg_backend_put_row_description(b, NULL, NULL, 0);
}

static void build_data_row(struct pg_buf *b)
{
	static const char *const values[] = { "db", NULL, "", "12" };
	pg_backend_put_data_row(b, values, NULL, N(values));
}

static void build_data_row_lens(struct pg_buf *b)
{
	static const char *const values[] = { "a\0b", NULL, "xyz" };
	static const size_t lens[] = { 3, 99, 2 };
	pg_backend_put_data_row(b, values, lens, N(values));
}

static void build_command_complete(struct pg_buf *b)
{
	pg_backend_put_command_complete(b, "SHOW");
}

static void build_empty_query(struct pg_buf *b)
{
	pg_backend_put_empty_query(b);
}

static void build_parse_complete(struct pg_buf *b)
{
	pg_backend_put_parse_complete(b);
}

static void build_bind_complete(struct pg_buf *b)
{
	pg_backend_put_bind_complete(b);
}

static void build_close_complete(struct pg_buf *b)
{
	pg_backend_put_close_complete(b);
}

static void build_no_data(struct pg_buf *b)
{
	pg_backend_put_no_data(b);
}

static void build_copy_in(struct pg_buf *b)
{
	static const enum pg_format cols[] = { PG_FORMAT_TEXT, PG_FORMAT_TEXT };
	pg_backend_put_copy_response(b, PG_BE_COPY_IN, PG_FORMAT_TEXT, cols, N(cols));
}

static void build_copy_out(struct pg_buf *b)
{
	static const enum pg_format cols[] = { PG_FORMAT_BINARY, PG_FORMAT_TEXT };
	pg_backend_put_copy_response(b, PG_BE_COPY_OUT, PG_FORMAT_BINARY, cols, N(cols));
}

static void build_copy_both(struct pg_buf *b)
{
	pg_backend_put_copy_response(b, PG_BE_COPY_BOTH, PG_FORMAT_TEXT, NULL, 0);
}

static const struct msg_round_trip round_trips[] = {
	{ "auth ok", build_auth_ok, &auth, "code=0" },
	{ "auth cleartext", build_auth_cleartext, &auth, "code=3" },
	{ "auth md5", build_auth_md5, &auth, "code=5 salt='\\x01\\xffa\\x00'" },
	{ "auth sasl", build_auth_sasl, &auth,
	  "code=10 mechs='SCRAM-SHA-256-PLUS','SCRAM-SHA-256'" },
	{ "auth sasl continue", build_auth_sasl_continue, &auth,
	  "code=11 data='r=abc,s=xyz,i=4096'" },
	{ "auth sasl continue empty", build_auth_sasl_continue_empty, &auth, "code=11 data=''" },
	{ "auth sasl final", build_auth_sasl_final, &auth, "code=12 data='v=\\x00sig'" },
	{ "parameter status", build_parameter_status, &param, "TimeZone='Europe/Paris'" },
	{ "backend key data", build_backend_key_data, &key, "pid=3735928559 key=7" },
	{ "ready idle", build_ready_idle, &ready, "status=I" },
	{ "ready in block", build_ready_in_block, &ready, "status=T" },
	{ "ready failed", build_ready_failed, &ready, "status=E" },
	{ "error", build_error, &error,
	  "S='FATAL' V='FATAL' C='53300' M='too many clients' D=- H='raise max_client_conn'" },
	{ "error localized", build_error_localized, &error,
	  "S='SCHWERWIEGEND' V='FATAL' C='28P01' M='m' D='d' H=-" },
	{ "notice", build_notice, &notice,
	  "S='NOTICE' V='NOTICE' C='00000' M='hello' D='there' H=-" },
	{ "row description", build_row_description, &rowdesc,
	  "n=7 [a table=0 col=0 type=25 len=-1 mod=-1 fmt=0]"
	  " [b table=0 col=0 type=23 len=4 mod=-1 fmt=0]"
	  " [c table=0 col=0 type=20 len=8 mod=-1 fmt=0]"
	  " [d table=0 col=0 type=16 len=1 mod=-1 fmt=0]"
	  " [e table=0 col=0 type=701 len=8 mod=-1 fmt=0]"
	  " [f table=0 col=0 type=19 len=64 mod=-1 fmt=0]"
	  " [g table=0 col=0 type=1700 len=-1 mod=-1 fmt=0]" },
	{ "row description empty", build_row_description_none, &rowdesc, "n=0" },
	{ "data row", build_data_row, &datarow, "[ 'db' NULL '' '12' ]" },
	{ "data row with lengths", build_data_row_lens, &datarow, "[ 'a\\x00b' NULL 'xy' ]" },
	{ "command complete", build_command_complete, &complete, "tag='SHOW'" },
	{ "empty query", build_empty_query, &empty, "empty I" },
	{ "parse complete", build_parse_complete, &empty, "empty 1" },
	{ "bind complete", build_bind_complete, &empty, "empty 2" },
	{ "close complete", build_close_complete, &empty, "empty 3" },
	{ "no data", build_no_data, &empty, "empty n" },
	{ "copy in", build_copy_in, &copy, "G format=0 cols=(0,0)" },
	{ "copy out", build_copy_out, &copy, "H format=1 cols=(1,0)" },
	{ "copy both", build_copy_both, &copy, "W format=0 cols=()" },
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

/* Several messages in one buffer: each builder appends, none overwrites. */
START_TEST(test_builders_append)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_backend_put_auth_ok(&b);
	pg_backend_put_parameter_status(&b, "a", "b");
	pg_backend_put_ready_for_query(&b, PG_TX_IDLE);
	static const uint8_t want[] = { 'R', 0, 0, 0, 8, 0, 0, 0, 0,
					'S', 0, 0, 0, 8, 'a', 0, 'b', 0,
					'Z', 0, 0, 0, 5, 'I' };
	ck_assert_uint_eq(b.len, sizeof want);
	ck_assert_mem_eq(b.data, want, sizeof want);
	pg_buf_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_backend");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_valid, 0, N(valid));
	tcase_add_loop_test(tc, test_bad, 0, N(bad));
	tcase_add_loop_test(tc, test_truncated, 0, N(truncated));
	tcase_add_loop_test(tc, test_round_trip, 0, N(round_trips));
	tcase_add_test(tc, test_builders_append);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
