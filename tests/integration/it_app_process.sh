#!/usr/bin/env bash
# corral-app's process and connection life, with the app connected straight
# to PostgreSQL (pointing it at PostgreSQL instead of corral is only a DSN)
# and nginx in front:
#  1. its backends terminated, the app reconnects on the next request,
#     which succeeds;
#  2. a statement stuck on a lock fails with 503 within db-timeout + 1 s,
#     and once the lock is gone the worker serves again;
#  3. a worker killed with SIGKILL is replaced;
#  4. SIGHUP re-reads the settings file and replaces every worker while
#     requests keep succeeding; a bad settings file changes nothing;
#  5. SIGTERM while a request waits on a lock: the request completes with
#     200 and its update persists, then the app exits 0.
set -uo pipefail
# shellcheck source=tests/integration/it_app_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_lib.sh"
it_app_install_traps
db_timeout_ms=2000
# Section 5 needs a request that outlives the test's own slow steps (psql
# polls under ASan can take seconds): the reload in section 4 raises it.
drain_db_timeout_ms=60000
it_app_create_db process || exit 1
it_app_dir || exit 1
conf=$IT_APP_DIR/app.conf
printf 'workers = 2\ndb-timeout = %d\n' $db_timeout_ms >"$conf"
it_app_start_app --config="$conf" --dsn="$(it_app_direct_dsn)" || exit 1
it_app_start_nginx || exit 1
out=$IT_APP_DIR/body

# The pids of the app's PostgreSQL backends, one per line.
app_backends() {
	corral_pg_psql -d "$IT_APP_DB" -c "SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'corral-app' ORDER BY pid"
}

# The app's worker pids, sorted, on one line.
workers() {
	app_stack_workers "$IT_APP_PID" | sort -n | xargs
}

# True when the app has $1 workers, none of them in the list $2.
workers_are() {
	local now pid
	now=$(workers)
	[ "$(wc -w <<<"$now")" -eq "$1" ] || return 1
	for pid in $now; do
		[[ " ${2:-} " != *" $pid "* ]] || return 1
	done
}

# n GETs of $2 in a row through nginx: "count code" pairs.
codes() {
	for _ in $(seq 1 "$1"); do it_app_status "$IT_APP_URL$2"; done | sort | uniq -c | xargs
}

app_backend_count_is() {
	[ "$(app_backends | wc -l)" -eq "$1" ]
}

# A session straight to PostgreSQL that holds world in EXCLUSIVE mode
# until lock_release: reads pass, /updates' row locks wait. psql reads
# its statements from a fifo, so the test decides when the lock ends.
lock_world() {
	mkfifo "$IT_APP_DIR/lock.in" || return 1
	setpriv --pdeathsig KILL -- psql -X -q -d "$IT_APP_DB" <"$IT_APP_DIR/lock.in" >/dev/null 2>&1 &
	locker=$!
	exec {locker_fd}>"$IT_APP_DIR/lock.in"
	echo 'BEGIN; LOCK TABLE world IN EXCLUSIVE MODE;' >&"$locker_fd"
	it_app_until 10 world_locked
}

world_locked() {
	[ "$(corral_pg_psql -d "$IT_APP_DB" -c "SELECT count(*) FROM pg_locks l
		JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'world' AND l.mode = 'ExclusiveLock' AND l.granted")" = 1 ]
}

lock_release() {
	echo 'COMMIT;' >&"$locker_fd"
	exec {locker_fd}>&-
	wait "$locker"
	rm -f "$IT_APP_DIR/lock.in"
}

# True when one of the app's backends waits for a lock.
app_waits_on_lock() {
	[ "$(corral_pg_psql -d "$IT_APP_DB" -c "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'corral-app' AND wait_event_type = 'Lock'")" != 0 ]
}

# 1. Lost connections come back on the next request.
corral_check "each worker connected at start" it_app_until 10 app_backend_count_is 2
before=$(app_backends | xargs)
corral_pg_psql -d "$IT_APP_DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE application_name = 'corral-app'" >/dev/null
for pid in $before; do
	corral_check "backend $pid terminated" corral_pg_backend_gone "$pid"
done
corral_expect "after the backends died: 10 requests in a row are 200" "10 200" "$(codes 10 /db)"
after=$(app_backends | xargs)
corral_check "new backends serve them ($after; before: $before)" \
	bash -c '[ -n "$1" ] && for p in $1; do [[ " $2 " != *" $p "* ]] || exit 1; done' _ "$after" "$before"

# 2. A statement that cannot finish is bounded by db-timeout.
corral_check "a client locks world" lock_world
read -r code seconds < <(it_app_get "$IT_APP_URL/updates?queries=1")
corral_expect "a stuck /updates gets 503" "503" "$code"
corral_check "... within db-timeout + 1 s ($seconds s)" \
	awk -v t="$seconds" -v l=$((db_timeout_ms / 1000 + 1)) 'BEGIN { exit !(t <= l) }'
# (While the lock stands, even reconnecting waits: preparing the UPDATE
# needs a lock on world too.)
lock_release
corral_expect "the lock gone, the workers serve again: 6 requests in a row are 200" "6 200" \
	"$(codes 6 /db)"

# 3. A dead worker is replaced.
old=$(workers)
victim=${old%% *}
kill -KILL "$victim"
corral_check "the master replaces a worker killed with SIGKILL (was $old)" \
	it_app_until 10 workers_are 2 "$victim"
corral_expect "requests after the replacement are 200" "6 200" "$(codes 6 /db)"

# 4. SIGHUP: new settings, new workers, no failed request on the way.
old=$(workers)
(for _ in $(seq 1 40); do it_app_status "$IT_APP_URL/db"; sleep 0.05; done) >"$IT_APP_DIR/codes" &
loop=$!
sleep 0.5
printf 'workers = 3\ndb-timeout = %d\n' $drain_db_timeout_ms >"$conf"
kill -HUP "$IT_APP_PID"
corral_check "SIGHUP: 3 workers, all new (was $old)" it_app_until 15 workers_are 3 "$old"
corral_check "... and the new db-timeout" \
	grep -q "reload: 3 workers, db-timeout $drain_db_timeout_ms ms" "$APP_STACK_LOG"
wait "$loop"
corral_expect "requests during the reload are all 200" "40 200" \
	"$(sort "$IT_APP_DIR/codes" | uniq -c | xargs)"
old=$(workers)
echo 'workers = none' >"$conf"
kill -HUP "$IT_APP_PID"
corral_check "a bad settings file is refused, with file:line" it_app_until 10 \
	grep -q "reload failed, the running settings stay: $conf:1: workers" "$APP_STACK_LOG"
corral_expect "... and the workers stay" "$old" "$(workers)"

# 5. SIGTERM drains: the request in hand completes. db-timeout (raised by
# the reload in section 4) must not run out meanwhile.
corral_check "a client locks world again" lock_world
curl -s -m 90 -o "$out" -w '%{http_code}' "$IT_APP_URL/updates?queries=1" >"$out.code" &
request=$!
corral_check "an /updates request waits on the lock" it_app_until 10 app_waits_on_lock
kill -TERM "$IT_APP_PID"
corral_check "the master passes SIGTERM on while the request waits" it_app_until 10 \
	grep -q 'got SIGTERM: draining' "$APP_STACK_LOG"
lock_release
wait "$request"
corral_expect "the request in hand at SIGTERM completes" "200" "$(cat "$out.code")"
corral_check "... and its update persisted" bash -c '
	row=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r[\"id\"], r[\"randomNumber\"])" "$1") &&
	[ "$(psql -X -At -F" " -d "$2" -c "SELECT id, randomnumber FROM world WHERE id = ${row%% *}")" = "$row" ]
' _ "$out" "$IT_APP_DB"
corral_check "the app exits 0 once drained" it_app_stop_app
corral_check "corral-app's log: no sanitizer report, only the one killed worker" it_app_log_clean 1

it_app_finish
