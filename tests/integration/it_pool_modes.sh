#!/usr/bin/env bash
# Each pool mode, per-database pool_mode overrides, through psql over TCP
# and the unix socket, then through libpq (it_pool_modes.c: session
# backend affinity and reset, transaction sharing and holding, failed
# transactions, function calls, statement mode's refusal of BEGIN).
# psql: every mode answers over both listeners; session mode keeps a temp
# table across statements; a transaction of separate statements commits
# in transaction mode; statement mode runs autocommit statements and
# refuses BEGIN with "transaction blocks not allowed in statement pooling
# mode".
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
corral_start db:it_session='pool_mode=session pool_size=1' \
	db:it_tx='pool_mode=transaction pool_size=1' \
	db:it_stmt='pool_mode=statement pool_size=1' \
	query_wait_timeout=8 || exit 1

for db in it_session it_tx it_stmt; do
	corral_expect "$db answers over TCP" 1 "$(corral_psql "$db" -c 'SELECT 1' 2>&1)"
	corral_expect "$db answers over the unix socket" 1 \
		"$(timeout -k 5 60 psql -X -At -h "$CORRAL_SOCKDIR" -p "$CORRAL_PORT" \
			-d "$db" -c 'SELECT 1' 2>&1)"
done

corral_expect "session mode keeps a temp table across statements" 3 \
	"$(corral_psql it_session 2>&1 <<-'EOF'
		CREATE TEMP TABLE it_modes_t (x int);
		INSERT INTO it_modes_t VALUES (1), (2);
		SELECT sum(x) FROM it_modes_t;
	EOF
	)"
corral_expect "transaction mode runs a transaction of separate statements" \
	"$(printf '42\nt')" \
	"$(corral_psql it_tx 2>&1 <<-'EOF'
		BEGIN;
		SELECT 41 + 1;
		SELECT txid_current() = txid_current();
		COMMIT;
	EOF
	)"
corral_expect "statement mode runs autocommit statements" "$(printf '1\n2')" \
	"$(corral_psql it_stmt -c 'SELECT 1' -c 'SELECT 2' 2>&1)"
out=$(corral_psql it_stmt -c 'BEGIN' -c 'SELECT 1' -c 'COMMIT' 2>&1)
rc=$?
echo "# psql said: $out"
corral_check "statement mode: psql fails on BEGIN" test "$rc" -ne 0
corral_check "statement mode: BEGIN refused with PgBouncer's message" \
	grep -qF 'transaction blocks not allowed in statement pooling mode' <<<"$out"

corral_check "libpq: session, transaction and statement mode (it_pool_modes)" \
	corral_helper it_pool_modes
corral_finish
