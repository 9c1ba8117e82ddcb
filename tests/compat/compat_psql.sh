#!/usr/bin/env bash
# psql through corral, in transaction pooling on a pool of 2 and in
# session pooling: 20 psql processes at once, each running one script and
# checking its own rows (marked with its own random token), case by case:
# a transaction with \gset, \if and a failed statement rolled back to a
# savepoint; multi-statement strings (psql 15 shows every result; an error
# rolls back the whole string); \copy in from a file and out to a file and
# to stdout; SQL PREPARE/EXECUTE inside one transaction. One psql process
# per client keeps the suite quick on a busy machine. \bind needs psql 16:
# with an older psql the suite says so and does not count it.
set -uo pipefail
# shellcheck source=tests/compat/compat_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/compat/compat_lib.sh"
compat_init psql || exit 1
psql_major=$(psql --version | awk '{ split($3, v, "."); print v[1] }')

# The script of client token $1 ($2: the file its \copy reads, $3: the
# file it writes); each case starts with an "== CASE" line.
client_script_text() {
	local t=$1 in=$2 out=$3 tbl=$COMPAT_TABLE
	cat <<-EOF
		\\echo == transaction with savepoint
		BEGIN;
		INSERT INTO $tbl (token, n) SELECT '$t', g FROM generate_series(1, 100) g;
		SELECT count(*) AS cnt, sum(n) AS total FROM $tbl WHERE token = '$t' \\gset
		SAVEPOINT s;
		\\set ON_ERROR_STOP 0
		SELECT 1 / 0;
		\\set ON_ERROR_STOP 1
		ROLLBACK TO SAVEPOINT s;
		SELECT :cnt = 100 AS full \\gset
		\\if :full
		\\echo inserted :cnt rows summing to :total
		\\else
		\\echo only :cnt rows
		\\endif
		COMMIT;
		SELECT count(*) FROM $tbl WHERE token = '$t';
		\\echo == multi-statement strings
		INSERT INTO $tbl (token, n) VALUES ('$t', -1) \\; SELECT count(*) FROM $tbl WHERE token = '$t' \\; SELECT '$t';
		\\set ON_ERROR_STOP 0
		INSERT INTO $tbl (token, n) VALUES ('$t', -2) \\; SELECT 1 / 0 \\; SELECT 'not reached';
		\\set ON_ERROR_STOP 1
		SELECT count(*) FROM $tbl WHERE token = '$t' AND n < 0;
		\\echo == copy in and out
		\\copy $tbl (token, n, payload) FROM '$in'
		\\copy (SELECT token, n, payload FROM $tbl WHERE token = '$t' AND n > 1000 ORDER BY n) TO '$out'
		\\copy (SELECT count(*), sum(n) FROM $tbl WHERE token = '$t' AND n > 1000) TO STDOUT
		\\echo == SQL PREPARE and EXECUTE in one transaction
		BEGIN;
		PREPARE compat_q(text, int) AS SELECT \$1 || ':' || \$2;
		EXECUTE compat_q('$t', 1);
		EXECUTE compat_q('$t', 2);
		DEALLOCATE compat_q;
		COMMIT;
	EOF
	if [ "$psql_major" -ge 16 ]; then
		printf '%s\n' '\echo == bind' "SELECT \$1 || '/' || \$2 \\bind $t 7 \\g"
	fi
}

# What client token $1's script prints, case by case.
client_expected() {
	local t=$1
	cat <<-EOF
		== transaction with savepoint
		inserted 100 rows summing to 5050
		100
		== multi-statement strings
		101
		$t
		1
		== copy in and out
		1000	1500500
		== SQL PREPARE and EXECUTE in one transaction
		$t:1
		$t:2
	EOF
	[ "$psql_major" -lt 16 ] || printf '== bind\n%s/7\n' "$t"
}

# split TEXT ARRAY: fills associative array ARRAY with the cases of TEXT,
# each from its "== CASE" line to the next (builtins only: processes are
# dear on a busy machine, and 20 clients run this at once).
split() {
	local -n cases=$2
	local line name=
	while IFS= read -r line; do
		if [ "${line#== }" != "$line" ]; then
			name=${line#== }
			cases["$name"]=
		elif [ -n "$name" ]; then
			cases["$name"]+=$line$'\n'
		fi
	done <<<"$1"
}

# report CASE EXPECTED GOT: "ok - CASE", or "not ok - CASE: ..." with both.
report() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: expected $(printf %q "$2"), got $(printf %q "$3")"
	fi
}

# One client: its script in one psql session over TCP, then each case's
# output, the \copy round trip and the errors psql printed, checked.
client() {
	local db=$1 i=$2 t in out err name
	local -A want=() got=()
	compat_token t
	in=$CORRAL_DIR/copy-in-$db-$i.tsv
	out=$CORRAL_DIR/copy-out-$db-$i.tsv
	err=$CORRAL_DIR/psql-$db-$i.err
	seq 1001 2000 | awk -v t="$t" '{ print t "\t" $1 "\tline " $1 " of " t }' >"$in"
	split "$(client_script_text "$t" "$in" "$out" | corral_psql "$db" 2>"$err")" got
	split "$(client_expected "$t")" want
	for name in "${!want[@]}"; do
		report "$name" "${want[$name]}" "${got[$name]-(missing)}"
	done
	if cmp -s "$in" "$out"; then
		echo "ok - copy out equals copy in"
	else
		echo "not ok - copy out equals copy in: $out differs from $in"
	fi
	report "errors reported" $'ERROR:  division by zero\nERROR:  division by zero' "$(<"$err")"
	rm -f "$in" "$out" "$err"
}

for mode in "${COMPAT_MODES[@]}"; do
	compat_clients "$mode: psql" client "$(compat_db "$mode")"
done
[ "$psql_major" -ge 16 ] ||
	printf '# psql \\bind not tested: psql %s has none (psql 16 added it)\n' "$psql_major"
corral_finish
