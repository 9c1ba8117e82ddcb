/* pg_frame: incremental framing of the PostgreSQL v3 protocol over a
 * pg_reader. Typed messages are a type byte, a 4-byte big-endian length that
 * counts itself, and a body; startup-phase packets (StartupMessage,
 * SSLRequest, GSSENCRequest, CancelRequest) have no type byte. Lengths are
 * checked before anything is buffered: below 4 (8 for startup packets) or
 * above the caller's maximum is PG_ERR_LENGTH as soon as the length field is
 * readable. Frames are views into the reader's bytes; nothing is copied or
 * allocated. What a body means is for pg_startup, pg_backend, pg_frontend. */
#ifndef CORRAL_PROTOCOL_PG_FRAME_H
#define CORRAL_PROTOCOL_PG_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_reader.h"

/* Size of a typed message header: type byte + length. */
#define PG_HEADER_SIZE 5
/* Smallest legal startup packet: length + protocol code. */
#define PG_STARTUP_MIN_LEN 8

struct pg_frame {
	uint8_t type;          /* message type; 0 for a startup-phase packet */
	uint32_t len;          /* the length field as sent: body_len + 4 */
	const uint8_t *body;   /* body_len bytes inside the reader's data; for a
				* startup packet it begins with the 4-byte code */
	size_t body_len;
};

/* On PG_ERR_LENGTH every reader below sets r->err_reason and r->err_offset
 * to the offset (from r->data) of the offending length field, and leaves
 * the cursor where it was. */

/* Smallest legal length field of a typed message: the field itself. */
#define PG_FRAME_TYPED_MIN_LEN 4

/* Validates a length field read at absolute offset `at` against
 * [min_len, max_len]. PG_OK when in range; otherwise PG_ERR_LENGTH with the
 * reason and `at` recorded in r. Comparisons stay in uint32_t, so no sum
 * can wrap. Inline, like the header reader: they run for every message
 * corral forwards. */
static inline enum pg_result pg_frame_check_len(struct pg_reader *r, uint32_t len,
						uint32_t min_len, uint32_t max_len, size_t at,
						const char *too_short)
{
	if (len < min_len)
		return pg_reader_fail(r, PG_ERR_LENGTH, too_short, at);
	if (len > max_len)
		return pg_reader_fail(r, PG_ERR_LENGTH, "length exceeds the limit", at);
	return PG_OK;
}

/* The typed header at p (avail bytes there), without a reader, for the
 * proxy's per-message loop. PG_OK: out->type, out->len, out->body_len set
 * (out->body untouched). PG_NEED_MORE: fewer than PG_HEADER_SIZE bytes.
 * PG_ERR_LENGTH: the length is out of range; pg_frame_peek_header over
 * the same bytes says why. */
static inline enum pg_result pg_frame_decode_header(const uint8_t *p, size_t avail,
						    uint32_t max_len, struct pg_frame *out)
{
	if (avail < PG_HEADER_SIZE)
		return PG_NEED_MORE;
	uint32_t len = pg_load_u32(p + 1);
	if (len < PG_FRAME_TYPED_MIN_LEN || len > max_len)
		return PG_ERR_LENGTH;
	out->type = p[0];
	out->len = len;
	out->body_len = (size_t)len - PG_FRAME_TYPED_MIN_LEN;
	return PG_OK;
}

/* Decodes and checks the typed header at the cursor without consuming it.
 * PG_OK: out->type, out->len, out->body_len set (out->body untouched).
 * PG_NEED_MORE: fewer than PG_HEADER_SIZE bytes. PG_ERR_LENGTH: see
 * pg_frame_check_len, offset of the length field. */
static inline enum pg_result pg_frame_peek_header(struct pg_reader *r, uint32_t max_len,
						  struct pg_frame *out)
{
	const uint8_t *p = r->data + r->pos;
	enum pg_result res = pg_frame_decode_header(p, pg_reader_remaining(r), max_len, out);
	if (res != PG_ERR_LENGTH)
		return res;
	return pg_frame_check_len(r, pg_load_u32(p + 1), PG_FRAME_TYPED_MIN_LEN, max_len,
				  r->pos + 1, "message length below 4");
}

/* Reads one typed message header (5 bytes) without needing its body, for
 * code that streams bodies through. `max_len` bounds the length field.
 * PG_OK: out->type, out->len, out->body_len set, out->body = NULL, cursor
 * advanced by 5. PG_NEED_MORE: fewer than 5 bytes left, nothing consumed.
 * PG_ERR_LENGTH: length < 4 or > max_len (reason and offset in r). */
__attribute__((warn_unused_result))
static inline enum pg_result pg_frame_read_header(struct pg_reader *r, uint32_t max_len,
						  struct pg_frame *out)
{
	enum pg_result res = pg_frame_peek_header(r, max_len, out);
	if (res != PG_OK)
		return res;
	out->body = NULL;
	r->pos += PG_HEADER_SIZE;
	return PG_OK;
}

/* Reads one whole typed message. PG_OK: *out is a view of it, cursor
 * advanced by 1 + len. PG_NEED_MORE: header or body incomplete, nothing
 * consumed. PG_ERR_LENGTH as for pg_frame_read_header (reported as soon as
 * the header is readable, before the body arrives). */
enum pg_result pg_frame_read(struct pg_reader *r, uint32_t max_len, struct pg_frame *out)
	__attribute__((warn_unused_result));

/* Reads one untyped startup-phase packet (the first packet on a
 * connection, or the one after TLS). PG_OK: out->type = 0, cursor advanced
 * by len. PG_NEED_MORE: incomplete. PG_ERR_LENGTH: len < 8 or > max_len. */
enum pg_result pg_frame_read_startup(struct pg_reader *r, uint32_t max_len,
				     struct pg_frame *out)
	__attribute__((warn_unused_result));

#endif
