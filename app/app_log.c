/* app_log: one whole line per event on stderr (see app_log.h). */
#include "app/app_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The one piece of process-wide state: which process is talking. It is
 * written once at start and once in each forked worker. */
static const char *log_role = "master";

void app_log_set_role(const char *role)
{
	log_role = role;
}

void app_log(const char *fmt, ...)
{
	char line[2048];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
	int k = snprintf(line + n, sizeof line - n, ".%03d UTC corral-app %s[%d]: ",
			 (int)(tv.tv_usec / 1000), log_role, (int)getpid());
	if (k > 0 && (size_t)k < sizeof line - n)
		n += (size_t)k;
	va_list ap;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	/* A message cut at the buffer's end still ends its line. */
	if (k < 0)
		k = 0;
	n = (size_t)k < sizeof line - n - 1 ? n + (size_t)k : sizeof line - 2;
	line[n++] = '\n';
	/* Nothing useful can be done when stderr is gone. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
