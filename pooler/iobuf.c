/* iobuf: free-listed I/O buffers (see iobuf.h). */
#include "pooler/iobuf.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void iobuf_pool_init(struct iobuf_pool *p, uint32_t size, size_t max_free)
{
	memset(p, 0, sizeof *p);
	p->size = size;
	p->max_free = max_free;
}

void iobuf_pool_fini(struct iobuf_pool *p)
{
	while (p->free) {
		struct iobuf *b = p->free;
		p->free = b->next_free;
		free(b);
	}
	p->free_count = 0;
}

static struct iobuf *iobuf_alloc(uint32_t cap)
{
	struct iobuf *b = xmalloc(sizeof *b + cap);
	b->cap = cap;
	return b;
}

struct iobuf *iobuf_get(struct iobuf_pool *p)
{
	struct iobuf *b = p->free;
	if (b) {
		p->free = b->next_free;
		p->free_count--;
	} else {
		b = iobuf_alloc(p->size);
	}
	b->start = b->end = 0;
	b->next_free = NULL;
	p->in_use++;
	return b;
}

void iobuf_put(struct iobuf_pool *p, struct iobuf *b)
{
	if (b == NULL)
		return;
	p->in_use--;
	if (b->cap != p->size || p->free_count >= p->max_free) {
		free(b);
		return;
	}
	b->next_free = p->free;
	p->free = b;
	p->free_count++;
}

struct iobuf *iobuf_make_room(struct iobuf_pool *p, struct iobuf *b, size_t need)
{
	uint32_t used = iobuf_used(b);
	if (need <= b->cap) {
		if (b->start > 0) {
			memmove(b->data, b->data + b->start, used);
			b->start = 0;
			b->end = used;
		}
		return b;
	}
	struct iobuf *big = iobuf_alloc((uint32_t)need);
	memcpy(big->data, b->data + b->start, used);
	big->start = 0;
	big->end = used;
	big->next_free = NULL;
	p->in_use++;
	iobuf_put(p, b);
	return big;
}
