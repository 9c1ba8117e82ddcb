/* admin_parse: the console's command language (see admin_parse.h). One
 * table lists the verbs and what argument each takes; another the SHOW
 * items. Tokens are read left to right; nothing is allocated. */
#include "pooler/admin_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What may follow a verb. */
enum arg_kind {
	ARG_NONE,        /* RELOAD */
	ARG_DB_OPTIONAL, /* PAUSE [db] */
	ARG_DB_REQUIRED, /* DISABLE db */
	ARG_SHOW_ITEM,   /* SHOW item */
	ARG_CLIENT_ID,   /* KILL_CLIENT id */
	ARG_SHUTDOWN,    /* SHUTDOWN [WAIT_FOR_SERVERS | WAIT_FOR_CLIENTS] */
	ARG_SET,         /* SET key = value */
};

static const struct verb_spec {
	const char *name;
	enum admin_verb verb;
	enum arg_kind arg;
} verbs[] = {
	{ "SHOW", ADMIN_SHOW, ARG_SHOW_ITEM },
	{ "SET", ADMIN_SET, ARG_SET },
	{ "PAUSE", ADMIN_PAUSE, ARG_DB_OPTIONAL },
	{ "RESUME", ADMIN_RESUME, ARG_DB_OPTIONAL },
	{ "DISABLE", ADMIN_DISABLE, ARG_DB_REQUIRED },
	{ "ENABLE", ADMIN_ENABLE, ARG_DB_REQUIRED },
	{ "RECONNECT", ADMIN_RECONNECT, ARG_DB_OPTIONAL },
	{ "KILL", ADMIN_KILL, ARG_DB_OPTIONAL },
	{ "KILL_CLIENT", ADMIN_KILL_CLIENT, ARG_CLIENT_ID },
	{ "WAIT_CLOSE", ADMIN_WAIT_CLOSE, ARG_DB_OPTIONAL },
	{ "RELOAD", ADMIN_RELOAD, ARG_NONE },
	{ "SHUTDOWN", ADMIN_SHUTDOWN, ARG_SHUTDOWN },
};

static const struct show_spec {
	const char *name;
	enum admin_show show;
} shows[] = {
	{ "HELP", ADMIN_SHOW_HELP },
	{ "POOLS", ADMIN_SHOW_POOLS },
	{ "STATS", ADMIN_SHOW_STATS },
	{ "STATS_TOTALS", ADMIN_SHOW_STATS_TOTALS },
	{ "STATS_AVERAGES", ADMIN_SHOW_STATS_AVERAGES },
	{ "TOTALS", ADMIN_SHOW_TOTALS },
	{ "SERVERS", ADMIN_SHOW_SERVERS },
	{ "CLIENTS", ADMIN_SHOW_CLIENTS },
	{ "SOCKETS", ADMIN_SHOW_SOCKETS },
	{ "ACTIVE_SOCKETS", ADMIN_SHOW_ACTIVE_SOCKETS },
	{ "DATABASES", ADMIN_SHOW_DATABASES },
	{ "USERS", ADMIN_SHOW_USERS },
	{ "CONFIG", ADMIN_SHOW_CONFIG },
	{ "LISTS", ADMIN_SHOW_LISTS },
	{ "MEM", ADMIN_SHOW_MEM },
	{ "STATE", ADMIN_SHOW_STATE },
	{ "VERSION", ADMIN_SHOW_VERSION },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const char *admin_verb_name(enum admin_verb verb)
{
	for (size_t i = 0; i < COUNT(verbs); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "?";
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* True at the end of the command: blanks, at most one ';', blanks, NUL. */
static bool at_end(const char *p)
{
	p = skip_blanks(p);
	if (*p == ';')
		p = skip_blanks(p + 1);
	return *p == '\0';
}

static bool is_keyword_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* What reading one token found. */
enum token {
	TOKEN_OK,
	TOKEN_NONE,          /* nothing there (end, ';' or a character no token starts with) */
	TOKEN_UNTERMINATED,  /* a quote never closed */
	TOKEN_TOO_LONG,      /* does not fit dst */
};

/* Reads at *pp a token into dst: quote-delimited (the quote doubled inside
 * stands for itself) when it starts with quote, else bare: a run of
 * characters that are neither blanks, ';' nor quotes. Advances *pp past it
 * on TOKEN_OK. */
static enum token read_token(const char **pp, char quote, char *dst, size_t dst_size)
{
	const char *p = *pp;
	size_t n = 0;
	if (*p == quote) {
		for (p++;; p++) {
			if (*p == '\0')
				return TOKEN_UNTERMINATED;
			if (*p == quote && p[1] != quote)
				break;
			if (*p == quote)
				p++;
			if (n + 1 >= dst_size)
				return TOKEN_TOO_LONG;
			dst[n++] = *p;
		}
		p++;
	} else {
		for (; *p && !is_blank(*p) && *p != ';' && *p != '"' && *p != '\''; p++) {
			if (n + 1 >= dst_size)
				return TOKEN_TOO_LONG;
			dst[n++] = *p;
		}
		if (n == 0)
			return TOKEN_NONE;
	}
	dst[n] = '\0';
	*pp = p;
	return TOKEN_OK;
}

static enum admin_parse_result fail(enum admin_parse_result r, char *why, size_t why_size,
				    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum admin_parse_result fail(enum admin_parse_result r, char *why, size_t why_size,
				    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return r;
}

static enum admin_parse_result invalid(const char *query, char *why, size_t why_size)
{
	/* The whole query, so the operator sees what was understood as one command. */
	return fail(ADMIN_PARSE_SYNTAX, why, why_size, "invalid command '%.200s', use SHOW HELP;",
		    skip_blanks(query));
}

/* Reads the one argument after the verb (or none) into out->arg. */
static enum admin_parse_result read_arg(const char *query, const char **pp,
					struct admin_command *out, char *why, size_t why_size)
{
	const char *p = skip_blanks(*pp);
	if (at_end(p)) {
		out->arg[0] = '\0';
		*pp = p;
		return ADMIN_PARSE_OK;
	}
	switch (read_token(&p, '"', out->arg, sizeof out->arg)) {
	case TOKEN_OK:
		break;
	case TOKEN_TOO_LONG:
		return fail(ADMIN_PARSE_BAD_ARG, why, why_size,
			    "argument too long (at most %d bytes)", ADMIN_ARG_MAX - 1);
	case TOKEN_NONE:
	case TOKEN_UNTERMINATED:
		return invalid(query, why, why_size);
	}
	if (!at_end(p))
		return invalid(query, why, why_size);
	*pp = p;
	return ADMIN_PARSE_OK;
}

static enum admin_parse_result parse_show(struct admin_command *out, char *why, size_t why_size)
{
	if (out->arg[0] == '\0')
		return fail(ADMIN_PARSE_SYNTAX, why, why_size,
			    "SHOW needs what to show, e.g. SHOW POOLS");
	for (size_t i = 0; i < COUNT(shows); i++) {
		if (strcasecmp(shows[i].name, out->arg) == 0) {
			out->show = shows[i].show;
			return ADMIN_PARSE_OK;
		}
	}
	return fail(ADMIN_PARSE_SYNTAX, why, why_size, "invalid command 'SHOW %s', use SHOW HELP;",
		    out->arg);
}

static enum admin_parse_result parse_client_id(struct admin_command *out, char *why,
					       size_t why_size)
{
	char *end;
	if (out->arg[0] == '\0')
		return fail(ADMIN_PARSE_SYNTAX, why, why_size,
			    "KILL_CLIENT needs a client id from SHOW CLIENTS");
	errno = 0;
	unsigned long long id = strtoull(out->arg, &end, 10);
	if (!isdigit((unsigned char)out->arg[0]) || *end != '\0' || errno == ERANGE || id == 0)
		return fail(ADMIN_PARSE_BAD_ARG, why, why_size,
			    "KILL_CLIENT needs a client id from SHOW CLIENTS, not '%s'", out->arg);
	out->client_id = id;
	return ADMIN_PARSE_OK;
}

static enum admin_parse_result parse_shutdown(struct admin_command *out, char *why,
					      size_t why_size)
{
	if (out->arg[0] == '\0')
		out->shutdown = ADMIN_SHUTDOWN_NOW;
	else if (strcasecmp(out->arg, "WAIT_FOR_SERVERS") == 0)
		out->shutdown = ADMIN_SHUTDOWN_WAIT_FOR_SERVERS;
	else if (strcasecmp(out->arg, "WAIT_FOR_CLIENTS") == 0)
		out->shutdown = ADMIN_SHUTDOWN_WAIT_FOR_CLIENTS;
	else
		return fail(ADMIN_PARSE_BAD_ARG, why, why_size,
			    "SHUTDOWN takes WAIT_FOR_SERVERS or WAIT_FOR_CLIENTS, not '%s'",
			    out->arg);
	out->arg[0] = '\0';
	return ADMIN_PARSE_OK;
}

/* What the argument must look like for spec, checked once it is read. */
static enum admin_parse_result check_arg(const struct verb_spec *spec, struct admin_command *out,
					 char *why, size_t why_size)
{
	switch (spec->arg) {
	case ARG_NONE:
		if (out->arg[0])
			return fail(ADMIN_PARSE_SYNTAX, why, why_size, "%s takes no argument",
				    spec->name);
		return ADMIN_PARSE_OK;
	case ARG_DB_REQUIRED:
		if (out->arg[0] == '\0')
			return fail(ADMIN_PARSE_SYNTAX, why, why_size, "%s needs a database name",
				    spec->name);
		return ADMIN_PARSE_OK;
	case ARG_SHOW_ITEM:
		return parse_show(out, why, why_size);
	case ARG_CLIENT_ID:
		return parse_client_id(out, why, why_size);
	case ARG_SHUTDOWN:
		return parse_shutdown(out, why, why_size);
	case ARG_DB_OPTIONAL:
	case ARG_SET:
		break;
	}
	return ADMIN_PARSE_OK;
}

/* SET key (= | TO) value, p just past "SET". */
static enum admin_parse_result parse_set(const char *query, const char *p,
					 struct admin_command *out, char *why, size_t why_size)
{
	p = skip_blanks(p);
	enum token t = read_token(&p, '"', out->arg, sizeof out->arg);
	if (t == TOKEN_TOO_LONG)
		return fail(ADMIN_PARSE_BAD_ARG, why, why_size, "setting name too long");
	if (t != TOKEN_OK)
		return fail(ADMIN_PARSE_SYNTAX, why, why_size, "SET needs key = value");
	/* A bare key may have swallowed the '=' of "key=value". */
	char *eq = strchr(out->arg, '=');
	if (eq) {
		p -= strlen(eq);
		*eq = '\0';
	}
	p = skip_blanks(p);
	if (*p == '=')
		p++;
	else if (strncasecmp(p, "TO", 2) == 0 && is_blank(p[2]))
		p += 2;
	else
		return fail(ADMIN_PARSE_SYNTAX, why, why_size, "SET needs key = value");
	p = skip_blanks(p);
	t = read_token(&p, '\'', out->value, sizeof out->value);
	if (t == TOKEN_TOO_LONG)
		return fail(ADMIN_PARSE_BAD_ARG, why, why_size, "value too long (at most %d bytes)",
			    ADMIN_VALUE_MAX - 1);
	if (t != TOKEN_OK || out->arg[0] == '\0' || !at_end(p))
		return invalid(query, why, why_size);
	return ADMIN_PARSE_OK;
}

enum admin_parse_result admin_parse(const char *query, struct admin_command *out, char *why,
				    size_t why_size)
{
	memset(out, 0, sizeof *out);
	const char *p = skip_blanks(query);
	if (at_end(p))
		return ADMIN_PARSE_EMPTY;
	size_t n = 0;
	while (is_keyword_char(p[n]))
		n++;
	const struct verb_spec *spec = NULL;
	for (size_t i = 0; i < COUNT(verbs) && n > 0; i++)
		if (strlen(verbs[i].name) == n && strncasecmp(verbs[i].name, p, n) == 0)
			spec = &verbs[i];
	if (spec == NULL || !(is_blank(p[n]) || p[n] == ';' || p[n] == '\0'))
		return invalid(query, why, why_size);
	out->verb = spec->verb;
	p += n;
	if (spec->arg == ARG_SET)
		return parse_set(query, p, out, why, why_size);
	enum admin_parse_result r = read_arg(query, &p, out, why, why_size);
	return r == ADMIN_PARSE_OK ? check_arg(spec, out, why, why_size) : r;
}
