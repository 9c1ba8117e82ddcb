# bench/: side-by-side benchmarks of corral and PgBouncer (issue 7).
# `make bench` runs them all and regenerates docs/benchmarks.md (about 25
# minutes); `make check` runs their smoke mode (bench/smoke.sh: every
# script for a few seconds) so they do not rot.
noinst_PROGRAMS += bench/loadgen
bench_loadgen_SOURCES = bench/loadgen.c
bench_loadgen_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
bench_loadgen_LDADD = util/libutil.a $(LIBPQ_LIBS)

BENCH_DIST_FILES = bench/lib.sh bench/run-all bench/report.sh bench/plots.gp \
	bench/throughput.sh bench/cpu.sh bench/memory.sh bench/logins.sh bench/overhead.sh
TESTS += bench/smoke.sh
EXTRA_DIST += $(BENCH_DIST_FILES) bench/smoke.sh

# The build dir holds a bench/ directory (loadgen's objects): without
# .PHONY make would call the target up to date.
.PHONY: bench
bench: corral bench/loadgen
	CORRAL_TOP_BUILDDIR='$(abs_top_builddir)' '$(abs_top_srcdir)/bench/run-all'
