#!/usr/bin/env bash
# node-postgres through corral (tests/compat/node/compat_node.js): named
# prepared statements on pg.Client and pg.Pool, errors around them,
# transactions, a large result; 20 clients per case, once in transaction
# pooling on a pool of 2 and once in session pooling. pg comes from npm at
# the version package-lock.json pins, installed into tests/compat/node
# (npm ci, under a lock so two builds' make check do not race) when its
# node_modules is missing.
set -uo pipefail
# shellcheck source=tests/compat/compat_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/compat/compat_lib.sh"
node_dir=$CORRAL_TOP_SRCDIR/tests/compat/node
for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-deps" >&2; exit 1; }
done
if ! (
	flock 9 || exit 1
	[ -f "$node_dir/node_modules/pg/package.json" ] && exit 0
	cd "$node_dir" && timeout -k 5 300 npm ci --no-audit --no-fund --loglevel=error
) 9>"${TMPDIR:-/tmp}/corral-compat-npm.lock"; then
	echo "npm ci in $node_dir failed" >&2
	exit 1
fi
compat_init node || exit 1
for mode in "${COMPAT_MODES[@]}"; do
	compat_driver "$mode" node "$node_dir/compat_node.js" "$(compat_db "$mode")"
done
corral_finish
