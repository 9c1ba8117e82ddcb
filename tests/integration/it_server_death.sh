#!/usr/bin/env bash
# Servers that die under corral. On its own PostgreSQL (this test restarts
# it, so it cannot share the suite's): pg_terminate_backend of a server
# linked to a client in a transaction gives that client an error, not a
# hang, and the next client works on another backend; terminating an idle
# pooled server is noticed, so the next query runs on a live one; a full
# PostgreSQL restart (fast shutdown, same port) gives the client whose
# query was running an error, and afterwards a client that sat idle through
# it, new scripted clients and psql all work.
set -uo pipefail
# shellcheck source=tests/harness/pg.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/pg.sh"
# shellcheck source=tests/harness/corral.sh
. "$CORRAL_TOP_SRCDIR/tests/harness/corral.sh"
corral_install_traps   # also removes this test's PostgreSQL
pg_harness_start || exit 1
corral_start db:it_death='pool_mode=transaction pool_size=2' \
	server_login_retry=1 query_wait_timeout=5 || exit 1

# Prints the backend pid in an it_client reply "OK <tx> <pid>", else nothing.
reply_pid() {
	[[ $1 =~ ^OK\ [A-Z]+\ ([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"
}

# corral_client_query's reply $2 is an ERROR; named $1.
expect_error_reply() {
	echo "# $1: $2"
	corral_check "$1" grep -q '^ERROR ' <<<"$2"
}

# 1. A server linked to a client in a transaction is terminated.
corral_client_start a it_death || exit 1
corral_expect "BEGIN" "OK INTRANS" "$(corral_client_query a BEGIN)"
pid=$(reply_pid "$(corral_client_query a 'SELECT pg_backend_pid()')")
corral_check "the client in a transaction has a backend" test -n "$pid"
corral_expect "pg_terminate_backend of its server" t \
	"$(corral_pg_psql -c "SELECT pg_terminate_backend(${pid:-0})")"
expect_error_reply "the linked client gets an error, not a hang" \
	"$(corral_client_query a 'SELECT 1' 10)"
corral_client_kill a
corral_client_start b it_death || exit 1
pid_b=$(reply_pid "$(corral_client_query b 'SELECT pg_backend_pid()')")
corral_check "the next client works, on another backend" \
	test -n "$pid_b" -a "$pid_b" != "$pid"

# 2. An idle pooled server is terminated.
corral_check "the idle server's backend is terminated" \
	test "$(corral_pg_psql -c "SELECT pg_terminate_backend($pid_b)")" = t
corral_check "and gone" corral_pg_backend_gone "$pid_b"
sleep 0.2
reply=$(corral_client_query b 'SELECT pg_backend_pid()')
pid_c=$(reply_pid "$reply")
echo "# after terminating idle backend $pid_b: $reply"
corral_check "the next query runs on a live backend" test -n "$pid_c" -a "$pid_c" != "$pid_b"

# 3. PostgreSQL restarts.
corral_client_start idle it_death || exit 1
corral_expect "a client that will sit idle through the restart works" "OK IDLE 1" \
	"$(corral_client_query idle 'SELECT 1')"
corral_client_start busy it_death || exit 1
token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
sql="SELECT pg_sleep(30) /* $token */"
corral_client_send busy "$sql"
corral_check "a query is running" corral_pg_wait_active "$sql"
corral_check "PostgreSQL restarts" pg_harness_restart
expect_error_reply "the client whose query ran gets an error" "$(corral_client_reply busy 10)"
corral_expect "the client that sat idle works" "OK IDLE 1" \
	"$(corral_client_query idle 'SELECT 1' 10)"
corral_client_start after it_death || exit 1
corral_expect "a new client works" "OK IDLE 2" "$(corral_client_query after 'SELECT 2' 10)"
corral_expect "psql works" 3 "$(corral_psql it_death -c 'SELECT 3' 2>&1)"

corral_finish
