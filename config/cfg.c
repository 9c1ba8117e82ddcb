/* cfg: building a snapshot from the ini reader's entries, the auth_file and
 * the cross-setting checks, looking things up in it, and comparing two
 * snapshots for a reload (see cfg.h). What each entry means is parsed by
 * cfg_settings, cfg_database, cfg_user and cfg_authfile; this file only
 * routes, orders, validates and compares. */
#include "config/cfg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_ini.h"
#include "util/xalloc.h"

/* Where a setting was last set, to point errors found after loading at
 * the line to fix. file NULL: the setting kept its default. */
struct where {
	char *file;
	int line;
};

/* One load in progress. The snapshot is only handed out once complete. */
struct load {
	struct cfg *cfg;
	const char *top;        /* the config's name, for errors with no line */
	size_t database_cap;
	size_t user_cap;
	struct where *where;    /* one per settings table row */
};

/* Where the setting called name (a table row) was last set. */
static struct where *where_of(const struct load *ld, const char *name)
{
	return &ld->where[cfg_setting_find(name) - cfg_setting_at(0)];
}

static void add_file(void *ctx, const char *path)
{
	struct cfg *cfg = ((struct load *)ctx)->cfg;
	cfg->files = xrealloc(cfg->files, (cfg->file_count + 1) * sizeof *cfg->files);
	cfg->files[cfg->file_count++] = xstrdup(path);
}

/* Grow an array of *cap elements of size bytes to hold one more than n. */
static void *grow(void *items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(items, *cap * size);
}

static int on_setting(struct load *ld, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	char why[400];
	if (cfg_settings_set(&ld->cfg->settings, e->key, e->value, why, sizeof why) < 0) {
		/* PgBouncer users sometimes expect `value ; comment` to work. */
		const char *hint = strpbrk(e->value, ";#")
			? " (';' and '#' start a comment only at the start of a line)" : "";
		return cfg_error_set(err, e->file, e->line, "%s%s", why, hint);
	}
	struct where *w = where_of(ld, e->key);
	free(w->file);
	w->file = xstrdup(e->file);
	w->line = e->line;
	return 0;
}

static int on_database(struct load *ld, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	struct cfg *cfg = ld->cfg;
	struct cfg_database db;
	char why[400];
	if (cfg_database_parse(e->key, e->value, &db, why, sizeof why) < 0)
		return cfg_error_set(err, e->file, e->line, "database '%s': %s", e->key, why);
	if (strcmp(e->key, "*") == 0) {
		if (cfg->fallback)
			cfg_database_fini(cfg->fallback);
		else
			cfg->fallback = xmalloc(sizeof *cfg->fallback);
		*cfg->fallback = db;
		return 0;
	}
	cfg->databases = grow(cfg->databases, cfg->database_count, &ld->database_cap,
			      sizeof *cfg->databases);
	cfg->databases[cfg->database_count++] = db;
	return 0;
}

static int on_user(struct load *ld, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	struct cfg *cfg = ld->cfg;
	struct cfg_user user;
	char why[400];
	if (cfg_user_parse(e->key, e->value, &user, why, sizeof why) < 0)
		return cfg_error_set(err, e->file, e->line, "user '%s': %s", e->key, why);
	cfg->users = grow(cfg->users, cfg->user_count, &ld->user_cap, sizeof *cfg->users);
	cfg->users[cfg->user_count++] = user;
	return 0;
}

static int on_entry(void *ctx, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	switch (e->section) {
	case CFG_INI_DATABASES:
		return on_database(ctx, e, err);
	case CFG_INI_USERS:
		return on_user(ctx, e, err);
	case CFG_INI_PGBOUNCER:
		break;
	}
	return on_setting(ctx, e, err);
}

static const char *database_name(const void *p)
{
	return ((const struct cfg_database *)p)->name;
}

static const char *user_name(const void *p)
{
	return ((const struct cfg_user *)p)->name;
}

static void database_fini(void *p)
{
	cfg_database_fini(p);
}

static void user_fini(void *p)
{
	cfg_user_fini(p);
}

struct order {
	const char *name;
	size_t index;   /* position in file order */
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort n items of size bytes (in file order) by name, keeping of each name
 * only the last one in file order and fini'ing the others: a later entry
 * overrides an earlier one, as in PgBouncer. Returns the new count. */
static size_t sort_unique(void *items, size_t n, size_t size, const char *(*name_of)(const void *),
			  void (*fini)(void *))
{
	char *base = items;
	struct order *ord = xcalloc(n ? n : 1, sizeof *ord);
	for (size_t i = 0; i < n; i++)
		ord[i] = (struct order){ name_of(base + i * size), i };
	qsort(ord, n, sizeof *ord, order_cmp);
	char *sorted = xmalloc(n ? n * size : 1);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		char *item = base + ord[i].index * size;
		if (i + 1 < n && strcmp(ord[i].name, ord[i + 1].name) == 0) {
			fini(item);
			continue;
		}
		memcpy(sorted + kept++ * size, item, size);
	}
	if (kept)
		memcpy(base, sorted, kept * size);
	free(sorted);
	free(ord);
	return kept;
}

/* An error about a setting found after loading, pointed at the line that
 * last set it (or the config itself when it kept its default). */
__attribute__((format(printf, 4, 5)))
static int fail_at(const struct load *ld, const char *setting, struct cfg_error *err,
		   const char *fmt, ...)
{
	const struct where *w = where_of(ld, setting);
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cfg_error_set(err, w->file ? w->file : ld->top, w->file ? w->line : 0, "%s", msg);
}

static int validate_pools(const struct load *ld, struct cfg_error *err)
{
	const struct cfg_settings *s = &ld->cfg->settings;
	if (s->min_pool_size > s->default_pool_size) {
		const char *blame = where_of(ld, "min_pool_size")->file ? "min_pool_size"
									  : "default_pool_size";
		return fail_at(ld, blame, err, "min_pool_size %d is larger than default_pool_size %d",
			       s->min_pool_size, s->default_pool_size);
	}
	for (size_t i = 0; i < ld->cfg->database_count; i++) {
		const struct cfg_database *db = &ld->cfg->databases[i];
		int size = db->pool_size >= 0 ? db->pool_size : s->default_pool_size;
		if (db->min_pool_size > size)
			return cfg_error_set(err, ld->top, 0, "database '%s': min_pool_size %d is "
					     "larger than its pool size %d", db->name, db->min_pool_size,
					     size);
	}
	return 0;
}

/* Rules spanning settings that leave corral unable to work at all. */
static int validate(const struct load *ld, struct cfg_error *err)
{
	const struct cfg_settings *s = &ld->cfg->settings;
	if (validate_pools(ld, err) < 0)
		return -1;
	bool password = s->auth_type == CFG_AUTH_PLAIN || s->auth_type == CFG_AUTH_MD5
			|| s->auth_type == CFG_AUTH_SCRAM_SHA_256;
	char buf[CFG_SETTING_FMT_SIZE];
	if (password && !*s->auth_file && !*s->auth_user)
		return fail_at(ld, "auth_type", err,
			       "auth_type %s needs auth_file or auth_user (no user could log in)",
			       cfg_setting_format(s, cfg_setting_find("auth_type"), buf));
	if (s->auth_type == CFG_AUTH_HBA && !*s->auth_hba_file)
		return fail_at(ld, "auth_type", err, "auth_type hba needs auth_hba_file");
	if (s->auth_type == CFG_AUTH_CERT && s->client_tls_sslmode == CFG_SSLMODE_DISABLE)
		return fail_at(ld, "auth_type", err, "auth_type cert needs client TLS "
			       "(client_tls_sslmode is disable: no client could send a certificate)");
	if (s->client_tls_sslmode != CFG_SSLMODE_DISABLE
	    && (!*s->client_tls_key_file || !*s->client_tls_cert_file))
		return fail_at(ld, "client_tls_sslmode", err, "client_tls_sslmode %s needs "
			       "client_tls_key_file and client_tls_cert_file", cfg_setting_format(s, cfg_setting_find("client_tls_sslmode"), buf));
	return 0;
}

/* Read the auth_file named in the settings, relative to the config file. */
static int read_auth_file(struct load *ld, struct cfg_error *err)
{
	struct cfg *cfg = ld->cfg;
	if (*cfg->settings.auth_file == '\0')
		return 0;
	cfg->auth_file_path = cfg_ini_resolve_path(ld->top, cfg->settings.auth_file);
	if (cfg_authfile_load(cfg->auth_file_path, &cfg->auth, err) < 0)
		return -1;
	add_file(ld, cfg->auth_file_path);
	return 0;
}

/* Read auth_hba_file when auth_type is hba, relative to the config file. */
static int read_hba_file(struct load *ld, struct cfg_error *err)
{
	struct cfg *cfg = ld->cfg;
	if (cfg->settings.auth_type != CFG_AUTH_HBA || *cfg->settings.auth_hba_file == '\0')
		return 0;
	char *path = cfg_ini_resolve_path(ld->top, cfg->settings.auth_hba_file);
	int rc = cfg_hba_load(path, &cfg->hba, err);
	free(path);
	for (size_t i = 0; i < cfg->hba.file_count; i++)
		add_file(ld, cfg->hba.files[i]);
	return rc;
}

static void load_begin(struct load *ld, const char *top)
{
	*ld = (struct load){
		.cfg = xcalloc(1, sizeof *ld->cfg),
		.top = top,
		.where = xcalloc(cfg_setting_count(), sizeof *ld->where),
	};
	cfg_settings_init(&ld->cfg->settings);
	free(ld->cfg->settings.conffile);
	ld->cfg->settings.conffile = xstrdup(top);
}

/* Finish a load whose reading returned rc: order, validate, hand out. */
static int load_end(struct load *ld, int rc, struct cfg **out, struct cfg_error *err)
{
	struct cfg *cfg = ld->cfg;
	cfg->database_count = sort_unique(cfg->databases, cfg->database_count,
					  sizeof *cfg->databases, database_name, database_fini);
	cfg->user_count = sort_unique(cfg->users, cfg->user_count, sizeof *cfg->users, user_name,
				      user_fini);
	if (rc == 0)
		rc = validate(ld, err);
	for (size_t i = 0; i < cfg_setting_count(); i++)
		free(ld->where[i].file);
	free(ld->where);
	if (rc < 0) {
		cfg_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

int cfg_load(const char *path, struct cfg **out, struct cfg_error *err)
{
	struct load ld;
	load_begin(&ld, path);
	int rc = cfg_ini_parse_file(path, on_entry, add_file, &ld, err);
	if (rc == 0)
		rc = read_auth_file(&ld, err);
	if (rc == 0)
		rc = read_hba_file(&ld, err);
	return load_end(&ld, rc, out, err);
}

int cfg_load_buffer(const char *text, size_t len, const char *name_for_errors, struct cfg **out,
		    struct cfg_error *err)
{
	struct load ld;
	load_begin(&ld, name_for_errors);
	int rc = cfg_ini_parse_buffer(text, len, name_for_errors, on_entry, &ld, err);
	return load_end(&ld, rc, out, err);
}

void cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	cfg_settings_fini(&cfg->settings);
	for (size_t i = 0; i < cfg->database_count; i++)
		cfg_database_fini(&cfg->databases[i]);
	free(cfg->databases);
	if (cfg->fallback)
		cfg_database_fini(cfg->fallback);
	free(cfg->fallback);
	for (size_t i = 0; i < cfg->user_count; i++)
		cfg_user_fini(&cfg->users[i]);
	free(cfg->users);
	cfg_authfile_fini(&cfg->auth);
	free(cfg->auth_file_path);
	cfg_hba_fini(&cfg->hba);
	for (size_t i = 0; i < cfg->file_count; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg);
}

static int database_key_cmp(const void *key, const void *item)
{
	return strcmp(key, database_name(item));
}

static int user_key_cmp(const void *key, const void *item)
{
	return strcmp(key, user_name(item));
}

/* bsearch's array argument must not be NULL, even for zero elements. */
const struct cfg_database *cfg_find_database(const struct cfg *cfg, const char *name)
{
	if (cfg->database_count == 0)
		return NULL;
	return bsearch(name, cfg->databases, cfg->database_count, sizeof *cfg->databases,
		       database_key_cmp);
}

const struct cfg_user *cfg_find_user(const struct cfg *cfg, const char *name)
{
	if (cfg->user_count == 0)
		return NULL;
	return bsearch(name, cfg->users, cfg->user_count, sizeof *cfg->users, user_key_cmp);
}

/* One cfg_diff walk: where differences go and how many there were. */
struct diff {
	cfg_change_fn *fn;
	void *ctx;
	size_t count;
};

static void emit(struct diff *d, const struct cfg_change *c)
{
	d->count++;
	if (d->fn)
		d->fn(d->ctx, c);
}

static void diff_settings(struct diff *d, const struct cfg_settings *a, const struct cfg_settings *b)
{
	for (size_t i = 0; i < cfg_setting_count(); i++) {
		const struct cfg_setting *e = cfg_setting_at(i);
		char buf_a[CFG_SETTING_FMT_SIZE], buf_b[CFG_SETTING_FMT_SIZE];
		const char *va = cfg_setting_format(a, e, buf_a);
		const char *vb = cfg_setting_format(b, e, buf_b);
		if (strcmp(va, vb) != 0)
			emit(d, &(struct cfg_change){ .kind = CFG_CHANGE_SETTING, .name = e->name,
						      .old_value = va, .new_value = vb,
						      .needs_restart = !e->reloadable });
	}
}

/* A database present in old, new or both (then compared). */
static void diff_database(struct diff *d, const void *old, const void *new)
{
	const struct cfg_database *a = old, *b = new;
	struct cfg_change c = { .name = a ? a->name : b->name, .old_db = a, .new_db = b };
	if (a == NULL) {
		c.kind = CFG_CHANGE_DATABASE_ADDED;
	} else if (b == NULL) {
		c.kind = CFG_CHANGE_DATABASE_REMOVED;
	} else {
		c.kind = CFG_CHANGE_DATABASE_CHANGED;
		c.db_change = cfg_database_compare(a, b);
		if (c.db_change == 0)
			return;
	}
	emit(d, &c);
}

static void diff_user(struct diff *d, const void *old, const void *new)
{
	const struct cfg_user *a = old, *b = new;
	struct cfg_change c = { .name = a ? a->name : b->name, .old_user = a, .new_user = b };
	if (a == NULL)
		c.kind = CFG_CHANGE_USER_ADDED;
	else if (b == NULL)
		c.kind = CFG_CHANGE_USER_REMOVED;
	else if (!cfg_user_equal(a, b))
		c.kind = CFG_CHANGE_USER_CHANGED;
	else
		return;
	emit(d, &c);
}

/* Walk two name-sorted arrays together, calling pair(old, new) for every
 * name with NULL on the side that lacks it. */
static void merge(struct diff *d, const void *old, size_t n_old, const void *new, size_t n_new,
		  size_t size, const char *(*name_of)(const void *),
		  void (*pair)(struct diff *, const void *, const void *))
{
	const char *a = old, *b = new;
	size_t i = 0, j = 0;
	while (i < n_old || j < n_new) {
		int c = i == n_old   ? 1
			: j == n_new ? -1
				     : strcmp(name_of(a + i * size), name_of(b + j * size));
		if (c < 0)
			pair(d, a + i++ * size, NULL);
		else if (c > 0)
			pair(d, NULL, b + j++ * size);
		else
			pair(d, a + i++ * size, b + j++ * size);
	}
}

static void diff_auth(void *arg, const char *user, enum cfg_auth_change change)
{
	static const enum cfg_change_kind kinds[] = {
		[CFG_AUTH_ADDED] = CFG_CHANGE_AUTH_ADDED,
		[CFG_AUTH_REMOVED] = CFG_CHANGE_AUTH_REMOVED,
		[CFG_AUTH_CHANGED] = CFG_CHANGE_AUTH_CHANGED,
	};
	emit(arg, &(struct cfg_change){ .kind = kinds[change], .name = user });
}

size_t cfg_diff(const struct cfg *old, const struct cfg *new, cfg_change_fn *fn, void *ctx)
{
	struct diff d = { .fn = fn, .ctx = ctx };
	diff_settings(&d, &old->settings, &new->settings);
	merge(&d, old->databases, old->database_count, new->databases, new->database_count,
	      sizeof *old->databases, database_name, diff_database);
	if (old->fallback || new->fallback)
		diff_database(&d, old->fallback, new->fallback);
	merge(&d, old->users, old->user_count, new->users, new->user_count, sizeof *old->users,
	      user_name, diff_user);
	cfg_authfile_diff(&old->auth, &new->auth, diff_auth, &d);
	if (!cfg_hba_equal(&old->hba, &new->hba))
		emit(&d, &(struct cfg_change){ .kind = CFG_CHANGE_HBA_CHANGED,
					       .name = *new->settings.auth_hba_file
							       ? new->settings.auth_hba_file
							       : old->settings.auth_hba_file });
	return d.count;
}

void cfg_change_describe(const struct cfg_change *c, char *out, size_t out_size)
{
	/* The words around the name, for the kinds that need nothing else. */
	static const char *const around[][2] = {
		[CFG_CHANGE_DATABASE_ADDED] = { "database '", "' added" },
		[CFG_CHANGE_DATABASE_REMOVED] = { "database '", "' removed" },
		[CFG_CHANGE_USER_ADDED] = { "user '", "' added" },
		[CFG_CHANGE_USER_REMOVED] = { "user '", "' removed" },
		[CFG_CHANGE_USER_CHANGED] = { "user '", "' changed" },
		[CFG_CHANGE_AUTH_ADDED] = { "auth_file: user '", "' added" },
		[CFG_CHANGE_AUTH_REMOVED] = { "auth_file: user '", "' removed" },
		[CFG_CHANGE_AUTH_CHANGED] = { "auth_file: secret of '", "' changed" },
		[CFG_CHANGE_HBA_CHANGED] = { "auth_hba_file '", "': rules changed" },
	};
	switch (c->kind) {
	case CFG_CHANGE_SETTING:
		snprintf(out, out_size, "%s: '%s' -> '%s'%s", c->name, c->old_value, c->new_value,
			 c->needs_restart ? " (needs a restart)" : "");
		return;
	case CFG_CHANGE_DATABASE_CHANGED: {
		bool server = c->db_change & CFG_DB_CHANGE_SERVER, pool = c->db_change & CFG_DB_CHANGE_POOL;
		snprintf(out, out_size, "database '%s' changed (%s%s%s)", c->name,
			 server ? "server target" : "", server && pool ? ", " : "",
			 pool ? "pool settings" : "");
		return;
	}
	default:
		snprintf(out, out_size, "%s%s%s", around[c->kind][0], c->name, around[c->kind][1]);
		return;
	}
}
