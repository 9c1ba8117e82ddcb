#!/usr/bin/env bash
# Wrong, malformed and hostile clients (it_bad_input.c): wrong password,
# unknown database or user, malformed startup packets, an HTTP request,
# random bytes, oversized and unknown messages each get a FATAL error with
# the right SQLSTATE and are closed while another client's query in flight
# finishes; silent clients are closed by client_login_timeout; SSLRequest
# is answered 'N'.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
# tcp_defer_accept off: with it the kernel hands a silent connection to
# corral only after its own delay, and the login timeout starts later.
corral_start db:it_bad='pool_mode=transaction pool_size=2' auth_type=plain \
	max_packet_size=65536 client_login_timeout=1 tcp_defer_accept=0 query_wait_timeout=8 || exit 1
corral_check "bad input gets its error and spares other clients (it_bad_input)" \
	corral_helper it_bad_input
corral_finish
