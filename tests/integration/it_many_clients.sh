#!/usr/bin/env bash
# 1,000 concurrent clients on a pool of 5 in transaction mode, each
# checking that every row it gets is its own (it_many_clients.c): proves
# corral multiplexes many clients onto few servers without mixing up
# results, and serves a burst of logins (md5 here, to spend the CPU on
# pooling rather than on 1,000 PBKDF2 runs).
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
corral_install_traps
# 1,000 client sockets in this process; corral raises its own limit.
if ! ulimit -n 4096; then
	echo "cannot raise the open file limit to 4096 (hard limit $(ulimit -Hn))" >&2
	exit 1
fi
corral_start db:it_many='pool_mode=transaction pool_size=5' \
	max_client_conn=1100 listen_backlog=1024 auth_type=md5 query_wait_timeout=60 || exit 1
corral_check "1000 clients on a pool of 5 each get exactly their own rows (it_many_clients)" \
	corral_helper it_many_clients
corral_finish
