#!/usr/bin/env bash
# Every endpoint of corral-app through nginx -> corral-app -> corral ->
# PostgreSQL: shapes and exact bodies, queries=N clamping, rows equal to
# the database's, /updates persisted, /fortunes escaped and sorted with
# the extra row, /files answered by nginx from the app's X-Accel-Redirect
# (and 403/404 when the files table or the name says no), the internal
# location closed to direct requests, static files, HTTP keep-alive to the
# app, GET/HEAD only (POST only where the chat posts: it_app_comet.sh),
# and a corral refusal at login (max_client_conn)
# answered with an immediate 503 and Retry-After.
set -uo pipefail
# shellcheck source=tests/integration/it_app_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_lib.sh"
it_app_install_traps
it_app_create_db endpoints || exit 1
# max_client_conn 2: the two workers; a third client is refused (below).
it_app_start_corral 2 query_wait_timeout=5 max_client_conn=2 || exit 1
it_app_start_app --workers=2 --dsn="$(it_app_corral_dsn)" || exit 1
it_app_start_nginx || exit 1
out=$IT_APP_DIR/body
app=http://127.0.0.1:$IT_APP_PORT

# JSON checks, in Python: argv[1] is the check, argv[2] the body file,
# then the check's arguments. Prints what is wrong, exits 1 when anything is.
json_check() {
	python3 - "$@" <<-'EOF'
		import json, sys
		kind, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
		try:
		    doc = json.load(open(path, encoding="utf-8"))
		except ValueError as e:
		    sys.exit("not JSON: %s: %r" % (e, open(path, "rb").read()[:200]))
		def world(o):
		    if not (isinstance(o, dict) and sorted(o) == ["id", "randomNumber"]
		            and all(type(o[k]) is int and 1 <= o[k] <= 10000 for k in o)):
		        sys.exit("not a world row: %r" % (o,))
		if kind == "world":
		    world(doc)
		    print("%d %d" % (doc["id"], doc["randomNumber"]))
		elif kind == "worlds":
		    if not isinstance(doc, list) or len(doc) != int(args[0]):
		        sys.exit("expected %s rows, got %r" % (args[0], doc if not isinstance(doc, list) else len(doc)))
		    for o in doc:
		        world(o)
		        print("%d %d" % (o["id"], o["randomNumber"]))
		EOF
}

# The database's "id number" lines for the ids in the "id number" file $1.
db_rows_for() {
	local ids
	ids=$(cut -d' ' -f1 "$1" | paste -sd, -)
	corral_pg_psql -d "$IT_APP_DB" -F' ' \
		-c "SELECT id, randomnumber FROM world WHERE id IN ($ids) ORDER BY id"
}

# Rows the app returned ($1, "id number" lines) equal the database's now.
rows_match_db() {
	diff <(sort -n -u "$1") <(db_rows_for "$1")
}

# The body $1 is $2 world rows (a JSON array; "one" for a bare object),
# each equal to the database's row now.
worlds_match_db() {
	if [ "$2" = one ]; then
		json_check world "$1" >"$1.rows"
	else
		json_check worlds "$1" "$2" >"$1.rows"
	fi && rows_match_db "$1.rows"
}

# The value of header $2 in the headers curl saved for body $1.
header() {
	tr -d '\r' <"$1.headers" | awk -v h="$2" 'BEGIN { IGNORECASE = 1 }
		index(tolower($0), tolower(h) ": ") == 1 { sub(/^[^:]*: /, ""); print; exit }'
}

# /json and /plaintext: exact bodies and types.
corral_expect "/json is 200" "200" "$(it_app_status "$IT_APP_URL/json" "$out")"
corral_expect "/json body" '{"message":"Hello, World!"}' "$(cat "$out")"
corral_expect "/json type" "application/json" "$(header "$out" Content-Type)"
corral_expect "/plaintext is 200" "200" "$(it_app_status "$IT_APP_URL/plaintext" "$out")"
corral_expect "/plaintext body" "Hello, World!" "$(cat "$out")"
corral_expect "/plaintext type" "text/plain; charset=utf-8" "$(header "$out" Content-Type)"

# The app's own headers, seen without nginx (which rewrites Server).
it_app_get "$app/json" "$out" >/dev/null
corral_expect "the app names itself in Server" "corral-app" "$(header "$out" Server)"
corral_check "the app sends Date" test -n "$(header "$out" Date)"

# /db: one row, equal to the database's.
corral_expect "/db is 200" "200" "$(it_app_status "$IT_APP_URL/db" "$out")"
corral_check "/db is one world row, as in the database" worlds_match_db "$out" one

# /queries: clamping, shape, values.
for case in ":1" "queries=0:1" "queries=foo:1" "queries=-3:1" "queries=7:7" "queries=20:20" \
	"queries=501:500" "queries=99999999999:500"; do
	q=${case%%:*}
	n=${case##*:}
	status=$(it_app_status "$IT_APP_URL/queries?$q" "$out")
	corral_expect "/queries?$q is 200" "200" "$status"
	corral_check "/queries?$q has $n world rows, as in the database" worlds_match_db "$out" "$n"
done

# /updates: N distinct rows, and the database holds the new numbers.
for case in "queries=5:5" "queries=0:1" "queries=500:500"; do
	q=${case%%:*}
	n=${case##*:}
	corral_expect "/updates?$q is 200" "200" "$(it_app_status "$IT_APP_URL/updates?$q" "$out")"
	corral_check "/updates?$q: $n rows, and the database holds their new numbers" \
		worlds_match_db "$out" "$n"
	corral_expect "/updates?$q: the ids are distinct" "$n" "$(cut -d' ' -f1 "$out.rows" | sort -u | wc -l)"
done

# /fortunes: the table's rows plus the extra one, escaped, sorted by
# message in byte order.
corral_expect "/fortunes is 200" "200" "$(it_app_status "$IT_APP_URL/fortunes" "$out")"
corral_expect "/fortunes type" "text/html; charset=utf-8" "$(header "$out" Content-Type)"
corral_check "/fortunes escapes the script row" \
	grep -qF '<td>&lt;script&gt;alert(&quot;fortunes must be escaped&quot;);&lt;/script&gt;</td>' "$out"
corral_check "/fortunes escapes & and both quotes" \
	grep -qF '<td>Ben &amp; Jerry&#39;s &quot;quoted&quot; scoops</td>' "$out"
corral_expect "/fortunes has no unescaped markup from the table" "" "$(grep -F '<script>' "$out")"
corral_check "/fortunes keeps UTF-8 text" grep -qF 'プールは小さく、待ち行列は短く。' "$out"
python3 - "$out" >"$out.rows" <<-'EOF'
	import html, re, sys
	page = open(sys.argv[1], encoding="utf-8").read()
	for i, m in re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", page):
	    print("%s\t%s" % (i, html.unescape(m)))
EOF
expected=$( (corral_pg_psql -d "$IT_APP_DB" -F$'\t' -c 'SELECT id, message FROM fortune'
	printf '0\tA fortune added while this request was served.\n') | LC_ALL=C sort -t$'\t' -k2)
corral_expect "/fortunes: 13 rows" "13" "$(wc -l <"$out.rows")"
corral_expect "/fortunes: the table plus the extra row, sorted by message" "$expected" "$(cat "$out.rows")"

corral_expect "/healthz is 200" "200" "$(it_app_status "$IT_APP_URL/healthz" "$out")"
corral_expect "/healthz body" "ok" "$(cat "$out")"

# /files: the app authorizes, nginx sends.
corral_expect "/files/hello.txt is 200" "200" "$(it_app_status "$IT_APP_URL/files/hello.txt" "$out")"
corral_check "/files/hello.txt is the file" cmp -s "$out" "$CORRAL_TOP_SRCDIR/app/files/hello.txt"
corral_expect "/files/hello.txt typed by nginx" "text/plain" "$(header "$out" Content-Type)"
corral_check "/files/hello.txt sent by nginx's static module (ETag)" test -n "$(header "$out" ETag)"
corral_expect "the app itself answers X-Accel-Redirect" "200" "$(it_app_status "$app/files/hello.txt" "$out")"
corral_expect "... to nginx's internal location" "/protected/hello.txt" "$(header "$out" X-Accel-Redirect)"
corral_expect "... with no body" "0" "$(wc -c <"$out")"
corral_expect "/files/secret.txt: refused by the files table" "403" "$(it_app_status "$IT_APP_URL/files/secret.txt" "$out")"
corral_expect "... and not sent" "" "$(grep -F 'files table says no' "$out")"
corral_expect "/files/ of a name the table lacks" "404" "$(it_app_status "$IT_APP_URL/files/missing.txt")"
corral_expect "/files/ of a path outside the directory" "404" "$(it_app_status "$app/files/..%2Fsecret.txt")"
corral_expect "/files/ of a hidden name" "404" "$(it_app_status "$app/files/.hello.txt")"
corral_expect "the internal location refuses direct requests" "404" \
	"$(it_app_status "$IT_APP_URL/protected/hello.txt")"
corral_expect "nginx serves static files" "200" "$(it_app_status "$IT_APP_URL/static/index.html" "$out")"
corral_expect "an unknown path" "404" "$(it_app_status "$IT_APP_URL/nowhere")"

# HTTP/1.1 keep-alive: two requests, one connection to the app.
corral_expect "the app keeps the connection alive" "1 0" \
	"$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$app/json" "$app/db" | xargs)"
corral_expect "POST is refused where nothing is posted (405)" "405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$app/json")"
corral_expect "... and on /files/" "405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$app/files/hello.txt")"
corral_expect "other methods are refused by evhttp (501 Not Implemented)" "501" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -d x "$app/json")"
corral_expect "HEAD works" "200" "$(curl -s -o /dev/null -w '%{http_code}' -I "$app/db")"

# A corral refusal at login: a second app whose worker is one client too
# many for max_client_conn gets 53300, and answers 503 at once.
port=$(corral_free_port)
if app_stack_start_app "$CORRAL_TOP_BUILDDIR/corral-app" --listen="127.0.0.1:$port" --workers=1 \
	--retry-after=3 --dsn="$(it_app_corral_dsn)"; then
	second=$APP_STACK_PID
	read -r code seconds < <(it_app_get "http://127.0.0.1:$port/db" "$out")
	corral_expect "max_client_conn reached: /db is 503" "503" "$code"
	corral_check "... at once ($seconds s)" awk -v t="$seconds" 'BEGIN { exit !(t < 2) }'
	corral_expect "... with Retry-After" "3" "$(header "$out" Retry-After)"
	corral_check "... and the app logs corral's reason" \
		grep -q 'no more connections allowed (max_client_conn)' "$APP_STACK_LOG"
	corral_check "the second app exits 0 on SIGTERM" app_stack_stop "$second" 20
else
	corral_not_ok "a second app starts"
fi

it_app_finish
