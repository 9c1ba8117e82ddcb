#!/usr/bin/env bash
# The chat endpoints through nginx -> corral-app -> corral (transaction
# mode) -> PostgreSQL, with nginx's nchan holding the subscribers:
#  - POST /messages/<channel> stores the message (201, the row as JSON) and
#    pushes exactly that JSON to an EventSource subscriber and to a
#    long-poll subscriber, both let in by the app's X-Accel-Redirect;
#  - GET /messages/<channel>?since=ID: the history after ID, oldest first,
#    100 at most per answer;
#  - 403 for a user who is not a member (or no user), 404 for an unknown
#    or malformed channel, 400 for a text that is not 1..2000 bytes of
#    UTF-8 without control characters, and none of them stored;
#  - the app's own answer (X-Accel-Redirect, X-Accel-Buffering, no body),
#    the internal location closed to direct requests;
#  - a publisher that never answers costs a post publish-timeout, not
#    more: 202, the message stored, the failure in the log.
set -uo pipefail
# shellcheck source=tests/integration/it_app_comet_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_comet_lib.sh"
it_app_install_traps
it_app_create_db comet || exit 1
it_app_comet_start 2 2 || exit 1
out=$IT_APP_DIR/body
app=http://127.0.0.1:$IT_APP_PORT
bg_pids=()

stored() {
	corral_pg_psql -d "$IT_APP_DB" -c "SELECT count(*) FROM messages"
}

# it_post CHANNEL USER TEXT: POST TEXT as USER; prints the status code, the
# answer in $out.
it_post() {
	curl -s -m 10 -o "$out" -w '%{http_code}' -X POST --data-binary "$3" \
		"$IT_APP_URL/messages/$1?user=$2"
}

# json_field FILE KEY: a top-level field of the JSON object in FILE.
json_field() {
	/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# One EventSource and one long-poll subscriber before anything is posted.
sse=$IT_APP_DIR/sse
poll=$IT_APP_DIR/poll
setpriv --pdeathsig KILL -- curl -s -N -m 30 -H 'Accept: text/event-stream' \
	"$IT_APP_URL/events/lobby?user=alice" >"$sse" &
bg_pids+=($!)
setpriv --pdeathsig KILL -- curl -s -m 30 -o "$poll" -w '%{http_code}' \
	"$IT_APP_URL/events/lobby?user=carol" >"$poll.code" &
poll_pid=$!
corral_check "nchan holds both subscribers" it_app_until 10 it_app_has_subscribers lobby 2

text='hello <b>you</b> & "all" – ünïcödé'
before=$(stored)
corral_expect "POST /messages/lobby as bob: 201" "201" "$(it_post lobby bob "$text")"
corral_expect "... the answer's text is the text posted" "$text" "$(json_field "$out" text)"
corral_expect "... its user" "bob" "$(json_field "$out" user)"
corral_expect "... its channel" "lobby" "$(json_field "$out" channel)"
id=$(json_field "$out" id)
corral_expect "... stored once" "$((before + 1))" "$(stored)"
corral_expect "... with its text, under its id" "bob|$text" \
	"$(corral_pg_psql -d "$IT_APP_DB" -c "SELECT author || '|' || body FROM messages WHERE id = $id")"
posted=$(cat "$out")

has_data() {
	grep -q '^data: ' "$sse"
}
corral_check "the EventSource subscriber receives it" it_app_until 10 has_data
corral_expect "... as the very JSON the POST answered" "data: $posted" "$(grep '^data: ' "$sse")"
wait "$poll_pid"
corral_expect "the long-poll subscriber's answer is 200" "200" "$(cat "$poll.code")"
corral_expect "... with the message" "$posted" "$(cat "$poll")"

# History.
corral_expect "GET /messages/lobby?since=0: 200" "200" \
	"$(it_app_status "$IT_APP_URL/messages/lobby?user=carol&since=0" "$out")"
corral_expect "... a JSON array with the message" "1 $id $text" "$(/usr/bin/python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
print(len(a), a[0]["id"], a[0]["text"])' "$out")"
corral_expect "... application/json" "application/json" \
	"$(tr -d '\r' <"$out.headers" | awk -F': ' 'tolower($1) == "content-type" { print $2 }')"
corral_expect "since=<its id>: nothing newer" "[]" \
	"$(curl -s -m 10 "$IT_APP_URL/messages/lobby?user=carol&since=$id")"
corral_pg_psql -d "$IT_APP_DB" -c "INSERT INTO messages (channel, author, body)
	SELECT 'staff', 'alice', 'note ' || i FROM generate_series(1, 120) AS i" >/dev/null
ids() {
	curl -s -m 10 "$IT_APP_URL/messages/staff?user=alice&since=$1" |
		/usr/bin/python3 -c 'import json, sys; a = json.load(sys.stdin); print(len(a), a[0]["text"], a[-1]["text"], [m["id"] for m in a] == sorted(m["id"] for m in a))'
}
corral_expect "a history answer holds the 100 oldest after since, in id order" \
	"100 note 1 note 100 True" "$(ids 0)"
hundredth=$(curl -s -m 10 "$IT_APP_URL/messages/staff?user=alice" |
	/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[-1]["id"])')
corral_expect "... and the next answer the rest" "20 note 101 note 120 True" "$(ids "$hundredth")"

# Who may listen, read and post.
before=$(stored)
corral_expect "a user who is not a member may not listen" "403" "$(it_app_status "$IT_APP_URL/events/lobby?user=mallory")"
corral_expect "... nor read" "403" "$(it_app_status "$IT_APP_URL/messages/lobby?user=mallory")"
corral_expect "... nor post" "403" "$(it_post lobby mallory 'let me in')"
corral_expect "a member of one channel may not listen to another" "403" \
	"$(it_app_status "$IT_APP_URL/events/staff?user=bob")"
corral_expect "no user: 403" "403" "$(it_app_status "$IT_APP_URL/events/lobby")"
corral_expect "a user name that is not a name: 403" "403" \
	"$(it_app_status "$IT_APP_URL/events/lobby?user=alice%27--")"
corral_expect "an unknown channel: 404" "404" "$(it_app_status "$IT_APP_URL/events/nowhere?user=alice")"
corral_expect "a malformed channel name: 404" "404" "$(it_app_status "$app/events/lob.by?user=alice")"
corral_expect "an empty text: 400" "400" "$(it_post lobby bob '')"
corral_expect "malformed UTF-8: 400" "400" "$(it_post lobby bob $'caf\xc3')"
corral_expect "a control character: 400" "400" "$(it_post lobby bob $'bell\a')"
corral_expect "2,001 bytes: 400" "400" "$(it_post lobby bob "$(printf '%2001s' x)")"
corral_expect "2,000 bytes: 201" "201" "$(it_post lobby bob "$(printf '%2000s' x)")"
corral_expect "of all these posts only the valid one was stored" "$((before + 1))" "$(stored)"

# The app's answer, seen without nginx: nginx takes the connection over.
it_app_get "$app/events/lobby?user=alice" "$out" >/dev/null
header() {
	tr -d '\r' <"$out.headers" | awk -F': ' -v h="$1" 'tolower($1) == h { print $2 }'
}
corral_expect "the app answers X-Accel-Redirect to the subscriber location" "/_nchan/sub/lobby" \
	"$(header x-accel-redirect)"
corral_expect "... unbuffered" "no" "$(header x-accel-buffering)"
corral_expect "... with no body" "0" "$(wc -c <"$out")"
corral_expect "the subscriber location refuses direct requests" "404" \
	"$(it_app_status "$IT_APP_URL/_nchan/sub/lobby")"

# A publisher that accepts the connection and never answers: a second app
# whose publish-url points at a socket nobody reads.
silent_port=$IT_APP_DIR/silent.port
setpriv --pdeathsig KILL -- /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$silent_port" &
bg_pids+=($!)
port_known() {
	[ -s "$silent_port" ]
}
it_app_until 10 port_known
port=$(corral_free_port)
if app_stack_start_app "$CORRAL_TOP_BUILDDIR/corral-app" --listen="127.0.0.1:$port" --workers=1 \
	--dsn="$(it_app_corral_dsn)" --publish-timeout=300 \
	--publish-url="http://127.0.0.1:$(cat "$silent_port")/_nchan/pub/"; then
	second=$APP_STACK_PID
	before=$(stored)
	read -r code seconds < <(curl -s -m 10 -o "$out" -w '%{http_code} %{time_total}\n' \
		-X POST --data-binary 'nobody hears this' "http://127.0.0.1:$port/messages/lobby?user=bob")
	corral_expect "a silent publisher: the post is 202 (stored, not pushed)" "202" "$code"
	corral_check "... within publish-timeout + 1 s ($seconds s)" \
		awk -v t="$seconds" 'BEGIN { exit !(t < 1.3) }'
	corral_expect "... and stored" "$((before + 1))" "$(stored)"
	corral_check "... and the app logs why" grep -q 'could not push it: the publisher did not answer in time' "$APP_STACK_LOG"
	corral_check "the second app exits 0 on SIGTERM" app_stack_stop "$second" 20
else
	corral_not_ok "a second app starts"
fi

for pid in "${bg_pids[@]}"; do
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
it_app_finish
