#!/usr/bin/env bash
# TLS on both sides, against a PostgreSQL of this test's own with ssl=on
# and certificates made here (tests/harness/tls_certs.sh: a CA, a server
# certificate for localhost and 127.0.0.1, one for db.wrong.example).
#  1. PostgreSQL presents the wrong name: with server_tls_sslmode =
#     verify-full, a client of corral gets a clear error naming the
#     mismatch, by IP address and by host name; verify-ca accepts it.
#  2. PostgreSQL presents the right certificate (reloaded): psql with
#     sslmode=require and verify-full through corral works, is encrypted
#     on both legs (\conninfo, pg_stat_ssl); a plaintext psql is refused
#     with "SSL required", the unix socket is not; it_tls.c's raw cases;
#     pgbench -S, 20 clients, over TLS on both legs: 0 failed.
#     The tls column of SHOW CLIENTS and SHOW SERVERS: "TLSv1.3/<cipher>/
#     ECDH=<group>" for TLS connections, empty for the plain console.
#  3. Reload: replaced certificate files are read again (a new client sees
#     the new certificate, a connected one carries on); a reload with a
#     missing file is refused and TLS goes on as before.
set -uo pipefail
# shellcheck source=tests/harness/pg.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/pg.sh"
# shellcheck source=tests/harness/corral.sh
. "$CORRAL_TOP_SRCDIR/tests/harness/corral.sh"
corral_install_traps   # also removes this test's PostgreSQL
pg_harness_start || exit 1
certs=$PG_HARNESS_TMPDIR/certs
bash "$CORRAL_TOP_SRCDIR/tests/harness/tls_certs.sh" "$certs" || exit 1

# pg_use_cert NAME: PostgreSQL serves certs/NAME.crt from now on (ssl=on,
# reloaded); waits until a verify-ca login sees it.
pg_use_cert() {
	local data=$CORRAL_PG_DATADIR _
	cp "$certs/$1.crt" "$data/server.crt" && cp "$certs/$1.key" "$data/server.key" || return 1
	[ -z "$PG_HARNESS_RUNAS" ] || chown "$PG_HARNESS_RUNAS" "$data/server.crt" "$data/server.key"
	chmod 600 "$data/server.key"
	grep -q '^ssl = on' "$data/postgresql.conf" ||
		printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" \
			>>"$data/postgresql.conf"
	pg_harness_as_server_user "$CORRAL_PG_BINDIR/pg_ctl" -D "$data" reload >/dev/null || return 1
	for _ in $(seq 1 50); do
		[ "$(openssl s_client -connect "127.0.0.1:$PGPORT" -starttls postgres </dev/null 2>/dev/null |
			openssl x509 -noout -subject 2>/dev/null)" = "$(openssl x509 -noout -subject \
			-in "$certs/$1.crt")" ] && return 0
		sleep 0.1
	done
	corral_log "PostgreSQL did not start serving $1.crt"
	return 1
}

# psql through corral with conninfo extras $2 to database $1; stderr too.
tls_psql() {
	local db=$1 extra=$2
	shift 2
	timeout -k 5 60 psql -X -q -At -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=$db connect_timeout=5 $extra" "$@" 2>&1
}

# check_contains NAME NEEDLE TEXT: ok when TEXT holds NEEDLE (printed).
check_contains() {
	awk '{ print "#   " $0 }' <<<"$3"
	if grep -qF -- "$2" <<<"$3"; then
		corral_ok "$1"
	else
		corral_not_ok "$1"
		echo "#   expected to contain: $2"
		echo "#   got: $3"
	fi
}

db=it_tls_bench
corral_pg_psql -c "CREATE DATABASE $db" >/dev/null || exit 1
timeout -k 5 120 pgbench -i -q -s 1 "$db" >/dev/null 2>&1 || { echo "pgbench -i failed"; exit 1; }
pg_use_cert wrong || exit 1
corral_start db:it_tls_bench="host=127.0.0.1 dbname=$db pool_mode=transaction pool_size=10" \
	db:it_tls='host=127.0.0.1 pool_mode=transaction pool_size=10' \
	db:it_tls_name='host=localhost pool_mode=transaction' \
	db:it_tls_ca='host=127.0.0.1 pool_mode=transaction' \
	client_tls_sslmode=require client_tls_cert_file="$certs/server.crt" \
	client_tls_key_file="$certs/server.key" \
	server_tls_sslmode=verify-full server_tls_ca_file="$certs/ca.crt" \
	auth_type=plain server_login_retry=0.2 max_client_conn=100 admin_users="$PGUSER" || exit 1
ini=$CORRAL_DIR/corral.ini

# 1. The wrong certificate.
check_contains "verify-full by IP, certificate for another name: clear error" \
	"server TLS handshake failed: certificate verify failed: IP address mismatch" \
	"$(tls_psql it_tls sslmode=require -c 'SELECT 1')"
check_contains "verify-full by name, certificate for another name: clear error" \
	"server TLS handshake failed: certificate verify failed: hostname mismatch" \
	"$(tls_psql it_tls_name sslmode=require -c 'SELECT 1')"
echo 'server_tls_sslmode = verify-ca' >>"$ini"
kill -HUP "$CORRAL_PID"
sleep 0.3
corral_expect "verify-ca does not check the name" t \
	"$(tls_psql it_tls_ca sslmode=require -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
echo 'server_tls_sslmode = verify-full' >>"$ini"
kill -HUP "$CORRAL_PID"

# 2. The right certificate.
pg_use_cert server || exit 1
sleep 0.3   # server_login_retry after the failures above
stat_ssl='SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
corral_expect "verify-full by IP: PostgreSQL sees corral's connection encrypted" "t|TLSv1.3" \
	"$(tls_psql it_tls sslmode=require -c "$stat_ssl")"
corral_expect "verify-full by name works" "t|TLSv1.3" \
	"$(tls_psql it_tls_name sslmode=require -c "$stat_ssl")"
check_contains "psql sslmode=require: the client leg is TLS" "SSL connection (protocol: TLSv1.3" \
	"$(tls_psql it_tls sslmode=require -c '\conninfo')"
corral_expect "psql sslmode=verify-full checks corral's certificate" 1 \
	"$(tls_psql it_tls "sslmode=verify-full sslrootcert=$certs/ca.crt" -c 'SELECT 1')"
check_contains "plaintext psql is refused" "FATAL:  SSL required" \
	"$(tls_psql it_tls sslmode=disable -c 'SELECT 1')"
corral_expect "the unix socket needs no TLS" 1 \
	"$(timeout 60 psql -X -At "host=$CORRAL_SOCKDIR port=$CORRAL_PORT dbname=it_tls" -c 'SELECT 1' 2>&1)"
corral_check "raw protocol cases (it_tls)" env CK_RUN_CASE=raw \
	timeout -k 5 180 "$CORRAL_TOP_BUILDDIR/tests/integration/it_tls"

out=$(PGSSLMODE=require timeout -k 5 120 pgbench -n -S -c 20 -j 2 -T 5 \
	-h "$CORRAL_HOST" -p "$CORRAL_PORT" it_tls_bench 2>&1)
corral_check "pgbench -S over TLS on both legs exits 0" test $? -eq 0
awk '/^(number of|latency|tps)/ { print "# " $0 }' <<<"$out"
corral_check "pgbench -S over TLS: no failed transactions" \
	grep -qE '^number of failed transactions: 0 ' <<<"$out"
corral_expect "every server connection of corral is encrypted" 0 \
	"$(corral_pg_psql -d "$db" -c "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '$db' AND NOT s.ssl AND a.pid <> pg_backend_pid()")"

# 3. Reload picks up replaced files; a broken TLS config is refused.
corral_client_start held it_tls 'sslmode=require' || exit 1
# Before that, the tls column: each TLS connection's protocol, cipher and
# key exchange; empty for the console's own (unix socket, plain).
tls_re='TLSv1\.3/TLS_[A-Z0-9_]+/ECDH=[A-Za-z0-9]+'
clients=$(corral_show_columns CLIENTS addr tls)
awk '{ print "#   " $0 }' <<<"$clients"
corral_check "SHOW CLIENTS: the TLS client's tls column names protocol/cipher/group" \
	grep -qxE "127\.0\.0\.1\|$tls_re" <<<"$clients"
corral_check "SHOW CLIENTS: the plain console client's tls column is empty" \
	grep -qx 'unix|' <<<"$clients"
servers=$(corral_show_columns SERVERS tls)
# (No row at all reads as one empty line, which does not match.)
corral_expect "SHOW SERVERS: every server's tls column shows TLS to PostgreSQL" 0 \
	"$(grep -cvxE "$tls_re" <<<"$servers")"
sed -i "s|^client_tls_cert_file = .*|client_tls_cert_file = $certs/wrong.crt|;s|^client_tls_key_file = .*|client_tls_key_file = $certs/wrong.key|" "$ini"
kill -HUP "$CORRAL_PID"
sleep 0.3
check_contains "after reload a new client gets the new certificate" "db.wrong.example" \
	"$(openssl s_client -connect "$CORRAL_HOST:$CORRAL_PORT" -starttls postgres </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>&1)"
corral_expect "a client connected before the reload carries on" "OK IDLE 1" \
	"$(corral_client_query held 'SELECT 1')"
echo "client_tls_cert_file = $certs/missing.crt" >>"$ini"
kill -HUP "$CORRAL_PID"
sleep 0.3
corral_check "a reload with a missing certificate file is refused, and logged" \
	grep -q "reload failed, keeping the running configuration: client_tls_cert_file '$certs/missing.crt'" "$CORRAL_LOG"
corral_expect "TLS goes on as before" 1 "$(tls_psql it_tls sslmode=require -c 'SELECT 1')"
corral_client_close held

corral_finish
