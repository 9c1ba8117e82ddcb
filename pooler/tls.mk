# pooler/: TLS on both sides (OpenSSL contexts from the client_tls_* and
# server_tls_* settings, per-connection SSL objects, non-blocking handshake
# and I/O), its Check suite, and the integration test against a real
# PostgreSQL with ssl=on. tests/harness/tls_certs.sh makes the certificates.
pooler_libpooler_a_SOURCES += pooler/tls.c pooler/tls.h

check_PROGRAMS += tests/unit/check_tls
TESTS += tests/unit/check_tls
tests_unit_check_tls_SOURCES = tests/unit/check_tls.c tests/unit/loop_test.h tests/unit/tls_test.h
tests_unit_check_tls_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTLS_CERTS_SCRIPT='"$(abs_top_srcdir)/tests/harness/tls_certs.sh"'
tests_unit_check_tls_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_tls_LDADD = $(POOLER_TEST_LIBS)

EXTRA_DIST += tests/harness/tls_certs.sh

check_PROGRAMS += tests/unit/check_stream_tls
TESTS += tests/unit/check_stream_tls
tests_unit_check_stream_tls_SOURCES = tests/unit/check_stream_tls.c tests/unit/loop_test.h \
	tests/unit/tls_test.h
tests_unit_check_stream_tls_CPPFLAGS = $(tests_unit_check_tls_CPPFLAGS)
tests_unit_check_stream_tls_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_stream_tls_LDADD = $(POOLER_TEST_LIBS)

# tests/integration/it_tls.sh starts its own PostgreSQL (ssl=on, its own
# certificates); it_tls is its raw-protocol helper.
check_PROGRAMS += tests/integration/it_tls
tests_integration_it_tls_SOURCES = tests/integration/it_tls.c
tests_integration_it_tls_CFLAGS = $(IT_CFLAGS)
tests_integration_it_tls_LDADD = $(IT_LDADD)
TESTS += tests/integration/it_tls.sh
EXTRA_DIST += tests/integration/it_tls.sh
# it_tls_cert.sh: cert authentication in front of the harness PostgreSQL
# (it_tls's "cert" case reads the SQLSTATE of a refusal).
TESTS += tests/integration/it_tls_cert.sh
EXTRA_DIST += tests/integration/it_tls_cert.sh
