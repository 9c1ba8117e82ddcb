# pooler/: the admin console (database "corral" or "pgbouncer": SHOW and the
# control commands), its statistics timer, and the tests that drive it.
pooler_libpooler_a_SOURCES += \
	pooler/admin_parse.c pooler/admin_parse.h

ADMIN_CHECKS = tests/unit/check_admin_parse
check_PROGRAMS += $(ADMIN_CHECKS)
TESTS += $(ADMIN_CHECKS)
tests_unit_check_admin_parse_SOURCES = tests/unit/check_admin_parse.c
tests_unit_check_admin_parse_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_admin_parse_LDADD = $(POOLER_TEST_LIBS)
