#!/usr/bin/env bash
# corral's timeouts, measured (it_timeouts.c has the details): each case
# gets a corral of its own with one timeout set to 1 s, on database it_tmo
# (transaction mode, a pool of 2): client_idle_timeout,
# query_timeout, idle_transaction_timeout, server_idle_timeout,
# server_lifetime, and query_timeout set for one user in [users] (a role
# this script creates) while the global setting stays off.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps

db=db:it_tmo='pool_mode=transaction pool_size=2'
it_case "client_idle_timeout closes idle clients only" it_timeouts client_idle \
	"$db" client_idle_timeout=1
it_case "query_timeout ends a long query and its backend's work" it_timeouts query_timeout \
	"$db" query_timeout=1
it_case "idle_transaction_timeout ends an idle transaction" it_timeouts idle_tx \
	"$db" idle_transaction_timeout=1
it_case "server_idle_timeout closes an idle server" it_timeouts server_idle \
	"$db" server_idle_timeout=1
it_case "server_lifetime retires servers" it_timeouts lifetime \
	"$db" server_lifetime=1

export IT_USER=it_tmo_u_$$ IT_PASSWORD=pw$RANDOM$RANDOM
if it_pg_role "$IT_USER" "$IT_PASSWORD"; then
	IT_EXTRA_INI+=('[users]' "$IT_USER = query_timeout=1")
	it_case "[users] query_timeout applies to that user only" it_timeouts user_override "$db"
else
	corral_not_ok "create role $IT_USER for the [users] override"
fi
corral_finish
