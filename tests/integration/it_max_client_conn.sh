#!/usr/bin/env bash
# max_client_conn (it_max_client_conn.c): one client over the limit gets
# FATAL 53300 "no more connections allowed (max_client_conn)" and is
# closed, the others keep working, and a freed slot can be used again.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_max='pool_mode=transaction pool_size=2' max_client_conn=4 \
	auth_type=plain query_wait_timeout=8 || exit 1
corral_check "one client over max_client_conn is refused (it_max_client_conn)" \
	corral_helper it_max_client_conn
corral_finish
