#!/usr/bin/env bash
# auth_type = hba and auth_query, against the harness PostgreSQL.
# hba: rules in an auth_hba_file allow and reject as written: local (unix
# socket) vs host (TCP), database and user lists, CIDR and address+mask
# matches and mismatches, reject, trust vs scram-sha-256 vs password, peer
# (the OS user of the unix socket's peer, whoever runs the test); a
# refused login gets FATAL 28000 (it_auth.c reads the SQLSTATE).
# auth_query: an md5 role and a SCRAM role created here, in no auth_file,
# log in through corral with the right password and fail 28P01 with a
# wrong one; the SCRAM role's queries run on servers logged in as itself
# (also a second server, opened later with the keys from the client's
# exchange) though corral never saw its password; a lookup held up in
# PostgreSQL (pg_sleep) does not stall other pools.
# PostgreSQL's own pg_hba.conf gets one md5 line for the md5 role (its
# scram-sha-256 rules cannot check an md5 secret), removed at exit.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps

PG_HBA=${CORRAL_PG_DATADIR:?run under tests/harness/with-postgres}/pg_hba.conf
PG_HBA_SAVED=

# it_extra.sh's cleanup, then PostgreSQL's pg_hba.conf as it was.
eval "it_auth_base_$(declare -f corral_cleanup)"
corral_cleanup() {
	it_auth_base_corral_cleanup
	if [ -n "$PG_HBA_SAVED" ]; then
		cat "$PG_HBA_SAVED" >"$PG_HBA" && rm -f "$PG_HBA_SAVED"
		PG_HBA_SAVED=
		corral_pg_psql -c 'SELECT pg_reload_conf()' >/dev/null 2>&1
	fi
}

# Lets role $1 log in to PostgreSQL with md5 over TCP (first line wins).
pg_allow_md5() {
	PG_HBA_SAVED=$(mktemp "${TMPDIR:-/tmp}/it_auth_pg_hba.XXXXXX") || return 1
	cp "$PG_HBA" "$PG_HBA_SAVED" || return 1
	{ echo "host all $1 127.0.0.1/32 md5"; cat "$PG_HBA_SAVED"; } >"$PG_HBA" || return 1
	[ "$(corral_pg_psql -c 'SELECT pg_reload_conf()')" = t ]
}

# psql through corral over TCP as user $2 with password $3 (empty: none)
# to database $1; prints the output (errors included) on one line.
as_user() {
	local db=$1 user=$2 pw=$3
	shift 3
	PGPASSWORD=$pw corral_psql "$db" -w -U "$user" "$@" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

# The same over corral's unix socket as user $2 (as_local: $PGUSER),
# without a password.
as_local_user() {
	local db=$1 user=$2
	shift 2
	PGPASSWORD='' timeout -k 5 60 psql -X -q -At -w \
		"host=$CORRAL_SOCKDIR port=$CORRAL_PORT dbname=$db user=$user" "$@" 2>&1 |
		tr '\n' ' ' | sed 's/ $//'
}

as_local() {
	local db=$1
	shift
	as_local_user "$db" "$PGUSER" "$@"
}

# Runs case $1 of it_auth.c: a raw login to $2 as $3 with password $4
# (case fails: ending with SQLSTATE $5 and text $6).
raw_login() {
	(
		export IT_RAW_DB=$2 IT_RAW_USER=$3 IT_RAW_PASSWORD=$4 IT_RAW_SQLSTATE=${5:-} \
			IT_RAW_TEXT=${6:-}
		it_run_case it_auth "$1"
	)
}

# raw_fails TITLE DB USER PASSWORD SQLSTATE TEXT
raw_fails() {
	local title=$1
	shift
	corral_check "$title" raw_login fails "$@"
}

U=it_auth_u_$$ UPW=pw$RANDOM$RANDOM            # SCRAM role in auth_file
M=it_auth_md5_$$ MPW=md5pw$RANDOM$RANDOM        # md5 role, looked up
S=it_auth_scram_$$ SPW=scrampw$RANDOM$RANDOM    # SCRAM role, looked up
it_pg_role "$U" "$UPW" || corral_not_ok "create role $U"
IT_EXTRA_ROLES+=("$M" "$S")
corral_pg_psql -c "SET password_encryption = 'md5'" -c "CREATE ROLE $M LOGIN PASSWORD '$MPW'" ||
	corral_not_ok "create md5 role $M"
corral_pg_psql -c "SET password_encryption = 'scram-sha-256'" \
	-c "CREATE ROLE $S LOGIN PASSWORD '$SPW'" || corral_not_ok "create SCRAM role $S"
pg_allow_md5 "$M" || corral_not_ok "allow md5 logins for $M in PostgreSQL's pg_hba.conf"

# ---- auth_type = hba ----
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1
# peer: the OS user running this test logs in to it_e as itself; corral
# must know the user (an auth_file line, as for trust), and it_e logs in
# to PostgreSQL as $PGUSER whoever the client is.
me=$(id -un)
IT_EXTRA_AUTH+=("\"$me\" \"\"")
cat >"$CORRAL_DIR/hba.conf" <<EOF
# corral's rules for it_auth.sh
local  it_e       all                                    peer
local  it_a       all                                    trust
local  all        all                                    reject
host   it_b       $U                127.0.0.1/32         reject
host   it_a,it_b  "$PGUSER",$U      127.0.0.1/32         scram-sha-256
host   all        all               10.0.0.0/8           trust
host   it_c       all               127.0.1.0/24         trust
host   it_d       all               127.0.0.0  255.0.0.0 password
EOF
if corral_start db:it_a= db:it_b= db:it_c= db:it_d= \
	db:it_e="user=$PGUSER password=$PGPASSWORD" auth_type=hba auth_hba_file=hba.conf; then
	corral_expect "hba local peer: OS user $me logs in as $me (SO_PEERCRED)" \
		"$PGUSER" "$(as_local_user it_e "$me" -c 'SELECT current_user')"
	corral_expect_has "hba local peer: OS user $me may not log in as $U" \
		"Peer authentication failed for user \"$U\"" "$(as_local_user it_e "$U" -c 'SELECT 1')"
	corral_check "hba local peer: the log names the OS user" \
		grep -q "OS user \"$me\" asked to log in as \"$U\"" "$CORRAL_LOG"
	corral_expect_has "hba local trust: the unix socket logs in to it_a without a password" \
		"1" "$(as_local it_a -c 'SELECT 1')"
	corral_expect_has "hba local reject: the unix socket may not use it_b" \
		"pg_hba.conf rejects connection for host \"[local]\", user \"$PGUSER\", database \"it_b\"" \
		"$(as_local it_b -c 'SELECT 1')"
	corral_expect "hba host scram: TCP to it_a with the right password" \
		"$PGUSER" "$(as_user it_a "$PGUSER" "$PGPASSWORD" -c 'SELECT current_user')"
	corral_expect_has "hba host scram: a wrong password fails" \
		"password authentication failed for user \"$PGUSER\"" \
		"$(as_user it_a "$PGUSER" wrong -c 'SELECT 1')"
	corral_expect_has "hba host scram: TCP is not trusted like the unix socket" \
		"no password supplied" "$(as_user it_a "$PGUSER" '' -c 'SELECT 1')"
	corral_expect "hba user list: $U may use it_a" \
		"$U" "$(as_user it_a "$U" "$UPW" -c 'SELECT current_user')"
	corral_expect "hba database list: $PGUSER may use it_b" \
		"$PGUSER" "$(as_user it_b "$PGUSER" "$PGPASSWORD" -c 'SELECT current_user')"
	corral_expect_has "hba reject: an earlier rule refuses $U on it_b" \
		"pg_hba.conf rejects connection for host \"127.0.0.1\", user \"$U\", database \"it_b\", no encryption" \
		"$(as_user it_b "$U" "$UPW" -c 'SELECT 1')"
	raw_fails "hba reject is FATAL 28000" it_b "$U" "$UPW" 28000 "pg_hba.conf rejects"
	corral_expect_has "hba CIDR mismatch: no rule admits 127.0.0.1 to it_c" \
		"no pg_hba.conf entry for host \"127.0.0.1\", user \"$PGUSER\", database \"it_c\"" \
		"$(as_user it_c "$PGUSER" "$PGPASSWORD" -c 'SELECT 1')"
	raw_fails "hba no matching rule is FATAL 28000" it_c "$PGUSER" "$PGPASSWORD" 28000 \
		"no pg_hba.conf entry"
	corral_expect "hba address and mask, password method: it_d" \
		"$PGUSER" "$(as_user it_d "$PGUSER" "$PGPASSWORD" -c 'SELECT current_user')"
	raw_fails "hba password method, wrong password: 28P01" it_d "$PGUSER" wrong 28P01 \
		"password authentication failed"
	corral_check "corral exits 0 on SIGTERM, no sanitizer report (hba)" corral_stop
else
	corral_not_ok "corral starts with auth_type hba"
fi
unset 'IT_EXTRA_AUTH[-1]'   # $me

# ---- auth_query ----
if corral_start db:it_q='pool_size=4' db:it_other= auth_type=md5 auth_user="$PGUSER"; then
	corral_expect "auth_query md5 role logs in and runs as itself" \
		"$M" "$(as_user it_q "$M" "$MPW" -c 'SELECT current_user')"
	corral_expect_has "auth_query md5 role, wrong password" \
		"password authentication failed for user \"$M\"" \
		"$(as_user it_q "$M" wrong -c 'SELECT 1')"
	raw_fails "auth_query md5 role, wrong password: 28P01" it_q "$M" wrong 28P01 \
		"password authentication failed for user \"$M\""
	corral_check "auth_query md5 role, right password (raw md5 exchange)" \
		raw_login works it_q "$M" "$MPW"
	raw_fails "auth_query finds no such role: 28P01 like a wrong password" it_q \
		"it_auth_nobody_$$" whatever 28P01 "password authentication failed"
	corral_expect "auth_query SCRAM role logs in; its server session is its own" \
		"$S|$S" "$(as_user it_q "$S" "$SPW" -c 'SELECT current_user, session_user')"
	corral_expect_has "auth_query SCRAM role, wrong password" \
		"password authentication failed for user \"$S\"" \
		"$(as_user it_q "$S" wrong -c 'SELECT 1')"
	corral_check "corral was never given the SCRAM role's password" \
		bash -c '! grep -qF -- "$1" "$2"/* 2>/dev/null' _ "$SPW" "$CORRAL_DIR"
	# A second server for the SCRAM role, opened while the first is held
	# in a transaction: corral logs in with the keys of the client's
	# exchange.
	if corral_client_start held it_q "user=$S password=$SPW"; then
		corral_client_query held 'BEGIN' >/dev/null
		corral_client_query held 'SELECT 1' >/dev/null
		corral_expect "a second server for the SCRAM role logs in with the client's keys" \
			"$S 2" "$(as_user it_q "$S" "$SPW" -c "SELECT current_user, (SELECT count(*)
				FROM pg_stat_activity WHERE usename = '$S')" -F ' ')"
		corral_client_close held
	else
		corral_not_ok "client held logs in as $S"
	fi
	corral_check "corral exits 0 on SIGTERM, no sanitizer report (auth_query)" corral_stop
else
	corral_not_ok "corral starts with auth_user"
fi

# ---- a slow lookup does not stall other pools ----
slow_query="SELECT rolname, rolpassword FROM pg_authid, pg_sleep(4) WHERE rolname = \$1"
if corral_start db:it_q= db:it_other= auth_type=md5 auth_user="$PGUSER" \
	auth_query="$slow_query"; then
	start=$(date +%s%N)
	# The login outlasts the lookup's 4 s: psql may wait 30 s for it.
	CORRAL_PSQL_CONNECT_TIMEOUT=30 as_user it_q "$M" "$MPW" -c 'SELECT current_user' \
		>"$CORRAL_DIR/slow.out" &
	slow=$!
	sleep 0.3
	if corral_client_start fast it_other ''; then
		ok=0
		for i in $(seq 1 20); do
			case $(corral_client_query fast "SELECT $i" 5) in OK*) ok=$((ok + 1)) ;; esac
		done
		corral_expect "other pools serve while a lookup waits on pg_sleep" 20 "$ok"
		corral_check "... all 20 queries done while the lookup still runs" \
			corral_alive "$slow"
		corral_client_close fast
	else
		corral_not_ok "client fast logs in to it_other during a lookup"
	fi
	wait "$slow"
	slow_ms=$((($(date +%s%N) - start) / 1000000))
	corral_expect "the slow lookup's login then succeeds" "$M" "$(cat "$CORRAL_DIR/slow.out")"
	corral_check "... after the lookup's pg_sleep (${slow_ms} ms >= 4000 ms)" \
		test "$slow_ms" -ge 4000
else
	corral_not_ok "corral starts with a slow auth_query"
fi
corral_finish
