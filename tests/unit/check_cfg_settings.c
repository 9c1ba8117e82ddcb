/* Unit tests for config/cfg_settings: every default formats and re-parses
 * to itself, each type parses and bounds-checks with exact messages, values
 * land in the typed members, and docs/config.md agrees with the table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_settings.h"

/* Every row's default is canonical: formatting it gives the text back, and
 * setting that text again keeps it. */
START_TEST(test_default_round_trip)
{
	const struct cfg_setting *e = cfg_setting_at((size_t)_i);
	struct cfg_settings s;
	char buf[CFG_SETTING_FMT_SIZE], why[256];
	cfg_settings_init(&s);
	ck_assert_str_eq(cfg_setting_format(&s, e, buf), e->def);
	char copy[512];
	snprintf(copy, sizeof copy, "%s", cfg_setting_format(&s, e, buf));
	ck_assert_msg(cfg_settings_set(&s, e->name, copy, why, sizeof why) == 0, "%s: %s", e->name, why);
	ck_assert_str_eq(cfg_setting_format(&s, e, buf), e->def);
	cfg_settings_fini(&s);
}
END_TEST

/* Names sorted, unique, lower case; each row found by its name in any
 * case; bounds ordered; enums have names. */
START_TEST(test_table_shape)
{
	size_t n = cfg_setting_count();
	ck_assert_uint_ge(n, 90);
	for (size_t i = 0; i < n; i++) {
		const struct cfg_setting *e = cfg_setting_at(i);
		if (i > 0)
			ck_assert_msg(strcmp(cfg_setting_at(i - 1)->name, e->name) < 0, "%s out of order",
				      e->name);
		for (const char *p = e->name; *p; p++)
			ck_assert_msg(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'),
				      "%s", e->name);
		ck_assert_ptr_eq(cfg_setting_find(e->name), e);
		ck_assert_int_le(e->min, e->max);
		ck_assert_int_eq(e->type == CFG_SETTING_ENUM, e->choices != NULL);
	}
	ck_assert_ptr_eq(cfg_setting_find("Max_Client_Conn"), cfg_setting_find("max_client_conn"));
	ck_assert_ptr_null(cfg_setting_find("max_clients"));
	ck_assert_ptr_null(cfg_setting_find(""));
}
END_TEST

struct set_vector {
	const char *name;
	const char *value;
	int rc;
	const char *expect;   /* rc 0: the value formatted back; rc -1: the message */
};

static const struct set_vector sets[] = {
	{ "max_client_conn", "500", 0, "500" },
	{ "MAX_CLIENT_CONN", "7", 0, "7" },
	{ "max_client_conn", "2147483647", 0, "2147483647" },
	{ "max_client_conn", "0", -1,
	  "'0' is out of range for max_client_conn (expected an integer 1..2147483647)" },
	{ "max_client_conn", "abc", -1,
	  "'abc' is not a number for max_client_conn (expected an integer 1..2147483647)" },
	{ "max_client_conn", "2147483648", -1,
	  "'2147483648' is out of range for max_client_conn (expected an integer 1..2147483647)" },
	{ "max_client_conn", "99999999999999999999", -1,
	  "'99999999999999999999' is out of range for max_client_conn (expected an integer 1..2147483647)" },
	{ "max_client_conn", "0x10", -1,
	  "'0x10' is not a number for max_client_conn (expected an integer 1..2147483647)" },
	{ "max_client_conn", "", -1,
	  "'' is not a number for max_client_conn (expected an integer 1..2147483647)" },
	{ "listen_port", "65535", 0, "65535" },
	{ "listen_port", "65536", -1,
	  "'65536' is out of range for listen_port (expected an integer 1..65535)" },
	{ "listen_port", "6432 ; the port", -1,
	  "'6432 ; the port' is not a number for listen_port (expected an integer 1..65535)" },
	{ "peer_id", "16384", -1, "'16384' is out of range for peer_id (expected an integer 0..16383)" },
	{ "verbose", "3", 0, "3" },
	{ "verbose", "4", -1, "'4' is out of range for verbose (expected an integer 0..3)" },
	{ "log_stats", "yes", 0, "1" },
	{ "log_stats", "OFF", 0, "0" },
	{ "log_stats", "True", 0, "1" },
	{ "log_stats", "no", 0, "0" },
	{ "log_stats", "on", 0, "1" },
	{ "log_stats", "false", 0, "0" },
	{ "log_stats", "0", 0, "0" },
	{ "log_stats", "maybe", -1,
	  "'maybe' is not a boolean for log_stats (expected 1/0, yes/no, on/off or true/false)" },
	{ "log_stats", "2", -1,
	  "'2' is not a boolean for log_stats (expected 1/0, yes/no, on/off or true/false)" },
	{ "pool_mode", "Transaction", 0, "transaction" },
	{ "pool_mode", "statement", 0, "statement" },
	{ "pool_mode", "bogus", -1,
	  "'bogus' is not a valid value for pool_mode (expected one of: session, transaction, statement)" },
	{ "auth_type", "scram-sha-256", 0, "scram-sha-256" },
	{ "auth_type", "password", -1,
	  "'password' is not a valid value for auth_type (expected one of: any, trust, plain, md5, "
	  "scram-sha-256, cert, hba, ldap, pam)" },
	{ "server_tls_sslmode", "verify-full", 0, "verify-full" },
	{ "syslog_facility", "local7", 0, "local7" },
	{ "query_wait_timeout", "1.5", 0, "1.5" },
	{ "query_wait_timeout", ".25", 0, "0.25" },
	{ "query_wait_timeout", "3.", 0, "3" },
	{ "query_wait_timeout", "0.000001", 0, "0.000001" },
	{ "query_wait_timeout", "2147483646.999999", 0, "2147483646.999999" },
	{ "query_wait_timeout", "2147483647.5", -1,
	  "'2147483647.5' is out of range for query_wait_timeout (expected seconds 0..2147483647, "
	  "up to 6 decimals)" },
	{ "query_wait_timeout", "0", 0, "0" },
	{ "query_wait_timeout", "0.0000001", -1,
	  "'0.0000001' is not a time in seconds for query_wait_timeout (expected seconds "
	  "0..2147483647, up to 6 decimals)" },
	{ "query_wait_timeout", "1e3", -1,
	  "'1e3' is not a time in seconds for query_wait_timeout (expected seconds 0..2147483647, "
	  "up to 6 decimals)" },
	{ "query_wait_timeout", "-1", -1,
	  "'-1' is not a time in seconds for query_wait_timeout (expected seconds 0..2147483647, "
	  "up to 6 decimals)" },
	{ "query_wait_timeout", ".", -1,
	  "'.' is not a time in seconds for query_wait_timeout (expected seconds 0..2147483647, "
	  "up to 6 decimals)" },
	{ "query_wait_timeout", "2147483648", -1,
	  "'2147483648' is out of range for query_wait_timeout (expected seconds 0..2147483647, "
	  "up to 6 decimals)" },
	{ "query_wait_timeout", "99999999999999999999", -1,
	  "'99999999999999999999' is out of range for query_wait_timeout (expected seconds "
	  "0..2147483647, up to 6 decimals)" },
	{ "stats_period", "0", -1,
	  "'0' is out of range for stats_period (expected seconds 1..2147483647, up to 6 decimals)" },
	{ "pkt_buf", "8kB", 0, "8192" },
	{ "pkt_buf", "1 mb", 0, "1048576" },
	{ "pkt_buf", "1GB", 0, "1073741824" },
	{ "pkt_buf", "2GB", -1,
	  "'2GB' is out of range for pkt_buf (expected bytes 512..1073741824, or with kB, MB or GB)" },
	{ "pkt_buf", "511", -1,
	  "'511' is out of range for pkt_buf (expected bytes 512..1073741824, or with kB, MB or GB)" },
	{ "pkt_buf", "12xB", -1,
	  "'12xB' is not a size for pkt_buf (expected bytes 512..1073741824, or with kB, MB or GB)" },
	{ "pkt_buf", "-4096", -1,
	  "'-4096' is not a size for pkt_buf (expected bytes 512..1073741824, or with kB, MB or GB)" },
	{ "pkt_buf", "9999999999999GB", -1,
	  "'9999999999999GB' is out of range for pkt_buf (expected bytes 512..1073741824, or with kB, "
	  "MB or GB)" },
	{ "max_packet_size", "1023", -1,
	  "'1023' is out of range for max_packet_size (expected bytes 1024..2147483647, or with kB, "
	  "MB or GB)" },
	{ "unix_socket_mode", "0700", 0, "0700" },
	{ "unix_socket_mode", "755", 0, "0755" },
	{ "unix_socket_mode", "0800", -1,
	  "'0800' is not an octal mode for unix_socket_mode (expected an octal mode 0000..0777)" },
	{ "unix_socket_mode", "01000", -1,
	  "'01000' is out of range for unix_socket_mode (expected an octal mode 0000..0777)" },
	{ "listen_addr", "*", 0, "*" },
	{ "auth_file", "/etc/corral/userlist.txt", 0, "/etc/corral/userlist.txt" },
	{ "unix_socket_dir", "", 0, "" },
	{ "max_clients", "5", -1, "unknown setting 'max_clients'" },
};

START_TEST(test_set)
{
	const struct set_vector *v = &sets[_i];
	struct cfg_settings s;
	char buf[CFG_SETTING_FMT_SIZE], before[512], why[256] = "";
	cfg_settings_init(&s);
	const struct cfg_setting *e = cfg_setting_find(v->name);
	if (e)
		snprintf(before, sizeof before, "%s", cfg_setting_format(&s, e, buf));
	int rc = cfg_settings_set(&s, v->name, v->value, why, sizeof why);
	ck_assert_msg(rc == v->rc, "%s = '%s': rc %d (%s)", v->name, v->value, rc, why);
	if (rc == 0)
		ck_assert_str_eq(cfg_setting_format(&s, e, buf), v->expect);
	else
		ck_assert_str_eq(why, v->expect);
	if (rc < 0 && e)   /* a refused value leaves the setting as it was */
		ck_assert_str_eq(cfg_setting_format(&s, e, buf), before);
	cfg_settings_fini(&s);
}
END_TEST

/* Values land in the named, typed members the pooler reads. */
START_TEST(test_typed_members)
{
	struct cfg_settings s;
	char why[256];
	cfg_settings_init(&s);
	ck_assert_int_eq(s.listen_port, 6432);
	ck_assert_int_eq(s.max_client_conn, 100);
	ck_assert_int_eq(s.server_lifetime, INT64_C(3600000000));
	ck_assert_int_eq(s.query_wait_timeout, INT64_C(120000000));
	ck_assert_int_eq(s.max_packet_size, INT64_C(2147483647));
	ck_assert_int_eq(s.pkt_buf, 4096);
	ck_assert_int_eq(s.pool_mode, CFG_POOL_SESSION);
	ck_assert_int_eq(s.auth_type, CFG_AUTH_MD5);
	ck_assert_int_eq(s.client_tls_sslmode, CFG_SSLMODE_DISABLE);
	ck_assert_int_eq(s.server_tls_sslmode, CFG_SSLMODE_PREFER);
	ck_assert_int_eq(s.syslog_facility, CFG_SYSLOG_DAEMON);
	ck_assert_int_eq(s.unix_socket_mode, 0777);
	ck_assert(s.tcp_keepalive);
	ck_assert(!s.syslog);
	ck_assert_str_eq(s.unix_socket_dir, "/tmp");
	ck_assert_str_eq(s.server_reset_query, "DISCARD ALL");
	ck_assert_str_eq(s.auth_file, "");

	ck_assert_int_eq(cfg_settings_set(&s, "max_client_conn", "5000", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "query_wait_timeout", "0.25", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "pool_mode", "transaction", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "auth_type", "SCRAM-SHA-256", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "syslog_facility", "local3", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "unix_socket_mode", "0600", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "syslog", "on", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "auth_file", "users.txt", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "auth_file", "other.txt", why, sizeof why), 0);
	ck_assert_int_eq(s.max_client_conn, 5000);
	ck_assert_int_eq(s.query_wait_timeout, 250000);
	ck_assert_int_eq(s.pool_mode, CFG_POOL_TRANSACTION);
	ck_assert_int_eq(s.auth_type, CFG_AUTH_SCRAM_SHA_256);
	ck_assert_int_eq(s.syslog_facility, CFG_SYSLOG_LOCAL3);
	ck_assert_int_eq(s.unix_socket_mode, 0600);
	ck_assert(s.syslog);
	ck_assert_str_eq(s.auth_file, "other.txt");
	cfg_settings_fini(&s);
	ck_assert_ptr_null(s.auth_file);
}
END_TEST

/* Restart-only settings are exactly those PgBouncer refuses on reload. */
START_TEST(test_reloadable)
{
	static const char *const restart_only[] = {
		"disable_pqexec", "job_name", "listen_addr", "listen_backlog", "listen_port",
		"pidfile", "pkt_buf", "resolv_conf", "so_reuseport", "track_extra_parameters",
		"unix_socket_dir", "unix_socket_group", "unix_socket_mode", "user",
	};
	size_t restart = 0;
	for (size_t i = 0; i < cfg_setting_count(); i++)
		restart += !cfg_setting_at(i)->reloadable;
	ck_assert_uint_eq(restart, sizeof restart_only / sizeof restart_only[0]);
	for (size_t i = 0; i < sizeof restart_only / sizeof restart_only[0]; i++)
		ck_assert_msg(!cfg_setting_find(restart_only[i])->reloadable, "%s", restart_only[i]);
}
END_TEST

/* docs/config.md has one row per setting, "| `name` | type | `default` |
 * accepts | reload | meaning |", agreeing with the table. */
START_TEST(test_docs_agree)
{
	const char *top = getenv("CORRAL_TOP_SRCDIR");
	ck_assert_msg(top != NULL, "CORRAL_TOP_SRCDIR is not set (run through make check)");
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/config.md", top);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t n = cfg_setting_count(), rows = 0;
	char line[2048];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "| `", 3) != 0)
			continue;
		const struct cfg_setting *e = NULL;
		for (size_t i = 0; i < n && !e; i++) {
			const struct cfg_setting *c = cfg_setting_at(i);
			char head[128];
			snprintf(head, sizeof head, "| `%s` |", c->name);
			if (strncmp(line, head, strlen(head)) == 0)
				e = c;
		}
		ck_assert_msg(e != NULL, "docs/config.md row for an unknown setting: %s", line);
		char accepts[256], want[1024];
		cfg_setting_describe(e, accepts, sizeof accepts);
		snprintf(want, sizeof want, "| `%s` | %s | %s%s%s | %s | %s |", e->name,
			 cfg_setting_type_name(e->type), *e->def ? "`" : "", *e->def ? e->def : "(empty)",
			 *e->def ? "`" : "", accepts, e->reloadable ? "yes" : "restart");
		ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "docs/config.md has\n%swant\n%s",
			      line, want);
		rows++;
	}
	fclose(f);
	ck_assert_uint_eq(rows, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfg_settings");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_default_round_trip, 0, (int)cfg_setting_count());
	tcase_add_test(tc, test_table_shape);
	tcase_add_loop_test(tc, test_set, 0, sizeof sets / sizeof sets[0]);
	tcase_add_test(tc, test_typed_members);
	tcase_add_test(tc, test_reloadable);
	tcase_add_test(tc, test_docs_agree);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
