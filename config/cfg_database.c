/* cfg_database: the [databases] key table, connection-string parsing on top
 * of cfg_kv, the host list, the "*" fallback's instantiation and the
 * reload comparison (see cfg_database.h). */
#include "config/cfg_database.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_kv.h"
#include "util/xalloc.h"

const char *const cfg_pool_mode_names[] = { "session", "transaction", "statement", NULL };

static const char *const load_balance_names[] = { "round-robin", "disable", NULL };

static const char *const session_attrs_names[] = {
	"any", "read-write", "read-only", "primary", "standby", NULL,
};

#define SRV CFG_DB_CHANGE_SERVER
#define POOL CFG_DB_CHANGE_POOL
#define STR(k, grp) { .key = #k, .type = CFG_KV_STRING, \
		      .offset = offsetof(struct cfg_database, k), .group = grp }
#define NUM(k, member, lo, hi, grp) { .key = k, .type = CFG_KV_INT, \
		      .offset = offsetof(struct cfg_database, member), .min = lo, .max = hi, .group = grp }
#define CHOICE(k, names, grp) { .key = #k, .type = CFG_KV_CHOICE, \
		      .offset = offsetof(struct cfg_database, k), .choices = names, .group = grp }

/* Every key PgBouncer 1.25 accepts in a connection string. */
static const struct cfg_kv_field fields[] = {
	STR(dbname, SRV),
	STR(host, SRV),
	NUM("port", port, 1, 65535, SRV),
	STR(user, SRV),
	STR(password, SRV),
	STR(auth_user, SRV),
	STR(auth_dbname, SRV),
	STR(auth_query, SRV),
	STR(client_encoding, SRV),
	STR(datestyle, SRV),
	STR(timezone, SRV),
	STR(application_name, SRV),
	STR(connect_query, SRV),
	CHOICE(load_balance_hosts, load_balance_names, SRV),
	CHOICE(target_session_attrs, session_attrs_names, SRV),
	CHOICE(pool_mode, cfg_pool_mode_names, POOL),
	NUM("pool_size", pool_size, 0, INT_MAX, POOL),
	NUM("min_pool_size", min_pool_size, 0, INT_MAX, POOL),
	NUM("reserve_pool_size", reserve_pool_size, 0, INT_MAX, POOL),
	/* PgBouncer's older spelling, still documented as an alias. */
	NUM("reserve_pool", reserve_pool_size, 0, INT_MAX, POOL),
	NUM("max_db_connections", max_db_connections, 0, INT_MAX, POOL),
	NUM("max_db_client_connections", max_db_client_connections, 0, INT_MAX, POOL),
	NUM("server_lifetime", server_lifetime, 0, INT_MAX, POOL),
	/* -1 is PgBouncer's documented spelling of "not set". */
	NUM("query_wait_timeout", query_wait_timeout, -1, INT_MAX, POOL),
};

static const struct cfg_kv_table table = { fields, sizeof fields / sizeof fields[0] };

/* Names the admin console answers to; a pool may not shadow them. */
static const char *const reserved_names[] = { "corral", "pgbouncer", NULL };

int cfg_pool_mode_parse(const char *s, enum cfg_pool_mode *out)
{
	int i = cfg_kv_choice_find(cfg_pool_mode_names, s);
	if (i < 0)
		return -1;
	*out = (enum cfg_pool_mode)i;
	return 0;
}

const char *cfg_pool_mode_name(enum cfg_pool_mode mode)
{
	return cfg_pool_mode_names[mode];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split db->host on ',' into db->hosts, trimming blanks around each name.
 * Returns 0, or -1 with why filled when an entry is empty ("a,,b", "a,");
 * db->hosts then holds the entries split so far, for cfg_database_fini. */
static int split_hosts(struct cfg_database *db, char *why, size_t why_size)
{
	if (db->host == NULL)
		return 0;
	size_t n = 1;
	for (const char *p = db->host; *p != '\0'; p++)
		n += *p == ',';
	db->hosts = xcalloc(n, sizeof *db->hosts);
	const char *p = db->host;
	for (size_t i = 0; i < n; i++) {
		const char *end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		const char *next = *end == ',' ? end + 1 : end;
		while (p < end && is_blank(*p))
			p++;
		while (end > p && is_blank(end[-1]))
			end--;
		if (end == p)
			return cfg_kv_why(why, why_size, "host: empty entry in host list \"%s\", "
					  "expected comma-separated host names, addresses or "
					  "socket directories", db->host);
		db->hosts[db->host_count++] = xstrndup(p, (size_t)(end - p));
		p = next;
	}
	return 0;
}

static int check_name(const char *name, char *why, size_t why_size)
{
	if (name[0] == '\0')
		return cfg_kv_why(why, why_size, "empty database name");
	if (cfg_kv_choice_find(reserved_names, name) >= 0)
		return cfg_kv_why(why, why_size, "database name \"%s\" is reserved for the "
				  "admin console, choose another name", name);
	return 0;
}

int cfg_database_parse(const char *name, const char *connstr, struct cfg_database *out,
		       char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	if (check_name(name, why, why_size) < 0)
		return -1;
	cfg_kv_reset(&table, out);
	if (cfg_kv_apply(&table, connstr, out, why, why_size) < 0
	    || split_hosts(out, why, why_size) < 0) {
		cfg_database_fini(out);
		return -1;
	}
	out->name = xstrdup(name);
	out->dbname_set = out->dbname != NULL;
	if (!out->dbname_set)
		out->dbname = xstrdup(name);
	if (out->port < 0)
		out->port = CFG_DATABASE_DEFAULT_PORT;
	return 0;
}

void cfg_database_fini(struct cfg_database *db)
{
	cfg_kv_free_strings(&table, db);
	for (size_t i = 0; i < db->host_count; i++)
		free(db->hosts[i]);
	free(db->hosts);
	free(db->name);
	memset(db, 0, sizeof *db);
}

void cfg_database_instantiate(const struct cfg_database *fallback, const char *name,
			      struct cfg_database *out)
{
	memset(out, 0, sizeof *out);
	cfg_kv_copy(&table, out, fallback);
	out->name = xstrdup(name);
	out->dbname_set = fallback->dbname_set;
	if (!out->dbname_set) {
		free(out->dbname);
		out->dbname = xstrdup(name);
	}
	out->host_count = fallback->host_count;
	if (fallback->host_count > 0)
		out->hosts = xcalloc(fallback->host_count, sizeof *out->hosts);
	for (size_t i = 0; i < fallback->host_count; i++)
		out->hosts[i] = xstrdup(fallback->hosts[i]);
}

unsigned cfg_database_compare(const struct cfg_database *a, const struct cfg_database *b)
{
	unsigned changed = cfg_kv_compare(&table, a, b);
	/* Only for the fallback does an explicit dbname mean something beyond
	 * its value: it replaces the client's database name. */
	if (a->dbname_set != b->dbname_set && strcmp(a->name, "*") == 0)
		changed |= CFG_DB_CHANGE_SERVER;
	return changed;
}
