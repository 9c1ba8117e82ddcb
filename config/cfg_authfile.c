/* cfg_authfile: reading, parsing, classifying, sorting and comparing the
 * auth_file (see cfg_authfile.h). The only I/O is reading the one file. */
#include "config/cfg_authfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define SCRAM_PREFIX "SCRAM-SHA-256$"
/* Base64 length of a SHA-256 digest (32 bytes): the stored and server keys. */
#define SCRAM_KEY_B64_LEN 44
#define MD5_HEX_LEN 32

/* Where parsing is: the file's name and the line being read, for errors. */
struct where {
	const char *file;
	int line;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_hex(char c, bool lower_only)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
	       || (!lower_only && c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The n bytes at s are canonical base64: a multiple of 4 long, only the
 * alphabet, '=' padding at most twice and only at the end. */
static bool is_base64(const char *s, size_t n)
{
	if (n == 0 || n % 4 != 0)
		return false;
	size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c)
		      || c == '+' || c == '/'))
			return false;
	}
	return true;
}

/* s (after the SCRAM-SHA-256$ prefix) is <iterations>:<salt>$<stored>:<server>
 * with iterations a decimal from 1 to 999999999, salt base64, and both keys
 * base64 of 32 bytes. Structure only; protocol/ decodes the base64. */
static bool is_scram_body(const char *s)
{
	const char *colon = strchr(s, ':');
	if (colon == NULL || colon == s || colon - s > 9 || s[0] == '0')
		return false;
	for (const char *p = s; p < colon; p++)
		if (!is_digit(*p))
			return false;
	const char *salt = colon + 1;
	const char *dollar = strchr(salt, '$');
	if (dollar == NULL || !is_base64(salt, (size_t)(dollar - salt)))
		return false;
	const char *stored = dollar + 1;
	const char *server = stored + SCRAM_KEY_B64_LEN + 1;
	return strlen(stored) == 2 * SCRAM_KEY_B64_LEN + 1
	       && stored[SCRAM_KEY_B64_LEN] == ':'
	       && is_base64(stored, SCRAM_KEY_B64_LEN)
	       && is_base64(server, SCRAM_KEY_B64_LEN);
}

/* Classify secret into *kind. A secret of "md5" followed only by hex digits
 * must be a well-formed md5 hash, and one starting with SCRAM-SHA-256$ a
 * well-formed SCRAM secret: such prefixes are never a password someone
 * meant, but a hash pasted wrong. Anything else is a plain password.
 * Returns 0, or -1 with a static description of the problem in *problem. */
static int classify(const char *secret, enum cfg_secret_kind *kind, const char **problem)
{
	if (secret[0] == '\0') {
		*kind = CFG_SECRET_NONE;
		return 0;
	}
	if (strncmp(secret, "md5", 3) == 0) {
		const char *hex = secret + 3;
		size_t n = 0, lower = 0;
		for (; is_hex(hex[n], false); n++)
			lower += is_hex(hex[n], true);
		if (n > 0 && hex[n] == '\0') {
			*kind = CFG_SECRET_MD5;
			if (n == MD5_HEX_LEN && lower == n)
				return 0;
			*problem = "md5 secret must be \"md5\" followed by 32 lowercase hex digits";
			return -1;
		}
	}
	if (strncmp(secret, SCRAM_PREFIX, strlen(SCRAM_PREFIX)) == 0) {
		*kind = CFG_SECRET_SCRAM;
		if (is_scram_body(secret + strlen(SCRAM_PREFIX)))
			return 0;
		*problem = "SCRAM secret must be SCRAM-SHA-256$<iterations>:<salt>$"
			   "<storedkey>:<serverkey> with base64 salt and 44-character base64 keys";
		return -1;
	}
	*kind = CFG_SECRET_PLAIN;
	return 0;
}

/* Read the double-quoted field whose opening quote is at *pos (before end)
 * into a new string at *out, "" standing for one quote; leave *pos after the
 * closing quote. Returns 0, or -1 (nothing allocated) when the line ends
 * before the closing quote. */
static int read_quoted(const char **pos, const char *end, char **out)
{
	const char *p = *pos + 1;
	size_t n = 0;
	for (;; p++, n++) {
		if (p == end)
			return -1;
		if (*p == '"' && (p + 1 == end || p[1] != '"'))
			break;
		if (*p == '"')
			p++;
	}
	char *v = xmalloc(n + 1);
	const char *s = *pos + 1;
	for (size_t i = 0; i < n; i++, s++) {
		if (*s == '"')
			s++;
		v[i] = *s;
	}
	v[n] = '\0';
	*pos = p + 1;
	*out = v;
	return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* Parse the line [p, end) into *e. Returns 1 (an entry, owned by *e), 0 (a
 * blank or comment line), or -1 with *err set (nothing allocated). */
static int parse_line(const char *p, const char *end, const struct where *at,
		      struct cfg_auth_entry *e, struct cfg_error *err)
{
	p = skip_blanks(p, end);
	if (p == end || *p == ';' || *p == '#')
		return 0;
	if (*p != '"')
		return cfg_error_set(err, at->file, at->line,
				     "expected a line \"user\" \"secret\" starting with a double quote, "
				     "or a comment starting with ';' or '#'");
	char *user, *secret;
	if (read_quoted(&p, end, &user) < 0)
		return cfg_error_set(err, at->file, at->line,
				     "unterminated quoted user name (expected a closing \")");
	p = skip_blanks(p, end);
	int rc = 0;
	if (user[0] == '\0')
		rc = cfg_error_set(err, at->file, at->line, "empty user name");
	else if (p == end)
		rc = cfg_error_set(err, at->file, at->line, "missing secret for user \"%s\" "
				   "(expected \"user\" \"secret\")", user);
	else if (*p != '"')
		rc = cfg_error_set(err, at->file, at->line, "expected the secret of user \"%s\" "
				   "in double quotes", user);
	else if (read_quoted(&p, end, &secret) < 0)
		rc = cfg_error_set(err, at->file, at->line, "unterminated quoted secret of user "
				   "\"%s\" (expected a closing \")", user);
	if (rc < 0) {
		free(user);
		return -1;
	}
	const char *problem;
	if (classify(secret, &e->kind, &problem) < 0) {
		cfg_error_set(err, at->file, at->line, "user \"%s\": %s", user, problem);
		free(user);
		free(secret);
		return -1;
	}
	e->user = user;
	e->secret = secret;
	e->line = at->line;
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cfg_auth_entry *x = a, *y = b;
	int c = strcmp(x->user, y->user);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sort af's entries by user and keep only the last line of each user, as
 * PgBouncer does when a user is listed twice. */
static void sort_unique(struct cfg_authfile *af)
{
	if (af->count == 0)
		return;
	qsort(af->entries, af->count, sizeof *af->entries, entry_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < af->count; i++) {
		struct cfg_auth_entry *e = &af->entries[i];
		if (i + 1 < af->count && strcmp(e->user, e[1].user) == 0) {
			free(e->user);
			free(e->secret);
			continue;
		}
		af->entries[kept++] = *e;
	}
	af->count = kept;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

int cfg_authfile_parse(const char *text, size_t len, const char *name_for_errors,
		       struct cfg_authfile *out, struct cfg_error *err)
{
	memset(out, 0, sizeof *out);
	const char *end = text + len;
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL)
		return cfg_error_set(err, name_for_errors, line_of(text, nul),
				     "NUL byte in auth_file (expected a text file)");
	size_t cap = 0;
	struct where at = { name_for_errors, 0 };
	const char *eol;
	for (const char *p = text; p < end; p = eol + 1) {
		at.line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		struct cfg_auth_entry e;
		int rc = parse_line(p, eol, &at, &e, err);
		if (rc < 0) {
			cfg_authfile_fini(out);
			return -1;
		}
		if (rc == 1) {
			if (out->count == cap) {
				cap = cap ? 2 * cap : 16;
				out->entries = xrealloc(out->entries, cap * sizeof *out->entries);
			}
			out->entries[out->count++] = e;
		}
	}
	sort_unique(out);
	return 0;
}

int cfg_authfile_load(const char *path, struct cfg_authfile *out, struct cfg_error *err)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return cfg_error_set(err, path, 0, "cannot open auth_file: %s", strerror(errno));
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	int rc;
	if (ferror(f))
		rc = cfg_error_set(err, path, 0, "cannot read auth_file: %s", strerror(errno));
	else
		rc = cfg_authfile_parse(buf, len, path, out, err);
	fclose(f);
	free(buf);
	return rc;
}

void cfg_authfile_fini(struct cfg_authfile *af)
{
	for (size_t i = 0; i < af->count; i++) {
		free(af->entries[i].user);
		free(af->entries[i].secret);
	}
	free(af->entries);
	memset(af, 0, sizeof *af);
}

static int find_cmp(const void *key, const void *elem)
{
	const struct cfg_auth_entry *e = elem;
	return strcmp(key, e->user);
}

const struct cfg_auth_entry *cfg_authfile_find(const struct cfg_authfile *af, const char *user)
{
	if (af->count == 0)
		return NULL;
	return bsearch(user, af->entries, af->count, sizeof *af->entries, find_cmp);
}

size_t cfg_authfile_diff(const struct cfg_authfile *old, const struct cfg_authfile *new,
			 void (*fn)(void *arg, const char *user, enum cfg_auth_change change),
			 void *arg)
{
	size_t i = 0, j = 0, calls = 0;
	while (i < old->count || j < new->count) {
		int c;
		if (i == old->count)
			c = 1;
		else if (j == new->count)
			c = -1;
		else
			c = strcmp(old->entries[i].user, new->entries[j].user);
		const char *user;
		enum cfg_auth_change change;
		if (c < 0) {
			user = old->entries[i++].user;
			change = CFG_AUTH_REMOVED;
		} else if (c > 0) {
			user = new->entries[j++].user;
			change = CFG_AUTH_ADDED;
		} else {
			user = new->entries[j].user;
			change = CFG_AUTH_CHANGED;
			bool same = strcmp(old->entries[i++].secret, new->entries[j++].secret) == 0;
			if (same)
				continue;
		}
		calls++;
		if (fn != NULL)
			fn(arg, user, change);
	}
	return calls;
}
