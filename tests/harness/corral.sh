# shellcheck shell=bash
# tests/harness/corral.sh — a real corral process in front of the harness
# PostgreSQL, for the pooler's integration tests (tests/integration/it_*.sh).
# Owns: a temp dir per test script with the config, auth_file, log and unix
# socket; starting corral on a free 127.0.0.1 port and waiting (bounded)
# until it accepts connections; stopping it and failing when it crashed,
# would not stop or left a sanitizer report; scripted libpq clients
# (it_client) that a test can leave mid-query or SIGKILL; and the ok/not ok
# bookkeeping. It needs make check's CORRAL_TOP_BUILDDIR/CORRAL_TOP_SRCDIR
# and the PG* variables tests/harness/with-postgres exports.
# Background processes get SIGKILL when the script dies (setpriv
# --pdeathsig), so a test killed while its traps wait on a foreground
# command leaves no pooler running.
# Callers: corral_install_traps; corral_start [db:NAME=OPTS | SETTING=VALUE]...
# || exit 1; corral_check ...; corral_finish.

CORRAL_DIR=
CORRAL_PID=
CORRAL_LOG=
CORRAL_PASSED=0
CORRAL_FAILED=0
# How long corral may take to accept connections, and to exit on SIGTERM.
CORRAL_START_SECONDS=${CORRAL_START_SECONDS:-10}
CORRAL_STOP_SECONDS=${CORRAL_STOP_SECONDS:-10}
declare -A CORRAL_CLIENT_PID=() CORRAL_CLIENT_IN=() CORRAL_CLIENT_OUT=()

corral_log() {
	echo "corral.sh: $*" >&2
}

# Fails, saying how to run the tests, unless make check and the harness
# set what the tests need.
corral_require_env() {
	local v
	for v in CORRAL_TOP_BUILDDIR CORRAL_TOP_SRCDIR PGHOST PGPORT PGUSER PGPASSWORD; do
		if [ -z "${!v:-}" ]; then
			corral_log "$v is not set: run through make check under" \
				"tests/harness/with-postgres (scripts/test does both)"
			return 1
		fi
	done
	if [ ! -x "$CORRAL_TOP_BUILDDIR/corral" ]; then
		corral_log "$CORRAL_TOP_BUILDDIR/corral is not built"
		return 1
	fi
}

# True while the process exists and is not a zombie (kill -0 alone
# succeeds on a child that exited but was not waited for).
corral_alive() {
	local pid=$1 state
	[ -r "/proc/$pid/stat" ] || return 1
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# Prints a free TCP port using the PostgreSQL harness's chooser, in a
# separate shell: sourcing pg.sh resets the harness variables.
corral_free_port() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c '. "$1" && pg_harness_free_port ""' corral-port \
		"$CORRAL_TOP_SRCDIR/tests/harness/pg.sh"
}

# Writes $CORRAL_DIR/corral.ini for port $1 from arguments $2...:
#   db:NAME=OPTS    a [databases] entry NAME pointing at the harness
#                   PostgreSQL's database postgres, then OPTS (a later key
#                   replaces an earlier one, so OPTS may set dbname=...);
#   SETTING=VALUE   a [pgbouncer] setting, after the defaults (the last
#                   value of a setting wins).
corral_write_config() {
	local port=$1 arg dbs=() settings=()
	shift
	for arg in "$@"; do
		case $arg in
		db:*=*)
			arg=${arg#db:}
			dbs+=("${arg%%=*} = host=$PGHOST port=$PGPORT dbname=postgres ${arg#*=}")
			;;
		*=*) settings+=("${arg%%=*} = ${arg#*=}") ;;
		*)
			corral_log "corral_start: '$arg' is neither db:NAME=OPTS nor SETTING=VALUE"
			return 1
			;;
		esac
	done
	printf '"%s" "%s"\n' "$PGUSER" "$PGPASSWORD" >"$CORRAL_DIR/users.txt" || return 1
	{
		echo '[databases]'
		printf '%s\n' "${dbs[@]}"
		echo '[pgbouncer]'
		echo 'listen_addr = 127.0.0.1'
		echo "listen_port = $port"
		echo "unix_socket_dir = $CORRAL_DIR"
		echo 'auth_type = scram-sha-256'
		echo "auth_file = $CORRAL_DIR/users.txt"
		# The harness PostgreSQL has no TLS.
		echo 'server_tls_sslmode = disable'
		printf '%s\n' "${settings[@]}"
	} >"$CORRAL_DIR/corral.ini"
}

# Waits until corral (pid $CORRAL_PID) accepts connections on TCP port $1
# and has its unix socket. 0: ready. 2: it exited because the port was
# taken. 1: it exited or did not get ready in time (its log printed).
corral_wait_ready() {
	local port=$1 isready=pg_isready tries=$((CORRAL_START_SECONDS * 10))
	[ ! -x "${CORRAL_PG_BINDIR:-}/pg_isready" ] || isready=$CORRAL_PG_BINDIR/pg_isready
	for _ in $(seq 1 "$tries"); do
		if ! corral_alive "$CORRAL_PID"; then
			wait "$CORRAL_PID"
			corral_log "corral exited with status $? before accepting connections"
			CORRAL_PID=
			grep -qi 'address already in use' "$CORRAL_LOG" && return 2
			corral_show_log
			return 1
		fi
		# pg_isready counts any answer, even a refused login, as ready.
		if [ -S "$CORRAL_DIR/.s.PGSQL.$port" ] &&
			"$isready" -q -h 127.0.0.1 -p "$port" -t 1 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	corral_log "corral did not accept connections on 127.0.0.1:$port and" \
		"$CORRAL_DIR/.s.PGSQL.$port within $CORRAL_START_SECONDS s"
	corral_show_log
	return 1
}

# Starts corral with a config built from the arguments (see
# corral_write_config) and waits until it accepts connections. Exports
# CORRAL_HOST, CORRAL_PORT and CORRAL_SOCKDIR for psql, pgbench and the C
# helpers. Returns 0 when ready; 1 with the reason and corral's log printed.
corral_start() {
	local rc port _
	corral_require_env || return 1
	if [ -z "$CORRAL_DIR" ]; then
		CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || return 1
	fi
	CORRAL_LOG=$CORRAL_DIR/corral.log
	for _ in 1 2 3; do
		port=$(corral_free_port) || return 1
		corral_write_config "$port" "$@" || return 1
		: >"$CORRAL_LOG"
		setpriv --pdeathsig KILL -- "$CORRAL_TOP_BUILDDIR/corral" -v "$CORRAL_DIR/corral.ini" \
			>>"$CORRAL_LOG" 2>&1 &
		CORRAL_PID=$!
		corral_wait_ready "$port"
		rc=$?
		[ $rc -eq 2 ] || break
		corral_log "port $port was taken meanwhile; trying another"
	done
	[ $rc -eq 0 ] || { corral_stop_quietly; return 1; }
	export CORRAL_HOST=127.0.0.1 CORRAL_PORT=$port CORRAL_SOCKDIR=$CORRAL_DIR
	corral_log "corral pid $CORRAL_PID on 127.0.0.1:$port and $CORRAL_DIR"
}

corral_show_log() {
	[ -n "$CORRAL_LOG" ] && [ -f "$CORRAL_LOG" ] || return 0
	corral_log "the last 200 lines of corral's log ($CORRAL_LOG):"
	tail -n 200 "$CORRAL_LOG" >&2
}

# Stops corral with SIGTERM. Returns 0 when it was still running, exited 0
# within CORRAL_STOP_SECONDS and its log has no sanitizer report; 1 (with
# the reason) otherwise. A pooler that crashed during a test fails here.
corral_stop() {
	local pid=$CORRAL_PID rc _
	[ -n "$pid" ] || return 0
	CORRAL_PID=
	if ! corral_alive "$pid"; then
		wait "$pid"
		corral_log "corral had exited by itself, status $?"
		return 1
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 $((CORRAL_STOP_SECONDS * 10))); do
		corral_alive "$pid" || break
		sleep 0.1
	done
	if corral_alive "$pid"; then
		corral_log "corral did not exit within $CORRAL_STOP_SECONDS s of SIGTERM; killing it"
		kill -KILL "$pid"
		wait "$pid"
		return 1
	fi
	wait "$pid"
	rc=$?
	if [ $rc -ne 0 ]; then
		corral_log "corral exited with status $rc on SIGTERM"
		return 1
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$CORRAL_LOG"; then
		corral_log "corral's log has a sanitizer report"
		return 1
	fi
}

# Ends corral without judging how (cleanup paths).
corral_stop_quietly() {
	[ -n "$CORRAL_PID" ] || return 0
	kill -KILL "$CORRAL_PID" 2>/dev/null
	wait "$CORRAL_PID" 2>/dev/null
	CORRAL_PID=
}

# psql through corral over TCP to database $1, bounded to 60 s, quiet,
# unaligned, stopping at the first error; the remaining arguments are
# psql's. The login may take CORRAL_PSQL_CONNECT_TIMEOUT seconds (5).
corral_psql() {
	local db=$1
	shift
	timeout -k 5 60 psql -X -q -At -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=$db connect_timeout=${CORRAL_PSQL_CONNECT_TIMEOUT:-5}" "$@"
}

# corral_show_columns ITEM COLUMN...: the named columns of every row of
# SHOW ITEM, '|'-separated, a row a line; asked on the admin console over
# corral's unix socket as $PGUSER (who must be in admin_users or
# stats_users and get past auth_type there).
corral_show_columns() {
	local item=$1
	shift
	timeout -k 5 60 psql -X -q -A -P footer=off -v ON_ERROR_STOP=1 \
		"host=$CORRAL_SOCKDIR port=$CORRAL_PORT dbname=pgbouncer connect_timeout=5" \
		-c "SHOW $item" | awk -F'|' -v want="$*" '
		NR == 1 { n = split(want, col, " "); for (i = 1; i <= NF; i++) idx[$i] = i; next }
		{ row = ""; for (j = 1; j <= n; j++) row = row (j > 1 ? "|" : "") $idx[col[j]]; print row }'
}

# psql straight to the harness PostgreSQL (database postgres unless -d),
# bounded like corral_psql.
corral_pg_psql() {
	PGCONNECT_TIMEOUT=5 timeout -k 5 60 psql -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# Waits up to $2 (default 5) seconds for a backend running exactly the
# query text $1; prints its pid. Queries carry a unique token so that
# tests running side by side never see each other's.
corral_pg_wait_active() {
	local text=$1 seconds=${2:-5} pid _
	for _ in $(seq 1 $((seconds * 10))); do
		pid=$(corral_pg_psql -v text="$text" <<-'EOF'
			SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query = :'text'
		EOF
		)
		if [ -n "$pid" ]; then
			echo "$pid"
			return 0
		fi
		sleep 0.1
	done
	corral_log "no backend ran '$text' within $seconds s"
	return 1
}

# True once backend pid $1 has left pg_stat_activity (bounded: 5 s).
corral_pg_backend_gone() {
	local _
	for _ in $(seq 1 50); do
		[ "$(corral_pg_psql -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $1")" = 0 ] &&
			return 0
		sleep 0.1
	done
	corral_log "backend $1 is still there after 5 s"
	return 1
}

# Runs tests/integration/$1, a Check suite, against the running corral,
# bounded by CORRAL_HELPER_SECONDS (default 180).
corral_helper() {
	timeout -k 5 "${CORRAL_HELPER_SECONDS:-180}" "$CORRAL_TOP_BUILDDIR/tests/integration/$1"
}

# Starts scripted client $1 (tests/integration/it_client) on database $2,
# with conninfo extras $3, and waits for its login. Its replies are read
# with corral_client_reply. Returns 0 when logged in, else 1 and says why.
corral_client_start() {
	local name=$1 db=$2 extra=${3:-} in out fd line
	in=$CORRAL_DIR/client-$name.in
	out=$CORRAL_DIR/client-$name.out
	rm -f "$in" "$out"
	mkfifo "$in" "$out" || return 1
	setpriv --pdeathsig KILL -- "$CORRAL_TOP_BUILDDIR/tests/integration/it_client" \
		"$db" "$extra" <"$in" >"$out" 2>>"$CORRAL_DIR/client-$name.err" &
	CORRAL_CLIENT_PID[$name]=$!
	# Read-write opens of a fifo do not block, so a client that died
	# before opening its ends cannot hang the test.
	exec {fd}<>"$in"
	CORRAL_CLIENT_IN[$name]=$fd
	exec {fd}<>"$out"
	CORRAL_CLIENT_OUT[$name]=$fd
	line=$(corral_client_reply "$name")
	case $line in
	READY*) return 0 ;;
	*)
		corral_log "client $name did not log in to $db: $line" \
			"$(cat "$CORRAL_DIR/client-$name.err" 2>/dev/null)"
		return 1
		;;
	esac
}

# Sends one line of SQL to client $1 without waiting for the reply.
corral_client_send() {
	printf '%s\n' "$2" >&"${CORRAL_CLIENT_IN[$1]}"
}

# Prints client $1's next reply line, waiting at most $2 (default 15) s;
# prints NOREPLY when none came. Replies (see it_client.c):
#   READY <pid> | CONNFAIL <message> | OK <tx> <rows> |
#   ERROR <tx> <sqlstate> <message> | TIMEOUT
corral_client_reply() {
	local line
	if read -r -t "${2:-15}" -u "${CORRAL_CLIENT_OUT[$1]}" line; then
		printf '%s\n' "$line"
	else
		echo NOREPLY
	fi
}

# Sends $2 to client $1 and prints the reply (waiting at most $3 s).
corral_client_query() {
	corral_client_send "$1" "$2"
	corral_client_reply "$1" "${3:-15}"
}

# SIGKILLs client $1: its sockets close without a Terminate message, as
# when an application process dies.
corral_client_kill() {
	local name=$1 in out
	[ -n "${CORRAL_CLIENT_PID[$name]:-}" ] || return 0
	kill -KILL "${CORRAL_CLIENT_PID[$name]}" 2>/dev/null
	wait "${CORRAL_CLIENT_PID[$name]}" 2>/dev/null
	in=${CORRAL_CLIENT_IN[$name]}
	out=${CORRAL_CLIENT_OUT[$name]}
	exec {in}>&- {out}<&-
	unset "CORRAL_CLIENT_PID[$name]" "CORRAL_CLIENT_IN[$name]" "CORRAL_CLIENT_OUT[$name]"
}

# Ends client $1 politely (\q: libpq sends Terminate), killing it if it
# has not exited within 5 s.
corral_client_close() {
	local pid=${CORRAL_CLIENT_PID[$1]:-} _
	[ -n "$pid" ] || return 0
	corral_client_send "$1" '\q'
	for _ in $(seq 1 50); do
		corral_alive "$pid" || break
		sleep 0.1
	done
	corral_client_kill "$1"
}

# Records one result as TAP-like "ok - NAME" / "not ok - NAME".
corral_ok() {
	echo "ok - $1"
	CORRAL_PASSED=$((CORRAL_PASSED + 1))
}

corral_not_ok() {
	echo "not ok - $1"
	CORRAL_FAILED=$((CORRAL_FAILED + 1))
}

# corral_check NAME COMMAND [ARG...]: ok when COMMAND succeeds.
corral_check() {
	local name=$1
	shift
	if "$@"; then corral_ok "$name"; else corral_not_ok "$name"; fi
}

# corral_expect NAME EXPECTED ACTUAL: ok when the strings are equal; else
# prints both.
corral_expect() {
	if [ "$2" = "$3" ]; then
		corral_ok "$1"
	else
		corral_not_ok "$1"
		echo "#   expected: $2"
		echo "#   got:      $3"
	fi
}

# corral_expect_has NAME FRAGMENT TEXT: ok when TEXT holds FRAGMENT; else
# prints both.
corral_expect_has() {
	case $3 in
	*"$2"*) corral_ok "$1" ;;
	*)
		corral_not_ok "$1"
		echo "#   expected to contain: $2"
		echo "#   got:                 $3"
		;;
	esac
}

# The end of a test script: stops corral (a crash, a hang on SIGTERM or a
# sanitizer report is one more failure), prints the counts and, on any
# failure, corral's log. Returns 0 only when nothing failed.
corral_finish() {
	if [ -n "$CORRAL_PID" ]; then
		corral_check "corral exits 0 on SIGTERM, no sanitizer report" corral_stop
	fi
	echo "$CORRAL_PASSED passed, $CORRAL_FAILED failed"
	[ "$CORRAL_FAILED" -eq 0 ] && return 0
	corral_show_log
	return 1
}

# Removes everything this file started and created; idempotent. When the
# test also sourced pg.sh and started its own PostgreSQL, that goes too.
corral_cleanup() {
	local name
	for name in "${!CORRAL_CLIENT_PID[@]}"; do
		corral_client_kill "$name"
	done
	corral_stop_quietly
	[ -z "$CORRAL_DIR" ] || rm -rf "$CORRAL_DIR"
	CORRAL_DIR=
	if declare -F pg_harness_cleanup >/dev/null; then
		pg_harness_cleanup
	fi
}

corral_on_exit() {
	local rc=$?
	corral_cleanup
	exit $rc
}

corral_on_signal() {
	trap - INT TERM EXIT
	corral_log "caught SIG$1; stopping"
	corral_cleanup
	exit $((128 + $(kill -l "$1")))
}

# Any exit, Ctrl-C or SIGTERM stops corral and the clients and removes the
# temp dir; the exit status is the script's, or 128+signal.
corral_install_traps() {
	trap corral_on_exit EXIT
	trap 'corral_on_signal INT' INT
	trap 'corral_on_signal TERM' TERM
}
