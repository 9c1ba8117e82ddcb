#!/usr/bin/env bash
# Cancel through corral (it_cancel.c): PQcancel of pg_sleep(30) returns
# and takes effect within 1 s without touching another client's query;
# wrong keys reach nobody; a cancel for an idle client is dropped.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_cancel='pool_mode=transaction pool_size=2' query_wait_timeout=8 || exit 1
corral_check "cancel hits only its own query, promptly (it_cancel)" corral_helper it_cancel
corral_finish
