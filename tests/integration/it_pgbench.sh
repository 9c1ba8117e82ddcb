#!/usr/bin/env bash
# pgbench through corral in transaction mode: 200 clients on a pool of 10,
# 20 TPC-B-like transactions each, with -M simple and then -M extended.
# Each run must report every transaction processed (4000/4000) and
# "number of failed transactions: 0", and PostgreSQL must hold exactly
# one pgbench_history row per transaction of both runs. pgbench -i runs
# straight against PostgreSQL, in a database of this test's own.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
clients=200
per_client=20
db=it_pgbench_$$
if ! corral_pg_psql -c "CREATE DATABASE $db"; then
	echo "cannot create database $db" >&2
	exit 1
fi
drop_db() {
	corral_pg_psql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}
if ! timeout -k 5 120 pgbench -i -q -s 1 "$db" >"${TMPDIR:-/tmp}/$db.init.log" 2>&1; then
	cat "${TMPDIR:-/tmp}/$db.init.log" >&2
	drop_db
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/$db.init.log"
corral_start db:it_pgbench="dbname=$db pool_mode=transaction pool_size=10" \
	max_client_conn=$((clients + 50)) query_wait_timeout=60 || { drop_db; exit 1; }

# run_pgbench MODE: one run through corral; its report is printed.
run_pgbench() {
	local mode=$1 out
	out=$(timeout -k 5 180 pgbench -n -M "$mode" -c "$clients" -j 2 -t "$per_client" \
		-h "$CORRAL_HOST" -p "$CORRAL_PORT" it_pgbench 2>&1)
	corral_check "pgbench -M $mode exits 0" test $? -eq 0
	awk '{ print "# " $0 }' <<<"$out"
	corral_check "pgbench -M $mode processed every transaction" \
		grep -qE "^number of transactions actually processed: $((clients * per_client))/$((clients * per_client))$" <<<"$out"
	corral_check "pgbench -M $mode: no failed transactions" \
		grep -qE '^number of failed transactions: 0 ' <<<"$out"
}

run_pgbench simple
run_pgbench extended
corral_expect "PostgreSQL has one history row per transaction" $((2 * clients * per_client)) \
	"$(corral_pg_psql -d "$db" -c 'SELECT count(*) FROM pgbench_history')"
corral_finish
rc=$?
drop_db
exit $rc
