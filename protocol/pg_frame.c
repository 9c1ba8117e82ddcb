/* pg_frame: splits a byte stream into v3 protocol frames (see pg_frame.h).
 * It owns only the length rules: where the length field is, its smallest
 * legal value, and the caller's upper bound. It never looks inside a body
 * and never consumes anything unless it returns PG_OK. */
#include "protocol/pg_frame.h"

enum pg_result pg_frame_read(struct pg_reader *r, uint32_t max_len, struct pg_frame *out)
{
	struct pg_frame f;
	enum pg_result res = pg_frame_peek_header(r, max_len, &f);
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
	enum pg_result res = pg_frame_check_len(r, len, PG_STARTUP_MIN_LEN, max_len, r->pos,
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
