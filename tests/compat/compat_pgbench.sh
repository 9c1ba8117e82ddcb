#!/usr/bin/env bash
# pgbench through corral, in transaction pooling on a pool of 2 and in
# session pooling, 20 clients: -S with -M simple, extended and prepared;
# a script in which every transaction checks that the answer is its own
# (its client id and a random number, read back with \gset: a client that
# got another's answer aborts on a division by zero), in the three query
# modes; TPC-B with -M simple and extended on 2 threads, and -M prepared
# with one thread per client. Each run must exit 0 with every transaction
# processed and none failed.
# Why one thread per client for TPC-B -M prepared: pgbench 15 prepares a
# client's statements with a synchronous PQprepare on the client's first
# transaction, inside the thread that also runs its other clients. With a
# transaction pool smaller than the number of clients, the thread can
# block in PQprepare while another of its clients holds a server in an
# open transaction (BEGIN sent, the next statement waiting for the
# thread): when every server is held that way, nothing moves until
# query_wait_timeout. Any transaction pooler does this; -S (no transaction
# block) or a thread per client cannot (docs/compatibility.md).
set -uo pipefail
# shellcheck source=tests/compat/compat_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/compat/compat_lib.sh"
compat_init pgbench || exit 1
per_client=50
if ! timeout -k 5 120 pgbench -i -q -s 1 "$COMPAT_PGDB" >"$CORRAL_DIR/init.log" 2>&1; then
	cat "$CORRAL_DIR/init.log" >&2
	exit 1
fi
own=$CORRAL_DIR/own-results.sql
cat >"$own" <<-'EOF'
	\set r random(1, 1000000000)
	SELECT :client_id AS cid, :r AS v, abalance AS b FROM pgbench_accounts WHERE aid = 1 + :r % 100000 \gset
	\if :cid <> :client_id or :v <> :r
	\set wrong 1 / 0
	\endif
EOF

# run NAME DB PGBENCH_ARGS...: one pgbench run of COMPAT_CLIENTS clients,
# per_client transactions each, through corral database DB; one result.
run() {
	local name=$1 db=$2 out rc total=$((COMPAT_CLIENTS * per_client))
	shift 2
	out=$(timeout -k 5 "$COMPAT_DRIVER_SECONDS" pgbench -n -c "$COMPAT_CLIENTS" -t "$per_client" \
		"$@" -h "$CORRAL_HOST" -p "$CORRAL_PORT" "$db" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] &&
		grep -qxF "number of transactions actually processed: $total/$total" <<<"$out" &&
		grep -qE '^number of failed transactions: 0 ' <<<"$out"; then
		corral_ok "$name"
	else
		corral_not_ok "$name (pgbench status $rc)"
		grep -vE '^(pgbench|transaction type|scaling|query mode|number of|latency|initial|tps|maximum)' <<<"$out" |
			head -n 20 | sed 's/^/#   /'
	fi
}

for mode in "${COMPAT_MODES[@]}"; do
	db=$(compat_db "$mode")
	for qm in simple extended prepared; do
		run "$mode: pgbench -S -M $qm, 2 threads" "$db" -S -M "$qm" -j 2
		run "$mode: pgbench -M $qm, each client checks its answers" "$db" -f "$own" -M "$qm" -j 2
	done
	before=$(corral_pg_psql -d "$COMPAT_PGDB" -c 'SELECT count(*) FROM pgbench_history')
	run "$mode: pgbench TPC-B -M simple, 2 threads" "$db" -M simple -j 2
	run "$mode: pgbench TPC-B -M extended, 2 threads" "$db" -M extended -j 2
	run "$mode: pgbench TPC-B -M prepared, a thread per client" "$db" -M prepared -j "$COMPAT_CLIENTS"
	corral_expect "$mode: one pgbench_history row per TPC-B transaction" \
		$((before + 3 * COMPAT_CLIENTS * per_client)) \
		"$(corral_pg_psql -d "$COMPAT_PGDB" -c 'SELECT count(*) FROM pgbench_history')"
done
corral_finish
