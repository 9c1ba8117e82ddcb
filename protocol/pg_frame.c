/* pg_frame: splits a byte stream into v3 protocol frames (see pg_frame.h).
 * It owns only the length rules: where the length field is, its smallest
 * legal value, and the caller's upper bound. It never looks inside a body
 * and never consumes anything unless it returns PG_OK. */
#include "protocol/pg_frame.h"

/* Smallest legal length field of a typed message: the field itself. */
#define TYPED_MIN_LEN 4

/* Validates a length field read at absolute offset `at` against
 * [min_len, max_len]. PG_OK when in range; otherwise PG_ERR_LENGTH with the
 * reason and `at` recorded in r. Comparisons stay in uint32_t, so no sum
 * can wrap. */
static enum pg_result check_len(struct pg_reader *r, uint32_t len, uint32_t min_len,
				uint32_t max_len, size_t at, const char *too_short)
{
	if (len < min_len)
		return pg_reader_fail(r, PG_ERR_LENGTH, too_short, at);
	if (len > max_len)
		return pg_reader_fail(r, PG_ERR_LENGTH, "length exceeds the limit", at);
	return PG_OK;
}

/* Decodes and checks the typed header at the cursor without consuming it.
 * PG_OK: out->type, out->len, out->body_len set (out->body untouched).
 * PG_NEED_MORE: fewer than PG_HEADER_SIZE bytes. PG_ERR_LENGTH: see
 * check_len, offset of the length field. */
static enum pg_result peek_header(struct pg_reader *r, uint32_t max_len, struct pg_frame *out)
{
	if (pg_reader_remaining(r) < PG_HEADER_SIZE)
		return PG_NEED_MORE;
	const uint8_t *p = r->data + r->pos;
	uint32_t len = pg_load_u32(p + 1);
	enum pg_result res = check_len(r, len, TYPED_MIN_LEN, max_len, r->pos + 1,
				       "message length below 4");
	if (res != PG_OK)
		return res;
	out->type = p[0];
	out->len = len;
	out->body_len = (size_t)len - TYPED_MIN_LEN;
	return PG_OK;
}

enum pg_result pg_frame_read_header(struct pg_reader *r, uint32_t max_len,
				    struct pg_frame *out)
{
	struct pg_frame f;
	enum pg_result res = peek_header(r, max_len, &f);
	if (res != PG_OK)
		return res;
	f.body = NULL;
	r->pos += PG_HEADER_SIZE;
	*out = f;
	return PG_OK;
}

enum pg_result pg_frame_read(struct pg_reader *r, uint32_t max_len, struct pg_frame *out)
{
	struct pg_frame f;
	enum pg_result res = peek_header(r, max_len, &f);
	if (res != PG_OK)
		return res;
	/* Compare body against what follows the header rather than computing
	 * 1 + len, which wraps for len near UINT32_MAX on 32-bit size_t. */
	if (pg_reader_remaining(r) - PG_HEADER_SIZE < f.body_len)
		return PG_NEED_MORE;
	f.body = r->data + r->pos + PG_HEADER_SIZE;
	r->pos += PG_HEADER_SIZE + f.body_len;
	*out = f;
	return PG_OK;
}

enum pg_result pg_frame_read_startup(struct pg_reader *r, uint32_t max_len,
				     struct pg_frame *out)
{
	if (pg_reader_remaining(r) < 4)
		return PG_NEED_MORE;
	uint32_t len = pg_load_u32(r->data + r->pos);
	enum pg_result res = check_len(r, len, PG_STARTUP_MIN_LEN, max_len, r->pos,
				       "startup packet length below 8");
	if (res != PG_OK)
		return res;
	if (pg_reader_remaining(r) < len)
		return PG_NEED_MORE;
	out->type = 0;
	out->len = len;
	out->body = r->data + r->pos + 4;
	out->body_len = (size_t)len - 4;
	r->pos += len;
	return PG_OK;
}
