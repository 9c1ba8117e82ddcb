#!/usr/bin/env bash
# bench/cpu.sh — what one transaction costs each pooler, pgbench -S
# -M simple and -M extended at 10 and 100 clients on a pool of 20:
#   - CPU time (the scheduler's count, /proc/PID/task/*/schedstat);
#   - user-space instructions (valgrind --tool=callgrind, counters read
#     with callgrind_control);
#   - system calls (strace -c -f -p PID), per call name.
# Every figure is the difference between two runs of different lengths
# divided by the difference in transactions, so that start-up and the
# clients' logins and exits cancel out. Each is the median of several
# such pairs: how many events one epoll_wait returns, and so the event
# loop's share, moves with the machine's load by several per cent (more
# under strace, which slows the pooler). The section ends with corral's
# callgrind profile (self cost per function), where to optimize first.
# Options: see bench/lib.sh (--smoke, --out).
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init cpu "$@" || exit 1

if [ "$BENCH_SMOKE" -eq 1 ]; then
	modes=(extended)
	client_counts=(4)
	reps=1
	trace_reps=1
	# Transactions per client of the short and the long run.
	proc_tx=(10 60)
	trace_tx=(5 25)
else
	modes=(simple extended)
	client_counts=(10 100)
	reps=4
	trace_reps=3
	proc_tx=(5000 35000)
	trace_tx=(20 120)
fi
callgrind=1
bench_sanitized && callgrind=0

# per_client TOTAL CLIENTS: transactions per client for about TOTAL in all.
per_client() {
	echo $((($1 + $2 - 1) / $2))
}

# run_counted POOLER MODE CLIENTS PER_CLIENT HOOK: runs pgbench -t PER_CLIENT
# with HOOK called as "HOOK before|after" around it. Returns pgbench's
# status.
run_counted() {
	local pooler=$1 mode=$2 clients=$3 per=$4 hook=$5
	"$hook" before || return 1
	bench_pgbench "$pooler" -S -M "$mode" -c "$clients" -j 2 -t "$per" >/dev/null || return 1
	"$hook" after
}

# ---- CPU time from /proc -------------------------------------------------
CPU_MARK=
cpu_hook() {
	case $1 in
	before) CPU_MARK=$(bench_cpu_us "$POOLER") ;;
	after) CPU_SPENT=$(($(bench_cpu_us "$POOLER") - CPU_MARK)) ;;
	esac
}

# proc_cpu MODE CLIENTS: µs of pooler CPU per transaction, recorded.
proc_cpu() {
	local mode=$1 clients=$2 short long spent_short
	short=$(per_client "${proc_tx[0]}" "$clients")
	long=$(per_client "${proc_tx[1]}" "$clients")
	run_counted "$POOLER" "$mode" "$clients" "$short" cpu_hook || return 1
	spent_short=$CPU_SPENT
	run_counted "$POOLER" "$mode" "$clients" "$long" cpu_hook || return 1
	bench_record "cpu/$mode/$clients" "$POOLER" \
		"$(awk -v a="$spent_short" -v b="$CPU_SPENT" -v n=$(((long - short) * clients)) \
			'BEGIN { printf "%.3f\n", (b - a) / n }')"
}

for pooler in "${BENCH_POOLERS[@]}"; do
	bench_start_pooler "$pooler" && bench_fill_pool "$pooler" || exit 1
done
for clients in "${client_counts[@]}"; do
	for mode in "${modes[@]}"; do
		for rep in $(seq 0 $((reps - 1))); do
			for POOLER in $(bench_order "$rep"); do
				proc_cpu "$mode" "$clients" || exit 1
			done
		done
	done
done

# ---- syscalls with strace -c ---------------------------------------------
STRACE_PID=
STRACE_OUT=
strace_hook() {
	local _
	case $1 in
	before)
		strace -c -f -p "${BENCH_PID[$POOLER]}" -o "$STRACE_OUT" 2>"$STRACE_OUT.err" &
		STRACE_PID=$!
		for _ in $(seq 1 100); do
			grep -q attached "$STRACE_OUT.err" 2>/dev/null && return 0
			sleep 0.05
		done
		bench_log "strace did not attach to $POOLER: $(cat "$STRACE_OUT.err")"
		return 1
		;;
	after)
		# strace exits non-zero when interrupted; its summary is what counts.
		kill -INT "$STRACE_PID"
		wait "$STRACE_PID"
		grep -q ' total$' "$STRACE_OUT" && return 0
		bench_log "strace left no summary: $(cat "$STRACE_OUT.err")"
		return 1
		;;
	esac
}

# Prints "calls name" for each system call of an strace -c summary.
strace_calls() {
	awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { print $4, $NF }' "$1"
}

# trace_syscalls MODE CLIENTS: system calls per transaction, recorded as
# a total and as "N name, N name, ..." (largest first).
trace_syscalls() {
	local mode=$1 clients=$2 short long n per
	short=${trace_tx[0]}
	long=${trace_tx[1]}
	STRACE_OUT=$BENCH_DIR/strace-short
	run_counted "$POOLER" "$mode" "$clients" "$short" strace_hook || return 1
	STRACE_OUT=$BENCH_DIR/strace-long
	run_counted "$POOLER" "$mode" "$clients" "$long" strace_hook || return 1
	n=$(((long - short) * clients))
	per=$(awk -v n="$n" 'FNR == NR { a[$2] = $1; next } { b[$2] = $1 }
		END {
			for (s in b) { d = (b[s] - (s in a ? a[s] : 0)) / n; if (d >= 0.005) printf "%.2f %s\n", d, s }
		}' <(strace_calls "$BENCH_DIR/strace-short") <(strace_calls "$BENCH_DIR/strace-long") |
		sort -rg)
	bench_record "sys/$mode/$clients" "$POOLER" "$(awk '{ t += $1 } END { printf "%.2f\n", t }' <<<"$per")"
	bench_record "sysnames/$mode/$clients" "$POOLER" "$(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' <<<"$per")"
}

for clients in "${client_counts[@]}"; do
	for mode in "${modes[@]}"; do
		for rep in $(seq 0 $((trace_reps - 1))); do
			for POOLER in $(bench_order "$rep"); do
				trace_syscalls "$mode" "$clients" || exit 1
			done
		done
	done
done
for pooler in "${BENCH_POOLERS[@]}"; do
	bench_stop_pooler "$pooler" || exit 1
done

# ---- instructions with callgrind -----------------------------------------
declare -A DUMPS=()
# callgrind_control ACTION: zero (-z) or dump (-d) the counters of
# $POOLER's Valgrind; its chatter is shown only when it fails. It runs as
# the pooler's user: vgdb finds a Valgrind by the user in its FIFOs' names.
callgrind_control_quietly() {
	local out
	out=$("${BENCH_SETPRIV[@]}" callgrind_control "$1" "${BENCH_PID[$POOLER]}" 2>&1) && return 0
	bench_log "callgrind_control $1 failed: $out"
	return 1
}

callgrind_hook() {
	case $1 in
	before) callgrind_control_quietly -z ;;
	after)
		callgrind_control_quietly -d || return 1
		DUMPS[$POOLER]=$((${DUMPS[$POOLER]:-0} + 1))
		CG_LAST=$BENCH_DIR/callgrind.$POOLER.${DUMPS[$POOLER]}
		;;
	esac
}

# Prints a dump's total instruction count.
cg_total() {
	awk '/^summary:/ { print $2 }' "$1"
}

# count_instructions MODE CLIENTS: user-space instructions per
# transaction, recorded; keeps the long run's dump as callgrind.POOLER.MODE.CLIENTS.
count_instructions() {
	local mode=$1 clients=$2 short long short_dump
	short=${trace_tx[0]}
	long=${trace_tx[1]}
	run_counted "$POOLER" "$mode" "$clients" "$short" callgrind_hook || return 1
	short_dump=$CG_LAST
	run_counted "$POOLER" "$mode" "$clients" "$long" callgrind_hook || return 1
	bench_record "ir/$mode/$clients" "$POOLER" \
		"$(awk -v a="$(cg_total "$short_dump")" -v b="$(cg_total "$CG_LAST")" \
			-v n=$(((long - short) * clients)) 'BEGIN { printf "%.0f\n", (b - a) / n }')"
	cp "$CG_LAST" "$BENCH_DIR/profile.$POOLER.$mode.$clients"
}

if [ $callgrind -eq 1 ]; then
	for POOLER in "${BENCH_POOLERS[@]}"; do
		BENCH_WRAP=(valgrind --tool=callgrind -q --callgrind-out-file="$BENCH_DIR/callgrind.$POOLER")
		bench_start_pooler "$POOLER" || exit 1
		BENCH_WRAP=()
		bench_fill_pool "$POOLER" || exit 1
		for clients in "${client_counts[@]}"; do
			for mode in "${modes[@]}"; do
				for _ in $(seq 1 "$trace_reps"); do
					count_instructions "$mode" "$clients" || exit 1
				done
			done
		done
		bench_stop_pooler "$POOLER" || exit 1
	done
fi

# ---- the section ---------------------------------------------------------
bench_summarize
bench_md "## CPU per transaction" "" \
	"pgbench -S, -j 2, pool of $BENCH_POOL, transaction mode. Each figure is" \
	"(long run − short run) / (difference in transactions): the short runs" \
	"are ${proc_tx[0]} transactions (CPU) and ${trace_tx[0]} per client (instructions," \
	"syscalls), the long ones ${proc_tx[1]} and ${trace_tx[1]} per client." \
	"CPU: the pooler's time on a CPU (the scheduler's nanosecond count," \
	"/proc/PID/task/*/schedstat), median of $reps interleaved pairs;" \
	"instructions and syscalls: median of $trace_reps pairs (the run-to-run spread is" \
	"several per cent: how many events one epoll_wait returns moves with the load)." \
	"Instructions: user space only (valgrind --tool=callgrind), libraries included." \
	"Syscalls: strace -c -f -p PID; strace slows the pooler down, which changes" \
	"how many events one epoll_wait returns. Ratios are corral / PgBouncer;" \
	"below 1 is better." "" \
	"| mode | clients | CPU µs/tx corral | PgBouncer | ratio | instructions/tx corral | PgBouncer | ratio | syscalls/tx corral | PgBouncer | ratio |" \
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for clients in "${client_counts[@]}"; do
	for mode in "${modes[@]}"; do
		if [ $callgrind -eq 1 ]; then
			ir=$(bench_cells "ir/$mode/$clients" 0)
		else
			ir="skipped (sanitizer build) | | "
		fi
		bench_md "| $mode | $clients | $(bench_cells "cpu/$mode/$clients" 2) | $ir | $(bench_cells "sys/$mode/$clients" 2) |"
	done
done
bench_md "" "System calls per transaction, by name (one run after another, / between them):" ""
for clients in "${client_counts[@]}"; do
	for mode in "${modes[@]}"; do
		for pooler in "${BENCH_POOLERS[@]}"; do
			bench_md "- ${BENCH_LABEL[$pooler]}, -M $mode, $clients clients: $(bench_values "sysnames/$mode/$clients" "$pooler" |
				awk '{ printf "%s%s", (NR > 1 ? " / " : ""), $0 }')"
		done
	done
done
bench_md ""

# annotate DUMP INCLUSIVE: callgrind_annotate's function list for DUMP
# (--inclusive=INCLUSIVE), paths shortened to the source tree and the
# object's basename.
annotate() {
	callgrind_annotate --inclusive="$2" "$1" 2>/dev/null |
		awk '/^Ir +file:function/ { on = 1; getline; next } on && NF == 0 { exit } on' |
		sed -E 's|[^ ]*\.\./\.\./||; s| \[[^]]*/([^/]*)\]$| [\1]|'
}

# profile_tables MODE CLIENTS: corral's top functions from the long run's
# dump, by self cost and, among corral's own, by inclusive cost; the dump
# goes to the output dir as callgrind.corral.MODE.CLIENTS for a closer
# look. callgrind_annotate 3.19 books the cost of a call made before the
# counters were zeroed (calls=0) as the caller's self cost; calling it
# once puts that cost back where it belongs.
profile_tables() {
	local dump=$BENCH_DIR/callgrind.corral.$1.$2
	sed 's/^calls=0 /calls=1 /' "$BENCH_DIR/profile.corral.$1.$2" >"$dump"
	bench_data_file "$dump"
	bench_md "-M $1, self cost:" "" '```'
	annotate "$dump" no | head -n 15 >>"$BENCH_DIR/section.md"
	bench_md '```' "" "-M $1, inclusive cost of corral's own functions:" "" '```'
	annotate "$dump" yes | grep ' \[corral\]$' |
		grep -vE ':(main|corral_run|\(below main\)) ' | head -n 12 >>"$BENCH_DIR/section.md"
	bench_md '```' ""
}

if [ $callgrind -eq 1 ]; then
	bench_md "### Where corral spends its instructions" "" \
		"callgrind_annotate over the long run of each mode at ${client_counts[0]} clients" \
		"(${trace_tx[1]} transactions per client): self cost is what a function" \
		"spends itself, inclusive cost adds what it calls. \`make bench\` keeps the" \
		"profiles in the build dir's bench-results/ (callgrind.corral.MODE.CLIENTS)." ""
	for mode in "${modes[@]}"; do
		profile_tables "$mode" "${client_counts[0]}"
	done
fi
bench_finish
