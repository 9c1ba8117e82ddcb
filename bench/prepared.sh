#!/usr/bin/env bash
# bench/prepared.sh — what prepared statements cost and save through
# corral (issue 5): pgbench -S -M prepared through corral in transaction
# pooling, beside -M extended through corral (the same queries, parsed
# every time) and -M prepared straight to PostgreSQL, at 10 and 50 clients
# on a pool of 20. Each point runs 4 times per target, interleaved
# (A B C, C B A, ...); the section reports medians, their ratios, the
# run-to-run spread and corral's CPU time per transaction.
# PgBouncer is not measured: Debian 12's PgBouncer 1.18 predates its
# prepared-statement support (max_prepared_statements, PgBouncer 1.21), so
# -M prepared cannot run through it in transaction pooling (the section
# says how it fails).
# Usage: bench/prepared.sh [--smoke] [--out DIR] (see bench/lib.sh).
# Without --out, a full run replaces the "Prepared statements" section of
# docs/benchmarks.md (between its markers; the rest of the file is left
# alone: BENCH_PREPARED_DOC names another file, "-" prints the section);
# a smoke run prints it.
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Only corral runs here; "direct" is PostgreSQL itself.
BENCH_POOLERS=(corral)
bench_init prepared "$@" || exit 1

if [ "$BENCH_SMOKE" -eq 1 ]; then
	client_counts=(2 4)
	reps=1
	length=(-t 50)
else
	client_counts=(10 50)
	reps=4
	length=(-T 10)
fi
targets=(direct-prepared corral-prepared corral-extended)

# run_one TARGET CLIENTS: one pgbench -S run; records TPS, average latency
# and, through corral, corral's CPU µs per transaction.
run_one() {
	local target=$1 clients=$2 via=${1%-*} mode=${1#*-} out cpu0 cpu1 tx
	[ "$via" = direct ] || cpu0=$(bench_cpu_us corral) || return 1
	out=$(bench_pgbench "$via" -S -M "$mode" -c "$clients" -j 2 "${length[@]}") || return 1
	bench_record "tps/$clients" "$target" "$(awk '/^tps = / { print $3; exit }' <<<"$out")"
	bench_record "avg/$clients" "$target" "$(awk '/^latency average = / { print $4 }' <<<"$out")"
	if [ "$via" != direct ]; then
		cpu1=$(bench_cpu_us corral) || return 1
		tx=$(awk -F'[:/ ]+' '/^number of transactions actually processed:/ { print $6 }' <<<"$out")
		bench_record "cpu/$clients" "$target" "$(awk -v d=$((cpu1 - cpu0)) -v n="$tx" \
			'BEGIN { if (n > 0) printf "%.2f\n", d / n; else print "n/a" }')"
	fi
	bench_log "$target -c $clients: $(awk '/^tps = / { print $3; exit }' <<<"$out") TPS"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench_start_pooler corral && bench_fill_pool corral || exit 1
for target in "${targets[@]}"; do
	bench_pgbench "${target%-*}" -S -M "${target#*-}" -c 10 -j 2 -t 200 >/dev/null || exit 1
done
for clients in "${client_counts[@]}"; do
	for rep in $(seq 0 $((reps - 1))); do
		for target in $(bench_order "$rep" "${targets[@]}"); do
			run_one "$target" "$clients" || exit 1
		done
	done
done
bench_summarize
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# cell KIND CLIENTS TARGET DECIMALS: a median, rounded.
cell() {
	bench_fmt "$(bench_med "$1/$2" "$3")" "$4"
}

bench_md "<!-- BEGIN prepared: written by bench/prepared.sh; edit the script, not this section -->" \
	"## Prepared statements" "" \
	"\`bench/prepared.sh\`, $(date -u +%Y-%m-%d): pgbench -S (one primary-key SELECT per" \
	"transaction), -j 2, ${length[*]} per run, $reps runs per target and point interleaved;" \
	"medians. corral: transaction pooling, pool of $BENCH_POOL, max_prepared_statements" \
	"at its default (200), md5; PostgreSQL $(pgbench --version | awk '{ print $3 }') on the same" \
	"$(nproc)-core machine as pgbench and corral. -M prepared parses each statement once per" \
	"connection and then only binds and executes it; through corral every client's statement" \
	"is prepared once per server and re-used by every client that prepares the same text." \
	"Spread: half the range of the runs, as a percentage of the median. The machine's" \
	"load average (1, 5, 15 min) was $load_before before the runs and $load_after after:" \
	"on a shared machine, compare the columns of one row, not runs of different days." "" \
	"| clients | TPS: PostgreSQL directly, -M prepared | TPS: corral, -M prepared | TPS: corral, -M extended | corral prepared / direct prepared | corral prepared / corral extended | corral CPU µs/tx, prepared / extended | TPS spread (direct / prepared / extended) |" \
	"|---:|---:|---:|---:|---:|---:|---:|---:|"
for clients in "${client_counts[@]}"; do
	bench_md "| $clients | $(cell tps "$clients" direct-prepared 0) | $(cell tps "$clients" corral-prepared 0) | $(cell tps "$clients" corral-extended 0) | $(bench_ratio "$(bench_med "tps/$clients" corral-prepared)" "$(bench_med "tps/$clients" direct-prepared)") | $(bench_ratio "$(bench_med "tps/$clients" corral-prepared)" "$(bench_med "tps/$clients" corral-extended)") | $(cell cpu "$clients" corral-prepared 2) / $(cell cpu "$clients" corral-extended 2) | $(bench_spread "tps/$clients" direct-prepared) / $(bench_spread "tps/$clients" corral-prepared) / $(bench_spread "tps/$clients" corral-extended) |"
done
bench_md "" \
	"PgBouncer: not in the table. Debian 12's PgBouncer $(pgbouncer --version | awk 'NR == 1 { print $2 }') predates" \
	"its support for protocol-level prepared statements in transaction pooling" \
	"(max_prepared_statements, PgBouncer 1.21): a statement a client prepares exists" \
	"only on the server it was prepared on. pgbench -M prepared through it in" \
	"transaction pooling fails at once: every pgbench client names its statement P_0," \
	"and a client whose Parse lands on a server where another client prepared P_0" \
	"gets \"prepared statement \"P_0\" already exists\"." "" \
	"<!-- END prepared -->"

# Replaces the section between its markers in $1 (appends it, or creates
# the file with a title, when absent); the rest of the file is kept.
write_section() {
	local doc=$1 section=$BENCH_DIR/section.md
	[ -f "$doc" ] || printf '# Benchmarks\n' >"$doc" || return 1
	awk -v f="$section" '
		function put() { while ((getline l < f) > 0) print l; done = 1 }
		/^<!-- BEGIN prepared/ { put(); skip = 1; next }
		skip && /^<!-- END prepared -->$/ { skip = 0; next }
		!skip { print }
		END { if (!done) { print ""; put() } }' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
}

doc=${BENCH_PREPARED_DOC:-$BENCH_TOP/docs/benchmarks.md}
if [ -z "$BENCH_OUT" ] && [ "$BENCH_SMOKE" -eq 0 ] && [ "$doc" != - ]; then
	write_section "$doc" || exit 1
	bench_log "wrote the Prepared statements section of $doc"
	# bench_finish prints the section when there is no --out: say where it went instead.
	BENCH_OUT=$BENCH_DIR/out
fi
bench_finish
