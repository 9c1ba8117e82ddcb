#!/usr/bin/env bash
# bench/report.sh RESULTS_DIR OUT.md — assembles docs/benchmarks.md from
# what bench/run-all left in RESULTS_DIR: each script's section
# (NAME.md), raw figures (NAME.raw.tsv), the configs it ran with, the
# throughput data for the plots, and machine.txt. Writes the summary
# against issue 7's targets, machine and versions, method, the plots
# (OUT's directory, benchmarks-tps.png and benchmarks-p99.png) and the
# sections between two marker lines of OUT.md; whatever OUT.md holds
# outside the markers (its title, an "App server" section) is kept.
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_NAME=report
if [ $# -ne 2 ] || [ ! -d "$1" ]; then
	echo "usage: bench/report.sh RESULTS_DIR OUT.md" >&2
	exit 2
fi
results=$1
out=$2
outdir=$(dirname "$out")
scripts=(throughput cpu memory logins overhead)
# shellcheck disable=SC2016 # the backquotes are markdown
begin_marker='<!-- bench/run-all: generated from here to the end marker; `make bench` rewrites it -->'
end_marker='<!-- bench/run-all: end of the generated part -->'

# Every script's raw figures in one file, keys prefixed "script:".
BENCH_RAW=$(mktemp "${TMPDIR:-/tmp}/corral-report.XXXXXX") || exit 1
block=$(mktemp "${TMPDIR:-/tmp}/corral-report.XXXXXX") || exit 1
trap 'rm -f "$BENCH_RAW" "$block"' EXIT
for s in "${scripts[@]}"; do
	if [ ! -f "$results/$s.md" ] || [ ! -f "$results/$s.raw.tsv" ]; then
		bench_log "$results has no $s.md or $s.raw.tsv: did bench/$s.sh fail?"
		exit 1
	fi
	awk -v s="$s" '{ print s ":" $0 }' "$results/$s.raw.tsv" >>"$BENCH_RAW"
done

bench_summarize

# The client counts (or other last key parts) recorded under PREFIX/.
counts_of() {
	awk -F'\t' -v p="$1/" 'index($1, p) == 1 { print substr($1, length(p) + 1) }' "$BENCH_RAW" |
		sort -un
}

# worst KEY_PREFIX HIGHER_IS_BETTER: over the client counts recorded, the
# count whose corral/PgBouncer ratio is worst; prints "ratio count".
worst() {
	local n r best_r='' best_n=''
	for n in $(counts_of "$1"); do
		r=$(bench_ratio "$(bench_med "$1/$n" corral)" "$(bench_med "$1/$n" pgbouncer)")
		[ "$r" != n/a ] || continue
		if [ -z "$best_r" ] || awk -v a="$r" -v b="$best_r" -v h="$2" \
			'BEGIN { exit !(h ? a < b : a > b) }'; then
			best_r=$r
			best_n=$n
		fi
	done
	echo "${best_r:-n/a} ${best_n:-n/a}"
}

# verdict RATIO LIMIT HIGHER_IS_BETTER [NOISE_PERCENT]: yes, "within
# noise" (no further off than NOISE_PERCENT), or no.
verdict() {
	awk -v r="$1" -v l="$2" -v h="$3" -v noise="${4:-0}" 'BEGIN {
		if (r == "n/a") { print "n/a"; exit }
		ok = h ? r >= l : r <= l
		near = h ? r >= l * (1 - noise / 100) : r <= l * (1 + noise / 100)
		print ok ? "yes" : (near ? "within noise" : "**no**")
	}'
}

# The run-to-run spread of KEY, in percent: the larger of the two
# poolers'.
key_noise() {
	local p s worst=0
	for p in corral pgbouncer; do
		s=$(bench_spread "$1" "$p" | tr -dc '0-9.')
		[ -z "$s" ] || worst=$(awk -v a="$worst" -v b="$s" 'BEGIN { print (b > a ? b : a) }')
	done
	echo "$worst"
}

# summary_row FIGURE KEY_PREFIX HIGHER_IS_BETTER LIMIT [NOISE]: one line of
# the targets table, at the client count where corral fares worst. NOISE
# "own" takes the figure's own spread at that count (key_noise).
summary_row() {
	local label=$1 key=$2 higher=$3 limit=$4 noise=${5:-0} r n
	read -r r n <<<"$(worst "$key" "$higher")"
	[ "$noise" != own ] || noise=$(key_noise "$key/$n")
	echo "| $label | $n | $(bench_fmt "$(bench_med "$key/$n" corral)" 2) | $(bench_fmt "$(bench_med "$key/$n" pgbouncer)" 2) | $r | $([ "$higher" -eq 1 ] && echo "≥" || echo "≤") $limit | $(verdict "$r" "$limit" "$higher" "$noise") |"
}

# The largest run-to-run TPS spread of either pooler, in percent.
tps_noise() {
	local key s worst=0
	for key in $(awk -F'\t' 'index($1, "throughput:tps/") == 1 { print $1 }' "$BENCH_RAW" | sort -u); do
		s=$(key_noise "$key")
		worst=$(awk -v a="$worst" -v b="$s" 'BEGIN { print (b > a ? b : a) }')
	done
	echo "$worst"
}

summary() {
	local noise mode scram
	noise=$(tps_noise)
	echo "## Summary against issue 7's targets"
	echo
	echo "Each row is taken at the client count (or N) where corral compares worst."
	echo "Ratios are corral / PgBouncer. TPS counts as \"within noise\" when it is"
	echo "no further below 1 than the largest run-to-run spread measured here (±$noise %);"
	echo "system calls and CPU per transaction when they are no further above 1"
	echo "than that figure's own spread between runs (both poolers make the same"
	echo "recvfrom and sendto calls; the epoll_wait share and the kernel's time"
	echo "move with how events batch from one run to the next)."
	echo
	echo "| figure | clients | corral | PgBouncer | ratio | target | met |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	for mode in simple extended; do
		summary_row "TPS, -M $mode" "throughput:tps/$mode" 1 1 "$noise"
	done
	for mode in simple extended; do
		summary_row "instructions/tx, -M $mode" "cpu:ir/$mode" 0 0.8
	done
	for mode in simple extended; do
		summary_row "syscalls/tx, -M $mode" "cpu:sys/$mode" 0 1 own
	done
	for mode in simple extended; do
		summary_row "pooler CPU µs/tx, -M $mode" "cpu:cpu/$mode" 0 1 own
	done
	summary_row "KiB per idle client" "memory:idle" 0 1
	summary_row "KiB per client after a query" "memory:used" 0 1
	scram=$(bench_med "logins:cpu/scram-sha-256,_plain-text_secret" corral)
	echo "| SCRAM login CPU µs, plain-text auth_file | | $(bench_fmt "$scram" 1) | $(bench_fmt "$(bench_med "logins:cpu/scram-sha-256,_plain-text_secret" pgbouncer)" 1) | | ≤ 200 µs (corral) | $(verdict "$scram" 200 0) |"
	echo
}

# Machine, load and versions, as run-all recorded them.
machine() {
	echo "## Machine and versions"
	echo
	sed 's/^/- /' "$results/machine.txt"
	echo
}

method() {
	local diffs
	cat <<-EOF
		## Method

		Every script starts a throwaway PostgreSQL 15 (tests/harness/pg.sh: fsync
		off, SCRAM for every connection), creates a pgbench database at scale 1,
		and runs corral and PgBouncer side by side with the same settings, as the
		same non-root user (PgBouncer refuses root), on 127.0.0.1. The clients
		(pgbench, bench/loadgen) run on the same $(nproc)-core machine, so every
		figure includes their competition for the CPU. Runs alternate A B B A so
		that a drift of the machine hits both poolers; tables give medians.
		TPS moves by up to ±14 % between identical runs on this machine (issue 7),
		so TPS ratios near 1 mean "no measurable difference"; instruction
		counts (callgrind, about ±2 %), syscalls per transaction and KiB per
		client are the steady figures. Reproduce: \`make bench\` in a build dir
		(or \`bench/run-all\`), about 25 minutes; each script also runs alone
		(\`bench/<name>.sh --help\`).

		The configuration both poolers ran with (bench/throughput.sh's corral.ini;
		logins.sh changes auth_type and auth_file):

		\`\`\`ini
	EOF
	cat "$results/throughput.corral.ini"
	echo '```'
	echo
	diffs=$(diff <(grep -vE '^(listen_port|unix_socket_dir) ' "$results/throughput.corral.ini") \
		<(grep -vE '^(listen_port|unix_socket_dir) ' "$results/throughput.pgbouncer.ini"))
	if [ -z "$diffs" ]; then
		echo "PgBouncer's differs only in listen_port and unix_socket_dir."
	else
		echo "PgBouncer's differs in:"
		echo
		echo '```'
		echo "$diffs"
		echo '```'
	fi
	echo
}

plots() {
	local dat=$results/throughput.dat
	gnuplot -e "data='$dat'; tps='$outdir/benchmarks-tps.png'; p99='$outdir/benchmarks-p99.png'" \
		"$BENCH_TOP/bench/plots.gp" || return 1
	cat <<-'EOF'
		## Plots

		![pgbench -S TPS against clients](benchmarks-tps.png)

		![pgbench -S p99 latency against clients](benchmarks-p99.png)

	EOF
}

{
	echo "$begin_marker"
	echo
	summary
	machine
	method
	plots || exit 1
	for s in "${scripts[@]}"; do
		cat "$results/$s.md"
	done
	echo "$end_marker"
} >"$block" || exit 1

# Splices the block into OUT.md between the markers, keeping the rest; a
# new file gets a title, and into a file without the markers (another
# script's section only) the block goes after its "# " title line.
if [ -f "$out" ] && grep -qxF "$begin_marker" "$out" && grep -qxF "$end_marker" "$out"; then
	awk -v b="$begin_marker" -v e="$end_marker" -v f="$block" '
		$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$out" >"$out.new" || exit 1
else
	{
		if [ -f "$out" ] && head -n 1 "$out" | grep -q '^# '; then
			head -n 1 "$out"
			echo
			cat "$block"
			echo
			tail -n +2 "$out"
		elif [ -f "$out" ]; then
			cat "$block"
			echo
			cat "$out"
		else
			echo "# Benchmarks: corral and PgBouncer side by side"
			echo
			echo "Generated by \`make bench\` (bench/run-all) between the marker lines;"
			echo "sections outside them, such as \"App server\", are kept when it runs again."
			echo
			cat "$block"
		fi
	} >"$out.new" || exit 1
fi
mv "$out.new" "$out"
