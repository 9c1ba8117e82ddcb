#!/usr/bin/env bash
# Logging in by client certificate, in front of the harness PostgreSQL
# (the server leg stays plain). Certificates from tests/harness/
# tls_certs.sh: client (CN=corral_test, the harness user), other-user
# (CN=corral_other), stranger (CN=corral_test, from an unknown CA).
#  1. auth_type = cert, client_tls_sslmode = prefer (a certificate is asked
#     for but not required): psql with sslmode=verify-full and client.crt
#     logs in as corral_test, and so reaches the admin console; a wrong
#     CN, no certificate, an unverifiable one and a plaintext client are
#     refused with FATAL 28000 naming the user (SQLSTATE read by
#     it_tls.c's raw client).
#  2. auth_type = hba (reload): a hostssl cert rule lets the certificate
#     in; a plaintext client matching a host cert rule is refused; the
#     tls column of SHOW CLIENTS reads "TLSv1.3/<cipher>/ECDH=<group>" for
#     the TLS client and is empty for a plain unix-socket one.
#  3. client_tls_sslmode = verify-full (reload): a client without a
#     certificate fails the handshake; with one it logs in.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1
certs=$CORRAL_DIR/certs
bash "$CORRAL_TOP_SRCDIR/tests/harness/tls_certs.sh" "$certs" || exit 1

# psql over TLS to database $1 as $PGUSER with client certificate $2
# (empty: none) and conninfo extras $3; never asks for a password; prints
# the output, errors included, on one line.
cert_psql() {
	local db=$1 cert=$2 extra=${3:-}
	shift 3
	[ -z "$cert" ] || extra="sslcert=$certs/$cert.crt sslkey=$certs/$cert.key $extra"
	PGPASSWORD='' timeout -k 5 60 psql -X -q -At -w -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=$db user=$PGUSER connect_timeout=5 \
		sslmode=verify-full sslrootcert=$certs/ca.crt $extra" "$@" 2>&1 | tr '\n' ' ' |
		sed 's/ *$//'
}

# raw_refused TITLE CERT TEXT: it_tls.c's raw TLS client with certificate
# CERT (empty: none) logs in as $PGUSER and gets FATAL 28000 with TEXT.
raw_refused() {
	local cert=${2:+$certs/$2}
	corral_check "$1" env CK_RUN_CASE=cert IT_CERT="$cert" IT_CERT_SQLSTATE=28000 \
		IT_CERT_TEXT="$3" timeout -k 5 60 "$CORRAL_TOP_BUILDDIR/tests/integration/it_tls"
}

# reload_with SETTING=VALUE...: appends the settings to corral.ini and
# reloads through the console, logged in by certificate (RELOAD answers
# once the new config is in).
reload_with() {
	printf '%s\n' "${@/=/ = }" >>"$CORRAL_DIR/corral.ini"
	corral_expect "RELOAD with $*" "" "$(cert_psql pgbouncer client '' -c RELOAD)"
}

refused="certificate authentication failed for user \"$PGUSER\""
if ! corral_start db:it_tls='pool_mode=transaction' auth_type=cert \
	client_tls_sslmode=prefer client_tls_cert_file="$certs/server.crt" \
	client_tls_key_file="$certs/server.key" client_tls_ca_file="$certs/ca.crt" \
	admin_users="$PGUSER"; then
	corral_not_ok "corral starts with auth_type cert"
	corral_finish
	exit 1
fi

# 1. auth_type = cert.
corral_expect "cert: the certificate for $PGUSER logs in without a password" 1 \
	"$(cert_psql it_tls client '' -c 'SELECT 1')"
corral_expect_has "cert: the admin console takes the certificate too" "Console usage" \
	"$(cert_psql pgbouncer client '' -c 'SHOW HELP')"
corral_expect_has "cert: a certificate for another user is refused, naming both" \
	"$refused DETAIL:  The client certificate is for \"corral_other\"" \
	"$(cert_psql it_tls other-user '' -c 'SELECT 1')"
raw_refused "cert: wrong CN is FATAL 28000" other-user "$refused"
corral_expect_has "cert: no certificate is refused" \
	"$refused DETAIL:  No valid client certificate: no certificate was sent." \
	"$(cert_psql it_tls '' '' -c 'SELECT 1')"
raw_refused "cert: no certificate is FATAL 28000" '' "$refused"
corral_expect_has "cert: a certificate from an unknown CA is refused" \
	"No valid client certificate: the certificate did not verify" \
	"$(cert_psql it_tls stranger '' -c 'SELECT 1')"
corral_expect_has "cert: a plaintext client is refused" \
	"$refused DETAIL:  The connection does not use TLS" \
	"$(cert_psql it_tls client sslmode=disable -c 'SELECT 1')"

# 2. auth_type = hba with cert rules.
cat >"$CORRAL_DIR/hba.conf" <<EOF
local   all all                trust
hostssl all all 127.0.0.1/32   cert
host    all all 127.0.0.1/32   cert
EOF
reload_with auth_type=hba auth_hba_file=hba.conf
corral_expect "hba hostssl cert: the certificate logs in" 1 \
	"$(cert_psql it_tls client '' -c 'SELECT 1')"
corral_expect_has "hba host cert: a plaintext client is refused" \
	"$refused DETAIL:  The connection does not use TLS" \
	"$(cert_psql it_tls client sslmode=disable -c 'SELECT 1')"
corral_expect_has "hba hostssl cert: a wrong CN is refused" "is for \"corral_other\"" \
	"$(cert_psql it_tls other-user '' -c 'SELECT 1')"
corral_check "the log names the hba line of a refusal" \
	grep -q "cert authentication (auth_hba_file line 3) of user \"$PGUSER\": The connection does not use TLS" "$CORRAL_LOG"

corral_client_start tls it_tls \
	"sslmode=verify-full sslrootcert=$certs/ca.crt sslcert=$certs/client.crt sslkey=$certs/client.key application_name=it_tls_on" ||
	corral_not_ok "a TLS client with a certificate stays connected"
corral_client_start plain it_tls "host=$CORRAL_SOCKDIR application_name=it_tls_off" ||
	corral_not_ok "a unix-socket client stays connected"
clients=$(corral_show_columns CLIENTS application_name tls)
awk '{ print "#   " $0 }' <<<"$clients"
corral_check "SHOW CLIENTS tls: protocol/cipher/group for the TLS client" \
	grep -qxE 'it_tls_on\|TLSv1\.3/TLS_[A-Z0-9_]+/ECDH=[A-Za-z0-9]+' <<<"$clients"
corral_check "SHOW CLIENTS tls: empty for the plain client" grep -qx 'it_tls_off|' <<<"$clients"
corral_client_close tls
corral_client_close plain

# 3. verify-full: a certificate is required at the handshake.
reload_with client_tls_sslmode=verify-full
corral_expect_has "verify-full: no certificate fails the handshake" "alert certificate required" \
	"$(cert_psql it_tls '' '' -c 'SELECT 1')"
corral_expect "verify-full: with the certificate, cert logs in" 1 \
	"$(cert_psql it_tls client '' -c 'SELECT 1')"

corral_finish
