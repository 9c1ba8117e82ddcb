/* it_util: clock, tokens, error checks and the Check runner shared by the
 * pooler integration test programs (see it_util.h). */
#include "tests/integration/it_util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t it_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void it_token(char out[IT_TOKEN_SIZE])
{
	uint8_t bytes[(IT_TOKEN_SIZE - 1) / 2];
	ck_assert_int_eq(getrandom(bytes, sizeof bytes, 0), (ssize_t)sizeof bytes);
	for (size_t i = 0; i < sizeof bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

uint32_t it_random32(void)
{
	uint32_t v;
	ck_assert_int_eq(getrandom(&v, sizeof v, 0), (ssize_t)sizeof v);
	return v;
}

const char *it_env(const char *name)
{
	const char *v = getenv(name);
	ck_assert_msg(v != NULL, "%s is not set: run this program through its "
		      "tests/integration/it_*.sh script under make check", name);
	return v;
}

/* True when `code` is one of the blank-separated words of `list`. */
static bool listed(const char *list, const char *code)
{
	size_t n = strlen(code);
	for (const char *p = list; (p = strstr(p, code)) != NULL; p += n) {
		bool starts = p == list || p[-1] == ' ';
		if (starts && (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}

void it_check_diag(const char *what, const char *code, const char *message,
		   const char *sqlstates, const char *part)
{
	ck_assert_msg(sqlstates == NULL || (code != NULL && listed(sqlstates, code)),
		      "%s: SQLSTATE %s, expected one of %s (message: %s)", what,
		      code ? code : "(none)", sqlstates, message);
	ck_assert_msg(part == NULL || strstr(message, part) != NULL,
		      "%s: message \"%s\" lacks \"%s\"", what, message, part);
}

int it_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
