/* Unit tests for pooler/admin_result: a result set is a RowDescription
 * with the columns' names and types, DataRows whose cells read back exactly
 * (text, NULL, signed and unsigned integers at their limits, printf text
 * cut at the cell size, times in UTC), and CommandComplete "SHOW"; an error
 * is an ERROR with its SQLSTATE. Messages are read back with pg_backend. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/admin_priv.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frame.h"

static const struct admin_column cols[] = {
	{ "name", PG_OID_TEXT }, { "count", PG_OID_INT4 }, { "total", PG_OID_NUMERIC },
};

/* The next message of the len bytes at data (advancing *pos), of type. */
static struct pg_frame next_message(const struct pg_buf *b, size_t *pos, uint8_t type)
{
	struct pg_reader r;
	struct pg_frame f;
	pg_reader_init(&r, b->data + *pos, b->len - *pos);
	ck_assert_int_eq(pg_frame_read(&r, 1 << 20, &f), PG_OK);
	ck_assert_int_eq(f.type, type);
	*pos += r.pos;
	return f;
}

/* The cells of DataRow f, compared with want (NULL for SQL NULL). */
static void check_row(const struct pg_frame *f, const char *const *want, size_t n)
{
	struct pg_reader r;
	struct pg_values vals;
	struct pg_value v;
	ck_assert_int_eq(pg_backend_read_data_row(f, &r, &vals), PG_OK);
	ck_assert_uint_eq(vals.count, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert(pg_values_next(&vals, &v));
		if (want[i] == NULL) {
			ck_assert_int_eq(v.len, -1);
			continue;
		}
		ck_assert_int_eq(v.len, (int32_t)strlen(want[i]));
		ck_assert(memcmp(v.data, want[i], strlen(want[i])) == 0);
	}
}

START_TEST(test_columns_rows_and_tag)
{
	struct pg_buf b;
	struct admin_result res;
	pg_buf_init(&b);
	admin_result_begin(&res, &b, cols, 3);
	admin_cell_text(&res, "alpha");
	admin_cell_int(&res, INT64_MIN);
	admin_cell_uint(&res, UINT64_MAX);
	admin_row_end(&res);
	admin_cell_text(&res, NULL);
	admin_cell_int(&res, -7);
	admin_cell_textf(&res, "%s-%d", "x", 42);
	admin_row_end(&res);
	admin_result_end(&res);

	size_t pos = 0;
	struct pg_frame f = next_message(&b, &pos, PG_BE_ROW_DESCRIPTION);
	struct pg_reader r;
	struct pg_backend_columns it;
	struct pg_backend_column col;
	ck_assert_int_eq(pg_backend_read_row_description(&f, &r, &it), PG_OK);
	ck_assert_uint_eq(it.count, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert(pg_backend_columns_next(&it, &col));
		ck_assert_str_eq(col.name, cols[i].name);
		ck_assert_uint_eq(col.type_oid, cols[i].type_oid);
	}
	const char *row1[] = { "alpha", "-9223372036854775808", "18446744073709551615" };
	const char *row2[] = { NULL, "-7", "x-42" };
	f = next_message(&b, &pos, PG_BE_DATA_ROW);
	check_row(&f, row1, 3);
	f = next_message(&b, &pos, PG_BE_DATA_ROW);
	check_row(&f, row2, 3);
	f = next_message(&b, &pos, PG_BE_COMMAND_COMPLETE);
	const char *tag;
	ck_assert_int_eq(pg_backend_read_command_complete(&f, &r, &tag), PG_OK);
	ck_assert_str_eq(tag, "SHOW");
	ck_assert_uint_eq(pos, b.len);
	pg_buf_fini(&b);
}
END_TEST

/* Times print in UTC; 0 is NULL; long text is cut, never overflowing. */
START_TEST(test_time_and_cut_cells)
{
	static const struct admin_column two[] = { { "t", PG_OID_TEXT }, { "u", PG_OID_TEXT } };
	struct pg_buf b;
	struct admin_result res;
	char longtext[3 * ADMIN_CELL_SIZE];
	memset(longtext, 'y', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	pg_buf_init(&b);
	admin_result_begin(&res, &b, two, 2);
	admin_cell_time(&res, 1700000000123456ull);  /* 2023-11-14 22:13:20 UTC */
	admin_cell_textf(&res, "%s", longtext);
	admin_row_end(&res);
	admin_cell_time(&res, 0);
	admin_cell_time(&res, 86400ull * 1000000);
	admin_row_end(&res);

	char cut[ADMIN_CELL_SIZE];
	memset(cut, 'y', sizeof cut - 1);
	cut[sizeof cut - 1] = '\0';
	size_t pos = 0;
	next_message(&b, &pos, PG_BE_ROW_DESCRIPTION);
	struct pg_frame f = next_message(&b, &pos, PG_BE_DATA_ROW);
	const char *row1[] = { "2023-11-14 22:13:20 UTC", cut };
	check_row(&f, row1, 2);
	f = next_message(&b, &pos, PG_BE_DATA_ROW);
	const char *row2[] = { NULL, "1970-01-02 00:00:00 UTC" };
	check_row(&f, row2, 2);
	pg_buf_fini(&b);
}
END_TEST

START_TEST(test_error)
{
	struct pg_buf b;
	pg_buf_init(&b);
	admin_error(&b, "42601", "invalid command '%s', use SHOW HELP;", "FOO");
	size_t pos = 0;
	struct pg_frame f = next_message(&b, &pos, PG_BE_ERROR);
	struct pg_reader r;
	struct pg_backend_diag d;
	ck_assert_int_eq(pg_backend_read_error(&f, &r, &d), PG_OK);
	ck_assert_str_eq(d.severity, "ERROR");
	ck_assert_str_eq(d.sqlstate, "42601");
	ck_assert_str_eq(d.message, "invalid command 'FOO', use SHOW HELP;");
	ck_assert_uint_eq(pos, b.len);
	pg_buf_fini(&b);
}
END_TEST

/* A row with a cell missing is a bug: the writer aborts rather than send
 * a DataRow that does not match its RowDescription. */
START_TEST(test_short_row_aborts)
{
	struct pg_buf b;
	struct admin_result res;
	pg_buf_init(&b);
	admin_result_begin(&res, &b, cols, 3);
	admin_cell_text(&res, "only one");
	admin_row_end(&res);
}
END_TEST

START_TEST(test_long_row_aborts)
{
	struct pg_buf b;
	struct admin_result res;
	pg_buf_init(&b);
	admin_result_begin(&res, &b, cols, 1);
	admin_cell_text(&res, "one");
	admin_cell_text(&res, "two");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin_result");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_columns_rows_and_tag);
	tcase_add_test(tc, test_time_and_cut_cells);
	tcase_add_test(tc, test_error);
	tcase_add_test_raise_signal(tc, test_short_row_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_long_row_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
