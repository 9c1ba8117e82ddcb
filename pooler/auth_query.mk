# pooler/: auth_query lookups (auth_user) for logins missing from auth_file.
pooler_libpooler_a_SOURCES += pooler/auth_query.c pooler/auth_query.h

check_PROGRAMS += tests/unit/check_auth_query
TESTS += tests/unit/check_auth_query
tests_unit_check_auth_query_SOURCES = tests/unit/check_auth_query.c
tests_unit_check_auth_query_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_auth_query_LDADD = $(POOLER_TEST_LIBS)

# tests/integration/it_auth.sh: auth_type hba and auth_query against the
# harness PostgreSQL; it_auth reads the SQLSTATE of refused raw logins.
check_PROGRAMS += tests/integration/it_auth
tests_integration_it_auth_SOURCES = tests/integration/it_auth.c
tests_integration_it_auth_CFLAGS = $(IT_CFLAGS)
tests_integration_it_auth_LDADD = $(IT_LDADD)
TESTS += tests/integration/it_auth.sh
EXTRA_DIST += tests/integration/it_auth.sh
