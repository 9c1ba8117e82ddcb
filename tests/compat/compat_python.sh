#!/usr/bin/env bash
# Python drivers through corral (tests/compat/compat_python.py): psycopg2,
# psycopg 3 (with prepare_threshold 0, eviction, pipeline mode, COPY) and
# psycopg_pool, 20 threads per case, once in transaction pooling on a pool
# of 2 and once in session pooling. Debian's /usr/bin/python3 on purpose:
# the drivers under test are its python3-psycopg* packages, whatever
# python3 comes first on PATH.
set -uo pipefail
# shellcheck source=tests/compat/compat_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/compat/compat_lib.sh"
compat_init python || exit 1
for mode in "${COMPAT_MODES[@]}"; do
	compat_driver "$mode" /usr/bin/python3 "$CORRAL_TOP_SRCDIR/tests/compat/compat_python.py" \
		"$(compat_db "$mode")" "$mode"
done
corral_finish
