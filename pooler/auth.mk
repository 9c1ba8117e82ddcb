# pooler/: client authentication (client_auth) and its SCRAM key cache.
pooler_libpooler_a_SOURCES += \
	pooler/client_auth.c pooler/client_auth.h \
	pooler/scram_cache.c pooler/scram_cache.h

POOLER_AUTH_CHECKS = tests/unit/check_client_auth tests/unit/check_scram_cache
check_PROGRAMS += $(POOLER_AUTH_CHECKS)
TESTS += $(POOLER_AUTH_CHECKS)
tests_unit_check_client_auth_SOURCES = tests/unit/check_client_auth.c
tests_unit_check_client_auth_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_client_auth_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_scram_cache_SOURCES = tests/unit/check_scram_cache.c
tests_unit_check_scram_cache_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_scram_cache_LDADD = $(POOLER_TEST_LIBS)
