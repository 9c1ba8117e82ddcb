/* cfg_error: filling and formatting config errors (see cfg_error.h). */
#include "config/cfg_error.h"

#include <stdio.h>

int cfg_error_set(struct cfg_error *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "(config)");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void cfg_error_format(const struct cfg_error *err, char *out, unsigned out_size)
{
	if (err->line > 0)
		snprintf(out, out_size, "%s:%d: %s", err->file, err->line, err->msg);
	else
		snprintf(out, out_size, "%s: %s", err->file, err->msg);
}
