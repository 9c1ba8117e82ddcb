/* Unit tests for config/cfg_database (and the cfg_kv tokenizer under it):
 * good connection strings give exactly the expected fields, bad ones fail
 * with a reason naming the key, quoting edge cases, the "*" fallback's
 * instantiation, and the reload comparison (server target vs pool only). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg_database.h"

/* Append printf output to buf (a test-sized buffer). */
static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void add_str(char *buf, size_t size, const char *key, const char *v)
{
	if (v != NULL)
		add(buf, size, " %s=\"%s\"", key, v);
}

static void add_int(char *buf, size_t size, const char *key, int v)
{
	if (v != -1)
		add(buf, size, " %s=%d", key, v);
}

/* Every field of db, set ones only, in a fixed order: comparing this text
 * with an expected one checks every field at once. */
static void dump(const struct cfg_database *db, char *buf, size_t size)
{
	static const char *const lb[] = { "round-robin", "disable" };
	static const char *const tsa[] = { "any", "read-write", "read-only", "primary", "standby" };
	buf[0] = '\0';
	add(buf, size, "name=\"%s\" dbname%s=\"%s\"", db->name, db->dbname_set ? "" : "(default)",
	    db->dbname);
	if (db->host_count > 0)
		add(buf, size, " hosts=");
	for (size_t i = 0; i < db->host_count; i++)
		add(buf, size, "%s[%s]", i ? "," : "", db->hosts[i]);
	add(buf, size, " port=%d", db->port);
	add_str(buf, size, "user", db->user);
	add_str(buf, size, "password", db->password);
	add_str(buf, size, "auth_user", db->auth_user);
	add_str(buf, size, "auth_dbname", db->auth_dbname);
	add_str(buf, size, "auth_query", db->auth_query);
	add_str(buf, size, "client_encoding", db->client_encoding);
	add_str(buf, size, "datestyle", db->datestyle);
	add_str(buf, size, "timezone", db->timezone);
	add_str(buf, size, "application_name", db->application_name);
	add_str(buf, size, "connect_query", db->connect_query);
	if (db->pool_mode != -1)
		add(buf, size, " pool_mode=%s", cfg_pool_mode_name((enum cfg_pool_mode)db->pool_mode));
	add_int(buf, size, "pool_size", db->pool_size);
	add_int(buf, size, "min_pool_size", db->min_pool_size);
	add_int(buf, size, "reserve_pool_size", db->reserve_pool_size);
	add_int(buf, size, "max_db_connections", db->max_db_connections);
	add_int(buf, size, "max_db_client_connections", db->max_db_client_connections);
	add_int(buf, size, "server_lifetime", db->server_lifetime);
	add_int(buf, size, "query_wait_timeout", db->query_wait_timeout);
	if (db->load_balance_hosts != -1)
		add(buf, size, " load_balance_hosts=%s", lb[db->load_balance_hosts]);
	if (db->target_session_attrs != -1)
		add(buf, size, " target_session_attrs=%s", tsa[db->target_session_attrs]);
}

struct good {
	const char *name;
	const char *connstr;
	const char *expect;   /* dump() of the result */
};

static const struct good goods[] = {
	{ "foodb", "", "name=\"foodb\" dbname(default)=\"foodb\" port=5432" },
	{ "foodb", "   \t ", "name=\"foodb\" dbname(default)=\"foodb\" port=5432" },
	{ "bardb", "host=localhost dbname=bazdb",
	  "name=\"bardb\" dbname=\"bazdb\" hosts=[localhost] port=5432" },
	{ "forcedb", "host=localhost port=300 user=baz password=foo client_encoding=UNICODE datestyle=ISO",
	  "name=\"forcedb\" dbname(default)=\"forcedb\" hosts=[localhost] port=300 user=\"baz\" "
	  "password=\"foo\" client_encoding=\"UNICODE\" datestyle=\"ISO\"" },
	/* blanks around '=' and between pairs, tabs included */
	{ "d", "host = localhost\tport= 6000 \t timezone =UTC ",
	  "name=\"d\" dbname(default)=\"d\" hosts=[localhost] port=6000 timezone=\"UTC\"" },
	/* quoting: blanks, '' for a quote, backslash literal, '=' inside */
	{ "d", "password='a b  c'", "name=\"d\" dbname(default)=\"d\" port=5432 password=\"a b  c\"" },
	{ "d", "password='it''s'", "name=\"d\" dbname(default)=\"d\" port=5432 password=\"it's\"" },
	{ "d", "password=''''", "name=\"d\" dbname(default)=\"d\" port=5432 password=\"'\"" },
	{ "d", "password='a\\b'", "name=\"d\" dbname(default)=\"d\" port=5432 password=\"a\\b\"" },
	{ "d", "password=it's", "name=\"d\" dbname(default)=\"d\" port=5432 password=\"it's\"" },
	{ "d", "connect_query='SET x = 1' user=u",
	  "name=\"d\" dbname(default)=\"d\" port=5432 user=\"u\" connect_query=\"SET x = 1\"" },
	{ "d", "user='u'\tpassword='p'",
	  "name=\"d\" dbname(default)=\"d\" port=5432 user=\"u\" password=\"p\"" },
	/* host lists, unix socket directories, abstract sockets */
	{ "d", "host=10.0.0.1,10.0.0.2,/var/run/postgresql",
	  "name=\"d\" dbname(default)=\"d\" hosts=[10.0.0.1],[10.0.0.2],[/var/run/postgresql] port=5432" },
	{ "d", "host=' a , b '", "name=\"d\" dbname(default)=\"d\" hosts=[a],[b] port=5432" },
	{ "d", "host=@pgsock port=1", "name=\"d\" dbname(default)=\"d\" hosts=[@pgsock] port=1" },
	{ "d", "host=::1 port=65535", "name=\"d\" dbname(default)=\"d\" hosts=[::1] port=65535" },
	/* every pool key */
	{ "d", "pool_size=5 min_pool_size=1 reserve_pool=2 max_db_connections=10 "
	  "max_db_client_connections=100 pool_mode=transaction server_lifetime=3600 "
	  "query_wait_timeout=30",
	  "name=\"d\" dbname(default)=\"d\" port=5432 pool_mode=transaction pool_size=5 "
	  "min_pool_size=1 reserve_pool_size=2 max_db_connections=10 "
	  "max_db_client_connections=100 server_lifetime=3600 query_wait_timeout=30" },
	{ "d", "reserve_pool_size=3 pool_size=0 query_wait_timeout=-1",
	  "name=\"d\" dbname(default)=\"d\" port=5432 pool_size=0 reserve_pool_size=3" },
	{ "d", "pool_mode=Statement", "name=\"d\" dbname(default)=\"d\" port=5432 pool_mode=statement" },
	{ "d", "pool_size=2147483647", "name=\"d\" dbname(default)=\"d\" port=5432 pool_size=2147483647" },
	/* every other server key */
	{ "d", "auth_user=au auth_dbname=adb auth_query='SELECT usename, passwd FROM pg_shadow "
	  "WHERE usename=$1' application_name=app load_balance_hosts=disable "
	  "target_session_attrs=read-write",
	  "name=\"d\" dbname(default)=\"d\" port=5432 auth_user=\"au\" auth_dbname=\"adb\" "
	  "auth_query=\"SELECT usename, passwd FROM pg_shadow WHERE usename=$1\" "
	  "application_name=\"app\" load_balance_hosts=disable target_session_attrs=read-write" },
	{ "d", "target_session_attrs=standby load_balance_hosts=round-robin",
	  "name=\"d\" dbname(default)=\"d\" port=5432 load_balance_hosts=round-robin "
	  "target_session_attrs=standby" },
	/* a repeated key: the later one wins, as in PgBouncer */
	{ "d", "host=a pool_size=1 host=b pool_size=2",
	  "name=\"d\" dbname(default)=\"d\" hosts=[b] port=5432 pool_size=2" },
	/* the fallback parses like any other entry */
	{ "*", "host=foo", "name=\"*\" dbname(default)=\"*\" hosts=[foo] port=5432" },
	{ "weird name", "dbname='real db'", "name=\"weird name\" dbname=\"real db\" port=5432" },
};

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	struct cfg_database db;
	char why[512] = "";
	char got[2048];
	ck_assert_msg(cfg_database_parse(g->name, g->connstr, &db, why, sizeof why) == 0,
		      "[%s] %s", g->connstr, why);
	dump(&db, got, sizeof got);
	ck_assert_str_eq(got, g->expect);
	cfg_database_fini(&db);
}
END_TEST

struct bad {
	const char *name;
	const char *connstr;
	const char *why;   /* expected substring of the reason */
};

static const struct bad bads[] = {
	{ "d", "foo=bar", "unknown key \"foo\", expected one of dbname, host, port," },
	{ "d", "Host=x", "unknown key \"Host\"" },
	{ "d", "host", "expected \"=\" after key \"host\"" },
	{ "d", "host localhost", "expected \"=\" after key \"host\"" },
	{ "d", "host=a port", "expected \"=\" after key \"port\"" },
	{ "d", "=x", "expected a key before \"=\"" },
	{ "d", "host=a =x", "expected a key before \"=\"" },
	{ "d", "password='abc", "password: unterminated quoted value" },
	{ "d", "password='it''", "password: unterminated quoted value" },
	{ "d", "password='", "password: unterminated quoted value" },
	{ "d", "password='abc'x", "password: expected a blank after the closing quote" },
	{ "d", "host=", "host: empty value" },
	{ "d", "host=   ", "host: empty value" },
	{ "d", "password=''", "password: empty value" },
	{ "d", "pool_size=abc", "pool_size: expected an integer from 0 to 2147483647, got \"abc\"" },
	{ "d", "pool_size=-1", "pool_size: expected an integer from 0 to 2147483647, got \"-1\"" },
	{ "d", "pool_size=5x", "pool_size: expected an integer from 0 to 2147483647, got \"5x\"" },
	{ "d", "pool_size=+5", "pool_size: expected an integer from 0 to 2147483647, got \"+5\"" },
	{ "d", "pool_size=2147483648", "pool_size: expected an integer from 0 to 2147483647" },
	{ "d", "pool_size=99999999999999999999", "pool_size: expected an integer" },
	{ "d", "min_pool_size=-5", "min_pool_size: expected an integer from 0" },
	{ "d", "reserve_pool=x", "reserve_pool: expected an integer from 0" },
	{ "d", "max_db_connections=-1", "max_db_connections: expected an integer from 0" },
	{ "d", "query_wait_timeout=-2", "query_wait_timeout: expected an integer from -1" },
	{ "d", "port=0", "port: expected an integer from 1 to 65535, got \"0\"" },
	{ "d", "port=65536", "port: expected an integer from 1 to 65535, got \"65536\"" },
	{ "d", "port=abc", "port: expected an integer from 1 to 65535" },
	{ "d", "pool_mode=foo", "pool_mode: got \"foo\", expected session, transaction, statement" },
	{ "d", "pool_mode=", "pool_mode: empty value" },
	{ "d", "load_balance_hosts=random", "load_balance_hosts: got \"random\", expected round-robin, disable" },
	{ "d", "target_session_attrs=prefer-standby", "target_session_attrs: got \"prefer-standby\"" },
	{ "d", "host=a,,b", "host: empty entry in host list \"a,,b\"" },
	{ "d", "host=a,", "host: empty entry in host list \"a,\"" },
	{ "d", "host=' , '", "host: empty entry in host list" },
	{ "pgbouncer", "", "database name \"pgbouncer\" is reserved" },
	{ "corral", "host=x", "database name \"corral\" is reserved" },
	{ "", "", "empty database name" },
	/* an error after strings were already stored must not leak them */
	{ "d", "host=a user=b password=c pool_size=z", "pool_size: expected an integer" },
	{ "d", "host=a user=b bogus=1", "unknown key \"bogus\"" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	struct cfg_database db;
	char why[512] = "";
	ck_assert_int_eq(cfg_database_parse(b->name, b->connstr, &db, why, sizeof why), -1);
	ck_assert_msg(strstr(why, b->why) != NULL, "[%s] why=\"%s\", expected \"%s\"",
		      b->connstr, why, b->why);
	/* left empty: nothing to free, nothing dangling */
	ck_assert_ptr_null(db.name);
	ck_assert_ptr_null(db.host);
	ck_assert_ptr_null(db.hosts);
	ck_assert_ptr_null(db.user);
}
END_TEST

START_TEST(test_why_truncates_safely)
{
	struct cfg_database db;
	char why[16];
	ck_assert_int_eq(cfg_database_parse("d", "unknown_key_with_long_name=1", &db, why, sizeof why), -1);
	ck_assert_uint_eq(strlen(why), sizeof why - 1);
	ck_assert_str_eq(why, "unknown key \"un");
}
END_TEST

struct change {
	const char *name;
	const char *a, *b;
	unsigned expect;
};

#define SRV CFG_DB_CHANGE_SERVER
#define POOL CFG_DB_CHANGE_POOL

static const struct change changes[] = {
	{ "d", "host=a port=6000 pool_size=1", "host=a port=6000 pool_size=1", 0 },
	{ "d", "host=a pool_size=1", "pool_size=1  host='a'", 0 },
	{ "d", "", "port=5432", 0 },
	{ "d", "", "dbname=d", 0 },
	{ "d", "reserve_pool=2", "reserve_pool_size=2", 0 },
	{ "d", "pool_mode=session", "pool_mode=SESSION", 0 },
	{ "d", "host=a", "host=b", SRV },
	{ "d", "host=a", "", SRV },
	{ "d", "port=5432", "port=5433", SRV },
	{ "d", "dbname=x", "dbname=y", SRV },
	{ "d", "user=x", "user=y", SRV },
	{ "d", "user=x password=p", "user=x password=q", SRV },
	{ "d", "password=p", "", SRV },
	{ "d", "auth_user=a", "", SRV },
	{ "d", "auth_dbname=a", "auth_dbname=b", SRV },
	{ "d", "auth_query='SELECT 1'", "auth_query='SELECT 2'", SRV },
	{ "d", "client_encoding=UTF8", "", SRV },
	{ "d", "datestyle=ISO", "datestyle=SQL", SRV },
	{ "d", "timezone=UTC", "", SRV },
	{ "d", "application_name=a", "", SRV },
	{ "d", "connect_query='SELECT 1'", "", SRV },
	{ "d", "load_balance_hosts=disable", "", SRV },
	{ "d", "target_session_attrs=primary", "target_session_attrs=any", SRV },
	{ "d", "pool_size=5", "pool_size=6", POOL },
	{ "d", "pool_size=5", "", POOL },
	{ "d", "min_pool_size=1", "", POOL },
	{ "d", "reserve_pool=1", "", POOL },
	{ "d", "pool_mode=session", "pool_mode=transaction", POOL },
	{ "d", "max_db_connections=1", "", POOL },
	{ "d", "max_db_client_connections=1", "", POOL },
	{ "d", "server_lifetime=10", "server_lifetime=20", POOL },
	{ "d", "query_wait_timeout=10", "", POOL },
	{ "d", "host=a pool_size=5", "host=b pool_size=6", SRV | POOL },
	/* for the fallback, an explicit dbname replaces the client's name */
	{ "*", "", "dbname=*", SRV },
	{ "*", "dbname=x", "dbname=x", 0 },
};

START_TEST(test_compare)
{
	const struct change *c = &changes[_i];
	struct cfg_database a, b;
	char why[512] = "";
	ck_assert_msg(cfg_database_parse(c->name, c->a, &a, why, sizeof why) == 0, "%s", why);
	ck_assert_msg(cfg_database_parse(c->name, c->b, &b, why, sizeof why) == 0, "%s", why);
	ck_assert_uint_eq(cfg_database_compare(&a, &b), c->expect);
	ck_assert_uint_eq(cfg_database_compare(&b, &a), c->expect);
	ck_assert_uint_eq(cfg_database_compare(&a, &a), 0);
	cfg_database_fini(&a);
	cfg_database_fini(&b);
}
END_TEST

struct inst {
	const char *fallback;
	const char *name;
	const char *expect;
};

static const struct inst insts[] = {
	{ "host=foo,bar port=6000 pool_size=3 password='x y'", "bar",
	  "name=\"bar\" dbname(default)=\"bar\" hosts=[foo],[bar] port=6000 password=\"x y\" pool_size=3" },
	{ "dbname=real", "client", "name=\"client\" dbname=\"real\" port=5432" },
	{ "", "c", "name=\"c\" dbname(default)=\"c\" port=5432" },
};

START_TEST(test_instantiate)
{
	const struct inst *t = &insts[_i];
	struct cfg_database fb, db;
	char why[512] = "";
	char got[2048];
	ck_assert_msg(cfg_database_parse("*", t->fallback, &fb, why, sizeof why) == 0, "%s", why);
	cfg_database_instantiate(&fb, t->name, &db);
	dump(&db, got, sizeof got);
	ck_assert_str_eq(got, t->expect);
	/* a real copy: the fallback can go first */
	cfg_database_fini(&fb);
	dump(&db, got, sizeof got);
	ck_assert_str_eq(got, t->expect);
	cfg_database_fini(&db);
}
END_TEST

static const struct {
	const char *s;
	int mode;   /* enum cfg_pool_mode, or -1 when refused */
} modes[] = {
	{ "session", CFG_POOL_SESSION },
	{ "transaction", CFG_POOL_TRANSACTION },
	{ "statement", CFG_POOL_STATEMENT },
	{ "TRANSACTION", CFG_POOL_TRANSACTION },
	{ "", -1 },
	{ "sessions", -1 },
	{ "trans", -1 },
};

START_TEST(test_pool_mode)
{
	enum cfg_pool_mode m = CFG_POOL_STATEMENT;
	if (modes[_i].mode < 0) {
		ck_assert_int_eq(cfg_pool_mode_parse(modes[_i].s, &m), -1);
		ck_assert_int_eq(m, CFG_POOL_STATEMENT);
		return;
	}
	ck_assert_int_eq(cfg_pool_mode_parse(modes[_i].s, &m), 0);
	ck_assert_int_eq(m, modes[_i].mode);
	ck_assert_int_eq(strcasecmp(cfg_pool_mode_name(m), modes[_i].s), 0);
}
END_TEST

START_TEST(test_fini_twice_is_safe)
{
	struct cfg_database db;
	char why[64];
	ck_assert_int_eq(cfg_database_parse("d", "host=a,b user=u", &db, why, sizeof why), 0);
	cfg_database_fini(&db);
	cfg_database_fini(&db);
	ck_assert_ptr_null(db.hosts);
	ck_assert_uint_eq(db.host_count, 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("cfg_database");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good, 0, N(goods));
	tcase_add_loop_test(tc, test_bad, 0, N(bads));
	tcase_add_test(tc, test_why_truncates_safely);
	tcase_add_loop_test(tc, test_compare, 0, N(changes));
	tcase_add_loop_test(tc, test_instantiate, 0, N(insts));
	tcase_add_loop_test(tc, test_pool_mode, 0, N(modes));
	tcase_add_test(tc, test_fini_twice_is_safe);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
