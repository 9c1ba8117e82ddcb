/* admin: console sessions and the console's state (see admin.h): who may
 * log in and run what, reading each Query and dispatching the parsed
 * command, answering commands that wait (PAUSE, WAIT_CLOSE) once their
 * condition holds, and the paused and disabled database sets. What each
 * command does lives in admin_show.c, admin_sockets.c, admin_stats.c and
 * admin_cmd.c. */
#include "pooler/admin_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "util/xalloc.h"

/* How often waiting commands look again: short against a transaction,
 * and only while one waits. */
#define ADMIN_WAIT_POLL_US 10000

/* ---- name sets ---- */

bool admin_names_has(const struct admin_names *s, const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->names[i], name) == 0)
			return true;
	return false;
}

void admin_names_add(struct admin_names *s, const char *name)
{
	if (admin_names_has(s, name))
		return;
	s->names = xrealloc(s->names, (s->count + 1) * sizeof *s->names);
	s->names[s->count++] = xstrdup(name);
}

bool admin_names_remove(struct admin_names *s, const char *name)
{
	for (size_t i = 0; i < s->count; i++) {
		if (strcmp(s->names[i], name) == 0) {
			free(s->names[i]);
			s->names[i] = s->names[--s->count];
			return true;
		}
	}
	return false;
}

static void names_fini(struct admin_names *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->names[i]);
	free(s->names);
	s->names = NULL;
	s->count = 0;
}

bool admin_db_paused(const struct admin *a, const char *db)
{
	return a->pause_all || admin_names_has(&a->paused, db);
}

bool admin_db_disabled(const struct admin *a, const char *db)
{
	return admin_names_has(&a->disabled, db);
}

uint64_t admin_wall_us(const struct corral *c, uint64_t mono_us)
{
	uint64_t now = corral_now_us();
	return corral_wall_us() - (now > mono_us ? now - mono_us : 0);
}

/* ---- lifecycle ---- */

static void admin_on_wait_timer(evutil_socket_t fd, short what, void *arg);

struct admin *admin_new(struct corral *c)
{
	struct admin *a = xcalloc(1, sizeof *a);
	a->corral = c;
	list_init(&a->waiters);
	a->wait_timer = evtimer_new(c->base, admin_on_wait_timer, a);
	admin_stats_start(a);
	return a;
}

void admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	struct list_node *n;
	while ((n = list_first(&a->waiters)) != NULL) {
		list_remove(n);
		free(list_entry(n, struct admin_waiter, node));
	}
	event_free(a->wait_timer);
	event_free(a->stats_timer);
	names_fini(&a->paused);
	names_fini(&a->disabled);
	free(a);
}

/* ---- login ---- */

bool admin_is_console_db(const char *db)
{
	return strcmp(db, "corral") == 0 || strcmp(db, "pgbouncer") == 0;
}

/* Whether user is in the comma-separated list (blanks around names ignored). */
static bool in_list(const char *list, const char *user)
{
	size_t len = strlen(user);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t trimmed = n;
		while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
			trimmed--;
		if (trimmed == len && trimmed > 0 && strncmp(p, user, len) == 0)
			return true;
		p += n;
	}
	return false;
}

enum role { ROLE_NONE, ROLE_STATS, ROLE_ADMIN };

/* As PgBouncer: admin_users run everything, stats_users SHOW; with
 * auth_type any the user name proves nothing, so everyone else is a stats
 * user. Read at each command, so a reload changes it at once. */
static enum role role_of(const struct cfg_settings *s, const char *user)
{
	if (in_list(s->admin_users, user))
		return ROLE_ADMIN;
	if (in_list(s->stats_users, user) || s->auth_type == CFG_AUTH_ANY)
		return ROLE_STATS;
	return ROLE_NONE;
}

/* What a console session is welcomed with: enough for psql and drivers. */
static void fill_welcome(struct corral *c, struct pool *p)
{
	static const char *const params[][2] = {
		{ "server_version", PACKAGE_VERSION "/corral" },
		{ "server_encoding", "UTF8" },
		{ "client_encoding", "UTF8" },
		{ "DateStyle", "ISO" },
		{ "IntervalStyle", "postgres" },
		{ "TimeZone", "UTC" },
		{ "integer_datetimes", "on" },
		{ "standard_conforming_strings", "on" },
		{ "is_superuser", "on" },
	};
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
		session_params_record(&c->tracked, &p->welcome, params[i][0], params[i][1]);
	p->have_welcome = true;
}

struct pool *admin_console_pool(struct corral *c, const char *user, const char *db,
				const char **sqlstate, char *why, size_t why_size)
{
	if (role_of(&c->cfg->settings, user) == ROLE_NONE) {
		*sqlstate = "42501";
		snprintf(why, why_size, "not allowed");
		return NULL;
	}
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &c->pools) {
		struct pool *p = list_entry(n, struct pool, node);
		if (p->console && strcmp(p->db_name, db) == 0)
			return p;
	}
	struct pool *p = pool_new_console(c, db);
	fill_welcome(c, p);
	return p;
}

/* ---- waiting commands ---- */

static struct admin_waiter *find_waiter(const struct admin *a, uint64_t client_id)
{
	const struct list_node *n;
	for (n = a->waiters.next; n != &a->waiters; n = n->next) {
		struct admin_waiter *w = list_entry(n, struct admin_waiter, node);
		if (w->client_id == client_id)
			return w;
	}
	return NULL;
}

/* The console session with this id, or NULL when it has left. */
static struct client *find_session(const struct corral *c, uint64_t id)
{
	const struct list_node *n, *m;
	for (n = c->pools.next; n != &c->pools; n = n->next) {
		const struct pool *p = list_entry(n, struct pool, node);
		if (!p->console)
			continue;
		for (m = p->idle_clients.next; m != &p->idle_clients; m = m->next) {
			struct client *cl = list_entry(m, struct client, node);
			if (cl->id == id)
				return cl;
		}
	}
	return NULL;
}

static void arm_wait_timer(struct admin *a)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = ADMIN_WAIT_POLL_US };
	if (!list_empty(&a->waiters))
		event_add(a->wait_timer, &tv);
}

void admin_wait_for(const struct admin_request *req, enum admin_wait what, const char *db)
{
	struct admin_waiter *w = xcalloc(1, sizeof *w);
	w->client_id = req->client->id;
	w->what = what;
	w->verb = req->cmd->verb;
	snprintf(w->db, sizeof w->db, "%s", db);
	list_push_back(&req->admin->waiters, &w->node);
	arm_wait_timer(req->admin);
}

/* Answers every waiter whose condition holds; drops those whose session left. */
static void admin_on_wait_timer(evutil_socket_t fd, short what, void *arg)
{
	struct admin *a = arg;
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &a->waiters) {
		struct admin_waiter *w = list_entry(n, struct admin_waiter, node);
		struct client *c = find_session(a->corral, w->client_id);
		if (c != NULL && !admin_wait_done(a, w->what, w->db))
			continue;
		list_remove(&w->node);
		if (c != NULL) {
			struct pg_buf *out = stream_out(&c->stream);
			pg_backend_put_command_complete(out, admin_verb_name(w->verb));
			pg_backend_put_ready_for_query(out, PG_TX_IDLE);
			stream_send_out(&c->stream);
			stream_resume(&c->stream);  /* what it sent meanwhile */
		}
		free(w);
	}
	arm_wait_timer(a);
}

/* ---- one command ---- */

static void run(struct client *c, const struct admin_command *cmd, struct pg_buf *out,
		bool *waiting)
{
	struct admin_request req = {
		.admin = c->corral->admin,
		.corral = c->corral,
		.client = c,
		.cmd = cmd,
		.is_admin = role_of(&c->corral->cfg->settings, c->user) == ROLE_ADMIN,
		.out = out,
	};
	*waiting = false;
	if (cmd->verb == ADMIN_SHOW) {
		admin_show(&req);
		return;
	}
	if (!req.is_admin) {
		admin_error(out, "42501", "admin access needed");
		return;
	}
	char addr[CLIENT_ADDR_SIZE];
	log_info("admin console: %s@%s: %s%s%s", c->user, client_addr(c, addr),
		 admin_verb_name(cmd->verb), cmd->arg[0] ? " " : "", cmd->arg);
	*waiting = admin_command(&req) == ADMIN_WAITING;
}

/* The extended query protocol, answered as PostgreSQL answers a Parse it
 * refuses: an ERROR, the rest of the batch dropped, ReadyForQuery at Sync.
 * Anything else but a Query is a protocol violation. */
static enum stream_verdict not_a_query(struct client *c, const struct pg_frame *msg)
{
	struct pg_buf *out = stream_out(&c->stream);
	switch (msg->type) {
	case PG_FE_PARSE:
	case PG_FE_FUNCTION_CALL:
		admin_error(out, "0A000", "extended query protocol not supported by admin console");
		if (msg->type == PG_FE_FUNCTION_CALL)
			pg_backend_put_ready_for_query(out, PG_TX_IDLE);
		stream_send_out(&c->stream);
		return STREAM_DISCARD;
	case PG_FE_SYNC:
		pg_backend_put_ready_for_query(out, PG_TX_IDLE);
		stream_send_out(&c->stream);
		return STREAM_DISCARD;
	case PG_FE_BIND:
	case PG_FE_DESCRIBE:
	case PG_FE_EXECUTE:
	case PG_FE_CLOSE:
	case PG_FE_FLUSH:
		return STREAM_DISCARD;
	default:
		client_fatal(c, "08P01", "unexpected message type '%c' on the admin console",
			     msg->type);
		return STREAM_STOP;
	}
}

enum stream_verdict admin_on_message(struct client *c, const struct pg_frame *msg)
{
	if (find_waiter(c->corral->admin, c->id) != NULL)
		return STREAM_PAUSE;  /* handled once the waiting command is answered */
	if (msg->type != PG_FE_QUERY)
		return not_a_query(c, msg);
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	struct pg_reader r;
	const char *query;
	if (pg_frontend_read_query(msg, &r, &query) != PG_OK) {
		client_fatal(c, "08P01", "malformed Query message: %s", r.err_reason);
		return STREAM_STOP;
	}
	struct pg_buf *out = stream_out(&c->stream);
	struct admin_command cmd;
	char why[256];
	bool waiting = false;
	switch (admin_parse(query, &cmd, why, sizeof why)) {
	case ADMIN_PARSE_OK:
		run(c, &cmd, out, &waiting);
		break;
	case ADMIN_PARSE_EMPTY:
		pg_backend_put_empty_query(out);
		break;
	case ADMIN_PARSE_SYNTAX:
		admin_error(out, "42601", "%s", why);
		break;
	case ADMIN_PARSE_BAD_ARG:
		admin_error(out, "22023", "%s", why);
		break;
	}
	if (c->state == CLIENT_ST_CLOSED)
		return STREAM_STOP;  /* KILL_CLIENT of itself */
	if (!waiting)
		pg_backend_put_ready_for_query(out, PG_TX_IDLE);
	stream_send_out(&c->stream);
	return STREAM_CONSUMED;
}
