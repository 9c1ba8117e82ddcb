/* pg_wire: the field codec pg_backend and pg_frontend share. Reading side:
 * bounds-checked primitives over a pg_reader that sits inside one message
 * body (integers, NUL-terminated strings, counted arrays of format codes,
 * type OIDs and length-prefixed values), each reporting PG_ERR_* with the
 * body offset of the field that does not fit. Arrays come back as views
 * whose accessors need no checks because the reader validated the bytes
 * first. Writing side: the value encoder both directions use. No I/O, no
 * allocation, no state beyond the caller's reader. */
#ifndef CORRAL_PROTOCOL_PG_WIRE_H
#define CORRAL_PROTOCOL_PG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"

/* Data format codes, as in Bind, RowDescription and the COPY responses. */
enum pg_format {
	PG_FORMAT_TEXT = 0,
	PG_FORMAT_BINARY = 1,
};

/* A length-prefixed value (DataRow column, Bind parameter, function
 * argument). len -1 is SQL NULL, with data NULL. */
struct pg_value {
	const uint8_t *data;
	int32_t len;
};

/* `count` validated values starting at p. Iterate a copy: pg_values_next
 * consumes the view it is given. */
struct pg_values {
	uint16_t count;
	const uint8_t *p;
};

/* `count` validated Int16 format codes (each 0 or 1) starting at p. */
struct pg_formats {
	uint16_t count;
	const uint8_t *p;
};

/* `count` Int32 type OIDs starting at p. */
struct pg_oids {
	uint16_t count;
	const uint8_t *p;
};

/* Moves the first value of *it to *out and drops it from *it; false (out
 * untouched) once none are left. *it must come from a pg_wire reader. */
bool pg_values_next(struct pg_values *it, struct pg_value *out);

/* Format code i (i < f->count). */
static inline enum pg_format pg_formats_at(const struct pg_formats *f, uint16_t i)
{
	return (enum pg_format)pg_load_u16(f->p + 2u * i);
}

/* OID i (i < o->count). */
static inline uint32_t pg_oids_at(const struct pg_oids *o, uint16_t i)
{
	return pg_load_u32(o->p + 4u * i);
}

/* Runs one reading step and returns its result from the enclosing reader
 * unless it is PG_OK: a message is read as a straight line of steps. */
#define PG_WIRE_TRY(step) \
	do { \
		enum pg_result pg_wire_res_ = (step); \
		if (pg_wire_res_ != PG_OK) \
			return pg_wire_res_; \
	} while (0)

/* Points r at f's body. PG_OK when type_ok; otherwise PG_ERR_FORMAT
 * "unexpected message type" at offset 0, so a reader handed the wrong
 * frame says so instead of misreading it. */
enum pg_result pg_wire_open_if(struct pg_reader *r, const struct pg_frame *f, bool type_ok)
	__attribute__((warn_unused_result));

static inline enum pg_result __attribute__((warn_unused_result))
pg_wire_open(struct pg_reader *r, const struct pg_frame *f, uint8_t type)
{
	return pg_wire_open_if(r, f, f->type == type);
}

/* The cursor as a pointer into the body (the data pointer itself at
 * position 0, so an empty body with data NULL stays defined). */
const uint8_t *pg_wire_cursor(const struct pg_reader *r);

/* The fixed-size reads: PG_OK with the big-endian value, cursor advanced;
 * PG_ERR_FORMAT at the field's offset when the body ends inside it. */
enum pg_result pg_wire_u8(struct pg_reader *r, uint8_t *out) __attribute__((warn_unused_result));
enum pg_result pg_wire_u16(struct pg_reader *r, uint16_t *out) __attribute__((warn_unused_result));
enum pg_result pg_wire_u32(struct pg_reader *r, uint32_t *out) __attribute__((warn_unused_result));

/* A NUL-terminated string. PG_OK: *out points at it inside the body.
 * PG_ERR_FORMAT at the string's offset when no NUL follows in the body. */
enum pg_result pg_wire_cstr(struct pg_reader *r, const char **out)
	__attribute__((warn_unused_result));

/* n raw bytes. PG_ERR_FORMAT at the cursor when fewer than n are left. */
enum pg_result pg_wire_bytes(struct pg_reader *r, size_t n, const uint8_t **out)
	__attribute__((warn_unused_result));

/* Everything left in the body (possibly nothing); never fails. */
void pg_wire_rest(struct pg_reader *r, const uint8_t **out, size_t *len);

/* PG_OK when the body has been consumed exactly; PG_ERR_FORMAT "trailing
 * bytes" at the first unread byte otherwise. Every reader ends with it. */
enum pg_result pg_wire_end(struct pg_reader *r) __attribute__((warn_unused_result));

/* An Int16 count of items that take at least min_size bytes each.
 * PG_ERR_LENGTH at the count's offset when it is negative or the rest of
 * the body cannot hold that many items; PG_ERR_FORMAT when truncated. */
enum pg_result pg_wire_count(struct pg_reader *r, size_t min_size, uint16_t *out)
	__attribute__((warn_unused_result));

/* One Int16 format code. PG_ERR_FORMAT at its offset unless 0 or 1. */
enum pg_result pg_wire_format(struct pg_reader *r, enum pg_format *out)
	__attribute__((warn_unused_result));

/* One Int32 length (-1 for NULL) and that many bytes. PG_ERR_LENGTH at the
 * length's offset when it is below -1 or beyond the body. */
enum pg_result pg_wire_value(struct pg_reader *r, struct pg_value *out)
	__attribute__((warn_unused_result));

/* Counted arrays: an Int16 count, then the items, each checked as above. */
enum pg_result pg_wire_formats(struct pg_reader *r, struct pg_formats *out)
	__attribute__((warn_unused_result));
enum pg_result pg_wire_oids(struct pg_reader *r, struct pg_oids *out)
	__attribute__((warn_unused_result));
enum pg_result pg_wire_values(struct pg_reader *r, struct pg_values *out)
	__attribute__((warn_unused_result));

/* Parameter formats then parameter values, as Bind and FunctionCall carry
 * them. Beyond the array checks, the number of format codes must be 0 (all
 * text), 1 (one for all) or the number of values: PG_ERR_FORMAT at the
 * format count's offset otherwise. */
enum pg_result pg_wire_args(struct pg_reader *r, struct pg_formats *formats,
			    struct pg_values *values)
	__attribute__((warn_unused_result));

/* Appends an Int16 (two's complement on the wire). */
void pg_wire_put_i16(struct pg_buf *b, int16_t v);

/* Appends a length-prefixed value: len -1 writes SQL NULL (data unused),
 * otherwise len >= 0 bytes from data. */
void pg_wire_put_value(struct pg_buf *b, const void *data, int32_t len);

#endif
