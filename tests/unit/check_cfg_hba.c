/* Unit tests for config/cfg_hba: a good file and what each kind of client
 * gets from it (local vs host, TLS, name lists, keywords, quoting, CIDR and
 * address+mask, IPv6, first match wins, no match), broken records with
 * their exact file:line errors, @file includes (nested, relative, missing,
 * looping), backslash continuation, the reload comparison and client
 * addresses from sockaddrs. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/cfg.h"
#include "config/cfg_hba.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char good_text[] =
	"# TYPE  DATABASE     USER        ADDRESS        METHOD\n"               /* 1 */
	"local   all          postgres                   peer\n"                 /* 2 */
	"local   sameuser     all                        md5\n"                  /* 3 */
	"\n"                                                                     /* 4 */
	"host    app,\"all\"    alice, bob  10.0.0.0/8     scram-sha-256\n"      /* 5 */
	"hostssl all          all         0.0.0.0/0      cert\n"                 /* 6 */
	"hostnossl db2        carol       192.168.1.0    255.255.255.0 password\n" /* 7 */
	"host    db3          all         ::1/128        trust   # v6 only\n"    /* 8 */
	"host    replication  all         all            trust\n"                /* 9 */
	"host    all          \"+grp\"     all            trust\n"               /* 10 */
	"host    all          rej         all            reject\n"               /* 11 */
	"host    all          all         \\\n"                                  /* 12 */
	"        127.0.0.0/8  md5\r\n"                                           /* 13 */
	"host    \"db 4\",\"a\"\"b\" all    192.168.0.0/16 password\n"          /* 14 */
	"local   all          all         reject";                               /* 15 */

struct match {
	const char *addr;     /* NULL: unix socket */
	bool ssl;
	const char *db, *user;
	enum cfg_hba_method method;
	int line;
};

static const struct match matches[] = {
	{ NULL, false, "postgres", "postgres", CFG_HBA_PEER, 2 },
	{ NULL, false, "eve", "eve", CFG_HBA_MD5, 3 },          /* sameuser */
	{ NULL, false, "app", "eve", CFG_HBA_REJECT, 15 },       /* a reject rule */
	{ "10.1.2.3", false, "app", "alice", CFG_HBA_SCRAM, 5 },
	{ "10.1.2.3", false, "all", "bob", CFG_HBA_SCRAM, 5 },   /* "all" quoted: a name */
	{ "10.1.2.3", true, "other", "alice", CFG_HBA_CERT, 6 },
	{ "10.1.2.3", false, "other", "alice", CFG_HBA_REJECT, 0 }, /* no rule */
	{ "11.0.0.1", false, "app", "alice", CFG_HBA_REJECT, 0 },   /* outside /8 */
	{ "192.168.1.77", false, "db2", "carol", CFG_HBA_PASSWORD, 7 },
	{ "192.168.1.77", true, "db2", "carol", CFG_HBA_CERT, 6 },  /* hostnossl skipped */
	{ "192.168.2.1", false, "db2", "carol", CFG_HBA_REJECT, 0 },/* mask mismatch */
	{ "::1", false, "db3", "x", CFG_HBA_TRUST, 8 },
	{ "::2", false, "db3", "x", CFG_HBA_REJECT, 0 },
	{ "127.0.0.1", false, "db3", "x", CFG_HBA_MD5, 12 },         /* v4 is not ::1 */
	{ "127.0.0.1", false, "replication", "x", CFG_HBA_MD5, 12 }, /* keyword matches nothing */
	{ "8.8.8.8", false, "x", "+grp", CFG_HBA_TRUST, 10 },
	{ "8.8.8.8", false, "x", "grp", CFG_HBA_REJECT, 0 },
	{ "8.8.8.8", false, "x", "rej", CFG_HBA_REJECT, 11 },
	{ "127.0.0.1", false, "x", "rej", CFG_HBA_REJECT, 11 },      /* first match wins */
	{ "127.5.5.5", false, "x", "y", CFG_HBA_MD5, 12 },  /* continued record */
	{ "192.168.9.9", false, "db 4", "y", CFG_HBA_PASSWORD, 14 },
	{ "192.168.9.9", false, "a\"b", "y", CFG_HBA_PASSWORD, 14 },
	{ "192.168.9.9", false, "db", "y", CFG_HBA_REJECT, 0 },
	{ "192.168.9.9", false, "App", "alice", CFG_HBA_REJECT, 0 }, /* case-sensitive */
};

static void addr_of(const char *text, struct cfg_hba_addr *a)
{
	memset(a, 0, sizeof *a);
	if (text == NULL) {
		a->family = AF_UNIX;
		return;
	}
	a->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a->family, text, a->bytes), 1);
}

static void parse_ok(const char *text, const char *name, struct cfg_hba *hba)
{
	struct cfg_error err;
	char msg[1200] = "";
	int rc = cfg_hba_parse(text, strlen(text), name, hba, &err);
	if (rc != 0)
		cfg_error_format(&err, msg, sizeof msg);
	ck_assert_msg(rc == 0, "%s", msg);
}

START_TEST(test_match)
{
	const struct match *m = &matches[_i];
	struct cfg_hba hba;
	parse_ok(good_text, "hba.conf", &hba);
	ck_assert_uint_eq(hba.count, 12);
	struct cfg_hba_addr a;
	addr_of(m->addr, &a);
	int line = -1;
	enum cfg_hba_method got = cfg_hba_match(&hba, &a, m->ssl, m->db, m->user, &line);
	ck_assert_msg(got == m->method && line == m->line, "%s %s/%s: got %s line %d, want %s line %d",
		      m->addr ? m->addr : "unix", m->db, m->user, cfg_hba_method_name(got), line,
		      cfg_hba_method_name(m->method), m->line);
	ck_assert_int_eq(cfg_hba_match(&hba, &a, m->ssl, m->db, m->user, NULL), m->method);
	cfg_hba_fini(&hba);
	ck_assert_uint_eq(hba.count, 0);
}
END_TEST

struct bad {
	const char *text;
	const char *error;    /* cfg_error_format of the error */
};

static const struct bad bads[] = {
	{ "", "h.conf: no rules: every client would be refused" },
	{ "# only a comment\n\n", "h.conf: no rules: every client would be refused" },
	{ "local all all trust\nlocl all all trust\n",
	  "h.conf:2: invalid connection type \"locl\" (expected local, host, hostssl or hostnossl)" },
	{ "hostgssenc all all all trust", "h.conf:1: connection type \"hostgssenc\" is not "
	  "supported (corral has no GSSAPI encryption)" },
	{ "\"local\" all all trust", "h.conf:1: the connection type must be one unquoted word" },
	{ "local all all", "h.conf:1: too few fields: expected local DATABASE USER METHOD" },
	{ "host all all md5", "h.conf:1: too few fields: expected host DATABASE USER ADDRESS METHOD" },
	{ "local all +admins trust", "h.conf:1: user \"+admins\": group membership (+role) is not "
	  "supported (quote the name to mean it literally)" },
	{ "local samerole all trust", "h.conf:1: \"samerole\" is not supported" },
	{ "local /^db all trust", "h.conf:1: database \"/^db\": regular expressions are not "
	  "supported (quote the name to mean it literally)" },
	{ "local all \"\" trust", "h.conf:1: empty user name" },
	{ "local all all ident", "h.conf:1: authentication method \"ident\" is not supported "
	  "(expected trust, reject, md5, scram-sha-256, password, cert or peer)" },
	{ "local all all md5 map=x", "h.conf:1: authentication options such as \"map=x\" are not "
	  "supported" },
	{ "host all all all peer", "h.conf:1: peer authentication is only supported on local sockets" },
	{ "local all all cert", "h.conf:1: cert authentication needs TLS: use it on host or hostssl "
	  "lines" },
	{ "hostnossl all all all cert", "h.conf:1: cert authentication needs TLS: use it on host or "
	  "hostssl lines" },
	{ "host all all db.example.com md5", "h.conf:1: invalid IP address \"db.example.com\" (host "
	  "names are not supported)" },
	{ "host all all samenet md5", "h.conf:1: address \"samenet\" is not supported" },
	{ "host all all 10.0.0.0/33 md5", "h.conf:1: invalid CIDR mask in address \"10.0.0.0/33\"" },
	{ "host all all ::/129 md5", "h.conf:1: invalid CIDR mask in address \"::/129\"" },
	{ "host all all 10.0.0.0/x md5", "h.conf:1: invalid CIDR mask in address \"10.0.0.0/x\"" },
	{ "host all all 10.0.0.0/ md5", "h.conf:1: invalid CIDR mask in address \"10.0.0.0/\"" },
	{ "host all all 10.0.0.1 md5", "h.conf:1: invalid IP mask \"md5\" (write the address as "
	  "a/bits, or give a mask)" },
	{ "host all all 10.0.0.1 ffff:: md5", "h.conf:1: invalid IP mask \"ffff::\" (write the "
	  "address as a/bits, or give a mask)" },
	{ "host all all 10.0.0.1 255.0.0.0", "h.conf:1: end-of-line before the authentication method" },
	{ "host all all 10.0.0.1,10.0.0.2/32 md5", "h.conf:1: the address must be one unquoted word" },
	{ "local all all trust,md5", "h.conf:1: the authentication method must be one unquoted word" },
	{ "local \"all all trust", "h.conf:1: unterminated quoted string" },
	{ "local a\"b\" all trust", "h.conf:1: unexpected '\"' inside a token (quote the whole name)" },
	{ "local \"a\"b all trust", "h.conf:1: unexpected 'b' inside a token (quote the whole name)" },
	{ "local a ,b all trust", "h.conf:1: unexpected ',' (a list is written a,b without blanks "
	  "before the comma)" },
	{ "local all all trust\nlocal a,b,", "h.conf:2: a list ends with ','" },
	{ "\n\nlocal all all \\\n  \\\n  trust x\n", "h.conf:3: authentication options such as "
	  "\"x\" are not supported" },
	{ "local all @ trust", "h.conf:1: '@' without a file name" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	struct cfg_hba hba;
	struct cfg_error err;
	char msg[1200];
	ck_assert_int_eq(cfg_hba_parse(b->text, strlen(b->text), "h.conf", &hba, &err), -1);
	cfg_error_format(&err, msg, sizeof msg);
	ck_assert_str_eq(msg, b->error);
	ck_assert_ptr_null(hba.rules);
	ck_assert_ptr_null(hba.files);
}
END_TEST

START_TEST(test_nul)
{
	static const char text[] = "local all all trust\0# hidden\n";
	struct cfg_hba hba;
	struct cfg_error err;
	ck_assert_int_eq(cfg_hba_parse(text, sizeof text - 1, "h.conf", &hba, &err), -1);
	ck_assert_int_eq(err.line, 0);
	ck_assert_str_eq(err.msg, "the file contains a NUL byte");
}
END_TEST

/* A scratch directory with files for the include tests. */
static char dir[] = "/tmp/check_cfg_hba.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup_dir(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char sub[256];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file("dbs.txt", "# databases\nsales, \"all\"\nhr all\n@sub/more.txt\n");
	write_file("sub/more.txt", "ops,@deep.txt\n");   /* relative to sub/ */
	write_file("sub/deep.txt", "deepdb");
	write_file("users.txt", "\"+lit\" plain\n");
	write_file("loop.txt", "x @loop.txt\n");
	write_file("bad.txt", "fine\n+grp\n");
	write_file("hba.conf", "local @dbs.txt @users.txt md5\n");
}

static void teardown_dir(void)
{
	static const char *const names[] = { "sub/more.txt", "sub/deep.txt", "dbs.txt",
					     "users.txt", "loop.txt", "bad.txt", "hba.conf",
					     "corral.ini" };
	char path[256];
	for (int i = 0; i < N(names); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

START_TEST(test_include)
{
	char path[256], msg[1200];
	snprintf(path, sizeof path, "%s/hba.conf", dir);
	struct cfg_hba hba;
	struct cfg_error err;
	int rc = cfg_hba_load(path, &hba, &err);
	if (rc != 0)
		cfg_error_format(&err, msg, sizeof msg);
	ck_assert_msg(rc == 0, "%s", rc ? msg : "");
	ck_assert_uint_eq(hba.file_count, 5);
	ck_assert_str_eq(hba.files[0], path);
	const struct cfg_hba_rule *r = &hba.rules[0];
	ck_assert(r->databases.all);  /* bare all on line 3 of dbs.txt */
	ck_assert_uint_eq(r->databases.count, 5);
	static const char *const dbs[] = { "sales", "all", "hr", "ops", "deepdb" };
	for (int i = 0; i < N(dbs); i++)
		ck_assert_str_eq(r->databases.names[i], dbs[i]);
	ck_assert(!r->users.all);
	ck_assert_uint_eq(r->users.count, 2);
	struct cfg_hba_addr a = { .family = AF_UNIX };
	ck_assert_int_eq(cfg_hba_match(&hba, &a, false, "x", "+lit", NULL), CFG_HBA_MD5);
	ck_assert_int_eq(cfg_hba_match(&hba, &a, false, "x", "plain", NULL), CFG_HBA_MD5);
	ck_assert_int_eq(cfg_hba_match(&hba, &a, false, "x", "other", NULL), CFG_HBA_REJECT);
	cfg_hba_fini(&hba);
}
END_TEST

struct bad_include {
	const char *conf;
	const char *file;     /* relative to dir; "" for hba.conf */
	int line;
	const char *msg;      /* "DIR" stands for the scratch directory */
};

static const struct bad_include bad_includes[] = {
	{ "local all all trust\nlocal @nope.txt all md5\n", "", 2,
	  "cannot open \"DIR/nope.txt\": No such file or directory" },
	{ "local all @bad.txt md5\n", "bad.txt", 2,
	  "user \"+grp\": group membership (+role) is not supported (quote the name to mean it "
	  "literally)" },
	{ "local all @loop.txt md5\n", "loop.txt", 1,
	  "@loop.txt: @file includes nest deeper than 10" },
};

START_TEST(test_bad_include)
{
	const struct bad_include *b = &bad_includes[_i];
	char name[256], file[256], want[512];
	snprintf(name, sizeof name, "%s/x.conf", dir);
	snprintf(file, sizeof file, "%s/%s", dir, b->file[0] ? b->file : "x.conf");
	const char *at = strstr(b->msg, "DIR");  /* stands for the scratch directory */
	if (at)
		snprintf(want, sizeof want, "%.*s%s%s", (int)(at - b->msg), b->msg, dir, at + 3);
	else
		snprintf(want, sizeof want, "%s", b->msg);
	struct cfg_hba hba;
	struct cfg_error err;
	ck_assert_int_eq(cfg_hba_parse(b->conf, strlen(b->conf), name, &hba, &err), -1);
	ck_assert_str_eq(err.file, file);
	ck_assert_int_eq(err.line, b->line);
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(hba.files);
}
END_TEST

START_TEST(test_load_missing)
{
	struct cfg_hba hba;
	struct cfg_error err;
	ck_assert_int_eq(cfg_hba_load("/nonexistent/hba.conf", &hba, &err), -1);
	ck_assert_str_eq(err.file, "/nonexistent/hba.conf");
	ck_assert_int_eq(err.line, 0);
	ck_assert_str_eq(err.msg, "cannot open \"/nonexistent/hba.conf\": No such file or directory");
}
END_TEST

struct equal_case {
	const char *a, *b;
	bool equal;
};

static const struct equal_case equal_cases[] = {
	{ "local all all trust", "local  all  all  trust  # same", true },
	{ "host all all 10.0.0.0/8 md5", "host all all 10.0.0.0 255.0.0.0 md5", true },
	{ "host all all 10.0.0.0/8 md5", "host all all 10.0.0.0/9 md5", false },
	{ "host all all 10.0.0.0/8 md5", "host all all 11.0.0.0/8 md5", false },
	{ "host all all 10.0.0.0/8 md5", "hostssl all all 10.0.0.0/8 md5", false },
	{ "host all all all md5", "host all all all scram-sha-256", false },
	{ "local a,b all trust", "local b,a all trust", false },
	{ "local all all trust", "local \"all\" all trust", false },
	{ "local all a trust", "local all b trust", false },
	{ "local all all trust", "local all all trust\nlocal all all reject", false },
};

START_TEST(test_equal)
{
	const struct equal_case *e = &equal_cases[_i];
	struct cfg_hba a, b;
	parse_ok(e->a, "a.conf", &a);
	parse_ok(e->b, "b.conf", &b);
	ck_assert_int_eq(cfg_hba_equal(&a, &b), e->equal);
	ck_assert_int_eq(cfg_hba_equal(&b, &a), e->equal);
	ck_assert(cfg_hba_equal(&a, &a));
	cfg_hba_fini(&a);
	cfg_hba_fini(&b);
}
END_TEST

START_TEST(test_sockaddr)
{
	struct cfg_hba_addr a;
	char text[48];
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	inet_pton(AF_INET, "10.1.2.3", &in4.sin_addr);
	ck_assert_int_eq(cfg_hba_addr_from_sockaddr((struct sockaddr *)&in4, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	cfg_hba_addr_format(&a, text, sizeof text);
	ck_assert_str_eq(text, "10.1.2.3");

	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:10.9.8.7", &in6.sin6_addr);
	ck_assert_int_eq(cfg_hba_addr_from_sockaddr((struct sockaddr *)&in6, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);   /* a mapped address is the IPv4 client */
	cfg_hba_addr_format(&a, text, sizeof text);
	ck_assert_str_eq(text, "10.9.8.7");
	inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
	ck_assert_int_eq(cfg_hba_addr_from_sockaddr((struct sockaddr *)&in6, &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	cfg_hba_addr_format(&a, text, sizeof text);
	ck_assert_str_eq(text, "fe80::1");

	struct sockaddr_un un = { .sun_family = AF_UNIX };
	ck_assert_int_eq(cfg_hba_addr_from_sockaddr((struct sockaddr *)&un, &a), 0);
	ck_assert_int_eq(a.family, AF_UNIX);
	cfg_hba_addr_format(&a, text, sizeof text);
	ck_assert_str_eq(text, "[local]");

	struct sockaddr other = { .sa_family = AF_UNSPEC };
	ck_assert_int_eq(cfg_hba_addr_from_sockaddr(&other, &a), -1);
}
END_TEST

START_TEST(test_method_names)
{
	static const char *const names[] = { "reject", "trust", "password", "md5",
					     "scram-sha-256", "cert", "peer" };
	for (int i = 0; i < N(names); i++)
		ck_assert_str_eq(cfg_hba_method_name((enum cfg_hba_method)i), names[i]);
}
END_TEST

/* cfg_load reads auth_hba_file (relative to the config) for auth_type
 * hba only, lists its files, reports its errors with file:line, and
 * cfg_diff sees a change of rules. */
START_TEST(test_cfg_load)
{
	char ini[256], hba_path[256], msg[1200];
	snprintf(ini, sizeof ini, "%s/corral.ini", dir);
	snprintf(hba_path, sizeof hba_path, "%s/hba.conf", dir);
	write_file("corral.ini", "[pgbouncer]\nauth_type = hba\nauth_hba_file = hba.conf\n");
	struct cfg *a, *b;
	struct cfg_error err;
	int rc = cfg_load(ini, &a, &err);
	if (rc != 0)
		cfg_error_format(&err, msg, sizeof msg);
	ck_assert_msg(rc == 0, "%s", rc ? msg : "");
	ck_assert_uint_eq(a->hba.count, 1);
	ck_assert_uint_eq(a->file_count, 6);  /* corral.ini, hba.conf and its 4 @files */
	ck_assert_str_eq(a->files[1], hba_path);

	write_file("hba.conf", "local @dbs.txt @users.txt md5\nhost all all all reject\n");
	ck_assert_int_eq(cfg_load(ini, &b, &err), 0);
	ck_assert_uint_eq(cfg_diff(a, b, NULL, NULL), 1);
	struct cfg_change c = { .kind = CFG_CHANGE_HBA_CHANGED, .name = "hba.conf" };
	cfg_change_describe(&c, msg, sizeof msg);
	ck_assert_str_eq(msg, "auth_hba_file 'hba.conf': rules changed");
	cfg_free(b);

	write_file("hba.conf", "local all all trust\nhost all all nope md5\n");
	ck_assert_int_eq(cfg_load(ini, &b, &err), -1);
	ck_assert_str_eq(err.file, hba_path);
	ck_assert_int_eq(err.line, 2);

	/* Another auth_type does not read the file at all. */
	write_file("corral.ini", "[pgbouncer]\nauth_type = any\nauth_hba_file = hba.conf\n");
	ck_assert_int_eq(cfg_load(ini, &b, &err), 0);
	ck_assert_uint_eq(b->hba.count, 0);
	ck_assert_uint_eq(b->file_count, 1);
	ck_assert_uint_eq(cfg_diff(a, b, NULL, NULL), 2);  /* auth_type, rules */
	cfg_free(b);
	cfg_free(a);
	write_file("hba.conf", "local @dbs.txt @users.txt md5\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfg_hba");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_match, 0, N(matches));
	tcase_add_loop_test(tc, test_bad, 0, N(bads));
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_load_missing);
	tcase_add_loop_test(tc, test_equal, 0, N(equal_cases));
	tcase_add_test(tc, test_sockaddr);
	tcase_add_test(tc, test_method_names);
	suite_add_tcase(s, tc);
	TCase *files = tcase_create("files");
	tcase_add_unchecked_fixture(files, setup_dir, teardown_dir);
	tcase_add_test(files, test_include);
	tcase_add_loop_test(files, test_bad_include, 0, N(bad_includes));
	tcase_add_test(files, test_cfg_load);
	suite_add_tcase(s, files);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
