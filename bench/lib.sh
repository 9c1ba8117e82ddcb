# shellcheck shell=bash
# bench/lib.sh — what every bench/<name>.sh shares; sourced, never run.
# Owns: the command line (--smoke, --out DIR); finding corral, bench/loadgen
# and PgBouncer; a throwaway PostgreSQL from tests/harness/pg.sh unless the
# harness already runs one (make check), with a database of pgbench tables;
# a temp dir holding each pooler's config, auth_files and log; starting
# corral and PgBouncer with the same settings as the same non-root user and
# stopping them; a pooler's CPU time and RSS from /proc; the interleaved run
# order (A B B A); the raw figures, their medians and ratios; and the
# markdown fragment each script leaves for bench/run-all. It measures
# nothing by itself.
# Callers: bench_init NAME "$@" || exit 1; ...; bench_finish.

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_BUILD=${CORRAL_TOP_BUILDDIR:-$BENCH_TOP/build/default}
BENCH_NAME=
BENCH_SMOKE=0
BENCH_OUT=
BENCH_DIR=
BENCH_RUNAS=
# How the poolers are started: setpriv, as BENCH_RUNAS when root, with
# SIGKILL when this script dies.
BENCH_SETPRIV=(setpriv --pdeathsig KILL --)
BENCH_DB=
BENCH_OWN_PG=0
# Pool size and client limit, the same for both poolers.
BENCH_POOL=20
BENCH_MAX_CLIENTS=11000
# A command (e.g. valgrind) the next bench_start_pooler runs the pooler
# under.
BENCH_WRAP=()
# Which poolers a script measures: both, or the one BENCH_ONLY names (to
# follow corral's figures from one change to the next without PgBouncer's
# runs; bench/run-all needs both).
BENCH_POOLERS=(corral pgbouncer)
# The running bench/loadgen processes and their FIFOs' descriptors.
LOADGEN_PIDS=()
LOADGEN_IN=()
LOADGEN_OUT=()
declare -A BENCH_PID=() BENCH_PORT=() BENCH_LOG=() BENCH_DBNAME=()
# shellcheck disable=SC2034 # the scripts name the poolers with it
declare -A BENCH_LABEL=([corral]=corral [pgbouncer]=PgBouncer [direct]=direct)
BENCH_CLK_TCK=$(getconf CLK_TCK)

bench_log() {
	echo "bench/$BENCH_NAME: $*" >&2
}

bench_usage() {
	cat <<-EOF
		usage: bench/$BENCH_NAME.sh [--smoke] [--out DIR]
		  --smoke    a few seconds instead of minutes: checks the script works
		  --out DIR  write $BENCH_NAME.md (a section of docs/benchmarks.md) and
		             its data files to DIR instead of printing the section
		corral is taken from \$CORRAL_TOP_BUILDDIR (default build/default).
		BENCH_ONLY=corral (or pgbouncer) measures that pooler alone.
		Runs against the harness PostgreSQL when tests/harness/with-postgres
		started one, else starts its own.
	EOF
}

# Fails, saying what to install or build, unless every program is there.
bench_require() {
	local p missing=()
	for p in pgbench pgbouncer psql pg_isready setpriv; do
		command -v "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		bench_log "missing ${missing[*]}: run scripts/install-deps"
		return 1
	fi
	for p in corral bench/loadgen; do
		if [ ! -x "$BENCH_BUILD/$p" ]; then
			bench_log "$BENCH_BUILD/$p is not built: run make (or make bench) in a" \
				"build dir, or point CORRAL_TOP_BUILDDIR at one"
			return 1
		fi
	done
}

# True when corral was built with AddressSanitizer (scripts/test's asan
# build): valgrind cannot run it and its figures mean nothing. (Not
# `ldd | grep -q`: under pipefail, grep leaving early can make ldd die of
# SIGPIPE and the test false.)
bench_sanitized() {
	grep -q libasan <<<"$(ldd "$BENCH_BUILD/corral" 2>/dev/null)"
}

# Picks the user both poolers run as: PgBouncer refuses to run as root, so
# as root both run as the harness PostgreSQL's user (postgres or corral-pg).
bench_pick_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	# shellcheck disable=SC2016 # expanded by the inner shell
	BENCH_RUNAS=$(bash -c '. "$1" && pg_harness_pick_user && echo "$PG_HARNESS_RUNAS"' \
		bench-user "$BENCH_TOP/tests/harness/pg.sh") || return 1
	chown "$BENCH_RUNAS" "$BENCH_DIR" || return 1
	BENCH_SETPRIV=(setpriv --reuid="$BENCH_RUNAS" --regid="$BENCH_RUNAS" --init-groups
		--pdeathsig KILL --)
}

# Uses the harness PostgreSQL when one runs (make check exports its data
# dir), else starts a throwaway one. Then creates this run's database with
# pgbench's tables (scale 1: the poolers are measured, not PostgreSQL).
bench_setup_pg() {
	if [ -z "${CORRAL_PG_DATADIR:-}" ] || [ -z "${PGPORT:-}" ]; then
		# shellcheck source=tests/harness/pg.sh
		. "$BENCH_TOP/tests/harness/pg.sh"
		BENCH_OWN_PG=1
		pg_harness_start || return 1
	fi
	BENCH_DB=corral_bench_$$
	BENCH_DBNAME=([corral]=bench [pgbouncer]=bench [direct]=$BENCH_DB)
	BENCH_PORT[direct]=$PGPORT
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $BENCH_DB" || return 1
	if ! pgbench -i -q -s 1 "$BENCH_DB" >"$BENCH_DIR/pgbench-init.log" 2>&1; then
		cat "$BENCH_DIR/pgbench-init.log" >&2
		return 1
	fi
}

# Writes the auth_files: users-plain.txt with the harness password in
# plain text, users-scram.txt with PostgreSQL's own SCRAM secret for it
# (so either pooler can also log in to the server with the client's keys).
bench_write_auth_files() {
	local secret
	printf '"%s" "%s"\n' "$PGUSER" "$PGPASSWORD" >"$BENCH_DIR/users-plain.txt" || return 1
	secret=$(psql -X -At -v ON_ERROR_STOP=1 -v u="$PGUSER" <<-'EOF'
		SELECT rolpassword FROM pg_authid WHERE rolname = :'u'
	EOF
	) || return 1
	case $secret in
	SCRAM-SHA-256\$*) ;;
	*)
		bench_log "$PGUSER's password in PostgreSQL is not a SCRAM secret"
		return 1
		;;
	esac
	printf '"%s" "%s"\n' "$PGUSER" "$secret" >"$BENCH_DIR/users-scram.txt"
}

# bench_init NAME "$@": parses the command line, checks the tools, makes
# the temp dir and installs the cleanup traps, raises the open-files limit
# to the hard one (1,000 pgbench clients, 10,000 held connections) and
# prepares PostgreSQL. Returns 0, or 1 with the reason printed.
bench_init() {
	BENCH_NAME=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--smoke) BENCH_SMOKE=1 ;;
		--out) BENCH_OUT=${2:?--out needs a directory}; shift ;;
		-h | --help) bench_usage; exit 0 ;;
		*) bench_usage >&2; exit 2 ;;
		esac
		shift
	done
	if [ "$BENCH_SMOKE" -eq 1 ]; then
		BENCH_POOL=4
		BENCH_MAX_CLIENTS=500
	fi
	case ${BENCH_ONLY:-} in
	'') ;;
	corral | pgbouncer) [ "${#BENCH_POOLERS[@]}" -eq 1 ] || BENCH_POOLERS=("$BENCH_ONLY") ;;
	*)
		bench_log "BENCH_ONLY is corral or pgbouncer, not '$BENCH_ONLY'"
		return 1
		;;
	esac
	bench_require || return 1
	ulimit -n "$(ulimit -Hn)"
	trap bench_on_exit EXIT
	trap 'bench_on_signal INT' INT
	trap 'bench_on_signal TERM' TERM
	trap 'bench_on_signal HUP' HUP
	BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-bench.XXXXXX") || return 1
	: >"$BENCH_DIR/raw.tsv"
	: >"$BENCH_DIR/section.md"
	bench_pick_user || return 1
	bench_setup_pg || return 1
	bench_write_auth_files
}

# Prints a free TCP port (the harness's chooser, in its own shell: sourcing
# pg.sh here would reset a running harness's variables).
bench_free_port() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c '. "$1" && pg_harness_free_port ""' bench-port "$BENCH_TOP/tests/harness/pg.sh"
}

# Writes pooler $1's config for port $2, then $3...: NAME=VALUE settings
# (the last value of a setting wins in both poolers) and db:OPTS, added to
# the database's connection string.
bench_write_config() {
	local name=$1 port=$2 sock=$BENCH_DIR/$1.sock arg db_opts=
	shift 2
	mkdir -p "$sock" && { [ -z "$BENCH_RUNAS" ] || chown "$BENCH_RUNAS" "$sock"; } || return 1
	for arg in "$@"; do
		[ "${arg#db:}" = "$arg" ] || db_opts+=" ${arg#db:}"
	done
	{
		echo '[databases]'
		echo "bench = host=$PGHOST port=$PGPORT dbname=$BENCH_DB$db_opts"
		echo '[pgbouncer]'
		echo 'listen_addr = 127.0.0.1'
		echo "listen_port = $port"
		echo "unix_socket_dir = $sock"
		echo 'auth_type = md5'
		echo "auth_file = $BENCH_DIR/users-plain.txt"
		echo 'pool_mode = transaction'
		echo "default_pool_size = $BENCH_POOL"
		echo "max_client_conn = $BENCH_MAX_CLIENTS"
		echo 'server_tls_sslmode = disable'
		# Logging every login or a stats line would measure the log.
		echo 'log_connections = 0'
		echo 'log_disconnections = 0'
		echo 'log_stats = 0'
		# Servers left idle at low client counts must still be there at
		# high ones: a new server login (SCRAM) would be charged to the
		# transactions of whatever runs then.
		echo 'server_idle_timeout = 0'
		for arg in "$@"; do
			[ "${arg#db:}" != "$arg" ] || echo "${arg%%=*} = ${arg#*=}"
		done
	} >"$BENCH_DIR/$name.ini"
}

# True while process $1 exists and is not a zombie (a child that exited
# but was not waited for). No fork: start-up polls this.
bench_alive() {
	local stat
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# bench_start_pooler NAME [SETTING=VALUE | db:OPTS...]: starts corral or
# pgbouncer (under BENCH_WRAP when set) with the shared settings plus these
# (see bench_write_config), and
# waits (60 s at most: valgrind is slow to start) until it accepts
# connections. Returns 0, or 1 with its log printed.
bench_start_pooler() {
	local name=$1 port cmd _
	shift
	[ -z "${BENCH_PID[$name]:-}" ] || bench_stop_pooler "$name" || return 1
	port=$(bench_free_port) || return 1
	bench_write_config "$name" "$port" "$@" || return 1
	case $name in
	corral) cmd=("$BENCH_BUILD/corral" "$BENCH_DIR/$name.ini") ;;
	pgbouncer) cmd=(pgbouncer "$BENCH_DIR/$name.ini") ;;
	esac
	BENCH_LOG[$name]=$BENCH_DIR/$name.log
	# One subshell that execs: $! is the pooler itself.
	(
		cd "$BENCH_DIR" || exit 1
		exec "${BENCH_SETPRIV[@]}" "${BENCH_WRAP[@]}" "${cmd[@]}"
	) >>"${BENCH_LOG[$name]}" 2>&1 &
	BENCH_PID[$name]=$!
	BENCH_PORT[$name]=$port
	for _ in $(seq 1 600); do
		if ! bench_alive "${BENCH_PID[$name]}"; then
			bench_log "$name exited at start-up; its log:"
			tail -n 50 "${BENCH_LOG[$name]}" >&2
			BENCH_PID[$name]=
			return 1
		fi
		pg_isready -q -h 127.0.0.1 -p "$port" -d bench -t 1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	bench_log "$name did not accept connections on port $port within 60 s"
	return 1
}

# Prints how many backends serve this run's database.
bench_backends() {
	psql -X -At -v ON_ERROR_STOP=1 -v db="$BENCH_DB" <<-'EOF'
		SELECT count(*) FROM pg_stat_activity WHERE datname = :'db' AND backend_type = 'client backend'
	EOF
}

# bench_fill_pool NAME: has pooler NAME, just started, open every server
# of its pool, so that no measurement pays for a server login: pgbench
# with twice the pool size in clients until PostgreSQL shows BENCH_POOL
# backends for each running pooler (a stopped pooler's may take a moment
# to go). Returns 1 when that does not happen within 20 tries.
bench_fill_pool() {
	local want=0 now name _
	for name in "${BENCH_POOLERS[@]}"; do
		[ -z "${BENCH_PID[$name]:-}" ] || want=$((want + BENCH_POOL))
	done
	for _ in $(seq 1 20); do
		bench_pgbench "$1" -S -c $((2 * BENCH_POOL)) -j 2 -T 1 >/dev/null || return 1
		now=$(bench_backends) || return 1
		[ "$now" -ne "$want" ] || return 0
	done
	bench_log "after filling $1's pool, $now backends instead of $want"
	return 1
}

# Stops pooler $1 with SIGTERM (SIGKILL after 30 s). Returns 1 when it had
# died by itself, needed SIGKILL, or (corral) exited non-zero or left a
# sanitizer report: the smoke test fails then.
bench_stop_pooler() {
	local name=$1 pid=${BENCH_PID[$1]:-} rc _
	[ -n "$pid" ] || return 0
	BENCH_PID[$name]=
	if ! bench_alive "$pid"; then
		wait "$pid"
		bench_log "$name had exited by itself (status $?); its log:"
		tail -n 50 "${BENCH_LOG[$name]}" >&2
		return 1
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 300); do
		bench_alive "$pid" || break
		sleep 0.1
	done
	if bench_alive "$pid"; then
		bench_log "$name did not exit within 30 s of SIGTERM; killing it"
		kill -KILL "$pid"
		wait "$pid"
		return 1
	fi
	wait "$pid"
	rc=$?
	[ "$name" = corral ] || return 0
	if [ $rc -ne 0 ] || grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "${BENCH_LOG[$name]}"; then
		bench_log "corral exited with status $rc or a sanitizer report; its log:"
		tail -n 50 "${BENCH_LOG[$name]}" >&2
		return 1
	fi
}

# Prints pooler $1's CPU time so far (user + system, all threads) in µs:
# the scheduler's nanosecond count (the first field of each thread's
# schedstat), or where the kernel keeps none, utime + stime, which come in
# clock ticks (10 ms: a third of a µs a transaction over 30,000 of them).
bench_cpu_us() {
	local pid=${BENCH_PID[$1]} stat fields f ns=0 on_cpu _
	for f in /proc/"$pid"/task/*/schedstat; do
		read -r on_cpu _ <"$f" 2>/dev/null || { ns=; break; }
		ns=$((ns + on_cpu))
	done
	if [ -n "$ns" ] && [ "$ns" -gt 0 ]; then
		echo $((ns / 1000))
		return 0
	fi
	stat=$(<"/proc/$pid/stat") || return 1
	# Fields after the command name, which ends with ") ": utime and
	# stime are the 12th and 13th of them.
	read -r -a fields <<<"${stat##*) }"
	echo $(((fields[11] + fields[12]) * 1000000 / BENCH_CLK_TCK))
}

# Prints pooler $1's resident set size in KiB.
bench_rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/${BENCH_PID[$1]}/status"
}

# bench_order REP [NAME...]: the order of repetition REP (0-based) of the
# named targets (default: both poolers): as given, then reversed, so that
# a drift of the machine during the run hits every target alike.
bench_order() {
	local rep=$1
	shift
	[ $# -gt 0 ] || set -- "${BENCH_POOLERS[@]}"
	if [ $((rep % 2)) -eq 0 ]; then
		echo "$@"
	else
		printf '%s\n' "$@" | tac | tr '\n' ' '
	fi
}

# A libpq conninfo for target $1 (corral, pgbouncer or direct).
bench_conninfo() {
	echo "host=127.0.0.1 port=${BENCH_PORT[$1]} dbname=${BENCH_DBNAME[$1]}"
}

# bench_pgbench TARGET ARGS...: pgbench (no vacuum) through target
# $1 with ARGS, bounded to 15 min; its report goes to stdout. Returns
# non-zero when pgbench failed or any transaction failed.
bench_pgbench() {
	local target=$1 out rc
	shift
	out=$(timeout -k 5 900 pgbench -n -h 127.0.0.1 -p "${BENCH_PORT[$target]}" "$@" \
		"${BENCH_DBNAME[$target]}" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ $rc -ne 0 ] || ! grep -q '^number of failed transactions: 0 ' <<<"$out"; then
		bench_log "pgbench $* through $target failed (status $rc):"
		printf '%s\n' "$out" | tail -n 20 >&2
		return 1
	fi
}

# bench_percentile P FILE...: the P-th percentile (nearest rank) of the
# transaction latencies in pgbench --log files, in µs; the third field of
# a log line is the transaction's latency in µs.
bench_percentile() {
	local p=$1
	shift
	awk '{ print $3 }' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "n/a"; exit }
			i = p / 100 * NR
			if (i > int(i)) i = int(i) + 1
			if (i < 1) i = 1
			print v[i]
		}'
}

# bench_loadgen_start TARGET CLIENTS [PROCESSES]: starts PROCESSES
# (default 1) bench/loadgen processes that together log CLIENTS
# connections in to TARGET, 100 logins in flight each; they talk over
# FIFOs in the temp dir, their errors in loadgen.N.err. Talk to them with
# bench_loadgen_send and bench_loadgen_expect; end them with
# bench_loadgen_stop.
bench_loadgen_start() {
	local conninfo procs=${3:-1} i share fifo fd
	conninfo=$(bench_conninfo "$1")
	LOADGEN_PIDS=()
	LOADGEN_IN=()
	LOADGEN_OUT=()
	for i in $(seq 0 $((procs - 1))); do
		share=$((($2 + i) / procs))
		fifo=$BENCH_DIR/loadgen.$i
		rm -f "$fifo.in" "$fifo.out"
		mkfifo "$fifo.in" "$fifo.out" || return 1
		# Read-write opens of a FIFO do not block, whatever starts first.
		exec {fd}<>"$fifo.in"
		LOADGEN_IN+=("$fd")
		exec {fd}<>"$fifo.out"
		LOADGEN_OUT+=("$fd")
		"$BENCH_BUILD/bench/loadgen" -n "$share" -c 100 -t 600 "$conninfo" \
			<"$fifo.in" >"$fifo.out" 2>"$fifo.err" &
		LOADGEN_PIDS+=($!)
	done
}

# bench_loadgen_expect WORD: waits (10 min at most) for every loadgen's
# next line, which must be "WORD N SECONDS"; prints the largest SECONDS.
# Returns 1 with the loadgens' errors printed otherwise.
bench_loadgen_expect() {
	local fd word n seconds longest=0
	for fd in "${LOADGEN_OUT[@]}"; do
		if ! read -r -t 600 -u "$fd" word n seconds || [ "$word" != "$1" ]; then
			bench_log "a loadgen did not say '$1': ${word:-nothing} ${n:-} ${seconds:-}"
			cat "$BENCH_DIR"/loadgen.*.err >&2
			return 1
		fi
		longest=$(awk -v a="$longest" -v b="$seconds" 'BEGIN { print (b > a ? b : a) }')
	done
	echo "$longest"
}

# Sends a command line to every loadgen.
bench_loadgen_send() {
	local fd
	for fd in "${LOADGEN_IN[@]}"; do
		echo "$1" >&"$fd"
	done
}

# Prints the loadgens' CPU time so far (user + system) in µs.
bench_loadgen_cpu_us() {
	local pid stat fields ticks=0
	for pid in "${LOADGEN_PIDS[@]}"; do
		stat=$(<"/proc/$pid/stat") || return 1
		read -r -a fields <<<"${stat##*) }"
		ticks=$((ticks + fields[11] + fields[12]))
	done
	echo $((ticks * 1000000 / BENCH_CLK_TCK))
}

# Tells the loadgens to close their connections and waits for them.
# Returns non-zero when one of them failed.
bench_loadgen_stop() {
	local pid fd rc=0
	bench_loadgen_send quit
	for pid in "${LOADGEN_PIDS[@]}"; do
		wait "$pid" || rc=1
	done
	for fd in "${LOADGEN_IN[@]}" "${LOADGEN_OUT[@]}"; do
		exec {fd}>&-
	done
	LOADGEN_PIDS=()
	LOADGEN_IN=()
	LOADGEN_OUT=()
	return $rc
}

# bench_loadgen_once TARGET: one client logs in to TARGET and runs one
# query: opens the pool's first server and is the user's first login.
bench_loadgen_once() {
	bench_loadgen_start "$1" 1
	bench_loadgen_expect logged_in >/dev/null || return 1
	bench_loadgen_send query
	bench_loadgen_expect queried >/dev/null || return 1
	bench_loadgen_stop
}

# Records one raw figure: KEY (what was measured, e.g. tps/simple/100),
# the pooler, the value.
bench_record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$BENCH_DIR/raw.tsv"
}

# Prints the values recorded for KEY $1 and pooler $2, one a line, from
# BENCH_RAW (default: this run's raw.tsv).
bench_values() {
	awk -F'\t' -v k="$1" -v p="$2" '$1 == k && $2 == p { print $3 }' "${BENCH_RAW:-$BENCH_DIR/raw.tsv}"
}

# bench_summarize: computes, in one pass over BENCH_RAW (default: this
# run's raw.tsv), the median of every (key, pooler) and half the range of
# its values as a percentage of that median (the run-to-run noise), for
# bench_med and bench_spread. Call it after the last bench_record: a
# section's tables look up hundreds of figures, and a process per lookup
# takes seconds on a busy machine.
declare -A BENCH_MED=() BENCH_SPREAD=()
bench_summarize() {
	local key pooler med spread
	BENCH_MED=()
	BENCH_SPREAD=()
	while IFS=$'\t' read -r key pooler med spread; do
		BENCH_MED[$key|$pooler]=$med
		BENCH_SPREAD[$key|$pooler]=$spread
	done < <(awk -F'\t' '
		$3 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { g = $1 "\t" $2; n[g]++; v[g, n[g]] = $3 + 0 }
		END {
			for (g in n) {
				k = n[g]
				for (i = 1; i <= k; i++) s[i] = v[g, i]
				for (i = 2; i <= k; i++)
					for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
				m = k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2
				spread = (k < 2 || m == 0) ? "n/a" : sprintf("±%.1f %%", (s[k] - s[1]) / 2 / m * 100)
				print g "\t" m "\t" spread
			}
		}' "${BENCH_RAW:-$BENCH_DIR/raw.tsv}")
}

# bench_med KEY POOLER: the median of what was recorded ("n/a": nothing).
bench_med() {
	echo "${BENCH_MED[$1|$2]:-n/a}"
}

# bench_spread KEY POOLER: the run-to-run noise, e.g. "±3.1 %".
bench_spread() {
	echo "${BENCH_SPREAD[$1|$2]:-n/a}"
}

# bench_fmt NUMBER DECIMALS: the number rounded, "n/a" passed through.
bench_fmt() {
	case $1 in
	n/a | '') echo n/a ;;
	*) LC_ALL=C printf "%.${2}f\n" "$1" ;;
	esac
}

# bench_ratio A B: A / B with 2 decimals, or n/a.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# bench_cells KEY DECIMALS: three table cells, "corral | PgBouncer |
# ratio", from the medians.
bench_cells() {
	local c p
	c=$(bench_med "$1" corral)
	p=$(bench_med "$1" pgbouncer)
	echo "$(bench_fmt "$c" "$2") | $(bench_fmt "$p" "$2") | $(bench_ratio "$c" "$p")"
}

# Appends its arguments (lines of markdown) to this script's section.
bench_md() {
	printf '%s\n' "$@" >>"$BENCH_DIR/section.md"
}

# Copies a data file into the output dir for bench/run-all's plots.
bench_data_file() {
	[ -z "$BENCH_OUT" ] || cp "$1" "$BENCH_OUT/"
}

# The end of a script: writes the section (to --out DIR/NAME.md, else to
# stdout) and the raw figures and the poolers' last configs beside it. Returns non-zero when a pooler
# fails to stop cleanly.
bench_finish() {
	local name rc=0
	for name in "${BENCH_POOLERS[@]}"; do
		bench_stop_pooler "$name" || rc=1
	done
	if [ -n "$BENCH_OUT" ]; then
		mkdir -p "$BENCH_OUT" || return 1
		cp "$BENCH_DIR/section.md" "$BENCH_OUT/$BENCH_NAME.md" || return 1
		cp "$BENCH_DIR/raw.tsv" "$BENCH_OUT/$BENCH_NAME.raw.tsv" || return 1
		for name in "${BENCH_POOLERS[@]}"; do
			[ ! -f "$BENCH_DIR/$name.ini" ] ||
				cp "$BENCH_DIR/$name.ini" "$BENCH_OUT/$BENCH_NAME.$name.ini" || return 1
		done
	else
		cat "$BENCH_DIR/section.md"
	fi
	return $rc
}

# Removes everything this run started and created; idempotent.
bench_cleanup() {
	local name pid
	for pid in "${LOADGEN_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for name in "${!BENCH_PID[@]}"; do
		pid=${BENCH_PID[$name]}
		[ -n "$pid" ] || continue
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		BENCH_PID[$name]=
	done
	if [ -n "$BENCH_DB" ] && [ "$BENCH_OWN_PG" -eq 0 ]; then
		psql -X -q -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1
	fi
	BENCH_DB=
	[ -z "$BENCH_DIR" ] || rm -rf "$BENCH_DIR"
	BENCH_DIR=
	if [ "$BENCH_OWN_PG" -eq 1 ]; then
		pg_harness_cleanup
	fi
}

bench_on_exit() {
	local rc=$?
	bench_cleanup
	exit $rc
}

bench_on_signal() {
	trap - INT TERM HUP EXIT
	bench_log "caught SIG$1; stopping"
	bench_cleanup
	exit $((128 + $(kill -l "$1")))
}
