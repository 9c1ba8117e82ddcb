# protocol/: md5 and SCRAM-SHA-256, both sides.
protocol_libprotocol_a_SOURCES += \
	protocol/pg_base64.c protocol/pg_base64.h \
	protocol/pg_md5.c protocol/pg_md5.h \
	protocol/pg_secret.c protocol/pg_secret.h \
	protocol/pg_scram.c protocol/pg_scram.h \
	protocol/pg_scram_msg.c protocol/pg_scram_msg.h \
	protocol/pg_scram_server.c protocol/pg_scram_client.c

AUTH_CHECKS = tests/unit/check_pg_base64 tests/unit/check_pg_md5 \
	tests/unit/check_pg_secret tests/unit/check_pg_scram
check_PROGRAMS += $(AUTH_CHECKS)
TESTS += $(AUTH_CHECKS)
tests_unit_check_pg_base64_SOURCES = tests/unit/check_pg_base64.c
tests_unit_check_pg_base64_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_base64_LDADD = $(UNIT_LDADD)
tests_unit_check_pg_md5_SOURCES = tests/unit/check_pg_md5.c
tests_unit_check_pg_md5_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_md5_LDADD = $(UNIT_LDADD)
tests_unit_check_pg_secret_SOURCES = tests/unit/check_pg_secret.c
tests_unit_check_pg_secret_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_secret_LDADD = $(UNIT_LDADD)
tests_unit_check_pg_scram_SOURCES = tests/unit/check_pg_scram.c
tests_unit_check_pg_scram_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_scram_LDADD = $(UNIT_LDADD)
