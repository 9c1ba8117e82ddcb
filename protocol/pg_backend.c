/* pg_backend: readers and builders for the messages a server sends (see
 * pg_backend.h for the reader contract). Error and Notice share one field
 * codec; the field-level checks come from pg_wire. */
#include "protocol/pg_backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Smallest RowDescription field: an empty name and six integers. */
#define COLUMN_MIN_SIZE (1 + 4 + 2 + 4 + 2 + 4 + 2)

bool pg_backend_mechanisms_next(struct pg_backend_mechanisms *it, const char **out)
{
	if (it->count == 0)
		return false;
	*out = it->p;
	it->p += strlen(it->p) + 1;
	it->count--;
	return true;
}

/* One RowDescription field; used to validate and, on validated bytes, to
 * iterate, so the layout is written down once. */
static enum pg_result read_column(struct pg_reader *r, struct pg_backend_column *c)
{
	uint16_t column, type_len;
	uint32_t type_mod;
	PG_WIRE_TRY(pg_wire_cstr(r, &c->name));
	PG_WIRE_TRY(pg_wire_u32(r, &c->table_oid));
	PG_WIRE_TRY(pg_wire_u16(r, &column));
	PG_WIRE_TRY(pg_wire_u32(r, &c->type_oid));
	PG_WIRE_TRY(pg_wire_u16(r, &type_len));
	PG_WIRE_TRY(pg_wire_u32(r, &type_mod));
	PG_WIRE_TRY(pg_wire_format(r, &c->format));
	c->column = (int16_t)column;
	c->type_len = (int16_t)type_len;
	c->type_mod = (int32_t)type_mod;
	return PG_OK;
}

bool pg_backend_columns_next(struct pg_backend_columns *it, struct pg_backend_column *out)
{
	if (it->count == 0)
		return false;
	struct pg_reader r;
	pg_reader_init(&r, it->p, it->len);
	/* The reader validated these bytes; failing here means the view was
	 * not one it produced, so stop rather than walk past its end. */
	if (read_column(&r, out) != PG_OK)
		return false;
	it->p += r.pos;
	it->len -= r.pos;
	it->count--;
	return true;
}

/* The list of NUL-terminated names ending with an empty one. */
static enum pg_result read_mechanisms(struct pg_reader *r, struct pg_backend_mechanisms *out)
{
	size_t at = r->pos;
	const char *name;
	PG_WIRE_TRY(pg_wire_cstr(r, &name));
	out->p = name;
	out->count = 0;
	while (*name != '\0') {
		if (out->count == UINT16_MAX)
			return pg_reader_fail(r, PG_ERR_LENGTH, "too many SASL mechanisms", at);
		out->count++;
		PG_WIRE_TRY(pg_wire_cstr(r, &name));
	}
	return PG_OK;
}

enum pg_result pg_backend_read_auth(const struct pg_frame *f, struct pg_reader *r,
				    struct pg_backend_auth *out)
{
	*out = (struct pg_backend_auth){ 0 };
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_AUTH));
	PG_WIRE_TRY(pg_wire_u32(r, &out->code));
	switch (out->code) {
	case PG_AUTH_OK:
	case PG_AUTH_CLEARTEXT:
		break;
	case PG_AUTH_MD5:
		PG_WIRE_TRY(pg_wire_bytes(r, 4, &out->salt));
		break;
	case PG_AUTH_SASL:
		PG_WIRE_TRY(read_mechanisms(r, &out->mechanisms));
		break;
	default:
		/* SASL data, or the payload of a method we do not speak. */
		pg_wire_rest(r, &out->data, &out->data_len);
		break;
	}
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_parameter_status(const struct pg_frame *f, struct pg_reader *r,
						const char **name, const char **value)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_PARAMETER_STATUS));
	PG_WIRE_TRY(pg_wire_cstr(r, name));
	PG_WIRE_TRY(pg_wire_cstr(r, value));
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_backend_key_data(const struct pg_frame *f, struct pg_reader *r,
						uint32_t *pid, uint32_t *key)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_BACKEND_KEY_DATA));
	PG_WIRE_TRY(pg_wire_u32(r, pid));
	PG_WIRE_TRY(pg_wire_u32(r, key));
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_ready_for_query(const struct pg_frame *f, struct pg_reader *r,
					       enum pg_tx_status *status)
{
	uint8_t s;
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_READY_FOR_QUERY));
	PG_WIRE_TRY(pg_wire_u8(r, &s));
	if (!pg_backend_tx_status_valid(s))
		return pg_reader_fail(r, PG_ERR_FORMAT, "transaction status is not I, T or E", 0);
	*status = (enum pg_tx_status)s;
	return pg_wire_end(r);
}

/* The Error/Notice field codes with a member of their own, in the order
 * builders send them. */
static const struct {
	uint8_t code;
	size_t offset;
} diag_fields[] = {
	{ 'S', offsetof(struct pg_backend_diag, severity_localized) },
	{ 'V', offsetof(struct pg_backend_diag, severity) },
	{ 'C', offsetof(struct pg_backend_diag, sqlstate) },
	{ 'M', offsetof(struct pg_backend_diag, message) },
	{ 'D', offsetof(struct pg_backend_diag, detail) },
	{ 'H', offsetof(struct pg_backend_diag, hint) },
};

#define N_DIAG_FIELDS (sizeof diag_fields / sizeof diag_fields[0])

static const char **diag_member(struct pg_backend_diag *d, size_t i)
{
	return (const char **)((char *)d + diag_fields[i].offset);
}

/* Stores a field's value in its member, if it has one. */
static void diag_store(struct pg_backend_diag *d, uint8_t code, const char *value)
{
	for (size_t i = 0; i < N_DIAG_FIELDS; i++) {
		if (diag_fields[i].code == code) {
			*diag_member(d, i) = value;
			return;
		}
	}
}

/* Field code byte + string, repeated, then a zero byte. */
static enum pg_result read_diag(const struct pg_frame *f, struct pg_reader *r, uint8_t type,
				struct pg_backend_diag *out)
{
	*out = (struct pg_backend_diag){ 0 };
	PG_WIRE_TRY(pg_wire_open(r, f, type));
	for (;;) {
		uint8_t code;
		const char *value;
		PG_WIRE_TRY(pg_wire_u8(r, &code));
		if (code == 0)
			break;
		PG_WIRE_TRY(pg_wire_cstr(r, &value));
		diag_store(out, code, value);
	}
	/* Servers before 9.6 send no V; S is the best there is. */
	if (out->severity == NULL)
		out->severity = out->severity_localized;
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_error(const struct pg_frame *f, struct pg_reader *r,
				     struct pg_backend_diag *out)
{
	return read_diag(f, r, PG_BE_ERROR, out);
}

enum pg_result pg_backend_read_notice(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_backend_diag *out)
{
	return read_diag(f, r, PG_BE_NOTICE, out);
}

enum pg_result pg_backend_read_row_description(const struct pg_frame *f, struct pg_reader *r,
					       struct pg_backend_columns *out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_ROW_DESCRIPTION));
	PG_WIRE_TRY(pg_wire_count(r, COLUMN_MIN_SIZE, &out->count));
	out->p = pg_wire_cursor(r);
	out->len = pg_reader_remaining(r);
	for (uint16_t i = 0; i < out->count; i++) {
		struct pg_backend_column c;
		PG_WIRE_TRY(read_column(r, &c));
	}
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_data_row(const struct pg_frame *f, struct pg_reader *r,
					struct pg_values *out)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_DATA_ROW));
	PG_WIRE_TRY(pg_wire_values(r, out));
	return pg_wire_end(r);
}

enum pg_result pg_backend_read_command_complete(const struct pg_frame *f, struct pg_reader *r,
						const char **tag)
{
	PG_WIRE_TRY(pg_wire_open(r, f, PG_BE_COMMAND_COMPLETE));
	PG_WIRE_TRY(pg_wire_cstr(r, tag));
	return pg_wire_end(r);
}

static bool is_empty_type(uint8_t type)
{
	switch (type) {
	case PG_BE_EMPTY_QUERY:
	case PG_BE_PARSE_COMPLETE:
	case PG_BE_BIND_COMPLETE:
	case PG_BE_CLOSE_COMPLETE:
	case PG_BE_NO_DATA:
		return true;
	default:
		return false;
	}
}

enum pg_result pg_backend_read_empty(const struct pg_frame *f, struct pg_reader *r)
{
	PG_WIRE_TRY(pg_wire_open_if(r, f, is_empty_type(f->type)));
	return pg_wire_end(r);
}

static bool is_copy_response(uint8_t type)
{
	return type == PG_BE_COPY_IN || type == PG_BE_COPY_OUT || type == PG_BE_COPY_BOTH;
}

enum pg_result pg_backend_read_copy_response(const struct pg_frame *f, struct pg_reader *r,
					     struct pg_backend_copy *out)
{
	uint8_t format;
	PG_WIRE_TRY(pg_wire_open_if(r, f, is_copy_response(f->type)));
	PG_WIRE_TRY(pg_wire_u8(r, &format));
	if (format != PG_FORMAT_TEXT && format != PG_FORMAT_BINARY)
		return pg_reader_fail(r, PG_ERR_FORMAT, "COPY format is neither text nor binary", 0);
	out->format = (enum pg_format)format;
	size_t columns_at = r->pos + 2;
	PG_WIRE_TRY(pg_wire_formats(r, &out->columns));
	for (uint16_t i = 0; out->format == PG_FORMAT_TEXT && i < out->columns.count; i++) {
		if (pg_formats_at(&out->columns, i) != PG_FORMAT_TEXT)
			return pg_reader_fail(r, PG_ERR_FORMAT, "binary column in a text COPY",
					      columns_at + 2u * i);
	}
	return pg_wire_end(r);
}

/* Opens an 'R' message carrying `code`; the caller adds the payload and
 * closes it with pg_buf_end_msg. */
static size_t begin_auth(struct pg_buf *b, enum pg_auth_code code)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_AUTH);
	pg_buf_put_u32(b, code);
	return at;
}

static void put_auth_bytes(struct pg_buf *b, enum pg_auth_code code, const void *data,
			   size_t len)
{
	size_t at = begin_auth(b, code);
	pg_buf_put_bytes(b, data, len);
	pg_buf_end_msg(b, at);
}

void pg_backend_put_auth_ok(struct pg_buf *b)
{
	put_auth_bytes(b, PG_AUTH_OK, NULL, 0);
}

void pg_backend_put_auth_cleartext(struct pg_buf *b)
{
	put_auth_bytes(b, PG_AUTH_CLEARTEXT, NULL, 0);
}

void pg_backend_put_auth_md5(struct pg_buf *b, const uint8_t salt[4])
{
	put_auth_bytes(b, PG_AUTH_MD5, salt, 4);
}

void pg_backend_put_auth_sasl(struct pg_buf *b, const char *const *mechanisms, size_t n)
{
	size_t at = begin_auth(b, PG_AUTH_SASL);
	for (size_t i = 0; i < n; i++)
		pg_buf_put_cstr(b, mechanisms[i]);
	pg_buf_put_u8(b, 0);
	pg_buf_end_msg(b, at);
}

void pg_backend_put_auth_sasl_continue(struct pg_buf *b, const void *data, size_t len)
{
	put_auth_bytes(b, PG_AUTH_SASL_CONTINUE, data, len);
}

void pg_backend_put_auth_sasl_final(struct pg_buf *b, const void *data, size_t len)
{
	put_auth_bytes(b, PG_AUTH_SASL_FINAL, data, len);
}

void pg_backend_put_parameter_status(struct pg_buf *b, const char *name, const char *value)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_PARAMETER_STATUS);
	pg_buf_put_cstr(b, name);
	pg_buf_put_cstr(b, value);
	pg_buf_end_msg(b, at);
}

void pg_backend_put_backend_key_data(struct pg_buf *b, uint32_t pid, uint32_t key)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_BACKEND_KEY_DATA);
	pg_buf_put_u32(b, pid);
	pg_buf_put_u32(b, key);
	pg_buf_end_msg(b, at);
}

void pg_backend_put_ready_for_query(struct pg_buf *b, enum pg_tx_status status)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_READY_FOR_QUERY);
	pg_buf_put_u8(b, (uint8_t)status);
	pg_buf_end_msg(b, at);
}

static void put_diag(struct pg_buf *b, uint8_t type, const struct pg_backend_diag *d)
{
	struct pg_backend_diag sent = *d;
	if (sent.severity_localized == NULL)
		sent.severity_localized = sent.severity;
	size_t at = pg_buf_begin_msg(b, type);
	for (size_t i = 0; i < N_DIAG_FIELDS; i++) {
		const char *value = *diag_member(&sent, i);
		if (value == NULL)
			continue;
		pg_buf_put_u8(b, diag_fields[i].code);
		pg_buf_put_cstr(b, value);
	}
	pg_buf_put_u8(b, 0);
	pg_buf_end_msg(b, at);
}

void pg_backend_put_error(struct pg_buf *b, const struct pg_backend_diag *d)
{
	put_diag(b, PG_BE_ERROR, d);
}

void pg_backend_put_notice(struct pg_buf *b, const struct pg_backend_diag *d)
{
	put_diag(b, PG_BE_NOTICE, d);
}

/* typlen of the fixed-size types we describe; -1 (variable) otherwise. */
static int16_t type_len(uint32_t oid)
{
	switch (oid) {
	case PG_OID_BOOL: return 1;
	case PG_OID_INT2: return 2;
	case PG_OID_INT4:
	case PG_OID_OID:
	case PG_OID_FLOAT4: return 4;
	case PG_OID_INT8:
	case PG_OID_FLOAT8:
	case PG_OID_TIMESTAMPTZ: return 8;
	case PG_OID_NAME: return 64;
	default: return -1;
	}
}

void pg_backend_put_row_description(struct pg_buf *b, const char *const *names,
				    const uint32_t *type_oids, uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_ROW_DESCRIPTION);
	pg_buf_put_u16(b, n);
	for (uint16_t i = 0; i < n; i++) {
		pg_buf_put_cstr(b, names[i]);
		pg_buf_put_u32(b, 0);                /* no source table */
		pg_wire_put_i16(b, 0);               /* no source column */
		pg_buf_put_u32(b, type_oids[i]);
		pg_wire_put_i16(b, type_len(type_oids[i]));
		pg_buf_put_u32(b, (uint32_t)-1);     /* no type modifier */
		pg_wire_put_i16(b, PG_FORMAT_TEXT);
	}
	pg_buf_end_msg(b, at);
}

void pg_backend_put_data_row(struct pg_buf *b, const char *const *values,
			     const size_t *lens, uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_DATA_ROW);
	pg_buf_put_u16(b, n);
	for (uint16_t i = 0; i < n; i++) {
		if (values[i] == NULL) {
			pg_wire_put_value(b, NULL, -1);
			continue;
		}
		size_t len = lens ? lens[i] : strlen(values[i]);
		pg_wire_put_value(b, values[i], (int32_t)len);
	}
	pg_buf_end_msg(b, at);
}

void pg_backend_put_command_complete(struct pg_buf *b, const char *tag)
{
	size_t at = pg_buf_begin_msg(b, PG_BE_COMMAND_COMPLETE);
	pg_buf_put_cstr(b, tag);
	pg_buf_end_msg(b, at);
}

static void put_empty(struct pg_buf *b, enum pg_backend_msg type)
{
	pg_buf_end_msg(b, pg_buf_begin_msg(b, type));
}

void pg_backend_put_empty_query(struct pg_buf *b)
{
	put_empty(b, PG_BE_EMPTY_QUERY);
}

void pg_backend_put_parse_complete(struct pg_buf *b)
{
	put_empty(b, PG_BE_PARSE_COMPLETE);
}

void pg_backend_put_bind_complete(struct pg_buf *b)
{
	put_empty(b, PG_BE_BIND_COMPLETE);
}

void pg_backend_put_close_complete(struct pg_buf *b)
{
	put_empty(b, PG_BE_CLOSE_COMPLETE);
}

void pg_backend_put_no_data(struct pg_buf *b)
{
	put_empty(b, PG_BE_NO_DATA);
}

void pg_backend_put_copy_response(struct pg_buf *b, enum pg_backend_msg type,
				  enum pg_format format, const enum pg_format *columns,
				  uint16_t n)
{
	size_t at = pg_buf_begin_msg(b, type);
	pg_buf_put_u8(b, (uint8_t)format);
	pg_buf_put_u16(b, n);
	for (uint16_t i = 0; i < n; i++)
		pg_wire_put_i16(b, (int16_t)columns[i]);
	pg_buf_end_msg(b, at);
}
