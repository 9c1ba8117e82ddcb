# shellcheck shell=bash
# tests/harness/pg.sh — a throwaway PostgreSQL for tests and the demo, sourced
# by tests/harness/with-postgres and scripts/demo.
# Owns: finding the server binaries, a temp dir with a fresh cluster (SCRAM
# for every connection, superuser corral_test, 127.0.0.1 on a free high port
# plus a unix socket in the temp dir), starting, restarting and stopping it,
# and removing every trace on exit or signal. It never touches port 5432 or
# the system's own clusters. As root, the server runs as the `postgres` user
# (created as `corral-pg` if absent), since postgres refuses to run as root.
# Callers: pg_harness_install_traps; pg_harness_start || exit; then
# pg_harness_run CMD... (or pg_harness_spawn / pg_harness_wait).

PG_HARNESS_SUPERUSER=corral_test
PG_HARNESS_TMPDIR=
PG_HARNESS_RUNAS=
PG_HARNESS_CHILD=
PG_HARNESS_PSQL=psql
CORRAL_PG_DATADIR=
CORRAL_PG_SOCKDIR=

pg_harness_log() {
	echo "harness: $*" >&2
}

# Sets CORRAL_PG_BINDIR to a directory holding initdb, pg_ctl and postgres:
# $CORRAL_PG_BINDIR if set, else the newest /usr/lib/postgresql/*/bin, else
# the directory of initdb on PATH. Returns 1 with a message when none has them.
pg_harness_find_bindir() {
	local dir candidates=()
	if [ -n "${CORRAL_PG_BINDIR:-}" ]; then
		candidates=("$CORRAL_PG_BINDIR")
	else
		mapfile -t candidates < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn)
		if command -v initdb >/dev/null 2>&1; then
			candidates+=("$(dirname "$(command -v initdb)")")
		fi
	fi
	for dir in "${candidates[@]}"; do
		if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
			CORRAL_PG_BINDIR=$dir
			[ ! -x "$dir/psql" ] || PG_HARNESS_PSQL=$dir/psql
			return 0
		fi
	done
	pg_harness_log "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found" \
		"in ${candidates[*]:-/usr/lib/postgresql/*/bin or PATH}." \
		"Run scripts/install-deps, or set CORRAL_PG_BINDIR."
	return 1
}

# Picks the user the server runs as: the caller itself, or when root the
# `postgres` system user (created as `corral-pg` when that does not exist).
pg_harness_pick_user() {
	if [ "$(id -u)" -ne 0 ]; then
		PG_HARNESS_RUNAS=
	elif id postgres >/dev/null 2>&1; then
		PG_HARNESS_RUNAS=postgres
	else
		id corral-pg >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin corral-pg ||
			return 1
		PG_HARNESS_RUNAS=corral-pg
	fi
}

# Runs a command as the server's user, from inside the temp dir so that a
# cwd the user cannot read (e.g. /root) does not upset initdb or pg_ctl.
pg_harness_as_server_user() {
	(
		cd "$PG_HARNESS_TMPDIR" || exit 1
		if [ -n "$PG_HARNESS_RUNAS" ]; then
			exec runuser -u "$PG_HARNESS_RUNAS" -- "$@"
		fi
		exec "$@"
	)
}

# Prints a TCP port nothing listens on: $1 when given and free, else one in
# 20000-32767 (below Linux's ephemeral range, far from 5432 and 6432). A race
# with another process is possible; pg_harness_start retries with a new port
# when the bind fails.
pg_harness_free_port() {
	local port=${1:-} try
	for try in $(seq 1 50); do
		if [ -n "$port" ] && [ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ]; then
			echo "$port"
			return 0
		fi
		port=$((20000 + RANDOM % 12768))
	done
	pg_harness_log "no free port found in 50 tries"
	return 1
}

# Creates the temp dir and an initialized cluster in it (no server yet).
pg_harness_init_cluster() {
	local pwfile
	PG_HARNESS_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-pg.XXXXXX") || return 1
	CORRAL_PG_DATADIR=$PG_HARNESS_TMPDIR/data
	CORRAL_PG_SOCKDIR=$PG_HARNESS_TMPDIR/sock
	mkdir "$CORRAL_PG_SOCKDIR" || return 1
	if [ -n "$PG_HARNESS_RUNAS" ]; then
		chown -R "$PG_HARNESS_RUNAS" "$PG_HARNESS_TMPDIR" || return 1
		if ! pg_harness_as_server_user test -w "$PG_HARNESS_TMPDIR"; then
			pg_harness_log "user $PG_HARNESS_RUNAS cannot write $PG_HARNESS_TMPDIR;" \
				"point TMPDIR at a directory it can reach"
			return 1
		fi
	fi
	PGPASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
	pwfile=$PG_HARNESS_TMPDIR/pwfile
	printf '%s\n' "$PGPASSWORD" >"$pwfile" || return 1
	[ -z "$PG_HARNESS_RUNAS" ] || chown "$PG_HARNESS_RUNAS" "$pwfile"
	if ! pg_harness_as_server_user "$CORRAL_PG_BINDIR/initdb" -D "$CORRAL_PG_DATADIR" \
		-U "$PG_HARNESS_SUPERUSER" --pwfile="$pwfile" \
		--auth-host=scram-sha-256 --auth-local=scram-sha-256 \
		-E UTF8 --locale=C --no-sync >"$PG_HARNESS_TMPDIR/initdb.log" 2>&1; then
		pg_harness_log "initdb failed:"
		cat "$PG_HARNESS_TMPDIR/initdb.log" >&2
		return 1
	fi
	rm -f "$pwfile"
	# The last setting wins in postgresql.conf; durability is off because
	# the cluster lives only as long as one test run.
	cat >>"$CORRAL_PG_DATADIR/postgresql.conf" <<-EOF

		# tests/harness
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$CORRAL_PG_SOCKDIR'
		password_encryption = 'scram-sha-256'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		logging_collector = off
	EOF
}

# Starts the server on $PGPORT and waits until it accepts a password login
# over TCP (bounded: 30 s). Returns 0 when it does; 2 when the port was
# taken (the caller may retry with another one); 1 on any other failure,
# with the server log printed.
pg_harness_start_server() {
	local log=$PG_HARNESS_TMPDIR/postgres.log out try before
	before=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if ! out=$(pg_harness_as_server_user "$CORRAL_PG_BINDIR/pg_ctl" -D "$CORRAL_PG_DATADIR" \
		-o "-p $PGPORT" -l "$log" -w -t 30 start 2>&1); then
		# Only this start's lines: the log is appended to across restarts.
		if tail -c +$((before + 1)) "$log" | grep -q 'could not bind'; then
			return 2
		fi
		pg_harness_log "PostgreSQL did not start: $out"
		cat "$log" >&2
		return 1
	fi
	for try in $(seq 1 150); do
		if "$PG_HARNESS_PSQL" -X -w -q -At -c 'select 1' >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	pg_harness_log "PostgreSQL started but refuses a login after 30 s; its log:"
	cat "$log" >&2
	return 1
}

# Creates and starts the cluster; exports PGHOST PGPORT PGUSER PGPASSWORD
# PGDATABASE and CORRAL_PG_BINDIR CORRAL_PG_DATADIR CORRAL_PG_SOCKDIR.
# Returns 0 when a login works, 1 otherwise (messages printed; the caller's
# traps remove what was created).
pg_harness_start() {
	local try rc
	pg_harness_find_bindir || return 1
	pg_harness_pick_user || return 1
	pg_harness_init_cluster || return 1
	export PGHOST=127.0.0.1 PGUSER=$PG_HARNESS_SUPERUSER PGPASSWORD PGDATABASE=postgres
	export CORRAL_PG_BINDIR CORRAL_PG_DATADIR CORRAL_PG_SOCKDIR
	for try in 1 2 3 4 5; do
		PGPORT=$(pg_harness_free_port) || return 1
		export PGPORT
		pg_harness_start_server
		rc=$?
		[ $rc -eq 2 ] || break
		pg_harness_log "port $PGPORT was taken meanwhile; trying another"
	done
	if [ $rc -eq 2 ]; then
		pg_harness_log "every port tried was taken; the server log:"
		cat "$PG_HARNESS_TMPDIR/postgres.log" >&2
	fi
	[ $rc -eq 0 ] || return 1
	pg_harness_log "PostgreSQL $("$CORRAL_PG_BINDIR/postgres" -V | awk '{print $3}')" \
		"on 127.0.0.1:$PGPORT and $CORRAL_PG_SOCKDIR, user $PGUSER"
}

# Stops the server: mode fast (sessions ended cleanly) or immediate; when
# pg_ctl fails, kills the postmaster. Returns 0 once no postmaster runs.
pg_harness_stop() {
	local mode=${1:-immediate} pid try
	[ -n "$CORRAL_PG_DATADIR" ] && [ -f "$CORRAL_PG_DATADIR/postmaster.pid" ] || return 0
	pg_harness_as_server_user "$CORRAL_PG_BINDIR/pg_ctl" -D "$CORRAL_PG_DATADIR" \
		-m "$mode" -w -t 30 stop >/dev/null 2>&1 && return 0
	pid=$(head -n 1 "$CORRAL_PG_DATADIR/postmaster.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		pg_harness_log "pg_ctl stop failed; killing postmaster $pid"
		kill -KILL "$pid"
		# Bounded: an init that is slow to reap leaves a zombie behind.
		for try in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$CORRAL_PG_DATADIR/postmaster.pid"
}

# A full restart, as after a crash or an upgrade: every server connection
# is cut (fast shutdown), then the same cluster comes back on the same port.
pg_harness_restart() {
	pg_harness_stop fast || return 1
	pg_harness_start_server
}

# Stops the server and removes the temp dir; idempotent.
pg_harness_cleanup() {
	[ -n "$PG_HARNESS_TMPDIR" ] || return 0
	pg_harness_stop immediate
	rm -rf "$PG_HARNESS_TMPDIR"
	PG_HARNESS_TMPDIR=
	CORRAL_PG_DATADIR=
}

# Starts a command in the background, its stdin kept (a plain `&` would give
# it /dev/null), so that a signal reaches our trap at once instead of after
# the command ends. Sets PG_HARNESS_CHILD.
pg_harness_spawn() {
	"$@" <&0 &
	PG_HARNESS_CHILD=$!
}

# Waits for the spawned command; returns its exit status.
pg_harness_wait() {
	local rc
	wait "$PG_HARNESS_CHILD"
	rc=$?
	PG_HARNESS_CHILD=
	return $rc
}

pg_harness_run() {
	pg_harness_spawn "$@"
	pg_harness_wait
}

# Ends the spawned command, if any: SIGTERM (background commands of a
# non-interactive shell ignore SIGINT), SIGKILL after 10 s.
pg_harness_stop_child() {
	local pid=$PG_HARNESS_CHILD try
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for try in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	PG_HARNESS_CHILD=
}

pg_harness_on_exit() {
	local rc=$?
	pg_harness_stop_child
	pg_harness_cleanup
	exit $rc
}

pg_harness_on_signal() {
	trap - INT TERM HUP
	pg_harness_log "caught SIG$1; stopping"
	pg_harness_stop_child
	pg_harness_cleanup
	trap - EXIT
	exit $((128 + $(kill -l "$1")))
}

# Makes any exit, Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stop what
# the harness started and remove its temp dir; the exit status is the
# command's, or 128+signal.
pg_harness_install_traps() {
	trap pg_harness_on_exit EXIT
	trap 'pg_harness_on_signal INT' INT
	trap 'pg_harness_on_signal TERM' TERM
	trap 'pg_harness_on_signal HUP' HUP
}
