#!/usr/bin/env bash
# tests/harness/tls_certs.sh DIR — makes the throwaway certificates the TLS
# tests use, with the openssl command-line tool, into DIR (created when
# missing). Every key is EC P-256 (quick to make), every certificate valid
# for 2 days from now. What DIR gets, each as NAME.crt + NAME.key:
#   ca        the test CA (basicConstraints CA:TRUE)
#   other-ca  an unrelated CA, for "unknown CA" cases
#   server    signed by ca: CN=localhost, SAN DNS:localhost, IP:127.0.0.1
#   wrong     signed by ca: CN=db.wrong.example, SAN DNS:db.wrong.example
#   client    signed by ca: CN=corral_test, clientAuth
#   other-user signed by ca: CN=corral_other, clientAuth
#   stranger  signed by other-ca: CN=corral_test, clientAuth
# Keys are mode 0600. Exits non-zero with openssl's output on failure.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
log=$(mktemp)
trap 'rm -f "$log" ./*.csr ./*.ext ./*.srl' EXIT

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "tls_certs.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

key() {
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
	chmod 600 "$1.key"
}

# ca NAME CN: a self-signed CA.
ca() {
	key "$1"
	run openssl req -new -x509 -key "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME CA CN EXTENSIONS...: a certificate for NAME's key signed by CA.
leaf() {
	local name=$1 issuer=$2 cn=$3
	shift 3
	key "$name"
	run openssl req -new -key "$name.key" -out "$name.csr" -subj "/CN=$cn"
	printf '%s\n' basicConstraints=CA:FALSE "$@" >"$name.ext"
	run openssl x509 -req -in "$name.csr" -CA "$issuer.crt" -CAkey "$issuer.key" \
		-CAcreateserial -out "$name.crt" -days 2 -extfile "$name.ext"
}

ca ca "corral test CA"
ca other-ca "corral other CA"
leaf server ca localhost 'subjectAltName=DNS:localhost,IP:127.0.0.1' extendedKeyUsage=serverAuth
leaf wrong ca db.wrong.example subjectAltName=DNS:db.wrong.example extendedKeyUsage=serverAuth
leaf client ca corral_test extendedKeyUsage=clientAuth
leaf other-user ca corral_other extendedKeyUsage=clientAuth
leaf stranger other-ca corral_test extendedKeyUsage=clientAuth
