#!/usr/bin/env bash
# corral's command line and config handling, end to end on the real binary:
# bad configs are refused with file:line and a non-zero exit; a good one
# runs; SIGHUP reloads and logs each change; a broken config on SIGHUP is
# reported with file:line and the process keeps running; SIGTERM exits 0.
set -uo pipefail
corral="${CORRAL_TOP_BUILDDIR:?run through make check}/corral"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

write_config() {  # write_config FILE [extra line...]
	local f=$1; shift
	{
		echo '[databases]'
		echo 'appdb = host=127.0.0.1 port=5432 dbname=app'
		echo '[pgbouncer]'
		echo "listen_port = $port"
		echo "unix_socket_dir = $work"
		echo 'auth_type = md5'
		echo 'auth_file = users.txt'
		printf '%s\n' "$@"
	} >"$f"
}
echo '"app" "secret"' >"$work/users.txt"
port=$((20000 + RANDOM % 10000))

# 1. Usage errors.
"$corral" >"$work/out" 2>&1; rc=$?
check "no config file is a usage error" '[ $rc -eq 1 ] && grep -q "no config file given" "$work/out"'
"$corral" --version >"$work/out" 2>&1; rc=$?
check "--version prints the version" '[ $rc -eq 0 ] && grep -q "^corral [0-9]" "$work/out"'
"$corral" "$work/missing.ini" >"$work/out" 2>&1; rc=$?
check "a missing config file names the file" '[ $rc -eq 1 ] && grep -q "missing.ini" "$work/out"'

# 2. Bad lines are reported with file:line and what is wrong.
write_config "$work/bad.ini" 'max_client_conn = lots'
"$corral" "$work/bad.ini" >"$work/out" 2>&1; rc=$?
check "a bad value is refused with file:line" \
	'[ $rc -eq 1 ] && grep -q "bad.ini:8: .*max_client_conn" "$work/out"'
write_config "$work/unknown.ini" 'no_such_setting = 1'
"$corral" "$work/unknown.ini" >"$work/out" 2>&1; rc=$?
check "an unknown setting is refused with file:line" \
	'[ $rc -eq 1 ] && grep -q "unknown.ini:8: .*no_such_setting" "$work/out"'
printf '"app" secret\n' >"$work/badusers.txt"
write_config "$work/badauth.ini" 'auth_file = badusers.txt'
"$corral" "$work/badauth.ini" >"$work/out" 2>&1; rc=$?
check "a bad auth_file line is refused with file:line" \
	'[ $rc -eq 1 ] && grep -q "badusers.txt:1:" "$work/out"'

# 3. A good config runs until SIGTERM; SIGHUP reloads.
write_config "$work/good.ini" 'max_client_conn = 100'
"$corral" "$work/good.ini" >"$work/log" 2>&1 &
pid=$!
wait_for() {  # wait_for PATTERN: up to 5 s for the log to show it
	for _ in $(seq 50); do grep -q "$1" "$work/log" && return 0; sleep 0.1; done
	return 1
}
check "a good config starts and listens" 'wait_for "ready: 1 database" && grep -q "listening on 127.0.0.1:$port" "$work/log"'
write_config "$work/good.ini" 'max_client_conn = 200' "listen_port = $((port + 1))"
kill -HUP "$pid"
check "SIGHUP logs a changed setting" "wait_for \"max_client_conn: '100' -> '200'\""
check "SIGHUP warns about restart-only settings" 'wait_for "listen_port.*restart"'
write_config "$work/good.ini" 'max_client_conn = -5'
kill -HUP "$pid"
check "a broken config on SIGHUP is reported with file:line" \
	'wait_for "reload failed, keeping the running configuration: .*good.ini:8:"'
check "corral keeps running after a failed reload" 'kill -0 "$pid"'
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
check "SIGTERM exits 0" '[ $rc -eq 0 ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
