# shellcheck shell=bash
# tests/integration/it_app_comet_lib.sh: what the chat and push tests
# (it_app_comet.sh, it_app_push.sh, it_app_chat.sh) share on top of
# it_app_lib.sh: the stack with corral in transaction mode and the app
# publishing to nginx's nchan, nchan's subscriber count, and corral's SHOW
# POOLS for the app's pool.

# Transaction pooling is the point of these tests: the workers' statements
# go through a pool smaller than the number of workers, while the browsers'
# connections stay in nginx.
IT_APP_POOL_MODE=transaction
# shellcheck source=tests/integration/it_app_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/integration/it_app_lib.sh"

# nchan's publisher location for the app's publish-url.
it_app_publish_url() {
	echo "http://127.0.0.1:$IT_APP_NGINX_PORT/_nchan/pub/"
}

# it_app_comet_start POOL WORKERS [corral_start arguments...]: corral in
# transaction mode with a pool of POOL servers for the app (the harness
# user may use the admin console), corral-app with WORKERS workers that
# publish to nginx, and nginx. The database must exist (it_app_create_db).
it_app_comet_start() {
	local pool=$1 workers=$2
	shift 2
	it_app_start_corral "$pool" admin_users="$PGUSER" "$@" || return 1
	it_app_pick_nginx_port || return 1
	it_app_start_app --workers="$workers" --dsn="$(it_app_corral_dsn)" \
		--publish-url="$(it_app_publish_url)" || return 1
	it_app_start_nginx
}

# The number of subscribers nchan holds on channel $1 (0 when it has no
# such channel yet), from the publisher location's channel information.
it_app_subscribers() {
	local n
	n=$(curl -s -m 5 -H 'Accept: text/json' "$(it_app_publish_url)$1" |
		sed -n 's/.*"subscribers": *\([0-9][0-9]*\).*/\1/p')
	echo "${n:-0}"
}

# True when channel $1 has at least $2 subscribers.
it_app_has_subscribers() {
	[ "$(it_app_subscribers "$1")" -ge "$2" ]
}

# Column $1 of corral's SHOW POOLS for the app's pool.
it_app_pool_column() {
	timeout -k 5 30 psql -X -q -A -P footer=off -v ON_ERROR_STOP=1 \
		"host=$CORRAL_HOST port=$CORRAL_PORT dbname=pgbouncer connect_timeout=5" \
		-c 'SHOW POOLS' | awk -F'|' -v col="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx["database"] == "app" { print $idx[col] }'
}
