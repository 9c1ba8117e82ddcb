#!/usr/bin/env bash
# libpq through corral: tests/compat/compat_libpq (20 threads per case,
# each with its own connection and token: named prepared statements and
# their errors, DEALLOCATE, pipeline mode, PQcancel, COPY, large results),
# once in transaction pooling on a pool of 2 and once in session pooling.
set -uo pipefail
# shellcheck source=tests/compat/compat_lib.sh
. "${CORRAL_TOP_SRCDIR:?run through make check}/tests/compat/compat_lib.sh"
compat_init libpq || exit 1
for mode in "${COMPAT_MODES[@]}"; do
	COMPAT_DB=$(compat_db "$mode") compat_driver "$mode" \
		"$CORRAL_TOP_BUILDDIR/tests/compat/compat_libpq"
done
corral_finish
