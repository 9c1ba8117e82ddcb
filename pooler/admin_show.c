/* admin_show: SHOW HELP, POOLS, DATABASES, USERS, CONFIG, LISTS, MEM, STATE
 * and VERSION, with PgBouncer 1.25's columns in its order (docs/admin.md
 * documents each one; tests/integration/it_admin.sh holds them equal).
 * Each walks the pools at the moment it runs; nothing is cached. SHOW
 * CLIENTS/SERVERS/SOCKETS and the statistics live in admin_sockets.c and
 * admin_stats.c. */
#include "pooler/admin_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "pooler/cancel.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/iobuf.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "protocol/pg_backend.h"
#include "util/xalloc.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static int list_length(const struct list_node *head)
{
	int n = 0;
	for (const struct list_node *it = head->next; it != head; it = it->next)
		n++;
	return n;
}

static struct pool *pool_of(const struct list_node *n)
{
	return list_entry(n, struct pool, node);
}

/* ---- SHOW HELP, VERSION, STATE ---- */

static void show_help(const struct admin_request *req)
{
	struct pg_backend_diag d = {
		.severity = "NOTICE",
		.sqlstate = "00000",
		.message = "Console usage",
		.detail = "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION\n"
			  "\tSHOW SOCKETS|ACTIVE_SOCKETS|LISTS|MEM|STATE\n"
			  "\tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS\n"
			  "\tSET key = arg\n"
			  "\tRELOAD\n"
			  "\tPAUSE [<db>]\n"
			  "\tRESUME [<db>]\n"
			  "\tDISABLE <db>\n"
			  "\tENABLE <db>\n"
			  "\tRECONNECT [<db>]\n"
			  "\tKILL [<db>]\n"
			  "\tKILL_CLIENT <client_id>\n"
			  "\tSHUTDOWN\n"
			  "\tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS\n"
			  "\tWAIT_CLOSE [<db>]",
	};
	pg_backend_put_notice(req->out, &d);
	pg_backend_put_command_complete(req->out, "SHOW");
}

static void show_version(const struct admin_request *req)
{
	static const struct admin_column cols[] = { { "version", PG_OID_TEXT } };
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	admin_cell_text(&r, "corral " PACKAGE_VERSION);
	admin_row_end(&r);
	admin_result_end(&r);
}

static void show_state(const struct admin_request *req)
{
	static const struct admin_column cols[] = { { "key", PG_OID_TEXT }, { "value", PG_OID_TEXT } };
	const bool paused = req->admin->pause_all;
	const char *const rows[][2] = {
		{ "active", paused ? "no" : "yes" },
		{ "paused", paused ? "yes" : "no" },
		{ "suspended", "no" },
	};
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < COUNT(rows); i++) {
		admin_cell_text(&r, rows[i][0]);
		admin_cell_text(&r, rows[i][1]);
		admin_row_end(&r);
	}
	admin_result_end(&r);
}

/* ---- SHOW POOLS ---- */

/* load_balance_hosts as shown: only for an entry with several hosts. */
static const char *load_balance_name(const struct cfg_database *db)
{
	if (db == NULL || db->host_count < 2)
		return NULL;
	return db->load_balance_hosts == CFG_LB_DISABLE ? "disable" : "round-robin";
}

static void pool_row(struct admin_result *r, const struct pool *p)
{
	int sv_active = 0, sv_tested = 0, sv_idle = 0, sv_used = 0, sv_canceled = 0;
	int cancels, requesters;
	const struct list_node *it;
	for (it = p->active_servers.next; it != &p->active_servers; it = it->next) {
		enum server_state st = list_entry(it, struct server, node)->state;
		if (st == SERVER_ST_ACTIVE)
			sv_active++;
		else if (st == SERVER_ST_BEING_CANCELED)
			sv_canceled++;
		else
			sv_tested++;  /* running server_reset_query or server_check_query */
	}
	cancel_count(p->corral, p, &cancels, &requesters);
	for (it = p->idle_servers.next; it != &p->idle_servers; it = it->next) {
		if (server_needs_check(list_entry(it, struct server, node)))
			sv_used++;
		else
			sv_idle++;
	}
	const struct list_node *oldest = list_first(&p->waiting_clients);
	uint64_t now = corral_now_us(), since = oldest ? list_entry(oldest, struct client, node)->wait_since_us : now;
	uint64_t wait = now > since ? now - since : 0;
	admin_cell_text(r, p->db_name);
	admin_cell_text(r, p->user_name);
	admin_cell_int(r, list_length(&p->idle_clients) + list_length(&p->active_clients));
	admin_cell_int(r, p->waiting_count + list_length(&p->welcome_clients));
	admin_cell_int(r, requesters);
	admin_cell_int(r, 0);  /* cancel requests are forwarded at once, never queued */
	admin_cell_int(r, sv_active);
	admin_cell_int(r, cancels);
	admin_cell_int(r, sv_canceled);
	admin_cell_int(r, sv_idle);
	admin_cell_int(r, sv_used);
	admin_cell_int(r, sv_tested);
	admin_cell_int(r, p->opening_count);
	admin_cell_int(r, (int64_t)(wait / 1000000));
	admin_cell_int(r, (int64_t)(wait % 1000000));
	admin_cell_text(r, cfg_pool_mode_name(p->cfg.mode));
	admin_cell_text(r, load_balance_name(cfg_find_database(p->corral->cfg, p->db_name)));
	admin_row_end(r);
}

static void show_pools(const struct admin_request *req)
{
	static const struct admin_column cols[] = {
		{ "database", PG_OID_TEXT }, { "user", PG_OID_TEXT },
		{ "cl_active", PG_OID_INT4 }, { "cl_waiting", PG_OID_INT4 },
		{ "cl_active_cancel_req", PG_OID_INT4 }, { "cl_waiting_cancel_req", PG_OID_INT4 },
		{ "sv_active", PG_OID_INT4 }, { "sv_active_cancel", PG_OID_INT4 },
		{ "sv_being_canceled", PG_OID_INT4 }, { "sv_idle", PG_OID_INT4 },
		{ "sv_used", PG_OID_INT4 }, { "sv_tested", PG_OID_INT4 }, { "sv_login", PG_OID_INT4 },
		{ "maxwait", PG_OID_INT4 }, { "maxwait_us", PG_OID_INT4 },
		{ "pool_mode", PG_OID_TEXT }, { "load_balance_hosts", PG_OID_TEXT },
	};
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	const struct list_node *it;
	for (it = req->corral->pools.next; it != &req->corral->pools; it = it->next)
		pool_row(&r, pool_of(it));
	admin_result_end(&r);
}

/* ---- SHOW DATABASES ---- */

/* Server and client connections of database name, over its pools. */
static void database_counts(const struct corral *c, const char *name, int *servers, int *clients)
{
	*servers = *clients = 0;
	for (const struct list_node *it = c->pools.next; it != &c->pools; it = it->next) {
		const struct pool *p = pool_of(it);
		if (strcmp(p->db_name, name) == 0) {
			*servers += p->server_count;
			*clients += p->client_count;
		}
	}
}

static int or_default(int v, int def)
{
	return v >= 0 ? v : def;
}

/* One row for an entry (a [databases] line or the fallback made for name). */
static void database_row(struct admin_result *r, const struct admin_request *req,
			 const char *name, const struct cfg_database *db)
{
	const struct cfg_settings *s = &req->corral->cfg->settings;
	int servers, clients;
	database_counts(req->corral, name, &servers, &clients);
	admin_cell_text(r, name);
	admin_cell_text(r, db->host);
	admin_cell_int(r, db->port);
	admin_cell_text(r, db->dbname);
	admin_cell_text(r, db->user);
	admin_cell_int(r, or_default(db->pool_size, s->default_pool_size));
	admin_cell_int(r, or_default(db->min_pool_size, s->min_pool_size));
	admin_cell_int(r, or_default(db->reserve_pool_size, s->reserve_pool_size));
	admin_cell_int(r, db->server_lifetime >= 0 ? db->server_lifetime
						   : (int)(s->server_lifetime / 1000000));
	admin_cell_text(r, db->pool_mode >= 0 ? cfg_pool_mode_name((enum cfg_pool_mode)db->pool_mode)
					      : NULL);
	admin_cell_text(r, load_balance_name(db));
	admin_cell_int(r, or_default(db->max_db_connections, s->max_db_connections));
	admin_cell_int(r, servers);
	admin_cell_int(r, or_default(db->max_db_client_connections, s->max_db_client_connections));
	admin_cell_int(r, clients);
	admin_cell_int(r, admin_db_paused(req->admin, name));
	admin_cell_int(r, admin_db_disabled(req->admin, name));
	admin_row_end(r);
}

/* The console's own databases, as PgBouncer lists "pgbouncer". */
static void console_row(struct admin_result *r, const struct admin_request *req, const char *name)
{
	int servers, clients;
	database_counts(req->corral, name, &servers, &clients);
	admin_cell_text(r, name);
	admin_cell_text(r, NULL);
	admin_cell_int(r, req->corral->cfg->settings.listen_port);
	admin_cell_text(r, name);
	admin_cell_text(r, name);
	for (int i = 0; i < 4; i++)
		admin_cell_int(r, 0);  /* pool_size .. server_lifetime: no servers */
	admin_cell_text(r, "statement");
	admin_cell_text(r, NULL);
	admin_cell_int(r, 0);
	admin_cell_int(r, servers);
	admin_cell_int(r, 0);
	admin_cell_int(r, clients);
	admin_cell_int(r, 0);
	admin_cell_int(r, 0);
	admin_row_end(r);
}

/* Whether an earlier pool than p in the list has p's database. */
static bool seen_before(const struct corral *c, const struct pool *p)
{
	for (const struct list_node *it = c->pools.next; it != &p->node; it = it->next)
		if (strcmp(pool_of(it)->db_name, p->db_name) == 0)
			return true;
	return false;
}

/* Databases clients reached through the "*" fallback, once each. */
static void fallback_rows(struct admin_result *r, const struct admin_request *req)
{
	const struct cfg *cfg = req->corral->cfg;
	const struct list_node *it;
	for (it = req->corral->pools.next; it != &req->corral->pools; it = it->next) {
		const struct pool *p = pool_of(it);
		if (p->console || cfg_find_database(cfg, p->db_name) || seen_before(req->corral, p))
			continue;
		struct cfg_database db;
		cfg_database_instantiate(cfg->fallback, p->db_name, &db);
		database_row(r, req, p->db_name, &db);
		cfg_database_fini(&db);
	}
}

static void show_databases(const struct admin_request *req)
{
	static const struct admin_column cols[] = {
		{ "name", PG_OID_TEXT }, { "host", PG_OID_TEXT }, { "port", PG_OID_INT4 },
		{ "database", PG_OID_TEXT }, { "force_user", PG_OID_TEXT },
		{ "pool_size", PG_OID_INT4 }, { "min_pool_size", PG_OID_INT4 },
		{ "reserve_pool_size", PG_OID_INT4 }, { "server_lifetime", PG_OID_INT4 },
		{ "pool_mode", PG_OID_TEXT }, { "load_balance_hosts", PG_OID_TEXT },
		{ "max_connections", PG_OID_INT4 }, { "current_connections", PG_OID_INT4 },
		{ "max_client_connections", PG_OID_INT4 },
		{ "current_client_connections", PG_OID_INT4 },
		{ "paused", PG_OID_INT4 }, { "disabled", PG_OID_INT4 },
	};
	const struct cfg *cfg = req->corral->cfg;
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < cfg->database_count; i++)
		database_row(&r, req, cfg->databases[i].name, &cfg->databases[i]);
	if (cfg->fallback)
		fallback_rows(&r, req);
	console_row(&r, req, "corral");
	console_row(&r, req, "pgbouncer");
	admin_result_end(&r);
}

/* ---- SHOW USERS ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every user corral knows: [users], auth_file, and the users of its pools;
 * sorted, each once. The array is the caller's; the strings are not. */
static const char **known_users(const struct corral *c, size_t *count)
{
	const struct cfg *cfg = c->cfg;
	size_t n = cfg->user_count + cfg->auth.count, k = 0;
	const struct list_node *it;
	for (it = c->pools.next; it != &c->pools; it = it->next)
		n++;
	const char **names = xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < cfg->user_count; i++)
		names[k++] = cfg->users[i].name;
	for (size_t i = 0; i < cfg->auth.count; i++)
		names[k++] = cfg->auth.entries[i].user;
	for (it = c->pools.next; it != &c->pools; it = it->next)
		if (!pool_of(it)->console)
			names[k++] = pool_of(it)->user_name;
	qsort(names, k, sizeof *names, name_cmp);
	size_t unique = 0;
	for (size_t i = 0; i < k; i++)
		if (unique == 0 || strcmp(names[unique - 1], names[i]) != 0)
			names[unique++] = names[i];
	*count = unique;
	return names;
}

static void user_row(struct admin_result *r, const struct admin_request *req, const char *name)
{
	const struct cfg_settings *s = &req->corral->cfg->settings;
	const struct cfg_user *u = cfg_find_user(req->corral->cfg, name);
	int servers = 0, clients = 0;
	const struct list_node *it;
	for (it = req->corral->pools.next; it != &req->corral->pools; it = it->next) {
		const struct pool *p = pool_of(it);
		if (!p->console && strcmp(p->user_name, name) == 0) {
			servers += p->server_count;
			clients += p->client_count;
		}
	}
	admin_cell_text(r, name);
	if (u && u->pool_size >= 0)
		admin_cell_int(r, u->pool_size);
	else
		admin_cell_text(r, "");
	if (u && u->reserve_pool_size >= 0)
		admin_cell_int(r, u->reserve_pool_size);
	else
		admin_cell_text(r, "");
	admin_cell_text(r, u && u->pool_mode >= 0 ? cfg_pool_mode_name((enum cfg_pool_mode)u->pool_mode)
						  : NULL);
	admin_cell_int(r, u ? or_default(u->max_user_connections, s->max_user_connections)
			    : s->max_user_connections);
	admin_cell_int(r, servers);
	admin_cell_int(r, u ? or_default(u->max_user_client_connections,
					  s->max_user_client_connections)
			    : s->max_user_client_connections);
	admin_cell_int(r, clients);
	admin_row_end(r);
}

static void show_users(const struct admin_request *req)
{
	static const struct admin_column cols[] = {
		{ "name", PG_OID_TEXT }, { "pool_size", PG_OID_TEXT },
		{ "reserve_pool_size", PG_OID_TEXT }, { "pool_mode", PG_OID_TEXT },
		{ "max_user_connections", PG_OID_INT4 }, { "current_connections", PG_OID_INT4 },
		{ "max_user_client_connections", PG_OID_INT4 },
		{ "current_client_connections", PG_OID_INT4 },
	};
	size_t n;
	const char **names = known_users(req->corral, &n);
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < n; i++)
		user_row(&r, req, names[i]);
	admin_result_end(&r);
	free(names);
}

/* ---- SHOW CONFIG ---- */

static void show_config(const struct admin_request *req)
{
	static const struct admin_column cols[] = {
		{ "key", PG_OID_TEXT }, { "value", PG_OID_TEXT },
		{ "default", PG_OID_TEXT }, { "changeable", PG_OID_TEXT },
	};
	const struct cfg_settings *s = &req->corral->cfg->settings;
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < cfg_setting_count(); i++) {
		const struct cfg_setting *e = cfg_setting_at(i);
		char buf[CFG_SETTING_FMT_SIZE];
		admin_cell_text(&r, e->name);
		admin_cell_text(&r, cfg_setting_format(s, e, buf));
		admin_cell_text(&r, e->def);
		admin_cell_text(&r, e->reloadable ? "yes" : "no");
		admin_row_end(&r);
	}
	admin_result_end(&r);
}

/* ---- SHOW LISTS, MEM ---- */

struct pool_totals {
	int pools;
	int clients;   /* in pools */
	int servers;
	int resolving; /* DNS look-ups in flight */
};

static void pool_totals(const struct corral *c, struct pool_totals *t)
{
	memset(t, 0, sizeof *t);
	for (const struct list_node *it = c->pools.next; it != &c->pools; it = it->next) {
		const struct pool *p = pool_of(it);
		t->pools++;
		t->clients += p->client_count;
		t->servers += p->server_count;
		t->resolving += p->addr_state == POOL_ADDR_RESOLVING;
	}
}

static void show_lists(const struct admin_request *req)
{
	static const struct admin_column cols[] = { { "list", PG_OID_TEXT }, { "items", PG_OID_INT4 } };
	const struct corral *c = req->corral;
	struct pool_totals t;
	pool_totals(c, &t);
	size_t users;
	free(known_users(c, &users));
	const struct { const char *name; int64_t items; } rows[] = {
		{ "databases", (int64_t)c->cfg->database_count },
		{ "users", (int64_t)users },
		{ "peers", 0 },
		{ "pools", t.pools },
		{ "peer_pools", 0 },
		{ "free_clients", 0 },  /* clients are freed, not kept for reuse */
		{ "used_clients", c->client_count },
		{ "login_clients", list_length(&c->login_clients) },
		{ "free_servers", 0 },
		{ "used_servers", t.servers },
		{ "dns_names", 0 },     /* no DNS cache: evdns asks each time */
		{ "dns_zones", 0 },
		{ "dns_queries", t.resolving },
		{ "dns_pending", 0 },
	};
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < COUNT(rows); i++) {
		admin_cell_text(&r, rows[i].name);
		admin_cell_int(&r, rows[i].items);
		admin_row_end(&r);
	}
	admin_result_end(&r);
}

static void show_mem(const struct admin_request *req)
{
	static const struct admin_column cols[] = {
		{ "name", PG_OID_TEXT }, { "size", PG_OID_INT4 }, { "used", PG_OID_INT4 },
		{ "free", PG_OID_INT4 }, { "memtotal", PG_OID_INT4 },
	};
	const struct corral *c = req->corral;
	const struct iobuf_pool *b = &c->buffers;
	struct pool_totals t;
	pool_totals(c, &t);
	const struct { const char *name; int64_t size, used, free; } rows[] = {
		{ "client", sizeof(struct client), c->client_count, 0 },
		{ "server", sizeof(struct server), t.servers, 0 },
		{ "pool", sizeof(struct pool), t.pools, 0 },
		{ "iobuf", (int64_t)(sizeof(struct iobuf) + b->size), (int64_t)b->in_use,
		  (int64_t)b->free_count },
	};
	struct admin_result r;
	admin_result_begin(&r, req->out, cols, COUNT(cols));
	for (size_t i = 0; i < COUNT(rows); i++) {
		admin_cell_text(&r, rows[i].name);
		admin_cell_int(&r, rows[i].size);
		admin_cell_int(&r, rows[i].used);
		admin_cell_int(&r, rows[i].free);
		admin_cell_int(&r, rows[i].size * (rows[i].used + rows[i].free));
		admin_row_end(&r);
	}
	admin_result_end(&r);
}

void admin_show(const struct admin_request *req)
{
	switch (req->cmd->show) {
	case ADMIN_SHOW_HELP:
		show_help(req);
		break;
	case ADMIN_SHOW_POOLS:
		show_pools(req);
		break;
	case ADMIN_SHOW_DATABASES:
		show_databases(req);
		break;
	case ADMIN_SHOW_USERS:
		show_users(req);
		break;
	case ADMIN_SHOW_CONFIG:
		show_config(req);
		break;
	case ADMIN_SHOW_LISTS:
		show_lists(req);
		break;
	case ADMIN_SHOW_MEM:
		show_mem(req);
		break;
	case ADMIN_SHOW_STATE:
		show_state(req);
		break;
	case ADMIN_SHOW_VERSION:
		show_version(req);
		break;
	case ADMIN_SHOW_CLIENTS:
	case ADMIN_SHOW_SERVERS:
	case ADMIN_SHOW_SOCKETS:
	case ADMIN_SHOW_ACTIVE_SOCKETS:
		admin_show_sockets(req);
		break;
	case ADMIN_SHOW_STATS:
	case ADMIN_SHOW_STATS_TOTALS:
	case ADMIN_SHOW_STATS_AVERAGES:
	case ADMIN_SHOW_TOTALS:
		admin_show_stats(req);
		break;
	}
}
