# protocol/: framing, startup packets, message readers and builders.
protocol_libprotocol_a_SOURCES += \
	protocol/pg_reader.c protocol/pg_reader.h \
	protocol/pg_buf.c protocol/pg_buf.h protocol/pg_frame.h \
	protocol/pg_frame.c protocol/pg_startup.c protocol/pg_startup.h

check_PROGRAMS += tests/unit/check_pg_frame tests/unit/check_pg_startup
TESTS += tests/unit/check_pg_frame tests/unit/check_pg_startup
tests_unit_check_pg_frame_SOURCES = tests/unit/check_pg_frame.c
tests_unit_check_pg_frame_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_frame_LDADD = $(UNIT_LDADD)
tests_unit_check_pg_startup_SOURCES = tests/unit/check_pg_startup.c
tests_unit_check_pg_startup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_startup_LDADD = $(UNIT_LDADD)
