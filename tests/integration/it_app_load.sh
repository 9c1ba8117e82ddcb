#!/usr/bin/env bash
# Overload and load through nginx -> corral-app -> corral (pool of 4) ->
# PostgreSQL:
#  1. every server held by other clients (pg_sleep through corral): the
#     app answers 503 with Retry-After within query_wait_timeout + 1 s,
#     one request after another, and a burst gets 503s, never a hang or a
#     gateway error; endpoints without the database still answer 200;
#  2. the servers freed: the app recovers by itself;
#  3. a bounded wrk load (5 s, 64 connections): no 5xx, no socket error
#     (an answer slower than 10 s would be one), and PostgreSQL never sees
#     more backends for the app than the pool.
# The shape follows IT_APP_POOL_MODE (it_app_lib.sh): in transaction mode
# (the default), 64 workers share the 4 servers. In session mode a server
# belongs to one worker for the worker's whole connection, so capacity is
# one worker per server and 4 workers run on the 4 servers; the checks are
# the same.
set -uo pipefail
# shellcheck source=tests/integration/it_app_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_lib.sh"
it_app_install_traps
pool=4
qwt=2
if [ "$IT_APP_POOL_MODE" = transaction ]; then
	workers=64
else
	workers=$pool
fi
# The holds outlast the held phase however slow the machine (a burst that
# outlived a 60 s hold once got 200s); the test cancels them.
hold_sql="SELECT pg_sleep(600) /* it_app_load hold $$ */"
hold_pids=()

it_app_create_db load || exit 1
it_app_start_corral $pool query_wait_timeout=$qwt max_client_conn=200 || exit 1
echo "# corral in $IT_APP_POOL_MODE mode, pool_size $pool, query_wait_timeout $qwt s; $workers workers"

# Other clients take every server before the app's workers connect.
for _ in $(seq 1 $pool); do
	setpriv --pdeathsig KILL -- psql -X -q "$(it_app_corral_dsn)" -c "$hold_sql" \
		>/dev/null 2>&1 &
	hold_pids+=($!)
done
# psql reads variables (:'q') from its input, not from -c.
held_count() {
	corral_pg_psql -d "$IT_APP_DB" -v q="$hold_sql" <<-'EOF'
		SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = :'q'
	EOF
}
all_held() {
	[ "$(held_count)" = "$pool" ]
}
corral_check "all $pool servers held by pg_sleep" it_app_until 10 all_held

# 64 workers exiting at once: in the sanitizer build each runs
# LeakSanitizer's check as it exits, which took more than the default
# drain-timeout (10 s) on a loaded machine. Draining itself is
# it_app_process's to check.
IT_APP_STOP_SECONDS=40
it_app_start_app --workers=$workers --dsn="$(it_app_corral_dsn)" --retry-after=2 \
	--drain-timeout=30 || exit 1
it_app_start_nginx || exit 1
# The workers' first connections wait in corral's queue until it refuses
# them; only then does each worker take requests.
sleep $((qwt + 1))

out=$IT_APP_DIR/body
limit=$((qwt + 1))
for i in 1 2 3; do
	read -r code seconds < <(it_app_get "$IT_APP_URL/db" "$out")
	corral_expect "held: /db #$i is 503" "503" "$code"
	corral_check "held: /db #$i answered within query_wait_timeout + 1 s ($seconds s)" \
		awk -v t="$seconds" -v l="$limit" 'BEGIN { exit !(t <= l) }'
	corral_expect "held: /db #$i says Retry-After" "2" \
		"$(tr -d '\r' <"$out.headers" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')"
done
corral_expect "held: /healthz is 503" "503" "$(it_app_status "$IT_APP_URL/healthz")"
corral_expect "held: /json still 200" "200" "$(it_app_status "$IT_APP_URL/json")"

# A burst twice the workers: each answer a 503, none a hang. A worker
# takes one request at a time, so the burst is served in two rounds.
burst=$(seq 1 $((2 * workers)) | xargs -P $((2 * workers)) -I{} \
	curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}\n' "$IT_APP_URL/queries?queries=3")
corral_expect "held: a burst of $((2 * workers)) all get 503" "$((2 * workers)) 503" \
	"$(cut -d' ' -f1 <<<"$burst" | sort | uniq -c | xargs)"
# Each round takes query_wait_timeout, plus up to 2 s for the workers'
# reconnections and 128 curl processes on a loaded machine.
corral_check "held: the burst's slowest answer within 2 x (query_wait_timeout + 2 s)" \
	awk -v l=$((2 * (qwt + 2))) '$2 > l { bad = 1 } END { exit bad }' <<<"$burst"
corral_check "held: all $pool servers still held after the burst" all_held

# Free the servers: the hold queries are cancelled, their clients leave.
corral_pg_psql -d "$IT_APP_DB" -v q="$hold_sql" >/dev/null <<-'EOF'
	SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = :'q'
EOF
for pid in "${hold_pids[@]}"; do
	wait "$pid"
done
corral_check "released: the app answers /db with 200 again within 5 s" \
	it_app_await_200 "$IT_APP_URL/db" 5
codes=$(for _ in $(seq 1 20); do it_app_status "$IT_APP_URL/db"; done | sort | uniq -c | xargs)
corral_expect "released: 20 requests in a row are 200" "20 200" "$codes"

# Bounded load within capacity: wrk for 5 s; meanwhile PostgreSQL's
# backends for the app database are counted.
backends_peak=0
count_backends() {
	corral_pg_psql -d "$IT_APP_DB" -c \
		"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
}
# wrk's default 2 s timeout would count a slow answer on a loaded machine
# (64 workers reconnecting at once after the refusals) as a socket error.
timeout -k 5 30 wrk -t2 -c64 -d5s --timeout 10s --latency "$IT_APP_URL/db" >"$IT_APP_DIR/wrk.out" 2>&1 &
wrk_pid=$!
for _ in 1 2 3 4; do
	sleep 1
	n=$(count_backends)
	[ "${n:-0}" -le "$backends_peak" ] || backends_peak=$n
done
wait "$wrk_pid"
corral_check "wrk ran" test $? -eq 0
sed 's/^/# /' "$IT_APP_DIR/wrk.out"
requests=$(awk '/requests in/ { print $1 }' "$IT_APP_DIR/wrk.out")
corral_check "load: wrk completed requests (${requests:-none})" test "${requests:-0}" -gt 0
corral_expect "load: no non-2xx answer" "" "$(grep -E 'Non-2xx' "$IT_APP_DIR/wrk.out")"
corral_expect "load: no socket error" "" "$(grep -E 'Socket errors' "$IT_APP_DIR/wrk.out")"
corral_check "load: PostgreSQL saw at most $pool app backends (peak $backends_peak)" \
	test "$backends_peak" -le $pool

it_app_finish
