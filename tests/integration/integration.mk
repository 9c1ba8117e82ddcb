# tests/integration/: tests against the harness PostgreSQL (see tests/harness).
check_PROGRAMS += tests/integration/it_scram_login
TESTS += tests/integration/it_scram_login
tests_integration_it_scram_login_SOURCES = tests/integration/it_scram_login.c
tests_integration_it_scram_login_CFLAGS = $(UNIT_CFLAGS)
tests_integration_it_scram_login_LDADD = $(UNIT_LDADD)

TESTS += tests/integration/it_cli.sh
EXTRA_DIST += tests/integration/it_cli.sh
