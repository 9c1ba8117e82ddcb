/* server: a connection to PostgreSQL and its state machine (see server.h).
 * The message handler is a switch on state; each arm calls a handler. */
#include "pooler/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/auth_query.h"
#include "pooler/cancel.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/server_login.h"
#include "pooler/sockaddr.h"
#include "pooler/sockopt.h"
#include "pooler/tls.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_startup.h"
#include "util/xalloc.h"

#define SERVER_STATE_NAME(name, text) [name] = text,
static const char *const state_names[] = { SERVER_STATES(SERVER_STATE_NAME) };
#undef SERVER_STATE_NAME

const char *server_state_name(enum server_state st)
{
	return state_names[st];
}

/* allowed[from] has bit `to` set when the move is legal. */
#define BIT(st) (1u << (st))
static const unsigned allowed[] = {
	[SERVER_ST_CONNECTING] = BIT(SERVER_ST_TLS) | BIT(SERVER_ST_LOGIN) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_TLS] = BIT(SERVER_ST_LOGIN) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_LOGIN] = BIT(SERVER_ST_IDLE) | BIT(SERVER_ST_ACTIVE) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_IDLE] = BIT(SERVER_ST_ACTIVE) | BIT(SERVER_ST_TESTING) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_TESTING] = BIT(SERVER_ST_IDLE) | BIT(SERVER_ST_ACTIVE) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_ACTIVE] = BIT(SERVER_ST_IDLE) | BIT(SERVER_ST_ACTIVE) | BIT(SERVER_ST_RESET) |
			     BIT(SERVER_ST_BEING_CANCELED) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_RESET] = BIT(SERVER_ST_IDLE) | BIT(SERVER_ST_ACTIVE) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_BEING_CANCELED] = BIT(SERVER_ST_IDLE) | BIT(SERVER_ST_ACTIVE) |
				     BIT(SERVER_ST_RESET) | BIT(SERVER_ST_CLOSED),
	[SERVER_ST_CLOSED] = 0,
};

/* This server's lifetime: server_lifetime less up to 10 %, spread by id so
 * servers opened together do not all close together. 0 = forever. */
static uint64_t lifetime_us(const struct server *s)
{
	uint64_t life = (uint64_t)s->pool->cfg.server_lifetime_us;
	return life - life / 1000 * ((s->id * 2654435761u) % 100);
}

bool server_expired(const struct server *s, uint64_t now_us)
{
	uint64_t life = lifetime_us(s);
	return life > 0 && now_us - s->created_us >= life;
}

static uint64_t time_to(uint64_t deadline, uint64_t now)
{
	return deadline > now ? deadline - now : 0;
}

/* Microseconds until an idle s must close: server_idle_timeout after its
 * last use or the end of its lifetime, whichever comes first. 0: due now;
 * UINT64_MAX: neither applies. */
static uint64_t idle_left_us(const struct server *s)
{
	uint64_t idle = (uint64_t)s->pool->cfg.server_idle_timeout_us;
	uint64_t life = lifetime_us(s);
	if (idle == 0 && life == 0)
		return UINT64_MAX;
	uint64_t now = corral_now_us(), left = UINT64_MAX;
	if (idle > 0)
		left = time_to(s->last_used_us + idle, now);
	if (life > 0 && time_to(s->created_us + life, now) < left)
		left = time_to(s->created_us + life, now);
	return left;
}

/* While idle: close at server_idle_timeout or at the end of the lifetime.
 * The timer is left running when the server is taken (no timer call per
 * transaction); one still pending from an earlier idle spell fires no
 * later than this one's deadline, and server_on_timer looks again then. */
static void arm_idle_timer(struct server *s)
{
	if (s->idle_timer_armed)
		return;
	uint64_t wait = idle_left_us(s);
	if (wait == UINT64_MAX)
		return;
	corral_event_add_us(s->timer, wait);
	s->idle_timer_armed = true;
}

static bool is_opening(enum server_state st)
{
	return st == SERVER_ST_CONNECTING || st == SERVER_ST_TLS || st == SERVER_ST_LOGIN;
}

bool server_is_opening(const struct server *s)
{
	return is_opening(s->state);
}

void server_set_state(struct server *s, enum server_state next)
{
	struct pool *p = s->pool;
	if (!(allowed[s->state] & BIT(next))) {
		log_error("S-%llu: bug: server state %s -> %s is not allowed", (unsigned long long)s->id,
			  state_names[s->state], state_names[next]);
		abort();
	}
	log_noise("S-%llu %s/%s: %s -> %s", (unsigned long long)s->id, p->db_name, p->user_name,
		  state_names[s->state], state_names[next]);
	if (is_opening(s->state) && !is_opening(next))
		p->opening_count--;
	list_remove(&s->node);
	s->state = next;
	switch (next) {
	case SERVER_ST_CONNECTING:
	case SERVER_ST_TLS:
	case SERVER_ST_LOGIN:
		list_push_back(&p->opening_servers, &s->node);
		break;
	case SERVER_ST_IDLE:
		if (p->corral->cfg->settings.server_round_robin)
			list_push_back(&p->idle_servers, &s->node);
		else
			list_push_front(&p->idle_servers, &s->node);
		arm_idle_timer(s);
		break;
	case SERVER_ST_ACTIVE:
	case SERVER_ST_RESET:
	case SERVER_ST_TESTING:
	case SERVER_ST_BEING_CANCELED:
		list_push_back(&p->active_servers, &s->node);
		break;
	case SERVER_ST_CLOSED:
		p->server_count--;
		list_push_back(&p->corral->dead_servers, &s->node);
		corral_schedule_reap(p->corral);
		break;
	}
}

static void log_server(const struct server *s, enum log_level level, const char *what)
{
	log_msg(level, "S-%llu %s/%s@%s:%d: %s", (unsigned long long)s->id, s->pool->db_name,
		s->pool->cfg.server_user, s->pool->cfg.host, s->pool->cfg.port, what);
}

/* ---- closing ---- */

void server_close(struct server *s, const char *reason)
{
	if (s->state == SERVER_ST_CLOSED)
		return;
	struct client *c = s->client;
	if (c) {
		s->client = NULL;
		c->server = NULL;
		ps_queue_unlink(&s->ps.queue);
		stream_unlink(&s->stream);
	}
	log_server(s, s->state == SERVER_ST_IDLE ? LOG_LVL_INFO : LOG_LVL_WARNING, reason);
	if (s->lookup)
		auth_query_server_lost(s, reason);
	if (s->cancels > 0)
		cancel_forget_server(s);
	if (s->timer)
		event_del(s->timer);
	s->idle_timer_armed = false;
	stream_close(&s->stream);
	server_set_state(s, SERVER_ST_CLOSED);
	if (c)
		client_fatal(c, "08006", "server conn crashed? (%s)", reason);
	pool_server_gone(s->pool);
}

void server_free(struct server *s)
{
	list_remove(&s->node);
	if (s->timer)
		event_free(s->timer);
	if (s->login) {
		server_login_fini(s->login);
		free(s->login);
	}
	session_params_fini(&s->params);
	prepared_server_fini(&s->ps);
	free(s);
}

/* ---- stream callbacks ---- */

static enum stream_verdict on_login_message(struct server *s, const struct pg_frame *msg);
static enum stream_verdict on_idle_message(struct server *s, const struct pg_frame *msg);
static enum stream_verdict on_linked_message(struct server *s, const struct pg_frame *msg);

static enum stream_verdict server_on_message(void *owner, struct stream *st, const struct pg_frame *msg)
{
	struct server *s = owner;
	switch (s->state) {
	case SERVER_ST_LOGIN:
		return on_login_message(s, msg);
	case SERVER_ST_IDLE:
	case SERVER_ST_BEING_CANCELED:  /* clean and unlinked, as idle */
		return on_idle_message(s, msg);
	case SERVER_ST_ACTIVE:
	case SERVER_ST_RESET:
	case SERVER_ST_TESTING:
		return on_linked_message(s, msg);
	case SERVER_ST_CONNECTING:
	case SERVER_ST_TLS:          /* the stream handles no message meanwhile */
	case SERVER_ST_CLOSED:
		break;
	}
	server_close(s, "message from a server that should be silent");
	return STREAM_STOP;
}

static void server_on_error(void *owner, struct stream *st, int err, const char *reason)
{
	struct server *s = owner;
	char why[256];
	if (err == 0)
		snprintf(why, sizeof why, "server closed the connection");
	else if (err > 0)
		snprintf(why, sizeof why, "server connection failed: %s", strerror(err));
	else if (s->state == SERVER_ST_TLS)
		snprintf(why, sizeof why, "server %s", reason);  /* "TLS handshake failed: ..." */
	else
		snprintf(why, sizeof why, "protocol violation from server: %s", reason);
	if (s->state == SERVER_ST_TLS || s->state == SERVER_ST_LOGIN)
		pool_server_failed(s->pool, s, "08006", why);
	server_close(s, why);
}

static void release(struct server *s);
static void server_on_tls_answer(void *owner, struct stream *st, uint8_t answer);
static void server_on_tls_ready(void *owner, struct stream *st);

static void server_on_flushed(void *owner, struct stream *st)
{
	release(owner);
}

static const struct stream_ops server_stream_ops = {
	.on_message = server_on_message,
	.on_error = server_on_error,
	.on_flushed = server_on_flushed,
	.on_tls_answer = server_on_tls_answer,
	.on_tls_ready = server_on_tls_ready,
};

/* ---- connecting and logging in ---- */

static void fill_login_params(const struct pool_config *pc, struct pg_startup_param *params,
			      size_t *n)
{
	const struct { const char *name, *value; } candidates[] = {
		{ "client_encoding", pc->client_encoding },
		{ "DateStyle", pc->datestyle },
		{ "TimeZone", pc->timezone },
		{ "application_name", pc->application_name },
	};
	*n = 0;
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		if (candidates[i].value == NULL)
			continue;
		params[*n].name = candidates[i].name;
		params[*n].value = candidates[i].value;
		(*n)++;
	}
}

static void server_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	s->idle_timer_armed = false;
	if (s->state == SERVER_ST_TLS || s->state == SERVER_ST_LOGIN) {
		const char *why = "server login did not finish within server_connect_timeout";
		pool_server_failed(s->pool, s, "08006", why);
		server_close(s, why);
	} else if (s->state == SERVER_ST_IDLE) {
		/* Armed in an earlier idle spell, or early by the loop's coarse
		 * clock: not due yet. */
		if (idle_left_us(s) > 0) {
			arm_idle_timer(s);
			return;
		}
		server_close(s, server_expired(s, corral_now_us()) ? "server_lifetime reached"
								     : "server_idle_timeout reached");
	}
}

/* Connect and login share one deadline, as in PgBouncer: what is left of
 * server_connect_timeout after the connect. */
static void arm_login_timer(struct server *s)
{
	int64_t us = s->pool->cfg.server_connect_timeout_us;
	if (us > 0) {
		int64_t spent = (int64_t)(corral_now_us() - s->created_us);
		us = spent < us ? us - spent : 1;
	}
	if (us > 0)
		corral_event_add_us(s->timer, (uint64_t)us);
}

static void start_login(struct server *s)
{
	struct pool *p = s->pool;
	struct pg_startup_param params[4];
	struct server_login_config lc = {
		.user = p->cfg.server_user,
		.database = p->cfg.dbname,
		.password = p->cfg.password ? p->cfg.password : p->auth_query_password,
		.scram_verifier = p->have_scram_keys ? &p->scram_verifier : NULL,
		.scram_client_key = p->have_scram_keys ? p->scram_client_key : NULL,
		.params = params,
		.tracked = &p->corral->tracked,
	};
	fill_login_params(&p->cfg, params, &lc.param_count);
	s->login = xcalloc(1, sizeof *s->login);
	server_login_start(s->login, &lc, stream_out(&s->stream));
	server_set_state(s, SERVER_ST_LOGIN);
	stream_send_out(&s->stream);
	stream_start_reading(&s->stream);
}

/* The server could not be opened: its pool remembers why, then it closes. */
static void opening_failed(struct server *s, const char *why)
{
	pool_server_failed(s->pool, s, "08006", why);
	server_close(s, why);
}

/* Connected: ask for TLS when server_tls_sslmode is not disable (allow is
 * taken as prefer), else log in. A unix socket never carries TLS. */
static void start_tls_or_login(struct server *s)
{
	const char *host = s->pool->cfg.host;
	if (s->pool->corral->tls.server == NULL || host[0] == '/' || host[0] == '@') {
		start_login(s);
		return;
	}
	pg_startup_build_ssl_request(stream_out(&s->stream));
	server_set_state(s, SERVER_ST_TLS);
	stream_send_out(&s->stream);
	stream_expect_tls_answer(&s->stream);
}

/* 'S': handshake; 'N': plain only when server_tls_sslmode allows it. */
static void server_on_tls_answer(void *owner, struct stream *st, uint8_t answer)
{
	struct server *s = owner;
	const struct tls_contexts *tls = &s->pool->corral->tls;
	char why[320];
	if (answer == 'S' && tls->server == NULL) {
		/* A reload turned server TLS off meanwhile: not this server's
		 * fault, so no pool error; clients still waiting get another. */
		server_close(s, "server_tls_sslmode became disable during the TLS negotiation");
		return;
	}
	if (answer == 'S') {
		SSL *ssl = tls_new_connect(tls, st->fd, s->pool->cfg.host, why, sizeof why);
		if (ssl == NULL)
			opening_failed(s, why);
		else if (stream_start_tls(st, ssl) != 0)
			opening_failed(s, "could not start TLS: the SSLRequest is still unsent");
		return;
	}
	if (answer == 'N' && tls->server_mode <= CFG_SSLMODE_PREFER) {
		start_login(s);
		return;
	}
	if (answer == 'N')
		snprintf(why, sizeof why, "server refused TLS, which server_tls_sslmode requires");
	else
		snprintf(why, sizeof why, "bad answer to SSLRequest from server: 0x%02x", answer);
	opening_failed(s, why);
}

static void server_on_tls_ready(void *owner, struct stream *st)
{
	struct server *s = owner;
	char desc[128];
	tls_describe(st->ssl, desc, sizeof desc);
	log_debug("S-%llu %s/%s: TLS handshake done: %s", (unsigned long long)s->id,
		  s->pool->db_name, s->pool->user_name, desc);
	start_login(s);
}

static void server_on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	char why[256];
	if (what & EV_TIMEOUT) {
		snprintf(why, sizeof why, "could not connect within server_connect_timeout");
	} else if (sockopt_connect_finish(fd, why, sizeof why) == 0) {
		/* The connect event becomes the server's timer from now on. */
		event_assign(s->timer, s->pool->corral->base, -1, 0, server_on_timer, s);
		arm_login_timer(s);
		start_tls_or_login(s);
		return;
	}
	opening_failed(s, why);
}

struct server *server_open(struct pool *p, char *why, size_t why_size)
{
	struct corral *corral = p->corral;
	const struct resolve_addr *a = &p->addr.addr[0];
	struct sockopt_tcp tcp;
	int fd;
	sockopt_tcp_from_settings(&tcp, &corral->cfg->settings);
	if (sockopt_connect_nonblocking((const struct sockaddr *)&a->ss, a->len, &tcp, &fd, why,
					why_size) != 0)
		return NULL;
	struct server *s = xcalloc(1, sizeof *s);
	if (stream_init(&s->stream, &corral->env, fd, &server_stream_ops, s) != 0) {
		snprintf(why, why_size, "cannot create events (libevent)");
		close(fd);
		free(s);
		return NULL;
	}
	s->stream.keep_in = true;   /* few, and busy: no buffer traffic per reply */
	s->id = ++corral->next_id;
	s->pool = p;
	prepared_server_init(&s->ps, corral->prepared,
			     p->cfg.mode == CFG_POOL_SESSION
				     ? 0 : (size_t)corral->cfg->settings.max_prepared_statements);
	s->tx_status = 'I';
	s->created_us = s->last_used_us = corral_now_us();
	session_params_init(&s->params);
	list_init(&s->node);
	s->state = SERVER_ST_CONNECTING;
	list_push_back(&p->opening_servers, &s->node);
	p->server_count++;
	p->opening_count++;
	s->timer = event_new(corral->base, fd, EV_WRITE, server_on_connected, s);
	if (p->cfg.server_connect_timeout_us > 0)
		corral_event_add_us(s->timer, (uint64_t)p->cfg.server_connect_timeout_us);
	else
		event_add(s->timer, NULL);
	log_debug("S-%llu %s/%s: connecting to %s:%d", (unsigned long long)s->id, p->db_name,
		  p->user_name, p->cfg.host, p->cfg.port);
	return s;
}

static void login_done(struct server *s)
{
	struct pool *p = s->pool;
	/* Keep the newest keys: a fallback to the password replaced stale ones. */
	if (server_login_scram_keys(s->login, &p->scram_verifier, p->scram_client_key))
		p->have_scram_keys = true;
	server_login_fini(s->login);
	free(s->login);
	s->login = NULL;
	if (s->timer)
		event_del(s->timer);
	if (p->cfg.connect_query) {
		pg_frontend_put_query(stream_out(&s->stream), p->cfg.connect_query);
		stream_send_out(&s->stream);
		s->swallow = 1;
		return;
	}
	log_server(s, LOG_LVL_DEBUG, "logged in");
	pool_server_ready(p, s);
}

static enum stream_verdict on_login_message(struct server *s, const struct pg_frame *msg)
{
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	if (s->login == NULL)   /* running connect_query */
		return on_linked_message(s, msg);
	struct server_login_error err;
	switch (server_login_step(s->login, msg, stream_out(&s->stream), &s->params, &s->backend_pid,
				  &s->backend_key, &err)) {
	case SERVER_LOGIN_CONTINUE:
		stream_send_out(&s->stream);
		return STREAM_CONSUMED;
	case SERVER_LOGIN_DONE:
		login_done(s);
		return s->state == SERVER_ST_CLOSED ? STREAM_STOP : STREAM_CONSUMED;
	case SERVER_LOGIN_FAIL:
		break;
	}
	if (err.kind == SERVER_LOGIN_ERR_AUTH)
		s->pool->have_scram_keys = false;  /* maybe stale: derive afresh next time */
	char why[320];
	snprintf(why, sizeof why, "server login failed: %s", err.message);
	pool_server_failed(s->pool, s, err.sqlstate, why);
	server_close(s, why);
	return STREAM_STOP;
}

/* ---- idle in the pool ---- */

static enum stream_verdict on_idle_message(struct server *s, const struct pg_frame *msg)
{
	if (msg->type == PG_BE_NOTICE || msg->type == PG_BE_NOTIFICATION)
		return STREAM_DISCARD;
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	if (msg->type == PG_BE_PARAMETER_STATUS) {
		struct pg_reader r;
		const char *name, *value;
		if (pg_backend_read_parameter_status(msg, &r, &name, &value) == PG_OK) {
			session_params_record(&s->pool->corral->tracked, &s->params, name, value);
			return STREAM_CONSUMED;
		}
	}
	char why[320] = "unexpected message from an idle server";
	struct pg_reader r;
	struct pg_backend_diag diag;
	if (msg->type == PG_BE_ERROR && pg_backend_read_error(msg, &r, &diag) == PG_OK)
		snprintf(why, sizeof why, "idle server sent %s %s: %s", diag.severity ? diag.severity : "",
			 diag.sqlstate ? diag.sqlstate : "", diag.message ? diag.message : "");
	server_close(s, why);
	return STREAM_STOP;
}

/* ---- linked to a client (and corral's own queries) ---- */

/* A reply to a query corral sent itself (parameter sync, reset,
 * connect_query): never reaches a client. */
static enum stream_verdict swallow_message(struct server *s, const struct pg_frame *msg)
{
	struct corral *corral = s->pool->corral;
	if (msg->type != PG_BE_READY_FOR_QUERY && msg->type != PG_BE_PARAMETER_STATUS &&
	    msg->type != PG_BE_ERROR && msg->type != PG_BE_COMMAND_COMPLETE)
		return STREAM_DISCARD;
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	if (msg->type == PG_BE_COMMAND_COMPLETE) {
		/* A reset or check query may drop every prepared statement (DISCARD
		 * ALL): corral's record follows what the server says it did. */
		ps_queue_own_command_complete(&s->ps.queue, msg);
		return STREAM_CONSUMED;
	}
	struct pg_reader r;
	if (msg->type == PG_BE_PARAMETER_STATUS) {
		const char *name, *value;
		if (pg_backend_read_parameter_status(msg, &r, &name, &value) == PG_OK)
			session_params_record(&corral->tracked, &s->params, name, value);
		return STREAM_CONSUMED;
	}
	if (msg->type == PG_BE_ERROR) {
		struct pg_backend_diag d = { 0 };
		if (pg_backend_read_error(msg, &r, &d) != PG_OK)
			d.message = "malformed ErrorResponse";
		log_msg(LOG_LVL_WARNING, "S-%llu %s/%s: corral's own query failed: %s %s",
			(unsigned long long)s->id, s->pool->db_name, s->pool->user_name,
			d.sqlstate ? d.sqlstate : "", d.message ? d.message : "");
		s->dirty = true;
		if (s->state == SERVER_ST_ACTIVE && s->client) {
			/* A session parameter the client asked for is refused, as
			 * PostgreSQL would refuse it at startup. */
			client_fatal(s->client, d.sqlstate ? d.sqlstate : "22023",
				     "invalid session parameter: %s", d.message ? d.message : "");
			return STREAM_STOP;
		}
		return STREAM_CONSUMED;
	}
	enum pg_tx_status status;
	if (pg_backend_read_ready_for_query(msg, &r, &status) != PG_OK) {
		server_close(s, "malformed ReadyForQuery from server");
		return STREAM_STOP;
	}
	s->tx_status = (char)status;
	if (--s->swallow > 0)
		return STREAM_CONSUMED;
	switch (s->state) {
	case SERVER_ST_LOGIN:       /* connect_query done */
		if (s->dirty) {
			pool_server_failed(s->pool, s, "08P01",
					   "server login failed: connect_query failed (see corral's log)");
			server_close(s, "connect_query failed");
			return STREAM_STOP;
		}
		pool_server_ready(s->pool, s);
		break;
	case SERVER_ST_RESET:       /* server_reset_query done */
	case SERVER_ST_TESTING:     /* server_check_query done */
		if (s->dirty || s->tx_status != PG_TX_IDLE) {
			server_close(s, s->state == SERVER_ST_RESET ? "server_reset_query failed"
								    : "server_check_query failed");
			return STREAM_STOP;
		}
		pool_release(s->pool, s);
		break;
	case SERVER_ST_ACTIVE:      /* parameters now match the client's */
		if (s->client)
			session_params_synced(&corral->tracked, &s->client->params,
					      s->pool->have_welcome ? &s->pool->welcome : NULL, &s->params);
		break;
	default:
		break;
	}
	return s->state == SERVER_ST_CLOSED ? STREAM_STOP : STREAM_CONSUMED;
}

bool server_is_clean(const struct server *s)
{
	return !server_busy(s) && s->tx_status == 'I' && !s->extended_open && s->swallow == 0;
}

/* Statistics at a client's ReadyForQuery: a query ended, and with 'I' a
 * transaction too. */
static void count_ready(struct server *s, enum pg_tx_status status)
{
	struct pool_stats *st = &s->pool->stats;
	uint64_t now = corral_wall_us();
	st->query_count++;
	st->query_time_us += now - s->query_start_us;
	if (status == PG_TX_IDLE && !server_busy(s)) {
		st->xact_count++;
		st->xact_time_us += now - s->xact_start_us;
	}
}

/* A ReadyForQuery for the client (whole): status, statistics, timers.
 * Returns 1 when the server is free for the pool once it reached the
 * client, 0 when it stays linked, -1 when it was closed. */
static int ready_for_query(struct server *s, const struct pg_frame *msg)
{
	enum pg_tx_status status = (enum pg_tx_status)pg_backend_ready_status(msg);
	if (status == 0) {
		server_close(s, "malformed ReadyForQuery from server");
		return -1;
	}
	s->tx_status = (char)status;
	count_ready(s, status);
	if (!server_busy(s))
		client_rearm_timer(s->client);  /* query over: idle in transaction, or nothing */
	enum cfg_pool_mode mode = s->pool->cfg.mode;
	bool keep = mode == CFG_POOL_SESSION && !s->pool->corral->shutting_down;
	if (mode == CFG_POOL_STATEMENT && !server_busy(s) && status != PG_TX_IDLE) {
		s->dirty = true;
		client_fatal(s->client, "08P01", "transaction blocks not allowed in statement pooling mode");
		return -1;
	}
	return !keep && server_is_clean(s);
}

/* A reply the prepared-statement queue let through as it is. */
static enum stream_verdict on_reply(struct server *s, const struct pg_frame *msg)
{
	switch (msg->type) {
	case PG_BE_READY_FOR_QUERY:
		switch (ready_for_query(s, msg)) {
		case 1:
			return STREAM_FORWARD_LAST;  /* release() runs once it reached the client */
		case 0:
			return STREAM_FORWARD;
		default:
			return STREAM_STOP;
		}
	case PG_BE_PARAMETER_STATUS: {
		struct pg_reader r;
		const char *name, *value;
		if (pg_backend_read_parameter_status(msg, &r, &name, &value) == PG_OK) {
			session_params_record(&s->pool->corral->tracked, &s->params, name, value);
			session_params_update(&s->pool->corral->tracked, &s->client->params, name, value);
		}
		return STREAM_FORWARD;
	}
	default:
		return STREAM_FORWARD;
	}
}

/* A reply the queue replaced by what is in corral->ps_to_client (a copy
 * of it followed by corral's own replies, or nothing). */
static enum stream_verdict on_reply_consumed(struct server *s, const struct pg_frame *msg)
{
	struct corral *corral = s->pool->corral;
	struct client *c = s->client;
	if (corral->ps_to_client.len) {
		pg_buf_put_bytes(stream_out(&c->stream), corral->ps_to_client.data, corral->ps_to_client.len);
		stream_send_out(&c->stream);
	}
	if (msg->type == PG_BE_READY_FOR_QUERY) {
		int free_now = ready_for_query(s, msg);
		if (free_now < 0)
			return STREAM_STOP;
		if (free_now)
			release(s);  /* its ReadyForQuery is already in the client's queue */
	}
	return s->state == SERVER_ST_CLOSED ? STREAM_STOP : STREAM_DISCARD;
}

_Static_assert(PS_PASS_SHOW == (int)STREAM_PASS_SHOW && PS_PASS_FORWARD == (int)STREAM_PASS_FORWARD &&
	       PS_PASS_COUNT == (int)STREAM_PASS_COUNT,
	       "the queue's pass tables are the stream's");

static const char reply_to_nothing[] =
	"protocol violation from server: a reply to nothing that was sent";

/* The replies the stream forwarded unseen and counted (server_update_pass)
 * resolve their queue entries. False when they were more than the server
 * owed: it is closed. */
static bool take_passed_answers(struct server *s)
{
	uint32_t n = s->stream.pass_counted;
	s->stream.pass_counted = 0;
	if (ps_queue_answered(&s->ps.queue, n))
		return true;
	server_close(s, reply_to_nothing);
	return false;
}

static enum stream_verdict on_linked_message(struct server *s, const struct pg_frame *msg)
{
	if (s->lookup)
		return auth_query_on_message(s, msg);
	if (s->swallow > 0)
		return swallow_message(s, msg);
	if (s->client == NULL)
		return STREAM_DISCARD;
	if ((msg->type == PG_BE_READY_FOR_QUERY || msg->type == PG_BE_PARAMETER_STATUS) &&
	    msg->body == NULL)
		return STREAM_NEED_BODY;  /* before the queue: it must see each reply once */
	if (s->stream.pass_counted > 0 && !take_passed_answers(s))
		return STREAM_STOP;
	struct corral *corral = s->pool->corral;
	struct client *c = s->client;
	enum stream_verdict v = STREAM_STOP;
	pg_buf_reset(&corral->ps_to_client);
	switch (ps_queue_server_message(&s->ps.queue, msg, (enum pg_tx_status)s->tx_status,
					&corral->ps_to_client)) {
	case PS_NEED_BODY:
		return STREAM_NEED_BODY;
	case PS_UNEXPECTED:
		server_close(s, reply_to_nothing);
		return STREAM_STOP;
	case PS_CONSUMED:
		v = on_reply_consumed(s, msg);
		break;
	case PS_FORWARD:
		v = on_reply(s, msg);
		break;
	}
	if (v == STREAM_STOP)
		return v;
	if (s->client == c)   /* still linked: the new head's replies may go by unseen */
		server_update_pass(s);
	if (c->ps_wait && c->server == s && !ps_queue_must_wait(&s->ps.queue)) {
		c->ps_wait = false;
		stream_resume(&c->stream);
	}
	return v;
}

/* A clean, unlinked server goes back to the pool, through
 * server_reset_query first when `reset` asks for it; while a cancel for
 * its last query is in flight, only once PostgreSQL has handled it (the
 * signal would end whatever query runs next). */
static void reset_or_release(struct server *s, bool reset)
{
	const char *query = s->pool->corral->cfg->settings.server_reset_query;
	if (s->cancels > 0) {
		log_debug("S-%llu %s/%s: released while a cancel is in flight: kept out of the pool "
			  "until PostgreSQL has handled it", (unsigned long long)s->id, s->pool->db_name,
			  s->pool->user_name);
		s->reset_wanted = reset;
		server_set_state(s, SERVER_ST_BEING_CANCELED);
		return;
	}
	if (!reset || query[0] == '\0') {
		pool_release(s->pool, s);
		return;
	}
	pg_frontend_put_query(stream_out(&s->stream), query);
	s->swallow++;
	server_set_state(s, SERVER_ST_RESET);
	stream_send_out(&s->stream);
}

void server_cancels_done(struct server *s)
{
	if (s->state == SERVER_ST_BEING_CANCELED)
		reset_or_release(s, s->reset_wanted);
}

/* The last ReadyForQuery reached the client: both are free again. */
static void release(struct server *s)
{
	struct client *c = s->client;
	if (c == NULL || s->state != SERVER_ST_ACTIVE)
		return;
	if (!server_is_clean(s)) {
		/* The client pipelined more work before our ReadyForQuery reached
		 * it: the server stays linked. */
		stream_resume(&s->stream);
		return;
	}
	s->client = NULL;
	c->server = NULL;
	ps_queue_unlink(&s->ps.queue);
	stream_unlink(&s->stream);
	reset_or_release(s, s->pool->corral->cfg->settings.server_reset_query_always);
	stream_resume(&s->stream);
	client_server_released(c);
}

void server_link(struct server *s, struct client *c)
{
	struct corral *corral = s->pool->corral;
	s->client = c;
	c->server = s;
	s->pool->stats.server_assignment_count++;
	if (c->state == CLIENT_ST_WAITING)
		s->pool->stats.wait_time_us += corral_now_us() - c->wait_since_us;
	server_set_state(s, SERVER_ST_ACTIVE);
	client_set_state(c, CLIENT_ST_ACTIVE);
	prepared_server_link(&s->ps, &c->ps);
	stream_link(&s->stream, &c->stream);
	const struct session_params *defaults = s->pool->have_welcome ? &s->pool->welcome : NULL;
	if (!session_params_in_step(&corral->tracked, &c->params, defaults, &s->params,
				    &s->params_memo) &&
	    session_params_diff(&corral->tracked, &c->params, defaults, &s->params,
				stream_out(&s->stream)) > 0) {
		s->swallow++;
		stream_send_out(&s->stream);
	}
}

bool server_needs_check(const struct server *s)
{
	const struct cfg_settings *set = &s->pool->corral->cfg->settings;
	return set->server_check_query[0] != '\0' &&
	       corral_now_us() - s->last_used_us >= (uint64_t)set->server_check_delay;
}

void server_start_check(struct server *s)
{
	const char *query = s->pool->corral->cfg->settings.server_check_query;
	/* PgBouncer's spelling: "<empty>" sends an empty query. */
	pg_frontend_put_query(stream_out(&s->stream), strcmp(query, "<empty>") == 0 ? "" : query);
	s->swallow++;
	server_set_state(s, SERVER_ST_TESTING);
	stream_send_out(&s->stream);
}

void server_client_left(struct server *s)
{
	struct pool *p = s->pool;
	const struct cfg_settings *set = &p->corral->cfg->settings;
	s->client = NULL;
	ps_queue_unlink(&s->ps.queue);
	stream_unlink(&s->stream);
	if (!server_is_clean(s) || s->dirty || stream_has_unsent(&s->stream)) {
		if (server_busy(s) || s->extended_open)
			cancel_server(s);
		server_close(s, "client left with a transaction or query in progress");
		return;
	}
	reset_or_release(s, p->cfg.mode == CFG_POOL_SESSION || set->server_reset_query_always);
	/* It may have been paused at the client's last ReadyForQuery. */
	stream_resume(&s->stream);
}
