/* pool: servers and waiting clients of one (database, user) pair (see
 * pool.h). Limits are checked here and nowhere else. */
#include "pooler/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/admin.h"
#include "pooler/auth_query.h"
#include "pooler/cancel.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/server.h"
#include "util/xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* First non-negative of the candidates (each -1 = not set), else def. */
static int pick(int first, int second, int def)
{
	return first >= 0 ? first : second >= 0 ? second : def;
}

static int64_t seconds_or(int seconds, int64_t def_us)
{
	return seconds >= 0 ? (int64_t)seconds * 1000000 : def_us;
}

/* Resolve what the pool needs from db (an entry or an instantiated
 * fallback), the client's user and the global settings. */
static void resolve_config(struct pool_config *pc, const struct cfg *cfg,
			   const struct cfg_database *db, const char *user)
{
	const struct cfg_settings *s = &cfg->settings;
	const struct cfg_user *u = cfg_find_user(cfg, user);
	memset(pc, 0, sizeof *pc);
	pc->host = xstrdup(db->host_count > 0 ? db->hosts[0] : s->unix_socket_dir);
	pc->port = db->port;
	pc->dbname = xstrdup(db->dbname);
	pc->server_user = xstrdup(db->user ? db->user : user);
	if (db->password) {
		pc->password = xstrdup(db->password);
	} else {
		const struct cfg_auth_entry *e = cfg_authfile_find(&cfg->auth, pc->server_user);
		pc->password = e ? xstrdup(e->secret) : NULL;
	}
	pc->mode = (enum cfg_pool_mode)pick(u ? u->pool_mode : -1, db->pool_mode, (int)s->pool_mode);
	pc->pool_size = pick(u ? u->pool_size : -1, db->pool_size, s->default_pool_size);
	pc->min_pool_size = pick(db->min_pool_size, -1, s->min_pool_size);
	pc->reserve_pool_size = pick(u ? u->reserve_pool_size : -1, db->reserve_pool_size,
				     s->reserve_pool_size);
	pc->max_db_connections = pick(db->max_db_connections, -1, s->max_db_connections);
	pc->max_user_connections = pick(u ? u->max_user_connections : -1, -1, s->max_user_connections);
	pc->query_wait_timeout_us = seconds_or(u ? u->query_wait_timeout : -1,
					       seconds_or(db->query_wait_timeout, s->query_wait_timeout));
	pc->query_timeout_us = seconds_or(u ? u->query_timeout : -1, s->query_timeout);
	pc->idle_transaction_timeout_us = seconds_or(u ? u->idle_transaction_timeout : -1,
						     s->idle_transaction_timeout);
	pc->client_idle_timeout_us = seconds_or(u ? u->client_idle_timeout : -1,
						s->client_idle_timeout);
	pc->client_timers_off = pc->query_timeout_us <= 0 && pc->idle_transaction_timeout_us <= 0 &&
				pc->client_idle_timeout_us <= 0;
	pc->server_lifetime_us = seconds_or(db->server_lifetime, s->server_lifetime);
	pc->server_idle_timeout_us = s->server_idle_timeout;
	pc->server_login_retry_us = s->server_login_retry;
	pc->server_connect_timeout_us = s->server_connect_timeout;
	pc->connect_query = dup_or_null(db->connect_query);
	pc->client_encoding = dup_or_null(db->client_encoding);
	pc->datestyle = dup_or_null(db->datestyle);
	pc->timezone = dup_or_null(db->timezone);
	pc->application_name = dup_or_null(db->application_name);
}

static void pool_config_fini(struct pool_config *pc)
{
	free(pc->host);
	free(pc->dbname);
	free(pc->server_user);
	if (pc->password) {
		memset(pc->password, 0, strlen(pc->password));
		free(pc->password);
	}
	free(pc->connect_query);
	free(pc->client_encoding);
	free(pc->datestyle);
	free(pc->timezone);
	free(pc->application_name);
}

/* Whether servers made with a and b reach the same backend as the same
 * role with the same startup: otherwise a's servers must be replaced. */
static bool same_target(const struct pool_config *a, const struct pool_config *b)
{
	const char *const pairs[][2] = {
		{ a->host, b->host }, { a->dbname, b->dbname }, { a->server_user, b->server_user },
		{ a->password, b->password }, { a->connect_query, b->connect_query },
		{ a->client_encoding, b->client_encoding }, { a->datestyle, b->datestyle },
		{ a->timezone, b->timezone }, { a->application_name, b->application_name },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const char *x = pairs[i][0], *y = pairs[i][1];
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return false;
	}
	return a->port == b->port;
}

static void pool_on_reserve_timer(evutil_socket_t fd, short what, void *arg);
static void pool_on_client_timer(evutil_socket_t fd, short what, void *arg);
static void arm_client_timer(struct pool *p);
static void set_autodb(struct pool *p, bool autodb);

static struct pool *find_pool(struct corral *corral, const char *db_name, const char *user_name)
{
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &corral->pools) {
		struct pool *p = list_entry(n, struct pool, node);
		if (strcmp(p->db_name, db_name) == 0 && strcmp(p->user_name, user_name) == 0)
			return p;
	}
	return NULL;
}

/* Allocate an empty pool for (db_name, user_name) and list it. */
static struct pool *new_pool(struct corral *corral, const char *db_name, const char *user_name)
{
	struct pool *p = xcalloc(1, sizeof *p);
	p->corral = corral;
	p->db_name = xstrdup(db_name);
	p->user_name = xstrdup(user_name);
	list_init(&p->idle_servers);
	list_init(&p->active_servers);
	list_init(&p->opening_servers);
	list_init(&p->welcome_clients);
	list_init(&p->idle_clients);
	list_init(&p->waiting_clients);
	list_init(&p->lookups);
	list_init(&p->active_clients);
	session_params_init(&p->welcome);
	p->reserve_timer = evtimer_new(corral->base, pool_on_reserve_timer, p);
	p->client_timer = evtimer_new(corral->base, pool_on_client_timer, p);
	list_push_back(&corral->pools, &p->node);
	return p;
}

struct pool *pool_get(struct corral *corral, const char *db_name, const char *user_name,
		      const char **sqlstate, char *why, size_t why_size)
{
	const struct cfg *cfg = corral->cfg;
	const struct cfg_database *db = cfg_find_database(cfg, db_name);
	if (db == NULL && cfg->fallback == NULL) {
		*sqlstate = "3D000";
		snprintf(why, why_size, "no such database: %s", db_name);
		return NULL;
	}
	/* An entry with a forced user= has one pool for all its clients. */
	const struct cfg_database *entry = db ? db : cfg->fallback;
	if (entry->user)
		user_name = entry->user;
	if (admin_db_disabled(corral->admin, db_name)) {
		*sqlstate = "55000";
		snprintf(why, why_size, "database \"%s\" is disabled (DISABLE on the admin console)",
			 db_name);
		return NULL;
	}
	struct pool *p = find_pool(corral, db_name, user_name);
	if (p)
		return p;
	struct cfg_database fallback;
	if (db == NULL) {
		cfg_database_instantiate(cfg->fallback, db_name, &fallback);
		db = &fallback;
	}
	p = new_pool(corral, db_name, user_name);
	resolve_config(&p->cfg, cfg, db, user_name);
	set_autodb(p, db == &fallback);
	if (db == &fallback)
		cfg_database_fini(&fallback);
	p->paused = admin_db_paused(corral->admin, db_name);
	log_debug("pool %s/%s created: server %s@%s:%d/%s, %s mode, pool_size %d", db_name,
		  user_name, p->cfg.server_user, p->cfg.host, p->cfg.port, p->cfg.dbname,
		  cfg_pool_mode_name(p->cfg.mode), p->cfg.pool_size);
	pool_open_servers(p);  /* min_pool_size */
	return p;
}

struct pool *pool_new_console(struct corral *corral, const char *db_name)
{
	struct pool *p = new_pool(corral, db_name, db_name);
	p->console = true;
	p->cfg.mode = CFG_POOL_STATEMENT;
	return p;
}

void pool_close_needed(struct pool *p, const char *reason)
{
	struct list_node *lists[] = { &p->active_servers, &p->opening_servers };
	struct list_node *n, *tmp;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		list_for_each_safe(n, tmp, lists[i])
			list_entry(n, struct server, node)->close_needed = true;
	list_for_each_safe(n, tmp, &p->idle_servers)
		server_close(list_entry(n, struct server, node), reason);
}

/* Forget where the servers were: the next open looks the host up again. */
static void forget_address(struct pool *p)
{
	if (p->resolving)
		resolve_cancel(p->resolving);
	p->resolving = NULL;
	p->addr_state = POOL_ADDR_UNKNOWN;
}

void pool_reconfigure(struct pool *p)
{
	const struct cfg *cfg = p->corral->cfg;
	const struct cfg_database *db = cfg_find_database(cfg, p->db_name);
	struct cfg_database fallback;
	if (p->console || (db == NULL && cfg->fallback == NULL))
		return;  /* a removed database's clients keep its settings until they leave */
	if (db == NULL) {
		cfg_database_instantiate(cfg->fallback, p->db_name, &fallback);
		db = &fallback;
	}
	struct pool_config next;
	resolve_config(&next, cfg, db, p->user_name);
	if (db == &fallback)
		cfg_database_fini(&fallback);
	bool retarget = !same_target(&p->cfg, &next);
	pool_config_fini(&p->cfg);
	p->cfg = next;
	set_autodb(p, db == &fallback);
	if (retarget) {
		log_info("pool %s/%s: server target changed to %s@%s:%d/%s; servers close as they are "
			 "released", p->db_name, p->user_name, p->cfg.server_user, p->cfg.host,
			 p->cfg.port, p->cfg.dbname);
		forget_address(p);
		p->have_scram_keys = false;
		p->last_error_sqlstate[0] = '\0';
		pool_close_needed(p, "server target changed on reload");
	}
	pool_open_servers(p);  /* a bigger pool may serve waiting clients now */
	arm_client_timer(p);   /* the timeouts may have changed */
}

void pool_free(struct pool *p)
{
	if (p->resolving)
		resolve_cancel(p->resolving);
	event_free(p->reserve_timer);
	event_free(p->client_timer);
	if (p->autodb_timer)
		event_free(p->autodb_timer);
	list_remove(&p->node);
	session_params_fini(&p->welcome);
	pool_config_fini(&p->cfg);
	if (p->auth_query_password) {
		memset(p->auth_query_password, 0, strlen(p->auth_query_password));
		free(p->auth_query_password);
	}
	free(p->db_name);
	free(p->user_name);
	free(p);
}

/* ---- autodb_idle_timeout ---- */

/* Nothing refers to p: no client, no server that is not idle, no lookup,
 * no cancel request (SHOW POOLS counts them by pool), and no login since
 * the last look. */
static bool pool_unused(struct pool *p)
{
	int requests, requesters;
	cancel_count(p->corral, p, &requests, &requesters);
	return p->client_count == 0 && list_empty(&p->welcome_clients) && p->lookup_count == 0 &&
	       list_empty(&p->active_servers) && list_empty(&p->opening_servers) &&
	       requests == 0 && p->stats.client_connect_count == p->logins_seen;
}

/* How often an autodb pool looks whether it is unused: a quarter of the
 * timeout (so it goes within 1.25 times it), once a minute when off. */
static void arm_autodb_timer(struct pool *p)
{
	int64_t timeout = p->corral->cfg->settings.autodb_idle_timeout;
	int64_t period = timeout > 0 ? timeout / 4 : 60 * 1000000;
	corral_event_add_us(p->autodb_timer, (uint64_t)period);
}

/* Frees p once it was seen unused for autodb_idle_timeout; its idle
 * servers close first (paused, it opens no replacement). */
static void pool_on_autodb_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pool *p = arg;
	int64_t timeout = p->corral->cfg->settings.autodb_idle_timeout;
	uint64_t now = corral_now_us();
	if (!p->autodb || timeout <= 0 || !pool_unused(p)) {
		p->unused_since_us = 0;
	} else if (p->unused_since_us == 0) {
		p->unused_since_us = now;
	} else if (now - p->unused_since_us >= (uint64_t)timeout) {
		log_info("pool %s/%s: unused for %lld s (autodb_idle_timeout); freed", p->db_name,
			 p->user_name, (long long)(timeout / 1000000));
		p->paused = true;
		pool_close_needed(p, "pool unused for autodb_idle_timeout");
		pool_free(p);
		return;
	}
	p->logins_seen = p->stats.client_connect_count;
	arm_autodb_timer(p);
}

static void set_autodb(struct pool *p, bool autodb)
{
	p->autodb = autodb;
	if (autodb && p->autodb_timer == NULL) {
		p->autodb_timer = evtimer_new(p->corral->base, pool_on_autodb_timer, p);
		arm_autodb_timer(p);
	}
}

bool pool_failing(const struct pool *p)
{
	return p->last_error_sqlstate[0] != '\0' &&
	       corral_now_us() - p->last_error_at_us < (uint64_t)p->cfg.server_login_retry_us;
}

/* Pools sharing p's database (same_db) or p's user, p included. */
static bool sibling(const struct pool *p, const struct pool *q, bool same_db)
{
	return same_db ? strcmp(q->db_name, p->db_name) == 0 : strcmp(q->user_name, p->user_name) == 0;
}

/* Servers of p's database or user across pools, for max_db_connections and
 * max_user_connections. O(pools), on server open only. */
static int sibling_server_count(const struct pool *p, bool same_db)
{
	int n = 0;
	struct list_node *it, *tmp;
	list_for_each_safe(it, tmp, &p->corral->pools) {
		const struct pool *q = list_entry(it, struct pool, node);
		if (sibling(p, q, same_db))
			n += q->server_count;
	}
	return n;
}

/* Close the longest-idle server of a sibling pool (not p) to make room
 * under a database or user limit. Returns whether one was closed. */
static bool evict_sibling_idle(struct pool *p, bool same_db)
{
	struct server *victim = NULL;
	struct list_node *it, *tmp;
	list_for_each_safe(it, tmp, &p->corral->pools) {
		struct pool *q = list_entry(it, struct pool, node);
		if (q == p || !sibling(p, q, same_db) || list_empty(&q->idle_servers))
			continue;
		struct server *s = list_entry(q->idle_servers.prev, struct server, node);
		if (victim == NULL || s->last_used_us < victim->last_used_us)
			victim = s;
	}
	if (victim)
		server_close(victim, same_db ? "closed to make room under max_db_connections"
					     : "closed to make room under max_user_connections");
	return victim != NULL;
}

/* Room for one more server of p: the pool's own size (plus the reserve
 * when a client has waited reserve_pool_timeout), then the database's and
 * the user's limits, evicting a sibling's idle server if that makes room. */
static bool may_open_server(struct pool *p)
{
	const struct cfg_settings *s = &p->corral->cfg->settings;
	int size = p->cfg.pool_size;
	struct list_node *oldest = list_first(&p->waiting_clients);
	if (oldest && p->cfg.reserve_pool_size > 0 &&
	    corral_now_us() - list_entry(oldest, struct client, node)->wait_since_us >=
		    (uint64_t)s->reserve_pool_timeout)
		size += p->cfg.reserve_pool_size;
	if (p->server_count >= size)
		return false;
	int db_max = p->cfg.max_db_connections, user_max = p->cfg.max_user_connections;
	if (db_max > 0 && sibling_server_count(p, true) >= db_max && !evict_sibling_idle(p, true))
		return false;
	if (user_max > 0 && sibling_server_count(p, false) >= user_max && !evict_sibling_idle(p, false))
		return false;
	return true;
}

static void pool_on_reserve_timer(evutil_socket_t fd, short what, void *arg)
{
	pool_open_servers(arg);
}

/* A client waits in a full pool with a reserve: look again when the oldest
 * waiter reaches reserve_pool_timeout. */
static void arm_reserve_timer(struct pool *p)
{
	const struct cfg_settings *s = &p->corral->cfg->settings;
	struct list_node *oldest = list_first(&p->waiting_clients);
	if (oldest == NULL || p->cfg.reserve_pool_size <= 0 || event_pending(p->reserve_timer, EV_TIMEOUT, NULL))
		return;
	uint64_t waited = corral_now_us() - list_entry(oldest, struct client, node)->wait_since_us;
	uint64_t left = waited < (uint64_t)s->reserve_pool_timeout ? s->reserve_pool_timeout - waited : 0;
	corral_event_add_us(p->reserve_timer, left);
}

static void pool_on_resolved(void *arg, const struct resolve_result *res, const char *error)
{
	struct pool *p = arg;
	p->resolving = NULL;
	if (res == NULL) {
		p->addr_state = POOL_ADDR_UNKNOWN;
		log_error("pool %s/%s: %s", p->db_name, p->user_name, error);
		pool_server_failed(p, NULL, "08001", error);
		return;
	}
	p->addr = *res;
	p->addr_state = POOL_ADDR_READY;
	pool_open_servers(p);
}

/* Returns true when the address is known; otherwise starts finding it. */
static bool address_ready(struct pool *p)
{
	char why[256];
	if (p->addr_state == POOL_ADDR_READY)
		return true;
	if (p->addr_state == POOL_ADDR_RESOLVING)
		return false;
	switch (resolve_numeric(p->cfg.host, p->cfg.port, &p->addr, why, sizeof why)) {
	case RESOLVE_OK:
		p->addr_state = POOL_ADDR_READY;
		return true;
	case RESOLVE_NEED_DNS:
		p->addr_state = POOL_ADDR_RESOLVING;
		p->resolving = resolve_start(p->corral->base, p->corral->dns, p->cfg.host, p->cfg.port,
					     pool_on_resolved, p);
		return false;
	case RESOLVE_ERR:
		break;
	}
	log_error("pool %s/%s: %s", p->db_name, p->user_name, why);
	pool_server_failed(p, NULL, "08001", why);
	return false;
}

static void open_servers(struct pool *p);

void pool_open_servers(struct pool *p)
{
	/* Evicting a sibling's server comes back here: one loop at a time. */
	if (p->opening || p->paused || p->console || p->corral->shutting_down)
		return;
	p->opening = true;
	open_servers(p);
	p->opening = false;
}

static void open_servers(struct pool *p)
{
	int wanted = p->waiting_count + p->lookup_count +
		     (p->have_welcome ? 0 : !list_empty(&p->welcome_clients));
	if (p->server_count < p->cfg.min_pool_size && wanted < p->cfg.min_pool_size - p->server_count)
		wanted = p->cfg.min_pool_size - p->server_count;
	arm_reserve_timer(p);
	while (p->opening_count < wanted && may_open_server(p)) {
		if (pool_failing(p) || !address_ready(p))
			return;
		char why[256];
		if (server_open(p, why, sizeof why) == NULL) {
			log_error("pool %s/%s: cannot open a server connection: %s", p->db_name,
				  p->user_name, why);
			pool_server_failed(p, NULL, "08006", why);
			return;
		}
	}
}

/* The first idle server that may be used at once; idle ones that were
 * unused for server_check_delay go to server_check_query first. */
static struct server *take_idle(struct pool *p)
{
	struct list_node *n;
	while ((n = list_first(&p->idle_servers)) != NULL) {
		struct server *s = list_entry(n, struct server, node);
		if (!server_needs_check(s))
			return s;
		server_start_check(s);
	}
	return NULL;
}

struct server *pool_take_idle(struct pool *p)
{
	return p->paused ? NULL : take_idle(p);
}

/* ---- client timeouts ---- */

static void set_client_timer(struct pool *p, uint64_t due)
{
	uint64_t now = corral_now_us();
	uint64_t left = due > now ? due - now : 0;
	corral_event_add_us(p->client_timer, left);
	p->client_timer_due = due;
}

/* When the client at the head of list times out; 0: never (no client, or
 * no timeout). */
static uint64_t head_deadline(struct list_node *list, int64_t timeout_us)
{
	struct list_node *n = list_first(list);
	if (n == NULL || timeout_us <= 0)
		return 0;
	return list_entry(n, struct client, node)->wait_since_us + (uint64_t)timeout_us;
}

/* Arm the client timer for the earliest deadline at the heads of the idle
 * and waiting lists, or stop it. */
static void arm_client_timer(struct pool *p)
{
	uint64_t idle = head_deadline(&p->idle_clients, p->cfg.client_idle_timeout_us);
	uint64_t wait = head_deadline(&p->waiting_clients, p->cfg.query_wait_timeout_us);
	uint64_t due = idle == 0 || (wait != 0 && wait < idle) ? wait : idle;
	event_del(p->client_timer);
	p->client_timer_due = 0;
	if (due != 0)
		set_client_timer(p, due);
}

void pool_client_deadline(struct pool *p, uint64_t since_us, int64_t timeout_us)
{
	if (timeout_us <= 0)
		return;
	uint64_t due = since_us + (uint64_t)timeout_us;
	if (p->client_timer_due == 0 || due < p->client_timer_due)
		set_client_timer(p, due);
}

/* Close the clients at the head of list (so the longest there) that have
 * been there timeout_us or longer. */
static void expire_clients(struct list_node *list, int64_t timeout_us, uint64_t now,
			   const char *what)
{
	struct list_node *n;
	while (timeout_us > 0 && (n = list_first(list)) != NULL) {
		struct client *c = list_entry(n, struct client, node);
		if (now - c->wait_since_us < (uint64_t)timeout_us)
			return;
		client_fatal(c, "08P01", "%s", what);
	}
}

/* A deadline is due (or the timer fired early: the loop's clock is
 * coarse): close who timed out and wait for the next head. */
static void pool_on_client_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pool *p = arg;
	uint64_t now = corral_now_us();
	p->client_timer_due = 0;
	expire_clients(&p->idle_clients, p->cfg.client_idle_timeout_us, now, "client_idle_timeout");
	expire_clients(&p->waiting_clients, p->cfg.query_wait_timeout_us, now, "query_wait_timeout");
	arm_client_timer(p);
}

struct server *pool_acquire(struct pool *p, struct client *c)
{
	struct server *s = p->paused ? NULL : take_idle(p);
	if (s) {
		server_link(s, c);
		return s;
	}
	client_set_state(c, CLIENT_ST_WAITING);
	pool_open_servers(p);
	return NULL;
}

/* Why a released server must close instead of serving again at now_us,
 * or NULL. */
static const char *close_reason(const struct pool *p, const struct server *s, uint64_t now_us)
{
	if (p->corral->shutting_down)
		return "corral is shutting down";
	if (s->close_needed)
		return "close_needed (server target changed, or RECONNECT)";
	if (p->paused)
		return "database paused";
	return server_expired(s, now_us) ? "server_lifetime reached" : NULL;
}

void pool_release(struct pool *p, struct server *s)
{
	uint64_t now = corral_now_us();
	const char *reason = close_reason(p, s, now);
	if (reason) {
		server_close(s, reason);
		return;
	}
	s->last_used_us = now;
	if (p->lookup_count > 0) {  /* a login waits on it: first */
		auth_query_take_server(p, s);
		return;
	}
	struct list_node *n = list_first(&p->waiting_clients);
	if (n == NULL) {
		server_set_state(s, SERVER_ST_IDLE);
		return;
	}
	struct client *c = list_entry(n, struct client, node);
	server_link(s, c);
	client_server_ready(c);
}

void pool_server_ready(struct pool *p, struct server *s)
{
	p->last_error_sqlstate[0] = '\0';
	if (!p->have_welcome) {
		session_params_copy(&p->welcome, &s->params);
		p->have_welcome = true;
		struct list_node *n, *tmp;
		list_for_each_safe(n, tmp, &p->welcome_clients)
			client_welcome(list_entry(n, struct client, node));
	}
	pool_release(p, s);
}

/* Close every client on list with the pool's last error. */
static void fail_clients(struct pool *p, struct list_node *list)
{
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, list)
		client_fatal(list_entry(n, struct client, node), p->last_error_sqlstate, "%s",
			     p->last_error);
}

void pool_server_failed(struct pool *p, const struct server *failed, const char *sqlstate,
			const char *message)
{
	snprintf(p->last_error_sqlstate, sizeof p->last_error_sqlstate, "%s", sqlstate);
	snprintf(p->last_error, sizeof p->last_error, "%s", message);
	p->last_error_at_us = corral_now_us();
	/* Clients beyond the servers still opening would wait for nothing. */
	bool failed_opening = failed && server_is_opening(failed);
	if (p->opening_count - failed_opening == 0) {
		fail_clients(p, &p->welcome_clients);
		fail_clients(p, &p->waiting_clients);
		auth_query_fail_waiting(p, message);
	}
}

void pool_server_gone(struct pool *p)
{
	/* A slot under a database or user limit may have opened for a sibling. */
	struct list_node *it, *tmp;
	list_for_each_safe(it, tmp, &p->corral->pools) {
		struct pool *q = list_entry(it, struct pool, node);
		if (q == p || ((sibling(p, q, true) || sibling(p, q, false)) && q->waiting_count > 0))
			pool_open_servers(q);
	}
}
