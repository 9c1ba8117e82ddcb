/* session_params: tracked session parameters per connection, the startup
 * parameter check, and the query that re-applies a client's parameters on
 * a server (see session_params.h). Tracked values are interned, so the
 * comparison of a client's with a server's at every link is a pointer
 * comparison; a client that set nothing holds none (the pool's defaults
 * stand in). The untracked pairs servers keep are plain owned strings. */
#include "pooler/session_params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pooler/intern.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "util/xalloc.h"

/* Spelled as PostgreSQL reports them, in enum session_param_builtin order. */
static const char *const builtin_names[SESSION_PARAM_BUILTIN_COUNT] = {
	"client_encoding",
	"DateStyle",
	"IntervalStyle",
	"TimeZone",
	"standard_conforming_strings",
	"application_name",
	"search_path",
};

/* Names that are not settings a client could carry between servers: the
 * startup packet's own keys, and reported parameters nobody may SET. */
static const char *const untrackable_names[] = {
	"user", "database", "options", "replication",
	"server_version", "server_version_num", "server_encoding", "integer_datetimes",
	"is_superuser", "session_authorization", "in_hot_standby",
};

static const char options_syntax_error[] =
	"unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed";

static bool is_blank(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* The next non-empty item of a comma-separated list, blanks trimmed:
 * true with *item, *len set and *pos advanced; false at the end. */
static bool list_next(const char **pos, const char **item, size_t *len)
{
	const char *p = *pos;
	while (*p != '\0') {
		while (is_blank(*p) || *p == ',')
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ',')
			p++;
		const char *end = p;
		while (end > start && is_blank(end[-1]))
			end--;
		if (end > start) {
			*item = start;
			*len = (size_t)(end - start);
			*pos = p;
			return true;
		}
	}
	*pos = p;
	return false;
}

/* Whether the comma-separated list (NULL: empty) names `name`,
 * case-insensitively. */
static bool list_contains(const char *list, const char *name)
{
	if (list == NULL)
		return false;
	size_t name_len = strlen(name);
	const char *item;
	size_t len;
	while (list_next(&list, &item, &len)) {
		if (len == name_len && strncasecmp(item, name, len) == 0)
			return true;
	}
	return false;
}

/* Dot-separated identifiers: what a setting name (custom ones included)
 * looks like, and so safe to print into SQL even unquoted. */
static bool is_setting_name(const char *s)
{
	bool part_start = true;
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.' && !part_start) {
			part_start = true;
		} else if (isalpha(c) || c == '_' || (!part_start && (isdigit(c) || c == '$'))) {
			part_start = false;
		} else {
			return false;
		}
	}
	return !part_start;
}

static bool is_untrackable(const char *name)
{
	for (size_t i = 0; i < sizeof untrackable_names / sizeof untrackable_names[0]; i++) {
		if (strcasecmp(untrackable_names[i], name) == 0)
			return true;
	}
	return false;
}

/* Adds one track_extra_parameters name (an owned copy, taken over) to set.
 * 0, or -1 with why filled and name freed. */
static int add_extra(struct session_param_set *set, char *name, char *why, size_t why_size)
{
	char problem[64] = "";
	if (!is_setting_name(name))
		snprintf(problem, sizeof problem, "is not a parameter name");
	else if (is_untrackable(name))
		snprintf(problem, sizeof problem, "cannot be tracked");
	else if (session_param_set_find(set, name) >= 0) {
		free(name);
		return 0;
	} else if (set->count == SESSION_PARAMS_MAX)
		snprintf(problem, sizeof problem, "is one too many (at most %d parameters are tracked)",
			 SESSION_PARAMS_MAX);
	if (problem[0] != '\0') {
		snprintf(why, why_size, "track_extra_parameters: '%s' %s", name, problem);
		free(name);
		return -1;
	}
	set->names[set->count++] = name;
	return 0;
}

int session_param_set_init(struct session_param_set *set, const char *track_extra,
			   char *why, size_t why_size)
{
	memset(set, 0, sizeof *set);
	for (size_t i = 0; i < SESSION_PARAM_BUILTIN_COUNT; i++)
		set->names[set->count++] = xstrdup(builtin_names[i]);
	const char *pos = track_extra != NULL ? track_extra : "";
	const char *item;
	size_t len;
	while (list_next(&pos, &item, &len)) {
		if (add_extra(set, xstrndup(item, len), why, why_size) != 0) {
			session_param_set_fini(set);
			return -1;
		}
	}
	return 0;
}

void session_param_set_fini(struct session_param_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->names[i]);
	memset(set, 0, sizeof *set);
}

int session_param_set_find(const struct session_param_set *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++) {
		if (strcasecmp(set->names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

void session_params_init(struct session_params *p)
{
	memset(p, 0, sizeof *p);
}

void session_params_fini(struct session_params *p)
{
	uint32_t changes = p->changes;
	for (size_t i = 0; i < p->count; i++)
		intern_put(p->values[i]);
	free(p->values);
	for (size_t i = 0; i < p->other_count; i++) {
		free(p->others[i].name);
		free(p->others[i].value);
	}
	free(p->others);
	memset(p, 0, sizeof *p);
	p->changes = changes + 1;   /* a memo of what it held must not match again */
}

void session_params_copy(struct session_params *dst, const struct session_params *src)
{
	session_params_fini(dst);
	if (src->count > 0) {
		dst->values = xcalloc(src->count, sizeof *dst->values);
		for (size_t i = 0; i < src->count; i++)
			dst->values[i] = src->values[i] != NULL ? intern_ref(src->values[i]) : NULL;
		dst->count = src->count;
		dst->known = src->known;
	}
	if (src->other_count > 0) {
		dst->others = xcalloc(src->other_count, sizeof *dst->others);
		for (size_t i = 0; i < src->other_count; i++) {
			dst->others[i].name = xstrdup(src->others[i].name);
			dst->others[i].value = xstrdup(src->others[i].value);
		}
		dst->other_count = src->other_count;
	}
	dst->changes++;
}

/* Replaces *slot (owned, may be NULL) with a copy of value (may be NULL);
 * false, and nothing allocated, when they are equal. */
static bool replace(char **slot, const char *value)
{
	if (*slot == NULL ? value == NULL : value != NULL && strcmp(*slot, value) == 0)
		return false;
	free(*slot);
	*slot = value != NULL ? xstrdup(value) : NULL;
	return true;
}

/* Where value i of p is kept, the array grown to hold it. */
static const char **slot(struct session_params *p, size_t i)
{
	if (i >= p->count) {
		p->values = xrealloc(p->values, (i + 1) * sizeof *p->values);
		memset(p->values + p->count, 0, (i + 1 - p->count) * sizeof *p->values);
		p->count = (uint16_t)(i + 1);
	}
	return &p->values[i];
}

/* Stores value (interned, with the reference the caller took, or NULL) as
 * value i of p, dropping the old one; false, and the reference dropped,
 * when it was already there. Every change of a value but copy and fini
 * goes through here, which keeps known and changes. */
static bool assign(struct session_params *p, size_t i, const char *value)
{
	const char **at = slot(p, i);
	if (*at == value) {
		intern_put(value);
		return false;
	}
	intern_put(*at);
	*at = value;
	if (value != NULL)
		p->known |= (uint16_t)(1u << i);
	else
		p->known &= (uint16_t)~(1u << i);
	p->changes++;
	return true;
}

bool session_params_set(struct session_params *p, size_t i, const char *value)
{
	if (value == NULL && session_params_get(p, i) == NULL)
		return false;
	return assign(p, i, value != NULL ? intern_get(value) : NULL);
}

enum session_param_change session_params_update(const struct session_param_set *set,
						struct session_params *p,
						const char *name, const char *value)
{
	int i = session_param_set_find(set, name);
	if (i < 0)
		return SESSION_PARAM_UNTRACKED;
	return session_params_set(p, (size_t)i, value) ? SESSION_PARAM_CHANGED : SESSION_PARAM_UNCHANGED;
}

enum session_param_change session_params_record(const struct session_param_set *set,
						struct session_params *p,
						const char *name, const char *value)
{
	enum session_param_change res = session_params_update(set, p, name, value);
	if (res != SESSION_PARAM_UNTRACKED)
		return res;
	for (size_t i = 0; i < p->other_count; i++) {
		if (strcmp(p->others[i].name, name) == 0) {
			replace(&p->others[i].value, value);
			return res;
		}
	}
	p->others = xrealloc(p->others, (p->other_count + 1) * sizeof *p->others);
	p->others[p->other_count].name = xstrdup(name);
	p->others[p->other_count].value = xstrdup(value);
	p->other_count++;
	return res;
}

/* PostgreSQL's spellings of false (any prefix of "false" or "no", "of",
 * "off", "0"): the replication values that ask for a normal session. */
static bool is_false(const char *v)
{
	size_t n = strlen(v);
	return (n >= 1 && n <= 5 && strncasecmp(v, "false", n) == 0) ||
	       (n >= 1 && n <= 2 && strncasecmp(v, "no", n) == 0) ||
	       (n >= 2 && n <= 3 && strncasecmp(v, "off", n) == 0) || strcmp(v, "0") == 0;
}

/* One setting a client asked for: recorded (when tracked and not empty)
 * or ignored by configuration. false: refused. */
static bool accept_setting(const struct session_param_set *set, const char *ignore,
			   const char *name, const char *value, struct session_params *client)
{
	int i = session_param_set_find(set, name);
	if (i < 0)
		return list_contains(ignore, name);
	if (client != NULL && value[0] != '\0')
		session_params_set(client, (size_t)i, value);
	return true;
}

/* Copies the token at p into out (room for strlen(p) + 1) without its
 * backslash escapes, up to the first unescaped blank; returns the position
 * after it. */
static const char *unescape_token(const char *p, char *out)
{
	while (*p != '\0' && !is_blank(*p)) {
		if (*p == '\\') {
			p++;
			if (*p == '\0')
				break;
		}
		*out++ = *p++;
	}
	*out = '\0';
	return p;
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* The options startup parameter: a blank-separated list of "-c name=value"
 * or "--name=value", as PostgreSQL's command line would take them. */
static enum session_startup_verdict check_options(const struct session_param_set *set,
						  const char *ignore, const char *options,
						  struct session_params *client,
						  char *why, size_t why_size)
{
	char *token = xmalloc(strlen(options) + 1);
	bool ignore_unknown = list_contains(ignore, "options");
	enum session_startup_verdict res = SESSION_STARTUP_OK;
	const char *p = skip_blanks(options);
	while (*p != '\0' && res == SESSION_STARTUP_OK) {
		if (strncmp(p, "-c", 2) == 0) {
			p = skip_blanks(p + 2);
		} else if (strncmp(p, "--", 2) == 0) {
			p += 2;
		} else {
			res = SESSION_STARTUP_BAD_OPTIONS;
			break;
		}
		p = skip_blanks(unescape_token(p, token));
		char *eq = strchr(token, '=');
		if (eq == NULL) {
			res = SESSION_STARTUP_BAD_OPTIONS;
			break;
		}
		*eq = '\0';
		for (char *c = token; *c != '\0'; c++) {
			if (*c == '-')
				*c = '_';
		}
		if (!accept_setting(set, ignore, token, eq + 1, client) && !ignore_unknown) {
			res = SESSION_STARTUP_UNSUPPORTED_OPTION;
			snprintf(why, why_size, "unsupported startup parameter in options: %s", token);
		}
	}
	if (res == SESSION_STARTUP_BAD_OPTIONS)
		snprintf(why, why_size, "%s", options_syntax_error);
	free(token);
	return res;
}

enum session_startup_verdict session_params_check_startup(const struct session_param_set *set,
							  const char *ignore,
							  const struct pg_startup *s,
							  struct session_params *client,
							  char *why, size_t why_size)
{
	const char *replication = pg_startup_param(s, "replication");
	if (replication != NULL && !is_false(replication)) {
		snprintf(why, why_size, "replication connections are not supported");
		return SESSION_STARTUP_REPLICATION;
	}
	size_t pos = 0;
	struct pg_startup_param prm;
	while (pg_startup_param_next(s, &pos, &prm)) {
		if (pg_startup_is_option(prm.name) || strcmp(prm.name, "user") == 0 ||
		    strcmp(prm.name, "database") == 0 || strcmp(prm.name, "replication") == 0)
			continue;
		if (strcmp(prm.name, "options") == 0) {
			enum session_startup_verdict res =
				check_options(set, ignore, prm.value, client, why, why_size);
			if (res != SESSION_STARTUP_OK)
				return res;
		} else if (!accept_setting(set, ignore, prm.name, prm.value, client)) {
			snprintf(why, why_size, "unsupported startup parameter: %s", prm.name);
			return SESSION_STARTUP_UNSUPPORTED;
		}
	}
	return SESSION_STARTUP_OK;
}

void session_params_add_host(struct session_params *client, const char *addr)
{
	const char *app = session_params_get(client, SESSION_PARAM_APPLICATION_NAME);
	if (app == NULL)
		app = "app";
	size_t size = strlen(app) + strlen(" - ") + strlen(addr) + 1;
	char *value = xmalloc(size);
	snprintf(value, size, "%s - %s", app, addr);
	(void)assign(client, SESSION_PARAM_APPLICATION_NAME, intern_get(value));
	free(value);
}

void session_params_quote(struct pg_buf *out, const char *s)
{
	if (strchr(s, '\\') != NULL)
		pg_buf_put_u8(out, 'E');
	pg_buf_put_u8(out, '\'');
	const char *run = s, *p;
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\') {
			/* the run up to and including the quote, then the quote again */
			pg_buf_put_bytes(out, run, (size_t)(p - run) + 1);
			pg_buf_put_u8(out, (uint8_t)*p);
			run = p + 1;
		}
	}
	pg_buf_put_bytes(out, run, (size_t)(p - run));
	pg_buf_put_u8(out, '\'');
}

/* The value the client wants for parameter i, or NULL for no opinion. */
static const char *wanted(const struct session_params *client,
			  const struct session_params *defaults, size_t i)
{
	const char *v = session_params_get(client, i);
	if (v != NULL)
		return v;
	return defaults != NULL ? session_params_get(defaults, i) : NULL;
}

/* The first tracked parameter from i on whose wanted value (as wanted())
 * the server does not have, or set->count. Both are interned: equal
 * values are the same pointer. The loop every server_link runs, so it
 * reads the arrays directly. */
static size_t next_to_send(const struct session_param_set *set,
			   const struct session_params *client,
			   const struct session_params *defaults,
			   const struct session_params *server, size_t i)
{
	static const struct session_params none;
	const struct session_params *def = defaults != NULL ? defaults : &none;
	size_t count = set->count;
	for (; i < count; i++) {
		const char *want = i < client->count ? client->values[i] : NULL;
		if (want == NULL)
			want = i < def->count ? def->values[i] : NULL;
		if (want != NULL && want != (i < server->count ? server->values[i] : NULL))
			return i;
	}
	return count;
}

bool session_params_in_step(const struct session_param_set *set,
			    const struct session_params *client,
			    const struct session_params *defaults,
			    const struct session_params *server, struct session_params_memo *memo)
{
	uint32_t defaults_changes = defaults != NULL ? defaults->changes : 0;
	if (!memo->valid || memo->server_changes != server->changes ||
	    memo->defaults_changes != defaults_changes) {
		uint16_t off = 0;
		for (size_t i = 0; defaults != NULL && i < set->count; i++) {
			const char *def = session_params_get(defaults, i);
			if (def != NULL && def != session_params_get(server, i))
				off |= (uint16_t)(1u << i);
		}
		*memo = (struct session_params_memo){ .server_changes = server->changes,
			.defaults_changes = defaults_changes, .off_defaults = off, .valid = true };
	}
	/* Where the client has no value of its own, the default is wanted. */
	if (memo->off_defaults & ~client->known)
		return false;
	for (unsigned own = client->known; own != 0; own &= own - 1) {
		unsigned i = (unsigned)__builtin_ctz(own);
		if (client->values[i] != session_params_get(server, i))
			return false;
	}
	return true;
}

size_t session_params_diff(const struct session_param_set *set,
			   const struct session_params *client,
			   const struct session_params *defaults,
			   const struct session_params *server, struct pg_buf *out)
{
	static const char call[] = "pg_catalog.set_config(";
	static const char tail[] = ", false)";
	size_t n = 0, len_at = 0;
	for (size_t i = next_to_send(set, client, defaults, server, 0); i < set->count;
	     i = next_to_send(set, client, defaults, server, i + 1)) {
		const char *want = wanted(client, defaults, i);
		if (n == 0) {
			len_at = pg_buf_begin_msg(out, PG_FE_QUERY);
			pg_buf_put_bytes(out, "SELECT ", 7);
		} else {
			pg_buf_put_bytes(out, ", ", 2);
		}
		pg_buf_put_bytes(out, call, sizeof call - 1);
		session_params_quote(out, set->names[i]);
		pg_buf_put_bytes(out, ", ", 2);
		session_params_quote(out, want);
		pg_buf_put_bytes(out, tail, sizeof tail - 1);
		n++;
	}
	if (n > 0) {
		pg_buf_put_u8(out, 0);
		pg_buf_end_msg(out, len_at);
	}
	return n;
}

void session_params_synced(const struct session_param_set *set, struct session_params *client,
			   const struct session_params *defaults, struct session_params *server)
{
	for (size_t i = next_to_send(set, client, defaults, server, 0); i < set->count;
	     i = next_to_send(set, client, defaults, server, i + 1)) {
		const char *want = wanted(client, defaults, i);
		const char *have = session_params_get(server, i);
		if (have == NULL)
			(void)assign(server, i, intern_ref(want));
		else if (session_params_get(client, i) != NULL)
			(void)assign(client, i, intern_ref(have));
	}
}

void session_params_put_status(const struct session_param_set *set,
			       const struct session_params *client,
			       const struct session_params *welcome, struct pg_buf *out)
{
	for (size_t i = 0; i < set->count; i++) {
		const char *v = wanted(client, welcome, i);
		if (v != NULL)
			pg_backend_put_parameter_status(out, set->names[i], v);
	}
	if (welcome == NULL)
		return;
	for (size_t i = 0; i < welcome->other_count; i++)
		pg_backend_put_parameter_status(out, welcome->others[i].name,
						welcome->others[i].value);
}
