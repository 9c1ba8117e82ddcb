/* pg_reader: the cursor every protocol/ decoder reads from, and the result
 * enum every decoder returns. A decoder either fills its output and advances
 * the cursor (PG_OK), leaves the cursor untouched because the bytes are not
 * all there yet (PG_NEED_MORE), or reports malformed input (PG_ERR_*) with a
 * static reason and the offset of the offending byte. "Incomplete" and
 * "malformed" are never the same value. No I/O, no allocation. */
#ifndef CORRAL_PROTOCOL_PG_READER_H
#define CORRAL_PROTOCOL_PG_READER_H

#include <stddef.h>
#include <stdint.h>

enum pg_result {
	PG_OK = 0,          /* decoded; cursor advanced past what was consumed */
	PG_NEED_MORE,       /* incomplete; nothing consumed, read more and retry */
	PG_ERR_LENGTH,      /* a length field is out of range (too small or too large) */
	PG_ERR_FORMAT,      /* bytes do not form the expected message */
};

struct pg_reader {
	const uint8_t *data;   /* not owned */
	size_t len;            /* bytes available at data */
	size_t pos;            /* next unread byte */
	const char *err_reason; /* static text, set with a PG_ERR_* result */
	size_t err_offset;     /* offset from data of the offending byte */
};

/* Start reading len bytes at data. */
static inline void pg_reader_init(struct pg_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->err_reason = NULL;
	r->err_offset = 0;
}

static inline size_t pg_reader_remaining(const struct pg_reader *r)
{
	return r->len - r->pos;
}

/* Record a malformed-input error at absolute offset `at`; returns `res`
 * so a decoder can `return pg_reader_fail(r, PG_ERR_FORMAT, "...", at);`. */
static inline enum pg_result pg_reader_fail(struct pg_reader *r, enum pg_result res,
					    const char *reason, size_t at)
{
	r->err_reason = reason;
	r->err_offset = at;
	return res;
}

/* Big-endian integer loads from unaligned bytes. */
static inline uint32_t pg_load_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t pg_load_u16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* Human-readable name of a result ("ok", "need more", ...). */
const char *pg_result_name(enum pg_result res);

#endif
