#!/usr/bin/env bash
# The admin console's SHOW commands against docs/admin.md and known
# activity: every SHOW's columns (names, order, types) are exactly the
# table docs/admin.md gives for it, read from the doc itself so the two
# cannot drift; 100 queries from one client raise total_query_count and
# total_xact_count by exactly 100; a client queued behind a transaction
# shows in cl_waiting, in maxwait once it has waited a second, and as
# "waiting" in SHOW CLIENTS; SHOW HELP answers its notice; the averages
# show traffic once its stats_period has ended. Then it_admin (libpq and
# raw): who may log in and run what, every kind of mistake with its
# SQLSTATE, the extended protocol, SET.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1
auth=$CORRAL_DIR/admin-users.txt
printf '"%s" "%s"\n"it_stats" "stats-secret"\n"it_nobody" "nobody-secret"\n' \
	"$PGUSER" "$PGPASSWORD" >"$auth" || exit 1
corral_start db:it_admin='pool_mode=transaction pool_size=1' auth_type=plain \
	auth_file="$auth" admin_users="$PGUSER" stats_users=it_stats stats_period=2 \
	query_wait_timeout=30 || exit 1
doc=$CORRAL_TOP_SRCDIR/docs/admin.md

# psql to the console with a header line, '|'-separated, no footer.
console() {
	timeout -k 5 60 psql -X -q -A -P footer=off -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=pgbouncer connect_timeout=5" -c "$1"
}

# show_value ITEM KEYCOL KEY COL: column COL of the row of SHOW ITEM whose
# column KEYCOL is KEY.
show_value() {
	console "SHOW $1" | awk -F'|' -v k="$2" -v kv="$3" -v col="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx[k] == kv { print $idx[col]; exit }'
}

# The "name type" lines of SHOW ITEM's table in docs/admin.md.
doc_columns() {
	awk -v h="### SHOW $1" '
		$0 == h { on = 1; next }
		/^#/ { on = 0 }
		on && /^\| `/ {
			split($0, f, "|")
			name = f[2]; type = f[3]
			gsub(/[ `]/, "", name); gsub(/ /, "", type)
			print name, type
		}' "$doc"
}

for item in VERSION STATE POOLS STATS STATS_TOTALS STATS_AVERAGES TOTALS SERVERS CLIENTS \
	SOCKETS ACTIVE_SOCKETS DATABASES USERS CONFIG LISTS MEM; do
	want=$(doc_columns "$item")
	got=$("$CORRAL_TOP_BUILDDIR/tests/integration/it_admin_cols" "SHOW $item" | grep -v '^rows ')
	if [ -z "$want" ]; then
		corral_not_ok "docs/admin.md has a column table for SHOW $item"
	else
		corral_expect "SHOW $item columns are docs/admin.md's" "$want" "$got"
	fi
done
corral_check "SHOW HELP answers the console usage notice" \
	grep -q 'Console usage' <<<"$(console 'SHOW HELP' 2>&1)"
corral_expect "SHOW VERSION names corral" "corral" "$(console 'SHOW VERSION' | sed -n '2s/ .*//p')"

# Counters: exactly the queries one client ran.
stat() { show_value STATS database it_admin "$1"; }
corral_psql it_admin -c 'SELECT 1' >/dev/null  # the pool and its server exist
q0=$(stat total_query_count)
x0=$(stat total_xact_count)
for _ in $(seq 100); do echo 'SELECT 1;'; done | corral_psql it_admin >/dev/null
# stats_period is 2 s: the period holding the 100 queries averages them
# once it ends, until the next one does.
avg=0
for _ in $(seq 30); do
	avg=$(show_value STATS_AVERAGES database it_admin query_count)
	[ "${avg:-0}" -gt 0 ] && break
	sleep 0.1
done
corral_check "avg_query_count shows the queries once their period ended ($avg/s)" \
	test "${avg:-0}" -gt 0
corral_expect "100 queries raise total_query_count by 100" 100 $(($(stat total_query_count) - q0))
corral_expect "100 queries raise total_xact_count by 100" 100 $(($(stat total_xact_count) - x0))
corral_check "total_received counts bytes" test "$(stat total_received)" -gt 0
# Each SELECT 1 takes tens of microseconds: a coarse (4 ms) loop clock
# would count most of them as zero.
corral_check "total_query_time counts sub-millisecond queries" test "$(stat total_query_time)" -gt 0
t0=$(stat total_query_time)
corral_psql it_admin -c 'SELECT pg_sleep(0.05)' >/dev/null
t1=$(stat total_query_time)
corral_check "a 50 ms query adds 50,000-1,000,000 us to total_query_time ($((t1 - t0)))" \
	test $((t1 - t0)) -ge 50000 -a $((t1 - t0)) -lt 1000000

# A client queued behind another's transaction (pool_size 1).
corral_client_start a it_admin || exit 1
corral_client_start b it_admin || exit 1
corral_expect "client a holds the only server in a transaction" "OK INTRANS 1" \
	"$(corral_client_query a 'BEGIN; SELECT 1')"
corral_client_send b 'SELECT 2'
sleep 1.2
corral_expect "the queued client shows in cl_waiting" 1 "$(show_value POOLS database it_admin cl_waiting)"
maxwait=$(show_value POOLS database it_admin maxwait)
corral_check "maxwait counts the oldest wait (${maxwait:-?} s)" test "${maxwait:-0}" -ge 1
corral_expect "SHOW CLIENTS lists it as waiting" 1 \
	"$(console 'SHOW CLIENTS' | awk -F'|' '$3 == "it_admin" && $5 == "waiting"' | wc -l)"
corral_expect "SHOW SERVERS: the one server is active" active \
	"$(show_value SERVERS database it_admin state)"
corral_expect "client a commits" "OK IDLE" "$(corral_client_query a 'COMMIT')"
corral_expect "the queued client then runs" "OK IDLE 2" "$(corral_client_reply b)"
corral_expect "nobody waits any more" 0 "$(show_value POOLS database it_admin cl_waiting)"
corral_client_close a
corral_client_close b

corral_check "it_admin: logins, privileges, mistakes, SET" corral_helper it_admin
corral_finish
