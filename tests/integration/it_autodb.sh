#!/usr/bin/env bash
# autodb_idle_timeout: a pool made from the `*` fallback entry is freed
# (its idle servers closed) once nothing used it for the timeout; a pool
# with a client, and a pool of a [databases] entry, stay; a freed pool is
# made again by the next login.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps

pools() { corral_show_columns POOLS database | grep '^it_' | sort | xargs; }
# The databases of the servers, one word per server: a console that does
# not answer gives "", which no expectation below accepts.
servers() { corral_show_columns SERVERS database | grep '^it_' | sort | xargs; }

if ! corral_start 'db:*=' db:it_fixed= autodb_idle_timeout=4 admin_users="$PGUSER"; then
	corral_not_ok "corral starts with a fallback entry and autodb_idle_timeout = 4"
	corral_finish
	exit 1
fi
corral_psql it_fixed -c 'SELECT 1' >/dev/null
corral_client_start held it_auto_b || corral_not_ok "a client logs in to it_auto_b"
corral_expect "the held client's pool runs a query" "OK IDLE 7" \
	"$(corral_client_query held 'SELECT 7')"
corral_expect "a fallback pool serves a login" 1 "$(corral_psql it_auto_a -c 'SELECT 1')"
corral_expect "SHOW POOLS lists the three pools" "it_auto_a it_auto_b it_fixed" "$(pools)"
corral_expect "each pool has its one server" "it_auto_a it_auto_b it_fixed" "$(servers)"

# Looked at every second, freed once seen unused for 4 s: gone within 6 s.
gone=0
for _ in $(seq 100); do
	case " $(pools) " in
	*" it_auto_a "* | "  ") sleep 0.1 ;;  # still there, or no answer
	*) gone=1 && break ;;
	esac
done
corral_expect "the unused fallback pool is freed" 1 "$gone"
corral_expect "... and its server closed, the others' kept" "it_auto_b it_fixed" "$(servers)"
corral_check "... and the log says why" \
	grep -q 'pool it_auto_a/.*: unused for 4 s (autodb_idle_timeout); freed' "$CORRAL_LOG"
corral_expect "the pool with a logged-in client stays, and so does the entry's" \
	"it_auto_b it_fixed" "$(pools)"
corral_expect "the held client still runs queries" "OK IDLE 8" \
	"$(corral_client_query held 'SELECT 8')"
corral_expect "the next login makes the freed pool again" 2 \
	"$(corral_psql it_auto_a -c 'SELECT 2')"
corral_client_close held
corral_check "corral exits 0 on SIGTERM, no sanitizer report" corral_stop
corral_finish
