/* pg_wire: bounds-checked field reads and the value encoder shared by the
 * backend and frontend message codecs (see pg_wire.h). Every failure names
 * the body offset where the offending field starts. */
#include "protocol/pg_wire.h"

#include <string.h>

/* An empty body may come with data NULL, and NULL + 0 is undefined. */
const uint8_t *pg_wire_cursor(const struct pg_reader *r)
{
	return r->pos ? r->data + r->pos : r->data;
}

bool pg_values_next(struct pg_values *it, struct pg_value *out)
{
	if (it->count == 0)
		return false;
	out->len = (int32_t)pg_load_u32(it->p);
	it->p += 4;
	if (out->len == -1) {
		out->data = NULL;
	} else {
		out->data = it->p;
		it->p += out->len;
	}
	it->count--;
	return true;
}

enum pg_result pg_wire_open_if(struct pg_reader *r, const struct pg_frame *f, bool type_ok)
{
	pg_reader_init(r, f->body, f->body_len);
	if (!type_ok)
		return pg_reader_fail(r, PG_ERR_FORMAT, "unexpected message type", 0);
	return PG_OK;
}

enum pg_result pg_wire_bytes(struct pg_reader *r, size_t n, const uint8_t **out)
{
	if (pg_reader_remaining(r) < n)
		return pg_reader_fail(r, PG_ERR_FORMAT, "message ends inside a field", r->pos);
	*out = pg_wire_cursor(r);
	r->pos += n;
	return PG_OK;
}

enum pg_result pg_wire_u8(struct pg_reader *r, uint8_t *out)
{
	const uint8_t *p;
	PG_WIRE_TRY(pg_wire_bytes(r, 1, &p));
	*out = p[0];
	return PG_OK;
}

enum pg_result pg_wire_u16(struct pg_reader *r, uint16_t *out)
{
	const uint8_t *p;
	PG_WIRE_TRY(pg_wire_bytes(r, 2, &p));
	*out = pg_load_u16(p);
	return PG_OK;
}

enum pg_result pg_wire_u32(struct pg_reader *r, uint32_t *out)
{
	const uint8_t *p;
	PG_WIRE_TRY(pg_wire_bytes(r, 4, &p));
	*out = pg_load_u32(p);
	return PG_OK;
}

enum pg_result pg_wire_cstr(struct pg_reader *r, const char **out)
{
	size_t left = pg_reader_remaining(r);
	const uint8_t *start = pg_wire_cursor(r);
	/* memchr must not see a NULL pointer, even for zero bytes. */
	const uint8_t *nul = left ? memchr(start, '\0', left) : NULL;
	if (nul == NULL)
		return pg_reader_fail(r, PG_ERR_FORMAT, "string not terminated inside the message", r->pos);
	*out = (const char *)start;
	r->pos += (size_t)(nul - start) + 1;
	return PG_OK;
}

void pg_wire_rest(struct pg_reader *r, const uint8_t **out, size_t *len)
{
	*out = pg_wire_cursor(r);
	*len = pg_reader_remaining(r);
	r->pos = r->len;
}

enum pg_result pg_wire_end(struct pg_reader *r)
{
	if (r->pos != r->len)
		return pg_reader_fail(r, PG_ERR_FORMAT, "trailing bytes after the message", r->pos);
	return PG_OK;
}

enum pg_result pg_wire_count(struct pg_reader *r, size_t min_size, uint16_t *out)
{
	size_t at = r->pos;
	uint16_t n;
	PG_WIRE_TRY(pg_wire_u16(r, &n));
	if (n > INT16_MAX)
		return pg_reader_fail(r, PG_ERR_LENGTH, "negative count", at);
	/* Rejecting an impossible count up front keeps a lying sender from
	 * making us walk 32767 missing items before noticing. */
	if ((size_t)n * min_size > pg_reader_remaining(r))
		return pg_reader_fail(r, PG_ERR_LENGTH, "count larger than the message", at);
	*out = n;
	return PG_OK;
}

enum pg_result pg_wire_format(struct pg_reader *r, enum pg_format *out)
{
	size_t at = r->pos;
	uint16_t code;
	PG_WIRE_TRY(pg_wire_u16(r, &code));
	if (code != PG_FORMAT_TEXT && code != PG_FORMAT_BINARY)
		return pg_reader_fail(r, PG_ERR_FORMAT, "format code is neither text nor binary", at);
	*out = (enum pg_format)code;
	return PG_OK;
}

enum pg_result pg_wire_value(struct pg_reader *r, struct pg_value *out)
{
	size_t at = r->pos;
	uint32_t raw;
	PG_WIRE_TRY(pg_wire_u32(r, &raw));
	int32_t len = (int32_t)raw;
	if (len == -1) {
		out->data = NULL;
		out->len = -1;
		return PG_OK;
	}
	if (len < 0)
		return pg_reader_fail(r, PG_ERR_LENGTH, "negative value length other than -1", at);
	if ((size_t)len > pg_reader_remaining(r))
		return pg_reader_fail(r, PG_ERR_LENGTH, "value length beyond the message", at);
	out->len = len;
	return pg_wire_bytes(r, (size_t)len, &out->data);
}

enum pg_result pg_wire_formats(struct pg_reader *r, struct pg_formats *out)
{
	PG_WIRE_TRY(pg_wire_count(r, 2, &out->count));
	out->p = pg_wire_cursor(r);
	for (uint16_t i = 0; i < out->count; i++) {
		enum pg_format f;
		PG_WIRE_TRY(pg_wire_format(r, &f));
	}
	return PG_OK;
}

enum pg_result pg_wire_oids(struct pg_reader *r, struct pg_oids *out)
{
	PG_WIRE_TRY(pg_wire_count(r, 4, &out->count));
	/* pg_wire_count proved the bytes are there. */
	out->p = pg_wire_cursor(r);
	r->pos += 4u * out->count;
	return PG_OK;
}

enum pg_result pg_wire_values(struct pg_reader *r, struct pg_values *out)
{
	PG_WIRE_TRY(pg_wire_count(r, 4, &out->count));
	out->p = pg_wire_cursor(r);
	for (uint16_t i = 0; i < out->count; i++) {
		struct pg_value v;
		PG_WIRE_TRY(pg_wire_value(r, &v));
	}
	return PG_OK;
}

enum pg_result pg_wire_args(struct pg_reader *r, struct pg_formats *formats,
			    struct pg_values *values)
{
	size_t formats_at = r->pos;
	PG_WIRE_TRY(pg_wire_formats(r, formats));
	PG_WIRE_TRY(pg_wire_values(r, values));
	if (formats->count > 1 && formats->count != values->count)
		return pg_reader_fail(r, PG_ERR_FORMAT,
				      "format code count matches neither 0, 1 nor the value count",
				      formats_at);
	return PG_OK;
}

void pg_wire_put_i16(struct pg_buf *b, int16_t v)
{
	pg_buf_put_u16(b, (uint16_t)v);
}

void pg_wire_put_value(struct pg_buf *b, const void *data, int32_t len)
{
	pg_buf_put_u32(b, (uint32_t)len);
	if (len > 0)
		pg_buf_put_bytes(b, data, (size_t)len);
}
