#!/usr/bin/env bash
# bench/app.sh: the app server architecture measured. wrk drives nginx ->
# corral-app -> PostgreSQL on /db and /queries?queries=20, with the app's
# workers connected (a) straight to PostgreSQL, one backend per worker, and
# (b) through corral, at 64 and 256 workers. Reports requests/s, p99
# latency, non-2xx answers and the peak number of PostgreSQL backends, and
# writes them to the "App server" section of docs/benchmarks.md (between
# its markers; the rest of the file is left alone).
# Everything runs on 127.0.0.1 in temp dirs: a PostgreSQL of its own
# (tests/harness/pg.sh, max_connections raised for 256 direct workers),
# corral, corral-app and nginx (app/stack.sh). Ctrl-C stops it all.
# Settings (environment):
#   BENCH_APP_SECONDS      wrk duration per run (default 10)
#   BENCH_APP_CONNECTIONS  wrk connections (default 256)
#   BENCH_APP_WORKERS      worker counts (default "64 256")
#   BENCH_APP_POOL_MODE    corral's pool mode for (b), see below
#   BENCH_APP_OUT          the file to update (default docs/benchmarks.md;
#                          "-" prints the section instead)
#   CORRAL_BUILD_DIR       where corral and corral-app are built
#                          (default build/default)
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/harness/pg.sh
. "$top/tests/harness/pg.sh"
# shellcheck source=app/stack.sh
. "$top/app/stack.sh"

build_dir=${CORRAL_BUILD_DIR:-$top/build/default}
seconds=${BENCH_APP_SECONDS:-10}
connections=${BENCH_APP_CONNECTIONS:-256}
read -r -a worker_counts <<<"${BENCH_APP_WORKERS:-64 256}"
out=${BENCH_APP_OUT:-$top/docs/benchmarks.md}
paths=(/db "/queries?queries=20")
# corral-app prepares its statements once per connection, and corral
# carries them from server to server in transaction mode: (b) runs every
# worker count on a pool of 8. BENCH_APP_POOL_MODE=session makes every
# worker keep a server: the pool is then as large as the largest worker
# count, and (b) measures what passing through corral costs, not what
# multiplexing saves.
pool_mode=${BENCH_APP_POOL_MODE:-transaction}
max_workers=$(printf '%s\n' "${worker_counts[@]}" | sort -n | tail -1)
if [ "$pool_mode" = transaction ]; then
	pool_size=8
else
	pool_size=$max_workers
fi

corral_pid=
app_pid=
nginx_pid=
nginx_prefix=
work=

say() {
	printf '\n==> %s\n' "$*" >&2
}

stop_all() {
	[ -z "$nginx_pid" ] || app_stack_stop "$nginx_pid" 10
	[ -z "$app_pid" ] || app_stack_stop "$app_pid" 30
	[ -z "$corral_pid" ] || app_stack_stop "$corral_pid" 20
	nginx_pid= app_pid= corral_pid=
	[ -z "$nginx_prefix" ] || rm -rf "$nginx_prefix"
	nginx_prefix=
	pg_harness_cleanup
}

on_signal() {
	trap - INT TERM HUP EXIT
	say "caught SIG$1; stopping"
	stop_all
	exit $((128 + $(kill -l "$1")))
}

# Starts corral for the app database on a free port; sets corral_port.
start_corral() {
	local dir=$PG_HARNESS_TMPDIR
	corral_port=$(pg_harness_free_port 6432) || return 1
	printf '"%s" "%s"\n' "$PGUSER" "$PGPASSWORD" >"$dir/userlist.txt"
	cat >"$dir/corral.ini" <<-EOF
		[databases]
		app = host=127.0.0.1 port=$PGPORT dbname=app pool_mode=$pool_mode pool_size=$pool_size
		[pgbouncer]
		listen_addr = 127.0.0.1
		listen_port = $corral_port
		unix_socket_dir = $dir
		auth_type = scram-sha-256
		auth_file = $dir/userlist.txt
		server_tls_sslmode = disable
		max_client_conn = $((max_workers + 100))
		query_wait_timeout = 10
	EOF
	setpriv --pdeathsig KILL -- "$build_dir/corral" -q "$dir/corral.ini" >>"$dir/corral.log" 2>&1 &
	corral_pid=$!
	local _
	for _ in $(seq 1 100); do
		[ -z "$(ss -Htln "sport = :$corral_port")" ] || return 0
		app_stack_alive "$corral_pid" || break
		sleep 0.1
	done
	echo "bench: corral did not start:" >&2
	cat "$dir/corral.log" >&2
	return 1
}

# The number of PostgreSQL backends serving the app database now.
backends() {
	psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity
		WHERE datname = 'app' AND backend_type = 'client backend'"
}

# p99 from wrk --latency output, in ms.
p99_ms() {
	awk '$1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
		printf "%.1f", v }' "$1"
}

# One measurement: app with $1 workers connected to $2 ("direct" or
# "corral"), wrk on path $3. Appends a table row to rows.
run_one() {
	local workers=$1 target=$2 path=$3 dsn peak=0 n rps p99 non2xx errors _
	# corral runs only for its own measurements: the servers it keeps
	# idle in its pool would count as backends of the direct runs.
	if [ "$target" = direct ]; then
		dsn="host=127.0.0.1 port=$PGPORT dbname=app"
	else
		start_corral || return 1
		dsn="host=127.0.0.1 port=$corral_port dbname=app"
	fi
	say "$workers workers, $target, $path: ${seconds} s of wrk -c$connections"
	app_stack_start_app "$build_dir/corral-app" --listen="127.0.0.1:$app_port" \
		--workers="$workers" --dsn="$dsn" || return 1
	app_pid=$APP_STACK_PID
	# Let the workers' start-up connections land (at most 30 s: a worker
	# that could not connect in time connects on its first request), then
	# warm up.
	local want=$workers end=$((SECONDS + 30))
	[ "$target" = direct ] || [ "$pool_size" -ge "$workers" ] || want=$pool_size
	while [ $SECONDS -lt $end ] && [ "$(backends)" -lt "$want" ]; do
		sleep 0.5
	done
	wrk -t2 -c"$connections" -d2s "$url$path" >/dev/null 2>&1
	# wrk's default 2 s timeout would drop the slowest answers from the
	# latency figures; they count as errors only past 10 s.
	wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency "$url$path" \
		>"$work/wrk.out" 2>&1 &
	local wrk_pid=$!
	for _ in $(seq 1 "$seconds"); do
		sleep 1
		n=$(backends)
		[ "${n:-0}" -le "$peak" ] || peak=$n
	done
	wait "$wrk_pid"
	app_stack_stop "$app_pid" 30
	app_pid=
	if [ -n "$corral_pid" ]; then
		app_stack_stop "$corral_pid" 20
		corral_pid=
	fi
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
	p99=$(p99_ms "$work/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.out")
	errors=$(awk -F'[ ,]+' '/Socket errors/ { print $4 + $6 + $8 + $10 }' "$work/wrk.out")
	rps_of["$workers $target $path"]=${rps:-0}
	backends_of["$workers $target $path"]=$peak
	rows+=("$(printf '| %s | %s | `%s` | %s | %s | %s | %s | %s |' "$workers" \
		"$([ "$target" = direct ] && echo "PostgreSQL directly" || echo "corral, $pool_mode, pool_size $pool_size")" \
		"$path" "${rps:-?}" "${p99:-?}" "${non2xx:-0}" "${errors:-0}" "$peak")")
	echo "${rows[-1]}" >&2
}

# "a / b" as a percentage, or "?" when b is 0.
percent() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "?" }'
}

# What the rows say, per endpoint: direct throughput and backends from the
# fewest to the most workers, and corral's throughput as a share of
# direct at each worker count.
findings() {
	local path w first=${worker_counts[0]} last=${worker_counts[-1]} shares share
	for path in "${paths[@]}"; do
		shares=
		for w in "${worker_counts[@]}"; do
			share=$(percent "${rps_of["$w corral $path"]}" "${rps_of["$w direct $path"]}")
			if [ -z "$shares" ]; then
				shares="$share of the direct figure at $w workers"
			else
				shares+=", $share at $w"
			fi
		done
		printf -- '- `%s`: straight to PostgreSQL, %s requests/s with %s workers (%s backends) and %s with %s (%s backends); through corral, %s.\n' \
			"$path" "${rps_of["$first direct $path"]}" "$first" "${backends_of["$first direct $path"]}" \
			"${rps_of["$last direct $path"]}" "$last" "${backends_of["$last direct $path"]}" "$shares"
	done
}

# The section, from the table rows in $1.
section() {
	local rows=$1
	cat <<-EOF
		<!-- BEGIN app-server: written by bench/app.sh; edit the script, not this section -->
		## App server

		\`bench/app.sh\`, $(date -u +%Y-%m-%d): wrk (2 threads, $connections connections,
		$seconds s after a 2 s warm-up) -> nginx (2 workers) -> corral-app ->
		PostgreSQL $("$CORRAL_PG_BINDIR/postgres" -V | awk '{ print $3 }'), everything on one
		machine with $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)).
		The machine's load average (1, 5, 15 min) was $load_before before the runs
		and $(cut -d' ' -f1-3 /proc/loadavg) after; on a shared machine, compare
		rows of one run with each other, not with other runs.
		"PostgreSQL backends" is the most seen for the app's database during the run.
		p99 latency in ms; non-2xx answers are 503s; socket errors are wrk's
		connect, read, write errors and answers slower than 10 s (none expected).

		| workers | app's connections go to | endpoint | requests/s | p99 (ms) | non-2xx | socket errors | PostgreSQL backends |
		|--------:|-------------------------|----------|-----------:|---------:|--------:|--------------:|--------------------:|
		$rows

		What the rows say:
		$(findings)

		Each worker is one request at a time and, straight to PostgreSQL, one
		backend for its whole life: the app's concurrency and the database's
		are the same number. More workers than the machine can run at once
		add backends, memory and context switches, not work done, and a slow
		request holds its backend the whole time. A pooler in transaction mode
		separates the two numbers: the workers (and nginx's many idle clients
		in front of them) keep their connections, while PostgreSQL sees only
		the pool, and when the pool is saturated the queue is bounded by
		query_wait_timeout and the app answers 503 instead of piling up.

	EOF
	if [ "$pool_mode" = session ]; then
		cat <<-'EOF'
			corral runs in session mode here (`BENCH_APP_POOL_MODE=session`):
			every worker keeps its own server, so the pool is as large as the
			largest worker count. These rows measure what passing through corral
			costs, not what multiplexing saves; the default, transaction mode,
			runs every worker count on a pool of 8.

		EOF
	fi
	echo "<!-- END app-server -->"
}

# Replaces the section between the markers in $out (appends it, or creates
# the file, when absent).
write_section() {
	local text=$1
	if [ "$out" = - ]; then
		printf '%s\n' "$text"
		return 0
	fi
	[ -f "$out" ] || printf '# Benchmarks\n\n' >"$out"
	python3 - "$out" "$text" <<-'EOF'
		import re, sys
		path, text = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
		doc = open(path, encoding="utf-8").read()
		pat = re.compile(r"<!-- BEGIN app-server.*?<!-- END app-server -->\n?", re.S)
		if pat.search(doc):
		    doc = pat.sub(lambda m: text, doc, count=1)
		else:
		    doc = doc.rstrip("\n") + "\n\n" + text
		open(path, "w", encoding="utf-8").write(doc)
	EOF
}

for tool in wrk nginx curl psql python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done
if [ ! -x "$build_dir/corral" ] || [ ! -x "$build_dir/corral-app" ]; then
	echo "bench: build corral and corral-app in $build_dir first (make corral corral-app)" >&2
	exit 1
fi
trap 'rc=$?; stop_all; exit $rc' EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

say "PostgreSQL (max_connections for $max_workers direct workers)"
pg_harness_start || exit 1
psql -X -q -d postgres -c "ALTER SYSTEM SET max_connections = $((max_workers + 100))" || exit 1
pg_harness_restart || exit 1
app_stack_create_db app || exit 1
work=$PG_HARNESS_TMPDIR
export APP_STACK_LOG=$work/app.log
app_port=$(pg_harness_free_port) || exit 1
nginx_port=$(pg_harness_free_port) || exit 1
nginx_prefix=$(app_stack_nginx_prefix) || exit 1
app_stack_render_nginx "$nginx_prefix" "127.0.0.1:$nginx_port" "127.0.0.1:$app_port" 2 || exit 1
url=http://127.0.0.1:$nginx_port
# nginx answers static files without the app; the app comes and goes per run.
app_stack_start_nginx "$nginx_prefix" "127.0.0.1:$nginx_port" || exit 1
nginx_pid=$APP_STACK_PID

rows=()
declare -A rps_of=() backends_of=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for workers in "${worker_counts[@]}"; do
	for path in "${paths[@]}"; do
		for target in direct corral; do
			run_one "$workers" "$target" "$path" || exit 1
		done
	done
done
write_section "$(section "$(printf '%s\n' "${rows[@]}")")"
[ "$out" = - ] || say "wrote the App server section of $out"
