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

/* Reads one typed message header (5 bytes) without needing its body, for
 * code that streams bodies through. `max_len` bounds the length field.
 * PG_OK: out->type, out->len, out->body_len set, out->body = NULL, cursor
 * advanced by 5. PG_NEED_MORE: fewer than 5 bytes left, nothing consumed.
 * PG_ERR_LENGTH: length < 4 or > max_len (reason and offset in r). */
enum pg_result pg_frame_read_header(struct pg_reader *r, uint32_t max_len,
				    struct pg_frame *out)
	__attribute__((warn_unused_result));

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
