# pooler/: TLS on both sides (OpenSSL contexts from the client_tls_* and
# server_tls_* settings, per-connection SSL objects, non-blocking handshake
# and I/O), its Check suite, and the integration test against a real
# PostgreSQL with ssl=on. tests/harness/tls_certs.sh makes the certificates.
pooler_libpooler_a_SOURCES += pooler/tls.c pooler/tls.h

check_PROGRAMS += tests/unit/check_tls
TESTS += tests/unit/check_tls
tests_unit_check_tls_SOURCES = tests/unit/check_tls.c tests/unit/loop_test.h
tests_unit_check_tls_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTLS_CERTS_SCRIPT='"$(abs_top_srcdir)/tests/harness/tls_certs.sh"'
tests_unit_check_tls_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_tls_LDADD = $(POOLER_TEST_LIBS)

EXTRA_DIST += tests/harness/tls_certs.sh
