#!/usr/bin/env bash
# bench/overhead.sh — the latency a pooler adds to a lone client: pgbench
# -S with 1 client, -M simple and -M extended, straight to PostgreSQL and
# through each pooler (pool of 20, transaction mode, md5), 4 runs per
# target interleaved (direct corral PgBouncer, then reversed). Reports the
# medians of the average, p50 and p99 latency (pgbench --log) and what
# each pooler adds to the direct figure.
# Options: see bench/lib.sh (--smoke, --out).
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init overhead "$@" || exit 1

modes=(simple extended)
targets=(direct "${BENCH_POOLERS[@]}")
if [ "$BENCH_SMOKE" -eq 1 ]; then
	reps=1
	length=(-t 50)
	warmup=(-t 10)
else
	reps=4
	length=(-T 5)
	warmup=(-t 500)
fi

# run_one TARGET MODE: records the average, p50 and p99 latency in µs.
run_one() {
	local target=$1 mode=$2 prefix=$BENCH_DIR/txlog-$1 out
	rm -f "$prefix".*
	out=$(bench_pgbench "$target" -S -M "$mode" -c 1 -j 1 "${length[@]}" \
		-l --log-prefix="$prefix") || return 1
	bench_record "avg/$mode" "$target" "$(awk '/^latency average = / { print $4 * 1000 }' <<<"$out")"
	bench_record "p50/$mode" "$target" "$(bench_percentile 50 "$prefix".*)"
	bench_record "p99/$mode" "$target" "$(bench_percentile 99 "$prefix".*)"
	rm -f "$prefix".*
}

for pooler in "${BENCH_POOLERS[@]}"; do
	bench_start_pooler "$pooler" && bench_fill_pool "$pooler" || exit 1
done
for target in "${targets[@]}"; do
	bench_pgbench "$target" -S -c 1 -j 1 "${warmup[@]}" >/dev/null || exit 1
done
for mode in "${modes[@]}"; do
	for rep in $(seq 0 $((reps - 1))); do
		for target in $(bench_order "$rep" "${targets[@]}"); do
			run_one "$target" "$mode" || exit 1
		done
	done
done

bench_summarize
# added KIND MODE POOLER: the pooler's median minus the direct median, µs.
added() {
	awk -v p="$(bench_med "$1/$2" "$3")" -v d="$(bench_med "$1/$2" direct)" \
		'BEGIN { printf "%.1f\n", p - d }'
}

bench_md "## Overhead at one client" "" \
	"pgbench -S -c 1, ${length[*]} per run, straight to PostgreSQL and through each" \
	"pooler; $reps runs per target, interleaved; medians in µs. \"Added\" is the" \
	"pooler's figure minus the direct one: the pooler's own cost plus one more" \
	"loopback hop each way. The added-latency ratio is corral / PgBouncer." "" \
	"| mode | latency | direct | corral | PgBouncer | added by corral | added by PgBouncer | ratio |" \
	"|---|---|---:|---:|---:|---:|---:|---:|"
for mode in "${modes[@]}"; do
	for kind in avg p50 p99; do
		ac=$(added "$kind" "$mode" corral)
		ap=$(added "$kind" "$mode" pgbouncer)
		bench_md "| $mode | $kind | $(bench_fmt "$(bench_med "$kind/$mode" direct)" 1) | $(bench_fmt "$(bench_med "$kind/$mode" corral)" 1) | $(bench_fmt "$(bench_med "$kind/$mode" pgbouncer)" 1) | $ac | $ap | $(bench_ratio "$ac" "$ap") |"
	done
done
bench_md ""
bench_finish
