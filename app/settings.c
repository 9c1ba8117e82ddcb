/* settings: the table of corral-app's settings, the command line, the
 * settings file and the snapshot built from them (see settings.h). */
#include "app/settings.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

/* The largest settings file read, in bytes. */
#define SETTINGS_MAX_FILE (1u << 20)

enum kind {
	KIND_STRING,
	KIND_INT,
};

typedef int check_fn(const char *value, char *why, size_t why_size);

struct setting {
	const char *name;
	enum kind kind;
	size_t offset;      /* of the member in struct app_settings */
	int min, max;       /* KIND_INT bounds, inclusive */
	check_fn *check;    /* KIND_STRING extra validation, or NULL */
	const char *arg;    /* the value's name in --help */
	const char *help;
};

static int why_printf(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_printf(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return -1;
}

int settings_listen_split(const char *listen, char *host, size_t host_size, int *port)
{
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen || colon[1] == '\0')
		return -1;
	const char *h = listen;
	size_t hlen = (size_t)(colon - listen);
	if (h[0] == '[') {
		if (hlen < 3 || h[hlen - 1] != ']')
			return -1;
		h++;
		hlen -= 2;
	}
	if (hlen + 1 > host_size)
		return -1;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 1 || p > 65535 || !isdigit((unsigned char)colon[1]))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)p;
	return 0;
}

static int check_listen(const char *value, char *why, size_t why_size)
{
	char host[256];
	int port;
	if (settings_listen_split(value, host, sizeof host, &port) != 0)
		return why_printf(why, why_size, "'%s' is not host:port (e.g. 127.0.0.1:8080)", value);
	return 0;
}

static int check_location(const char *value, char *why, size_t why_size)
{
	size_t len = strlen(value);
	if (len < 2 || value[0] != '/' || value[len - 1] != '/')
		return why_printf(why, why_size, "'%s' must start and end with '/' (e.g. /protected/)",
				  value);
	return 0;
}

int settings_publish_url_split(const char *url, char *host, size_t host_size, int *port,
			       const char **path)
{
	static const char scheme[] = "http://";
	char authority[300];
	if (strncmp(url, scheme, sizeof scheme - 1) != 0)
		return -1;
	const char *a = url + sizeof scheme - 1, *slash = strchr(a, '/');
	size_t len = slash != NULL ? (size_t)(slash - a) : 0;
	if (len == 0 || len >= sizeof authority || strpbrk(slash, "?#") != NULL ||
	    slash[strlen(slash) - 1] != '/')
		return -1;
	memcpy(authority, a, len);
	authority[len] = '\0';
	if (settings_listen_split(authority, host, host_size, port) != 0)
		return -1;
	*path = slash;
	return 0;
}

static int check_publish_url(const char *value, char *why, size_t why_size)
{
	char host[256];
	const char *path;
	int port;
	if (value[0] != '\0' &&
	    settings_publish_url_split(value, host, sizeof host, &port, &path) != 0)
		return why_printf(why, why_size,
				  "'%s' is not http://HOST:PORT/PATH/ (e.g. http://127.0.0.1:8080/_nchan/pub/)",
				  value);
	return 0;
}

static const struct setting settings_table[] = {
	{ "listen", KIND_STRING, offsetof(struct app_settings, listen), 0, 0, check_listen,
	  "HOST:PORT", "address to accept HTTP on (default 127.0.0.1:8080)" },
	{ "workers", KIND_INT, offsetof(struct app_settings, workers), 1, 1024, NULL,
	  "N", "worker processes (default 2 x CPU cores)" },
	{ "dsn", KIND_STRING, offsetof(struct app_settings, dsn), 0, 0, NULL,
	  "CONNINFO", "libpq connection string or URI (default $DATABASE_URL, else PG* variables)" },
	{ "db-timeout", KIND_INT, offsetof(struct app_settings, db_timeout_ms), 100, 600000, NULL,
	  "MS", "bound on connecting and on each statement (default 5000)" },
	{ "retry-after", KIND_INT, offsetof(struct app_settings, retry_after_s), 0, 3600, NULL,
	  "S", "Retry-After of a 503 answer (default 1)" },
	{ "idle-timeout", KIND_INT, offsetof(struct app_settings, idle_timeout_s), 1, 3600, NULL,
	  "S", "close idle keep-alive connections after S seconds (default 15)" },
	{ "drain-timeout", KIND_INT, offsetof(struct app_settings, drain_timeout_s), 1, 600, NULL,
	  "S", "how long stopping workers may finish (default 10)" },
	{ "files-location", KIND_STRING, offsetof(struct app_settings, files_location), 0, 0,
	  check_location, "PATH", "nginx's internal location for X-Accel-Redirect (default /protected/)" },
	{ "events-location", KIND_STRING, offsetof(struct app_settings, events_location), 0, 0,
	  check_location, "PATH", "nginx's internal nchan subscriber location (default /_nchan/sub/)" },
	{ "publish-url", KIND_STRING, offsetof(struct app_settings, publish_url), 0, 0,
	  check_publish_url, "URL", "nchan's publisher, http://HOST:PORT/PATH/ (default none)" },
	{ "publish-timeout", KIND_INT, offsetof(struct app_settings, publish_timeout_ms), 10, 60000,
	  NULL, "MS", "bound on publishing one message (default 1000)" },
};

#define SETTINGS_COUNT (sizeof settings_table / sizeof settings_table[0])

/* The entry for name, '_' read as '-'; NULL when there is none. */
static const struct setting *find_setting(const char *name, size_t len)
{
	for (size_t i = 0; i < SETTINGS_COUNT; i++) {
		const char *n = settings_table[i].name;
		size_t k = 0;
		while (k < len && n[k] != '\0' && (name[k] == '_' ? '-' : name[k]) == n[k])
			k++;
		if (k == len && n[k] == '\0')
			return &settings_table[i];
	}
	return NULL;
}

void settings_init(struct app_settings *s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	*s = (struct app_settings){
		.listen = xstrdup("127.0.0.1:8080"),
		.workers = cores > 512 ? 1024 : (int)(2 * cores),
		.dsn = xstrdup(""),
		.db_timeout_ms = 5000,
		.retry_after_s = 1,
		.idle_timeout_s = 15,
		.drain_timeout_s = 10,
		.files_location = xstrdup("/protected/"),
		.events_location = xstrdup("/_nchan/sub/"),
		.publish_url = xstrdup(""),
		.publish_timeout_ms = 1000,
	};
}

void settings_fini(struct app_settings *s)
{
	for (size_t i = 0; i < SETTINGS_COUNT; i++) {
		if (settings_table[i].kind != KIND_STRING)
			continue;
		char **p = (char **)((char *)s + settings_table[i].offset);
		free(*p);
		*p = NULL;
	}
}

static int set_value(struct app_settings *s, const struct setting *e, const char *value,
		     char *why, size_t why_size)
{
	void *field = (char *)s + e->offset;
	if (e->kind == KIND_INT) {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < e->min || v > e->max)
			return why_printf(why, why_size, "%s: '%s' is not a whole number in %d..%d",
					  e->name, value, e->min, e->max);
		*(int *)field = (int)v;
		return 0;
	}
	if (e->check != NULL) {
		char reason[300];
		if (e->check(value, reason, sizeof reason) != 0)
			return why_printf(why, why_size, "%s: %s", e->name, reason);
	}
	char **p = field;
	free(*p);
	*p = xstrdup(value);
	return 0;
}

int settings_set(struct app_settings *s, const char *name, const char *value,
		 char *why, size_t why_size)
{
	const struct setting *e = find_setting(name, strlen(name));
	if (e == NULL)
		return why_printf(why, why_size, "unknown setting '%s' (see corral-app --help)", name);
	return set_value(s, e, value, why, why_size);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line of a settings file, [p, end), no newline. */
static int apply_line(struct app_settings *s, const char *p, const char *end,
		      char *why, size_t why_size)
{
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end || *p == '#' || *p == ';')
		return 0;
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (eq == NULL)
		return why_printf(why, why_size, "expected 'name = value'");
	const char *name_end = eq;
	while (name_end > p && is_blank(name_end[-1]))
		name_end--;
	const char *value = eq + 1;
	while (value < end && is_blank(*value))
		value++;
	const struct setting *e = find_setting(p, (size_t)(name_end - p));
	if (e == NULL)
		return why_printf(why, why_size, "unknown setting '%.*s'", (int)(name_end - p), p);
	char *v = xstrndup(value, (size_t)(end - value));
	int rc = set_value(s, e, v, why, why_size);
	free(v);
	return rc;
}

int settings_apply_text(struct app_settings *s, const char *text, size_t len, const char *name,
			char *why, size_t why_size)
{
	const char *p = text, *end = text + len;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
			return why_printf(why, why_size, "%s:%d: a NUL byte", name, line);
		char reason[512];
		if (apply_line(s, p, eol, reason, sizeof reason) != 0)
			return why_printf(why, why_size, "%s:%d: %s", name, line, reason);
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

/* The whole file at path into a new buffer (*len bytes). Returns NULL with
 * why filled when it cannot be read or is larger than SETTINGS_MAX_FILE. */
static char *read_file(const char *path, size_t *len, char *why, size_t why_size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		why_printf(why, why_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = xmalloc(SETTINGS_MAX_FILE + 1);
	size_t n = fread(buf, 1, SETTINGS_MAX_FILE + 1, f);
	int failed = ferror(f);
	fclose(f);
	if (failed || n > SETTINGS_MAX_FILE) {
		why_printf(why, why_size, "%s: %s", path,
			   failed ? "read error" : "larger than 1 MiB");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int settings_load(const struct settings_cli *cli, const char *database_url,
		  struct app_settings *out, char *why, size_t why_size)
{
	settings_init(out);
	if (database_url != NULL && settings_set(out, "dsn", database_url, why, why_size) != 0)
		goto fail;
	if (cli->config_path != NULL) {
		size_t len;
		char *text = read_file(cli->config_path, &len, why, why_size);
		if (text == NULL)
			goto fail;
		int rc = settings_apply_text(out, text, len, cli->config_path, why, why_size);
		free(text);
		if (rc != 0)
			goto fail;
	}
	for (int i = 0; i < cli->count; i++) {
		if (settings_set(out, cli->set[i].name, cli->set[i].value, why, why_size) != 0)
			goto fail;
	}
	return 0;
fail:
	settings_fini(out);
	return -1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"corral-app, a pre-forked synchronous app server (one blocking libpq\n"
		"connection per worker), meant to run behind nginx and in front of corral.\n\n"
		"Usage: corral-app [OPTION]...\n\n"
		"  -c, --config=FILE            settings file, re-read on SIGHUP (name = value lines)\n");
	for (size_t i = 0; i < SETTINGS_COUNT; i++) {
		char left[64];
		snprintf(left, sizeof left, "--%s=%s", settings_table[i].name, settings_table[i].arg);
		fprintf(out, "      %-24s %s\n", left, settings_table[i].help);
	}
	fprintf(out,
		"  -V, --version                print the version and exit\n"
		"  -h, --help                   print this help and exit\n\n"
		"Command-line settings win over the file's, which win over DATABASE_URL.\n"
		"SIGTERM or SIGINT: finish the requests in hand, then exit. SIGHUP: re-read\n"
		"the settings and replace the workers gracefully. See docs/app.md.\n");
}

/* The getopt_long table: --config, --version, --help, then one entry per
 * setting whose val is 256 + its index in settings_table. */
static struct option *long_options(void)
{
	struct option *o = xcalloc(SETTINGS_COUNT + 4, sizeof *o);
	o[0] = (struct option){ "config", required_argument, NULL, 'c' };
	o[1] = (struct option){ "version", no_argument, NULL, 'V' };
	o[2] = (struct option){ "help", no_argument, NULL, 'h' };
	for (size_t i = 0; i < SETTINGS_COUNT; i++)
		o[3 + i] = (struct option){ settings_table[i].name, required_argument, NULL,
					    256 + (int)i };
	return o;
}

enum settings_cli_result settings_parse_args(int argc, char **argv, struct settings_cli *cli)
{
	struct option *opts = long_options();
	enum settings_cli_result rc = SETTINGS_CLI_OK;
	int ch;
	*cli = (struct settings_cli){ 0 };
	optind = 0; /* glibc: 0 restarts the scan from scratch */
	while (rc == SETTINGS_CLI_OK && (ch = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		if (ch == 'c') {
			cli->config_path = optarg;
		} else if (ch == 'V') {
			printf("corral-app %s\n", PACKAGE_VERSION);
			rc = SETTINGS_CLI_EXIT;
		} else if (ch == 'h') {
			usage(stdout);
			rc = SETTINGS_CLI_EXIT;
		} else if (ch >= 256 && cli->count < SETTINGS_CLI_MAX) {
			cli->set[cli->count].name = settings_table[ch - 256].name;
			cli->set[cli->count].value = optarg;
			cli->count++;
		} else {
			if (ch >= 256)
				fprintf(stderr, "corral-app: more than %d settings on the command line\n",
					SETTINGS_CLI_MAX);
			usage(stderr);
			rc = SETTINGS_CLI_USAGE;
		}
	}
	if (rc == SETTINGS_CLI_OK && optind < argc) {
		fprintf(stderr, "corral-app: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		rc = SETTINGS_CLI_USAGE;
	}
	free(opts);
	return rc;
}
