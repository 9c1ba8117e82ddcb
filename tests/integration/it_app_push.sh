#!/usr/bin/env bash
# 1,000 EventSource subscribers held by nginx (nchan) while corral-app
# runs 8 workers on a corral transaction pool of 4: each subscriber was
# authorized by a worker against the database and handed to nginx with
# X-Accel-Redirect, so during the hold
#  - nchan counts 1,000 subscribers on the channel;
#  - the workers are free: /db answers within 1 s, and an unauthorized
#    subscriber gets its 403 at once;
#  - corral holds no server for them: SHOW POOLS has sv_active 0 and no
#    client but the 8 workers (cl_active <= 8, cl_waiting 0), and
#    PostgreSQL has at most 4 backends for the app;
# then one message posted over HTTP reaches every subscriber.
set -uo pipefail
# shellcheck source=tests/integration/it_app_comet_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_comet_lib.sh"
it_app_install_traps
subscribers=1000
workers=8
pool=4
it_app_create_db push || exit 1
it_app_comet_start $pool $workers max_client_conn=100 || exit 1
echo "# $subscribers subscribers, $workers workers, corral pool_size $pool (transaction mode)"

token=push-$$-$RANDOM
report=$IT_APP_DIR/subscribers.out
started=$SECONDS
setpriv --pdeathsig KILL -- /usr/bin/python3 "$CORRAL_TOP_SRCDIR/tests/integration/it_app_sse.py" \
	127.0.0.1 "$IT_APP_NGINX_PORT" "/events/lobby?user=alice" $subscribers "$token" 60 \
	>"$report" 2>&1 &
client=$!
subscribed() {
	grep -q '^subscribed' "$report"
}
corral_check "the client subscribed (bounded: 60 s)" it_app_until 60 subscribed
corral_expect "all $subscribers subscribers got a 200 event stream" "subscribed $subscribers" \
	"$(grep '^subscribed' "$report")"
echo "# subscribing took about $((SECONDS - started)) s"
corral_expect "nchan holds $subscribers subscribers on the channel" "$subscribers" \
	"$(it_app_subscribers lobby)"

# The workers are free while nginx holds the subscribers.
for i in 1 2 3; do
	read -r code seconds < <(it_app_get "$IT_APP_URL/db")
	corral_expect "held: /db #$i is 200" "200" "$code"
	corral_check "held: /db #$i within 1 s ($seconds s)" awk -v t="$seconds" 'BEGIN { exit !(t < 1) }'
done
read -r code seconds < <(it_app_get "$IT_APP_URL/events/lobby?user=mallory")
corral_expect "held: an unauthorized subscriber gets 403" "403" "$code"
corral_check "... within 1 s ($seconds s)" awk -v t="$seconds" 'BEGIN { exit !(t < 1) }'

# corral and PostgreSQL see only the workers.
corral_expect "held: SHOW POOLS sv_active is 0" "0" "$(it_app_pool_column sv_active)"
cl_active=$(it_app_pool_column cl_active)
corral_check "held: SHOW POOLS cl_active is at most the $workers workers ($cl_active)" \
	test "${cl_active:-999}" -le $workers
corral_expect "held: SHOW POOLS cl_waiting is 0" "0" "$(it_app_pool_column cl_waiting)"
backends=$(corral_pg_psql -d "$IT_APP_DB" -c \
	"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
corral_check "held: PostgreSQL has at most $pool backends for the app ($backends)" \
	test "${backends:-999}" -le $pool

# One message, posted over HTTP, for everyone.
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST --data-binary "hello $token" \
	"$IT_APP_URL/messages/lobby?user=bob")
corral_expect "the post is stored and pushed (201)" "201" "$code"
wait "$client"
corral_expect "every subscriber received it" "received $subscribers" "$(grep '^received' "$report")"
grep '^error' "$report" | sed 's/^/# /'

it_app_finish
