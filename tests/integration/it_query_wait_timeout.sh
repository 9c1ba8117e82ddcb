#!/usr/bin/env bash
# query_wait_timeout bounds the queue (it_query_wait_timeout.c): with the
# only server of a pool held by pg_sleep, queued clients get FATAL
# "query_wait_timeout" (08P01) within the timeout + 100 ms of their own
# query and are closed; a client whose wait ends in time is served.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_wait='pool_mode=transaction pool_size=1' query_wait_timeout=1 || exit 1
corral_check "queued clients time out on time, in-time ones are served (it_query_wait_timeout)" \
	corral_helper it_query_wait_timeout
corral_finish
