# tests/integration/pooler_tests.mk: the pooler's integration tests (issue
# 3). Each it_<name>.sh starts a real corral (tests/harness/corral.sh) in
# front of the harness PostgreSQL and drives it with psql, pgbench and the
# libpq programs below, which `make check` builds but only the scripts run.
check_LIBRARIES = tests/integration/libit.a
tests_integration_libit_a_SOURCES = \
	tests/integration/it_util.c tests/integration/it_util.h \
	tests/integration/it_pq.c tests/integration/it_pq.h \
	tests/integration/it_raw.c tests/integration/it_raw.h
tests_integration_libit_a_CFLAGS = $(IT_CFLAGS)

IT_CFLAGS = $(UNIT_CFLAGS) $(LIBPQ_CFLAGS)
IT_LDADD = tests/integration/libit.a $(UNIT_LDADD) $(LIBPQ_LIBS)

check_PROGRAMS += tests/integration/it_client
tests_integration_it_client_SOURCES = tests/integration/it_client.c
tests_integration_it_client_CFLAGS = $(IT_CFLAGS)
tests_integration_it_client_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_pool_modes
tests_integration_it_pool_modes_SOURCES = tests/integration/it_pool_modes.c
tests_integration_it_pool_modes_CFLAGS = $(IT_CFLAGS)
tests_integration_it_pool_modes_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_many_clients
tests_integration_it_many_clients_SOURCES = tests/integration/it_many_clients.c
tests_integration_it_many_clients_CFLAGS = $(IT_CFLAGS)
tests_integration_it_many_clients_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_pipeline
tests_integration_it_pipeline_SOURCES = tests/integration/it_pipeline.c
tests_integration_it_pipeline_CFLAGS = $(IT_CFLAGS)
tests_integration_it_pipeline_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_session_params
tests_integration_it_session_params_SOURCES = tests/integration/it_session_params.c
tests_integration_it_session_params_CFLAGS = $(IT_CFLAGS)
tests_integration_it_session_params_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_query_wait_timeout
tests_integration_it_query_wait_timeout_SOURCES = tests/integration/it_query_wait_timeout.c
tests_integration_it_query_wait_timeout_CFLAGS = $(IT_CFLAGS)
tests_integration_it_query_wait_timeout_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_cancel
tests_integration_it_cancel_SOURCES = tests/integration/it_cancel.c
tests_integration_it_cancel_CFLAGS = $(IT_CFLAGS)
tests_integration_it_cancel_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_cancel_race
tests_integration_it_cancel_race_SOURCES = tests/integration/it_cancel_race.c
tests_integration_it_cancel_race_CFLAGS = $(IT_CFLAGS)
tests_integration_it_cancel_race_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_bad_input
tests_integration_it_bad_input_SOURCES = tests/integration/it_bad_input.c
tests_integration_it_bad_input_CFLAGS = $(IT_CFLAGS)
tests_integration_it_bad_input_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_max_client_conn
tests_integration_it_max_client_conn_SOURCES = tests/integration/it_max_client_conn.c
tests_integration_it_max_client_conn_CFLAGS = $(IT_CFLAGS)
tests_integration_it_max_client_conn_LDADD = $(IT_LDADD)

# Longest first, so make -j2 check ends sooner; they share the harness
# PostgreSQL (it_server_death restarts a cluster of its own).
IT_POOLER_TESTS = \
	tests/integration/it_pgbench.sh \
	tests/integration/it_autodb.sh \
	tests/integration/it_bad_input.sh \
	tests/integration/it_server_death.sh \
	tests/integration/it_dirty_server.sh \
	tests/integration/it_copy.sh \
	tests/integration/it_pool_modes.sh \
	tests/integration/it_cancel.sh \
	tests/integration/it_cancel_race.sh \
	tests/integration/it_query_wait_timeout.sh \
	tests/integration/it_many_clients.sh \
	tests/integration/it_max_client_conn.sh \
	tests/integration/it_pipeline.sh \
	tests/integration/it_session_params.sh
TESTS += $(IT_POOLER_TESTS)
EXTRA_DIST += $(IT_POOLER_TESTS) tests/harness/corral.sh

# Timeouts, server limits, server login failures and the process itself:
# each script starts one corral per case (it_extra.sh: more auth_file
# users, a [users] section, throwaway roles and databases); the programs
# watch PostgreSQL through pg_stat_activity (it_pgstat).
tests_integration_libit_a_SOURCES += \
	tests/integration/it_pgstat.c tests/integration/it_pgstat.h

check_PROGRAMS += tests/integration/it_timeouts
tests_integration_it_timeouts_SOURCES = tests/integration/it_timeouts.c
tests_integration_it_timeouts_CFLAGS = $(IT_CFLAGS)
tests_integration_it_timeouts_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_server_limits
tests_integration_it_server_limits_SOURCES = tests/integration/it_server_limits.c
tests_integration_it_server_limits_CFLAGS = $(IT_CFLAGS)
tests_integration_it_server_limits_LDADD = $(IT_LDADD)

check_PROGRAMS += tests/integration/it_login_retry
tests_integration_it_login_retry_SOURCES = tests/integration/it_login_retry.c
tests_integration_it_login_retry_CFLAGS = $(IT_CFLAGS)
tests_integration_it_login_retry_LDADD = $(IT_LDADD)

IT_LIMIT_TESTS = \
	tests/integration/it_timeouts.sh \
	tests/integration/it_server_limits.sh \
	tests/integration/it_login_retry.sh \
	tests/integration/it_server_out_of_step.sh \
	tests/integration/it_process.sh
TESTS += $(IT_LIMIT_TESTS)
EXTRA_DIST += $(IT_LIMIT_TESTS) tests/integration/it_extra.sh

# Which idle server a pool hands out (LIFO, server_round_robin), and
# server_check_query/server_check_delay and server_reset_query_always on
# the way (it_client only).
TESTS += tests/integration/it_pool_order.sh
EXTRA_DIST += tests/integration/it_pool_order.sh
