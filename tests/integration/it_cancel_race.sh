#!/usr/bin/env bash
# A late cancel must not hit another query (it_cancel_race.c): in
# transaction mode on a pool of 1, a cancel sent as the client's
# transaction ends never fails the next client's query, over many rounds;
# a cancel of a running pg_sleep still lands within 1 s; in session mode
# the cancel connection closes only once PostgreSQL has acted; clients
# leaving while their cancel is in flight leave corral serving.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
# tcp_defer_accept off: the cancel connection is accepted before its 16
# bytes are sent, so corral routes them at once, inside the race window.
corral_start db:it_race='pool_mode=transaction pool_size=1' \
	db:it_race_session='pool_mode=session pool_size=1' auth_type=plain tcp_defer_accept=0 \
	query_wait_timeout=20 || exit 1
corral_check "a late cancel spares the next query (it_cancel_race)" corral_helper it_cancel_race
corral_finish
