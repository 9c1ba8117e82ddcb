/* tls_test: what the TLS suites share: a temp dir of throwaway
 * certificates made once per run by tests/harness/tls_certs.sh (its path
 * comes from TLS_CERTS_SCRIPT, set by tls.mk), settings written as
 * "name=value ..." text where "@file" names a file in that dir, contexts
 * built from such text, and socketpairs with small buffers. Each call
 * asserts its own success. */
#ifndef CORRAL_TESTS_UNIT_TLS_TEST_H
#define CORRAL_TESTS_UNIT_TLS_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/cfg_settings.h"
#include "pooler/tls.h"

static char tls_test_certs[256];   /* the dir tls_certs.sh filled */

/* Make the certificates (before srunner_run_all: forked tests inherit the
 * path). Exits when the script fails. */
static inline void tls_test_make_certs(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char cmd[600];
	snprintf(tls_test_certs, sizeof tls_test_certs, "%s/corral-check-tls.XXXXXX", tmp);
	if (mkdtemp(tls_test_certs) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(cmd, sizeof cmd, "bash '%s' '%s'", TLS_CERTS_SCRIPT, tls_test_certs);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed\n", cmd);
		exit(1);
	}
}

static inline void tls_test_remove_certs(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tls_test_certs);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tls_test_certs);
}

/* Apply "name=value ..." to s; a value "@file" is that file in the
 * certificate dir ("@" alone: the dir itself). */
static inline void tls_test_apply(struct cfg_settings *s, const char *text)
{
	char buf[2048], why[256], value[512];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		ck_assert_ptr_nonnull(eq);
		*eq = '\0';
		if (eq[1] == '@')
			snprintf(value, sizeof value, "%s/%s", tls_test_certs, eq + 2);
		else
			snprintf(value, sizeof value, "%s", eq + 1);
		ck_assert_msg(cfg_settings_set(s, tok, value, why, sizeof why) == 0, "%s", why);
	}
}

/* Both contexts from the default settings plus text; cert_auth as
 * tls_contexts_load takes it. */
static inline void tls_test_load_auth(struct tls_contexts *t, const char *text, bool cert_auth)
{
	struct cfg_settings s;
	char why[512];
	cfg_settings_init(&s);
	tls_test_apply(&s, text);
	ck_assert_msg(tls_contexts_load(t, &s, cert_auth, why, sizeof why) == 0, "%s", why);
	cfg_settings_fini(&s);
}

/* The same without cert authentication. */
static inline void tls_test_load(struct tls_contexts *t, const char *text)
{
	tls_test_load_auth(t, text, false);
}

/* A non-blocking unix socketpair; buffer > 0 asks for send and receive
 * buffers that small (the kernel rounds them up a little). */
static inline void tls_test_pair(int fds[2], int buffer)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
	for (int i = 0; buffer > 0 && i < 2; i++) {
		ck_assert_int_eq(setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer), 0);
		ck_assert_int_eq(setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer), 0);
	}
}

/* client_tls_* for the accepting end: the server certificate, require. */
#define TLS_TEST_ACCEPT "client_tls_sslmode=require client_tls_cert_file=@server.crt " \
	"client_tls_key_file=@server.key"

#endif
