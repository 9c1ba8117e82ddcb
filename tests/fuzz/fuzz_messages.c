/* fuzz_messages: libFuzzer target for the typed message readers of
 * protocol/pg_backend and protocol/pg_frontend. The input is one frame: its
 * first byte the type, the rest the body. Every reader sees it twice, once
 * as sent (a reader for another type must refuse it at offset 0) and once
 * retyped to each type the reader takes, so every body reaches every
 * reader. The contract is checked on each result: never PG_NEED_MORE,
 * errors carry a reason and an offset inside the body, PG_OK consumed the
 * body exactly and its views lie inside it. What parses is walked in full,
 * and where a builder can say the same thing, rebuilt byte for byte. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_wire.h"
#include "tests/fuzz/fuzz.h"
#include "util/xalloc.h"

/* Asserts that the n bytes at p lie inside f's body. */
static void check_in_body(const struct pg_frame *f, const void *p, size_t n)
{
	const uint8_t *u = p;
	FUZZ_CHECK(u >= f->body && n <= f->body_len && u - f->body <= (ptrdiff_t)(f->body_len - n));
}

/* Asserts that s is a string inside f's body, NUL included. */
static void check_str(const struct pg_frame *f, const char *s)
{
	check_in_body(f, s, strlen(s) + 1);
}

/* The reader contract for res; true when PG_OK, so the caller walks on. */
static bool settled(const struct pg_frame *f, const struct pg_reader *r, enum pg_result res)
{
	FUZZ_CHECK(res == PG_OK || res == PG_ERR_FORMAT || res == PG_ERR_LENGTH);
	if (res != PG_OK) {
		FUZZ_CHECK(r->err_reason != NULL && r->err_offset <= f->body_len);
		return false;
	}
	FUZZ_CHECK(r->pos == f->body_len);
	return true;
}

/* Asserts that b holds exactly f, header included, and releases b. */
static void check_rebuilt(struct pg_buf *b, const struct pg_frame *f)
{
	FUZZ_CHECK(b->len == PG_HEADER_SIZE + f->body_len && b->data[0] == f->type);
	FUZZ_CHECK(pg_load_u32(b->data + 1) == f->len);
	FUZZ_CHECK(memcmp(b->data + PG_HEADER_SIZE, f->body, f->body_len) == 0);
	pg_buf_fini(b);
}

/* Walks a validated value list; fills values/lens (count entries each)
 * when they are not NULL. */
static void walk_values(const struct pg_frame *f, struct pg_values v, const char **values,
			size_t *lens)
{
	uint16_t count = v.count, i = 0;
	struct pg_value one;
	while (pg_values_next(&v, &one)) {
		FUZZ_CHECK(i < count && one.len >= -1);
		if (one.len >= 0)
			check_in_body(f, one.data, (size_t)one.len);
		else
			FUZZ_CHECK(one.data == NULL);
		if (values != NULL) {
			values[i] = (const char *)one.data;
			lens[i] = one.len < 0 ? 0 : (size_t)one.len;
		}
		i++;
	}
	FUZZ_CHECK(i == count);
}

/* Every code of a validated format list is text or binary. */
static void walk_formats(const struct pg_frame *f, const struct pg_formats *fm)
{
	if (fm->count > 0)
		check_in_body(f, fm->p, 2u * fm->count);
	for (uint16_t i = 0; i < fm->count; i++) {
		enum pg_format c = pg_formats_at(fm, i);
		FUZZ_CHECK(c == PG_FORMAT_TEXT || c == PG_FORMAT_BINARY);
	}
}

/* Bind's and FunctionCall's arguments: 0, 1 or one format per value. */
static void walk_args(const struct pg_frame *f, const struct pg_formats *fm, struct pg_values v)
{
	walk_formats(f, fm);
	FUZZ_CHECK(fm->count <= 1 || fm->count == v.count);
	walk_values(f, v, NULL, NULL);
}

static void rebuild_sasl(const struct pg_frame *f, struct pg_backend_mechanisms m)
{
	/* The builder takes one name at least. */
	if (m.count == 0)
		return;
	const char **names = xcalloc(m.count, sizeof *names);
	size_t n = 0;
	while (pg_backend_mechanisms_next(&m, &names[n])) {
		check_str(f, names[n]);
		FUZZ_CHECK(names[n][0] != '\0');
		n++;
	}
	struct pg_buf b;
	pg_buf_init(&b);
	pg_backend_put_auth_sasl(&b, names, n);
	check_rebuilt(&b, f);
	free(names);
}

/* Builds the 'R' message a decoded auth a came from, for the codes with a
 * builder of their own other than SASL; false for the rest. */
static bool build_auth(struct pg_buf *b, const struct pg_backend_auth *a)
{
	switch (a->code) {
	case PG_AUTH_OK: pg_backend_put_auth_ok(b); return true;
	case PG_AUTH_CLEARTEXT: pg_backend_put_auth_cleartext(b); return true;
	case PG_AUTH_MD5: pg_backend_put_auth_md5(b, a->salt); return true;
	case PG_AUTH_SASL_CONTINUE:
		pg_backend_put_auth_sasl_continue(b, a->data, a->data_len);
		return true;
	case PG_AUTH_SASL_FINAL:
		pg_backend_put_auth_sasl_final(b, a->data, a->data_len);
		return true;
	default:
		return false;
	}
}

static enum pg_result run_auth(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_backend_auth a;
	enum pg_result res = pg_backend_read_auth(f, r, &a);
	if (!settled(f, r, res))
		return res;
	if (a.code == PG_AUTH_SASL) {
		rebuild_sasl(f, a.mechanisms);
		return res;
	}
	struct pg_buf b;
	pg_buf_init(&b);
	if (build_auth(&b, &a)) {
		check_rebuilt(&b, f);
		return res;
	}
	pg_buf_fini(&b);
	/* A method the codec does not speak: only the rest of the body. */
	check_in_body(f, a.data, a.data_len);
	FUZZ_CHECK(a.data_len == f->body_len - 4);
	return res;
}

static enum pg_result run_parameter_status(const struct pg_frame *f, struct pg_reader *r)
{
	const char *name, *value;
	enum pg_result res = pg_backend_read_parameter_status(f, r, &name, &value);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_backend_put_parameter_status(&b, name, value);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_backend_key_data(const struct pg_frame *f, struct pg_reader *r)
{
	uint32_t pid, key;
	enum pg_result res = pg_backend_read_backend_key_data(f, r, &pid, &key);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_backend_put_backend_key_data(&b, pid, key);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_ready_for_query(const struct pg_frame *f, struct pg_reader *r)
{
	enum pg_tx_status st;
	enum pg_result res = pg_backend_read_ready_for_query(f, r, &st);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_backend_put_ready_for_query(&b, st);
		check_rebuilt(&b, f);
	}
	return res;
}

/* Checks a read diagnostic against the strings of its own body. */
static void check_diag(const struct pg_frame *f, const struct pg_backend_diag *d)
{
	const char *fields[] = {
		d->severity, d->severity_localized, d->sqlstate, d->message, d->detail, d->hint,
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i] != NULL)
			check_str(f, fields[i]);
	/* Without V, the localized S stands in for the severity. */
	FUZZ_CHECK(d->severity != NULL || d->severity_localized == NULL);
}

/* Error and Notice: walked, and when it has what a builder needs, built
 * from the read fields and read back to the same fields. */
static enum pg_result run_diag(const struct pg_frame *f, struct pg_reader *r)
{
	bool error = f->type == PG_BE_ERROR;
	struct pg_backend_diag d, again;
	enum pg_result res = error ? pg_backend_read_error(f, r, &d)
				   : pg_backend_read_notice(f, r, &d);
	if (!settled(f, r, res))
		return res;
	check_diag(f, &d);
	if (d.severity == NULL || d.sqlstate == NULL || d.message == NULL)
		return res;
	struct pg_buf b;
	pg_buf_init(&b);
	if (error)
		pg_backend_put_error(&b, &d);
	else
		pg_backend_put_notice(&b, &d);
	struct pg_reader br;
	pg_reader_init(&br, b.data, b.len);
	struct pg_frame bf;
	FUZZ_CHECK(pg_frame_read(&br, UINT32_MAX, &bf) == PG_OK && br.pos == b.len);
	FUZZ_CHECK((error ? pg_backend_read_error(&bf, &br, &again)
			  : pg_backend_read_notice(&bf, &br, &again)) == PG_OK);
	FUZZ_CHECK(strcmp(again.severity, d.severity) == 0);
	FUZZ_CHECK(strcmp(again.severity_localized,
			  d.severity_localized ? d.severity_localized : d.severity) == 0);
	FUZZ_CHECK(strcmp(again.sqlstate, d.sqlstate) == 0);
	FUZZ_CHECK(strcmp(again.message, d.message) == 0);
	FUZZ_CHECK((again.detail == NULL) == (d.detail == NULL));
	FUZZ_CHECK(d.detail == NULL || strcmp(again.detail, d.detail) == 0);
	FUZZ_CHECK((again.hint == NULL) == (d.hint == NULL));
	FUZZ_CHECK(d.hint == NULL || strcmp(again.hint, d.hint) == 0);
	pg_buf_fini(&b);
	return res;
}

static enum pg_result run_row_description(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_backend_columns cols;
	enum pg_result res = pg_backend_read_row_description(f, r, &cols);
	if (!settled(f, r, res))
		return res;
	check_in_body(f, cols.p, cols.len);
	uint16_t n = 0;
	struct pg_backend_column c;
	while (pg_backend_columns_next(&cols, &c)) {
		check_str(f, c.name);
		FUZZ_CHECK(c.format == PG_FORMAT_TEXT || c.format == PG_FORMAT_BINARY);
		n++;
	}
	FUZZ_CHECK(cols.count == 0 && cols.len == 0 && n <= INT16_MAX);
	return res;
}

static enum pg_result run_data_row(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_values v;
	enum pg_result res = pg_backend_read_data_row(f, r, &v);
	if (!settled(f, r, res))
		return res;
	const char **values = xcalloc(v.count, sizeof *values);
	size_t *lens = xcalloc(v.count, sizeof *lens);
	walk_values(f, v, values, lens);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_backend_put_data_row(&b, values, lens, v.count);
	check_rebuilt(&b, f);
	free(values);
	free(lens);
	return res;
}

static enum pg_result run_command_complete(const struct pg_frame *f, struct pg_reader *r)
{
	const char *tag;
	enum pg_result res = pg_backend_read_command_complete(f, r, &tag);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_backend_put_command_complete(&b, tag);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_be_empty(const struct pg_frame *f, struct pg_reader *r)
{
	enum pg_result res = pg_backend_read_empty(f, r);
	if (!settled(f, r, res))
		return res;
	struct pg_buf b;
	pg_buf_init(&b);
	switch (f->type) {
	case PG_BE_EMPTY_QUERY: pg_backend_put_empty_query(&b); break;
	case PG_BE_PARSE_COMPLETE: pg_backend_put_parse_complete(&b); break;
	case PG_BE_BIND_COMPLETE: pg_backend_put_bind_complete(&b); break;
	case PG_BE_CLOSE_COMPLETE: pg_backend_put_close_complete(&b); break;
	case PG_BE_NO_DATA: pg_backend_put_no_data(&b); break;
	default: abort();   /* the reader took a type it does not name */
	}
	check_rebuilt(&b, f);
	return res;
}

static enum pg_result run_copy_response(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_backend_copy c;
	enum pg_result res = pg_backend_read_copy_response(f, r, &c);
	if (!settled(f, r, res))
		return res;
	walk_formats(f, &c.columns);
	enum pg_format *cols = xcalloc(c.columns.count, sizeof *cols);
	for (uint16_t i = 0; i < c.columns.count; i++) {
		cols[i] = pg_formats_at(&c.columns, i);
		FUZZ_CHECK(c.format == PG_FORMAT_BINARY || cols[i] == PG_FORMAT_TEXT);
	}
	struct pg_buf b;
	pg_buf_init(&b);
	pg_backend_put_copy_response(&b, f->type, c.format, cols, c.columns.count);
	check_rebuilt(&b, f);
	free(cols);
	return res;
}

/* Query, CopyFail and PasswordMessage: one string, one builder each. */
static enum pg_result run_fe_cstr(const struct pg_frame *f, struct pg_reader *r)
{
	const char *s;
	enum pg_result res;
	void (*put)(struct pg_buf *, const char *);
	switch (f->type) {
	case PG_FE_QUERY:
		res = pg_frontend_read_query(f, r, &s);
		put = pg_frontend_put_query;
		break;
	case PG_FE_COPY_FAIL:
		res = pg_frontend_read_copy_fail(f, r, &s);
		put = pg_frontend_put_copy_fail;
		break;
	default:
		res = pg_frontend_read_password(f, r, &s);
		put = pg_frontend_put_password;
		break;
	}
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		put(&b, s);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_parse(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_frontend_parse p;
	enum pg_result res = pg_frontend_read_parse(f, r, &p);
	if (!settled(f, r, res))
		return res;
	check_str(f, p.statement);
	check_str(f, p.query);
	uint32_t *oids = xcalloc(p.param_types.count, sizeof *oids);
	for (uint16_t i = 0; i < p.param_types.count; i++)
		oids[i] = pg_oids_at(&p.param_types, i);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_parse(&b, p.statement, p.query, oids, p.param_types.count);
	check_rebuilt(&b, f);
	free(oids);
	return res;
}

static enum pg_result run_bind(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_frontend_bind bd;
	enum pg_result res = pg_frontend_read_bind(f, r, &bd);
	if (settled(f, r, res)) {
		check_str(f, bd.portal);
		check_str(f, bd.statement);
		walk_args(f, &bd.param_formats, bd.params);
		walk_formats(f, &bd.result_formats);
	}
	return res;
}

static enum pg_result run_target(const struct pg_frame *f, struct pg_reader *r)
{
	bool describe = f->type == PG_FE_DESCRIBE;
	struct pg_frontend_target t;
	enum pg_result res = describe ? pg_frontend_read_describe(f, r, &t)
				      : pg_frontend_read_close(f, r, &t);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		(describe ? pg_frontend_put_describe : pg_frontend_put_close)(&b, t.kind, t.name);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_execute(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_frontend_execute e;
	enum pg_result res = pg_frontend_read_execute(f, r, &e);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		pg_frontend_put_execute(&b, e.portal, e.max_rows);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_fe_empty(const struct pg_frame *f, struct pg_reader *r)
{
	enum pg_result res = pg_frontend_read_empty(f, r);
	if (!settled(f, r, res))
		return res;
	struct pg_buf b;
	pg_buf_init(&b);
	switch (f->type) {
	case PG_FE_SYNC: pg_frontend_put_sync(&b); break;
	case PG_FE_FLUSH: pg_frontend_put_flush(&b); break;
	case PG_FE_TERMINATE: pg_frontend_put_terminate(&b); break;
	case PG_FE_COPY_DONE: pg_frontend_put_copy_done(&b); break;
	default: abort();   /* the reader took a type it does not name */
	}
	check_rebuilt(&b, f);
	return res;
}

/* CopyData and SASLResponse: the body is the data. */
static enum pg_result run_fe_raw(const struct pg_frame *f, struct pg_reader *r)
{
	bool copy = f->type == PG_FE_COPY_DATA;
	const uint8_t *data;
	size_t len;
	enum pg_result res = copy ? pg_frontend_read_copy_data(f, r, &data, &len)
				  : pg_frontend_read_sasl_response(f, r, &data, &len);
	if (settled(f, r, res)) {
		struct pg_buf b;
		pg_buf_init(&b);
		(copy ? pg_frontend_put_copy_data : pg_frontend_put_sasl_response)(&b, data, len);
		check_rebuilt(&b, f);
	}
	return res;
}

static enum pg_result run_function_call(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_frontend_function_call fc;
	enum pg_result res = pg_frontend_read_function_call(f, r, &fc);
	if (settled(f, r, res)) {
		walk_args(f, &fc.arg_formats, fc.args);
		FUZZ_CHECK(fc.result_format == PG_FORMAT_TEXT ||
			   fc.result_format == PG_FORMAT_BINARY);
	}
	return res;
}

static enum pg_result run_sasl_initial(const struct pg_frame *f, struct pg_reader *r)
{
	struct pg_frontend_sasl_initial s;
	enum pg_result res = pg_frontend_read_sasl_initial(f, r, &s);
	if (!settled(f, r, res))
		return res;
	check_str(f, s.mechanism);
	FUZZ_CHECK(s.data_len >= -1 && (s.data_len == -1) == (s.data == NULL));
	if (s.data_len >= 0)
		check_in_body(f, s.data, (size_t)s.data_len);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_sasl_initial(&b, s.mechanism, s.data, s.data_len);
	check_rebuilt(&b, f);
	return res;
}

/* A reader under test and the type bytes it takes (0-terminated). */
struct reader_case {
	enum pg_result (*run)(const struct pg_frame *f, struct pg_reader *r);
	uint8_t types[6];
};

static const struct reader_case cases[] = {
	{ run_auth, { PG_BE_AUTH } },
	{ run_parameter_status, { PG_BE_PARAMETER_STATUS } },
	{ run_backend_key_data, { PG_BE_BACKEND_KEY_DATA } },
	{ run_ready_for_query, { PG_BE_READY_FOR_QUERY } },
	{ run_diag, { PG_BE_ERROR, PG_BE_NOTICE } },
	{ run_row_description, { PG_BE_ROW_DESCRIPTION } },
	{ run_data_row, { PG_BE_DATA_ROW } },
	{ run_command_complete, { PG_BE_COMMAND_COMPLETE } },
	{ run_be_empty, { PG_BE_EMPTY_QUERY, PG_BE_PARSE_COMPLETE, PG_BE_BIND_COMPLETE,
			  PG_BE_CLOSE_COMPLETE, PG_BE_NO_DATA } },
	{ run_copy_response, { PG_BE_COPY_IN, PG_BE_COPY_OUT, PG_BE_COPY_BOTH } },
	{ run_fe_cstr, { PG_FE_QUERY, PG_FE_COPY_FAIL, PG_FE_PASSWORD } },
	{ run_parse, { PG_FE_PARSE } },
	{ run_bind, { PG_FE_BIND } },
	{ run_target, { PG_FE_DESCRIBE, PG_FE_CLOSE } },
	{ run_execute, { PG_FE_EXECUTE } },
	{ run_fe_empty, { PG_FE_SYNC, PG_FE_FLUSH, PG_FE_TERMINATE, PG_FE_COPY_DONE } },
	{ run_fe_raw, { PG_FE_COPY_DATA, PG_FE_PASSWORD } },
	{ run_function_call, { PG_FE_FUNCTION_CALL } },
	{ run_sasl_initial, { PG_FE_PASSWORD } },
};

/* Runs c on f as sent, then retyped to each type c takes. */
static void run_case(const struct reader_case *c, const struct pg_frame *f)
{
	struct pg_reader r;
	enum pg_result res = c->run(f, &r);
	if (memchr(c->types, f->type, sizeof c->types) == NULL || f->type == 0)
		FUZZ_CHECK(res == PG_ERR_FORMAT && r.err_offset == 0);
	for (const uint8_t *t = c->types; *t != 0; t++) {
		struct pg_frame retyped = *f;
		retyped.type = *t;
		(void)c->run(&retyped, &r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > UINT32_MAX - 4)
		return 0;
	const struct pg_frame f = {
		.type = data[0], .len = (uint32_t)size - 1 + 4,
		.body = data + 1, .body_len = size - 1,
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i], &f);
	return 0;
}
