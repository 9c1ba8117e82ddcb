#!/usr/bin/env bash
# Which idle server a transaction-mode pool hands out, and what happens to
# it on the way: most recently released first by default, least recently
# used first with server_round_robin; server_check_query only after
# server_check_delay of idleness, its result never reaching the client and
# a failing check replacing the server unseen; server_reset_query_always
# running DISCARD ALL in transaction mode. Scripted libpq clients
# (it_client) tell backends apart by pg_backend_pid(); the check query
# bumps a sequence of this script's own, read straight from PostgreSQL.
# Each case gets a corral of its own.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps

seq_name=it_pool_order_checks_$$
tx='pool_mode=transaction'

# Prints client $1's backend pid for one autocommit transaction, or the
# unexpected reply.
backend_of() {
	local reply
	reply=$(corral_client_query "$1" 'SELECT pg_backend_pid()')
	printf '%s\n' "${reply#OK IDLE }"
}

# Prints how many times the check sequence was used, as client pg (on
# PostgreSQL itself) sees it: a psql per read may take over the 1 s
# server_check_delay on a loaded machine.
checks_run() {
	local reply
	reply=$(corral_client_query pg \
		"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM $seq_name")
	printf '%s\n' "${reply#OK IDLE }"
}

# Starts a corral for database it_order with the [databases] options $1
# and the settings after it, and clients a and b on it. 0 when all of
# them are up; 1 after recording why not.
start_with_two_clients() {
	local opts=$1 name
	shift
	if ! corral_start db:it_order="$opts" "$@"; then
		corral_not_ok "corral starts with '$opts $*'"
		return 1
	fi
	for name in a b; do
		if ! corral_client_start "$name" it_order; then
			corral_not_ok "client $name logs in"
			return 1
		fi
	done
}

# Opens both servers of a pool of 2 (clients a and b each hold one in a
# transaction), then releases a's and b's, in that order, setting pid_a
# and pid_b to their backends. Returns 1 after recording what went wrong.
open_two_servers() {
	local ra rb
	corral_client_query a BEGIN >/dev/null
	corral_client_query b BEGIN >/dev/null
	ra=$(corral_client_query a 'SELECT pg_backend_pid()')
	rb=$(corral_client_query b 'SELECT pg_backend_pid()')
	if ! [[ $ra =~ ^OK\ INTRANS\ [0-9]+$ && $rb =~ ^OK\ INTRANS\ [0-9]+$ && $ra != "$rb" ]]; then
		corral_not_ok "two clients in transactions hold two backends (a: $ra; b: $rb)"
		return 1
	fi
	corral_expect "a commits first" "OK IDLE" "$(corral_client_query a COMMIT)"
	corral_expect "b commits second" "OK IDLE" "$(corral_client_query b COMMIT)"
	pid_a=${ra#OK INTRANS }
	pid_b=${rb#OK INTRANS }
}

# Five transactions of client $1; prints their backend pids, blank-separated.
five_backends() {
	local got=() _
	for _ in 1 2 3 4 5; do
		got+=("$(backend_of "$1")")
	done
	echo "${got[*]}"
}

# 1. The default hands out the server released last, every time.
case_lifo() {
	start_with_two_clients "$tx pool_size=2" || return
	open_two_servers || return
	corral_expect "server_round_robin=0: every transaction gets the server released last" \
		"$pid_b $pid_b $pid_b $pid_b $pid_b" "$(five_backends a)"
}

# 2. Round robin hands out the least recently used server: a's first, as
# it was released before b's, then they alternate.
case_round_robin() {
	start_with_two_clients "$tx pool_size=2" server_round_robin=1 || return
	open_two_servers || return
	corral_expect "server_round_robin=1: transactions alternate, least recently used first" \
		"$pid_a $pid_b $pid_a $pid_b $pid_a" "$(five_backends a)"
}

# 3a. server_check_query runs only on a server idle for server_check_delay,
# once, before the client's query, whose result is the client's own.
case_check_delay() {
	local pid before
	if ! corral_pg_psql -c "CREATE SEQUENCE $seq_name"; then
		corral_not_ok "create sequence $seq_name"
		return
	fi
	if ! corral_start db:it_order="$tx pool_size=1" \
		"server_check_query=SELECT nextval('$seq_name')" server_check_delay=1; then
		corral_not_ok "corral starts with server_check_query"
		return
	fi
	if ! corral_client_start a it_order ||
		! corral_client_start pg postgres "host=$PGHOST port=$PGPORT"; then
		corral_not_ok "client a logs in to corral, client pg to PostgreSQL"
		return
	fi
	pid=$(backend_of a)
	before=$(checks_run)
	corral_expect "server_check_query: a server reused at once is not checked" \
		"OK IDLE $pid|42 $before" \
		"$(corral_client_query a 'SELECT pg_backend_pid(), 41 + 1') $(checks_run)"
	sleep 1.5
	corral_expect "server_check_query: a server idle for 1.5 s is checked once; the client gets its own result" \
		"OK IDLE $pid|42 $((before + 1))" \
		"$(corral_client_query a 'SELECT pg_backend_pid(), 41 + 1') $(checks_run)"
	corral_expect "server_check_query: right after its check the server is reused unchecked" \
		"OK IDLE $pid|7 $((before + 1))" \
		"$(corral_client_query a 'SELECT pg_backend_pid(), 7') $(checks_run)"
	corral_pg_psql -c "DROP SEQUENCE $seq_name"
}

# True when reply $1 is the 42 of "SELECT pg_backend_pid(), 41 + 1" from
# a backend other than $2.
served_elsewhere() {
	[[ $1 =~ ^OK\ IDLE\ [0-9]+\|42$ && $1 != "OK IDLE $2|42" ]]
}

# 3b. A failing check closes that server; the client is served, without
# an error, on a new one.
case_check_fails() {
	local pid reply
	if ! corral_start db:it_order="$tx pool_size=1" \
		'server_check_query=SELECT 1/0' server_check_delay=1; then
		corral_not_ok "corral starts with a failing server_check_query"
		return
	fi
	if ! corral_client_start a it_order; then
		corral_not_ok "client a logs in"
		return
	fi
	pid=$(backend_of a)
	sleep 1.5
	reply=$(corral_client_query a 'SELECT pg_backend_pid(), 41 + 1')
	echo "# the checked backend was $pid; the client's query after the failed check: $reply"
	corral_check "a failed server_check_query: the client is served on another backend" \
		served_elsewhere "$reply" "$pid"
	corral_check "a failed server_check_query: its backend is closed" \
		corral_pg_backend_gone "$pid"
	corral_check "a failed server_check_query: corral says why it closed the server" \
		grep -q 'server_check_query failed' "$CORRAL_LOG"
}

# 4. In transaction mode a session-level SET stays on its backend for the
# next client (expected: that is what transaction pooling means), unless
# server_reset_query_always makes DISCARD ALL run when a client's
# transaction releases the server ("clients always lose their state after
# each transaction", as PgBouncer documents it). Client a sets work_mem
# and stays connected; client b then runs on the same backend (pool of 1).
# $1: server_reset_query_always; $2: the work_mem b should see.
case_reset_always() {
	local always=$1 expect=$2 pid
	start_with_two_clients "$tx pool_size=1" server_reset_query_always="$always" || return
	pid=$(backend_of a)
	corral_expect "server_reset_query_always=$always: a's transaction sets work_mem" "OK IDLE" \
		"$(corral_client_query a "BEGIN; SET work_mem = '7MB'; COMMIT")"
	corral_expect "server_reset_query_always=$always: b on a's backend sees work_mem $expect" \
		"OK IDLE $pid|$expect" \
		"$(corral_client_query b "SELECT pg_backend_pid(), current_setting('work_mem')")"
}

# run_case TITLE FUNCTION [ARG...]: FUNCTION's case, then its corral must
# exit 0 on SIGTERM with no sanitizer report; its clients are ended.
run_case() {
	local title=$1 failed=$CORRAL_FAILED name
	shift
	"$@"
	for name in a b pg; do
		corral_client_kill "$name"
	done
	if [ -n "$CORRAL_PID" ]; then
		corral_check "$title: corral exits 0 on SIGTERM, no sanitizer report" corral_stop
	fi
	[ "$CORRAL_FAILED" -eq "$failed" ] || corral_show_log
}

default_work_mem=$(corral_pg_psql -c 'SHOW work_mem') || exit 1
if [ "$default_work_mem" = 7MB ]; then
	corral_log "the harness PostgreSQL's work_mem is already 7MB"
	exit 1
fi
run_case "server_round_robin=0" case_lifo
run_case "server_round_robin=1" case_round_robin
run_case "server_check_delay" case_check_delay
run_case "failing server_check_query" case_check_fails
run_case "server_reset_query_always=0" case_reset_always 0 7MB
# Known bug: corral runs server_reset_query only in server_client_left(),
# when a client disconnects while linked to a server, never when a
# transaction-mode transaction releases one, so the SET leaks as with 0
# (seen also when a disconnects before b's query).
run_case "server_reset_query_always=1" case_reset_always 1 "$default_work_mem"
corral_finish
