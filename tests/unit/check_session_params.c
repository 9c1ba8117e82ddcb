/* Unit tests for pooler/session_params: the tracked set (built-ins,
 * track_extra_parameters, refusals), recording values, the startup
 * parameter check with options parsing (PgBouncer's accepted forms and its
 * error texts), SQL literal quoting of nasty values, the exact query that
 * re-applies a client's parameters, and the welcome's ParameterStatus. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/intern.h"
#include "pooler/session_params.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_startup.h"
#include "tests/unit/msg_test.h"
#include "util/xalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The set every test uses unless it says otherwise: the built-ins plus
 * one extra, at index SESSION_PARAM_BUILTIN_COUNT. */
#define EXTRA_INDEX SESSION_PARAM_BUILTIN_COUNT

static struct session_param_set test_set(void)
{
	struct session_param_set set;
	char why[128];
	ck_assert_int_eq(session_param_set_init(&set, "extra_float_digits", why, sizeof why), 0);
	return set;
}

/* "name=value;..." for the known values of p, in set order. */
static void render(const struct session_param_set *set, const struct session_params *p,
		   char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < set->count; i++) {
		if (session_params_get(p, i) == NULL)
			continue;
		int n = snprintf(out + len, size - len, "%s%s=%s", len ? ";" : "", set->names[i],
				 session_params_get(p, i));
		ck_assert(n > 0 && (size_t)n < size - len);
		len += (size_t)n;
	}
}

static void assert_params(const struct session_param_set *set, const struct session_params *p,
			  const char *want)
{
	char got[512];
	render(set, p, got, sizeof got);
	ck_assert_str_eq(got, want);
}

/* ---- the set ---- */

START_TEST(test_set_builtins)
{
	static const char *const want[] = {
		"client_encoding", "DateStyle", "IntervalStyle", "TimeZone",
		"standard_conforming_strings", "application_name", "search_path",
	};
	struct session_param_set set;
	char why[128];
	ck_assert_int_eq(session_param_set_init(&set, NULL, why, sizeof why), 0);
	ck_assert_uint_eq(set.count, N(want));
	for (size_t i = 0; i < N(want); i++)
		ck_assert_str_eq(set.names[i], want[i]);
	ck_assert_int_eq(session_param_set_find(&set, "datestyle"), SESSION_PARAM_DATESTYLE);
	ck_assert_int_eq(session_param_set_find(&set, "TIMEZONE"), SESSION_PARAM_TIMEZONE);
	ck_assert_int_eq(session_param_set_find(&set, "Application_Name"),
			 SESSION_PARAM_APPLICATION_NAME);
	ck_assert_int_eq(session_param_set_find(&set, "timezone_abbreviations"), -1);
	ck_assert_int_eq(session_param_set_find(&set, ""), -1);
	session_param_set_fini(&set);
}
END_TEST

/* track_extra_parameters and the names the set ends up with. */
static const struct {
	const char *extra;
	const char *names;   /* the extras, comma-joined */
} extras_ok[] = {
	{ "", "" },
	{ "IntervalStyle", "" },                       /* PgBouncer's default: a built-in */
	{ " search_path , intervalstyle ,", "" },
	{ "extra_float_digits", "extra_float_digits" },
	{ "a,b,,A, b ,c", "a,b,c" },
	{ "citus.next_shard_id, my_ext.x$y", "citus.next_shard_id,my_ext.x$y" },
	{ "e1,e2,e3,e4,e5,e6,e7,e8,e9", "e1,e2,e3,e4,e5,e6,e7,e8,e9" },
};

START_TEST(test_set_extras)
{
	struct session_param_set set;
	char why[128], got[256] = "";
	ck_assert_int_eq(session_param_set_init(&set, extras_ok[_i].extra, why, sizeof why), 0);
	for (size_t i = SESSION_PARAM_BUILTIN_COUNT; i < set.count; i++) {
		strcat(got, i > SESSION_PARAM_BUILTIN_COUNT ? "," : "");
		strcat(got, set.names[i]);
	}
	ck_assert_str_eq(got, extras_ok[_i].names);
	session_param_set_fini(&set);
}
END_TEST

static const struct {
	const char *extra;
	const char *why;
} extras_bad[] = {
	{ "1abc", "track_extra_parameters: '1abc' is not a parameter name" },
	{ "a..b", "track_extra_parameters: 'a..b' is not a parameter name" },
	{ "a.", "track_extra_parameters: 'a.' is not a parameter name" },
	{ "x;DROP", "track_extra_parameters: 'x;DROP' is not a parameter name" },
	{ "time zone", "track_extra_parameters: 'time zone' is not a parameter name" },
	{ "ok, $x", "track_extra_parameters: '$x' is not a parameter name" },
	{ "options", "track_extra_parameters: 'options' cannot be tracked" },
	{ "User", "track_extra_parameters: 'User' cannot be tracked" },
	{ "server_version", "track_extra_parameters: 'server_version' cannot be tracked" },
	{ "in_hot_standby", "track_extra_parameters: 'in_hot_standby' cannot be tracked" },
	{ "e1,e2,e3,e4,e5,e6,e7,e8,e9,e10",
	  "track_extra_parameters: 'e10' is one too many (at most 16 parameters are tracked)" },
};

START_TEST(test_set_extras_refused)
{
	struct session_param_set set;
	char why[128];
	ck_assert_int_eq(session_param_set_init(&set, extras_bad[_i].extra, why, sizeof why), -1);
	ck_assert_str_eq(why, extras_bad[_i].why);
	ck_assert_uint_eq(set.count, 0);
}
END_TEST

/* ---- values ---- */

START_TEST(test_update_and_record)
{
	struct session_param_set set = test_set();
	struct session_params p;
	session_params_init(&p);
	ck_assert_int_eq(session_params_update(&set, &p, "TimeZone", "UTC"), SESSION_PARAM_CHANGED);
	ck_assert_int_eq(session_params_update(&set, &p, "timezone", "UTC"),
			 SESSION_PARAM_UNCHANGED);
	ck_assert_int_eq(session_params_update(&set, &p, "TimeZone", "utc"), SESSION_PARAM_CHANGED);
	ck_assert_int_eq(session_params_update(&set, &p, "application_name", ""),
			 SESSION_PARAM_CHANGED);
	ck_assert_int_eq(session_params_update(&set, &p, "EXTRA_FLOAT_DIGITS", "3"),
			 SESSION_PARAM_CHANGED);
	ck_assert_int_eq(session_params_update(&set, &p, "server_version", "17.2"),
			 SESSION_PARAM_UNTRACKED);
	ck_assert_uint_eq(p.other_count, 0);
	assert_params(&set, &p, "TimeZone=utc;application_name=;extra_float_digits=3");

	ck_assert_int_eq(session_params_record(&set, &p, "server_version", "17.2"),
			 SESSION_PARAM_UNTRACKED);
	ck_assert_int_eq(session_params_record(&set, &p, "is_superuser", "off"),
			 SESSION_PARAM_UNTRACKED);
	ck_assert_int_eq(session_params_record(&set, &p, "is_superuser", "on"),
			 SESSION_PARAM_UNTRACKED);
	ck_assert_int_eq(session_params_record(&set, &p, "DateStyle", "ISO, MDY"),
			 SESSION_PARAM_CHANGED);
	ck_assert_uint_eq(p.other_count, 2);
	ck_assert_str_eq(p.others[0].name, "server_version");
	ck_assert_str_eq(p.others[0].value, "17.2");
	ck_assert_str_eq(p.others[1].name, "is_superuser");
	ck_assert_str_eq(p.others[1].value, "on");

	struct session_params copy;
	session_params_init(&copy);
	session_params_set(&copy, 0, "stale");
	session_params_copy(&copy, &p);
	assert_params(&set, &copy,
		      "DateStyle=ISO, MDY;TimeZone=utc;application_name=;extra_float_digits=3");
	ck_assert_uint_eq(copy.other_count, 2);
	ck_assert_str_eq(copy.others[1].value, "on");

	ck_assert(session_params_set(&p, SESSION_PARAM_TIMEZONE, NULL));
	ck_assert(!session_params_set(&p, SESSION_PARAM_TIMEZONE, NULL));
	ck_assert_ptr_null(session_params_get(&p, SESSION_PARAM_TIMEZONE));
	session_params_fini(&copy);
	session_params_fini(&p);
	session_param_set_fini(&set);
}
END_TEST

START_TEST(test_size)
{
	/* The per-connection cost session_params.h documents: no array inline. */
	ck_assert_uint_le(sizeof(struct session_params), 32);
}
END_TEST

START_TEST(test_lazy_values)
{
	/* Unknown values take no memory; the array grows to the highest set. */
	struct session_params p;
	session_params_init(&p);
	ck_assert(!session_params_set(&p, SESSION_PARAM_TIMEZONE, NULL));
	ck_assert_ptr_null(p.values);
	ck_assert_ptr_null(session_params_get(&p, SESSION_PARAMS_MAX - 1));
	ck_assert(session_params_set(&p, SESSION_PARAM_TIMEZONE, "UTC"));
	ck_assert_uint_eq(p.count, SESSION_PARAM_TIMEZONE + 1);
	ck_assert_ptr_null(session_params_get(&p, SESSION_PARAM_CLIENT_ENCODING));
	ck_assert_ptr_null(session_params_get(&p, SESSION_PARAM_APPLICATION_NAME));
	ck_assert(session_params_set(&p, SESSION_PARAM_APPLICATION_NAME, "a"));
	ck_assert_uint_eq(p.count, SESSION_PARAM_APPLICATION_NAME + 1);
	ck_assert_str_eq(session_params_get(&p, SESSION_PARAM_TIMEZONE), "UTC");
	ck_assert_str_eq(session_params_get(&p, SESSION_PARAM_APPLICATION_NAME), "a");
	session_params_fini(&p);
}
END_TEST

START_TEST(test_shared_values)
{
	/* Equal values are one interned string, freed with the last holder. */
	struct session_params a, b;
	char value[8];
	session_params_init(&a);
	session_params_init(&b);
	snprintf(value, sizeof value, "UTF8");
	ck_assert(session_params_set(&a, SESSION_PARAM_CLIENT_ENCODING, value));
	ck_assert(session_params_set(&b, SESSION_PARAM_CLIENT_ENCODING, "UTF8"));
	ck_assert(!session_params_set(&b, SESSION_PARAM_CLIENT_ENCODING, value));
	ck_assert_ptr_eq(session_params_get(&a, SESSION_PARAM_CLIENT_ENCODING),
			 session_params_get(&b, SESSION_PARAM_CLIENT_ENCODING));
	ck_assert_uint_eq(intern_count(), 1);
	ck_assert(session_params_set(&b, SESSION_PARAM_CLIENT_ENCODING, "LATIN1"));
	ck_assert_uint_eq(intern_count(), 2);
	session_params_fini(&a);
	ck_assert_uint_eq(intern_count(), 1);
	session_params_fini(&b);
	ck_assert_uint_eq(intern_count(), 0);
}
END_TEST

/* ---- startup parameters ---- */

struct startup_vec {
	const char *params[16];  /* name, value, ..., NULL */
	const char *ignore;
	enum session_startup_verdict verdict;
	const char *want;        /* OK: what was recorded; else the message */
};

#define UNSUPPORTED_OPTIONS \
	"unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed"

static const struct startup_vec startups[] = {
	{ { "user", "bob", "database", "db", "application_name", "psql", "client_encoding",
	    "UTF8", NULL }, NULL, SESSION_STARTUP_OK, "client_encoding=UTF8;application_name=psql" },
	/* names are matched case-insensitively and stored under the set's spelling */
	{ { "user", "u", "datestyle", "ISO", "TIMEZONE", "UTC", NULL }, NULL, SESSION_STARTUP_OK,
	  "DateStyle=ISO;TimeZone=UTC" },
	/* JDBC's startup */
	{ { "user", "u", "database", "d", "client_encoding", "UTF8", "DateStyle", "ISO",
	    "TimeZone", "Europe/Lisbon", "extra_float_digits", "2", NULL }, NULL,
	  SESSION_STARTUP_OK,
	  "client_encoding=UTF8;DateStyle=ISO;TimeZone=Europe/Lisbon;extra_float_digits=2" },
	{ { "user", "u", "geqo", "off", NULL }, NULL, SESSION_STARTUP_UNSUPPORTED,
	  "unsupported startup parameter: geqo" },
	{ { "user", "u", "geqo", "off", NULL }, "geqo", SESSION_STARTUP_OK, "" },
	{ { "user", "u", "Geqo", "off", NULL }, " work_mem , GEQO,", SESSION_STARTUP_OK, "" },
	{ { "user", "u", "geqo", "off", NULL }, "geq,geqo_x", SESSION_STARTUP_UNSUPPORTED,
	  "unsupported startup parameter: geqo" },
	/* user, database and replication are exact keys, as PostgreSQL has them */
	{ { "USER", "u", NULL }, NULL, SESSION_STARTUP_UNSUPPORTED,
	  "unsupported startup parameter: USER" },
	{ { "user", "u", "_pq_.compression", "on", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "TimeZone", "", "application_name", "", NULL }, NULL,
	  SESSION_STARTUP_OK, "" },
	{ { "user", "u", "TimeZone", "UTC", "timezone", "Asia/Tokyo", NULL }, NULL,
	  SESSION_STARTUP_OK, "TimeZone=Asia/Tokyo" },
	/* replication: refused unless it says false; checked before anything else */
	{ { "user", "u", "replication", "true", NULL }, NULL, SESSION_STARTUP_REPLICATION,
	  "replication connections are not supported" },
	{ { "user", "u", "geqo", "off", "replication", "database", NULL }, NULL,
	  SESSION_STARTUP_REPLICATION, "replication connections are not supported" },
	{ { "user", "u", "replication", "on", NULL }, NULL, SESSION_STARTUP_REPLICATION,
	  "replication connections are not supported" },
	{ { "user", "u", "replication", "o", NULL }, NULL, SESSION_STARTUP_REPLICATION,
	  "replication connections are not supported" },
	{ { "user", "u", "replication", "", NULL }, NULL, SESSION_STARTUP_REPLICATION,
	  "replication connections are not supported" },
	{ { "user", "u", "replication", "false", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "replication", "OFF", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "replication", "0", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "replication", "fal", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "replication", "n", NULL }, NULL, SESSION_STARTUP_OK, "" },
	/* options */
	{ { "user", "u", "options", "-c timezone=UTC --datestyle=ISO,\\ DMY", NULL }, NULL,
	  SESSION_STARTUP_OK, "DateStyle=ISO, DMY;TimeZone=UTC" },
	{ { "user", "u", "options",
	    "-c t\\imezone=\\P\\o\\r\\t\\ugal  -c    dat\\estyle\\=\\Ge\\rman,\\ YMD", NULL },
	  NULL, SESSION_STARTUP_OK, "DateStyle=German, YMD;TimeZone=Portugal" },
	{ { "user", "u", "options", "  -ctimezone=UTC\t-c\tsearch_path=a,b  ", NULL }, NULL,
	  SESSION_STARTUP_OK, "TimeZone=UTC;search_path=a,b" },
	{ { "user", "u", "options", "-c application_name=a\\", NULL }, NULL,
	  SESSION_STARTUP_OK, "application_name=a" },
	{ { "user", "u", "options", "-c application_name=x=y\\\\z", NULL }, NULL,
	  SESSION_STARTUP_OK, "application_name=x=y\\z" },
	{ { "user", "u", "options", "--extra-float-digits=3", NULL }, NULL,
	  SESSION_STARTUP_OK, "extra_float_digits=3" },
	{ { "user", "u", "options", "", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "options", "   ", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "options", "-c timezone=", NULL }, NULL, SESSION_STARTUP_OK, "" },
	{ { "user", "u", "options", "-d", NULL }, NULL, SESSION_STARTUP_BAD_OPTIONS,
	  UNSUPPORTED_OPTIONS },
	{ { "user", "u", "options", "-c timezone", NULL }, NULL, SESSION_STARTUP_BAD_OPTIONS,
	  UNSUPPORTED_OPTIONS },
	{ { "user", "u", "options", "-c", NULL }, NULL, SESSION_STARTUP_BAD_OPTIONS,
	  UNSUPPORTED_OPTIONS },
	{ { "user", "u", "options", "-c timezone=UTC extra", NULL }, NULL,
	  SESSION_STARTUP_BAD_OPTIONS, UNSUPPORTED_OPTIONS },
	{ { "user", "u", "options", "-c enable_seqscan=false", NULL }, NULL,
	  SESSION_STARTUP_UNSUPPORTED_OPTION,
	  "unsupported startup parameter in options: enable_seqscan" },
	{ { "user", "u", "options", "-c enable-seqscan=false", NULL }, "enable_seqscan",
	  SESSION_STARTUP_OK, "" },
	{ { "user", "u", "options", "-c geqo=off -c timezone=UTC", NULL }, "options",
	  SESSION_STARTUP_OK, "TimeZone=UTC" },
	{ { "user", "u", "options", "-d", NULL }, "options", SESSION_STARTUP_BAD_OPTIONS,
	  UNSUPPORTED_OPTIONS },
	/* "options" in the ignore list does not let other parameters through */
	{ { "user", "u", "geqo", "off", NULL }, "options", SESSION_STARTUP_UNSUPPORTED,
	  "unsupported startup parameter: geqo" },
};

static void build_startup(const char *const *kv, struct pg_buf *b, struct pg_startup *s)
{
	struct pg_startup_param params[8];
	size_t n = 0;
	for (; kv[2 * n] != NULL; n++)
		params[n] = (struct pg_startup_param){ kv[2 * n], kv[2 * n + 1] };
	pg_startup_build(b, PG_PROTOCOL_3_0, params, n);
	struct pg_reader r;
	pg_reader_init(&r, b->data, b->len);
	ck_assert_int_eq(pg_startup_read(&r, PG_STARTUP_MAX_LEN, s), PG_OK);
}

START_TEST(test_check_startup)
{
	const struct startup_vec *v = &startups[_i];
	struct session_param_set set = test_set();
	struct pg_buf b;
	pg_buf_init(&b);
	struct pg_startup s;
	build_startup(v->params, &b, &s);
	struct session_params p;
	session_params_init(&p);
	char why[256] = "";
	enum session_startup_verdict res =
		session_params_check_startup(&set, v->ignore, &s, &p, why, sizeof why);
	ck_assert_msg(res == v->verdict, "got %d (%s), want %d", res, why, v->verdict);
	if (res == SESSION_STARTUP_OK)
		assert_params(&set, &p, v->want);
	else
		ck_assert_str_eq(why, v->want);
	/* Without a place to record, the verdict is the same. */
	ck_assert_int_eq(session_params_check_startup(&set, v->ignore, &s, NULL, why, sizeof why),
			 v->verdict);
	session_params_fini(&p);
	pg_buf_fini(&b);
	session_param_set_fini(&set);
}
END_TEST

START_TEST(test_add_host)
{
	struct session_param_set set = test_set();
	struct session_params p;
	session_params_init(&p);
	session_params_add_host(&p, "127.0.0.1:51234");
	assert_params(&set, &p, "application_name=app - 127.0.0.1:51234");
	session_params_set(&p, SESSION_PARAM_APPLICATION_NAME, "psql");
	session_params_add_host(&p, "[::1]:6000");
	assert_params(&set, &p, "application_name=psql - [::1]:6000");
	session_params_fini(&p);
	session_param_set_fini(&set);
}
END_TEST

/* ---- quoting ---- */

static const struct {
	const char *in;
	const char *want;
} quotes[] = {
	{ "", "''" },
	{ "UTC", "'UTC'" },
	{ "ISO, MDY", "'ISO, MDY'" },
	{ "O'Brien", "'O''Brien'" },
	{ "''", "''''''" },
	{ "'); DROP TABLE t; --", "'''); DROP TABLE t; --'" },
	{ "C:\\path", "E'C:\\\\path'" },
	{ "trailing\\", "E'trailing\\\\'" },
	{ "\\'", "E'\\\\'''" },
	{ "\\'; SELECT 1; --", "E'\\\\''; SELECT 1; --'" },
	{ "\"$user\", public", "'\"$user\", public'" },
	{ "Z\xc3\xbcrich \xe2\x98\x83", "'Z\xc3\xbcrich \xe2\x98\x83'" },
	{ "line\nbreak\ttab", "'line\nbreak\ttab'" },
	{ "$$dollar$$", "'$$dollar$$'" },
};

START_TEST(test_quote)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_buf_put_u8(&b, '<');   /* appends, keeps what was there */
	session_params_quote(&b, quotes[_i].in);
	char *got = xstrndup((const char *)b.data + 1, b.len - 1);
	ck_assert_str_eq(got, quotes[_i].want);
	ck_assert_uint_eq(b.data[0], '<');
	free(got);
	pg_buf_fini(&b);
}
END_TEST

/* ---- the re-apply query ---- */

#define SET_CONFIG(name, value) "pg_catalog.set_config('" name "', " value ", false)"

struct diff_vec {
	const char *what;
	const char *client[SESSION_PARAMS_MAX];
	const char *defaults[SESSION_PARAMS_MAX];
	bool no_defaults;
	const char *server[SESSION_PARAMS_MAX];
	size_t count;
	const char *sql;
};

static const struct diff_vec diffs[] = {
	{ "nothing known", { NULL }, { NULL }, false, { NULL }, 0, NULL },
	{ "equal", { [SESSION_PARAM_TIMEZONE] = "UTC" }, { NULL }, false,
	  { [SESSION_PARAM_TIMEZONE] = "UTC" }, 0, NULL },
	{ "no opinion keeps the server's", { NULL }, { NULL }, true,
	  { [SESSION_PARAM_TIMEZONE] = "UTC", [SESSION_PARAM_APPLICATION_NAME] = "x" }, 0, NULL },
	{ "one differs", { [SESSION_PARAM_TIMEZONE] = "UTC" }, { NULL }, false,
	  { [SESSION_PARAM_TIMEZONE] = "Europe/Lisbon" }, 1,
	  "SELECT " SET_CONFIG("TimeZone", "'UTC'") },
	{ "case matters", { [SESSION_PARAM_CLIENT_ENCODING] = "utf8" }, { NULL }, false,
	  { [SESSION_PARAM_CLIENT_ENCODING] = "UTF8" }, 1,
	  "SELECT " SET_CONFIG("client_encoding", "'utf8'") },
	{ "default applies", { NULL }, { [SESSION_PARAM_TIMEZONE] = "UTC" }, false,
	  { [SESSION_PARAM_TIMEZONE] = "Asia/Tokyo" }, 1,
	  "SELECT " SET_CONFIG("TimeZone", "'UTC'") },
	{ "client beats default", { [SESSION_PARAM_TIMEZONE] = "Asia/Tokyo" },
	  { [SESSION_PARAM_TIMEZONE] = "UTC" }, false,
	  { [SESSION_PARAM_TIMEZONE] = "Asia/Tokyo" }, 0, NULL },
	{ "server unknown", { [SESSION_PARAM_SEARCH_PATH] = "\"$user\", public" }, { NULL },
	  false, { NULL }, 1, "SELECT " SET_CONFIG("search_path", "'\"$user\", public'") },
	{ "empty application_name is a value",
	  { [SESSION_PARAM_APPLICATION_NAME] = "" }, { NULL }, false,
	  { [SESSION_PARAM_APPLICATION_NAME] = "psql" }, 1,
	  "SELECT " SET_CONFIG("application_name", "''") },
	{ "nasty value", { [SESSION_PARAM_APPLICATION_NAME] = "a'); SELECT pg_sleep(9); --\\" },
	  { NULL }, false, { [SESSION_PARAM_APPLICATION_NAME] = "x" }, 1,
	  "SELECT " SET_CONFIG("application_name", "E'a''); SELECT pg_sleep(9); --\\\\'") },
	{ "several, in set order",
	  { [SESSION_PARAM_APPLICATION_NAME] = "app", [SESSION_PARAM_CLIENT_ENCODING] = "LATIN1",
	    [SESSION_PARAM_DATESTYLE] = "ISO, DMY", [SESSION_PARAM_INTERVALSTYLE] = "iso_8601",
	    [SESSION_PARAM_STANDARD_CONFORMING_STRINGS] = "off", [EXTRA_INDEX] = "3" },
	  { [SESSION_PARAM_TIMEZONE] = "UTC" }, false,
	  { [SESSION_PARAM_CLIENT_ENCODING] = "UTF8", [SESSION_PARAM_DATESTYLE] = "ISO, DMY",
	    [SESSION_PARAM_INTERVALSTYLE] = "postgres", [SESSION_PARAM_TIMEZONE] = "UTC",
	    [SESSION_PARAM_STANDARD_CONFORMING_STRINGS] = "on",
	    [SESSION_PARAM_APPLICATION_NAME] = "", [EXTRA_INDEX] = "1" },
	  5,
	  "SELECT " SET_CONFIG("client_encoding", "'LATIN1'") ", "
	  SET_CONFIG("IntervalStyle", "'iso_8601'") ", "
	  SET_CONFIG("standard_conforming_strings", "'off'") ", "
	  SET_CONFIG("application_name", "'app'") ", "
	  SET_CONFIG("extra_float_digits", "'3'") },
};

static void fill(struct session_params *p, const char *const *values)
{
	session_params_init(p);
	for (size_t i = 0; i < SESSION_PARAMS_MAX; i++)
		session_params_set(p, i, values[i]);
}

START_TEST(test_diff)
{
	const struct diff_vec *v = &diffs[_i];
	struct session_param_set set = test_set();
	struct session_params client, defaults, server;
	fill(&client, v->client);
	fill(&defaults, v->defaults);
	fill(&server, v->server);
	struct pg_buf b;
	pg_buf_init(&b);
	size_t n = session_params_diff(&set, &client, v->no_defaults ? NULL : &defaults, &server,
				       &b);
	ck_assert_msg(n == v->count, "%s: %zu sets, want %zu", v->what, n, v->count);
	/* The quick test agrees, computing its memo and then from it. */
	struct session_params_memo memo = { 0 };
	for (int round = 0; round < 2; round++)
		ck_assert_msg(session_params_in_step(&set, &client, v->no_defaults ? NULL : &defaults,
						     &server, &memo) == (n == 0),
			      "%s: session_params_in_step disagrees (round %d)", v->what, round);
	if (n == 0) {
		ck_assert_uint_eq(b.len, 0);
	} else {
		struct pg_frame f = msg_frame_of_buf(&b);
		struct pg_reader r;
		const char *query;
		ck_assert_uint_eq(f.type, PG_FE_QUERY);
		ck_assert_int_eq(pg_frontend_read_query(&f, &r, &query), PG_OK);
		ck_assert_str_eq(query, v->sql);
		msg_frame_free(&f);
	}
	pg_buf_fini(&b);
	session_params_fini(&client);
	session_params_fini(&defaults);
	session_params_fini(&server);
	session_param_set_fini(&set);
}
END_TEST

/* One round of bringing server in line with client: the diff, then what
 * the server reports (name, value pairs, NULL-terminated), then synced.
 * Returns how many parameters the diff set. */
static size_t sync_round(const struct session_param_set *set, struct session_params *client,
			 const struct session_params *defaults, struct session_params *server,
			 const char *const *reports)
{
	struct pg_buf b;
	pg_buf_init(&b);
	size_t n = session_params_diff(set, client, defaults, server, &b);
	pg_buf_fini(&b);
	for (size_t i = 0; reports[i] != NULL; i += 2) {
		ck_assert_int_eq(session_params_update(set, server, reports[i], reports[i + 1]),
				 SESSION_PARAM_CHANGED);
	}
	session_params_synced(set, client, defaults, server);
	return n;
}

START_TEST(test_synced)
{
	static const char *const none[] = { NULL };
	struct session_param_set set = test_set();
	struct session_params client, defaults, server;
	session_params_init(&client);
	session_params_init(&defaults);
	session_params_init(&server);
	session_params_set(&client, SESSION_PARAM_CLIENT_ENCODING, "utf8");
	session_params_set(&client, SESSION_PARAM_DATESTYLE, "ISO");
	session_params_set(&client, SESSION_PARAM_SEARCH_PATH, "app, public");
	session_params_set(&defaults, SESSION_PARAM_TIMEZONE, "UTC");
	session_params_set(&server, SESSION_PARAM_CLIENT_ENCODING, "UTF8");
	session_params_set(&server, SESSION_PARAM_DATESTYLE, "Postgres, MDY");
	session_params_set(&server, SESSION_PARAM_TIMEZONE, "Asia/Tokyo");

	/* utf8 is already UTF8: not reported, the client adopts the server's
	 * spelling; ISO comes back as "ISO, MDY"; search_path is not reported
	 * (before PostgreSQL 18) so the server keeps what was sent; TimeZone is
	 * the pool default and the client keeps no opinion of its own. */
	static const char *const reports[] = { "DateStyle", "ISO, MDY", "TimeZone", "UTC", NULL };
	ck_assert_uint_eq(sync_round(&set, &client, &defaults, &server, reports), 4);
	assert_params(&set, &client, "client_encoding=UTF8;DateStyle=ISO, MDY;search_path=app, public");
	assert_params(&set, &server,
		      "client_encoding=UTF8;DateStyle=ISO, MDY;TimeZone=UTC;search_path=app, public");
	ck_assert_uint_eq(sync_round(&set, &client, &defaults, &server, none), 0);

	/* Another client ran SET DateStyle and SET TimeZone on this server. */
	ck_assert_int_eq(session_params_update(&set, &server, "DateStyle", "German, DMY"),
			 SESSION_PARAM_CHANGED);
	ck_assert_int_eq(session_params_update(&set, &server, "TimeZone", "Asia/Tokyo"),
			 SESSION_PARAM_CHANGED);
	ck_assert_uint_eq(sync_round(&set, &client, &defaults, &server, reports), 2);
	ck_assert_uint_eq(sync_round(&set, &client, &defaults, &server, none), 0);
	session_params_fini(&client);
	session_params_fini(&defaults);
	session_params_fini(&server);
	session_param_set_fini(&set);
}
END_TEST

/* ---- the welcome ---- */

/* session_params_in_step's memo follows every change of the server's or
 * the defaults' values, however made, and a client with values of its own
 * is compared slot by slot. */
START_TEST(test_in_step_memo)
{
	struct session_param_set set = test_set();
	struct session_params client, defaults, server, other;
	struct session_params_memo memo = { 0 };
	session_params_init(&client);
	session_params_init(&defaults);
	session_params_init(&server);
	session_params_init(&other);
	session_params_set(&defaults, SESSION_PARAM_TIMEZONE, "UTC");
	session_params_set(&server, SESSION_PARAM_TIMEZONE, "UTC");
	ck_assert(session_params_in_step(&set, &client, &defaults, &server, &memo));
	/* the server changes (a SET another client ran) */
	ck_assert_int_eq(session_params_update(&set, &server, "TimeZone", "Asia/Tokyo"),
			 SESSION_PARAM_CHANGED);
	ck_assert(!session_params_in_step(&set, &client, &defaults, &server, &memo));
	/* a client that wants that value itself */
	session_params_set(&client, SESSION_PARAM_TIMEZONE, "Asia/Tokyo");
	ck_assert(session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_set(&client, SESSION_PARAM_APPLICATION_NAME, "app");
	ck_assert(!session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_set(&server, SESSION_PARAM_APPLICATION_NAME, "app");
	ck_assert(session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_set(&client, SESSION_PARAM_TIMEZONE, NULL);
	ck_assert(!session_params_in_step(&set, &client, &defaults, &server, &memo));
	/* the defaults change instead */
	session_params_set(&defaults, SESSION_PARAM_TIMEZONE, "Asia/Tokyo");
	ck_assert(session_params_in_step(&set, &client, &defaults, &server, &memo));
	/* the server's values replaced by a copy, emptied, refilled */
	session_params_set(&other, SESSION_PARAM_TIMEZONE, "UTC");
	session_params_set(&other, SESSION_PARAM_APPLICATION_NAME, "app");
	session_params_copy(&server, &other);
	ck_assert(!session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_fini(&server);
	ck_assert(!session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_set(&server, SESSION_PARAM_TIMEZONE, "Asia/Tokyo");
	session_params_set(&server, SESSION_PARAM_APPLICATION_NAME, "app");
	ck_assert(session_params_in_step(&set, &client, &defaults, &server, &memo));
	session_params_fini(&client);
	session_params_fini(&defaults);
	session_params_fini(&server);
	session_params_fini(&other);
	session_param_set_fini(&set);
}
END_TEST

START_TEST(test_put_status)
{
	struct session_param_set set = test_set();
	struct session_params client, welcome;
	session_params_init(&client);
	session_params_init(&welcome);
	session_params_set(&client, SESSION_PARAM_APPLICATION_NAME, "psql");
	session_params_set(&client, SESSION_PARAM_SEARCH_PATH, "a");
	session_params_record(&set, &welcome, "client_encoding", "UTF8");
	session_params_record(&set, &welcome, "application_name", "");
	session_params_record(&set, &welcome, "server_version", "17.2");
	session_params_record(&set, &welcome, "is_superuser", "off");

	struct pg_buf got, want;
	pg_buf_init(&got);
	pg_buf_init(&want);
	session_params_put_status(&set, &client, &welcome, &got);
	pg_backend_put_parameter_status(&want, "client_encoding", "UTF8");
	pg_backend_put_parameter_status(&want, "application_name", "psql");
	pg_backend_put_parameter_status(&want, "search_path", "a");
	pg_backend_put_parameter_status(&want, "server_version", "17.2");
	pg_backend_put_parameter_status(&want, "is_superuser", "off");
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.data, want.data, want.len);

	pg_buf_reset(&got);
	pg_buf_reset(&want);
	session_params_put_status(&set, &client, NULL, &got);
	pg_backend_put_parameter_status(&want, "application_name", "psql");
	pg_backend_put_parameter_status(&want, "search_path", "a");
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.data, want.data, want.len);
	pg_buf_fini(&got);
	pg_buf_fini(&want);
	session_params_fini(&client);
	session_params_fini(&welcome);
	session_param_set_fini(&set);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_params");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_set_builtins);
	tcase_add_loop_test(tc, test_set_extras, 0, N(extras_ok));
	tcase_add_loop_test(tc, test_set_extras_refused, 0, N(extras_bad));
	tcase_add_test(tc, test_update_and_record);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_lazy_values);
	tcase_add_test(tc, test_shared_values);
	tcase_add_loop_test(tc, test_check_startup, 0, N(startups));
	tcase_add_test(tc, test_add_host);
	tcase_add_loop_test(tc, test_quote, 0, N(quotes));
	tcase_add_loop_test(tc, test_diff, 0, N(diffs));
	tcase_add_test(tc, test_synced);
	tcase_add_test(tc, test_in_step_memo);
	tcase_add_test(tc, test_put_status);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
