/* cfg_error: how config/ reports a problem: which file, which line (0 when
 * the problem is not on one line), and what is wrong and what was expected,
 * in words for an operator. Filled by the first error; parsing stops there. */
#ifndef CORRAL_CONFIG_CFG_ERROR_H
#define CORRAL_CONFIG_CFG_ERROR_H

#include <stdarg.h>

struct cfg_error {
	char file[512];
	int line;
	char msg[512];
};

/* Set *err to file:line and a printf-style message; always returns -1 so a
 * parser can `return cfg_error_set(err, file, line, "...", ...);`. */
int cfg_error_set(struct cfg_error *err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "file:line: msg" (or "file: msg" when line is 0) into out. */
void cfg_error_format(const struct cfg_error *err, char *out, unsigned out_size);

#endif
