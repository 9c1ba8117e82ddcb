#!/usr/bin/env bash
# bench/memory.sh — each pooler's resident memory per client: bench/loadgen
# logs 1,000 and then 10,000 clients in and holds them idle, then has each
# run one SELECT 1 (pool of 20, transaction mode, md5). Per client:
# (RSS with the clients − RSS before them) / clients, with VmRSS from
# /proc/PID/status; the baseline is taken after one client has logged in
# and queried, so the pool's first server and the user's first login are
# not charged to the N clients. A fresh pooler for every measurement,
# 2 per pooler and count, interleaved A B B A.
# Options: see bench/lib.sh (--smoke, --out).
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init memory "$@" || exit 1

if [ "$BENCH_SMOKE" -eq 1 ]; then
	client_counts=(20)
	reps=1
else
	client_counts=(1000 10000)
	reps=2
fi

# measure POOLER CLIENTS: records KiB per idle client, per client after
# a query, and the RSS in MiB with the clients after their query.
measure() {
	local pooler=$1 n=$2 base idle used
	bench_start_pooler "$pooler" || return 1
	bench_loadgen_once "$pooler" || return 1
	base=$(bench_rss_kib "$pooler")
	bench_loadgen_start "$pooler" "$n"
	bench_loadgen_expect logged_in >/dev/null || return 1
	idle=$(bench_rss_kib "$pooler")
	bench_loadgen_send query
	bench_loadgen_expect queried >/dev/null || return 1
	used=$(bench_rss_kib "$pooler")
	bench_loadgen_stop || return 1
	bench_stop_pooler "$pooler" || return 1
	bench_record "idle/$n" "$pooler" "$(awk -v a="$base" -v b="$idle" -v n="$n" 'BEGIN { printf "%.3f\n", (b - a) / n }')"
	bench_record "used/$n" "$pooler" "$(awk -v a="$base" -v b="$used" -v n="$n" 'BEGIN { printf "%.3f\n", (b - a) / n }')"
	bench_record "rss/$n" "$pooler" "$(awk -v b="$used" 'BEGIN { printf "%.1f\n", b / 1024 }')"
	bench_record "base/$n" "$pooler" "$(awk -v b="$base" 'BEGIN { printf "%.1f\n", b / 1024 }')"
	bench_log "$pooler, $n clients: RSS $base KiB, $idle KiB idle, $used KiB after a query"
}

for n in "${client_counts[@]}"; do
	for rep in $(seq 0 $((reps - 1))); do
		for pooler in $(bench_order "$rep"); do
			measure "$pooler" "$n" || exit 1
		done
	done
done

bench_summarize
bench_md "## Memory per client" "" \
	"bench/loadgen holds N logged-in clients (md5, pool of $BENCH_POOL, transaction" \
	"mode), then each runs SELECT 1 once. KiB per client = (VmRSS with the clients −" \
	"VmRSS after a single client's login and query) / N. A fresh pooler per" \
	"measurement; median of $reps per pooler, interleaved. Ratios are corral /" \
	"PgBouncer; below 1 is better." "" \
	"| clients | KiB/idle client corral | PgBouncer | ratio | KiB/client after a query corral | PgBouncer | ratio | RSS MiB before corral / PgBouncer | RSS MiB after corral / PgBouncer |" \
	"|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${client_counts[@]}"; do
	bench_md "| $n | $(bench_cells "idle/$n" 2) | $(bench_cells "used/$n" 2) | $(bench_med "base/$n" corral) / $(bench_med "base/$n" pgbouncer) | $(bench_med "rss/$n" corral) / $(bench_med "rss/$n" pgbouncer) |"
done
bench_md ""
bench_finish
