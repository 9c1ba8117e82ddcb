/* Unit tests for app/settings: each setting's accepted and refused values,
 * the settings file syntax with file:line errors, the order of sources
 * (defaults < DATABASE_URL < file < command line), and host:port parsing. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/settings.h"

static const struct {
	const char *name;
	const char *value;
	bool ok;
} set_vectors[] = {
	{ "workers", "1", true },
	{ "workers", "1024", true },
	{ "workers", "0", false },
	{ "workers", "1025", false },
	{ "workers", "4x", false },
	{ "workers", "", false },
	{ "db-timeout", "100", true },
	{ "db_timeout", "2500", true },
	{ "db-timeout", "99", false },
	{ "retry-after", "0", true },
	{ "retry-after", "-1", false },
	{ "idle-timeout", "0", false },
	{ "drain-timeout", "600", true },
	{ "dsn", "", true },
	{ "dsn", "host=127.0.0.1 port=6432 dbname=app", true },
	{ "listen", "127.0.0.1:8080", true },
	{ "listen", "[::1]:80", true },
	{ "listen", "localhost:0", false },
	{ "listen", "127.0.0.1", false },
	{ "listen", ":80", false },
	{ "listen", "127.0.0.1:65536", false },
	{ "files-location", "/protected/", true },
	{ "files-location", "/protected", false },
	{ "files-location", "/", false },
	{ "events-location", "/_nchan/sub/", true },
	{ "events-location", "_nchan/sub/", false },
	{ "publish-url", "", true },
	{ "publish-url", "http://127.0.0.1:8080/_nchan/pub/", true },
	{ "publish-url", "http://[::1]:80/p/", true },
	{ "publish-url", "http://127.0.0.1:8080/_nchan/pub", false },
	{ "publish-url", "http://127.0.0.1/_nchan/pub/", false },
	{ "publish-url", "https://127.0.0.1:443/pub/", false },
	{ "publish-url", "http://127.0.0.1:8080", false },
	{ "publish-url", "http://127.0.0.1:8080/pub/?x=1/", false },
	{ "publish-url", "http://:8080/pub/", false },
	{ "publish-timeout", "10", true },
	{ "publish-timeout", "9", false },
	{ "publish-timeout", "60001", false },
	{ "no-such-setting", "1", false },
	{ "work", "1", false },
};

START_TEST(test_set)
{
	struct app_settings s;
	char why[256] = "";
	settings_init(&s);
	int rc = settings_set(&s, set_vectors[_i].name, set_vectors[_i].value, why, sizeof why);
	ck_assert_msg((rc == 0) == set_vectors[_i].ok, "%s=%s: %s", set_vectors[_i].name,
		      set_vectors[_i].value, why);
	if (rc != 0)
		ck_assert_str_ne(why, "");
	settings_fini(&s);
}
END_TEST

START_TEST(test_defaults)
{
	struct app_settings s;
	settings_init(&s);
	ck_assert_str_eq(s.listen, "127.0.0.1:8080");
	ck_assert_int_eq(s.workers, 2 * (int)sysconf(_SC_NPROCESSORS_ONLN));
	ck_assert_str_eq(s.dsn, "");
	ck_assert_int_eq(s.db_timeout_ms, 5000);
	ck_assert_int_eq(s.retry_after_s, 1);
	ck_assert_str_eq(s.files_location, "/protected/");
	ck_assert_str_eq(s.events_location, "/_nchan/sub/");
	ck_assert_str_eq(s.publish_url, "");
	ck_assert_int_eq(s.publish_timeout_ms, 1000);
	settings_fini(&s);
}
END_TEST

START_TEST(test_file_text)
{
	static const char text[] =
		"# comment\n"
		"; another\n"
		"\n"
		"  workers = 7  \r\n"
		"db_timeout=250\n"
		"dsn = host=/tmp port=6432 dbname=app\n"
		"dsn =\n";
	struct app_settings s;
	char why[256] = "";
	settings_init(&s);
	ck_assert_int_eq(settings_apply_text(&s, text, sizeof text - 1, "app.conf", why, sizeof why), 0);
	ck_assert_int_eq(s.workers, 7);
	ck_assert_int_eq(s.db_timeout_ms, 250);
	ck_assert_str_eq(s.dsn, "");
	settings_fini(&s);
}
END_TEST

static const struct {
	const char *text;
	const char *why;
} bad_files[] = {
	{ "workers = 2\nworkers 3\n", "app.conf:2: expected 'name = value'" },
	{ "\n\nbogus = 1", "app.conf:3: unknown setting 'bogus'" },
	{ "workers = many\n", "app.conf:1: workers: 'many' is not a whole number in 1..1024" },
	{ "listen = nowhere\n",
	  "app.conf:1: listen: 'nowhere' is not host:port (e.g. 127.0.0.1:8080)" },
};

START_TEST(test_file_errors)
{
	struct app_settings s;
	char why[256] = "";
	settings_init(&s);
	const char *text = bad_files[_i].text;
	ck_assert_int_eq(settings_apply_text(&s, text, strlen(text), "app.conf", why, sizeof why), -1);
	ck_assert_str_eq(why, bad_files[_i].why);
	settings_fini(&s);
}
END_TEST

START_TEST(test_nul_byte)
{
	struct app_settings s;
	char why[256] = "";
	settings_init(&s);
	ck_assert_int_eq(settings_apply_text(&s, "workers = 2\0", 12, "f", why, sizeof why), -1);
	ck_assert_str_eq(why, "f:1: a NUL byte");
	settings_fini(&s);
}
END_TEST

/* DATABASE_URL < file < command line; file errors leave nothing to free. */
START_TEST(test_load_order)
{
	char path[] = "/tmp/check_app_settings.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static const char text[] = "dsn = dbname=fromfile\nworkers = 3\nretry-after = 9\n";
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
	close(fd);
	char *argv[] = { "corral-app", "--config", path, "--workers=5", NULL };
	struct settings_cli cli;
	ck_assert_int_eq(settings_parse_args(4, argv, &cli), SETTINGS_CLI_OK);
	struct app_settings s;
	char why[256] = "";
	ck_assert_int_eq(settings_load(&cli, "dbname=fromenv", &s, why, sizeof why), 0);
	ck_assert_str_eq(s.dsn, "dbname=fromfile");
	ck_assert_int_eq(s.workers, 5);
	ck_assert_int_eq(s.retry_after_s, 9);
	settings_fini(&s);
	unlink(path);
	ck_assert_int_eq(settings_load(&cli, NULL, &s, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "No such file") != NULL, "%s", why);
}
END_TEST

START_TEST(test_env_only)
{
	struct settings_cli cli = { 0 };
	struct app_settings s;
	char why[256];
	ck_assert_int_eq(settings_load(&cli, "postgresql://u@h:6432/app", &s, why, sizeof why), 0);
	ck_assert_str_eq(s.dsn, "postgresql://u@h:6432/app");
	settings_fini(&s);
}
END_TEST

START_TEST(test_args_usage)
{
	char *extra[] = { "corral-app", "stray", NULL };
	char *unknown[] = { "corral-app", "--bogus=1", NULL };
	struct settings_cli cli;
	ck_assert_int_eq(settings_parse_args(2, extra, &cli), SETTINGS_CLI_USAGE);
	ck_assert_int_eq(settings_parse_args(2, unknown, &cli), SETTINGS_CLI_USAGE);
}
END_TEST

static const struct {
	const char *listen;
	const char *host;
	int port;
} split_vectors[] = {
	{ "127.0.0.1:8080", "127.0.0.1", 8080 },
	{ "[::1]:443", "::1", 443 },
	{ "localhost:1", "localhost", 1 },
	{ "*:80", "*", 80 },
};

START_TEST(test_listen_split)
{
	char host[64];
	int port = 0;
	ck_assert_int_eq(settings_listen_split(split_vectors[_i].listen, host, sizeof host, &port), 0);
	ck_assert_str_eq(host, split_vectors[_i].host);
	ck_assert_int_eq(port, split_vectors[_i].port);
}
END_TEST

START_TEST(test_listen_split_small_buffer)
{
	char host[4];
	int port;
	ck_assert_int_eq(settings_listen_split("localhost:80", host, sizeof host, &port), -1);
	ck_assert_int_eq(settings_listen_split("[::1:80", host, sizeof host, &port), -1);
}
END_TEST

START_TEST(test_publish_url_split)
{
	char host[64];
	const char *path = NULL;
	int port = 0;
	ck_assert_int_eq(settings_publish_url_split("http://127.0.0.1:8081/_nchan/pub/", host,
						    sizeof host, &port, &path), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 8081);
	ck_assert_str_eq(path, "/_nchan/pub/");
	ck_assert_int_eq(settings_publish_url_split("http://[::1]:80/", host, sizeof host, &port,
						    &path), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_str_eq(path, "/");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_settings");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_set, 0, sizeof set_vectors / sizeof set_vectors[0]);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_text);
	tcase_add_loop_test(tc, test_file_errors, 0, sizeof bad_files / sizeof bad_files[0]);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_load_order);
	tcase_add_test(tc, test_env_only);
	tcase_add_test(tc, test_args_usage);
	tcase_add_loop_test(tc, test_listen_split, 0, sizeof split_vectors / sizeof split_vectors[0]);
	tcase_add_test(tc, test_listen_split_small_buffer);
	tcase_add_test(tc, test_publish_url_split);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
