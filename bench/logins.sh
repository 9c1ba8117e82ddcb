#!/usr/bin/env bash
# bench/logins.sh — how fast each pooler logs 10,000 clients in, and the
# pooler CPU each login costs, with auth_type trust, md5 and
# scram-sha-256, the last with a plain-text password and with a SCRAM
# secret in auth_file. One bench/loadgen process per core, each keeping
# 100 logins in flight and holding its connections until all are in. Before the timed logins one client
# logs in and runs a query: the pool's first server is open and it is the
# user's first login (a pooler may cache what it derived from the secret).
# A fresh pooler per measurement; 2 per pooler for trust and md5,
# interleaved, 1 for each SCRAM method.
# Options: see bench/lib.sh (--smoke, --out).
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init logins "$@" || exit 1

# Method name, auth_type, auth_file, runs per pooler. One run of each
# SCRAM method: the client's PBKDF2 makes 10,000 SCRAM logins take a
# minute or more, and the pooler's CPU per login is the steady figure.
methods=(
	"trust trust users-plain.txt 2"
	"md5 md5 users-plain.txt 2"
	"scram-sha-256,_plain-text_secret scram-sha-256 users-plain.txt 1"
	"scram-sha-256,_SCRAM_secret scram-sha-256 users-scram.txt 1"
)
if [ "$BENCH_SMOKE" -eq 1 ]; then
	n=20
	max_reps=1
else
	n=10000
	max_reps=2
fi

# measure POOLER METHOD AUTH_TYPE AUTH_FILE: records logins per second,
# pooler CPU µs per login and the loadgen's CPU µs per login.
measure() {
	local pooler=$1 method=$2 cpu0 cpu1 lg0 lg1 seconds
	# With only a SCRAM secret, a pooler can log in to PostgreSQL once a
	# client's SCRAM login has revealed its ClientKey; corral does not do
	# that yet, so the server login gets the password in both configs.
	bench_start_pooler "$pooler" auth_type="$3" auth_file="$BENCH_DIR/$4" \
		"db:password=$PGPASSWORD" || return 1
	bench_loadgen_once "$pooler" || return 1
	cpu0=$(bench_cpu_us "$pooler")
	bench_loadgen_start "$pooler" "$n" "$(nproc)"
	lg0=$(bench_loadgen_cpu_us)
	seconds=$(bench_loadgen_expect logged_in) || return 1
	cpu1=$(bench_cpu_us "$pooler")
	lg1=$(bench_loadgen_cpu_us)
	bench_loadgen_stop || return 1
	bench_stop_pooler "$pooler" || return 1
	bench_record "rate/$method" "$pooler" "$(awk -v s="$seconds" -v n="$n" 'BEGIN { printf "%.0f\n", n / s }')"
	bench_record "cpu/$method" "$pooler" "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" 'BEGIN { printf "%.1f\n", (b - a) / n }')"
	bench_record "client/$method" all "$(awk -v a="$lg0" -v b="$lg1" -v n="$n" 'BEGIN { printf "%.1f\n", (b - a) / n }')"
	bench_log "$pooler, $method: $n logins in $seconds s, pooler CPU $(((cpu1 - cpu0) / 1000)) ms"
}

for entry in "${methods[@]}"; do
	read -r method auth_type auth_file reps <<<"$entry"
	[ "$reps" -le "$max_reps" ] || reps=$max_reps
	for rep in $(seq 0 $((reps - 1))); do
		for pooler in $(bench_order "$rep"); do
			measure "$pooler" "$method" "$auth_type" "$auth_file" || exit 1
		done
	done
done

bench_summarize
bench_md "## Logins" "" \
	"$(nproc) bench/loadgen processes log $n clients in over TCP, each with 100" \
	"logins in flight, and hold them; timed from the first connect to the last" \
	"login. Pooler CPU: its time on a CPU (schedstat) over the same span. A fresh pooler per" \
	"run, after one warm-up login of the same user; median of $max_reps runs per pooler" \
	"(interleaved), 1 run with SCRAM. With SCRAM the client (libpq) runs PBKDF2" \
	"on every login too, so the loadgens' CPU (last column, all runs) bounds the" \
	"login rate on this machine: there, pooler CPU per login is the figure." "" \
	"| auth | logins/s corral | PgBouncer | ratio | pooler CPU µs/login corral | PgBouncer | ratio | loadgen CPU µs/login |" \
	"|---|---:|---:|---:|---:|---:|---:|---:|"
for entry in "${methods[@]}"; do
	read -r method _ <<<"$entry"
	bench_md "| ${method//_/ } | $(bench_cells "rate/$method" 0) | $(bench_cells "cpu/$method" 1) | $(bench_fmt "$(bench_med "client/$method" all)" 0) |"
done
bench_md ""
bench_finish
