/* pg_buf: growable append buffer for protocol encoders (see pg_buf.h). */
#include "protocol/pg_buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void pg_buf_init(struct pg_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void pg_buf_fini(struct pg_buf *b)
{
	free(b->data);
	pg_buf_init(b);
}

void pg_buf_reserve(struct pg_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void pg_buf_put_bytes(struct pg_buf *b, const void *p, size_t n)
{
	pg_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void pg_buf_put_u8(struct pg_buf *b, uint8_t v)
{
	pg_buf_put_bytes(b, &v, 1);
}

void pg_buf_put_u16(struct pg_buf *b, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	pg_buf_put_bytes(b, be, sizeof be);
}

void pg_buf_put_u32(struct pg_buf *b, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	pg_buf_put_bytes(b, be, sizeof be);
}

void pg_buf_put_cstr(struct pg_buf *b, const char *s)
{
	pg_buf_put_bytes(b, s, strlen(s) + 1);
}

size_t pg_buf_begin_msg(struct pg_buf *b, uint8_t type)
{
	if (type != 0)
		pg_buf_put_u8(b, type);
	size_t len_at = b->len;
	pg_buf_put_u32(b, 0);
	return len_at;
}

void pg_buf_end_msg(struct pg_buf *b, size_t len_at)
{
	uint32_t n = (uint32_t)(b->len - len_at);
	b->data[len_at] = (uint8_t)(n >> 24);
	b->data[len_at + 1] = (uint8_t)(n >> 16);
	b->data[len_at + 2] = (uint8_t)(n >> 8);
	b->data[len_at + 3] = (uint8_t)n;
}
