#!/usr/bin/env bash
# A server that answers more than it was asked: corral forwards the
# replies that end a client's extended-protocol messages unseen and counts
# them (ps_queue_pass_through), so a server that sends one ParseComplete
# too many must still be caught. A fake server (perl) logs corral in and
# answers every Sync with ParseComplete twice, then BindComplete, NoData,
# CommandComplete and ReadyForQuery, where one Parse, Bind, Describe and
# Execute were sent. Checks: corral closes that server and says why in its
# log, the client gets an error instead of a hang or a reply to nothing,
# and corral goes on serving clients of a real server.
set -uo pipefail
# shellcheck source=tests/harness/corral.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/harness/corral.sh"
# shellcheck source=tests/integration/it_extra.sh
. "$CORRAL_TOP_SRCDIR/tests/integration/it_extra.sh"
corral_install_traps
CORRAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/corral-it.XXXXXX") || exit 1

# perl comes with PostgreSQL's Debian packages (psql's wrapper is a perl
# script). One connection at a time, which is all corral opens here.
# shellcheck disable=SC2016 # perl's variables, not the shell's
setpriv --pdeathsig KILL -- perl -MIO::Socket::INET -e '
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
				      Listen => 16, ReuseAddr => 1) or die "listen: $!\n";
	$| = 1;
	print $l->sockport, "\n";
	sub take { my ($c, $n) = @_; my $b = "";
		while (length($b) < $n) {
			my $r = sysread($c, $b, $n - length($b), length($b));
			return undef unless $r;
		}
		return $b; }
	sub msg { my ($type, $body) = @_; return $type . pack("N", 4 + length $body) . $body; }
	while (my $c = $l->accept) {
		my $len = take($c, 4);
		next unless defined $len && defined take($c, unpack("N", $len) - 4);
		my $hello = msg("R", pack("N", 0));
		$hello .= msg("S", "$_->[0]\0$_->[1]\0") for (["server_version", "15.0"],
			["server_encoding", "UTF8"], ["client_encoding", "UTF8"],
			["DateStyle", "ISO, MDY"], ["integer_datetimes", "on"],
			["standard_conforming_strings", "on"], ["TimeZone", "UTC"]);
		syswrite($c, $hello . msg("K", pack("NN", $$, 1)) . msg("Z", "I"));
		while (defined(my $head = take($c, 5))) {
			my ($type, $n) = unpack("aN", $head);
			last if $n > 4 && !defined take($c, $n - 4);
			if ($type eq "Q") {
				syswrite($c, msg("C", "SELECT 0\0") . msg("Z", "I"));
			} elsif ($type eq "S") {
				syswrite($c, msg("1", "") . msg("1", "") . msg("2", "") . msg("n", "") .
					     msg("C", "SELECT 0\0") . msg("Z", "I"));
			} elsif ($type eq "X") {
				last;
			}
		}
		close $c;
	}' >"$CORRAL_DIR/fake.port" &
IT_EXTRA_PIDS+=($!)
fake_port=$(it_await_port "$CORRAL_DIR/fake.port")
if [ -z "$fake_port" ]; then
	corral_not_ok "start the fake server"
	corral_finish
	exit 1
fi

corral_start pool_mode=transaction db:it_fake="port=$fake_port" db:it_real="" || exit 1

echo 'SELECT 1' >"$CORRAL_DIR/select.sql"
out=$(timeout 20 pgbench -n -t 1 -M extended -f "$CORRAL_DIR/select.sql" \
	"host=$CORRAL_HOST port=$CORRAL_PORT dbname=it_fake" 2>&1)
status=$?
corral_check "the client is not left waiting (pgbench exited with $status, not 124)" \
	test "$status" -ne 124
corral_check "the client gets the error that closed its server" \
	grep -q 'protocol violation from server: a reply to nothing that was sent' <<<"$out"
corral_check "corral's log says why it closed the server" \
	grep -q 'protocol violation from server: a reply to nothing that was sent' "$CORRAL_LOG"
corral_expect "a client of a real server is served" 1 "$(corral_psql it_real -c 'SELECT 1' 2>&1)"
corral_finish
