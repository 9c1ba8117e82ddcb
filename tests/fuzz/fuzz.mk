# tests/fuzz/: libFuzzer targets, built only with
#   CC=clang ./configure --enable-fuzzers
# which adds -fsanitize=fuzzer-no-link (FUZZ_CFLAGS, part of AM_CFLAGS) to
# every object, so the libraries report coverage too, and turns on ASan and
# UBSan. The targets are noinst programs, not TESTS: scripts/test runs each
# tests/fuzz/fuzz_<target> for a fixed time (CORRAL_FUZZ_SECONDS, 60 by
# default) on a scratch copy of its seed corpus, tests/fuzz/corpus/<target>/,
# so what the fuzzer generates never lands in the source tree. By hand:
#   cp -r $(srcdir)/tests/fuzz/corpus/frame /tmp/frame
#   tests/fuzz/fuzz_frame -max_total_time=60 -max_len=4096 /tmp/frame
# A crash leaves crash-<sha1> in the working directory; rerun the target on
# that file alone to reproduce it.
EXTRA_DIST += tests/fuzz/corpus

if ENABLE_FUZZERS
FUZZ_COMPILE_FLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
FUZZ_LINK_LIBS = config/libconfig.a protocol/libprotocol.a util/libutil.a $(OPENSSL_LIBS)

noinst_PROGRAMS += tests/fuzz/fuzz_frame tests/fuzz/fuzz_startup tests/fuzz/fuzz_messages \
	tests/fuzz/fuzz_ini
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_frame_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_frame_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_startup_SOURCES = tests/fuzz/fuzz_startup.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_startup_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_startup_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_startup_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_messages_SOURCES = tests/fuzz/fuzz_messages.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_messages_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_messages_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_messages_LDADD = $(FUZZ_LINK_LIBS)
tests_fuzz_fuzz_ini_SOURCES = tests/fuzz/fuzz_ini.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_ini_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_ini_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ini_LDADD = $(FUZZ_LINK_LIBS)
endif
