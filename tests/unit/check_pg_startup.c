/* Unit tests for protocol/pg_startup: each valid packet parses whole, byte
 * by byte and truncated at every offset; each malformed one fails with its
 * own result, reason and offset without consuming; the builders' output
 * matches known wire bytes and parses back to the values built. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_startup.h"
#include "util/xalloc.h"

#define MAX_LEN 1000
#define PREFIX_LEN 3
#define MAX_PARAMS 6

/* A packet given without its length field, which the test prepends. */
struct startup_vec {
	const char *name;
	const char *body;
	size_t body_len;
	enum pg_startup_kind kind;
	uint32_t code;
	uint16_t minor;
	struct pg_startup_param params[MAX_PARAMS];
	size_t nparams;
	const char *options[MAX_PARAMS];
	size_t noptions;
	uint32_t pid, key;
};

#define BODY(lit) .body = lit, .body_len = sizeof(lit) - 1

static const struct startup_vec vecs[] = {
	{ "SSLRequest", BODY("\x04\xd2\x16\x2f"), PG_STARTUP_SSL_REQUEST, PG_SSL_REQUEST_CODE },
	{ "GSSENCRequest", BODY("\x04\xd2\x16\x30"), PG_STARTUP_GSSENC_REQUEST,
	  PG_GSSENC_REQUEST_CODE },
	{ "CancelRequest", BODY("\x04\xd2\x16\x2e\0\0\x04\xd2\xde\xad\xbe\xef"),
	  PG_STARTUP_CANCEL_REQUEST, PG_CANCEL_REQUEST_CODE, .pid = 1234, .key = 0xdeadbeef },
	{ "3.0 user and database", BODY("\0\x03\0\0user\0bob\0database\0db\0\0"),
	  PG_STARTUP_MESSAGE, PG_PROTOCOL_3_0, 0,
	  { { "user", "bob" }, { "database", "db" } }, 2 },
	{ "3.0 no parameters", BODY("\0\x03\0\0\0"), PG_STARTUP_MESSAGE, PG_PROTOCOL_3_0 },
	{ "3.0 empty value", BODY("\0\x03\0\0user\0u\0application_name\0\0\0"),
	  PG_STARTUP_MESSAGE, PG_PROTOCOL_3_0, 0,
	  { { "user", "u" }, { "application_name", "" } }, 2 },
	{ "3.0 repeated name", BODY("\0\x03\0\0user\0a\0TimeZone\0UTC\0user\0b\0\0"),
	  PG_STARTUP_MESSAGE, PG_PROTOCOL_3_0, 0,
	  { { "user", "a" }, { "TimeZone", "UTC" }, { "user", "b" } }, 3 },
	{ "3.2 protocol options, replication, options",
	  BODY("\0\x03\0\x02_pq_.a\0x\0user\0alice\0options\0-c geqo=off\0"
	       "replication\0database\0_pq_.b\0\0\0"),
	  PG_STARTUP_MESSAGE, PG_PROTOCOL(3, 2), 2,
	  { { "_pq_.a", "x" }, { "user", "alice" }, { "options", "-c geqo=off" },
	    { "replication", "database" }, { "_pq_.b", "" } }, 5,
	  { "_pq_.a", "_pq_.b" }, 2 },
	{ "3.65535 binary value", BODY("\0\x03\xff\xffuser\0\xc3\xa9\x01\0\0"),
	  PG_STARTUP_MESSAGE, PG_PROTOCOL(3, 0xffff), 0xffff,
	  { { "user", "\xc3\xa9\x01" } }, 1 },
};
#define NVECS (sizeof vecs / sizeof vecs[0])

/* Appends the packet of body[0..body_len) with its length field. */
static void put_packet(struct pg_buf *b, const char *body, size_t body_len)
{
	pg_buf_put_u32(b, (uint32_t)(body_len + 4));
	pg_buf_put_bytes(b, body, body_len);
}

/* The value a lookup of params[i].name should give: its last occurrence. */
static const char *last_value(const struct startup_vec *v, const char *name)
{
	const char *found = NULL;
	for (size_t i = 0; i < v->nparams; i++)
		if (strcmp(v->params[i].name, name) == 0)
			found = v->params[i].value;
	return found;
}

/* Asserts that iteration yields exactly the pairs in params[0..n). */
static void assert_params(const struct pg_startup *s, const struct pg_startup_param *params,
			  size_t n)
{
	struct pg_startup_param p;
	size_t pos = 0;
	ck_assert_uint_eq(s->nparams, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert(pg_startup_param_next(s, &pos, &p));
		ck_assert_str_eq(p.name, params[i].name);
		ck_assert_str_eq(p.value, params[i].value);
	}
	ck_assert(!pg_startup_param_next(s, &pos, &p));
}

/* Asserts that option iteration yields exactly options[0..n). */
static void assert_options(const struct pg_startup *s, const char *const *options, size_t n)
{
	struct pg_startup_param p;
	size_t pos = 0;
	ck_assert_uint_eq(s->noptions, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert(pg_startup_option_next(s, &pos, &p));
		ck_assert_str_eq(p.name, options[i]);
		ck_assert(pg_startup_is_option(p.name));
	}
	ck_assert(!pg_startup_option_next(s, &pos, &p));
}

static void assert_startup(const struct startup_vec *v, const struct pg_startup *s)
{
	ck_assert_int_eq(s->kind, v->kind);
	ck_assert_uint_eq(s->code, v->code);
	ck_assert_uint_eq(s->minor, v->minor);
	ck_assert_uint_eq(s->cancel_pid, v->pid);
	ck_assert_uint_eq(s->cancel_key, v->key);
	assert_params(s, v->params, v->nparams);
	assert_options(s, v->options, v->noptions);
	for (size_t i = 0; i < v->nparams; i++)
		ck_assert_pstr_eq(pg_startup_param(s, v->params[i].name),
				  last_value(v, v->params[i].name));
	ck_assert_ptr_null(pg_startup_param(s, "missing"));
	ck_assert_ptr_null(pg_startup_param(s, ""));
}

/* Whole packet plus trailing bytes, through pg_startup_read and through
 * pg_frame_read_startup + pg_startup_parse. */
START_TEST(test_whole)
{
	const struct startup_vec *v = &vecs[_i];
	struct pg_buf b;
	pg_buf_init(&b);
	put_packet(&b, v->body, v->body_len);
	pg_buf_put_bytes(&b, "\0\0\0\x08", 4);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_startup s;
	ck_assert_int_eq(pg_startup_read(&r, MAX_LEN, &s), PG_OK);
	ck_assert_uint_eq(r.pos, v->body_len + 4);
	ck_assert_ptr_null(r.err_reason);
	assert_startup(v, &s);

	pg_reader_init(&r, b.data, b.len);
	struct pg_frame f;
	ck_assert_int_eq(pg_frame_read_startup(&r, MAX_LEN, &f), PG_OK);
	ck_assert_int_eq(pg_startup_parse(&f, &s, &r), PG_OK);
	assert_startup(v, &s);
	pg_buf_fini(&b);
}
END_TEST

/* Growing prefixes after consumed bytes: NEED_MORE, cursor kept, then OK. */
START_TEST(test_byte_by_byte)
{
	const struct startup_vec *v = &vecs[_i];
	struct pg_buf packet;
	pg_buf_init(&packet);
	put_packet(&packet, v->body, v->body_len);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_buf_put_bytes(&b, "xyz", PREFIX_LEN);
	for (size_t k = 0; k < packet.len; k++) {
		pg_buf_put_u8(&b, packet.data[k]);
		struct pg_reader r;
		pg_reader_init(&r, b.data, b.len);
		r.pos = PREFIX_LEN;
		struct pg_startup s;
		enum pg_result res = pg_startup_read(&r, MAX_LEN, &s);
		if (k + 1 < packet.len) {
			ck_assert_int_eq(res, PG_NEED_MORE);
			ck_assert_uint_eq(r.pos, PREFIX_LEN);
		} else {
			ck_assert_int_eq(res, PG_OK);
			ck_assert_uint_eq(r.pos, b.len);
			assert_startup(v, &s);
		}
	}
	pg_buf_fini(&b);
	pg_buf_fini(&packet);
}
END_TEST

/* Every strict prefix alone in an exact-size heap block: NEED_MORE. */
START_TEST(test_truncated)
{
	const struct startup_vec *v = &vecs[_i];
	struct pg_buf packet;
	pg_buf_init(&packet);
	put_packet(&packet, v->body, v->body_len);
	for (size_t k = 0; k < packet.len; k++) {
		uint8_t *copy = xmalloc(k);
		memcpy(copy, packet.data, k);
		struct pg_reader r;
		pg_reader_init(&r, copy, k);
		struct pg_startup s;
		ck_assert_int_eq(pg_startup_read(&r, MAX_LEN, &s), PG_NEED_MORE);
		ck_assert_uint_eq(r.pos, 0);
		ck_assert_ptr_null(r.err_reason);
		free(copy);
	}
	pg_buf_fini(&packet);
}
END_TEST

struct bad_vec {
	const char *name;
	const char *bytes;
	size_t len;
	bool raw;                /* bytes include the length field */
	enum pg_result res;
	const char *reason;
	size_t offset;           /* from the packet's length field */
};

#define BAD(name, lit, res, reason, offset) { name, lit, sizeof(lit) - 1, false, res, reason, offset }
#define RAW(name, lit, res, reason, offset) { name, lit, sizeof(lit) - 1, true, res, reason, offset }

#define WRONG_LEN "request packet has the wrong length"
#define UNSUPPORTED "unsupported frontend protocol"

static const struct bad_vec bad_vecs[] = {
	RAW("length 7", "\0\0\0\x07\0\x03\0", PG_ERR_LENGTH, "startup packet length below 8", 0),
	RAW("length over max", "\0\0\x03\xe9", PG_ERR_LENGTH, "length exceeds the limit", 0),
	RAW("length 0xFFFFFFFF", "\xff\xff\xff\xff", PG_ERR_LENGTH, "length exceeds the limit", 0),
	BAD("major 2", "\0\x02\0\0user\0bob\0\0", PG_ERR_FORMAT, UNSUPPORTED, 4),
	BAD("major 4", "\0\x04\0\0user\0bob\0\0", PG_ERR_FORMAT, UNSUPPORTED, 4),
	BAD("code 0", "\0\0\0\0", PG_ERR_FORMAT, UNSUPPORTED, 4),
	BAD("unknown request code", "\x04\xd2\x16\x31", PG_ERR_FORMAT, "unknown request code", 4),
	BAD("SSLRequest with extra bytes", "\x04\xd2\x16\x2f\0\0\0\0", PG_ERR_LENGTH, WRONG_LEN, 0),
	BAD("GSSENCRequest with extra byte", "\x04\xd2\x16\x30\0", PG_ERR_LENGTH, WRONG_LEN, 0),
	BAD("cancel, no key", "\x04\xd2\x16\x2e\0\0\0\x01", PG_ERR_LENGTH, WRONG_LEN, 0),
	BAD("cancel, 15 bytes", "\x04\xd2\x16\x2e\0\0\0\x01\0\0\0", PG_ERR_LENGTH, WRONG_LEN, 0),
	BAD("cancel, 17 bytes", "\x04\xd2\x16\x2e\0\0\0\x01\0\0\0\x02\0", PG_ERR_LENGTH,
	    WRONG_LEN, 0),
	BAD("cancel, 20 bytes", "\x04\xd2\x16\x2e\0\0\0\x01\0\0\0\x02\0\0\0\0", PG_ERR_LENGTH,
	    WRONG_LEN, 0),
	BAD("no parameter list", "\0\x03\0\0", PG_ERR_FORMAT, "missing parameter list terminator", 8),
	BAD("unterminated name", "\0\x03\0\0user", PG_ERR_FORMAT, "unterminated parameter name", 8),
	BAD("name without value", "\0\x03\0\0user\0", PG_ERR_FORMAT, "parameter without value", 13),
	BAD("unterminated value", "\0\x03\0\0user\0bob", PG_ERR_FORMAT,
	    "unterminated parameter value", 13),
	BAD("missing final NUL", "\0\x03\0\0user\0bob\0", PG_ERR_FORMAT,
	    "missing parameter list terminator", 17),
	BAD("second name unterminated", "\0\x03\0\0user\0bob\0database", PG_ERR_FORMAT,
	    "unterminated parameter name", 17),
	BAD("bytes after terminator", "\0\x03\0\0user\0bob\0\0x", PG_ERR_FORMAT,
	    "bytes after the parameter list terminator", 18),
	BAD("empty name mid-list", "\0\x03\0\0user\0bob\0\0v\0user\0x\0\0", PG_ERR_FORMAT,
	    "bytes after the parameter list terminator", 18),
	BAD("empty name first", "\0\x03\0\0\0bob\0\0", PG_ERR_FORMAT,
	    "bytes after the parameter list terminator", 9),
};
#define NBAD (sizeof bad_vecs / sizeof bad_vecs[0])

/* Runs v starting `at` bytes into an exact-size buffer: every strict prefix
 * is NEED_MORE (or, for a bad length, the error once the length field is
 * in), the whole packet is v's error at at + v->offset; never consumes. */
static void check_bad_at(const struct bad_vec *v, size_t at)
{
	struct pg_buf packet;
	pg_buf_init(&packet);
	if (v->raw)
		pg_buf_put_bytes(&packet, v->bytes, v->len);
	else
		put_packet(&packet, v->bytes, v->len);
	for (size_t k = 0; k <= packet.len; k++) {
		uint8_t *buf = xmalloc(at + k);
		memset(buf, 'x', at);
		memcpy(buf + at, packet.data, k);
		struct pg_reader r;
		pg_reader_init(&r, buf, at + k);
		r.pos = at;
		struct pg_startup s;
		enum pg_result res = pg_startup_read(&r, MAX_LEN, &s);
		ck_assert_uint_eq(r.pos, at);
		if (k < 4 || (k < packet.len && !v->raw)) {
			ck_assert_int_eq(res, PG_NEED_MORE);
		} else {
			ck_assert_int_eq(res, v->res);
			ck_assert_pstr_eq(r.err_reason, v->reason);
			ck_assert_uint_eq(r.err_offset, at + v->offset);
		}
		free(buf);
	}
	pg_buf_fini(&packet);
}

START_TEST(test_malformed)
{
	check_bad_at(&bad_vecs[_i], 0);
	check_bad_at(&bad_vecs[_i], PREFIX_LEN);
}
END_TEST

/* pg_startup_parse on its own reports packet-relative offsets. */
START_TEST(test_parse_offsets)
{
	const struct bad_vec *v = &bad_vecs[_i];
	if (v->raw)
		return;
	struct pg_frame f = { 0, (uint32_t)(v->len + 4), (const uint8_t *)v->bytes, v->len };
	struct pg_reader err;
	pg_reader_init(&err, NULL, 0);
	struct pg_startup s;
	ck_assert_int_eq(pg_startup_parse(&f, &s, &err), v->res);
	ck_assert_pstr_eq(err.err_reason, v->reason);
	ck_assert_uint_eq(err.err_offset, v->offset);
}
END_TEST

struct build_vec {
	const char *name;
	uint32_t protocol;
	struct pg_startup_param params[MAX_PARAMS];
	size_t n;
	const char *options[MAX_PARAMS];
	size_t noptions;
};

static const struct build_vec build_vecs[] = {
	{ "3.0, no parameters", PG_PROTOCOL_3_0, .n = 0 },
	{ "3.0, user and database", PG_PROTOCOL_3_0,
	  .params = { { "user", "bob" }, { "database", "db" } }, .n = 2 },
	{ "3.0, empty values", PG_PROTOCOL_3_0,
	  .params = { { "user", "" }, { "options", "" } }, .n = 2 },
	{ "3.1, options", PG_PROTOCOL(3, 1),
	  .params = { { "user", "u" }, { "_pq_.x", "1" }, { "replication", "true" },
		      { "_pq_.y", "" } }, .n = 4,
	  .options = { "_pq_.x", "_pq_.y" }, .noptions = 2 },
};
#define NBUILD (sizeof build_vecs / sizeof build_vecs[0])

/* Build, frame, parse: the same version, pairs and options come back. */
START_TEST(test_build_round_trip)
{
	const struct build_vec *v = &build_vecs[_i];
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build(&b, v->protocol, v->params, v->n);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_startup s;
	ck_assert_int_eq(pg_startup_read(&r, MAX_LEN, &s), PG_OK);
	ck_assert_uint_eq(r.pos, b.len);
	ck_assert_int_eq(s.kind, PG_STARTUP_MESSAGE);
	ck_assert_uint_eq(s.code, v->protocol);
	ck_assert_uint_eq(s.minor, PG_PROTOCOL_MINOR(v->protocol));
	assert_params(&s, v->params, v->n);
	assert_options(&s, v->options, v->noptions);
	pg_buf_fini(&b);
}
END_TEST

/* Builders produce the documented wire bytes, and those parse back. */
START_TEST(test_build_requests)
{
	/* The literal's own terminating NUL is the parameter list's. */
	static const uint8_t startup[] = "\0\0\0\x12\0\x03\0\0user\0bob\0";
	static const uint8_t ssl[] = "\0\0\0\x08\x04\xd2\x16\x2f";
	static const uint8_t gss[] = "\0\0\0\x08\x04\xd2\x16\x30";
	static const uint8_t cancel[] = "\0\0\0\x10\x04\xd2\x16\x2e\0\x01\x02\x03\xfe\xdc\xba\x98";
	static const struct pg_startup_param user = { "user", "bob" };
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build(&b, PG_PROTOCOL_3_0, &user, 1);
	pg_startup_build_ssl_request(&b);
	pg_startup_build_gssenc_request(&b);
	pg_startup_build_cancel(&b, 0x00010203, 0xfedcba98);
	ck_assert_uint_eq(b.len, sizeof startup + sizeof ssl - 1 + sizeof gss - 1 + sizeof cancel - 1);
	ck_assert_mem_eq(b.data, startup, sizeof startup);
	ck_assert_mem_eq(b.data + sizeof startup, ssl, sizeof ssl - 1);
	ck_assert_mem_eq(b.data + sizeof startup + sizeof ssl - 1, gss, sizeof gss - 1);
	ck_assert_mem_eq(b.data + b.len - (sizeof cancel - 1), cancel, sizeof cancel - 1);

	static const enum pg_startup_kind kinds[] = {
		PG_STARTUP_MESSAGE, PG_STARTUP_SSL_REQUEST, PG_STARTUP_GSSENC_REQUEST,
		PG_STARTUP_CANCEL_REQUEST,
	};
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_startup s;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		ck_assert_int_eq(pg_startup_read(&r, MAX_LEN, &s), PG_OK);
		ck_assert_int_eq(s.kind, kinds[i]);
	}
	ck_assert_uint_eq(r.pos, b.len);
	ck_assert_uint_eq(s.cancel_pid, 0x00010203);
	ck_assert_uint_eq(s.cancel_key, 0xfedcba98);
	pg_buf_fini(&b);
}
END_TEST

/* Frames `b` as one typed message and parses it as NegotiateProtocolVersion. */
static enum pg_result read_negotiate(const struct pg_buf *b, struct pg_reader *r,
				     struct pg_startup_negotiate *n)
{
	pg_reader_init(r, b->data, b->len);
	struct pg_frame f;
	ck_assert_int_eq(pg_frame_read(r, MAX_LEN, &f), PG_OK);
	ck_assert_uint_eq(r->pos, b->len);
	return pg_startup_negotiate_parse(&f, n, r);
}

static void assert_negotiate(const struct pg_startup_negotiate *n, uint32_t minor,
			     const char *const *options, size_t count)
{
	ck_assert_uint_eq(n->newest_minor, minor);
	ck_assert_uint_eq(n->noptions, count);
	size_t pos = 0;
	const char *name;
	for (size_t i = 0; i < count; i++) {
		ck_assert(pg_startup_negotiate_next(n, &pos, &name));
		ck_assert_str_eq(name, options[i]);
	}
	ck_assert(!pg_startup_negotiate_next(n, &pos, &name));
}

START_TEST(test_negotiate_round_trip)
{
	static const char *const options[] = { "_pq_.a", "_pq_.bb" };
	static const uint8_t wire[] = "v\0\0\0\x1b\0\0\0\x01\0\0\0\x02_pq_.a\0_pq_.bb\0";
	for (size_t count = 0; count <= 2; count++) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_startup_build_negotiate(&b, 1, options, count);
		if (count == 2) {
			ck_assert_uint_eq(b.len, sizeof wire - 1);
			ck_assert_mem_eq(b.data, wire, sizeof wire - 1);
		}
		struct pg_reader r;
		struct pg_startup_negotiate n;
		ck_assert_int_eq(read_negotiate(&b, &r, &n), PG_OK);
		assert_negotiate(&n, 1, options, count);
		pg_buf_fini(&b);
	}
}
END_TEST

/* The answer to a StartupMessage names each of its protocol options. */
START_TEST(test_negotiate_all)
{
	const struct startup_vec *v = &vecs[_i];
	if (v->kind != PG_STARTUP_MESSAGE)
		return;
	struct pg_buf b;
	pg_buf_init(&b);
	put_packet(&b, v->body, v->body_len);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_startup s;
	ck_assert_int_eq(pg_startup_read(&r, MAX_LEN, &s), PG_OK);

	struct pg_buf out;
	pg_buf_init(&out);
	pg_startup_build_negotiate_all(&out, 0, &s);
	struct pg_startup_negotiate n;
	ck_assert_int_eq(read_negotiate(&out, &r, &n), PG_OK);
	assert_negotiate(&n, 0, v->options, v->noptions);
	pg_buf_fini(&out);
	pg_buf_fini(&b);
}
END_TEST

struct bad_negotiate {
	const char *name;
	uint8_t type;
	const char *body;
	size_t body_len;
	enum pg_result res;
	const char *reason;
	size_t offset;           /* from the type byte */
};

#define BADNEG(name, type, lit, res, reason, offset) \
	{ name, type, lit, sizeof(lit) - 1, res, reason, offset }

static const struct bad_negotiate bad_negotiates[] = {
	BADNEG("wrong type", 'Z', "\0\0\0\0\0\0\0\0", PG_ERR_FORMAT,
	       "not a NegotiateProtocolVersion message", 0),
	BADNEG("body of 7", 'v', "\0\0\0\0\0\0\0", PG_ERR_LENGTH,
	       "NegotiateProtocolVersion shorter than its counts", 1),
	BADNEG("count 2, one name", 'v', "\0\0\0\0\0\0\0\x02_pq_.a\0", PG_ERR_FORMAT,
	       "fewer option names than the count", 20),
	BADNEG("count 0xFFFFFFFF, no names", 'v', "\0\0\0\0\xff\xff\xff\xff", PG_ERR_FORMAT,
	       "fewer option names than the count", 13),
	BADNEG("unterminated name", 'v', "\0\0\0\0\0\0\0\x01_pq_.a", PG_ERR_FORMAT,
	       "unterminated option name", 13),
	BADNEG("bytes after the names", 'v', "\0\0\0\0\0\0\0\x01_pq_.a\0x", PG_ERR_FORMAT,
	       "bytes after the last option name", 20),
};
#define NBADNEG (sizeof bad_negotiates / sizeof bad_negotiates[0])

START_TEST(test_negotiate_malformed)
{
	const struct bad_negotiate *v = &bad_negotiates[_i];
	struct pg_buf b;
	pg_buf_init(&b);
	size_t len_at = pg_buf_begin_msg(&b, v->type);
	pg_buf_put_bytes(&b, v->body, v->body_len);
	pg_buf_end_msg(&b, len_at);
	struct pg_reader r;
	struct pg_startup_negotiate n;
	ck_assert_int_eq(read_negotiate(&b, &r, &n), v->res);
	ck_assert_pstr_eq(r.err_reason, v->reason);
	ck_assert_uint_eq(r.err_offset, v->offset);
	pg_buf_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_startup");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_whole, 0, NVECS);
	tcase_add_loop_test(tc, test_byte_by_byte, 0, NVECS);
	tcase_add_loop_test(tc, test_truncated, 0, NVECS);
	tcase_add_loop_test(tc, test_malformed, 0, NBAD);
	tcase_add_loop_test(tc, test_parse_offsets, 0, NBAD);
	suite_add_tcase(s, tc);
	TCase *build = tcase_create("build");
	tcase_add_loop_test(build, test_build_round_trip, 0, NBUILD);
	tcase_add_test(build, test_build_requests);
	suite_add_tcase(s, build);
	TCase *neg = tcase_create("negotiate");
	tcase_add_test(neg, test_negotiate_round_trip);
	tcase_add_loop_test(neg, test_negotiate_all, 0, NVECS);
	tcase_add_loop_test(neg, test_negotiate_malformed, 0, NBADNEG);
	suite_add_tcase(s, neg);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
