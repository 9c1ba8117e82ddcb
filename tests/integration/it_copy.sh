#!/usr/bin/env bash
# COPY through corral in transaction mode on a pool of 1: 10 MB in with
# COPY FROM STDIN and out with COPY TO STDOUT, byte for byte (checksums of
# the file, of what PostgreSQL stored, and of what came back); a COPY in a
# transaction that is rolled back stores nothing; a COPY that fails on a
# bad row leaves the server usable for the next client with nothing
# stored. Every psql run is bounded (corral_psql).
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_copy='pool_mode=transaction pool_size=1' query_wait_timeout=30 || exit 1

table=it_copy_$$
data=$CORRAL_DIR/copy-in.txt
# 7.5 MB of random bytes as base64 lines of 100 characters: 10.2 MB of
# text that needs no COPY escaping, so what comes out must equal the file.
head -c 7680000 /dev/urandom | base64 -w 100 >"$data"
lines=$(wc -l <"$data")
sum_in=$(sha256sum <"$data" | cut -d' ' -f1)
corral_check "the input is over 10 MB" test "$(stat -c %s "$data")" -ge 10000000

corral_check "create the table" corral_psql it_copy -c \
	"CREATE TABLE $table (id bigint GENERATED ALWAYS AS IDENTITY, line text NOT NULL)"
start=$SECONDS
corral_psql it_copy -c "\\copy $table (line) FROM '$data'"
corral_check "COPY FROM STDIN of 10 MB through corral succeeds" test $? -eq 0
corral_expect "PostgreSQL stored every line" "$lines" \
	"$(corral_pg_psql -c "SELECT count(*) FROM $table")"
corral_expect "what PostgreSQL stored has the input's checksum" \
	"$(md5sum <"$data" | cut -d' ' -f1)" \
	"$(corral_pg_psql -c "SELECT md5(string_agg(line || E'\\n', '' ORDER BY id)) FROM $table")"
out=$CORRAL_DIR/copy-out.txt
corral_psql it_copy -c "COPY (SELECT line FROM $table ORDER BY id) TO STDOUT" >"$out"
corral_check "COPY TO STDOUT of 10 MB through corral succeeds" test $? -eq 0
corral_expect "COPY TO STDOUT returns the 10 MB byte for byte" "$sum_in" \
	"$(sha256sum <"$out" | cut -d' ' -f1)"
echo "# 10 MB in and out in $((SECONDS - start)) s"

corral_expect "a COPY in a rolled-back transaction stores nothing" "0" \
	"$(corral_psql it_copy 2>&1 <<-EOF
		BEGIN;
		\\copy $table (line) FROM '$data'
		ROLLBACK;
		SELECT count(*) FROM $table WHERE id > $lines;
	EOF
	)"

bad=$CORRAL_DIR/copy-bad.txt
{ seq 1 1000; echo 'not a number'; seq 1002 2000; } >"$bad"
corral_check "create the integer table" corral_psql it_copy -c "CREATE TABLE ${table}_n (n int)"
out=$(corral_psql it_copy -c "\\copy ${table}_n FROM '$bad'" 2>&1)
rc=$?
echo "# psql said: $out"
corral_check "a bad row fails the COPY" test $rc -ne 0
corral_check "the error names the bad value" grep -qF 'not a number' <<<"$out"
corral_expect "the next client on that server works and sees nothing stored" 0 \
	"$(corral_psql it_copy -c "SELECT count(*) FROM ${table}_n" 2>&1)"

corral_check "drop the tables" corral_pg_psql -c "DROP TABLE $table, ${table}_n"
corral_finish
