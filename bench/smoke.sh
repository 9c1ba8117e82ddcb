#!/usr/bin/env bash
# bench/smoke.sh — the benchmarks' test under make check: bench/run-all
# --smoke (every script for a few seconds, against the harness
# PostgreSQL) must pass, so the scripts keep working between full runs.
set -uo pipefail
exec "${CORRAL_TOP_SRCDIR:?run through make check}/bench/run-all" --smoke
