/* cfg_hba: reading an auth_hba_file into rules and matching clients
 * against them (see cfg_hba.h). A record is split into fields (blank
 * separated; a field is a comma list of tokens, "quoted" or bare), then
 * each field is read by what its position means. Quoting takes away a
 * keyword's meaning ("all" quoted is a database called all). */
#include "config/cfg_hba.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config/cfg_ini.h"
#include "util/xalloc.h"

struct token {
	char *text;           /* owned, quotes removed */
	bool quoted;
};

/* One blank-separated field: tokens joined by commas. */
struct field {
	struct token *tokens;
	size_t count;
};

/* One record (a line, or lines joined by a trailing backslash). */
struct record {
	struct field *fields;
	size_t count;
	const char *file;
	int line;             /* its first line */
};

/* One parse: where rules and files go, and the first error. */
struct parse {
	struct cfg_hba *hba;
	struct cfg_error *err;
};

static const char *const method_names[] = {
	[CFG_HBA_REJECT] = "reject",
	[CFG_HBA_TRUST] = "trust",
	[CFG_HBA_PASSWORD] = "password",
	[CFG_HBA_MD5] = "md5",
	[CFG_HBA_SCRAM] = "scram-sha-256",
	[CFG_HBA_CERT] = "cert",
	[CFG_HBA_PEER] = "peer",
};

const char *cfg_hba_method_name(enum cfg_hba_method method)
{
	return method_names[method];
}

/* ---- records ---- */

static void record_fini(struct record *rec)
{
	for (size_t i = 0; i < rec->count; i++) {
		for (size_t j = 0; j < rec->fields[i].count; j++)
			free(rec->fields[i].tokens[j].text);
		free(rec->fields[i].tokens);
	}
	free(rec->fields);
	rec->fields = NULL;
	rec->count = 0;
}

static void add_token(struct record *rec, bool new_field, const char *text, size_t len,
		      bool quoted)
{
	if (new_field) {
		rec->fields = xrealloc(rec->fields, (rec->count + 1) * sizeof *rec->fields);
		rec->fields[rec->count++] = (struct field){ 0 };
	}
	struct field *f = &rec->fields[rec->count - 1];
	f->tokens = xrealloc(f->tokens, (f->count + 1) * sizeof *f->tokens);
	f->tokens[f->count++] = (struct token){ xstrndup(text, len), quoted };
}

/* A "quoted" token at *p ("" stands for one quote): its unquoted text
 * added to rec. Returns 0 with *p past the closing quote, or -1 when the
 * quote is not closed on the record. */
static int read_quoted(const char **p, const char *end, struct record *rec, bool new_field)
{
	size_t cap = (size_t)(end - *p), n = 0;
	char *buf = xmalloc(cap + 1);
	for (const char *s = *p + 1; s < end; s++) {
		if (*s != '"') {
			buf[n++] = *s;
			continue;
		}
		if (s + 1 < end && s[1] == '"') {
			buf[n++] = *s++;
			continue;
		}
		add_token(rec, new_field, buf, n, true);
		free(buf);
		*p = s + 1;
		return 0;
	}
	free(buf);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Splits the record text [p, end) into rec's fields. A '#' outside quotes
 * ends it. Returns 0, or -1 with the error set. */
static int split(struct parse *ps, const char *p, const char *end, struct record *rec)
{
	bool after_comma = false;
	while (p < end && *p != '#') {
		if (is_blank(*p)) {
			p++;
			continue;
		}
		bool new_field = !after_comma;
		if (*p == ',')
			return cfg_error_set(ps->err, rec->file, rec->line,
					     "unexpected ',' (a list is written a,b without blanks before the comma)");
		if (*p == '"') {
			if (read_quoted(&p, end, rec, new_field) < 0)
				return cfg_error_set(ps->err, rec->file, rec->line, "unterminated quoted string");
		} else {
			const char *s = p;
			while (p < end && !is_blank(*p) && *p != ',' && *p != '#' && *p != '"')
				p++;
			add_token(rec, new_field, s, (size_t)(p - s), false);
		}
		if (p < end && !is_blank(*p) && *p != ',' && *p != '#')
			return cfg_error_set(ps->err, rec->file, rec->line,
					     "unexpected '%c' inside a token (quote the whole name)", *p);
		after_comma = p < end && *p == ',';
		if (after_comma)
			p++;
	}
	if (after_comma)
		return cfg_error_set(ps->err, rec->file, rec->line, "a list ends with ','");
	return 0;
}

typedef int record_fn(struct parse *ps, struct record *rec, void *arg, int depth);

/* Calls fn for each record of text that has at least one field. A line
 * ending in a backslash goes on on the next line (as in PostgreSQL), even
 * inside quotes or a comment. Returns 0 or -1 with the error set. */
static int for_each_record(struct parse *ps, const char *text, size_t len, const char *file,
			   record_fn *fn, void *arg, int depth)
{
	if (memchr(text, '\0', len) != NULL)
		return cfg_error_set(ps->err, file, 0, "the file contains a NUL byte");
	char *joined = xmalloc(len + 1);
	const char *p = text, *end = text + len;
	int line = 1, rc = 0;
	while (rc == 0 && p < end) {
		struct record rec = { .file = file, .line = line };
		size_t n = 0;
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;
			const char *e = stop > p && stop[-1] == '\r' ? stop - 1 : stop;
			bool more = e > p && e[-1] == '\\' && nl != NULL;
			size_t take = (size_t)(e - p) - more;
			memcpy(joined + n, p, take);
			n += take;
			p = nl ? nl + 1 : end;
			line++;
			if (!more)
				break;
		}
		rc = split(ps, joined, joined + n, &rec);
		if (rc == 0 && rec.count > 0)
			rc = fn(ps, &rec, arg, depth);
		record_fini(&rec);
	}
	free(joined);
	return rc;
}

/* ---- files ---- */

/* Reads the file at path whole into *text (*len bytes, NUL-terminated,
 * the caller frees). Errors name at_file:at_line (the line naming it). */
static int read_file(struct parse *ps, const char *path, const char *at_file, int at_line,
		     char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return cfg_error_set(ps->err, at_file, at_line, "cannot open \"%s\": %s", path,
				     strerror(errno));
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && cap >= CFG_HBA_MAX_FILE)
			break;
		if (n == cap)
			buf = xrealloc(buf, (cap *= 2) + 1);
	}
	int rc = 0;
	if (ferror(f))
		rc = cfg_error_set(ps->err, at_file, at_line, "cannot read \"%s\": %s", path,
				   strerror(errno));
	else if (n == cap)
		rc = cfg_error_set(ps->err, at_file, at_line, "\"%s\" is larger than %u bytes", path,
				   CFG_HBA_MAX_FILE);
	fclose(f);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	struct cfg_hba *hba = ps->hba;
	hba->files = xrealloc(hba->files, (hba->file_count + 1) * sizeof *hba->files);
	hba->files[hba->file_count++] = xstrdup(path);
	return 0;
}

/* ---- database and user fields ---- */

/* What a name list is being read for. */
struct names_ctx {
	struct cfg_hba_names *names;
	bool databases;       /* database field: sameuser, replication, samerole */
};

static int add_tokens(struct parse *ps, const struct field *f, const struct record *rec,
		      struct names_ctx *nc, int depth);

/* @file: every token of every record in the file is one more list item. */
static int on_include_record(struct parse *ps, struct record *rec, void *arg, int depth)
{
	for (size_t i = 0; i < rec->count; i++)
		if (add_tokens(ps, &rec->fields[i], rec, arg, depth) < 0)
			return -1;
	return 0;
}

static int include_names(struct parse *ps, const char *name, const struct record *rec,
			 struct names_ctx *nc, int depth)
{
	if (depth >= CFG_HBA_MAX_DEPTH)
		return cfg_error_set(ps->err, rec->file, rec->line,
				     "@%s: @file includes nest deeper than %d", name, CFG_HBA_MAX_DEPTH);
	if (name[0] == '\0')
		return cfg_error_set(ps->err, rec->file, rec->line, "'@' without a file name");
	char *path = cfg_ini_resolve_path(rec->file, name);
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(ps, path, rec->file, rec->line, &text, &len);
	if (rc == 0)
		rc = for_each_record(ps, text, len, ps->hba->files[ps->hba->file_count - 1],
				     on_include_record, nc, depth + 1);
	free(text);
	free(path);
	return rc;
}

/* One bare token in a name list: a keyword, an include, or a name. 1: it
 * was a keyword or include (handled); 0: a plain name; -1: error. */
static int bare_token(struct parse *ps, const char *t, const struct record *rec,
		      struct names_ctx *nc, int depth)
{
	const char *what = nc->databases ? "database" : "user";
	if (strcmp(t, "all") == 0) {
		nc->names->all = true;
		return 1;
	}
	if (t[0] == '@')
		return include_names(ps, t + 1, rec, nc, depth) < 0 ? -1 : 1;
	if (t[0] == '/')
		return cfg_error_set(ps->err, rec->file, rec->line, "%s \"%s\": regular expressions "
				     "are not supported (quote the name to mean it literally)", what, t);
	if (nc->databases && strcmp(t, "sameuser") == 0) {
		nc->names->sameuser = true;
		return 1;
	}
	if (nc->databases && strcmp(t, "replication") == 0)
		return 1;  /* replication connections are refused: matches nothing */
	if (nc->databases && (strcmp(t, "samerole") == 0 || strcmp(t, "samegroup") == 0))
		return cfg_error_set(ps->err, rec->file, rec->line, "\"%s\" is not supported", t);
	if (!nc->databases && t[0] == '+')
		return cfg_error_set(ps->err, rec->file, rec->line, "user \"%s\": group membership "
				     "(+role) is not supported (quote the name to mean it literally)", t);
	return 0;
}

static int add_tokens(struct parse *ps, const struct field *f, const struct record *rec,
		      struct names_ctx *nc, int depth)
{
	for (size_t i = 0; i < f->count; i++) {
		const struct token *t = &f->tokens[i];
		if (t->text[0] == '\0')
			return cfg_error_set(ps->err, rec->file, rec->line, "empty %s name",
					     nc->databases ? "database" : "user");
		int rc = t->quoted ? 0 : bare_token(ps, t->text, rec, nc, depth);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		struct cfg_hba_names *n = nc->names;
		n->names = xrealloc(n->names, (n->count + 1) * sizeof *n->names);
		n->names[n->count++] = xstrdup(t->text);
	}
	return 0;
}

static void names_fini(struct cfg_hba_names *n)
{
	for (size_t i = 0; i < n->count; i++)
		free(n->names[i]);
	free(n->names);
}

/* ---- addresses ---- */

/* The single bare token of field i, or NULL (error set) when the field is
 * a list or quoted. what names the field in the message. */
static const char *single(struct parse *ps, const struct record *rec, size_t i, const char *what)
{
	const struct field *f = &rec->fields[i];
	if (f->count != 1 || f->tokens[0].quoted) {
		cfg_error_set(ps->err, rec->file, rec->line, "%s must be one unquoted word", what);
		return NULL;
	}
	return f->tokens[0].text;
}

static int parse_ip(const char *text, int *family, uint8_t bytes[16])
{
	memset(bytes, 0, 16);
	if (inet_pton(AF_INET, text, bytes) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, bytes) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int prefix_mask(const char *bits, int family, uint8_t mask[16])
{
	int max = family == AF_INET ? 32 : 128, n = 0;
	if (bits[0] == '\0' || strlen(bits) > 3)
		return -1;
	for (const char *c = bits; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		n = n * 10 + (*c - '0');
	}
	if (n > max)
		return -1;
	memset(mask, 0, 16);
	for (int i = 0; i < n; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return 0;
}

/* The address field at *i (and the mask field after it when the address
 * has no /bits). Advances *i past what it used. */
static int parse_address(struct parse *ps, const struct record *rec, size_t *i,
			 struct cfg_hba_rule *r)
{
	const char *text = single(ps, rec, *i, "the address");
	if (text == NULL)
		return -1;
	(*i)++;
	if (strcmp(text, "all") == 0) {
		r->any_address = true;
		return 0;
	}
	if (strcmp(text, "samehost") == 0 || strcmp(text, "samenet") == 0)
		return cfg_error_set(ps->err, rec->file, rec->line, "address \"%s\" is not supported",
				     text);
	char *ip = xstrdup(text);
	char *slash = strchr(ip, '/');
	if (slash)
		*slash++ = '\0';
	int rc = parse_ip(ip, &r->family, r->addr);
	if (rc < 0)
		rc = cfg_error_set(ps->err, rec->file, rec->line, "invalid IP address \"%s\" (host "
				   "names are not supported)", ip);
	else if (slash && prefix_mask(slash, r->family, r->mask) < 0)
		rc = cfg_error_set(ps->err, rec->file, rec->line, "invalid CIDR mask in address \"%s\"",
				   text);
	free(ip);
	if (rc < 0 || slash)
		return rc;
	if (*i >= rec->count)
		return cfg_error_set(ps->err, rec->file, rec->line, "end-of-line before the IP mask "
				     "(write the address as a/bits, or give a mask)");
	const char *mask = single(ps, rec, *i, "the IP mask");
	int family = 0;
	if (mask == NULL)
		return -1;
	if (parse_ip(mask, &family, r->mask) < 0 || family != r->family)
		return cfg_error_set(ps->err, rec->file, rec->line, "invalid IP mask \"%s\" (write "
				     "the address as a/bits, or give a mask)", mask);
	(*i)++;
	return 0;
}

/* ---- records into rules ---- */

static const char *const type_names[] = {
	[CFG_HBA_LOCAL] = "local",
	[CFG_HBA_HOST] = "host",
	[CFG_HBA_HOSTSSL] = "hostssl",
	[CFG_HBA_HOSTNOSSL] = "hostnossl",
};

static int lookup(const char *const *table, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], word) == 0)
			return (int)i;
	return -1;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int parse_type(struct parse *ps, const struct record *rec, struct cfg_hba_rule *r)
{
	const char *t = single(ps, rec, 0, "the connection type");
	if (t == NULL)
		return -1;
	int type = lookup(type_names, N_OF(type_names), t);
	if (type < 0 && (strcmp(t, "hostgssenc") == 0 || strcmp(t, "hostnogssenc") == 0))
		return cfg_error_set(ps->err, rec->file, rec->line, "connection type \"%s\" is not "
				     "supported (corral has no GSSAPI encryption)", t);
	if (type < 0)
		return cfg_error_set(ps->err, rec->file, rec->line, "invalid connection type \"%s\" "
				     "(expected local, host, hostssl or hostnossl)", t);
	r->type = (enum cfg_hba_type)type;
	return 0;
}

/* The method field at i and the end of the record after it. */
static int parse_method(struct parse *ps, const struct record *rec, size_t i,
			struct cfg_hba_rule *r)
{
	if (i >= rec->count)
		return cfg_error_set(ps->err, rec->file, rec->line, "end-of-line before the "
				     "authentication method");
	const char *m = single(ps, rec, i, "the authentication method");
	if (m == NULL)
		return -1;
	int method = lookup(method_names, N_OF(method_names), m);
	if (method < 0)
		return cfg_error_set(ps->err, rec->file, rec->line, "authentication method \"%s\" is "
				     "not supported (expected trust, reject, md5, scram-sha-256, password, "
				     "cert or peer)", m);
	r->method = (enum cfg_hba_method)method;
	if (r->method == CFG_HBA_PEER && r->type != CFG_HBA_LOCAL)
		return cfg_error_set(ps->err, rec->file, rec->line, "peer authentication is only "
				     "supported on local sockets");
	if (r->method == CFG_HBA_CERT && (r->type == CFG_HBA_LOCAL || r->type == CFG_HBA_HOSTNOSSL))
		return cfg_error_set(ps->err, rec->file, rec->line, "cert authentication needs TLS: "
				     "use it on host or hostssl lines");
	if (i + 1 < rec->count)
		return cfg_error_set(ps->err, rec->file, rec->line, "authentication options such as "
				     "\"%s\" are not supported", rec->fields[i + 1].tokens[0].text);
	return 0;
}

static int parse_rule(struct parse *ps, const struct record *rec, struct cfg_hba_rule *r,
		      int depth)
{
	if (parse_type(ps, rec, r) < 0)
		return -1;
	bool local = r->type == CFG_HBA_LOCAL;
	if (rec->count < (local ? 4u : 5u))
		return cfg_error_set(ps->err, rec->file, rec->line, "too few fields: expected %s",
				     local ? "local DATABASE USER METHOD"
					   : "host DATABASE USER ADDRESS METHOD");
	struct names_ctx dbs = { &r->databases, true }, users = { &r->users, false };
	if (add_tokens(ps, &rec->fields[1], rec, &dbs, depth) < 0 ||
	    add_tokens(ps, &rec->fields[2], rec, &users, depth) < 0)
		return -1;
	size_t i = 3;
	r->family = AF_UNIX;
	if (!local && parse_address(ps, rec, &i, r) < 0)
		return -1;
	return parse_method(ps, rec, i, r);
}

static void rule_fini(struct cfg_hba_rule *r)
{
	names_fini(&r->databases);
	names_fini(&r->users);
}

static int on_rule_record(struct parse *ps, struct record *rec, void *arg, int depth)
{
	struct cfg_hba_rule r = { .line = rec->line };
	if (parse_rule(ps, rec, &r, depth) < 0) {
		rule_fini(&r);
		return -1;
	}
	struct cfg_hba *hba = ps->hba;
	hba->rules = xrealloc(hba->rules, (hba->count + 1) * sizeof *hba->rules);
	hba->rules[hba->count++] = r;
	return 0;
}

void cfg_hba_fini(struct cfg_hba *hba)
{
	for (size_t i = 0; i < hba->count; i++)
		rule_fini(&hba->rules[i]);
	free(hba->rules);
	for (size_t i = 0; i < hba->file_count; i++)
		free(hba->files[i]);
	free(hba->files);
	memset(hba, 0, sizeof *hba);
}

/* Parse text into *out once *out holds the files read so far. */
static int parse_into(const char *text, size_t len, const char *name, struct cfg_hba *out,
		      struct cfg_error *err)
{
	struct parse ps = { out, err };
	int rc = for_each_record(&ps, text, len, name, on_rule_record, NULL, 0);
	if (rc == 0 && out->count == 0)
		rc = cfg_error_set(err, name, 0, "no rules: every client would be refused");
	if (rc < 0)
		cfg_hba_fini(out);
	return rc;
}

int cfg_hba_parse(const char *text, size_t len, const char *name_for_errors,
		  struct cfg_hba *out, struct cfg_error *err)
{
	memset(out, 0, sizeof *out);
	return parse_into(text, len, name_for_errors, out, err);
}

int cfg_hba_load(const char *path, struct cfg_hba *out, struct cfg_error *err)
{
	memset(out, 0, sizeof *out);
	struct parse ps = { out, err };
	char *text = NULL;
	size_t len = 0;
	if (read_file(&ps, path, path, 0, &text, &len) < 0) {
		cfg_hba_fini(out);
		return -1;
	}
	int rc = parse_into(text, len, path, out, err);
	free(text);
	return rc;
}

/* ---- matching ---- */

static bool names_match(const struct cfg_hba_names *n, const char *name, const char *user)
{
	if (n->all || (n->sameuser && strcmp(name, user) == 0))
		return true;
	for (size_t i = 0; i < n->count; i++)
		if (strcmp(n->names[i], name) == 0)
			return true;
	return false;
}

static bool address_match(const struct cfg_hba_rule *r, const struct cfg_hba_addr *a,
			  bool is_ssl)
{
	if (a->family == AF_UNIX)
		return r->type == CFG_HBA_LOCAL;
	if (r->type == CFG_HBA_LOCAL || (r->type == CFG_HBA_HOSTSSL && !is_ssl) ||
	    (r->type == CFG_HBA_HOSTNOSSL && is_ssl))
		return false;
	if (r->any_address)
		return true;
	if (r->family != a->family)
		return false;
	for (int i = 0; i < (a->family == AF_INET ? 4 : 16); i++)
		if ((r->addr[i] ^ a->bytes[i]) & r->mask[i])
			return false;
	return true;
}

enum cfg_hba_method cfg_hba_match(const struct cfg_hba *hba, const struct cfg_hba_addr *addr,
				  bool is_ssl, const char *database, const char *user, int *line)
{
	for (size_t i = 0; i < hba->count; i++) {
		const struct cfg_hba_rule *r = &hba->rules[i];
		if (address_match(r, addr, is_ssl) && names_match(&r->databases, database, user) &&
		    names_match(&r->users, user, user)) {
			if (line)
				*line = r->line;
			return r->method;
		}
	}
	if (line)
		*line = 0;
	return CFG_HBA_REJECT;
}

static bool names_equal(const struct cfg_hba_names *a, const struct cfg_hba_names *b)
{
	if (a->all != b->all || a->sameuser != b->sameuser || a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return false;
	return true;
}

bool cfg_hba_uses(const struct cfg_hba *hba, enum cfg_hba_method method)
{
	for (size_t i = 0; i < hba->count; i++)
		if (hba->rules[i].method == method)
			return true;
	return false;
}

bool cfg_hba_equal(const struct cfg_hba *a, const struct cfg_hba *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct cfg_hba_rule *x = &a->rules[i], *y = &b->rules[i];
		if (x->type != y->type || x->method != y->method || x->any_address != y->any_address ||
		    x->family != y->family || memcmp(x->addr, y->addr, sizeof x->addr) != 0 ||
		    memcmp(x->mask, y->mask, sizeof x->mask) != 0 ||
		    !names_equal(&x->databases, &y->databases) || !names_equal(&x->users, &y->users))
			return false;
	}
	return true;
}

/* ---- client addresses ---- */

int cfg_hba_addr_from_sockaddr(const struct sockaddr *sa, struct cfg_hba_addr *out)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(out, 0, sizeof *out);
	switch (sa->sa_family) {
	case AF_UNIX:
		out->family = AF_UNIX;
		return 0;
	case AF_INET:
		out->family = AF_INET;
		memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	case AF_INET6: {
		const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		bool mapped = memcmp(b, v4_mapped, sizeof v4_mapped) == 0;
		out->family = mapped ? AF_INET : AF_INET6;
		memcpy(out->bytes, mapped ? b + 12 : b, mapped ? 4 : 16);
		return 0;
	}
	default:
		return -1;
	}
}

void cfg_hba_addr_format(const struct cfg_hba_addr *addr, char *out, size_t out_size)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	if (addr->family == AF_UNIX)
		snprintf(buf, sizeof buf, "[local]");
	else if (inet_ntop(addr->family, addr->bytes, buf, sizeof buf) == NULL)
		snprintf(buf, sizeof buf, "?");
	snprintf(out, out_size, "%s", buf);
}
