# shellcheck shell=bash
# tests/compat/compat_lib.sh — what the client compatibility suites
# (tests/compat/compat_*.sh, issue 5) share; sourced, never run.
# Owns: one corral per suite with the two databases of the matrix
# (compat_transaction: transaction pooling on a pool of 2; compat_session:
# session pooling on a pool of COMPAT_CLIENTS, since a session client keeps
# its server while connected), a database of the suite's own in the
# harness PostgreSQL with a table for the clients' rows, running COMPAT_CLIENTS clients at once and judging each, and
# turning a driver program's "ok - " / "not ok - " lines into results.
# Starting corral and the ok/not ok bookkeeping are tests/harness/corral.sh's.
# Callers: compat_init SUITE || exit 1; per mode in COMPAT_MODES: ...;
# corral_finish.

# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"

# Concurrent clients per case, and the two pool modes every suite runs in.
COMPAT_CLIENTS=20
# shellcheck disable=SC2034 # the suites loop over it
COMPAT_MODES=(transaction session)
# The suite's database in the harness PostgreSQL, which both corral
# databases point at, and its table there (id bigserial, token text: a
# client's own, n int, payload text); made by compat_init.
COMPAT_PGDB=
COMPAT_TABLE=compat_rows
# The longest a driver program may take per mode; a deadlock in the pooler
# fails the suite instead of hanging make check.
COMPAT_DRIVER_SECONDS=${COMPAT_DRIVER_SECONDS:-120}

# compat_db MODE: the corral database that pools in MODE.
compat_db() {
	echo "compat_$1"
}

# compat_token VAR: sets VAR to a random 16-hex-digit token, which a
# client marks its rows and queries with (no process: 20 clients at once).
compat_token() {
	printf -v "$1" '%08x%08x' "$SRANDOM" "$SRANDOM"
}

# compat_init SUITE: installs the traps, creates the suite's database and
# table (dropped again when the script exits), and starts corral with both
# pool modes' databases (query_wait_timeout 30 s: a client stuck in the
# queue fails its case well before make check's patience ends). Exports
# what driver programs read: CORRAL_HOST, CORRAL_PORT (corral.sh),
# COMPAT_PGDB, COMPAT_TABLE, COMPAT_CLIENTS.
compat_init() {
	corral_install_traps
	trap 'compat_on_exit' EXIT
	COMPAT_PGDB=compat_$1_$$
	corral_pg_psql -c "CREATE DATABASE $COMPAT_PGDB" || { COMPAT_PGDB=; return 1; }
	corral_pg_psql -d "$COMPAT_PGDB" -c "CREATE TABLE $COMPAT_TABLE (id bigserial PRIMARY KEY,
		token text NOT NULL, n int NOT NULL, payload text)" || return 1
	corral_start db:compat_transaction="dbname=$COMPAT_PGDB pool_mode=transaction pool_size=2" \
		db:compat_session="dbname=$COMPAT_PGDB pool_mode=session pool_size=$COMPAT_CLIENTS" \
		query_wait_timeout=30 || return 1
	export COMPAT_PGDB COMPAT_TABLE COMPAT_CLIENTS
}

compat_on_exit() {
	local rc=$?
	corral_cleanup
	[ -z "$COMPAT_PGDB" ] ||
		corral_pg_psql -c "DROP DATABASE IF EXISTS $COMPAT_PGDB WITH (FORCE)" >/dev/null 2>&1
	exit $rc
}

# compat_clients PREFIX FUNCTION [ARG...]: runs FUNCTION ARG... i for i in
# 1..COMPAT_CLIENTS, all at once, each in its own subshell (the commands a
# client runs bound their own time, as corral_psql does). A client checks
# its own results and prints, per case, "ok - CASE" or "not ok - CASE:
# why". Each case is one result, "PREFIX: CASE": ok when every client
# said ok; else not ok with what each failing client said. A client that
# exits non-zero is one more failure, with the start of its stderr.
compat_clients() {
	local prefix=$1 dir i rc cases case n
	shift
	dir=$(mktemp -d "$CORRAL_DIR/clients.XXXXXX") || return 1
	local pids=()
	for i in $(seq 1 "$COMPAT_CLIENTS"); do
		("$@" "$i") >"$dir/$i.out" 2>"$dir/$i.err" &
		pids[i]=$!
	done
	for i in $(seq 1 "$COMPAT_CLIENTS"); do
		wait "${pids[i]}"
		rc=$?
		[ $rc -eq 0 ] && continue
		corral_not_ok "$prefix: client $i exited with status $rc"
		echo "#   its stderr: $(head -c 600 "$dir/$i.err" | tr '\n' ' ')"
	done
	cases=$(cat "$dir"/*.out | sed -n 's/^\(not \)\{0,1\}ok - \([^:]*\).*/\2/p' | sort -u)
	while IFS= read -r case; do
		[ -n "$case" ] || continue
		n=$(cat "$dir"/*.out | grep -cxF "ok - $case")
		if [ "$n" -eq "$COMPAT_CLIENTS" ]; then
			corral_ok "$prefix: $case"
			continue
		fi
		corral_not_ok "$prefix: $case ($n of $COMPAT_CLIENTS clients ok)"
		grep -hF "not ok - $case:" "$dir"/*.out | head -n 5 | sed 's/^/#   /'
	done <<<"$cases"
	rm -rf "$dir"
}

# compat_driver PREFIX COMMAND [ARG...]: runs a driver program (bounded by
# COMPAT_DRIVER_SECONDS) that prints "ok - NAME" and "not ok - NAME"
# lines, and records each as a result named "PREFIX: NAME"; its "#" lines
# are passed on. A program that prints no result, or exits non-zero
# without a "not ok" line to say why, is one more failure.
compat_driver() {
	local prefix=$1 out rc line results=0 failures=0
	shift
	out=$(timeout -k 5 "$COMPAT_DRIVER_SECONDS" "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) corral_ok "$prefix: ${line#ok - }"; results=$((results + 1)) ;;
		"not ok - "*)
			corral_not_ok "$prefix: ${line#not ok - }"
			results=$((results + 1))
			failures=$((failures + 1))
			;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	if [ $results -eq 0 ] || { [ $rc -ne 0 ] && [ $failures -eq 0 ]; }; then
		corral_not_ok "$prefix: $1 exited with status $rc after $results results"
	fi
}
