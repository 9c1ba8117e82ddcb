/* Unit tests for config/cfg_authfile: every secret kind, comments, quoting,
 * duplicates (the later line wins), broken lines with their exact line
 * numbers, lookup, the reload diff, and loading from a real file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg_authfile.h"

#define KEY1 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="
#define KEY2 "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNERUY="
#define SCRAM "SCRAM-SHA-256$4096:c2FsdDEyMzRzYWx0MTI=$" KEY1 ":" KEY2
#define MD5 "md545f2603610af569b6155c45067268c6b"

static const char good_text[] =
	"; a comment\n"
	"# another comment\n"
	"\n"
	"\"alice\" \"secret\"\n"
	"  \"bob\"\t\"" MD5 "\" anything after the secret is ignored\n"
	"\"carol\" \"" SCRAM "\"\n"
	"\"da\"\"ve\" \"pa\"\"ss\"\n"
	"\"eve\" \"\"\n"
	"\"frank\" \"md5cafe!\"\n"
	"\"gina\"   \"has space\" \"third field\"\n"
	"\"alice\" \"newer\"\n"
	"\"win\" \"crlf\"\r\n"
	"   ; indented comment\n"
	"\"md5user\" \"md5\"\n"
	"\"last\" \"no newline\"";

struct expect {
	const char *user, *secret;
	enum cfg_secret_kind kind;
	int line;
};

/* good_text's entries in lookup (strcmp) order. */
static const struct expect good_entries[] = {
	{ "alice", "newer", CFG_SECRET_PLAIN, 11 },
	{ "bob", MD5, CFG_SECRET_MD5, 5 },
	{ "carol", SCRAM, CFG_SECRET_SCRAM, 6 },
	{ "da\"ve", "pa\"ss", CFG_SECRET_PLAIN, 7 },
	{ "eve", "", CFG_SECRET_NONE, 8 },
	{ "frank", "md5cafe!", CFG_SECRET_PLAIN, 9 },
	{ "gina", "has space", CFG_SECRET_PLAIN, 10 },
	{ "last", "no newline", CFG_SECRET_PLAIN, 15 },
	{ "md5user", "md5", CFG_SECRET_PLAIN, 14 },
	{ "win", "crlf", CFG_SECRET_PLAIN, 12 },
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void parse_ok(const char *text, size_t len, struct cfg_authfile *af)
{
	struct cfg_error err;
	char msg[1200];
	int rc = cfg_authfile_parse(text, len, "userlist.txt", af, &err);
	if (rc != 0)
		cfg_error_format(&err, msg, sizeof msg);
	ck_assert_msg(rc == 0, "%s", rc ? msg : "");
}

START_TEST(test_good_entries)
{
	struct cfg_authfile af;
	parse_ok(good_text, sizeof good_text - 1, &af);
	ck_assert_uint_eq(af.count, N(good_entries));
	const struct expect *x = &good_entries[_i];
	const struct cfg_auth_entry *e = &af.entries[_i];
	ck_assert_str_eq(e->user, x->user);
	ck_assert_str_eq(e->secret, x->secret);
	ck_assert_int_eq(e->kind, x->kind);
	ck_assert_int_eq(e->line, x->line);
	ck_assert_ptr_eq(cfg_authfile_find(&af, x->user), e);
	cfg_authfile_fini(&af);
}
END_TEST

static const char *const missing_users[] = { "", "a", "alicf", "Alice", "zzz", "da\"\"ve", "bo" };

START_TEST(test_find_missing)
{
	struct cfg_authfile af;
	parse_ok(good_text, sizeof good_text - 1, &af);
	ck_assert_ptr_null(cfg_authfile_find(&af, missing_users[_i]));
	cfg_authfile_fini(&af);
	ck_assert_ptr_null(cfg_authfile_find(&af, "alice"));
}
END_TEST

START_TEST(test_empty_and_comment_only)
{
	static const char *const texts[] = { "", "\n\n", "; only\n# comments\n", "  \t\r\n" };
	for (int i = 0; i < N(texts); i++) {
		struct cfg_authfile af;
		parse_ok(texts[i], strlen(texts[i]), &af);
		ck_assert_uint_eq(af.count, 0);
		ck_assert_ptr_null(cfg_authfile_find(&af, "x"));
		cfg_authfile_fini(&af);
	}
}
END_TEST

/* Many users, inserted in reverse and with every one listed twice: lookup
 * still finds each, with the later secret. */
START_TEST(test_many_users)
{
	enum { USERS = 2000 };
	size_t cap = USERS * 2 * 40, len = 0;
	char *text = malloc(cap);
	for (int round = 0; round < 2; round++)
		for (int i = USERS - 1; i >= 0; i--)
			len += (size_t)snprintf(text + len, cap - len, "\"user%d\" \"pw%d-%d\"\n",
						i, i, round);
	struct cfg_authfile af;
	parse_ok(text, len, &af);
	ck_assert_uint_eq(af.count, USERS);
	for (int i = 0; i < USERS; i++) {
		char user[32], secret[32];
		snprintf(user, sizeof user, "user%d", i);
		snprintf(secret, sizeof secret, "pw%d-1", i);
		const struct cfg_auth_entry *e = cfg_authfile_find(&af, user);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->secret, secret);
		ck_assert_int_eq(e->line, USERS + (USERS - i));
	}
	cfg_authfile_fini(&af);
	free(text);
}
END_TEST

struct bad {
	const char *text;
	size_t len;        /* 0: strlen(text) */
	int line;
	const char *msg;   /* expected substring */
};

static const struct bad bads[] = {
	{ "\"alice\" \"x\"\nbob \"y\"\n", 0, 2, "starting with a double quote" },
	{ "\"alice\" \"x\"\n\n\"bob", 0, 3, "unterminated quoted user name" },
	{ "\"bob\" \"y", 0, 1, "unterminated quoted secret of user \"bob\"" },
	{ "; c\n\"bob\" \"y\"\"\n", 0, 2, "unterminated quoted secret of user \"bob\"" },
	{ "\"bob\"", 0, 1, "missing secret for user \"bob\"" },
	{ "\"bob\"   \n\"x\" \"y\"\n", 0, 1, "missing secret for user \"bob\"" },
	{ "\"bob\" y", 0, 1, "expected the secret of user \"bob\" in double quotes" },
	{ "\"\" \"x\"", 0, 1, "empty user name" },
	{ "\"ok\" \"x\"\n\"a\" \"md5abc\"\n", 0, 2, "user \"a\": md5 secret must be \"md5\" followed by 32 lowercase hex" },
	{ "\"a\" \"md545F2603610AF569B6155C45067268C6B\"", 0, 1, "md5 secret must be" },
	{ "\"a\" \"" MD5 "0\"", 0, 1, "md5 secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA==$short:short\"", 0, 1, "user \"a\": SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$0:c2FsdA==$" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$x:c2FsdA==$" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$:c2FsdA==$" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096$" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA=$" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA==" KEY1 ":" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA==$" KEY1 KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA==$" KEY1 ":" KEY2 "x\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$4096:c2FsdA==$" KEY1 ":*" KEY2 "\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"SCRAM-SHA-256$\"", 0, 1, "SCRAM secret must be" },
	{ "\"a\" \"b\"\n\"c\0\" \"d\"\n", 17, 2, "NUL byte" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	size_t len = b->len ? b->len : strlen(b->text);
	struct cfg_authfile af;
	struct cfg_error err;
	ck_assert_int_eq(cfg_authfile_parse(b->text, len, "users.txt", &af, &err), -1);
	ck_assert_str_eq(err.file, "users.txt");
	ck_assert_int_eq(err.line, b->line);
	ck_assert_msg(strstr(err.msg, b->msg) != NULL, "msg=\"%s\", expected \"%s\"", err.msg, b->msg);
	ck_assert_ptr_null(af.entries);
	ck_assert_uint_eq(af.count, 0);
}
END_TEST

/* Parsing stops at len: a closing quote just beyond it is not seen. */
START_TEST(test_length_respected)
{
	static const char text[] = "\"alice\" \"secret\"";
	struct cfg_authfile af;
	struct cfg_error err;
	ck_assert_int_eq(cfg_authfile_parse(text, sizeof text - 2, "f", &af, &err), -1);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unterminated quoted secret"));
}
END_TEST

struct diff {
	const char *old, *new;
	const char *expect;   /* "+user -user ~user" in user order */
};

static const struct diff diffs[] = {
	{ "", "", "" },
	{ "\"a\" \"1\"\n\"b\" \"2\"", "\"b\" \"2\"\n\"a\" \"1\"", "" },
	{ "\"a\" \"1\"", "\"a\" \"1\"\n\"b\" \"2\"", "+b" },
	{ "\"a\" \"1\"\n\"b\" \"2\"", "\"b\" \"2\"", "-a" },
	{ "\"a\" \"1\"\n\"b\" \"2\"", "\"a\" \"1\"\n\"b\" \"3\"", "~b" },
	{ "\"a\" \"1\"\n\"c\" \"3\"\n\"d\" \"4\"", "\"b\" \"2\"\n\"c\" \"x\"\n\"e\" \"5\"",
	  "-a +b ~c -d +e" },
	{ "", "\"a\" \"1\"\n\"b\" \"2\"", "+a +b" },
	{ "\"a\" \"1\"\n\"b\" \"2\"", "", "-a -b" },
	/* a duplicate's earlier secret does not count */
	{ "\"a\" \"1\"", "\"a\" \"0\"\n\"a\" \"1\"", "" },
};

static void record(void *arg, const char *user, enum cfg_auth_change change)
{
	char *out = arg;
	static const char sign[] = { [CFG_AUTH_ADDED] = '+', [CFG_AUTH_REMOVED] = '-',
				     [CFG_AUTH_CHANGED] = '~' };
	size_t used = strlen(out);
	snprintf(out + used, 256 - used, "%s%c%s", used ? " " : "", sign[change], user);
}

START_TEST(test_diff)
{
	const struct diff *d = &diffs[_i];
	struct cfg_authfile a, b;
	parse_ok(d->old, strlen(d->old), &a);
	parse_ok(d->new, strlen(d->new), &b);
	char got[256] = "";
	size_t n = cfg_authfile_diff(&a, &b, record, got);
	ck_assert_str_eq(got, d->expect);
	ck_assert_uint_eq(n, cfg_authfile_diff(&a, &b, NULL, NULL));
	size_t words = 0;
	for (const char *p = d->expect; *p; p++)
		words += *p == '+' || *p == '-' || *p == '~';
	ck_assert_uint_eq(n, words);
	ck_assert_uint_eq(cfg_authfile_diff(&a, &a, NULL, NULL), 0);
	cfg_authfile_fini(&a);
	cfg_authfile_fini(&b);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/check_cfg_authfile.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	/* bigger than one read, to cover the growing buffer */
	for (int i = 0; i < 500; i++)
		fprintf(f, "; padding comment line number %d to make the file longer\n", i);
	fputs("\"alice\" \"" MD5 "\"\n\"bob\" \n", f);
	fclose(f);

	struct cfg_authfile af;
	struct cfg_error err;
	ck_assert_int_eq(cfg_authfile_load(path, &af, &err), -1);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 502);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing secret for user \"bob\""));

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("\"alice\" \"" MD5 "\"\n\"bob\" \"pw\"\n", f);
	fclose(f);
	ck_assert_int_eq(cfg_authfile_load(path, &af, &err), 0);
	ck_assert_uint_eq(af.count, 2);
	ck_assert_int_eq(cfg_authfile_find(&af, "alice")->kind, CFG_SECRET_MD5);
	ck_assert_str_eq(cfg_authfile_find(&af, "bob")->secret, "pw");
	cfg_authfile_fini(&af);
	unlink(path);

	ck_assert_int_eq(cfg_authfile_load(path, &af, &err), -1);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open auth_file: No such file"));
	ck_assert_ptr_null(af.entries);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfg_authfile");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good_entries, 0, N(good_entries));
	tcase_add_loop_test(tc, test_find_missing, 0, N(missing_users));
	tcase_add_test(tc, test_empty_and_comment_only);
	tcase_add_test(tc, test_many_users);
	tcase_add_loop_test(tc, test_bad, 0, N(bads));
	tcase_add_test(tc, test_length_respected);
	tcase_add_loop_test(tc, test_diff, 0, N(diffs));
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
