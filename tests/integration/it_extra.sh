# shellcheck shell=bash
# tests/integration/it_extra.sh — what some pooler integration tests need
# beyond the config tests/harness/corral.sh writes: more auth_file users,
# more ini lines (a [users] section), and throwaway roles and databases on
# the harness PostgreSQL. Names carry the script's pid, so tests running
# side by side on one PostgreSQL never share them; they are dropped when
# the script ends, however it ends. Source after corral.sh.
# Callers: it_pg_role NAME PASSWORD; it_pg_database NAME;
# IT_EXTRA_INI+=(LINE...) before corral_start; IT_EXTRA_PIDS+=(PID) for a
# process to SIGKILL at the end; it_case for a corral per test case.

# Lines appended to corral.ini and to the auth_file by each corral_start.
IT_EXTRA_INI=()
IT_EXTRA_AUTH=()
IT_EXTRA_ROLES=()
IT_EXTRA_DATABASES=()
# Processes corral.sh did not start (a detached corral, a fake server).
IT_EXTRA_PIDS=()

# corral.sh's writer and cleanup, kept under new names so that the
# versions below can extend them.
eval "it_extra_base_$(declare -f corral_write_config)"
eval "it_extra_base_$(declare -f corral_cleanup)"

# corral.sh's config, then IT_EXTRA_AUTH and IT_EXTRA_INI appended. The
# [pgbouncer] section ends corral.ini, so IT_EXTRA_INI may open another.
corral_write_config() {
	it_extra_base_corral_write_config "$@" || return 1
	if [ ${#IT_EXTRA_AUTH[@]} -gt 0 ]; then
		printf '%s\n' "${IT_EXTRA_AUTH[@]}" >>"$CORRAL_DIR/users.txt" || return 1
	fi
	if [ ${#IT_EXTRA_INI[@]} -gt 0 ]; then
		printf '%s\n' "${IT_EXTRA_INI[@]}" >>"$CORRAL_DIR/corral.ini" || return 1
	fi
}

# corral.sh's cleanup and IT_EXTRA_PIDS (first: they hold connections),
# then the databases and roles this script made. Best effort: the
# harness's cluster is thrown away anyway.
corral_cleanup() {
	local name pid
	for pid in "${IT_EXTRA_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null  # a child: reaped quietly; else a no-op
	done
	IT_EXTRA_PIDS=()
	it_extra_base_corral_cleanup
	for name in "${IT_EXTRA_DATABASES[@]}"; do
		corral_pg_psql -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
	done
	for name in "${IT_EXTRA_ROLES[@]}"; do
		corral_pg_psql -c "DROP ROLE IF EXISTS $name" >/dev/null 2>&1
	done
	IT_EXTRA_DATABASES=()
	IT_EXTRA_ROLES=()
}

# Prints the port a helper server started in the background writes as the
# first line of file $1, once it is there (5 s at most); fails without.
it_await_port() {
	local port
	for _ in $(seq 1 50); do
		port=$(head -n 1 "$1" 2>/dev/null)
		[ -z "$port" ] || { echo "$port"; return 0; }
		sleep 0.1
	done
	return 1
}

# Creates login role $1 with password $2 on the harness PostgreSQL (SCRAM)
# and adds it to corral's auth_file. $1 and $2 must be plain identifiers.
it_pg_role() {
	IT_EXTRA_ROLES+=("$1")
	corral_pg_psql -c "CREATE ROLE $1 LOGIN PASSWORD '$2'" || return 1
	IT_EXTRA_AUTH+=("\"$1\" \"$2\"")
}

# Creates database $1 (a plain identifier) on the harness PostgreSQL.
it_pg_database() {
	IT_EXTRA_DATABASES+=("$1")
	corral_pg_psql -c "CREATE DATABASE $1"
}

# Prints the harness PostgreSQL's log file (tests/harness/pg.sh keeps it
# beside the data directory).
it_pg_log() {
	echo "$(dirname "${CORRAL_PG_DATADIR:?run under tests/harness/with-postgres}")/postgres.log"
}

# Runs Check case $2 of program $1 (tests/integration/$1) alone.
it_run_case() {
	CK_RUN_CASE=$2 corral_helper "$1"
}

# it_case TITLE PROGRAM CASE [corral_start ARG...]: a corral of its own
# with that config serves Check case CASE of PROGRAM, then stops; a crash,
# a hang on SIGTERM or a sanitizer report is one more failure. Prints
# corral's log when the case fails (the next corral_start empties it).
it_case() {
	local title=$1 program=$2 case=$3
	shift 3
	if ! corral_start "$@"; then
		corral_not_ok "$title: corral starts"
		return 1
	fi
	local failed=$CORRAL_FAILED
	corral_check "$title" it_run_case "$program" "$case"
	corral_check "$title: corral exits 0 on SIGTERM, no sanitizer report" corral_stop
	[ "$CORRAL_FAILED" -eq "$failed" ] || corral_show_log
}
