#!/usr/bin/env bash
# The admin console's control commands, each doing what docs/admin.md says:
# PAUSE under a pgbench load answers once no server is left, clients wait
# (no transaction ends meanwhile) and nothing fails; RESUME lets every
# transaction complete (pgbench: 0 failed, one history row per transaction);
# KILL drops a database's clients and makes new ones wait until RESUME;
# DISABLE refuses new clients and keeps connected ones, ENABLE lets them in
# again; RECONNECT marks a busy server close_needed and WAIT_CLOSE answers
# only once its transaction ended and it closed, the client then running on
# a new backend; KILL_CLIENT drops one client; SHUTDOWN WAIT_FOR_CLIENTS
# stops accepting and exits 0 once the last client left; SHUTDOWN
# WAIT_FOR_SERVERS lets a transaction finish, then exits; SHUTDOWN exits at
# once after answering.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
db=it_admin_ctl_$$
corral_pg_psql -c "CREATE DATABASE $db" || exit 1
drop_db() {
	corral_pg_psql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
if ! timeout -k 5 120 pgbench -i -q -s 1 "$db" >"${TMPDIR:-/tmp}/$db.init.log" 2>&1; then
	cat "${TMPDIR:-/tmp}/$db.init.log" >&2
	drop_db
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/$db.init.log"
start() {
	corral_start db:it_load="dbname=$db pool_mode=transaction pool_size=4" \
		db:it_other='pool_mode=transaction pool_size=2' \
		admin_users="$PGUSER" max_client_conn=100 query_wait_timeout=60
}
start || { drop_db; exit 1; }

console() {
	timeout -k 5 60 psql -X -q -A -P footer=off -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=pgbouncer connect_timeout=5" -c "$1"
}
show_value() {
	console "SHOW $1" | awk -F'|' -v k="$2" -v kv="$3" -v col="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx[k] == kv { print $idx[col]; exit }'
}
# Servers of pool (database $1) in any state.
servers_of() {
	console 'SHOW POOLS' | awk -F'|' -v d="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx["database"] == d { print $idx["sv_active"] + $idx["sv_idle"] + $idx["sv_used"] + \
			$idx["sv_tested"] + $idx["sv_login"] }'
}

# ---- PAUSE and RESUME under pgbench ----
out=$CORRAL_DIR/pgbench.out
timeout -k 5 120 pgbench -n -c 12 -j 2 -T 7 -h "$CORRAL_HOST" -p "$CORRAL_PORT" it_load \
	>"$out" 2>&1 &
bench=$!
sleep 2
corral_check "PAUSE it_load answers under load" console 'PAUSE it_load'
corral_expect "paused: no server of it_load is left" 0 "$(servers_of it_load)"
waiting=$(show_value POOLS database it_load cl_waiting)
corral_check "paused: pgbench's clients wait (${waiting:-?})" test "${waiting:-0}" -gt 0
corral_expect "SHOW DATABASES: it_load paused" 1 "$(show_value DATABASES name it_load paused)"
x1=$(show_value STATS database it_load total_xact_count)
sleep 1
corral_expect "paused: no transaction ends" "$x1" "$(show_value STATS database it_load total_xact_count)"
corral_check "RESUME it_load" console 'RESUME it_load'
wait $bench
corral_check "pgbench exits 0 through PAUSE and RESUME" test $? -eq 0
awk '{ print "# " $0 }' "$out"
corral_check "pgbench: no failed transactions" grep -qE '^number of failed transactions: 0 ' "$out"
done_n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
corral_expect "PostgreSQL has one history row per transaction pgbench counted" "${done_n:-?}" \
	"$(corral_pg_psql -d "$db" -c 'SELECT count(*) FROM pgbench_history')"
corral_expect "resumed: not paused" 0 "$(show_value DATABASES name it_load paused)"

# ---- KILL ----
corral_client_start k it_other || exit 1
corral_expect "a client of it_other runs" "OK IDLE 1" "$(corral_client_query k 'SELECT 1')"
corral_check "KILL it_other" console 'KILL it_other'
reply=$(corral_client_query k 'SELECT 1')
echo "# after KILL: $reply"
corral_check "KILL dropped the client" grep -qE '^ERROR ' <<<"$reply"
corral_client_kill k
corral_expect "KILL closed it_other's servers" 0 "$(servers_of it_other)"
corral_client_start k2 it_other || exit 1
corral_client_send k2 'SELECT 2'
corral_expect "after KILL a new client's query waits" NOREPLY "$(corral_client_reply k2 1)"
corral_check "RESUME it_other" console 'RESUME it_other'
corral_expect "after RESUME it runs" "OK IDLE 2" "$(corral_client_reply k2)"

# ---- DISABLE and ENABLE ----
corral_check "DISABLE it_other" console 'DISABLE it_other'
refused=$(corral_psql it_other -c 'SELECT 1' 2>&1)
echo "# disabled: $refused"
corral_check "a disabled database refuses new clients" \
	grep -qF 'database "it_other" is disabled' <<<"$refused"
corral_expect "a connected client keeps working" "OK IDLE 3" "$(corral_client_query k2 'SELECT 3')"
corral_expect "SHOW DATABASES: it_other disabled" 1 "$(show_value DATABASES name it_other disabled)"
corral_check "ENABLE it_other" console 'ENABLE it_other'
corral_expect "enabled: new clients get in" 1 "$(corral_psql it_other -c 'SELECT 1' 2>&1)"

# ---- RECONNECT and WAIT_CLOSE ----
reply=$(corral_client_query k2 'BEGIN; SELECT pg_backend_pid()')
pid1=${reply##* }
corral_check "a transaction holds a server (backend ${pid1:-?})" grep -q '^OK INTRANS ' <<<"$reply"
corral_check "RECONNECT it_other" console 'RECONNECT it_other'
corral_expect "the busy server is marked close_needed" 1 \
	"$(show_value SERVERS remote_pid "$pid1" close_needed)"
corral_client_start w pgbouncer || exit 1
corral_client_send w 'WAIT_CLOSE it_other'
corral_expect "WAIT_CLOSE waits while the transaction runs" NOREPLY "$(corral_client_reply w 1)"
corral_expect "the transaction commits" "OK IDLE" "$(corral_client_query k2 'COMMIT')"
corral_expect "then WAIT_CLOSE answers" "OK IDLE" "$(corral_client_reply w 5)"
corral_check "the old backend is gone" corral_pg_backend_gone "$pid1"
reply=$(corral_client_query k2 'SELECT pg_backend_pid()')
pid2=${reply##* }
corral_check "the client runs on a new backend ($pid1 -> ${pid2:-?})" \
	test "${pid2:-$pid1}" != "$pid1"
corral_expect "WAIT_CLOSE with nothing to close answers at once" "OK IDLE" \
	"$(corral_client_query w 'WAIT_CLOSE')"

# ---- KILL_CLIENT ----
id=$(console 'SHOW CLIENTS' | awk -F'|' '
	NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
	$idx["database"] == "it_other" { print $idx["id"]; exit }')
corral_check "KILL_CLIENT ${id:-?}" console "KILL_CLIENT ${id:-0}"
reply=$(corral_client_query k2 'SELECT 4')
echo "# after KILL_CLIENT: $reply"
corral_check "KILL_CLIENT dropped the client" grep -qE '^ERROR ' <<<"$reply"
corral_client_kill k2
corral_client_close w

# ---- SHUTDOWN WAIT_FOR_CLIENTS ----
# wait_exit SECONDS: corral's exit status once it has exited, 124 if it
# has not within SECONDS.
wait_exit() {
	local _
	for _ in $(seq 1 $(($1 * 10))); do
		if ! corral_alive "$CORRAL_PID"; then
			wait "$CORRAL_PID"
			local rc=$?
			CORRAL_PID=
			return $rc
		fi
		sleep 0.1
	done
	return 124
}
no_sanitizer_report() {
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$CORRAL_LOG"
}
corral_client_start c it_other || exit 1
corral_check "SHUTDOWN WAIT_FOR_CLIENTS answers" console 'SHUTDOWN WAIT_FOR_CLIENTS'
sleep 0.5
corral_check "corral waits for its client" corral_alive "$CORRAL_PID"
corral_check "new connections are refused" \
	test "$(corral_psql it_other -c 'SELECT 1' 2>/dev/null)" != 1
corral_expect "the connected client keeps working" "OK IDLE 5" "$(corral_client_query c 'SELECT 5')"
corral_client_close c
wait_exit 5
corral_expect "corral exits 0 once the last client left" 0 $?
corral_check "no sanitizer report" no_sanitizer_report

# ---- SHUTDOWN WAIT_FOR_SERVERS ----
start || { drop_db; exit 1; }
corral_client_start t it_other || exit 1
corral_client_start i it_other || exit 1
corral_expect "a transaction runs" "OK INTRANS 6" "$(corral_client_query t 'BEGIN; SELECT 6')"
corral_check "SHUTDOWN WAIT_FOR_SERVERS answers" console 'SHUTDOWN WAIT_FOR_SERVERS'
corral_check "a client between transactions is closed" \
	grep -qE '^ERROR ' <<<"$(corral_client_query i 'SELECT 7')"
corral_expect "the transaction goes on" "OK INTRANS 8" "$(corral_client_query t 'SELECT 8')"
corral_expect "and commits" "OK IDLE" "$(corral_client_query t 'COMMIT')"
wait_exit 5
corral_expect "corral exits 0 once the transaction ended" 0 $?
corral_check "no sanitizer report" no_sanitizer_report
corral_client_kill t
corral_client_kill i

# ---- SHUTDOWN ----
start || { drop_db; exit 1; }
corral_check "SHUTDOWN answers" console 'SHUTDOWN'
wait_exit 5
corral_expect "corral exits 0 at once" 0 $?
corral_check "no sanitizer report" no_sanitizer_report

corral_finish
rc=$?
drop_db
exit $rc
