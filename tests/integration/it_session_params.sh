#!/usr/bin/env bash
# Session parameters survive server switches (it_session_params.c): two
# clients with different TimeZone, DateStyle, IntervalStyle,
# standard_conforming_strings, application_name and client_encoding
# interleaved on a pool of 1 in transaction mode each always see their own.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_sp1='pool_mode=transaction pool_size=1' query_wait_timeout=8 || exit 1
corral_check "session parameters follow each client on a shared server (it_session_params)" \
	corral_helper it_session_params
corral_finish
