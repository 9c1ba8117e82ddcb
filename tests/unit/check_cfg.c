/* Unit tests for config/cfg: a complete sample config (with %include and an
 * auth_file) loads into the expected snapshot; broken configs fail at the
 * exact line; later entries override earlier ones; cfg_diff reports exactly
 * the expected changes between two snapshots. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg.h"

/* Files in a fresh temporary directory, removed by the teardown. */
static char tmpdir[64];
static char paths[16][160];
static int npaths;

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_cfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	npaths = 0;
}

static void tmp_teardown(void)
{
	while (npaths > 0)
		remove(paths[--npaths]);
	rmdir(tmpdir);
}

/* tmpdir/name as a path (not registered for removal). */
static const char *in_tmp(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
	return buf;
}

/* The registered copy of path p, registering it for removal if new. */
static const char *remember(const char *p)
{
	for (int i = 0; i < npaths; i++) {
		if (strcmp(paths[i], p) == 0)
			return paths[i];
	}
	ck_assert_int_lt(npaths, 16);
	snprintf(paths[npaths], sizeof paths[0], "%s", p);
	return paths[npaths++];
}

/* Write text to tmpdir/name, replacing it; a "dir/" prefix is created. */
static const char *put(const char *name, const char *text)
{
	char p[160];
	const char *slash = strchr(name, '/');
	if (slash) {
		snprintf(p, sizeof p, "%s/%.*s", tmpdir, (int)(slash - name), name);
		if (mkdir(p, 0700) == 0)
			remember(p);
	}
	in_tmp(name, p, sizeof p);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return remember(p);
}

static const char sample_ini[] =
	"; a complete sample\n"
	"[databases]\n"
	"app = host=127.0.0.1 port=5433 dbname=appdb\n"
	"\"my db\" = host=db2 user=svc password=pw\n"
	"* = host=fallback\n"
	"\n"
	"[users]\n"
	"bob = pool_mode=transaction pool_size=5\n"
	"\n"
	"[pgbouncer]\n"
	"listen_port = 6433\n"
	"auth_type = scram-sha-256\n"
	"auth_file = users.txt\n"
	"max_client_conn = 500\n"
	"query_wait_timeout = 2.5\n"
	"%include conf.d/pools.ini\n"
	"admin_users = admin\n";

static const char sample_pools[] =
	"default_pool_size = 30\n"
	"min_pool_size = 2\n"
	"pool_mode = transaction\n"
	"[databases]\n"
	"reports = host=r1 pool_size=3\n"
	"[pgbouncer]\n";

static const char sample_users[] =
	"\"bob\" \"secret\"\n"
	"\"admin\" \"md545f2603610af569b6155c45067268c6b\"\n";

START_TEST(test_load_sample)
{
	put("conf.d/pools.ini", sample_pools);
	put("users.txt", sample_users);
	const char *top = put("corral.ini", sample_ini);
	struct cfg *cfg = NULL;
	struct cfg_error err;
	ck_assert_msg(cfg_load(top, &cfg, &err) == 0, "%s:%d: %s", err.file, err.line, err.msg);

	const struct cfg_settings *s = &cfg->settings;
	ck_assert_int_eq(s->listen_port, 6433);
	ck_assert_int_eq(s->auth_type, CFG_AUTH_SCRAM_SHA_256);
	ck_assert_int_eq(s->max_client_conn, 500);
	ck_assert_int_eq(s->query_wait_timeout, 2500000);
	ck_assert_int_eq(s->default_pool_size, 30);
	ck_assert_int_eq(s->min_pool_size, 2);
	ck_assert_int_eq(s->pool_mode, CFG_POOL_TRANSACTION);
	ck_assert_str_eq(s->admin_users, "admin");
	ck_assert_str_eq(s->conffile, top);

	ck_assert_uint_eq(cfg->database_count, 3);
	ck_assert_str_eq(cfg->databases[0].name, "app");
	ck_assert_str_eq(cfg->databases[1].name, "my db");
	ck_assert_str_eq(cfg->databases[2].name, "reports");
	const struct cfg_database *app = cfg_find_database(cfg, "app");
	ck_assert_ptr_eq(app, &cfg->databases[0]);
	ck_assert_str_eq(app->dbname, "appdb");
	ck_assert_int_eq(app->port, 5433);
	ck_assert_str_eq(cfg_find_database(cfg, "my db")->user, "svc");
	ck_assert_int_eq(cfg_find_database(cfg, "reports")->pool_size, 3);
	ck_assert_ptr_null(cfg_find_database(cfg, "nope"));
	ck_assert_ptr_null(cfg_find_database(cfg, "*"));
	ck_assert_ptr_nonnull(cfg->fallback);
	ck_assert_str_eq(cfg->fallback->host, "fallback");

	ck_assert_uint_eq(cfg->user_count, 1);
	ck_assert_int_eq(cfg_find_user(cfg, "bob")->pool_size, 5);
	ck_assert_ptr_null(cfg_find_user(cfg, "alice"));

	char want[256];
	ck_assert_str_eq(cfg->auth_file_path, in_tmp("users.txt", want, sizeof want));
	ck_assert_uint_eq(cfg->auth.count, 2);
	ck_assert_str_eq(cfg_authfile_find(&cfg->auth, "bob")->secret, "secret");
	ck_assert_int_eq(cfg_authfile_find(&cfg->auth, "admin")->kind, CFG_SECRET_MD5);

	ck_assert_uint_eq(cfg->file_count, 3);
	ck_assert_str_eq(cfg->files[0], top);
	ck_assert_str_eq(cfg->files[1], in_tmp("conf.d/pools.ini", want, sizeof want));
	ck_assert_str_eq(cfg->files[2], in_tmp("users.txt", want, sizeof want));
	cfg_free(cfg);
}
END_TEST

/* A name given twice keeps its last value; the auth_file is not read by
 * cfg_load_buffer. */
START_TEST(test_later_overrides)
{
	static const char text[] =
		"[databases]\nd = host=a\n* = host=f1\nd = host=b\n* = host=f2\ne = host=c\n"
		"[users]\nu = pool_size=1\nu = pool_size=2\n"
		"[pgbouncer]\nauth_type = md5\nauth_file = nowhere.txt\n"
		"max_client_conn = 10\nMAX_CLIENT_CONN = 20\n";
	struct cfg *cfg = NULL;
	struct cfg_error err;
	ck_assert_msg(cfg_load_buffer(text, strlen(text), "t.ini", &cfg, &err) == 0, "%s:%d: %s",
		      err.file, err.line, err.msg);
	ck_assert_int_eq(cfg->settings.max_client_conn, 20);
	ck_assert_uint_eq(cfg->database_count, 2);
	ck_assert_str_eq(cfg_find_database(cfg, "d")->host, "b");
	ck_assert_str_eq(cfg_find_database(cfg, "e")->host, "c");
	ck_assert_str_eq(cfg->fallback->host, "f2");
	ck_assert_uint_eq(cfg->user_count, 1);
	ck_assert_int_eq(cfg_find_user(cfg, "u")->pool_size, 2);
	ck_assert_ptr_null(cfg->auth_file_path);
	ck_assert_uint_eq(cfg->auth.count, 0);
	ck_assert_uint_eq(cfg->file_count, 0);
	ck_assert_str_eq(cfg->settings.conffile, "t.ini");
	cfg_free(cfg);
}
END_TEST

struct bad_vector {
	const char *text;
	int line;
	const char *msg;   /* substring of the message */
};

/* Each text is loaded with cfg_load_buffer as "t.ini". */
static const struct bad_vector bad[] = {
	{ "[pgbouncer]\nauth_type = trust\nmax_clients = 5\n", 3, "unknown setting 'max_clients'" },
	{ "[pgbouncer]\nmax_client_conn = abc\n", 2,
	  "'abc' is not a number for max_client_conn (expected an integer 1..2147483647)" },
	{ "[pgbouncer]\n\nlisten_port = 70000\n", 3,
	  "'70000' is out of range for listen_port (expected an integer 1..65535)" },
	{ "[pgbouncer]\nlog_stats = maybe\n", 2, "'maybe' is not a boolean for log_stats" },
	{ "[pgbouncer]\npool_mode = sessions\n", 2,
	  "'sessions' is not a valid value for pool_mode (expected one of: session, transaction, "
	  "statement)" },
	{ "[pgbouncer]\nlisten_port = 6432 ; default\n", 2,
	  "'6432 ; default' is not a number for listen_port (expected an integer 1..65535) (';' and "
	  "'#' start a comment only at the start of a line)" },
	{ "[databases]\n\"unterminated = host=x\n", 2, "unterminated quoted name" },
	{ "[pgbouncer\n", 1, "unterminated section header '[pgbouncer'" },
	{ "[peers]\n", 1, "unknown section [peers]" },
	{ "[users]\nbob\n", 2, "expected '=' after 'bob'" },
	{ "[databases]\nfoo = host=a port=x\n", 2, "database 'foo': " },
	{ "[databases]\npgbouncer = host=a\n", 2, "database 'pgbouncer': " },
	{ "[users]\nbob = pool_mode=sometimes\n", 2, "user 'bob': " },
	{ "[pgbouncer]\nauth_type = trust\ndefault_pool_size = 10\nmin_pool_size = 11\n", 4,
	  "min_pool_size 11 is larger than default_pool_size 10" },
	{ "[pgbouncer]\nauth_type = trust\nmin_pool_size = 5\ndefault_pool_size = 4\n", 3,
	  "min_pool_size 5 is larger than default_pool_size 4" },
	{ "[pgbouncer]\nauth_type = trust\ndefault_pool_size = 4\n[databases]\n"
	  "d = host=x pool_size=3 min_pool_size=4\n", 0,
	  "database 'd': min_pool_size 4 is larger than its pool size 3" },
	{ "[pgbouncer]\nlisten_port = 6432\n", 0,
	  "auth_type md5 needs auth_file or auth_user (no user could log in)" },
	{ "[pgbouncer]\n\nauth_type = scram-sha-256\n", 3,
	  "auth_type scram-sha-256 needs auth_file or auth_user" },
	{ "[pgbouncer]\nauth_type = hba\n", 2, "auth_type hba needs auth_hba_file" },
	{ "[pgbouncer]\nauth_type = cert\n", 2, "auth_type cert needs client TLS" },
	{ "[pgbouncer]\nauth_type = any\nclient_tls_sslmode = require\nclient_tls_key_file = k.pem\n",
	  3, "client_tls_sslmode require needs client_tls_key_file and client_tls_cert_file" },
};

START_TEST(test_bad)
{
	const struct bad_vector *v = &bad[_i];
	struct cfg *cfg = NULL;
	struct cfg_error err = { .line = -1 };
	ck_assert_int_eq(cfg_load_buffer(v->text, strlen(v->text), "t.ini", &cfg, &err), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(err.file, "t.ini");
	ck_assert_msg(err.line == v->line, "%s: line %d, expected %d", v->msg, err.line, v->line);
	ck_assert_msg(strstr(err.msg, v->msg) != NULL, "message '%s' lacks '%s'", err.msg, v->msg);
}
END_TEST

/* Passwords are not needed where no password is asked, or when auth_user
 * can fetch them. */
START_TEST(test_auth_rules_accept)
{
	static const char *const ok[] = {
		"[pgbouncer]\nauth_type = trust\n",
		"[pgbouncer]\nauth_type = any\n",
		("[pgbouncer]\nauth_type = cert\nclient_tls_sslmode = require\n"
		 "client_tls_key_file = k\nclient_tls_cert_file = c\n"),
		"[pgbouncer]\nauth_user = pgb\n",
		"[pgbouncer]\nauth_type = hba\nauth_hba_file = hba.conf\n",
		("[pgbouncer]\nauth_type = trust\nclient_tls_sslmode = prefer\n"
		 "client_tls_key_file = k\nclient_tls_cert_file = c\n"),
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct cfg *cfg = NULL;
		struct cfg_error err;
		ck_assert_msg(cfg_load_buffer(ok[i], strlen(ok[i]), "t.ini", &cfg, &err) == 0,
			      "%s: %s", ok[i], err.msg);
		cfg_free(cfg);
	}
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct cfg *cfg = NULL;
	struct cfg_error err;
	char want[256];
	/* A relative auth_file is looked for next to the config, not in the cwd. */
	const char *top = put("corral.ini", "[pgbouncer]\nauth_file = missing.txt\n");
	ck_assert_int_eq(cfg_load(top, &cfg, &err), -1);
	ck_assert_str_eq(err.file, in_tmp("missing.txt", want, sizeof want));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	/* A bad auth_file line. */
	put("users.txt", "\"bob\" \"x\"\nbob x\n");
	put("corral.ini", "[pgbouncer]\nauth_file = users.txt\n");
	ck_assert_int_eq(cfg_load(top, &cfg, &err), -1);
	ck_assert_str_eq(err.file, in_tmp("users.txt", want, sizeof want));
	ck_assert_int_eq(err.line, 2);
	/* An include loop. */
	put("loop.ini", "%include corral.ini\n");
	put("corral.ini", "[pgbouncer]\nauth_type = trust\n%include loop.ini\n");
	ck_assert_int_eq(cfg_load(top, &cfg, &err), -1);
	ck_assert_str_eq(err.file, in_tmp("loop.ini", want, sizeof want));
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "include loop"));
	/* No config at all. */
	ck_assert_int_eq(cfg_load(in_tmp("none.ini", want, sizeof want), &cfg, &err), -1);
	ck_assert_int_eq(err.line, 0);
	ck_assert_ptr_null(cfg);
}
END_TEST

static const char old_ini[] =
	"[databases]\n"
	"app = host=a port=5432\n"
	"gone = host=g\n"
	"same = host=s\n"
	"pooly = host=p pool_size=5\n"
	"* = host=f\n"
	"[users]\n"
	"bob = pool_size=5\n"
	"carol = pool_size=1\n"
	"[pgbouncer]\n"
	"auth_file = users.txt\n"
	"listen_port = 6432\n"
	"max_client_conn = 100\n";

static const char new_ini[] =
	"[databases]\n"
	"app = host=b port=5432\n"
	"new = host=n\n"
	"same = host=s\n"
	"pooly = host=p pool_size=6\n"
	"[users]\n"
	"bob = pool_size=6\n"
	"dave = pool_size=1\n"
	"[pgbouncer]\n"
	"auth_file = users.txt\n"
	"listen_port = 6433\n"
	"max_client_conn = 200\n";

/* Collects described changes, one per line, and checks a few fields. */
struct changes {
	char text[2048];
	size_t len;
};

static void collect(void *ctx, const struct cfg_change *c)
{
	struct changes *ch = ctx;
	char line[256];
	cfg_change_describe(c, line, sizeof line);
	ch->len += (size_t)snprintf(ch->text + ch->len, sizeof ch->text - ch->len, "%s\n", line);
	switch (c->kind) {
	case CFG_CHANGE_SETTING:
		ck_assert_int_eq(c->needs_restart, !cfg_setting_find(c->name)->reloadable);
		break;
	case CFG_CHANGE_DATABASE_CHANGED:
		ck_assert(c->old_db && c->new_db && strcmp(c->old_db->name, c->name) == 0);
		break;
	case CFG_CHANGE_DATABASE_ADDED:
		ck_assert(c->old_db == NULL && c->new_db != NULL);
		break;
	case CFG_CHANGE_DATABASE_REMOVED:
		ck_assert(c->old_db != NULL && c->new_db == NULL);
		break;
	case CFG_CHANGE_USER_CHANGED:
		ck_assert(c->old_user && c->new_user);
		break;
	default:
		break;
	}
}

START_TEST(test_diff)
{
	const char *top = put("corral.ini", old_ini);
	put("users.txt", "\"bob\" \"a\"\n\"carol\" \"b\"\n\"dave\" \"c\"\n");
	struct cfg *old = NULL, *new = NULL;
	struct cfg_error err;
	ck_assert_msg(cfg_load(top, &old, &err) == 0, "%s:%d: %s", err.file, err.line, err.msg);
	put("corral.ini", new_ini);
	put("users.txt", "\"bob\" \"a2\"\n\"dave\" \"c\"\n\"erin\" \"d\"\n");
	ck_assert_msg(cfg_load(top, &new, &err) == 0, "%s:%d: %s", err.file, err.line, err.msg);

	struct changes ch = { .len = 0 };
	ck_assert_uint_eq(cfg_diff(old, new, collect, &ch), 13);
	ck_assert_str_eq(ch.text,
			 "listen_port: '6432' -> '6433' (needs a restart)\n"
			 "max_client_conn: '100' -> '200'\n"
			 "database 'app' changed (server target)\n"
			 "database 'gone' removed\n"
			 "database 'new' added\n"
			 "database 'pooly' changed (pool settings)\n"
			 "database '*' removed\n"
			 "user 'bob' changed\n"
			 "user 'carol' removed\n"
			 "user 'dave' added\n"
			 "auth_file: secret of 'bob' changed\n"
			 "auth_file: user 'carol' removed\n"
			 "auth_file: user 'erin' added\n");
	ck_assert_uint_eq(cfg_diff(old, new, NULL, NULL), 13);
	ck_assert_uint_eq(cfg_diff(old, old, NULL, NULL), 0);
	ck_assert_uint_eq(cfg_diff(new, new, NULL, NULL), 0);

	/* The other way round: every addition becomes a removal. */
	struct changes back = { .len = 0 };
	ck_assert_uint_eq(cfg_diff(new, old, collect, &back), 13);
	ck_assert_ptr_nonnull(strstr(back.text, "database '*' added\n"));
	ck_assert_ptr_nonnull(strstr(back.text, "listen_port: '6433' -> '6432' (needs a restart)\n"));
	cfg_free(old);
	cfg_free(new);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfg");
	TCase *tb = tcase_create("buffer");
	tcase_add_test(tb, test_later_overrides);
	tcase_add_loop_test(tb, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tb, test_auth_rules_accept);
	suite_add_tcase(s, tb);
	TCase *tf = tcase_create("files");
	tcase_add_checked_fixture(tf, tmp_setup, tmp_teardown);
	tcase_add_test(tf, test_load_sample);
	tcase_add_test(tf, test_load_file_errors);
	tcase_add_test(tf, test_diff);
	suite_add_tcase(s, tf);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
