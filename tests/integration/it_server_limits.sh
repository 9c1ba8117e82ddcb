#!/usr/bin/env bash
# Server connection limits, watched in pg_stat_activity
# (it_server_limits.c has the details): max_db_connections over two pools
# of one database, max_user_connections over two databases,
# min_pool_size kept open, and the reserve pool after
# reserve_pool_timeout. A role and two databases of this script's own
# keep other tests' backends out of the counts; each case gets a corral
# of its own.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps

export IT_USER=it_lim_u_$$ IT_PASSWORD=pw$RANDOM$RANDOM
export IT_DB_A=it_lim_a_$$ IT_DB_B=it_lim_b_$$
if ! { it_pg_role "$IT_USER" "$IT_PASSWORD" && it_pg_database "$IT_DB_A" &&
	it_pg_database "$IT_DB_B"; }; then
	corral_not_ok "create role $IT_USER and databases $IT_DB_A, $IT_DB_B"
	corral_finish
	exit 1
fi

tx='pool_mode=transaction'
it_case "max_db_connections bounds two pools of one database" it_server_limits max_db \
	db:it_lim_db="dbname=$IT_DB_A $tx pool_size=5 max_db_connections=2"
it_case "max_user_connections bounds one user over two databases" it_server_limits max_user \
	db:it_lim_a="dbname=$IT_DB_A $tx pool_size=5" \
	db:it_lim_b="dbname=$IT_DB_B $tx pool_size=5" max_user_connections=2
it_case "min_pool_size servers open at the first login and stay" it_server_limits min_pool \
	db:it_lim_min="dbname=$IT_DB_B $tx pool_size=5 min_pool_size=3"
it_case "the reserve pool serves clients waiting longer than reserve_pool_timeout" \
	it_server_limits reserve \
	db:it_lim_res="dbname=$IT_DB_A $tx pool_size=1 reserve_pool_size=2" \
	reserve_pool_timeout=0.5
corral_finish
