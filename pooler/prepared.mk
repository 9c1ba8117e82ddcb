# pooler/: named prepared statements in transaction pooling (issue 5), the
# I/O-free part: registry, client maps, server sets, the reply queue,
# message rewriting and DEALLOCATE recognition.
pooler_libpooler_a_SOURCES += \
	pooler/prepared.c pooler/prepared.h \
	pooler/ps_client.c pooler/ps_client.h \
	pooler/ps_queue.c pooler/ps_queue.h \
	pooler/ps_registry.c pooler/ps_registry.h \
	pooler/ps_server.c pooler/ps_server.h \
	pooler/ps_sql.c pooler/ps_sql.h \
	pooler/ps_table.c pooler/ps_table.h \
	pooler/ps_wire.c pooler/ps_wire.h

PREPARED_CHECKS = tests/unit/check_prepared tests/unit/check_prepared_queue \
	tests/unit/check_prepared_store tests/unit/check_prepared_wire
check_PROGRAMS += $(PREPARED_CHECKS)
TESTS += $(PREPARED_CHECKS)
tests_unit_check_prepared_SOURCES = tests/unit/check_prepared.c tests/unit/ps_test.h
tests_unit_check_prepared_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_prepared_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_prepared_queue_SOURCES = tests/unit/check_prepared_queue.c tests/unit/ps_test.h
tests_unit_check_prepared_queue_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_prepared_queue_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_prepared_store_SOURCES = tests/unit/check_prepared_store.c
tests_unit_check_prepared_store_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_prepared_store_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_prepared_wire_SOURCES = tests/unit/check_prepared_wire.c
tests_unit_check_prepared_wire_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_prepared_wire_LDADD = $(POOLER_TEST_LIBS)

# Against the harness PostgreSQL: corral's record of each server's
# statements checked against pg_prepared_statements.
check_PROGRAMS += tests/integration/it_prepared
tests_integration_it_prepared_SOURCES = tests/integration/it_prepared.c
tests_integration_it_prepared_CFLAGS = $(IT_CFLAGS)
tests_integration_it_prepared_LDADD = $(IT_LDADD)
TESTS += tests/integration/it_prepared.sh
EXTRA_DIST += tests/integration/it_prepared.sh
