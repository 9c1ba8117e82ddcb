/* settings: corral-app's settings and where they come from. Later sources
 * win: built-in defaults, then DATABASE_URL from the environment, then the
 * settings file (--config), then the command line. The master builds a
 * snapshot at start and again on SIGHUP (the file is re-read; the command
 * line still wins), and every worker it forks runs on one snapshot.
 * Settings file syntax: `name = value` lines, names as the long options
 * (`db-timeout` or `db_timeout`), '#' or ';' comment lines, blank lines.
 * No I/O here but reading the settings file. */
#ifndef CORRAL_APP_SETTINGS_H
#define CORRAL_APP_SETTINGS_H

#include <stddef.h>

struct app_settings {
	char *listen;          /* "host:port" the master listens on; a reload keeps the old socket */
	int workers;           /* worker processes, 1..1024; default 2 x online cores */
	char *dsn;             /* libpq conninfo or URI; "" = libpq's PG* environment */
	int db_timeout_ms;     /* bound on connecting and on each statement, 100..600000 */
	int retry_after_s;     /* the Retry-After of a 503, 0..3600 */
	int idle_timeout_s;    /* an idle keep-alive connection is closed after this, 1..3600 */
	int drain_timeout_s;   /* how long a stopping worker may finish its work, 1..600 */
	char *files_location;  /* nginx's internal location for X-Accel-Redirect: "/.../" */
	char *events_location; /* nginx's internal nchan subscriber location: "/.../" */
	char *publish_url;     /* "http://host:port/path/" of nchan's publisher; "" = none */
	int publish_timeout_ms; /* bound on one publish, 10..60000 */
};

/* The most settings one command line may give. */
#define SETTINGS_CLI_MAX 32

/* The command line, kept so that a reload can apply it again over the
 * re-read file. The strings point into argv. */
struct settings_cli {
	const char *config_path;   /* NULL: no settings file */
	int count;
	struct {
		const char *name;
		const char *value;
	} set[SETTINGS_CLI_MAX];
};

enum settings_cli_result {
	SETTINGS_CLI_OK,      /* *cli filled */
	SETTINGS_CLI_EXIT,    /* --help or --version printed: exit 0 */
	SETTINGS_CLI_USAGE,   /* a usage error printed to stderr: exit 2 */
};

/* Parse argv (getopt_long; argv is not kept beyond the strings cli points
 * to). Values are checked later, by settings_load. */
enum settings_cli_result settings_parse_args(int argc, char **argv, struct settings_cli *cli);

/* Fill *s with the defaults. Pair with settings_fini. */
void settings_init(struct app_settings *s);
void settings_fini(struct app_settings *s);

/* Set one setting from its text. name is a long option name, '_' and '-'
 * alike. Returns 0, or -1 with the reason in why for: an unknown name, a
 * value that is not a whole decimal number in range, an empty value where
 * one is needed, a listen address that is not host:port, a files-location
 * or events-location that does not start and end with '/', or a
 * publish-url settings_publish_url_split refuses. */
int settings_set(struct app_settings *s, const char *name, const char *value,
		 char *why, size_t why_size) __attribute__((warn_unused_result));

/* Apply the settings file text (len bytes, need not be NUL-terminated).
 * Returns 0, or -1 with "name:line: reason" in why; settings applied
 * before the bad line stay applied. */
int settings_apply_text(struct app_settings *s, const char *text, size_t len, const char *name,
			char *why, size_t why_size) __attribute__((warn_unused_result));

/* A new snapshot in *out (initialized here; the caller calls settings_fini
 * on success only): defaults, database_url (when not NULL), the file named
 * by cli->config_path, then cli's settings. Returns 0, or -1 with why
 * filled and nothing left to free. */
int settings_load(const struct settings_cli *cli, const char *database_url,
		  struct app_settings *out, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* Split s->listen into host (NUL-terminated, up to host_size bytes, the
 * brackets of "[::1]:80" removed) and port. Returns 0, or -1 when it does
 * not fit (settings_set already refused malformed ones). */
int settings_listen_split(const char *listen, char *host, size_t host_size, int *port)
	__attribute__((warn_unused_result));

/* Split a publish-url, "http://HOST:PORT/PATH/" (HOST:PORT as for listen,
 * PATH ending in '/'), into host, port and *path (pointing into url, at
 * the '/' that starts it). Returns 0, or -1 when url is not of that form
 * (https, a missing port, a query or fragment, no trailing '/'). */
int settings_publish_url_split(const char *url, char *host, size_t host_size, int *port,
			       const char **path) __attribute__((warn_unused_result));

#endif
