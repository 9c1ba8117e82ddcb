/* admin_cmd: the console's control commands: PAUSE, RESUME, DISABLE,
 * ENABLE, RECONNECT, KILL, KILL_CLIENT, WAIT_CLOSE, RELOAD, SET and
 * SHUTDOWN, with PgBouncer's semantics and error texts. Paused and
 * disabled databases are kept in struct admin (so pools made later inherit
 * them) and mirrored into pool->paused for the pool's O(1) checks. PAUSE
 * and WAIT_CLOSE answer when their condition holds (admin_wait_done). */
#include "pooler/admin_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "protocol/pg_backend.h"

static enum admin_outcome done(const struct admin_request *req)
{
	pg_backend_put_command_complete(req->out, admin_verb_name(req->cmd->verb));
	return ADMIN_ANSWERED;
}

static struct pool *pool_of(const struct list_node *n)
{
	return list_entry(n, struct pool, node);
}

/* Whether pool p is one a command on db ("" for every database) acts on. */
static bool targets(const struct pool *p, const char *db)
{
	return !p->console && (db[0] == '\0' || strcmp(p->db_name, db) == 0);
}

/* Whether db names a database clients can reach: configured, served by the
 * "*" fallback, or with a pool still open. Otherwise answers why not and
 * returns false. */
static bool check_database(const struct admin_request *req, const char *db)
{
	const struct corral *c = req->corral;
	if (admin_is_console_db(db)) {
		admin_error(req->out, "22023", "cannot %s the admin database: %s",
			    admin_verb_name(req->cmd->verb), db);
		return false;
	}
	if (cfg_find_database(c->cfg, db) || c->cfg->fallback)
		return true;
	for (const struct list_node *it = c->pools.next; it != &c->pools; it = it->next)
		if (strcmp(pool_of(it)->db_name, db) == 0)
			return true;
	admin_error(req->out, "22023", "no such database: %s", db);
	return false;
}

/* Bring every pool's paused flag in line with the admin's sets: a pool
 * that pauses closes its idle servers now (busy ones close as they are
 * released); one that resumes opens servers for its waiting clients. */
static void apply_pause(struct admin *a)
{
	struct list_node *n, *tmp, *m, *mtmp;
	list_for_each_safe(n, tmp, &a->corral->pools) {
		struct pool *p = pool_of(n);
		bool paused = !p->console && admin_db_paused(a, p->db_name);
		if (paused == p->paused)
			continue;
		p->paused = paused;
		if (paused) {
			list_for_each_safe(m, mtmp, &p->idle_servers)
				server_close(list_entry(m, struct server, node), "database paused");
		} else {
			pool_open_servers(p);
		}
	}
}

bool admin_wait_done(const struct admin *a, enum admin_wait what, const char *db)
{
	const struct list_node *it, *s;
	for (it = a->corral->pools.next; it != &a->corral->pools; it = it->next) {
		const struct pool *p = pool_of(it);
		if (!targets(p, db))
			continue;
		if (what == ADMIN_UNTIL_PAUSED && p->paused && p->server_count > 0)
			return false;
		if (what != ADMIN_UNTIL_CLOSED)
			continue;
		const struct list_node *lists[] = { &p->active_servers, &p->opening_servers };
		for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
			for (s = lists[i]->next; s != lists[i]; s = s->next)
				if (list_entry(s, struct server, node)->close_needed)
					return false;
	}
	return true;
}

/* Answer now if what already holds, else later. */
static enum admin_outcome done_or_wait(const struct admin_request *req, enum admin_wait what,
				       const char *db)
{
	if (admin_wait_done(req->admin, what, db))
		return done(req);
	admin_wait_for(req, what, db);
	return ADMIN_WAITING;
}

static enum admin_outcome cmd_pause(const struct admin_request *req)
{
	struct admin *a = req->admin;
	const char *db = req->cmd->arg;
	if (a->pause_all) {
		admin_error(req->out, "55000", "already suspended/paused");
		return ADMIN_ANSWERED;
	}
	if (db[0] && !check_database(req, db))
		return ADMIN_ANSWERED;
	if (db[0])
		admin_names_add(&a->paused, db);
	else
		a->pause_all = true;
	apply_pause(a);
	return done_or_wait(req, ADMIN_UNTIL_PAUSED, db);
}

static enum admin_outcome cmd_resume(const struct admin_request *req)
{
	struct admin *a = req->admin;
	const char *db = req->cmd->arg;
	if (req->corral->shutting_down || req->corral->wait_for_clients) {
		admin_error(req->out, "55000", "pooler is shutting down");
		return ADMIN_ANSWERED;
	}
	if (db[0] && !admin_names_remove(&a->paused, db)) {
		admin_error(req->out, "55000", "database %s is not paused", db);
		return ADMIN_ANSWERED;
	}
	if (db[0] == '\0') {
		if (!a->pause_all && a->paused.count == 0) {
			admin_error(req->out, "55000", "pooler is not paused/suspended");
			return ADMIN_ANSWERED;
		}
		a->pause_all = false;  /* and every database paused on its own */
		while (a->paused.count > 0)
			admin_names_remove(&a->paused, a->paused.names[0]);
	}
	apply_pause(a);
	return done(req);
}

static enum admin_outcome cmd_disable(const struct admin_request *req, bool disable)
{
	const char *db = req->cmd->arg;
	if (!check_database(req, db))
		return ADMIN_ANSWERED;
	if (disable)
		admin_names_add(&req->admin->disabled, db);
	else
		admin_names_remove(&req->admin->disabled, db);
	return done(req);
}

static enum admin_outcome cmd_reconnect(const struct admin_request *req)
{
	const char *db = req->cmd->arg;
	if (db[0] && !check_database(req, db))
		return ADMIN_ANSWERED;
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &req->corral->pools)
		if (targets(pool_of(n), db))
			pool_close_needed(pool_of(n), "RECONNECT on the admin console");
	return done(req);
}

/* Close every client and server of p at once (KILL). */
static void kill_pool(struct pool *p)
{
	struct list_node *clients[] = { &p->active_clients, &p->waiting_clients, &p->idle_clients,
					&p->welcome_clients };
	struct list_node *servers[] = { &p->active_servers, &p->idle_servers, &p->opening_servers };
	struct list_node *n, *tmp;
	for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++)
		list_for_each_safe(n, tmp, clients[i])
			client_fatal(list_entry(n, struct client, node), "57P01",
				     "terminating connection due to KILL on the admin console");
	for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++)
		list_for_each_safe(n, tmp, servers[i])
			server_close(list_entry(n, struct server, node), "KILL on the admin console");
}

static enum admin_outcome cmd_kill(const struct admin_request *req)
{
	struct admin *a = req->admin;
	const char *db = req->cmd->arg;
	if (a->pause_all) {
		admin_error(req->out, "55000", "already suspended/paused");
		return ADMIN_ANSWERED;
	}
	if (db[0] && !check_database(req, db))
		return ADMIN_ANSWERED;
	/* Paused first, so nothing the kill releases serves again. */
	if (db[0])
		admin_names_add(&a->paused, db);
	else
		a->pause_all = true;
	apply_pause(a);
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &req->corral->pools)
		if (targets(pool_of(n), db))
			kill_pool(pool_of(n));
	return done(req);
}

static struct client *find_in(const struct list_node *head, uint64_t id)
{
	for (const struct list_node *it = head->next; it != head; it = it->next)
		if (list_entry(it, struct client, node)->id == id)
			return list_entry(it, struct client, node);
	return NULL;
}

static struct client *find_client(const struct corral *c, uint64_t id)
{
	struct client *found = find_in(&c->login_clients, id);
	for (const struct list_node *it = c->pools.next; it != &c->pools && !found; it = it->next) {
		const struct pool *p = pool_of(it);
		const struct list_node *lists[] = { &p->active_clients, &p->waiting_clients,
						    &p->idle_clients, &p->welcome_clients };
		for (size_t i = 0; i < sizeof lists / sizeof lists[0] && !found; i++)
			found = find_in(lists[i], id);
	}
	return found;
}

static enum admin_outcome cmd_kill_client(const struct admin_request *req)
{
	struct client *victim = find_client(req->corral, req->cmd->client_id);
	if (victim == NULL) {
		admin_error(req->out, "22023", "client not found: %llu",
			    (unsigned long long)req->cmd->client_id);
		return ADMIN_ANSWERED;
	}
	client_fatal(victim, "57P01", "admin forced disconnect");
	/* A session that killed itself is gone: nothing more to answer. */
	return victim == req->client ? ADMIN_ANSWERED : done(req);
}

static enum admin_outcome cmd_wait_close(const struct admin_request *req)
{
	const char *db = req->cmd->arg;
	if (db[0] && !check_database(req, db))
		return ADMIN_ANSWERED;
	return done_or_wait(req, ADMIN_UNTIL_CLOSED, db);
}

static enum admin_outcome cmd_reload(const struct admin_request *req)
{
	char why[512];
	if (corral_reload(req->corral, why, sizeof why) != 0) {
		admin_error(req->out, "F0000", "RELOAD failed, keeping the running configuration: %s",
			    why);
		return ADMIN_ANSWERED;
	}
	return done(req);
}

/* A copy of src (strings included), through each setting's text form,
 * which cfg_settings_set reads back to the same value. */
static void copy_settings(struct cfg_settings *dst, const struct cfg_settings *src)
{
	cfg_settings_init(dst);
	for (size_t i = 0; i < cfg_setting_count(); i++) {
		const struct cfg_setting *e = cfg_setting_at(i);
		char buf[CFG_SETTING_FMT_SIZE], why[256];
		if (cfg_settings_set(dst, e->name, cfg_setting_format(src, e, buf), why, sizeof why) != 0) {
			log_error("bug: setting %s does not read back its own value: %s", e->name, why);
			abort();
		}
	}
}

/* Settings a reload applies by reading files (auth_file, the hba file,
 * TLS keys and certificates, whose contexts every TLS setting shapes): SET
 * would change the text, not what was read. auth_type too: it decides
 * whether the hba file is read and whether the TLS contexts ask clients
 * for certificates. */
static bool needs_reload(const char *key)
{
	static const char *const files[] = { "auth_file", "auth_hba_file", "auth_ident_file",
					     "conffile", "auth_type" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (strcasecmp(key, files[i]) == 0)
			return true;
	return strncasecmp(key, "client_tls", 10) == 0 || strncasecmp(key, "server_tls", 10) == 0;
}

static enum admin_outcome cmd_set(const struct admin_request *req)
{
	const char *key = req->cmd->arg, *value = req->cmd->value;
	const struct cfg_setting *e = cfg_setting_find(key);
	char why[256];
	if (e == NULL) {
		admin_error(req->out, "22023", "unknown setting: %s", key);
		return ADMIN_ANSWERED;
	}
	if (!e->reloadable || needs_reload(key)) {
		admin_error(req->out, "55P02", "%s cannot be changed with SET: %s", e->name,
			    e->reloadable ? "change it in the config file and RELOAD"
					  : "it needs a restart of corral");
		return ADMIN_ANSWERED;
	}
	struct cfg_settings next;
	copy_settings(&next, &req->corral->cfg->settings);
	if (cfg_settings_set(&next, key, value, why, sizeof why) != 0) {
		cfg_settings_fini(&next);
		admin_error(req->out, "22023", "%s", why);
		return ADMIN_ANSWERED;
	}
	log_info("admin console: SET %s = '%s'", e->name, value);
	corral_replace_settings(req->corral, &next);
	return done(req);
}

static enum admin_outcome cmd_shutdown(const struct admin_request *req)
{
	static const enum corral_stop_mode modes[] = {
		[ADMIN_SHUTDOWN_NOW] = CORRAL_STOP_NOW,
		[ADMIN_SHUTDOWN_WAIT_FOR_SERVERS] = CORRAL_STOP_WAIT_FOR_SERVERS,
		[ADMIN_SHUTDOWN_WAIT_FOR_CLIENTS] = CORRAL_STOP_WAIT_FOR_CLIENTS,
	};
	done(req);  /* sent before the loop stops */
	corral_stop(req->corral, modes[req->cmd->shutdown]);
	return ADMIN_ANSWERED;
}

enum admin_outcome admin_command(const struct admin_request *req)
{
	switch (req->cmd->verb) {
	case ADMIN_PAUSE:
		return cmd_pause(req);
	case ADMIN_RESUME:
		return cmd_resume(req);
	case ADMIN_DISABLE:
		return cmd_disable(req, true);
	case ADMIN_ENABLE:
		return cmd_disable(req, false);
	case ADMIN_RECONNECT:
		return cmd_reconnect(req);
	case ADMIN_KILL:
		return cmd_kill(req);
	case ADMIN_KILL_CLIENT:
		return cmd_kill_client(req);
	case ADMIN_WAIT_CLOSE:
		return cmd_wait_close(req);
	case ADMIN_RELOAD:
		return cmd_reload(req);
	case ADMIN_SET:
		return cmd_set(req);
	case ADMIN_SHUTDOWN:
		return cmd_shutdown(req);
	case ADMIN_SHOW:
		break;
	}
	return done(req);
}
