/* fuzz_frame: libFuzzer target for protocol/pg_frame. The input's first
 * byte picks a split point, the rest is a byte stream. The stream is framed
 * as typed messages, as startup packets, and as a connection would see it
 * (one startup packet, then typed messages), each with a small and the
 * largest length bound. Every read is checked against a model of the length
 * rules (exact consumption, nothing consumed short of PG_OK, errors with a
 * reason and the length field's offset), pg_frame_read_header must agree
 * with pg_frame_read, and reading the stream in two chunks split at the
 * chosen point must yield the same frames as reading it whole. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "protocol/pg_frame.h"
#include "tests/fuzz/fuzz.h"
#include "util/xalloc.h"

/* Smallest legal length field of a typed message: the field itself. */
#define TYPED_MIN_LEN 4
/* The small bound: most fuzzed lengths exceed it, exercising the limit. */
#define SMALL_MAX_LEN 64

enum framing {
	FRAMING_TYPED,       /* typed messages only */
	FRAMING_STARTUP,     /* startup packets only */
	FRAMING_CONNECTION,  /* one startup packet, then typed messages */
};

/* A stream handed to a reader in two chunks, as a socket might deliver it:
 * first the `split` leading bytes, then, once the reader needs more, the
 * unconsumed tail and everything after it. Each chunk is an exact-size heap
 * copy, so AddressSanitizer sees any read past what was delivered. */
struct stream {
	const uint8_t *src;  /* the whole stream; not owned */
	size_t src_len;
	size_t delivered;    /* bytes of src handed over so far */
	size_t base;         /* offset in src of buf[0] */
	uint8_t *buf;        /* the current chunk; owned */
	struct pg_reader r;  /* over buf */
};

/* One read's outcome, in stream offsets so chunkings can be compared. */
struct outcome {
	enum pg_result res;
	uint8_t type;
	uint32_t len;
	size_t at;           /* PG_OK: offset of the frame's first byte */
	const char *reason;  /* PG_ERR_*: the reader's reason */
	size_t err_at;       /* PG_ERR_*: offset of the offending field */
};

/* Points s's reader at a fresh copy of src[from, to). */
static void deliver(struct stream *s, size_t from, size_t to)
{
	free(s->buf);
	s->buf = xmalloc(to - from);
	memcpy(s->buf, s->src + from, to - from);
	s->base = from;
	s->delivered = to;
	pg_reader_init(&s->r, s->buf, to - from);
}

static void stream_init(struct stream *s, const uint8_t *src, size_t len, size_t split)
{
	s->src = src;
	s->src_len = len;
	s->buf = NULL;
	deliver(s, 0, split);
}

static void stream_fini(struct stream *s)
{
	free(s->buf);
}

/* Delivers the rest of the stream after the consumed bytes. False when
 * everything was already delivered. */
static bool stream_refill(struct stream *s)
{
	if (s->delivered == s->src_len)
		return false;
	deliver(s, s->base + s->r.pos, s->src_len);
	return true;
}

/* What the length rules say reading `avail` bytes at p must give; on PG_OK
 * *used is the frame's whole size. Kept apart from pg_frame's code so the
 * two can disagree. */
static enum pg_result model(const uint8_t *p, size_t avail, bool startup, uint32_t max_len,
			    uint64_t *used)
{
	size_t len_at = startup ? 0 : 1;
	if (avail < len_at + 4)
		return PG_NEED_MORE;
	uint32_t len = pg_load_u32(p + len_at);
	if (len < (startup ? PG_STARTUP_MIN_LEN : TYPED_MIN_LEN) || len > max_len)
		return PG_ERR_LENGTH;
	*used = (uint64_t)len + len_at;
	return avail < *used ? PG_NEED_MORE : PG_OK;
}

/* pg_frame_read_header on a copy of r must agree with `res`, the result
 * pg_frame_read gave for the same bytes, frame f when PG_OK. */
static void check_header(const struct pg_reader *r, uint32_t max_len, enum pg_result res,
			 const struct pg_reader *after, const struct pg_frame *f)
{
	struct pg_reader h = *r;
	struct pg_frame hf;
	enum pg_result hres = pg_frame_read_header(&h, max_len, &hf);
	if (hres == PG_NEED_MORE) {
		FUZZ_CHECK(res == PG_NEED_MORE && h.pos == r->pos);
		FUZZ_CHECK(pg_reader_remaining(r) < PG_HEADER_SIZE);
		return;
	}
	if (hres != PG_OK) {
		FUZZ_CHECK(hres == res && h.pos == r->pos);
		/* The same text: the inline readers' literals may live at other
		 * addresses in each translation unit. */
		FUZZ_CHECK(strcmp(h.err_reason, after->err_reason) == 0 &&
			   h.err_offset == after->err_offset);
		return;
	}
	FUZZ_CHECK(h.pos == r->pos + PG_HEADER_SIZE && hf.body == NULL);
	FUZZ_CHECK(hf.body_len == (size_t)hf.len - TYPED_MIN_LEN);
	FUZZ_CHECK(res == PG_OK || res == PG_NEED_MORE);
	if (res == PG_OK)
		FUZZ_CHECK(hf.type == f->type && hf.len == f->len);
}

/* One read at r's cursor, checked against the model and, for typed
 * messages, against pg_frame_read_header. */
static enum pg_result checked_read(struct pg_reader *r, bool startup, uint32_t max_len,
				   struct pg_frame *f)
{
	const struct pg_reader before = *r;
	const uint8_t *p = r->data + r->pos;
	uint64_t used = 0;
	enum pg_result want = model(p, pg_reader_remaining(r), startup, max_len, &used);
	enum pg_result res = startup ? pg_frame_read_startup(r, max_len, f)
				     : pg_frame_read(r, max_len, f);
	FUZZ_CHECK(res == want);
	if (!startup)
		check_header(&before, max_len, res, r, f);
	if (res == PG_NEED_MORE) {
		FUZZ_CHECK(r->pos == before.pos && r->err_reason == NULL);
		return res;
	}
	if (res != PG_OK) {
		FUZZ_CHECK(r->pos == before.pos && r->err_reason != NULL);
		FUZZ_CHECK(r->err_offset == before.pos + (startup ? 0 : 1));
		return res;
	}
	FUZZ_CHECK(r->pos - before.pos == used && r->pos <= r->len);
	FUZZ_CHECK(f->type == (startup ? 0 : p[0]));
	FUZZ_CHECK(f->len == pg_load_u32(p + (startup ? 0 : 1)));
	FUZZ_CHECK(f->body_len == (size_t)f->len - 4);
	FUZZ_CHECK(f->body == r->data + r->pos - f->body_len);
	return res;
}

/* Reads the next frame of s (startup packet or typed message), asking for
 * the second chunk when the first runs out. */
static struct outcome stream_next(struct stream *s, bool startup, uint32_t max_len)
{
	struct pg_frame f;
	size_t at;
	enum pg_result res;
	do {
		at = s->r.pos;
		res = checked_read(&s->r, startup, max_len, &f);
	} while (res == PG_NEED_MORE && stream_refill(s));
	struct outcome o = { .res = res };
	if (res == PG_OK) {
		o.type = f.type;
		o.len = f.len;
		o.at = s->base + at;
	} else if (res != PG_NEED_MORE) {
		o.reason = s->r.err_reason;
		o.err_at = s->base + s->r.err_offset;
	}
	return o;
}

/* Frames src whole and split, comparing frame by frame until both stop. */
static void run(const uint8_t *src, size_t len, size_t split, enum framing how,
		uint32_t max_len)
{
	struct stream whole, parts;
	stream_init(&whole, src, len, len);
	stream_init(&parts, src, len, split);
	bool startup = how != FRAMING_TYPED;
	for (;;) {
		struct outcome a = stream_next(&whole, startup, max_len);
		struct outcome b = stream_next(&parts, startup, max_len);
		FUZZ_CHECK(a.res == b.res && a.type == b.type && a.len == b.len);
		FUZZ_CHECK(a.at == b.at && a.reason == b.reason && a.err_at == b.err_at);
		if (a.res != PG_OK)
			break;
		startup = how == FRAMING_STARTUP;
	}
	stream_fini(&whole);
	stream_fini(&parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *src = data + 1;
	size_t len = size - 1;
	/* Scaled so that one byte reaches every part of a long input. */
	size_t split = (size_t)data[0] * len / UINT8_MAX;
	static const enum framing framings[] = {
		FRAMING_TYPED, FRAMING_STARTUP, FRAMING_CONNECTION,
	};
	/* UINT32_MAX is where a careless 1 + len would wrap. */
	static const uint32_t max_lens[] = { SMALL_MAX_LEN, UINT32_MAX };
	for (size_t i = 0; i < sizeof framings / sizeof framings[0]; i++)
		for (size_t j = 0; j < sizeof max_lens / sizeof max_lens[0]; j++)
			run(src, len, split, framings[i], max_lens[j]);
	return 0;
}
