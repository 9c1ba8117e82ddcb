#!/usr/bin/env bash
# Pipelined extended-protocol queries through corral in transaction mode
# (it_pipeline.c): hundreds in flight from two clients with results
# matched, an error aborting only its Sync segment, Flush without Sync
# keeping the server, Parse/Describe/Execute of an unnamed statement.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_pipe='pool_mode=transaction pool_size=2' \
	db:it_pipe1='pool_mode=transaction pool_size=1' query_wait_timeout=8 || exit 1
corral_check "pipelined extended queries (it_pipeline)" corral_helper it_pipeline
corral_finish
