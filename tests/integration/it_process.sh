#!/usr/bin/env bash
# corral as a process. -d with logfile and pidfile: the parent returns at
# once, the pidfile names the detached daemon, which serves psql, logs to
# the logfile, and on SIGTERM exits and removes the pidfile. -d without
# logfile or syslog is refused with the reason. SIGINT with a client
# inside a transaction: new clients are refused at once, the transaction
# runs on and commits, and corral exits within 1 s of the COMMIT, status
# 0; SIGINT then SIGINT or SIGTERM, and SIGTERM alone, exit at once and
# the client gets an error. -u nobody (as root): every uid and gid of the
# process is nobody's, and it serves and reloads from a world-readable
# config; as any other user, -u is refused with the reason.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps
corral_require_env || exit 1
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1
CORRAL_LOG=$CORRAL_DIR/corral.log
corral=$CORRAL_TOP_BUILDDIR/corral
db=db:it_proc='pool_mode=transaction pool_size=2'
isready=pg_isready
[ ! -x "${CORRAL_PG_BINDIR:-}/pg_isready" ] || isready=$CORRAL_PG_BINDIR/pg_isready

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# True once process $1 has ended (bounded: $2 whole seconds).
ended_within() {
	local _
	for _ in $(seq 1 $(($2 * 20))); do
		corral_alive "$1" || return 0
		sleep 0.05
	done
	! corral_alive "$1"
}

# True when nothing answers on 127.0.0.1 port $1.
nothing_serves() {
	! "$isready" -q -h 127.0.0.1 -p "$1" -t 1 >/dev/null 2>&1
}

# True when pid $1 is a corral that leads its own session and is not
# this script's child: it was detached.
detached_corral() {
	local pid=$1
	[ -n "$pid" ] && corral_alive "$pid" || return 1
	[ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$corral")" ] || return 1
	[ "$(awk '{ print $6 }' "/proc/$pid/stat")" = "$pid" ] || return 1
	[ "$(awk '{ print $4 }' "/proc/$pid/stat")" != $$ ]
}

# Prints the contents of file $1 once it is non-empty (bounded: 5 s).
wait_file() {
	local _
	for _ in $(seq 1 50); do
		if [ -s "$1" ]; then
			cat "$1"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# True once file $1 has a line matching $2 (bounded: 5 s).
log_shows() {
	local _
	for _ in $(seq 1 50); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# 1. -d with logfile and pidfile.
port=$(corral_free_port) || exit 1
corral_write_config "$port" "$db" logfile="$CORRAL_DIR/daemon.log" \
	pidfile="$CORRAL_DIR/corral.pid" || exit 1
t0=$(now_ms)
timeout -k 1 10 "$corral" -d "$CORRAL_DIR/corral.ini" >"$CORRAL_DIR/parent.out" 2>&1
rc=$?
took=$(($(now_ms) - t0))
corral_expect "-d: the parent exits 0" 0 "$rc"
corral_check "-d: the parent returns at once ($took ms, < 1000)" test "$took" -lt 1000
pid=$(wait_file "$CORRAL_DIR/corral.pid")
[ -z "$pid" ] || IT_EXTRA_PIDS+=("$pid")
corral_check "-d: the pidfile names the detached corral ($pid)" detached_corral "$pid"
CORRAL_PID=$pid
if [ -n "$pid" ] && corral_wait_ready "$port"; then
	export CORRAL_HOST=127.0.0.1 CORRAL_PORT=$port
	corral_expect "-d: the daemon serves psql" 1 "$(corral_psql it_proc -c 'SELECT 1' 2>&1)"
	corral_check "-d: the daemon logs to its logfile" log_shows "$CORRAL_DIR/daemon.log" 'ready'
	kill -TERM "$pid"
	corral_check "-d: SIGTERM ends the daemon" ended_within "$pid" 5
	corral_check "-d: and the pidfile is gone" test ! -e "$CORRAL_DIR/corral.pid"
else
	corral_not_ok "-d: the daemon accepts connections"
	cat "$CORRAL_DIR/parent.out" "$CORRAL_DIR/daemon.log"
fi
CORRAL_PID=

# 2. -d without logfile or syslog.
port=$(corral_free_port) || exit 1
corral_write_config "$port" "$db" || exit 1
out=$(timeout -k 1 10 "$corral" -d "$CORRAL_DIR/corral.ini" 2>&1)
rc=$?
echo "# corral -d without a logfile said: $out"
corral_check "-d without logfile or syslog is refused (status $rc)" test "$rc" -ne 0 -a "$rc" -lt 124
corral_check "-d without logfile or syslog: the message says why" \
	grep -q 'logfile or syslog' <<<"$out"
corral_check "-d without logfile or syslog: nothing is left serving" nothing_serves "$port"

# 3. SIGINT waits for a transaction in progress.
if corral_start "$db" && corral_client_start tx it_proc; then
	corral_expect "SIGINT: a client opens a transaction" "OK INTRANS" \
		"$(corral_client_query tx BEGIN)"
	corral_expect "SIGINT: and runs a query in it" "OK INTRANS 1" \
		"$(corral_client_query tx 'SELECT 1')"
	kill -INT "$CORRAL_PID"
	sleep 0.2
	t0=$(now_ms)
	out=$(corral_psql it_proc -c 'SELECT 1' 2>&1)
	rc=$?
	took=$(($(now_ms) - t0))
	echo "# a new psql after SIGINT, after $took ms: $out"
	corral_check "SIGINT: a new client is refused" test "$rc" -ne 0
	# Debian's psql is a perl wrapper that takes ~0.5 s to start even when
	# refused at once; a client left waiting would take connect_timeout (5 s).
	corral_check "SIGINT: at once, not left waiting ($took ms, < 3000)" test "$took" -lt 3000
	corral_check "SIGINT: corral waits for the transaction" corral_alive "$CORRAL_PID"
	corral_expect "SIGINT: the client in the transaction still runs queries" "OK INTRANS 2" \
		"$(corral_client_query tx 'SELECT 2')"
	corral_expect "SIGINT: and can COMMIT" "OK IDLE" "$(corral_client_query tx COMMIT)"
	corral_check "SIGINT: corral exits within 1 s of the COMMIT" ended_within "$CORRAL_PID" 1
	if ! corral_alive "$CORRAL_PID"; then
		wait "$CORRAL_PID"
		rc=$?
		CORRAL_PID=
		corral_expect "SIGINT: exit status 0" 0 "$rc"
	fi
	corral_client_kill tx
else
	corral_not_ok "SIGINT: corral starts and a client logs in"
fi
corral_stop_quietly

# 4. A second signal, or SIGTERM alone, ends corral at once.
abrupt_case() {
	local name="SIG$*" last=${!#} sig reply rc
	if ! { corral_start "$db" && corral_client_start tx it_proc; }; then
		corral_not_ok "$name: corral starts and a client logs in"
		corral_stop_quietly
		return
	fi
	corral_expect "$name: a client opens a transaction" "OK INTRANS" \
		"$(corral_client_query tx BEGIN)"
	for sig in "${@:1:$#-1}"; do
		kill "-$sig" "$CORRAL_PID"
		sleep 0.3
		corral_check "$name: after SIG$sig corral still waits for the transaction" \
			corral_alive "$CORRAL_PID"
	done
	kill "-$last" "$CORRAL_PID"
	corral_check "$name: corral exits within 1 s of SIG$last" ended_within "$CORRAL_PID" 1
	if ! corral_alive "$CORRAL_PID"; then
		wait "$CORRAL_PID"
		rc=$?
		CORRAL_PID=
		corral_expect "$name: exit status 0" 0 "$rc"
	fi
	reply=$(corral_client_query tx 'SELECT 1' 5)
	echo "# $name: the client in the transaction then got: $reply"
	corral_check "$name: the client in the transaction gets an error, not a hang" \
		grep -q '^ERROR' <<<"$reply"
	corral_client_kill tx
	corral_stop_quietly
}
abrupt_case INT INT
abrupt_case INT TERM
abrupt_case TERM

# 5. -u nobody.
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$CORRAL_DIR"
	port=$(corral_free_port) || exit 1
	corral_write_config "$port" "$db" || exit 1
	chmod 644 "$CORRAL_DIR/corral.ini" "$CORRAL_DIR/users.txt"
	: >"$CORRAL_LOG"
	setpriv --pdeathsig KILL -- "$corral" -v -u nobody "$CORRAL_DIR/corral.ini" \
		>>"$CORRAL_LOG" 2>&1 &
	CORRAL_PID=$!
	if corral_wait_ready "$port"; then
		export CORRAL_HOST=127.0.0.1 CORRAL_PORT=$port
		uid=$(id -u nobody)
		gid=$(id -g nobody)
		corral_expect "-u nobody: every uid is nobody's" "$uid $uid $uid $uid" \
			"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$CORRAL_PID/status")"
		corral_expect "-u nobody: every gid is nobody's" "$gid $gid $gid $gid" \
			"$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$CORRAL_PID/status")"
		corral_expect "-u nobody: it serves psql" 1 "$(corral_psql it_proc -c 'SELECT 1' 2>&1)"
		kill -HUP "$CORRAL_PID"
		corral_check "-u nobody: SIGHUP reloads the world-readable config" \
			log_shows "$CORRAL_LOG" 'reload: .* read'
		corral_check "-u nobody: corral exits 0 on SIGTERM, no sanitizer report" corral_stop
	else
		corral_not_ok "-u nobody: corral starts and accepts connections"
	fi
else
	port=$(corral_free_port) || exit 1
	corral_write_config "$port" "$db" || exit 1
	out=$(timeout -k 1 10 "$corral" -u nobody "$CORRAL_DIR/corral.ini" 2>&1)
	rc=$?
	echo "# corral -u nobody as $(id -un) said: $out"
	corral_check "-u nobody as a non-root user is refused (status $rc)" \
		test "$rc" -ne 0 -a "$rc" -lt 124
	corral_check "-u nobody as a non-root user: the message says why" grep -q 'root' <<<"$out"
fi
corral_finish
