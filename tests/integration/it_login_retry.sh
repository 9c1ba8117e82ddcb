#!/usr/bin/env bash
# Servers corral cannot log in to or reach (it_login_retry.c has the
# details): a wrong server password gives FATAL 28P01, then the cached
# error at once during server_login_retry with no new login attempt in
# PostgreSQL's log; a port nothing listens on, and a server that accepts
# and never speaks, give an error within server_connect_timeout + 1 s.
# And connect_query (with '' inside a quoted value) runs on each new
# server: a client in transaction mode sees work_mem = 7MB.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1

export IT_ROLE=it_retry_$$ IT_PG_LOG
IT_PG_LOG=$(it_pg_log)
if ! it_pg_role "$IT_ROLE" "pw$RANDOM$RANDOM"; then
	corral_not_ok "create role $IT_ROLE"
	corral_finish
	exit 1
fi

# A server that accepts connections and never says a word (perl comes
# with PostgreSQL's Debian packages: psql's wrapper is a perl script).
# shellcheck disable=SC2016 # perl's variables, not the shell's
setpriv --pdeathsig KILL -- perl -MIO::Socket::INET -e '
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
				      Listen => 64) or die "listen: $!\n";
	$| = 1;
	print $l->sockport, "\n";
	my @held;
	while (my $c = $l->accept) { push @held, $c; }' >"$CORRAL_DIR/silent.port" &
IT_EXTRA_PIDS+=($!)
silent_port=$(it_await_port "$CORRAL_DIR/silent.port")
refused_port=$(corral_free_port) || exit 1
if [ -z "$silent_port" ]; then
	corral_not_ok "start a silent server"
	corral_finish
	exit 1
fi

corral_start auth_type=trust server_login_retry=5 server_connect_timeout=1 \
	db:it_badpw="user=$IT_ROLE password=wrong" \
	db:it_refused="port=$refused_port" \
	db:it_silent="port=$silent_port" \
	db:it_cq="pool_mode=transaction pool_size=1 connect_query='SET work_mem = ''7MB'''" ||
	exit 1

corral_check "a wrong server password: 28P01, then the cached error during server_login_retry" \
	it_run_case it_login_retry wrong_password
corral_check "a port nothing listens on: an error within server_connect_timeout + 1 s" \
	it_run_case it_login_retry refused
corral_check "a server that never answers: an error within server_connect_timeout + 1 s" \
	it_run_case it_login_retry silent

corral_expect "PostgreSQL's own work_mem is not 7MB" 4MB "$(corral_pg_psql -c 'SHOW work_mem' 2>&1)"
corral_expect "connect_query ran on the fresh server" 7MB \
	"$(corral_psql it_cq -c 'SHOW work_mem' 2>&1)"
corral_expect "a second client on that server sees it too" 7MB \
	"$(corral_psql it_cq -c 'SHOW work_mem' 2>&1)"
corral_finish
