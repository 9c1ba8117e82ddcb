/* msg_test: helpers the pg_backend and pg_frontend suites share. Frames are
 * built straight from bytes (no pg_frame.c involved) into heap copies of
 * exactly the body's size, so ASan catches any read past a body's end; a
 * decoded message is rendered as text so one string compare checks every
 * value exactly. */
#ifndef CORRAL_TESTS_UNIT_MSG_TEST_H
#define CORRAL_TESTS_UNIT_MSG_TEST_H

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_wire.h"
#include "util/xalloc.h"

/* A body given as a string literal: pointer and length without the
 * literal's own terminating NUL. */
#define BODY(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* A frame over a heap copy of body[0..len) (body NULL when len is 0);
 * release it with msg_frame_free. */
static inline struct pg_frame msg_frame(uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = NULL;
	if (len > 0) {
		copy = xmalloc(len);
		memcpy(copy, body, len);
	}
	return (struct pg_frame){ .type = type, .len = (uint32_t)(len + 4), .body = copy,
				  .body_len = len };
}

/* The one message a builder wrote to b, checked to fill b exactly. */
static inline struct pg_frame msg_frame_of_buf(const struct pg_buf *b)
{
	ck_assert_uint_ge(b->len, PG_HEADER_SIZE);
	ck_assert_uint_eq(pg_load_u32(b->data + 1), b->len - 1);
	return msg_frame(b->data[0], b->data + PG_HEADER_SIZE, b->len - PG_HEADER_SIZE);
}

static inline void msg_frame_free(struct pg_frame *f)
{
	free((void *)f->body);
	f->body = NULL;
}

/* Rendered text of a decoded message. */
struct msg_text {
	char s[2048];
	size_t len;
};

static inline void msg_text_add(struct msg_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void msg_text_add(struct msg_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof t->s - t->len);
	t->len += (size_t)n;
}

/* Printable bytes as themselves, others (and the backslash) as \xNN. */
static inline void msg_text_bytes(struct msg_text *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			msg_text_add(t, "%c", p[i]);
		else
			msg_text_add(t, "\\x%02x", p[i]);
	}
}

/* A string field, or "-" when absent. */
static inline void msg_text_str(struct msg_text *t, const char *label, const char *s)
{
	if (s)
		msg_text_add(t, "%s'%s'", label, s);
	else
		msg_text_add(t, "%s-", label);
}

/* Values as [ 'text' NULL ... ]. */
static inline void msg_text_values(struct msg_text *t, struct pg_values it)
{
	struct pg_value v;
	msg_text_add(t, "[");
	while (pg_values_next(&it, &v)) {
		if (v.len == -1) {
			msg_text_add(t, " NULL");
			continue;
		}
		msg_text_add(t, " '");
		msg_text_bytes(t, v.data, (size_t)v.len);
		msg_text_add(t, "'");
	}
	msg_text_add(t, " ]");
}

static inline void msg_text_formats(struct msg_text *t, struct pg_formats f)
{
	msg_text_add(t, "(");
	for (uint16_t i = 0; i < f.count; i++)
		msg_text_add(t, "%s%d", i ? "," : "", (int)pg_formats_at(&f, i));
	msg_text_add(t, ")");
}

/* Runs one reader over f and renders what it decoded into t. */
struct msg_reader {
	const char *name;
	enum pg_result (*render)(const struct pg_frame *f, struct pg_reader *r,
				 struct msg_text *t);
};

/* A well-formed body and its exact rendering. */
struct msg_valid {
	const struct msg_reader *reader;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	const char *want;
};

/* A malformed body, the result and the body offset it must report. */
struct msg_bad {
	const char *what;
	const struct msg_reader *reader;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	enum pg_result want;
	size_t offset;
};

/* A well-formed body and, for each cut length k < len, the offset a read
 * of body[0..k) must fail at. */
struct msg_truncated {
	const struct msg_reader *reader;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	const size_t *offsets;
};

/* A builder and the rendering of what its reader finds. */
struct msg_round_trip {
	const char *name;
	void (*build)(struct pg_buf *b);
	const struct msg_reader *reader;
	const char *want;
};

static inline enum pg_result msg_render(const struct msg_reader *rd, const struct pg_frame *f,
					struct pg_reader *r, struct msg_text *t)
{
	t->len = 0;
	t->s[0] = '\0';
	return rd->render(f, r, t);
}

static inline void msg_check_valid(const struct msg_valid *v)
{
	struct pg_frame f = msg_frame(v->type, v->body, v->len);
	struct pg_reader r;
	struct msg_text t;
	enum pg_result res = msg_render(v->reader, &f, &r, &t);
	ck_assert_msg(res == PG_OK, "%s: %s (%s at %zu)", v->reader->name, pg_result_name(res),
		      r.err_reason, r.err_offset);
	ck_assert_str_eq(t.s, v->want);
	msg_frame_free(&f);
}

static inline void msg_check_bad(const struct msg_bad *v)
{
	struct pg_frame f = msg_frame(v->type, v->body, v->len);
	struct pg_reader r;
	struct msg_text t;
	enum pg_result res = msg_render(v->reader, &f, &r, &t);
	ck_assert_msg(res == v->want, "%s: got %s, want %s", v->what, pg_result_name(res),
		      pg_result_name(v->want));
	ck_assert_ptr_nonnull(r.err_reason);
	ck_assert_msg(r.err_offset == v->offset, "%s: offset %zu, want %zu (%s)", v->what,
		      r.err_offset, v->offset, r.err_reason);
	msg_frame_free(&f);
}

static inline void msg_check_truncated(const struct msg_truncated *v)
{
	for (size_t k = 0; k < v->len; k++) {
		struct pg_frame f = msg_frame(v->type, v->body, k);
		struct pg_reader r;
		struct msg_text t;
		enum pg_result res = msg_render(v->reader, &f, &r, &t);
		ck_assert_msg(res == PG_ERR_FORMAT || res == PG_ERR_LENGTH,
			      "%s cut at %zu: %s", v->reader->name, k, pg_result_name(res));
		ck_assert_ptr_nonnull(r.err_reason);
		ck_assert_msg(r.err_offset == v->offsets[k], "%s cut at %zu: offset %zu, want %zu (%s)",
			      v->reader->name, k, r.err_offset, v->offsets[k], r.err_reason);
		msg_frame_free(&f);
	}
}

static inline void msg_check_round_trip(const struct msg_round_trip *v)
{
	struct pg_buf b;
	pg_buf_init(&b);
	v->build(&b);
	struct pg_frame f = msg_frame_of_buf(&b);
	struct pg_reader r;
	struct msg_text t;
	enum pg_result res = msg_render(v->reader, &f, &r, &t);
	ck_assert_msg(res == PG_OK, "%s: %s (%s at %zu)", v->name, pg_result_name(res),
		      r.err_reason, r.err_offset);
	ck_assert_str_eq(t.s, v->want);
	msg_frame_free(&f);
	pg_buf_fini(&b);
}

/* Runs a suite of one tcase and returns the process exit status. */
static inline int msg_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
