#!/usr/bin/env bash
# The chat page (app/static/chat.html, served by nginx) in Debian's
# headless Chromium, driven by it_app_chat.py over the DevTools pipe:
#  - the page goes live (its EventSource, authorized by the app, held by
#    nchan) and shows the history the app reads from the database;
#  - a message posted over HTTP by another user appears in the page, its
#    markup shown as text (no element made of it);
#  - a message typed into the page's form is stored under the page's user
#    and appears too.
set -uo pipefail
# shellcheck source=tests/integration/it_app_comet_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_comet_lib.sh"
it_app_install_traps
it_app_create_db chat || exit 1
it_app_comet_start 2 2 || exit 1
corral_pg_psql -d "$IT_APP_DB" -c \
	"INSERT INTO messages (channel, author, body) VALUES ('lobby', 'carol', 'said before the page opened')" \
	>/dev/null

report=$IT_APP_DIR/chat.out
timeout -k 5 120 /usr/bin/python3 "$CORRAL_TOP_SRCDIR/tests/integration/it_app_chat.py" \
	"$IT_APP_URL" lobby alice bob "$IT_APP_DIR/chromium" >"$report" 2>"$report.err"
corral_check "the page was driven to the end" test $? -eq 0
field() {
	awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$report"
}
token=$(field token)
pushed="pushed <b>bold?</b> & \"quoted\" ✓ $token"
typed="typed into the page $token"
corral_expect "the page goes live" "live" "$(field status)"
corral_expect "it shows the history (one message)" "1" "$(field history_items)"
corral_expect "a message posted over HTTP is stored and pushed (201)" "201" "$(field publish_status)"
corral_expect_has "... and appears in the page" "bob$pushed" "$(field pushed_text)"
corral_expect_has "... its markup escaped" \
	"pushed &lt;b&gt;bold?&lt;/b&gt; &amp; \"quoted\" ✓ $token" "$(field pushed_html)"
corral_expect "... no element made of it" "0" "$(field bold_elements)"
corral_expect_has "a message typed into the page appears" "alice$typed" "$(field typed_text)"
corral_expect "... once, beside the other two" "3" "$(field items)"
corral_expect "... stored under the page's user" "alice" "$(corral_pg_psql -d "$IT_APP_DB" \
	-v t="$typed" <<<"SELECT author FROM messages WHERE body = :'t'")"
if [ "$CORRAL_FAILED" -ne 0 ]; then
	sed 's/^/# /' "$report" "$report.err"
fi

it_app_finish
