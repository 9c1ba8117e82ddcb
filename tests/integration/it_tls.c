/* it_tls: what libpq never does to a TLS-enabled corral (it_tls.sh runs
 * it with client_tls_sslmode = require, auth_type = plain, database
 * it_tls). A StartupMessage without TLS gets FATAL 28000 "SSL required";
 * bytes sent right behind an SSLRequest, before the handshake, are
 * refused (the 'S' comes, then the connection closes); a second
 * SSLRequest inside TLS is a protocol violation (08P01); a GSSENCRequest
 * is answered 'N' and an SSLRequest after it still gets TLS; and a raw
 * TLS client logs in with a cleartext password and runs a query.
 * Case "cert" (it_tls_cert.sh, cert authentication): a TLS client with
 * the certificate $IT_CERT (a path without .crt/.key; empty: none) logs
 * in as $PGUSER and gets FATAL $IT_CERT_SQLSTATE with $IT_CERT_TEXT in
 * the message. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

#define DB "it_tls"

static const uint8_t ssl_request[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
static const uint8_t gssenc_request[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };

static size_t put_cstr(uint8_t *out, size_t at, const char *text)
{
	size_t n = strlen(text) + 1;
	memcpy(out + at, text, n);
	return at + n;
}

/* A v3 StartupMessage for user and DB into out (room for 256 bytes plus
 * the user name); returns its length. */
static size_t startup(uint8_t *out, const char *user)
{
	static const uint8_t version[] = { 0, 3, 0, 0 };
	memcpy(out + 4, version, sizeof version);
	size_t n = put_cstr(out, 8, "user");
	n = put_cstr(out, n, user);
	n = put_cstr(out, n, "database");
	n = put_cstr(out, n, DB);
	out[n++] = 0;
	out[0] = out[1] = 0;
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	return n;
}

/* TLS over r's socket after its SSLRequest was answered 'S', presenting
 * the certificate cert.crt with the key cert.key when cert is not NULL;
 * reads and writes block for at most IT_WAIT_MS. */
static SSL *tls_connect_as(struct it_raw *r, SSL_CTX **ctx, const char *cert)
{
	struct timeval tv = { .tv_sec = IT_WAIT_MS / 1000 };
	ck_assert_int_eq(setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	*ctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(*ctx);
	if (cert) {
		char path[1024];
		snprintf(path, sizeof path, "%s.crt", cert);
		ck_assert_int_eq(SSL_CTX_use_certificate_file(*ctx, path, SSL_FILETYPE_PEM), 1);
		snprintf(path, sizeof path, "%s.key", cert);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(*ctx, path, SSL_FILETYPE_PEM), 1);
	}
	SSL *ssl = SSL_new(*ctx);
	SSL_set_fd(ssl, r->fd);
	int rc = SSL_connect(ssl);
	ck_assert_msg(rc == 1, "TLS handshake with corral: %s",
		      ERR_reason_error_string(ERR_peek_last_error()));
	return ssl;
}

static SSL *tls_connect(struct it_raw *r, SSL_CTX **ctx)
{
	return tls_connect_as(r, ctx, NULL);
}

static void tls_send(SSL *ssl, const void *p, size_t n)
{
	size_t done;
	ck_assert_int_eq(SSL_write_ex(ssl, p, n, &done), 1);
	ck_assert_uint_eq(done, n);
}

/* Read one message into buf (type, then body); returns the body length,
 * or -1 at end of stream. */
static long tls_message(SSL *ssl, uint8_t *buf, size_t size)
{
	size_t got = 0, want = 5, n;
	while (got < want) {
		if (SSL_read_ex(ssl, buf + got, want - got, &n) != 1)
			return -1;
		got += n;
		if (got == 5) {
			want = 1 + ((size_t)buf[1] << 24 | (size_t)buf[2] << 16 | (size_t)buf[3] << 8 | buf[4]);
			ck_assert_uint_le(want, size);
		}
	}
	return (long)(want - 5);
}

/* The fields of an ErrorResponse body: code and message. */
static void error_fields(const uint8_t *body, long len, const char **code, const char **message)
{
	*code = *message = NULL;
	for (const char *p = (const char *)body; p < (const char *)body + len && *p; p += strlen(p) + 1) {
		if (*p == 'C')
			*code = p + 1;
		else if (*p == 'M')
			*message = p + 1;
	}
}

static void free_tls(SSL *ssl, SSL_CTX *ctx)
{
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

START_TEST(test_plaintext_startup_refused)
{
	struct it_raw r;
	it_raw_open(&r);
	it_raw_send_startup(&r, DB, it_env("PGUSER"));
	ck_assert_int_eq(it_raw_next(&r), 'E');
	it_raw_expect_error(&r, "28000", "SSL required");
	it_raw_close(&r);
}
END_TEST

START_TEST(test_bytes_after_ssl_request_refused)
{
	struct it_raw r;
	uint8_t wire[sizeof ssl_request + 256];
	memcpy(wire, ssl_request, sizeof ssl_request);
	size_t n = startup(wire + sizeof ssl_request, it_env("PGUSER"));
	it_raw_open(&r);
	it_raw_send(&r, wire, sizeof ssl_request + n);
	ck_assert_int_eq(it_raw_byte(&r), 'S');
	it_raw_expect_eof(&r, 2000);
	it_raw_close(&r);
}
END_TEST

START_TEST(test_second_ssl_request)
{
	struct it_raw r;
	SSL_CTX *ctx;
	uint8_t buf[8192];
	const char *code, *message;
	it_raw_open(&r);
	it_raw_send(&r, ssl_request, sizeof ssl_request);
	ck_assert_int_eq(it_raw_byte(&r), 'S');
	SSL *ssl = tls_connect(&r, &ctx);
	tls_send(ssl, ssl_request, sizeof ssl_request);
	long len = tls_message(ssl, buf, sizeof buf);
	ck_assert_int_ge(len, 0);
	ck_assert_int_eq(buf[0], 'E');
	error_fields(buf + 5, len, &code, &message);
	it_check_diag("second SSLRequest", code, message, "08P01", "SSLRequest after the TLS handshake");
	ck_assert_int_eq(tls_message(ssl, buf, sizeof buf), -1);
	free_tls(ssl, ctx);
	it_raw_close(&r);
}
END_TEST

/* GSSENCRequest: 'N'; then SSLRequest: TLS, and a cleartext login and a
 * query inside it. */
START_TEST(test_gssenc_then_tls_login)
{
	struct it_raw r;
	SSL_CTX *ctx;
	uint8_t buf[8192], msg[1024];
	it_raw_open(&r);
	it_raw_send(&r, gssenc_request, sizeof gssenc_request);
	ck_assert_int_eq(it_raw_byte(&r), 'N');
	it_raw_send(&r, ssl_request, sizeof ssl_request);
	ck_assert_int_eq(it_raw_byte(&r), 'S');
	SSL *ssl = tls_connect(&r, &ctx);
	tls_send(ssl, msg, startup(msg, it_env("PGUSER")));
	long len = tls_message(ssl, buf, sizeof buf);
	ck_assert_int_eq(buf[0], 'R');   /* AuthenticationCleartextPassword */
	ck_assert_int_eq(len, 4);
	ck_assert_int_eq(buf[8], 3);
	const char *password = it_env("PGPASSWORD");
	size_t plen = strlen(password) + 1;
	msg[0] = 'p';
	msg[1] = msg[2] = 0;
	msg[3] = (uint8_t)((4 + plen) >> 8);
	msg[4] = (uint8_t)(4 + plen);
	memcpy(msg + 5, password, plen);
	tls_send(ssl, msg, 5 + plen);
	while ((len = tls_message(ssl, buf, sizeof buf)) >= 0 && buf[0] != 'Z')
		ck_assert_msg(buf[0] != 'E', "login over TLS failed");
	ck_assert_int_eq(buf[0], 'Z');
	static const char query[] = "Q\0\0\0\x0eSELECT 42\0";
	tls_send(ssl, query, sizeof query - 1);
	bool saw_row = false;
	/* DataRow: type, length, 1 column, its length 2, then "42". */
	while ((len = tls_message(ssl, buf, sizeof buf)) >= 0 && buf[0] != 'Z')
		saw_row |= buf[0] == 'D' && len == 8 && memcmp(buf + 11, "42", 2) == 0;
	ck_assert(saw_row);
	tls_send(ssl, "X\0\0\0\x04", 5);
	free_tls(ssl, ctx);
	it_raw_close(&r);
}
END_TEST

/* Cert authentication refuses the login: FATAL with the SQLSTATE and
 * text it_tls_cert.sh expects, and nothing after it. */
START_TEST(test_cert_refused)
{
	struct it_raw r;
	SSL_CTX *ctx;
	uint8_t buf[8192], msg[1024];
	const char *code, *message, *cert = it_env("IT_CERT");
	it_raw_open(&r);
	it_raw_send(&r, ssl_request, sizeof ssl_request);
	ck_assert_int_eq(it_raw_byte(&r), 'S');
	SSL *ssl = tls_connect_as(&r, &ctx, cert[0] ? cert : NULL);
	tls_send(ssl, msg, startup(msg, it_env("PGUSER")));
	long len = tls_message(ssl, buf, sizeof buf);
	ck_assert_int_ge(len, 0);
	ck_assert_int_eq(buf[0], 'E');
	error_fields(buf + 5, len, &code, &message);
	it_check_diag("cert login", code, message, it_env("IT_CERT_SQLSTATE"), it_env("IT_CERT_TEXT"));
	ck_assert_int_eq(tls_message(ssl, buf, sizeof buf), -1);
	free_tls(ssl, ctx);
	it_raw_close(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_tls");
	TCase *tc = tcase_create("raw");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plaintext_startup_refused);
	tcase_add_test(tc, test_bytes_after_ssl_request_refused);
	tcase_add_test(tc, test_second_ssl_request);
	tcase_add_test(tc, test_gssenc_then_tls_login);
	suite_add_tcase(s, tc);
	tc = tcase_create("cert");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_cert_refused);
	suite_add_tcase(s, tc);
	return it_run(s);
}
