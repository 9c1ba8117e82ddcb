#!/usr/bin/env bash
# bench/throughput.sh — TPS, average and p99 latency of pgbench -S through
# corral and through PgBouncer, -M simple and -M extended, at 10, 100 and
# 1,000 clients on a pool of 20 in transaction mode. Each point runs 4
# times per pooler, interleaved A B B A A B B A; the section reports the
# medians, their ratio and the run-to-run spread, and leaves
# throughput.dat for the TPS and p99 plots. p99 comes from pgbench's
# per-transaction log (--log). Options: see bench/lib.sh (--smoke, --out).
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init throughput "$@" || exit 1

if [ "$BENCH_SMOKE" -eq 1 ]; then
	client_counts=(2 4)
	reps=1
	length=(-t 50)
	warmup=(-t 10)
else
	client_counts=(10 100 1000)
	reps=4
	length=(-T 10)
	warmup=(-T 5)
fi
modes=(simple extended)

# run_one POOLER MODE CLIENTS: one pgbench run; records tps, avg and p99.
run_one() {
	local pooler=$1 mode=$2 clients=$3 prefix=$BENCH_DIR/txlog-$1 out key
	rm -f "$prefix".*
	out=$(bench_pgbench "$pooler" -S -M "$mode" -c "$clients" -j 2 "${length[@]}" \
		-l --log-prefix="$prefix") || return 1
	key=$mode/$clients
	bench_record "tps/$key" "$pooler" "$(awk '/^tps = / { print $3; exit }' <<<"$out")"
	bench_record "avg/$key" "$pooler" "$(awk '/^latency average = / { print $4 }' <<<"$out")"
	bench_record "p99/$key" "$pooler" "$(awk -v us="$(bench_percentile 99 "$prefix".*)" 'BEGIN { print us / 1000 }')"
	rm -f "$prefix".*
	bench_log "$pooler -M $mode -c $clients: $(awk '/^tps = / { print $3; exit }' <<<"$out") TPS"
}

for pooler in "${BENCH_POOLERS[@]}"; do
	bench_start_pooler "$pooler" && bench_fill_pool "$pooler" || exit 1
	bench_pgbench "$pooler" -S -c 20 -j 2 "${warmup[@]}" >/dev/null || exit 1
done
for clients in "${client_counts[@]}"; do
	for mode in "${modes[@]}"; do
		for rep in $(seq 0 $((reps - 1))); do
			for pooler in $(bench_order "$rep"); do
				run_one "$pooler" "$mode" "$clients" || exit 1
			done
		done
	done
done

bench_summarize
# pair KIND KEY DECIMALS: "corral / PgBouncer" medians of one figure.
pair() {
	echo "$(bench_fmt "$(bench_med "$1/$2" corral)" "$3") / $(bench_fmt "$(bench_med "$1/$2" pgbouncer)" "$3")"
}

bench_md "## Throughput: pgbench -S" "" \
	"pgbench -S (one primary-key SELECT per transaction), -j 2, ${length[*]} per run," \
	"through each pooler: pool of $BENCH_POOL servers, transaction mode, md5." \
	"$reps runs per pooler and point, interleaved A B B A; the figures are" \
	"medians. Spread: half the range of the runs, as a percentage of the median." \
	"p99: nearest-rank 99th percentile of every transaction's latency (pgbench --log)." \
	"Ratios are corral / PgBouncer: above 1 is better for TPS, below 1 for latency." "" \
	"| mode | clients | TPS corral | TPS PgBouncer | TPS ratio | TPS spread corral / PgBouncer | avg ms corral / PgBouncer | p99 ms corral / PgBouncer | p99 ratio |" \
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|"
data=$BENCH_DIR/throughput.dat
echo "# clients tps_corral_simple tps_pgbouncer_simple tps_corral_extended tps_pgbouncer_extended p99_corral_simple p99_pgbouncer_simple p99_corral_extended p99_pgbouncer_extended" >"$data"
for clients in "${client_counts[@]}"; do
	row=("$clients")
	for kind in tps p99; do
		for mode in "${modes[@]}"; do
			row+=("$(bench_med "$kind/$mode/$clients" corral)" "$(bench_med "$kind/$mode/$clients" pgbouncer)")
		done
	done
	echo "${row[*]}" >>"$data"
	for mode in "${modes[@]}"; do
		key=$mode/$clients
		tc=$(bench_med "tps/$key" corral)
		tp=$(bench_med "tps/$key" pgbouncer)
		bench_md "| $mode | $clients | $(bench_fmt "$tc" 0) | $(bench_fmt "$tp" 0) | $(bench_ratio "$tc" "$tp") | $(bench_spread "tps/$key" corral) / $(bench_spread "tps/$key" pgbouncer) | $(pair avg "$key" 3) | $(pair p99 "$key" 3) | $(bench_ratio "$(bench_med "p99/$key" corral)" "$(bench_med "p99/$key" pgbouncer)") |"
	done
done
bench_md ""
bench_data_file "$data"
bench_finish
