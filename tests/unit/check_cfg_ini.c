/* Unit tests for config/cfg_ini: good inputs yield the exact callback
 * sequence, broken lines fail at the exact line with the expected words,
 * %include resolves, nests, and refuses loops, depth and missing files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg_ini.h"

/* Records every callback as "section|key|value|file:line\n". */
struct record {
	char out[8192];
	size_t len;
	char files[1024];   /* on_file paths, relative to dir, space-separated */
	const char *dir;    /* stripped from recorded paths; NULL for buffers */
};

static const char *strip_dir(const struct record *rec, const char *path)
{
	size_t n = rec->dir ? strlen(rec->dir) : 0;
	if (n && strncmp(path, rec->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static int record_entry(void *ctx, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	struct record *rec = ctx;
	if (strcmp(e->key, "fail") == 0)
		return cfg_error_set(err, e->file, e->line, "callback refused '%s'", e->value);
	rec->len += (size_t)snprintf(rec->out + rec->len, sizeof rec->out - rec->len,
				     "%s|%s|%s|%s:%d\n", cfg_ini_section_name(e->section), e->key,
				     e->value, strip_dir(rec, e->file), e->line);
	ck_assert_uint_lt(rec->len, sizeof rec->out);
	return 0;
}

static void record_file(void *ctx, const char *path)
{
	struct record *rec = ctx;
	size_t n = strlen(rec->files);
	snprintf(rec->files + n, sizeof rec->files - n, "%s%s", n ? " " : "", strip_dir(rec, path));
}

static int count_entry(void *ctx, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	(*(int *)ctx)++;
	return 0;
}

struct good_vector {
	const char *name;
	const char *text;
	size_t len;          /* 0: strlen(text) */
	const char *expect;
};

static const struct good_vector good[] = {
	{ "plain", "[pgbouncer]\nlisten_port = 6432\n", 0, "pgbouncer|listen_port|6432|t.ini:2\n" },
	{ "comments and blanks", "; one\n# two\n\n   ; three\n[databases]\n  foo = host=x port=5  \n", 0,
	  "databases|foo|host=x port=5|t.ini:6\n" },
	{ "inline ; and # belong to the value", "[pgbouncer]\nlisten_addr = * ; all\nx = a#b\n", 0,
	  "pgbouncer|listen_addr|* ; all|t.ini:2\npgbouncer|x|a#b|t.ini:3\n" },
	{ "empty value", "[databases]\nfoodb =\nbar=\n", 0,
	  "databases|foodb||t.ini:2\ndatabases|bar||t.ini:3\n" },
	{ "quoted names", "[databases]\n\"my db\" = host=a\n\"a\"\"b\"=\n", 0,
	  "databases|my db|host=a|t.ini:2\ndatabases|a\"b||t.ini:3\n" },
	{ "corral alias and section case", "[corral]\na = 1\n[ Users ]\nbob = pool_size=2\n", 0,
	  "pgbouncer|a|1|t.ini:2\nusers|bob|pool_size=2|t.ini:4\n" },
	{ "crlf", "[pgbouncer]\r\nkey = v\r\n\r\nk2=w\r\n", 0,
	  "pgbouncer|key|v|t.ini:2\npgbouncer|k2|w|t.ini:4\n" },
	{ "byte order mark", "\xEF\xBB\xBF[users]\nbob = x\n", 0, "users|bob|x|t.ini:2\n" },
	{ "no final newline", "[users]\nbob=x", 0, "users|bob|x|t.ini:2\n" },
	{ "= inside the value", "[databases]\nd = a=b c='x = y'\n", 0,
	  "databases|d|a=b c='x = y'|t.ini:2\n" },
	{ "tabs", "\t[pgbouncer]\t\n\tx\t=\t1\t\n", 0, "pgbouncer|x|1|t.ini:2\n" },
	{ "fallback database and odd user names", "[databases]\n* = host=foo\n[users]\nu@h.x-1 = \n", 0,
	  "databases|*|host=foo|t.ini:2\nusers|u@h.x-1||t.ini:4\n" },
	{ "only comments", "; nothing\n", 0, "" },
	{ "empty text", "", 0, "" },
	{ "length bounds the text", "[users]\na = 1\nb = 2\n", 14, "users|a|1|t.ini:2\n" },
};

START_TEST(test_good)
{
	const struct good_vector *v = &good[_i];
	struct record rec = { .len = 0 };
	struct cfg_error err = { .line = -1 };
	size_t len = v->len ? v->len : strlen(v->text);
	int rc = cfg_ini_parse_buffer(v->text, len, "t.ini", record_entry, &rec, &err);
	ck_assert_msg(rc == 0, "%s: %s:%d: %s", v->name, err.file, err.line, err.msg);
	ck_assert_str_eq(rec.out, v->expect);
}
END_TEST

struct bad_vector {
	const char *name;
	const char *text;
	size_t len;          /* 0: strlen(text) */
	int line;
	const char *msg;     /* substring of the message */
	const char *seen;    /* entries delivered before the error */
};

static const struct bad_vector bad[] = {
	{ "unterminated section", "; x\n[pgbouncer\n", 0, 2,
	  "unterminated section header '[pgbouncer' (expected ']')", "" },
	{ "unknown section", "[pgbouncer]\na=1\n[peers]\n1 = host=x\n", 0, 3,
	  "unknown section [peers] (expected [databases], [users], [pgbouncer] or [corral])",
	  "pgbouncer|a|1|t.ini:2\n" },
	{ "empty section", "[]\n", 0, 1, "unknown section []", "" },
	{ "text after section", "[pgbouncer] x = 1\n", 0, 1,
	  "unexpected 'x = 1' after the section header", "" },
	{ "key without =", "[pgbouncer]\n\nlisten_port\n", 0, 3, "expected '=' after 'listen_port'", "" },
	{ "two words", "[databases]\nfoo bar = x\n", 0, 2, "expected '=' after 'foo'", "" },
	{ "missing name", "[databases]\n = x\n", 0, 2, "missing name before '='", "" },
	{ "key outside section", "listen_port = 1\n", 0, 1,
	  "'listen_port' is outside any section", "" },
	{ "unterminated quoted name", "[databases]\n\"my db = host=x\n", 0, 2,
	  "unterminated quoted name \"my db = host=x (expected a closing '\"')", "" },
	{ "empty quoted name", "[databases]\n\"\" = x\n", 0, 2, "empty quoted name", "" },
	{ "quoted name then junk", "[databases]\n\"a\"b = x\n", 0, 2, "expected '=' after 'a'", "" },
	{ "NUL byte", "[users]\n\na\0b = c\n", 13, 3, "NUL byte", "" },
	{ "include refused in memory", "[users]\n%include other.ini\n", 0, 2,
	  "%include is not allowed", "" },
	{ "unknown directive", "%define x\n", 0, 1, "unknown directive '%define' (expected %include)", "" },
	{ "callback error", "[users]\na = 1\nfail = why\nb = 2\n", 0, 3, "callback refused 'why'",
	  "users|a|1|t.ini:2\n" },
};

START_TEST(test_bad)
{
	const struct bad_vector *v = &bad[_i];
	struct record rec = { .len = 0 };
	struct cfg_error err = { .line = -1 };
	size_t len = v->len ? v->len : strlen(v->text);
	ck_assert_int_eq(cfg_ini_parse_buffer(v->text, len, "t.ini", record_entry, &rec, &err), -1);
	ck_assert_str_eq(err.file, "t.ini");
	ck_assert_msg(err.line == v->line, "%s: line %d, expected %d", v->name, err.line, v->line);
	ck_assert_msg(strstr(err.msg, v->msg) != NULL, "%s: message '%s' lacks '%s'", v->name,
		      err.msg, v->msg);
	ck_assert_str_eq(rec.out, v->seen);
}
END_TEST

/* A line of exactly CFG_INI_MAX_LINE bytes passes; one more byte fails. */
START_TEST(test_line_length_limit)
{
	size_t head = strlen("[users]\nk = ");
	size_t len = head + CFG_INI_MAX_LINE - strlen("k = ") + 1;
	char *text = malloc(len + 2);
	memcpy(text, "[users]\nk = ", head);
	memset(text + head, 'v', len - head);
	int entries = 0;
	struct cfg_error err;
	ck_assert_int_eq(cfg_ini_parse_buffer(text, len - 1, "t.ini", count_entry, &entries, &err), 0);
	ck_assert_int_eq(entries, 1);
	ck_assert_int_eq(cfg_ini_parse_buffer(text, len, "t.ini", count_entry, &entries, &err), -1);
	ck_assert_int_eq(entries, 1);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "line longer than 16384 bytes");
	free(text);
}
END_TEST

/* Files in a fresh temporary directory, removed by the teardown. */
static char tmpdir[64];
static char paths[16][160];
static int npaths;

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_cfg_ini.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	npaths = 0;
}

static void tmp_teardown(void)
{
	while (npaths > 0)
		remove(paths[--npaths]);
	rmdir(tmpdir);
}

/* Write text to tmpdir/name (name may hold one "sub/" level, created). */
static const char *put(const char *name, const char *text)
{
	const char *slash = strchr(name, '/');
	if (slash) {
		char *p = paths[npaths++];
		snprintf(p, sizeof paths[0], "%s/%.*s", tmpdir, (int)(slash - name), name);
		if (mkdir(p, 0700) < 0)
			npaths--;   /* already there and registered */
	}
	char *p = paths[npaths++];
	snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static int parse(const char *top, struct record *rec, struct cfg_error *err)
{
	rec->len = 0;
	rec->out[0] = '\0';
	rec->files[0] = '\0';
	rec->dir = tmpdir;
	return cfg_ini_parse_file(top, record_entry, record_file, rec, err);
}

START_TEST(test_include_relative_nested_section_carries)
{
	/* inc.ini and deeper.ini are found next to the file naming them, not in
	 * the working directory; [users] opened inside stays open after. */
	put("sub/deeper.ini", "d = 4\n");
	put("sub/inc.ini", "inner = 2\n%include deeper.ini\n[users]\nu = x\n");
	put("empty.ini", "");
	const char *top = put("top.ini",
			      "[pgbouncer]\na = 1\n%include sub/inc.ini\nafter = 3\n%include  empty.ini \n");
	struct record rec;
	struct cfg_error err;
	ck_assert_int_eq(parse(top, &rec, &err), 0);
	ck_assert_str_eq(rec.out, "pgbouncer|a|1|top.ini:2\n"
				  "pgbouncer|inner|2|sub/inc.ini:1\n"
				  "pgbouncer|d|4|sub/deeper.ini:1\n"
				  "users|u|x|sub/inc.ini:4\n"
				  "users|after|3|top.ini:4\n");
	ck_assert_str_eq(rec.files, "top.ini sub/inc.ini sub/deeper.ini empty.ini");
}
END_TEST

START_TEST(test_include_absolute)
{
	const char *inc = put("abs.ini", "[users]\nz = 9\n");
	char text[256];
	snprintf(text, sizeof text, "%%include %s\n", inc);
	const char *top = put("top.ini", text);
	struct record rec;
	struct cfg_error err;
	ck_assert_int_eq(parse(top, &rec, &err), 0);
	ck_assert_str_eq(rec.out, "users|z|9|abs.ini:2\n");
}
END_TEST

/* An include error points at the %include line of the including file. */
static void expect_error(const char *top, const char *file, int line, const char *msg)
{
	struct record rec;
	struct cfg_error err;
	ck_assert_int_eq(parse(top, &rec, &err), -1);
	ck_assert_str_eq(strip_dir(&rec, err.file), file);
	ck_assert_int_eq(err.line, line);
	ck_assert_msg(strstr(err.msg, msg) != NULL, "message '%s' lacks '%s'", err.msg, msg);
}

START_TEST(test_include_missing)
{
	const char *top = put("top.ini", "[users]\n\n%include nothere.ini\n");
	char msg[256];
	snprintf(msg, sizeof msg, "cannot open include file '%s/nothere.ini': No such file or directory",
		 tmpdir);
	expect_error(top, "top.ini", 3, msg);
}
END_TEST

START_TEST(test_include_loop)
{
	put("b.ini", "[users]\nb = 1\n%include a.ini\n");
	const char *a = put("a.ini", "%include b.ini\n");
	char msg[256];
	snprintf(msg, sizeof msg, "include loop: '%s/a.ini' is already being read", tmpdir);
	expect_error(a, "b.ini", 3, msg);
}
END_TEST

START_TEST(test_include_self)
{
	const char *a = put("self.ini", "; me again\n%include self.ini\n");
	expect_error(a, "self.ini", 2, "include loop");
}
END_TEST

START_TEST(test_include_depth)
{
	/* f0 includes f1 ... f9: f8 is at the deepest level allowed. */
	char name[16], text[64];
	for (int i = 9; i >= 0; i--) {
		snprintf(name, sizeof name, "f%d.ini", i);
		if (i < 9)
			snprintf(text, sizeof text, "%%include f%d.ini\n", i + 1);
		else
			snprintf(text, sizeof text, "[users]\n");
		put(name, text);
	}
	expect_error(paths[npaths - 1], "f8.ini", 1, "%include nested deeper than 8 levels");
}
END_TEST

START_TEST(test_top_file_errors)
{
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none.ini", tmpdir);
	expect_error(missing, "none.ini", 0, "No such file or directory");
	put("d/x.ini", "");
	char dir[128];
	snprintf(dir, sizeof dir, "%s/d", tmpdir);
	expect_error(dir, "d", 0, "Is a directory");
	const char *bare = put("empty_name.ini", "[users]\n%include\n");
	expect_error(bare, "empty_name.ini", 2, "%include needs a file name");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfg_ini");
	TCase *tc = tcase_create("buffer");
	tcase_add_loop_test(tc, test_good, 0, sizeof good / sizeof good[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_line_length_limit);
	suite_add_tcase(s, tc);
	TCase *tf = tcase_create("files");
	tcase_add_checked_fixture(tf, tmp_setup, tmp_teardown);
	tcase_add_test(tf, test_include_relative_nested_section_carries);
	tcase_add_test(tf, test_include_absolute);
	tcase_add_test(tf, test_include_missing);
	tcase_add_test(tf, test_include_loop);
	tcase_add_test(tf, test_include_self);
	tcase_add_test(tf, test_include_depth);
	tcase_add_test(tf, test_top_file_errors);
	suite_add_tcase(s, tf);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
