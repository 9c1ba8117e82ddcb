# tests/fuzz/: libFuzzer targets, built with ./configure --enable-fuzzers CC=clang.
if ENABLE_FUZZERS
endif
