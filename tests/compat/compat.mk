# tests/compat/: the client compatibility matrix (issue 5; docs/compatibility.md).
# Real drivers through a real corral in front of the harness PostgreSQL,
# each suite in transaction pooling (pool of 2) and session pooling, 20
# clients at once: psql, pgbench, libpq (compat_libpq, a Check program),
# psycopg2 and psycopg 3 (Debian's python3-psycopg*, run with
# /usr/bin/python3) and node-postgres (npm's pg, installed into
# tests/compat/node from its package-lock.json when missing).
COMPAT_TESTS = \
	tests/compat/compat_libpq.sh \
	tests/compat/compat_node.sh \
	tests/compat/compat_pgbench.sh \
	tests/compat/compat_psql.sh \
	tests/compat/compat_python.sh

TESTS += $(COMPAT_TESTS)
EXTRA_DIST += $(COMPAT_TESTS) \
	tests/compat/compat_lib.sh tests/compat/compat_python.py \
	tests/compat/node/compat_node.js tests/compat/node/package.json \
	tests/compat/node/package-lock.json

check_PROGRAMS += tests/compat/compat_libpq
tests_compat_compat_libpq_SOURCES = tests/compat/compat_libpq.c
tests_compat_compat_libpq_CFLAGS = $(IT_CFLAGS) -pthread
tests_compat_compat_libpq_LDADD = $(IT_LDADD) -lpthread
