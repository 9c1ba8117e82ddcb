/* Unit tests for protocol/pg_frame: every vector is read whole, streamed in
 * one byte at a time, and truncated at every offset into an exact-size
 * buffer (so ASan sees any read past the end); frames back to back are read
 * in order; bad lengths fail as soon as the length field is readable, with
 * the length field's offset, and nothing is ever consumed short of PG_OK. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "util/xalloc.h"

#define MAX_LEN 1000
/* Bytes already consumed before the frame under test, so offsets are
 * checked as absolute positions rather than happening to be right at 0. */
#define PREFIX_LEN 3

struct frame_vec {
	const char *name;
	bool startup;            /* untyped startup-phase packet */
	const char *bytes;
	size_t len;
	uint8_t type;
	size_t body_len;
};

#define VEC(name, startup, lit, type, body_len) \
	{ name, startup, lit, sizeof(lit) - 1, type, body_len }

static const struct frame_vec vecs[] = {
	VEC("ReadyForQuery", false, "Z\0\0\0\x05I", 'Z', 1),
	VEC("Sync, empty body", false, "S\0\0\0\x04", 'S', 0),
	VEC("Query", false, "Q\0\0\0\x0dSELECT 1\0", 'Q', 9),
	VEC("CopyData, binary body", false, "d\0\0\0\x08\x00\xff\x10\x80", 'd', 4),
	VEC("SSLRequest", true, "\0\0\0\x08\x04\xd2\x16\x2f", 0, 4),
	VEC("StartupMessage", true, "\0\0\0\x12\0\x03\0\0user\0bob\0\0", 0, 14),
	VEC("CancelRequest", true, "\0\0\0\x10\x04\xd2\x16\x2e\0\0\x04\xd2\xde\xad\xbe\xef", 0, 12),
};
#define NVECS (sizeof vecs / sizeof vecs[0])

static enum pg_result read_vec(bool startup, struct pg_reader *r, uint32_t max_len,
			       struct pg_frame *f)
{
	return startup ? pg_frame_read_startup(r, max_len, f) : pg_frame_read(r, max_len, f);
}

/* Asserts that f is the frame of v, found at offset `at` of r's data. */
static void assert_frame(const struct frame_vec *v, const struct pg_reader *r, size_t at,
			 const struct pg_frame *f)
{
	size_t header = v->startup ? 4 : PG_HEADER_SIZE;
	ck_assert_uint_eq(f->type, v->type);
	ck_assert_uint_eq(f->len, v->body_len + 4);
	ck_assert_uint_eq(f->body_len, v->body_len);
	ck_assert_ptr_eq(f->body, r->data + at + header);
	ck_assert_mem_eq(f->body, v->bytes + header, v->body_len);
}

/* Whole vector followed by unrelated bytes: exactly the frame is consumed. */
START_TEST(test_whole)
{
	const struct frame_vec *v = &vecs[_i];
	struct pg_buf b;
	pg_buf_init(&b);
	pg_buf_put_bytes(&b, v->bytes, v->len);
	pg_buf_put_bytes(&b, "Z\0\0", 3);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_frame f;
	ck_assert_int_eq(read_vec(v->startup, &r, MAX_LEN, &f), PG_OK);
	ck_assert_uint_eq(r.pos, v->len);
	ck_assert_ptr_null(r.err_reason);
	assert_frame(v, &r, 0, &f);
	pg_buf_fini(&b);
}
END_TEST

/* A stream arriving one byte at a time after an already-consumed prefix:
 * NEED_MORE with the cursor untouched until the last byte, then OK. */
START_TEST(test_byte_by_byte)
{
	const struct frame_vec *v = &vecs[_i];
	struct pg_buf b;
	pg_buf_init(&b);
	pg_buf_put_bytes(&b, "xyz", PREFIX_LEN);
	for (size_t k = 0; k < v->len; k++) {
		pg_buf_put_u8(&b, (uint8_t)v->bytes[k]);
		struct pg_reader r;
		pg_reader_init(&r, b.data, b.len);
		r.pos = PREFIX_LEN;
		struct pg_frame f;
		enum pg_result res = read_vec(v->startup, &r, MAX_LEN, &f);
		if (k + 1 < v->len) {
			ck_assert_int_eq(res, PG_NEED_MORE);
			ck_assert_uint_eq(r.pos, PREFIX_LEN);
			ck_assert_ptr_null(r.err_reason);
		} else {
			ck_assert_int_eq(res, PG_OK);
			ck_assert_uint_eq(r.pos, PREFIX_LEN + v->len);
			assert_frame(v, &r, PREFIX_LEN, &f);
		}
	}
	pg_buf_fini(&b);
}
END_TEST

/* Every strict prefix, alone in an exact-size heap block. */
START_TEST(test_truncated)
{
	const struct frame_vec *v = &vecs[_i];
	for (size_t k = 0; k < v->len; k++) {
		uint8_t *copy = xmalloc(k);
		memcpy(copy, v->bytes, k);
		struct pg_reader r;
		pg_reader_init(&r, copy, k);
		struct pg_frame f;
		ck_assert_int_eq(read_vec(v->startup, &r, MAX_LEN, &f), PG_NEED_MORE);
		ck_assert_uint_eq(r.pos, 0);
		free(copy);
	}
}
END_TEST

/* Header-only reads of typed messages: 5 bytes suffice, body not needed. */
START_TEST(test_header)
{
	const struct frame_vec *v = &vecs[_i];
	if (v->startup)
		return;
	for (size_t k = 0; k <= v->len; k++) {
		struct pg_reader r;
		pg_reader_init(&r, v->bytes, k);
		struct pg_frame f;
		enum pg_result res = pg_frame_read_header(&r, MAX_LEN, &f);
		if (k < PG_HEADER_SIZE) {
			ck_assert_int_eq(res, PG_NEED_MORE);
			ck_assert_uint_eq(r.pos, 0);
			continue;
		}
		ck_assert_int_eq(res, PG_OK);
		ck_assert_uint_eq(r.pos, PG_HEADER_SIZE);
		ck_assert_uint_eq(f.type, v->type);
		ck_assert_uint_eq(f.len, v->body_len + 4);
		ck_assert_uint_eq(f.body_len, v->body_len);
		ck_assert_ptr_null(f.body);
	}
}
END_TEST

/* All vectors concatenated are read one after another, then NEED_MORE. */
START_TEST(test_back_to_back)
{
	struct pg_buf b;
	pg_buf_init(&b);
	for (size_t i = 0; i < NVECS; i++)
		pg_buf_put_bytes(&b, vecs[i].bytes, vecs[i].len);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	for (size_t i = 0; i < NVECS; i++) {
		size_t at = r.pos;
		struct pg_frame f;
		ck_assert_int_eq(read_vec(vecs[i].startup, &r, MAX_LEN, &f), PG_OK);
		ck_assert_uint_eq(r.pos, at + vecs[i].len);
		assert_frame(&vecs[i], &r, at, &f);
	}
	ck_assert_uint_eq(r.pos, b.len);
	struct pg_frame f;
	ck_assert_int_eq(pg_frame_read(&r, MAX_LEN, &f), PG_NEED_MORE);
	pg_buf_fini(&b);
}
END_TEST

struct bad_vec {
	const char *name;
	bool startup;
	const char *bytes;       /* up to and including the length field */
	size_t len;
	uint32_t max_len;
	const char *reason;
	size_t offset;           /* of the length field, frame at offset 0 */
};

#define BAD(name, startup, lit, max_len, reason, offset) \
	{ name, startup, lit, sizeof(lit) - 1, max_len, reason, offset }

#define TYPED_SHORT "message length below 4"
#define STARTUP_SHORT "startup packet length below 8"
#define TOO_LONG "length exceeds the limit"

static const struct bad_vec bad_vecs[] = {
	BAD("typed length 0", false, "Q\0\0\0\0", MAX_LEN, TYPED_SHORT, 1),
	BAD("typed length 1", false, "Q\0\0\0\x01", MAX_LEN, TYPED_SHORT, 1),
	BAD("typed length 2", false, "Q\0\0\0\x02", MAX_LEN, TYPED_SHORT, 1),
	BAD("typed length 3", false, "Q\0\0\0\x03", MAX_LEN, TYPED_SHORT, 1),
	BAD("typed max + 1", false, "Q\0\0\x03\xe9", MAX_LEN, TOO_LONG, 1),
	BAD("typed 0xFFFFFFFF", false, "Q\xff\xff\xff\xff", MAX_LEN, TOO_LONG, 1),
	BAD("typed, 0xFFFFFFFF under max - 1", false, "Q\xff\xff\xff\xff", UINT32_MAX - 1,
	    TOO_LONG, 1),
	BAD("startup length 0", true, "\0\0\0\0", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 1", true, "\0\0\0\x01", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 2", true, "\0\0\0\x02", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 3", true, "\0\0\0\x03", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 4", true, "\0\0\0\x04", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 5", true, "\0\0\0\x05", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 6", true, "\0\0\0\x06", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup length 7", true, "\0\0\0\x07", MAX_LEN, STARTUP_SHORT, 0),
	BAD("startup max + 1", true, "\0\0\x03\xe9", MAX_LEN, TOO_LONG, 0),
	BAD("startup 0xFFFFFFFF", true, "\xff\xff\xff\xff", MAX_LEN, TOO_LONG, 0),
};
#define NBAD (sizeof bad_vecs / sizeof bad_vecs[0])

/* Reads v at offset `at` of an exact-size buffer holding the first k bytes
 * and checks the outcome: NEED_MORE until the length field is complete,
 * PG_ERR_LENGTH from then on, never consuming. */
static void check_bad_prefix(const struct bad_vec *v, size_t at, size_t k)
{
	uint8_t *buf = xmalloc(at + k);
	memset(buf, 'x', at);
	memcpy(buf + at, v->bytes, k);
	struct pg_reader r;
	pg_reader_init(&r, buf, at + k);
	r.pos = at;
	struct pg_frame f;
	enum pg_result res = read_vec(v->startup, &r, v->max_len, &f);
	ck_assert_uint_eq(r.pos, at);
	if (k < v->len) {
		ck_assert_int_eq(res, PG_NEED_MORE);
		ck_assert_ptr_null(r.err_reason);
	} else {
		ck_assert_int_eq(res, PG_ERR_LENGTH);
		ck_assert_pstr_eq(r.err_reason, v->reason);
		ck_assert_uint_eq(r.err_offset, at + v->offset);
	}
	free(buf);
}

START_TEST(test_bad_length)
{
	const struct bad_vec *v = &bad_vecs[_i];
	for (size_t k = 0; k <= v->len; k++) {
		check_bad_prefix(v, 0, k);
		check_bad_prefix(v, PREFIX_LEN, k);
	}
}
END_TEST

/* The header-only reader rejects the same typed lengths the same way. */
START_TEST(test_bad_length_header)
{
	const struct bad_vec *v = &bad_vecs[_i];
	if (v->startup)
		return;
	struct pg_reader r;
	pg_reader_init(&r, v->bytes, v->len);
	struct pg_frame f;
	ck_assert_int_eq(pg_frame_read_header(&r, v->max_len, &f), PG_ERR_LENGTH);
	ck_assert_pstr_eq(r.err_reason, v->reason);
	ck_assert_uint_eq(r.err_offset, v->offset);
	ck_assert_uint_eq(r.pos, 0);
	/* The reader-less decoder too, and it waits for a whole header. */
	const uint8_t *bytes = (const uint8_t *)v->bytes;
	ck_assert_int_eq(pg_frame_decode_header(bytes, v->len, v->max_len, &f), PG_ERR_LENGTH);
	ck_assert_int_eq(pg_frame_decode_header(bytes, PG_HEADER_SIZE - 1, v->max_len, &f),
			 PG_NEED_MORE);
}
END_TEST

/* A length equal to max_len is legal; at UINT32_MAX it must not wrap into
 * a small total and must simply wait for the body. */
START_TEST(test_limit_boundaries)
{
	static const uint8_t typed[] = "Q\0\0\x03\xe8" "abc";
	static const uint8_t typed_huge[] = "Q\xff\xff\xff\xff" "abc";
	static const uint8_t startup[] = "\0\0\x03\xe8\0\x03\0\0";
	static const uint8_t startup_huge[] = "\xff\xff\xff\xff\0\x03\0\0";
	struct pg_reader r;
	struct pg_frame f;

	pg_reader_init(&r, typed, sizeof typed - 1);
	ck_assert_int_eq(pg_frame_read(&r, MAX_LEN, &f), PG_NEED_MORE);
	ck_assert_int_eq(pg_frame_read_header(&r, MAX_LEN, &f), PG_OK);
	ck_assert_uint_eq(f.body_len, MAX_LEN - 4);

	ck_assert_int_eq(pg_frame_decode_header(typed, sizeof typed - 1, MAX_LEN, &f), PG_OK);
	ck_assert_uint_eq(f.type, 'Q');
	ck_assert_uint_eq(f.body_len, MAX_LEN - 4);
	ck_assert_int_eq(pg_frame_decode_header(typed, sizeof typed - 1, MAX_LEN - 1, &f),
			 PG_ERR_LENGTH);

	pg_reader_init(&r, typed_huge, sizeof typed_huge - 1);
	ck_assert_int_eq(pg_frame_read(&r, UINT32_MAX, &f), PG_NEED_MORE);
	ck_assert_uint_eq(r.pos, 0);
	ck_assert_int_eq(pg_frame_read_header(&r, UINT32_MAX, &f), PG_OK);
	ck_assert_uint_eq(f.body_len, (size_t)UINT32_MAX - 4);

	pg_reader_init(&r, startup, sizeof startup - 1);
	ck_assert_int_eq(pg_frame_read_startup(&r, MAX_LEN, &f), PG_NEED_MORE);
	ck_assert_ptr_null(r.err_reason);

	pg_reader_init(&r, startup_huge, sizeof startup_huge - 1);
	ck_assert_int_eq(pg_frame_read_startup(&r, UINT32_MAX, &f), PG_NEED_MORE);
	ck_assert_uint_eq(r.pos, 0);
	ck_assert_ptr_null(r.err_reason);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_frame");
	TCase *tc = tcase_create("vectors");
	tcase_add_loop_test(tc, test_whole, 0, NVECS);
	tcase_add_loop_test(tc, test_byte_by_byte, 0, NVECS);
	tcase_add_loop_test(tc, test_truncated, 0, NVECS);
	tcase_add_loop_test(tc, test_header, 0, NVECS);
	tcase_add_test(tc, test_back_to_back);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("bad lengths");
	tcase_add_loop_test(bad, test_bad_length, 0, NBAD);
	tcase_add_loop_test(bad, test_bad_length_header, 0, NBAD);
	tcase_add_test(bad, test_limit_boundaries);
	suite_add_tcase(s, bad);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
