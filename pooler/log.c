/* log: the process-wide operator log sink (see log.h). Formatting happens in
 * a stack buffer; a line longer than it is cut and marked with "...". */
#include "pooler/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#define LOG_LINE_MAX 4096

int log_max_level = LOG_LVL_INFO;

static struct {
	bool quiet;
	int fd;        /* logfile, or -1 */
	bool syslog;
} sink = { .fd = -1 };

static const char *const level_names[] = {
	[LOG_LVL_FATAL] = "FATAL",
	[LOG_LVL_ERROR] = "ERROR",
	[LOG_LVL_WARNING] = "WARNING",
	[LOG_LVL_INFO] = "LOG",
	[LOG_LVL_DEBUG] = "DEBUG",
	[LOG_LVL_NOISE] = "NOISE",
};

static const int syslog_priorities[] = {
	[LOG_LVL_FATAL] = LOG_CRIT,
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARNING] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
	[LOG_LVL_NOISE] = LOG_DEBUG,
};

static int facility_from_name(const char *name)
{
	static const struct { const char *name; int facility; } facilities[] = {
		{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	for (size_t i = 0; name && i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return LOG_DAEMON;
}

int log_configure(const struct log_options *opts)
{
	if (opts->logfile && opts->logfile[0]) {
		int fd = open(opts->logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd == -1)
			return -1;
		if (sink.fd != -1)
			close(sink.fd);
		sink.fd = fd;
	} else if (sink.fd != -1) {
		close(sink.fd);
		sink.fd = -1;
	}
	if (sink.syslog)
		closelog();
	sink.syslog = opts->syslog;
	if (sink.syslog)
		openlog(opts->syslog_ident ? opts->syslog_ident : "corral", LOG_PID,
			facility_from_name(opts->syslog_facility));
	sink.quiet = opts->quiet;
	log_max_level = LOG_LVL_INFO + opts->verbose;
	return 0;
}

void log_shutdown(void)
{
	if (sink.fd != -1)
		close(sink.fd);
	sink.fd = -1;
	if (sink.syslog)
		closelog();
	sink.syslog = false;
}

/* write(2) all of it, retrying on EINTR; a log line that cannot be written
 * is dropped (there is nowhere left to report it). */
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	int saved_errno = errno;
	char line[LOG_LINE_MAX];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t prefix = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
	prefix += (size_t)snprintf(line + prefix, sizeof line - prefix, ".%03d UTC [%d] %s ",
				   (int)(tv.tv_usec / 1000), (int)getpid(), level_names[level]);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + prefix, sizeof line - prefix - 1, fmt, ap);
	va_end(ap);
	size_t len = prefix + (n < 0 ? 0 : (size_t)n);
	if (len > sizeof line - 2) {
		len = sizeof line - 2;
		memcpy(line + len - 3, "...", 3);
	}
	if (sink.syslog)
		syslog(syslog_priorities[level], "%s %s", level_names[level], line + prefix);
	line[len++] = '\n';
	if (!sink.quiet)
		write_all(STDERR_FILENO, line, len);
	if (sink.fd != -1)
		write_all(sink.fd, line, len);
	errno = saved_errno;
}
