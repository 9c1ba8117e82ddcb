# protocol/: backend and frontend message readers and builders, and the
# field codec (pg_wire) they share.
protocol_libprotocol_a_SOURCES += \
	protocol/pg_wire.c protocol/pg_wire.h \
	protocol/pg_backend.c protocol/pg_backend.h \
	protocol/pg_frontend.c protocol/pg_frontend.h

check_PROGRAMS += tests/unit/check_pg_backend tests/unit/check_pg_frontend
TESTS += tests/unit/check_pg_backend tests/unit/check_pg_frontend
tests_unit_check_pg_backend_SOURCES = tests/unit/check_pg_backend.c tests/unit/msg_test.h
tests_unit_check_pg_backend_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_backend_LDADD = $(UNIT_LDADD)
tests_unit_check_pg_frontend_SOURCES = tests/unit/check_pg_frontend.c tests/unit/msg_test.h
tests_unit_check_pg_frontend_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pg_frontend_LDADD = $(UNIT_LDADD)
