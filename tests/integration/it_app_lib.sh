# shellcheck shell=bash
# tests/integration/it_app_lib.sh: what the app tests (it_app*.sh) share,
# on top of tests/harness/corral.sh (corral, checks, counts) and
# app/stack.sh (schema, nginx, starting and stopping). Owns: a database of
# the test's own with app/schema.sql loaded; corral in front of it in the
# pool mode below; corral-app and nginx on free ports; HTTP helpers; and
# cleanup of all of it on any exit. Callers: it_app_install_traps;
# it_app_create_db; it_app_start_corral ...; it_app_start_app ...;
# it_app_start_nginx; checks; it_app_finish.

# The pool mode the app tests run corral in: transaction, as the demo does
# (corral-app prepares its statements once per connection, and corral
# carries them from server to server). IT_APP_POOL_MODE=session make
# check ... runs them in session mode, where a server stays with its
# client (it_app_load.sh then runs one worker per server).
IT_APP_POOL_MODE=${IT_APP_POOL_MODE:-transaction}
# How long corral-app may take to exit on SIGTERM (it_app_stop_app).
IT_APP_STOP_SECONDS=${IT_APP_STOP_SECONDS:-20}

# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=app/stack.sh
. "$CORRAL_TOP_SRCDIR/app/stack.sh"

IT_APP_DB=
IT_APP_DIR=
IT_APP_PID=
IT_APP_PORT=
IT_APP_NGINX_PID=
IT_APP_NGINX_PORT=
IT_APP_NGINX_PREFIX=
IT_APP_URL=
export APP_STACK_LOG=

# A private directory for the app's log and settings file.
it_app_dir() {
	[ -n "$IT_APP_DIR" ] || IT_APP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-app-it.XXXXXX") || return 1
	APP_STACK_LOG=$IT_APP_DIR/app.log
}

# Creates the database it_app_<$1>_<pid> with the app's schema and data.
it_app_create_db() {
	IT_APP_DB=it_app_${1}_$$
	app_stack_create_db "$IT_APP_DB"
}

# Starts corral with the app's database as `app`, in IT_APP_POOL_MODE with
# pool size $1; more corral_start arguments may follow.
it_app_start_corral() {
	local size=$1
	shift
	corral_start db:app="dbname=$IT_APP_DB pool_mode=$IT_APP_POOL_MODE pool_size=$size" "$@"
}

# The DSN of the app database through corral, and straight to PostgreSQL.
it_app_corral_dsn() {
	echo "host=$CORRAL_HOST port=$CORRAL_PORT dbname=app"
}

it_app_direct_dsn() {
	echo "host=$PGHOST port=$PGPORT dbname=$IT_APP_DB"
}

# Starts corral-app on a free port with the given arguments (no
# --listen) and waits until it answers. Sets IT_APP_PID and IT_APP_PORT.
it_app_start_app() {
	local port
	it_app_dir || return 1
	port=$(corral_free_port) || return 1
	app_stack_start_app "$CORRAL_TOP_BUILDDIR/corral-app" --listen="127.0.0.1:$port" "$@" || return 1
	IT_APP_PID=$APP_STACK_PID
	IT_APP_PORT=$port
}

# Chooses the port nginx will listen on, once: IT_APP_NGINX_PORT. A test
# calls it before starting the app when the app must know nginx's address
# (its publish-url).
it_app_pick_nginx_port() {
	[ -n "$IT_APP_NGINX_PORT" ] || IT_APP_NGINX_PORT=$(corral_free_port)
}

# Starts nginx in front of the running app; sets IT_APP_URL.
it_app_start_nginx() {
	local port
	it_app_pick_nginx_port || return 1
	port=$IT_APP_NGINX_PORT
	IT_APP_NGINX_PREFIX=$(app_stack_nginx_prefix) || return 1
	app_stack_render_nginx "$IT_APP_NGINX_PREFIX" "127.0.0.1:$port" "127.0.0.1:$IT_APP_PORT" || return 1
	app_stack_start_nginx "$IT_APP_NGINX_PREFIX" "127.0.0.1:$port" || return 1
	IT_APP_NGINX_PID=$APP_STACK_PID
	IT_APP_URL=http://127.0.0.1:$port
}

# it_app_get URL [OUT]: prints "CODE SECONDS" (time_total) for a GET of
# URL, bounded to 30 s; the body goes to OUT (default: discarded), the
# headers to OUT.headers when OUT is given.
it_app_get() {
	local url=$1 out=${2:-}
	if [ -n "$out" ]; then
		curl -s -m 30 -D "$out.headers" -o "$out" -w '%{http_code} %{time_total}\n' "$url"
	else
		curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}\n' "$url"
	fi
}

# The status code alone.
it_app_status() {
	it_app_get "$@" | cut -d' ' -f1
}

# it_app_until SECONDS CMD [ARG...]: runs CMD every 0.1 s until it
# succeeds (returns 0) or SECONDS have passed (returns 1). Time bounds it,
# not a number of tries: on a busy machine one try may take a second.
it_app_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

it_app_is_200() {
	[ "$(it_app_status "$1")" = 200 ]
}

# Waits up to $2 seconds for URL $1 to answer 200; returns 0 when it does.
it_app_await_200() {
	it_app_until "$2" it_app_is_200 "$1"
}

# Fails when the app's log shows a sanitizer report or a worker that died
# by a signal nobody sent (callers that kill one on purpose say how many
# such lines to allow in $1, default 0).
it_app_log_clean() {
	local allowed=${1:-0} deaths
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$APP_STACK_LOG"; then
		corral_log "corral-app's log has a sanitizer report"
		return 1
	fi
	deaths=$(grep -c 'was killed by signal' "$APP_STACK_LOG")
	if [ "$deaths" -gt "$allowed" ]; then
		corral_log "corral-app's log shows $deaths worker deaths by signal ($allowed expected)"
		return 1
	fi
}

# SIGTERM to the app: it must drain and exit 0 within IT_APP_STOP_SECONDS.
it_app_stop_app() {
	local pid=$IT_APP_PID rc
	IT_APP_PID=
	[ -n "$pid" ] || return 0
	app_stack_stop "$pid" "$IT_APP_STOP_SECONDS"
	rc=$?
	[ $rc -eq 0 ] || corral_log "corral-app exited with status $rc on SIGTERM"
	return $rc
}

it_app_show_log() {
	[ -n "$APP_STACK_LOG" ] && [ -f "$APP_STACK_LOG" ] || return 0
	corral_log "the last 100 lines of corral-app's log ($APP_STACK_LOG):"
	tail -n 100 "$APP_STACK_LOG" >&2
}

# The end of an app test: the app exits 0 on SIGTERM with a clean log (the
# argument is it_app_log_clean's), nginx stops, then corral_finish.
it_app_finish() {
	if [ -n "$IT_APP_PID" ]; then
		corral_check "corral-app drains and exits 0 on SIGTERM" it_app_stop_app
		corral_check "corral-app's log: no sanitizer report, no unexpected worker death" \
			it_app_log_clean "${1:-0}"
	fi
	app_stack_stop "$IT_APP_NGINX_PID" 10
	IT_APP_NGINX_PID=
	[ "$CORRAL_FAILED" -eq 0 ] || it_app_show_log
	corral_finish
}

# Removes everything the app test started and created; idempotent.
it_app_cleanup() {
	if [ -n "$IT_APP_PID" ]; then
		kill -KILL "$IT_APP_PID" 2>/dev/null
		wait "$IT_APP_PID" 2>/dev/null
		IT_APP_PID=
	fi
	if [ -n "$IT_APP_NGINX_PID" ]; then
		kill -TERM "$IT_APP_NGINX_PID" 2>/dev/null
		wait "$IT_APP_NGINX_PID" 2>/dev/null
		IT_APP_NGINX_PID=
	fi
	[ -z "$IT_APP_NGINX_PREFIX" ] || rm -rf "$IT_APP_NGINX_PREFIX"
	[ -z "$IT_APP_DIR" ] || rm -rf "$IT_APP_DIR"
	IT_APP_NGINX_PREFIX=
	IT_APP_DIR=
	corral_cleanup
	[ -z "$IT_APP_DB" ] || app_stack_drop_db "$IT_APP_DB"
	IT_APP_DB=
}

it_app_on_exit() {
	local rc=$?
	it_app_cleanup
	exit $rc
}

it_app_on_signal() {
	trap - INT TERM EXIT
	corral_log "caught SIG$1; stopping"
	it_app_cleanup
	exit $((128 + $(kill -l "$1")))
}

it_app_install_traps() {
	trap it_app_on_exit EXIT
	trap 'it_app_on_signal INT' INT
	trap 'it_app_on_signal TERM' TERM
}
