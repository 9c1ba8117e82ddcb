/* it_util: what every pooler integration test program shares, whether it
 * speaks libpq (it_pq.h) or raw protocol bytes (it_raw.h): a monotonic
 * clock, random tokens, the check of an error's SQLSTATE and text, and the
 * Check runner. The programs run under a tests/integration/it_*.sh script
 * that has started corral (tests/harness/corral.sh) and exported
 * CORRAL_HOST/CORRAL_PORT beside the harness's PG* variables. Functions
 * marked "no Check" may be used outside a Check test (it_client). */
#ifndef CORRAL_TESTS_INTEGRATION_IT_UTIL_H
#define CORRAL_TESTS_INTEGRATION_IT_UTIL_H

#include <check.h>
#include <stdint.h>

/* The longest any one wait may take unless a test sets a tighter bound. */
#define IT_WAIT_MS 10000
/* it_token's output: 16 hex digits and a NUL. */
#define IT_TOKEN_SIZE 17

/* Milliseconds on the monotonic clock. No Check. */
int64_t it_now_ms(void);
/* No Check. */
void it_sleep_ms(int ms);

/* 16 random hex digits, to make queries and values a test recognises as
 * its own (tests run side by side on one PostgreSQL). */
void it_token(char out[IT_TOKEN_SIZE]);

/* A random 32-bit number (forged cancel keys). */
uint32_t it_random32(void);

/* The value of environment variable name; fails the test, saying how to
 * run it, when it is not set. */
const char *it_env(const char *name);

/* Fails the test unless code (NULL: none was sent) is one of the
 * blank-separated SQLSTATEs in `sqlstates` (NULL: any) and message holds
 * `part` (NULL: anything). `what` names the step in the failure message. */
void it_check_diag(const char *what, const char *code, const char *message,
		   const char *sqlstates, const char *part);

/* Runs suite s (Check forks each test) and returns main's exit status. */
int it_run(Suite *s);

#endif
