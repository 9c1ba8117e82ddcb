# pooler/: the admin console (database "corral" or "pgbouncer": SHOW and the
# control commands), its statistics timer, and the tests that drive it.
pooler_libpooler_a_SOURCES += \
	pooler/admin.c pooler/admin.h pooler/admin_priv.h \
	pooler/admin_parse.c pooler/admin_parse.h \
	pooler/admin_result.c \
	pooler/admin_show.c \
	pooler/admin_sockets.c \
	pooler/admin_stats.c \
	pooler/admin_cmd.c

ADMIN_CHECKS = tests/unit/check_admin_parse tests/unit/check_admin_result
check_PROGRAMS += $(ADMIN_CHECKS)
TESTS += $(ADMIN_CHECKS)
tests_unit_check_admin_parse_SOURCES = tests/unit/check_admin_parse.c
tests_unit_check_admin_parse_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_admin_parse_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_admin_result_SOURCES = tests/unit/check_admin_result.c
tests_unit_check_admin_result_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_admin_result_LDADD = $(POOLER_TEST_LIBS)

# Integration: tests/harness/corral.sh starts corral; the scripts drive the
# console with psql and these libpq programs.
check_PROGRAMS += tests/integration/it_admin_cols tests/integration/it_admin
tests_integration_it_admin_cols_SOURCES = tests/integration/it_admin_cols.c
tests_integration_it_admin_cols_CFLAGS = $(IT_CFLAGS)
tests_integration_it_admin_cols_LDADD = $(IT_LDADD)
tests_integration_it_admin_SOURCES = tests/integration/it_admin.c
tests_integration_it_admin_CFLAGS = $(IT_CFLAGS)
tests_integration_it_admin_LDADD = $(IT_LDADD)

IT_ADMIN_TESTS = \
	tests/integration/it_admin_control.sh \
	tests/integration/it_admin_reload.sh \
	tests/integration/it_admin_show.sh
TESTS += $(IT_ADMIN_TESTS)
EXTRA_DIST += $(IT_ADMIN_TESTS) docs/admin.md
