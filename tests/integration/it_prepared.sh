#!/usr/bin/env bash
# Named prepared statements in transaction pooling: corral's record of
# what each server has prepared against the server's own
# pg_prepared_statements, after the sequences that could set them apart
# (it_prepared.c), once per configuration: the defaults; a reset query
# that keeps statements (server_reset_query_always with RESET ALL); a
# check query that drops them (server_check_query DISCARD ALL before every
# use).
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps

# it_prepared_case CASE SETTING=VALUE...: corral with those settings, the
# Check case CASE of it_prepared, then corral stopped.
it_prepared_case() {
	local case=$1
	shift
	corral_start db:it_ps='pool_mode=transaction pool_size=2' admin_users="$PGUSER" \
		query_wait_timeout=8 "$@" || exit 1
	corral_check "$case: corral's record matches the servers (it_prepared)" \
		env CK_RUN_CASE="$case" "$CORRAL_TOP_BUILDDIR/tests/integration/it_prepared"
	corral_check "$case: corral exits 0 on SIGTERM, no sanitizer report" corral_stop
}

it_prepared_case queue
it_prepared_case reset server_reset_query_always=1 "server_reset_query=RESET ALL"
it_prepared_case check "server_check_query=DISCARD ALL" server_check_delay=0
corral_finish
