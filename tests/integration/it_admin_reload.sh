#!/usr/bin/env bash
# Reload (RELOAD on the admin console, and SIGHUP) applies a changed config
# without dropping a client: during a pgbench run, RELOAD grows a pool and
# SIGHUP shrinks it, a broken config on SIGHUP is logged with file:line and
# changes nothing; pgbench ends with 0 failed transactions and one history
# row per transaction. Then: RELOAD of a broken config answers ERROR F0000
# naming file:line; a database whose target changed keeps its transaction
# on the old server, which closes once released (close_needed), and the
# next transaction runs on the new target; a removed database serves its
# connected client and refuses new ones; a user added to auth_file logs in
# after RELOAD; a setting that needs a restart is logged as such and keeps
# its running value.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
db=it_admin_rl_$$
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
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1
auth=$CORRAL_DIR/reload-users.txt
printf '"%s" "%s"\n' "$PGUSER" "$PGPASSWORD" >"$auth"

# config SIZE TARGET_DB GONE [SETTING=VALUE...]: corral's config with
# it_load's pool_size SIZE, it_tgt pointing at TARGET_DB, it_gone present
# when GONE is "keep".
config() {
	local size=$1 target=$2 gone=$3
	shift 3
	local dbs=(db:it_load="dbname=$db pool_mode=transaction pool_size=$size"
		db:it_tgt="dbname=$target pool_mode=transaction pool_size=1")
	[ "$gone" = keep ] && dbs+=(db:it_gone='pool_mode=transaction pool_size=1')
	CONFIG_ARGS=("${dbs[@]}" auth_file="$auth" admin_users="$PGUSER" stats_users=it_new
		max_client_conn=100 query_wait_timeout=60 "$@")
}
rewrite() {
	config "$@"
	corral_write_config "$CORRAL_PORT" "${CONFIG_ARGS[@]}"
}
config 2 postgres keep
corral_start "${CONFIG_ARGS[@]}" || { drop_db; exit 1; }
ini=$CORRAL_DIR/corral.ini

console() {
	timeout -k 5 60 psql -X -q -A -P footer=off -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=pgbouncer connect_timeout=5" -c "$1"
}
show_value() {
	console "SHOW $1" | awk -F'|' -v k="$2" -v kv="$3" -v col="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx[k] == kv { print $idx[col]; exit }'
}
servers_of() {
	console 'SHOW POOLS' | awk -F'|' -v d="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx["database"] == d { print $idx["sv_active"] + $idx["sv_idle"] + $idx["sv_used"] + \
			$idx["sv_tested"] + $idx["sv_login"] }'
}
# Waits up to 5 s for corral's log to hold fixed string $1 more than $2
# (default 0) times.
log_has() {
	local _
	for _ in $(seq 50); do
		[ "$(grep -cF -- "$1" "$CORRAL_LOG")" -gt "${2:-0}" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- RELOAD and SIGHUP during pgbench ----
out=$CORRAL_DIR/pgbench.out
timeout -k 5 120 pgbench -n -c 10 -j 2 -T 8 -h "$CORRAL_HOST" -p "$CORRAL_PORT" it_load \
	>"$out" 2>&1 &
bench=$!
sleep 1.5
most=$(servers_of it_load)
corral_check "pool_size 2 holds under load (${most:-?} servers)" test "${most:-9}" -le 2
rewrite 5 postgres keep
corral_check "RELOAD with pool_size 5" console 'RELOAD'
corral_expect "SHOW DATABASES has the new pool_size" 5 "$(show_value DATABASES name it_load pool_size)"
most=0
for _ in $(seq 20); do
	n=$(servers_of it_load)
	[ "${n:-0}" -gt "$most" ] && most=$n
	sleep 0.1
done
corral_check "the pool grew for its waiting clients ($most servers)" test "$most" -gt 2
rewrite 3 postgres keep
reloads=$(grep -cF "reload: $ini read" "$CORRAL_LOG")
kill -HUP "$CORRAL_PID"
corral_check "SIGHUP with pool_size 3 is applied" log_has "reload: $ini read" "$reloads"
corral_expect "SHOW DATABASES has it" 3 "$(show_value DATABASES name it_load pool_size)"
echo 'this line is not ini' >>"$ini"
bad_line=$(wc -l <"$ini")
kill -HUP "$CORRAL_PID"
corral_check "a broken config on SIGHUP is logged with file:line" \
	log_has "reload failed, keeping the running configuration: $ini:$bad_line"
corral_expect "and corral goes on serving" 1 "$(corral_psql it_load -c 'SELECT 1' 2>&1)"
corral_expect "with the running config" 3 "$(show_value DATABASES name it_load pool_size)"
wait $bench
corral_check "pgbench exits 0 through RELOAD and SIGHUP" test $? -eq 0
awk '{ print "# " $0 }' "$out"
corral_check "pgbench: no failed transactions" grep -qE '^number of failed transactions: 0 ' "$out"
done_n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
corral_expect "PostgreSQL has one history row per transaction pgbench counted" "${done_n:-?}" \
	"$(corral_pg_psql -d "$db" -c 'SELECT count(*) FROM pgbench_history')"

# ---- RELOAD of a broken config ----
err=$(console 'RELOAD' 2>&1)
echo "# $err"
corral_check "RELOAD of a broken config answers an ERROR naming file:line" \
	grep -qF "RELOAD failed, keeping the running configuration: $ini:$bad_line" <<<"$err"
corral_expect "the console session is still there" "corral" \
	"$(console 'SHOW VERSION' | sed -n '2s/ .*//p')"

# ---- a changed target, a removed database, a new auth_file user ----
corral_client_start t it_tgt || exit 1
corral_client_start g it_gone || exit 1
corral_expect "it_tgt starts on postgres" "OK INTRANS postgres" \
	"$(corral_client_query t 'BEGIN; SELECT current_database()')"
corral_expect "it_gone serves" "OK IDLE 1" "$(corral_client_query g 'SELECT 1')"
corral_check "it_new is not in auth_file yet" \
	test "$(PGUSER=it_new PGPASSWORD=new-secret corral_psql pgbouncer -c 'SHOW VERSION' 2>/dev/null)" = ""
printf '"it_new" "new-secret"\n' >>"$auth"
rewrite 3 "$db" drop listen_port=1
corral_check "RELOAD: target changed, it_gone removed, listen_port changed" console 'RELOAD'
corral_check "the restart-only setting is logged as such" log_has "listen_port"
corral_check "... and keeps its running value" log_has "the running value stays until corral restarts"
corral_expect "the busy server is marked close_needed" 1 \
	"$(show_value SERVERS database it_tgt close_needed)"
corral_expect "the transaction stays on the old server" "OK INTRANS postgres" \
	"$(corral_client_query t 'SELECT current_database()')"
corral_expect "and commits" "OK IDLE" "$(corral_client_query t 'COMMIT')"
corral_expect "the next one runs on the new target" "OK IDLE $db" \
	"$(corral_client_query t 'SELECT current_database()')"
corral_expect "no server is close_needed any more" "" \
	"$(console 'SHOW SERVERS' | awk -F'|' 'NR > 1 && $14 == 1')"
corral_expect "a removed database's client keeps working" "OK IDLE 2" \
	"$(corral_client_query g 'SELECT 2')"
corral_check "a removed database refuses new clients" \
	grep -qF 'no such database: it_gone' <<<"$(corral_psql it_gone -c 'SELECT 1' 2>&1)"
corral_expect "a user added to auth_file logs in after RELOAD" "corral" \
	"$(PGUSER=it_new PGPASSWORD=new-secret console 'SHOW VERSION' 2>&1 | sed -n '2s/ .*//p')"
corral_client_close t
corral_client_close g

corral_finish
rc=$?
drop_db
exit $rc
