/* log: corral's operator log. One line per event, written whole with one
 * write(2) so lines from several threads never interleave: timestamp, pid,
 * level, then the message, which names the client or server it is about
 * (db/user@addr:port). Goes to stderr (unless quiet), to logfile when set,
 * and to syslog when enabled. The sink is process-wide: it is the one piece
 * of state not owned by a loop, configured at start and on reload. */
#ifndef CORRAL_POOLER_LOG_H
#define CORRAL_POOLER_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_FATAL,
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_INFO,    /* printed as LOG, like PostgreSQL and PgBouncer */
	LOG_LVL_DEBUG,   /* -v */
	LOG_LVL_NOISE,   /* -v -v */
};

struct log_options {
	bool quiet;              /* no stderr output (-q) */
	int verbose;             /* number of -v: 0 = LOG and above */
	const char *logfile;     /* append here too; NULL or "" = none */
	bool syslog;             /* also send to syslog */
	const char *syslog_ident;
	const char *syslog_facility; /* "daemon", "user", "local0".."local7" */
};

/* (Re)configure the sink. Opens logfile for appending; on failure the sink
 * keeps its previous file, and -1 is returned with errno set. */
int log_configure(const struct log_options *opts) __attribute__((warn_unused_result));
/* Close the logfile and syslog. */
void log_shutdown(void);
/* The most verbose level written (log_configure sets it); read inline. */
extern int log_max_level;

/* Whether a message at this level would be written (to skip costly
 * formatting). Inline: the state machines ask at every transition. */
static inline bool log_enabled(enum log_level level)
{
	return (int)level <= log_max_level;
}

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_fatal(...) log_msg(LOG_LVL_FATAL, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_noise(...) do { if (log_enabled(LOG_LVL_NOISE)) log_msg(LOG_LVL_NOISE, __VA_ARGS__); } while (0)

#endif
