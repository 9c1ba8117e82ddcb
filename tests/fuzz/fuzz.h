/* fuzz: what every libFuzzer target in tests/fuzz shares: the entry point's
 * prototype (the warnings demand one) and FUZZ_CHECK, which turns a broken
 * invariant into an abort() so libFuzzer records the input as a crash. The
 * targets themselves keep no state between inputs. */
#ifndef CORRAL_TESTS_FUZZ_FUZZ_H
#define CORRAL_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called by libFuzzer once per input; returns 0 (other values are reserved). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the condition, when cond is false. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#endif
