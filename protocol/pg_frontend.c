/* pg_frontend: readers and builders for the messages a client sends (see
 * pg_frontend.h for the reader contract). Describe and Close share one
 * codec, as do Bind's and FunctionCall's argument blocks; the field-level
 * checks come from pg_wire. */
#include "protocol/pg_frontend.h"

#include <stdbool.h>
#include <string.h>

/* Messages whose body is one NUL-terminated string and nothing else. */
static enum pg_result read_cstr_msg(const struct pg_frame *f, struct pg_reader *r,
				    uint8_t type, const char **out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, type));
	PG_WIRE_TRY(pg_wire_cstr(r, out));
	return pg_wire_end(r);
}

/* Messages whose body is opaque bytes. */
static enum pg_result read_raw_msg(const struct pg_frame *f, struct pg_reader *r,
				   uint8_t type, const uint8_t **data, size_t *len)
{
	PG_WIRE_TRY(pg_wire_open(r, f, type));
	pg_wire_rest(r, data, len);
	return PG_OK;
}

enum pg_result pg_frontend_read_query(const struct pg_frame *f, struct pg_reader *r,
				      const char **query)
{
	return read_cstr_msg(f, r, PG_FE_QUERY, query);
}

enum pg_result pg_frontend_read_parse(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_frontend_parse *out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_FE_PARSE));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->statement));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->query));
	PG_WIRE_TRY(pg_wire_oids(r, &out->param_types));
	return pg_wire_end(r);
}

enum pg_result pg_frontend_read_bind(const struct pg_frame *f, struct pg_reader *r,
				     struct pg_frontend_bind *out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_FE_BIND));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->portal));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->statement));
	PG_WIRE_TRY(pg_wire_args(r, &out->param_formats, &out->params));
	PG_WIRE_TRY(pg_wire_formats(r, &out->result_formats));
	return pg_wire_end(r);
}

/* A kind byte ('S' or 'P') and a name. */
static enum pg_result read_target(const struct pg_frame *f, struct pg_reader *r, uint8_t type,
				  struct pg_frontend_target *out)
{
	uint8_t kind;
	PG_WIRE_TRY(pg_wire_open(r, f, type));
	PG_WIRE_TRY(pg_wire_u8(r, &kind));
	if (kind != PG_FE_TARGET_STATEMENT && kind != PG_FE_TARGET_PORTAL)
		return pg_reader_fail(r, PG_ERR_FORMAT, "target is neither statement nor portal", 0);
	out->kind = (enum pg_frontend_target_kind)kind;
	PG_WIRE_TRY(pg_wire_cstr(r, &out->name));
	return pg_wire_end(r);
}

enum pg_result pg_frontend_read_describe(const struct pg_frame *f, struct pg_reader *r,
					 struct pg_frontend_target *out)
{
	return read_target(f, r, PG_FE_DESCRIBE, out);
}

enum pg_result pg_frontend_read_close(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_frontend_target *out)
{
	return read_target(f, r, PG_FE_CLOSE, out);
}

enum pg_result pg_frontend_read_execute(const struct pg_frame *f, struct pg_reader *r,
					struct pg_frontend_execute *out)
{
	uint32_t max_rows;
	PG_WIRE_TRY(pg_wire_open(r, f, PG_FE_EXECUTE));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->portal));
	PG_WIRE_TRY(pg_wire_u32(r, &max_rows));
	out->max_rows = (int32_t)max_rows;
	return pg_wire_end(r);
}

static bool is_empty_type(uint8_t type)
{
	switch (type) {
	case PG_FE_SYNC:
	case PG_FE_FLUSH:
	case PG_FE_TERMINATE:
	case PG_FE_COPY_DONE:
		return true;
	default:
		return false;
	}
}

enum pg_result pg_frontend_read_empty(const struct pg_frame *f, struct pg_reader *r)
{
	PG_WIRE_TRY(pg_wire_open_if(r, f, is_empty_type(f->type)));
	return pg_wire_end(r);
}

enum pg_result pg_frontend_read_copy_data(const struct pg_frame *f, struct pg_reader *r,
					  const uint8_t **data, size_t *len)
{
	return read_raw_msg(f, r, PG_FE_COPY_DATA, data, len);
}

enum pg_result pg_frontend_read_copy_fail(const struct pg_frame *f, struct pg_reader *r,
					  const char **message)
{
	return read_cstr_msg(f, r, PG_FE_COPY_FAIL, message);
}

enum pg_result pg_frontend_read_function_call(const struct pg_frame *f, struct pg_reader *r,
					      struct pg_frontend_function_call *out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_FE_FUNCTION_CALL));
	PG_WIRE_TRY(pg_wire_u32(r, &out->function_oid));
	PG_WIRE_TRY(pg_wire_args(r, &out->arg_formats, &out->args));
	PG_WIRE_TRY(pg_wire_format(r, &out->result_format));
	return pg_wire_end(r);
}

enum pg_result pg_frontend_read_password(const struct pg_frame *f, struct pg_reader *r,
					 const char **password)
{
	return read_cstr_msg(f, r, PG_FE_PASSWORD, password);
}

enum pg_result pg_frontend_read_sasl_initial(const struct pg_frame *f, struct pg_reader *r,
					     struct pg_frontend_sasl_initial *out)
{
	struct pg_value v;
	PG_WIRE_TRY(pg_wire_open(r, f, PG_FE_PASSWORD));
	PG_WIRE_TRY(pg_wire_cstr(r, &out->mechanism));
	PG_WIRE_TRY(pg_wire_value(r, &v));
	out->data = v.data;
	out->data_len = v.len;
	return pg_wire_end(r);
}

enum pg_result pg_frontend_read_sasl_response(const struct pg_frame *f, struct pg_reader *r,
					      const uint8_t **data, size_t *len)
{
	return read_raw_msg(f, r, PG_FE_PASSWORD, data, len);
}

static void put_cstr_msg(struct pg_buf *b, enum pg_frontend_msg type, const char *s)
{
	size_t at = pg_buf_begin_msg(b, type);
	pg_buf_put_cstr(b, s);
	pg_buf_end_msg(b, at);
}

static void put_raw_msg(struct pg_buf *b, enum pg_frontend_msg type, const void *data,
			size_t len)
{
	size_t at = pg_buf_begin_msg(b, type);
	pg_buf_put_bytes(b, data, len);
	pg_buf_end_msg(b, at);
}

/* Bind's and FunctionCall's arguments, all in text: no format codes (which
 * means text for every one), then the values. */
static void put_text_args(struct pg_buf *b, const char *const *args, uint16_t n)
{
	pg_buf_put_u16(b, 0);
	pg_buf_put_u16(b, n);
	for (uint16_t i = 0; i < n; i++) {
		if (args[i] == NULL)
			pg_wire_put_value(b, NULL, -1);
		else
			pg_wire_put_value(b, args[i], (int32_t)strlen(args[i]));
	}
}

void pg_frontend_put_query(struct pg_buf *b, const char *query)
{
	put_cstr_msg(b, PG_FE_QUERY, query);
}

void pg_frontend_put_parse(struct pg_buf *b, const char *statement, const char *query,
			   const uint32_t *param_types, uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_PARSE);
	pg_buf_put_cstr(b, statement);
	pg_buf_put_cstr(b, query);
	pg_buf_put_u16(b, n);
	for (uint16_t i = 0; i < n; i++)
		pg_buf_put_u32(b, param_types[i]);
	pg_buf_end_msg(b, at);
}

void pg_frontend_put_bind(struct pg_buf *b, const char *portal, const char *statement,
			  const char *const *params, uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_BIND);
	pg_buf_put_cstr(b, portal);
	pg_buf_put_cstr(b, statement);
	put_text_args(b, params, n);
	pg_buf_put_u16(b, 0);   /* no result format codes: all text */
	pg_buf_end_msg(b, at);
}

static void put_target(struct pg_buf *b, enum pg_frontend_msg type,
		       enum pg_frontend_target_kind kind, const char *name)
{
	size_t at = pg_buf_begin_msg(b, type);
	pg_buf_put_u8(b, (uint8_t)kind);
	pg_buf_put_cstr(b, name);
	pg_buf_end_msg(b, at);
}

void pg_frontend_put_describe(struct pg_buf *b, enum pg_frontend_target_kind kind,
			      const char *name)
{
	put_target(b, PG_FE_DESCRIBE, kind, name);
}

void pg_frontend_put_close(struct pg_buf *b, enum pg_frontend_target_kind kind,
			   const char *name)
{
	put_target(b, PG_FE_CLOSE, kind, name);
}

void pg_frontend_put_execute(struct pg_buf *b, const char *portal, int32_t max_rows)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_EXECUTE);
	pg_buf_put_cstr(b, portal);
	pg_buf_put_u32(b, (uint32_t)max_rows);
	pg_buf_end_msg(b, at);
}

void pg_frontend_put_sync(struct pg_buf *b)
{
	put_raw_msg(b, PG_FE_SYNC, NULL, 0);
}

void pg_frontend_put_flush(struct pg_buf *b)
{
	put_raw_msg(b, PG_FE_FLUSH, NULL, 0);
}

void pg_frontend_put_terminate(struct pg_buf *b)
{
	put_raw_msg(b, PG_FE_TERMINATE, NULL, 0);
}

void pg_frontend_put_copy_data(struct pg_buf *b, const void *data, size_t len)
{
	put_raw_msg(b, PG_FE_COPY_DATA, data, len);
}

void pg_frontend_put_copy_done(struct pg_buf *b)
{
	put_raw_msg(b, PG_FE_COPY_DONE, NULL, 0);
}

void pg_frontend_put_copy_fail(struct pg_buf *b, const char *message)
{
	put_cstr_msg(b, PG_FE_COPY_FAIL, message);
}

void pg_frontend_put_function_call(struct pg_buf *b, uint32_t function_oid,
				   const char *const *args, uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_FUNCTION_CALL);
	pg_buf_put_u32(b, function_oid);
	put_text_args(b, args, n);
	pg_wire_put_i16(b, PG_FORMAT_TEXT);
	pg_buf_end_msg(b, at);
}

void pg_frontend_put_password(struct pg_buf *b, const char *password)
{
	put_cstr_msg(b, PG_FE_PASSWORD, password);
}

void pg_frontend_put_sasl_initial(struct pg_buf *b, const char *mechanism,
				  const void *data, int32_t len)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_PASSWORD);
	pg_buf_put_cstr(b, mechanism);
	pg_wire_put_value(b, data, len);
	pg_buf_end_msg(b, at);
}

void pg_frontend_put_sasl_response(struct pg_buf *b, const void *data, size_t len)
{
	put_raw_msg(b, PG_FE_PASSWORD, data, len);
}
