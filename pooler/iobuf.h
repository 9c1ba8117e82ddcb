/* iobuf: the byte buffers connections read into, handed out from a
 * per-loop free list so the hot path never calls malloc. A client holds
 * one only while it has unhandled or unsent bytes (an idle client holds
 * none); a server keeps its own (stream.keep_in). Standard buffers have
 * the pool's size (pkt_buf); a message that must be read whole and is
 * larger gets a one-off bigger buffer. */
#ifndef CORRAL_POOLER_IOBUF_H
#define CORRAL_POOLER_IOBUF_H

#include <stddef.h>
#include <stdint.h>

struct iobuf {
	uint32_t start;         /* first unconsumed byte */
	uint32_t end;           /* one past the last byte read */
	uint32_t cap;           /* bytes in data[] */
	struct iobuf *next_free;
	uint8_t data[];
};

/* Owned by the loop; buffers it hands out are owned by the caller until put back. */
struct iobuf_pool {
	uint32_t size;          /* capacity of a standard buffer */
	struct iobuf *free;     /* free standard buffers */
	size_t free_count;
	size_t max_free;        /* keep at most this many free ones */
	size_t in_use;          /* handed out now, standard and large */
};

void iobuf_pool_init(struct iobuf_pool *p, uint32_t size, size_t max_free);
void iobuf_pool_fini(struct iobuf_pool *p);

/* An empty standard buffer. */
struct iobuf *iobuf_get(struct iobuf_pool *p);
/* Return b (standard or large); NULL is allowed. */
void iobuf_put(struct iobuf_pool *p, struct iobuf *b);
/* Make room for `need` bytes from b->start: moves the unconsumed bytes to
 * the front, and if that is not enough replaces b by a larger buffer with
 * the same contents. Returns the buffer to use from now on. */
struct iobuf *iobuf_make_room(struct iobuf_pool *p, struct iobuf *b, size_t need);

static inline uint32_t iobuf_used(const struct iobuf *b)
{
	return b->end - b->start;
}

static inline uint32_t iobuf_space(const struct iobuf *b)
{
	return b->cap - b->end;
}

#endif
