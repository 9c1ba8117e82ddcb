/* pg_buf: a caller-owned growable byte buffer that encoders append to.
 * Appends never fail (growth goes through xalloc); a message is opened with
 * pg_buf_begin_msg and its length field patched by pg_buf_end_msg. The
 * buffer owns its storage; whoever embeds the struct owns the buffer. */
#ifndef CORRAL_PROTOCOL_PG_BUF_H
#define CORRAL_PROTOCOL_PG_BUF_H

#include <stddef.h>
#include <stdint.h>

struct pg_buf {
	uint8_t *data;  /* owned; NULL until the first append */
	size_t len;     /* bytes written */
	size_t cap;     /* bytes allocated */
};

void pg_buf_init(struct pg_buf *b);
/* Releases the storage; the buffer may be reused after pg_buf_init. */
void pg_buf_fini(struct pg_buf *b);
/* Forget the contents, keep the storage. Inline: the proxy resets its
 * scratch buffers for every message. */
static inline void pg_buf_reset(struct pg_buf *b)
{
	b->len = 0;
}
/* Make room for `extra` more bytes without writing them. */
void pg_buf_reserve(struct pg_buf *b, size_t extra);

void pg_buf_put_u8(struct pg_buf *b, uint8_t v);
void pg_buf_put_u16(struct pg_buf *b, uint16_t v);   /* big-endian */
void pg_buf_put_u32(struct pg_buf *b, uint32_t v);   /* big-endian */
void pg_buf_put_bytes(struct pg_buf *b, const void *p, size_t n);
/* s and its terminating NUL. */
void pg_buf_put_cstr(struct pg_buf *b, const char *s);

/* Open a message: writes `type` (unless 0, for the untyped startup-phase
 * packets) and a length placeholder. Returns the offset of the length field,
 * to hand to pg_buf_end_msg once the body is written. */
size_t pg_buf_begin_msg(struct pg_buf *b, uint8_t type);
/* Patch the length field at `len_at` to cover everything written since. */
void pg_buf_end_msg(struct pg_buf *b, size_t len_at);

#endif
