#!/usr/bin/env bash
# A client that dies mid-transaction never leaves a dirty server behind.
# A scripted libpq client (it_client) opens a transaction, creates a temp
# table, takes an ACCESS EXCLUSIVE lock and, in some cases, starts
# pg_sleep(30); then it is SIGKILLed. The next client on that pool (of 1)
# must be served within seconds, in no transaction, without the temp
# table; if it got the same backend (pg_backend_pid) that backend was
# cleaned, and if not, the old backend must be gone; either way the lock
# must be free. Cases: transaction mode idle in transaction, transaction
# mode mid-query, session mode idle in transaction.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_dirty='pool_mode=transaction pool_size=1' \
	db:it_dirty_s='pool_mode=session pool_size=1' query_wait_timeout=5 || exit 1
# Each case locks a table of its own, so that a backend a failed case
# leaves running cannot block the next case.
tables=()

# True once nothing holds a lock on table $1 (bounded: 5 s).
lock_free() {
	local _
	for _ in $(seq 1 50); do
		corral_pg_psql -c "BEGIN; LOCK TABLE $1 IN ACCESS EXCLUSIVE MODE NOWAIT; ROLLBACK" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# dirty_case NAME DB MIDQUERY(yes|no)
dirty_case() {
	local name=$1 db=$2 midquery=$3 reply pid token sql table
	table=it_dirty_lock_$$_${#tables[@]}
	tables+=("$table")
	corral_check "$name: create the table to lock" corral_pg_psql -c "CREATE TABLE $table (x int)"
	if ! corral_client_start dying "$db"; then
		corral_not_ok "$name: the dying client logs in"
		return
	fi
	corral_expect "$name: BEGIN" "OK INTRANS" "$(corral_client_query dying BEGIN)"
	corral_expect "$name: temp table" "OK INTRANS" \
		"$(corral_client_query dying 'CREATE TEMP TABLE it_dirty_t (x int)')"
	corral_expect "$name: lock" "OK INTRANS" \
		"$(corral_client_query dying "LOCK TABLE $table IN ACCESS EXCLUSIVE MODE")"
	reply=$(corral_client_query dying 'SELECT pg_backend_pid()')
	pid=${reply#OK INTRANS }
	if [ "$midquery" = yes ]; then
		token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
		sql="SELECT pg_sleep(30) /* $token */"
		corral_client_send dying "$sql"
		corral_check "$name: the dying client's query runs" corral_pg_wait_active "$sql"
	fi
	corral_client_kill dying

	if ! corral_client_start next "$db"; then
		corral_not_ok "$name: the next client logs in"
		return
	fi
	reply=$(corral_client_query next \
		"SELECT pg_backend_pid(), to_regclass('pg_temp.it_dirty_t') IS NULL" 10)
	echo "# $name: the dying client had backend $pid; the next one: $reply"
	corral_check "$name: the next client is served, in no transaction, with no temp table" \
		grep -qE '^OK IDLE [0-9]+\|t$' <<<"$reply"
	if [ "$reply" = "OK IDLE $pid|t" ]; then
		corral_ok "$name: same backend, cleaned"
	else
		corral_check "$name: another backend; the dirty one is gone" corral_pg_backend_gone "$pid"
	fi
	corral_check "$name: the dying client's lock is released" lock_free "$table"
	corral_client_close next
}

dirty_case "transaction mode, idle in transaction" it_dirty no
dirty_case "transaction mode, mid-query" it_dirty yes
dirty_case "session mode, idle in transaction" it_dirty_s no

# Cleanup, not a check: a backend a failed case left running may still
# hold its lock, hence the lock timeout.
corral_pg_psql -c "SET lock_timeout = '2s'" -c "DROP TABLE $(IFS=,; echo "${tables[*]}")"
corral_finish
