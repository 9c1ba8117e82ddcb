# shellcheck shell=bash
# app/stack.sh: the pieces of the nginx -> corral-app -> (corral ->)
# PostgreSQL stack that scripts/demo, bench/app.sh and the app tests
# (tests/integration/it_app*.sh) share. Sourced; it starts nothing by itself.
# Owns: loading app/schema.sql into a new database; rendering app/nginx.conf
# into an nginx prefix directory (with copies of app/static and app/files,
# readable by nginx's unprivileged workers); starting corral-app and nginx
# in the background and waiting (bounded) until they answer HTTP; stopping
# a process with SIGTERM, then SIGKILL after a bound.
# Background processes get a signal when the sourcing shell dies (setpriv
# --pdeathsig), so nothing outlives a killed script: corral-app SIGKILL
# (its workers follow their master by themselves), nginx SIGTERM (a
# SIGKILLed nginx master would leave its workers behind). A start that
# fails stops what it started. Needs PG* variables for psql
# (tests/harness/pg.sh exports them).

APP_STACK_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APP_STACK_PID=
# nginx's pub/sub module, where Debian's libnginx-mod-nchan puts it.
APP_STACK_NCHAN_MODULE=${APP_STACK_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}

app_stack_log() {
	echo "stack.sh: $*" >&2
}

# Creates database $1 on the PostgreSQL the PG* variables point at and
# loads app/schema.sql into it. Returns 0, or 1 with psql's messages.
app_stack_create_db() {
	local db=$1
	PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c "CREATE DATABASE \"$db\"" || return 1
	PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
		-f "$APP_STACK_SRCDIR/schema.sql" >/dev/null
}

app_stack_drop_db() {
	PGCONNECT_TIMEOUT=5 psql -X -q -d postgres \
		-c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1
}

# Creates nginx's prefix directory, a new temp dir of its own (not inside
# another script's private one: nginx's workers run as nobody when started
# as root, and must reach the files), and prints its path. The caller
# removes it.
app_stack_nginx_prefix() {
	local prefix
	prefix=$(mktemp -d "${TMPDIR:-/tmp}/corral-nginx.XXXXXX") || return 1
	chmod 755 "$prefix" && echo "$prefix"
}

# Writes $1/nginx.conf from app/nginx.conf: nginx listens on $2
# (host:port), proxies to corral-app at $3 (host:port), with $4 worker
# processes (default 1). $1 (from app_stack_nginx_prefix) gets copies of
# the static and downloadable files, readable by nginx's workers. Fails
# when the nchan module is missing.
app_stack_render_nginx() {
	local prefix=$1 listen=$2 app=$3 procs=${4:-1} user=
	if [ ! -f "$APP_STACK_NCHAN_MODULE" ]; then
		app_stack_log "$APP_STACK_NCHAN_MODULE is missing: scripts/install-deps installs libnginx-mod-nchan"
		return 1
	fi
	mkdir -p "$prefix/tmp" "$prefix/static" "$prefix/files" || return 1
	cp "$APP_STACK_SRCDIR"/static/* "$prefix/static/" || return 1
	cp "$APP_STACK_SRCDIR"/files/* "$prefix/files/" || return 1
	chmod -R a+rX "$prefix" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		user="user nobody $(id -gn nobody);"
	fi
	sed -e "s|@PREFIX@|$prefix|g" -e "s|@LISTEN@|$listen|g" -e "s|@APP@|$app|g" \
		-e "s|@WORKER_PROCESSES@|$procs|g" -e "s|@USER@|$user|g" \
		-e "s|@NCHAN_MODULE@|$APP_STACK_NCHAN_MODULE|g" \
		"$APP_STACK_SRCDIR/nginx.conf" >"$prefix/nginx.conf"
}

# Waits up to $2 seconds (default 10) until URL $1 answers with HTTP status
# $3 (default 200). Returns 0 when it does, 1 otherwise.
app_stack_wait_http() {
	local url=$1 want=${3:-200} code end=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $end ]; do
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url")
		[ "$code" = "$want" ] && return 0
		sleep 0.1
	done
	app_stack_log "$url did not answer $want within $seconds s (last: $code)"
	return 1
}

# True while process $1 exists and is not a zombie.
app_stack_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# Starts nginx on the rendered prefix $1, its output appended to
# $1/nginx.out, and waits until http://$2/static/index.html answers.
# Sets APP_STACK_PID. Returns 0 when it answers; 1 (the end of its error
# log printed, nginx stopped) if not.
app_stack_start_nginx() {
	local prefix=$1 listen=$2
	setpriv --pdeathsig TERM -- nginx -p "$prefix" -c "$prefix/nginx.conf" \
		>>"$prefix/nginx.out" 2>&1 &
	APP_STACK_PID=$!
	if ! app_stack_wait_http "http://$listen/static/index.html" 10; then
		tail -n 20 "$prefix/nginx.out" "$prefix/error.log" >&2 2>/dev/null
		app_stack_stop "$APP_STACK_PID" 10
		APP_STACK_PID=
		return 1
	fi
}

# Starts corral-app (the binary $1, then its arguments, which must include
# --listen=HOST:PORT) with its log appended to $APP_STACK_LOG, and waits up
# to 20 s until /plaintext answers. Sets APP_STACK_PID. Returns 0 when it
# answers; 1 (its log printed, the app stopped) if not.
app_stack_start_app() {
	local bin=$1 arg listen=
	shift
	for arg in "$@"; do
		case $arg in --listen=*) listen=${arg#--listen=} ;; esac
	done
	setpriv --pdeathsig KILL -- "$bin" "$@" >>"$APP_STACK_LOG" 2>&1 &
	APP_STACK_PID=$!
	if ! app_stack_wait_http "http://$listen/plaintext" 20; then
		app_stack_log "corral-app did not answer on $listen; its log ($APP_STACK_LOG):"
		tail -n 50 "$APP_STACK_LOG" >&2
		app_stack_stop "$APP_STACK_PID" 20
		APP_STACK_PID=
		return 1
	fi
}

# Sends SIGTERM to process $1 (a child of this shell) and waits up to $2
# seconds (default 20) for it; then SIGKILL. Returns its exit status, or
# 124 when it had to be killed.
app_stack_stop() {
	local pid=$1 seconds=${2:-20} end
	[ -n "$pid" ] || return 0
	end=$((SECONDS + seconds))
	kill -TERM "$pid" 2>/dev/null
	while [ $SECONDS -lt $end ] && app_stack_alive "$pid"; do
		sleep 0.1
	done
	if app_stack_alive "$pid"; then
		app_stack_log "process $pid did not exit within $seconds s of SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null
}

# The pids of corral-app master $1's workers, one per line.
app_stack_workers() {
	pgrep -P "$1" 2>/dev/null
}
