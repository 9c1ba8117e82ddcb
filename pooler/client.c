/* client: an application connection and its state machine (see client.h).
 * The message handler is a switch on state; each arm calls a handler. */
#include "pooler/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/admin.h"
#include "pooler/auth_query.h"
#include "pooler/cancel.h"
#include "pooler/cancel_map.h"
#include "pooler/client_auth.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "pooler/tls.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_startup.h"
#include "util/xalloc.h"

#define CLIENT_STATE_NAME(name, text) [name] = text,
static const char *const state_names[] = { CLIENT_STATES(CLIENT_STATE_NAME) };
#undef CLIENT_STATE_NAME

const char *client_state_name(enum client_state st)
{
	return state_names[st];
}

const char *client_addr(const struct client *c, char *buf)
{
	char host[48];
	if (c->peer.family != AF_INET && c->peer.family != AF_INET6) {
		snprintf(buf, CLIENT_ADDR_SIZE, "%s", c->is_unix ? "unix" : "?");
		return buf;
	}
	cfg_hba_addr_format(&c->peer, host, sizeof host);
	snprintf(buf, CLIENT_ADDR_SIZE, c->peer.family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 (unsigned)c->port);
	return buf;
}

/* Longest password or SASL message accepted, as PostgreSQL's limit on
 * authentication tokens: login messages are buffered whole. */
#define CLIENT_AUTH_MESSAGE_MAX 65535

/* Bytes a client's named prepared statements may take (names, texts,
 * counted as if unshared): far above what drivers use, far below harm. */
#define CLIENT_PS_BUDGET (16u << 20)

#define BIT(st) (1u << (st))
static const unsigned allowed[] = {
	[CLIENT_ST_LOGIN] = BIT(CLIENT_ST_AUTH) | BIT(CLIENT_ST_WELCOME) | BIT(CLIENT_ST_IDLE) |
			    BIT(CLIENT_ST_TLS_HANDSHAKE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_TLS_HANDSHAKE] = BIT(CLIENT_ST_LOGIN) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_AUTH] = BIT(CLIENT_ST_WELCOME) | BIT(CLIENT_ST_IDLE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_WELCOME] = BIT(CLIENT_ST_IDLE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_IDLE] = BIT(CLIENT_ST_WAITING) | BIT(CLIENT_ST_ACTIVE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_WAITING] = BIT(CLIENT_ST_ACTIVE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_ACTIVE] = BIT(CLIENT_ST_IDLE) | BIT(CLIENT_ST_CLOSED),
	[CLIENT_ST_CLOSED] = 0,
};

/* States counted in the pool's client_count. */
static const bool pooled[CLIENT_ST_CLOSED + 1] = {
	[CLIENT_ST_WELCOME] = true, [CLIENT_ST_IDLE] = true, [CLIENT_ST_WAITING] = true,
	[CLIENT_ST_ACTIVE] = true,
};

static bool in_pool(enum client_state st)
{
	return pooled[st];
}

static struct list_node *state_list(struct client *c, enum client_state st)
{
	struct pool *p = c->pool;
	switch (st) {
	case CLIENT_ST_LOGIN:
	case CLIENT_ST_TLS_HANDSHAKE:
	case CLIENT_ST_AUTH:
		return &c->corral->login_clients;
	case CLIENT_ST_WELCOME:
		return &p->welcome_clients;
	case CLIENT_ST_IDLE:
		return &p->idle_clients;
	case CLIENT_ST_WAITING:
		return &p->waiting_clients;
	case CLIENT_ST_ACTIVE:
		return &p->active_clients;
	case CLIENT_ST_CLOSED:
		break;
	}
	return &c->corral->dead_clients;
}

/* Add the client's socket traffic since the last call to its pool's stats
 * (at every state change: often enough for SHOW STATS, never per message). */
static void count_bytes(struct client *c)
{
	struct pool_stats *st = &c->pool->stats;
	st->bytes_received += c->stream.bytes_in;
	st->bytes_sent += c->stream.bytes_out;
	c->stream.bytes_in = c->stream.bytes_out = 0;
}

void client_set_state(struct client *c, enum client_state next)
{
	enum client_state prev = c->state;
	if (!(allowed[prev] & BIT(next))) {
		log_error("C-%llu: bug: client state %s -> %s is not allowed", (unsigned long long)c->id,
			  state_names[prev], state_names[next]);
		abort();
	}
	char addr[CLIENT_ADDR_SIZE];
	log_noise("C-%llu %s/%s@%s: %s -> %s", (unsigned long long)c->id,
		  c->database ? c->database : "-", c->user ? c->user : "-", client_addr(c, addr),
		  state_names[prev], state_names[next]);
	if (c->pool) {
		count_bytes(c);
		c->pool->client_count += in_pool(next) - in_pool(prev);
		c->pool->waiting_count += (next == CLIENT_ST_WAITING) - (prev == CLIENT_ST_WAITING);
	}
	list_remove(&c->node);
	c->state = next;
	list_push_back(state_list(c, next), &c->node);
	if (next == CLIENT_ST_IDLE || next == CLIENT_ST_WAITING)
		c->wait_since_us = corral_now_us();  /* the pool's lists stay in deadline order */
	if (next == CLIENT_ST_CLOSED)
		corral_schedule_reap(c->corral);
	else if (in_pool(next))
		client_rearm_timer(c);
}

static void log_client(const struct client *c, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_client(const struct client *c, enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char text[512], addr[CLIENT_ADDR_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	log_msg(level, "C-%llu %s/%s@%s: %s", (unsigned long long)c->id,
		c->database ? c->database : "-", c->user ? c->user : "-", client_addr(c, addr), text);
}

/* ---- timers ---- */

static void client_on_timer(evutil_socket_t fd, short what, void *arg);

/* c's own timer, for the deadlines of the login phase and of ACTIVE: made
 * when the first one runs, so that a client that never needs one (an idle
 * one) holds no event. usec <= 0 stops it. */
static void arm_timer(struct client *c, int64_t usec)
{
	if (usec <= 0) {
		if (c->timer_armed)
			event_del(c->timer);
		c->timer_armed = false;
		return;
	}
	if (c->timer == NULL) {
		c->timer = xmalloc(event_get_struct_event_size());
		evtimer_assign(c->timer, c->corral->base, client_on_timer, c);
	}
	corral_event_add_us(c->timer, (uint64_t)usec);
	c->timer_armed = true;
}

static void free_timer(struct client *c)
{
	arm_timer(c, 0);
	free(c->timer);
	c->timer = NULL;
}

void client_rearm_timer(struct client *c)
{
	const struct pool_config *pc = &c->pool->cfg;
	/* The common case, by far: no timeout for an active or idle client,
	 * none running (the timer calls below would all be no-ops). */
	if (!c->timer_armed && pc->client_timers_off && c->state != CLIENT_ST_WAITING)
		return;
	switch (c->state) {
	case CLIENT_ST_IDLE:
		arm_timer(c, 0);
		pool_client_deadline(c->pool, c->wait_since_us, pc->client_idle_timeout_us);
		break;
	case CLIENT_ST_WAITING:
		arm_timer(c, 0);
		pool_client_deadline(c->pool, c->wait_since_us, pc->query_wait_timeout_us);
		break;
	case CLIENT_ST_ACTIVE:
		if (server_busy(c->server) || c->server->extended_open)
			arm_timer(c, pc->query_timeout_us);
		else if (c->server->tx_status != PG_TX_IDLE)
			arm_timer(c, pc->idle_transaction_timeout_us);
		else  /* between transactions, holding its server (session mode) */
			arm_timer(c, pc->client_idle_timeout_us);
		break;
	default:
		break;
	}
}

static void client_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	c->timer_armed = false;
	switch (c->state) {
	case CLIENT_ST_LOGIN:
	case CLIENT_ST_TLS_HANDSHAKE:
	case CLIENT_ST_AUTH:
		client_fatal(c, "08P01", "client_login_timeout");
		break;
	case CLIENT_ST_WELCOME:
		client_fatal(c, "08P01", "client_login_timeout (server down)");
		break;
	case CLIENT_ST_ACTIVE:  /* PgBouncer's texts */
		if (server_busy(c->server) || c->server->extended_open)
			client_fatal(c, "57014", "query timeout");
		else if (c->server->tx_status != PG_TX_IDLE)
			client_fatal(c, "25P03", "idle transaction timeout");
		else
			client_fatal(c, "08P01", "client_idle_timeout");
		break;
	case CLIENT_ST_IDLE:     /* timed by the pool: pool_client_deadline */
	case CLIENT_ST_WAITING:
	case CLIENT_ST_CLOSED:
		break;
	}
}

/* ---- closing ---- */

void client_fatal(struct client *c, const char *sqlstate, const char *fmt, ...)
{
	if (c->state == CLIENT_ST_CLOSED)
		return;
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	struct pg_backend_diag d = { .severity = "FATAL", .sqlstate = sqlstate, .message = message };
	pg_backend_put_error(stream_out(&c->stream), &d);
	if (c->corral->cfg->settings.log_pooler_errors)
		log_client(c, LOG_LVL_WARNING, "pooler error: %s", message);
	client_close(c, message);
}

void client_close(struct client *c, const char *reason)
{
	if (c->state == CLIENT_ST_CLOSED)
		return;
	if (c->corral->cfg->settings.log_disconnections && in_pool(c->state))
		log_client(c, LOG_LVL_INFO, "closing because: %s", reason);
	struct server *s = c->server;
	if (s) {
		c->server = NULL;
		server_client_left(s);
	}
	if (c->cancel_pid || c->cancel_key)
		cancel_map_remove(c->corral->cancel, c->cancel_pid, c->cancel_key);
	if (c->lookup) {
		auth_query_cancel(c->lookup);
		c->lookup = NULL;
	}
	arm_timer(c, 0);
	stream_close(&c->stream);
	client_set_state(c, CLIENT_ST_CLOSED);
}

void client_free(struct client *c)
{
	list_remove(&c->node);
	c->corral->client_count--;
	if (c->auth) {
		client_auth_fini(c->auth);
		free(c->auth);
	}
	free_timer(c);
	session_params_fini(&c->params);
	ps_client_fini(&c->ps);
	free(c->user);
	free(c->database);
	free(c);
}

/* ---- login ---- */

static void auth_failed(struct client *c, const struct client_auth_error *err)
{
	log_client(c, LOG_LVL_WARNING, "login failed: %s", err->log[0] ? err->log : err->message);
	struct pg_backend_diag d = { .severity = "FATAL", .sqlstate = err->sqlstate,
				     .message = err->message,
				     .detail = err->detail[0] ? err->detail : NULL };
	pg_backend_put_error(stream_out(&c->stream), &d);
	client_close(c, err->message);
}

void client_welcome(struct client *c)
{
	struct pool *p = c->pool;
	struct pg_buf *out = stream_out(&c->stream);
	session_params_put_status(&c->corral->tracked, &c->params, &p->welcome, out);
	pg_backend_put_backend_key_data(out, c->cancel_pid, c->cancel_key);
	pg_backend_put_ready_for_query(out, PG_TX_IDLE);
	free_timer(c);  /* the login's deadline is met */
	client_set_state(c, CLIENT_ST_IDLE);
	stream_send_out(&c->stream);
	if (c->corral->cfg->settings.log_connections)
		log_client(c, LOG_LVL_INFO, "login attempt: db=%s user=%s", c->database, c->user);
	stream_resume(&c->stream);
}

/* Authenticated: hand out a cancel key, then welcome now or once the pool
 * has met its first server. */
static enum stream_verdict login_ok(struct client *c)
{
	/* Pools are made for authenticated clients only. */
	const char *sqlstate = "3D000";
	char why[256];
	struct pool *p = c->pool = admin_is_console_db(c->database)
		? admin_console_pool(c->corral, c->user, c->database, &sqlstate, why, sizeof why)
		: pool_get(c->corral, c->database, c->user, &sqlstate, why, sizeof why);
	if (p == NULL) {
		client_fatal(c, sqlstate, "%s", why);
		return STREAM_STOP;
	}
	auth_query_adopt(p, c->auth);  /* server logins as this user: SCRAM keys, md5 secret */
	client_auth_fini(c->auth);
	free(c->auth);
	c->auth = NULL;
	p->stats.client_connect_count++;
	if (cancel_map_new_key(c->corral->cancel, c, &c->cancel_pid, &c->cancel_key) != 0) {
		client_fatal(c, "XX000", "could not generate a cancel key");
		return STREAM_STOP;
	}
	if (c->corral->cfg->settings.application_name_add_host) {
		char addr[CLIENT_ADDR_SIZE];
		session_params_add_host(&c->params, client_addr(c, addr));
	}
	if (p->have_welcome) {
		client_welcome(c);
		return STREAM_CONSUMED;
	}
	stream_send_out(&c->stream);
	client_set_state(c, CLIENT_ST_WELCOME);
	if (pool_failing(p)) {
		client_fatal(c, p->last_error_sqlstate, "%s", p->last_error);
		return STREAM_STOP;
	}
	pool_open_servers(p);
	/* The login message is used up; what follows waits in WELCOME. */
	return c->state == CLIENT_ST_CLOSED ? STREAM_STOP : STREAM_CONSUMED;
}

static enum stream_verdict start_lookup(struct client *c);

static enum stream_verdict auth_result(struct client *c, enum client_auth_result r,
				       const struct client_auth_error *err)
{
	switch (r) {
	case CLIENT_AUTH_LOOKUP:
		return start_lookup(c);
	case CLIENT_AUTH_CONTINUE:
		if (c->state == CLIENT_ST_LOGIN)
			client_set_state(c, CLIENT_ST_AUTH);
		stream_send_out(&c->stream);
		return STREAM_CONSUMED;
	case CLIENT_AUTH_OK:
		return login_ok(c);
	case CLIENT_AUTH_FAIL:
		break;
	}
	auth_failed(c, err);
	return STREAM_STOP;
}

/* auth_query answered for c (AUTH): go on with the exchange it allows. */
static void client_on_lookup(void *arg, enum auth_query_status status, const char *secret,
			     const char *error)
{
	struct client *c = arg;
	c->lookup = NULL;
	if (status == AUTH_QUERY_FAILED) {
		log_client(c, LOG_LVL_WARNING, "login failed: auth_query: %s", error);
		client_fatal(c, "28000", "authentication query failed");
		return;
	}
	struct client_auth_error err;
	enum client_auth_result r = client_auth_lookup_done(c->auth, c->corral->scram,
							    status == AUTH_QUERY_FOUND, secret,
							    stream_out(&c->stream), &err);
	if (auth_result(c, r, &err) != STREAM_STOP && c->state == CLIENT_ST_AUTH)
		stream_resume(&c->stream);  /* it may have sent something meanwhile */
}

/* The user is not in auth_file: ask PostgreSQL, the client waiting in AUTH. */
static enum stream_verdict start_lookup(struct client *c)
{
	struct auth_query_target t;
	char why[256] = "no auth_user applies";
	if (c->state == CLIENT_ST_LOGIN)
		client_set_state(c, CLIENT_ST_AUTH);
	if (auth_query_target(c->corral->cfg, c->database, &t))
		c->lookup = auth_query_start(c->corral, &t, c->user, client_on_lookup, c, why,
					     sizeof why);
	if (c->lookup == NULL) {
		log_client(c, LOG_LVL_WARNING, "login failed: auth_query: %s", why);
		client_fatal(c, "28000", "authentication query failed");
		return STREAM_STOP;
	}
	return STREAM_CONSUMED;
}

/* What client_auth needs to know about c's connection. */
static void auth_conn(const struct client *c, struct client_auth_conn *conn)
{
	const struct cfg *cfg = c->corral->cfg;
	struct auth_query_target t;
	*conn = (struct client_auth_conn){
		.database = c->database,
		.addr = c->peer,
		.is_ssl = c->stream.tls == STREAM_TLS_ON,
		.can_lookup = !admin_is_console_db(c->database) &&
			      auth_query_target(cfg, c->database, &t),
	};
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (c->peer.family == AF_UNIX && cfg->settings.auth_type == CFG_AUTH_HBA &&
	    getsockopt(c->stream.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		conn->have_peer_uid = true;  /* for hba's peer method */
		conn->peer_uid = cred.uid;
	}
	if (conn->is_ssl && client_auth_uses_cert(cfg))
		conn->has_cert_cn = tls_peer_common_name(c->stream.ssl, conn->cert_cn,
							 sizeof conn->cert_cn, conn->cert_why,
							 sizeof conn->cert_why) == 0;
}

static enum stream_verdict on_startup_message(struct client *c, const struct pg_startup *st)
{
	struct corral *corral = c->corral;
	const struct cfg_settings *set = &corral->cfg->settings;
	char why[512];
	if (st->minor > 0)
		pg_startup_build_negotiate_all(stream_out(&c->stream), 0, st);
	const char *user = pg_startup_param(st, "user");
	const char *db = pg_startup_param(st, "database");
	if (user == NULL || user[0] == '\0') {
		client_fatal(c, "08P01", "no username supplied");
		return STREAM_STOP;
	}
	c->user = xstrdup(user);
	c->database = xstrdup(db && db[0] ? db : user);
	if (session_params_check_startup(&corral->tracked, set->ignore_startup_parameters, st,
					 &c->params, why, sizeof why) != SESSION_STARTUP_OK) {
		client_fatal(c, SESSION_STARTUP_SQLSTATE, "%s", why);
		return STREAM_STOP;
	}
	if (corral->client_count > set->max_client_conn) {
		client_fatal(c, "53300", "no more connections allowed (max_client_conn)");
		return STREAM_STOP;
	}
	if (!admin_is_console_db(c->database) && cfg_find_database(corral->cfg, c->database) == NULL &&
	    corral->cfg->fallback == NULL) {
		client_fatal(c, "3D000", "no such database: %s", c->database);
		return STREAM_STOP;
	}
	c->stream.startup = false;
	c->auth = xcalloc(1, sizeof *c->auth);
	struct client_auth_error err;
	struct client_auth_conn conn;
	auth_conn(c, &conn);
	enum client_auth_result r = client_auth_begin(c->auth, corral->cfg, corral->scram, &conn,
						      c->user, stream_out(&c->stream), &err);
	return auth_result(c, r, &err);
}

/* SSLRequest: 'N' when client TLS is off, else 'S' and the handshake
 * (TLS_HANDSHAKE until on_tls_ready). Asking again once TLS is on is a
 * protocol violation, as in PostgreSQL. */
static enum stream_verdict on_ssl_request(struct client *c)
{
	const struct tls_contexts *tls = &c->corral->tls;
	if (c->stream.tls != STREAM_TLS_OFF) {
		client_fatal(c, "08P01", "protocol violation: SSLRequest after the TLS handshake");
		return STREAM_STOP;
	}
	pg_buf_put_u8(stream_out(&c->stream), tls->client && !c->is_unix ? 'S' : 'N');
	stream_send_out(&c->stream);
	if (tls->client == NULL || c->is_unix)
		return STREAM_CONSUMED;
	if (stream_start_tls(&c->stream, tls_new_accept(tls, c->stream.fd)) != 0) {
		client_close(c, "could not send the answer to SSLRequest");
		return STREAM_STOP;
	}
	client_set_state(c, CLIENT_ST_TLS_HANDSHAKE);
	return STREAM_CONSUMED;
}

static void client_on_tls_ready(void *owner, struct stream *st)
{
	struct client *c = owner;
	char desc[128];
	tls_describe(st->ssl, desc, sizeof desc);
	log_client(c, LOG_LVL_DEBUG, "TLS handshake done: %s", desc);
	client_set_state(c, CLIENT_ST_LOGIN);
}

/* client_tls_sslmode require and up: a StartupMessage must come over TLS
 * (the unix socket, which cannot carry TLS, is exempt, as in PgBouncer). */
static bool tls_required(const struct client *c)
{
	return c->corral->tls.client_mode >= CFG_SSLMODE_REQUIRE && !c->is_unix &&
	       c->stream.tls != STREAM_TLS_ON;
}

static enum stream_verdict __attribute__((cold, noinline))
on_startup_packet(struct client *c, const struct pg_frame *msg)
{
	struct pg_startup st;
	struct pg_reader r;
	if (pg_startup_parse(msg, &st, &r) != PG_OK) {
		client_fatal(c, "08P01", "bad startup packet: %s", r.err_reason);
		return STREAM_STOP;
	}
	switch (st.kind) {
	case PG_STARTUP_SSL_REQUEST:
		return on_ssl_request(c);
	case PG_STARTUP_GSSENC_REQUEST:
		pg_buf_put_u8(stream_out(&c->stream), 'N');
		stream_send_out(&c->stream);
		return STREAM_CONSUMED;
	case PG_STARTUP_CANCEL_REQUEST:
		/* Held open until PostgreSQL has acted, unless TLS would close it first. */
		cancel_route(c->corral, st.cancel_pid, st.cancel_key,
			     c->stream.tls == STREAM_TLS_OFF ? c->stream.fd : -1);
		client_close(c, "cancel request handled");
		return STREAM_STOP;
	case PG_STARTUP_MESSAGE:
		break;
	}
	if (tls_required(c)) {
		client_fatal(c, "28000", "SSL required");
		return STREAM_STOP;
	}
	return on_startup_message(c, &st);
}

/* ---- logged in ---- */

/* Hand corral's rewritten or synthesized bytes to the server and client
 * (prepared statements), keeping their order with forwarded bytes. */
static void send_prepared_output(struct client *c, struct server *s)
{
	struct corral *corral = c->corral;
	if (corral->ps_to_server.len) {
		pg_buf_put_bytes(stream_out(&s->stream), corral->ps_to_server.data, corral->ps_to_server.len);
		stream_send_out(&s->stream);
	}
	if (corral->ps_to_client.len) {
		pg_buf_put_bytes(stream_out(&c->stream), corral->ps_to_client.data, corral->ps_to_client.len);
		stream_send_out(&c->stream);
	}
}

/* The prepared-statement layer's say on one message to the server: its
 * verdict as the stream's. query_checked: msg is a Query that
 * prepared_unlinked_query just let through. */
static enum stream_verdict prepared_verdict(struct client *c, struct server *s,
					    const struct pg_frame *msg, bool query_checked)
{
	struct corral *corral = c->corral;
	pg_buf_reset(&corral->ps_to_server);
	pg_buf_reset(&corral->ps_to_client);
	struct prepared_io io = { &corral->ps_to_server, &corral->ps_to_client,
				  (enum pg_tx_status)s->tx_status, &c->pool->stats.ps,
				  query_checked };
	enum prepared_verdict v = prepared_client_message(&s->ps, msg, &io);
	switch (v) {
	case PREPARED_FORWARD:
		return STREAM_FORWARD;
	case PREPARED_CONSUMED:
		send_prepared_output(c, s);
		return STREAM_CONSUMED;
	case PREPARED_NEED_BODY:
		return STREAM_NEED_BODY;
	case PREPARED_WAIT:
		c->ps_wait = true;
		return STREAM_PAUSE;
	case PREPARED_MALFORMED:
		break;
	}
	client_fatal(c, "08P01", "protocol violation: malformed message type '%c'", msg->type);
	return STREAM_STOP;
}

/* A message for the linked server; query_checked as for prepared_verdict. */
static enum stream_verdict on_active_message(struct client *c, const struct pg_frame *msg,
					     bool query_checked)
{
	struct server *s = c->server;
	if (msg->type == PG_FE_TERMINATE) {
		client_close(c, "client sent Terminate");
		return STREAM_STOP;
	}
	bool was_quiet = !server_busy(s) && !s->extended_open;
	enum stream_verdict v = prepared_verdict(c, s, msg, query_checked);
	if (v != STREAM_FORWARD && v != STREAM_CONSUMED)
		return v;
	switch (msg->type) {
	case PG_FE_SYNC:
		s->extended_open = false;
		server_update_pass(s);  /* the replies up to it may now be counted */
		break;
	case PG_FE_PARSE:
	case PG_FE_BIND:
	case PG_FE_DESCRIBE:
	case PG_FE_CLOSE:
	case PG_FE_EXECUTE:
	case PG_FE_FLUSH:
		s->extended_open = true;
		break;
	default:
		break;
	}
	if (was_quiet && server_busy(s)) {
		/* A query starts: its statistics, and query_timeout runs. A
		 * simple Query's rows go by the server's handler unseen (but
		 * not those of a query of corral's own still running before
		 * it); the extended protocol's replies, from its Sync on. */
		s->query_start_us = corral_wall_us();
		if (s->tx_status == PG_TX_IDLE)
			s->xact_start_us = s->query_start_us;
		client_rearm_timer(c);
		if (msg->type == PG_FE_QUERY)
			server_update_pass(s);
	}
	return v;
}

/* Not inlined into client_on_message: its frame would be paid by every
 * message of an active client. */
static enum stream_verdict __attribute__((noinline))
on_idle_message(struct client *c, const struct pg_frame *msg)
{
	struct pool *p = c->pool;
	if (msg->type == PG_FE_TERMINATE) {
		client_close(c, "client sent Terminate");
		return STREAM_STOP;
	}
	if (p->console)
		return admin_on_message(c, msg);
	c->request_us = corral_wall_us();
	bool query_checked = false;
	if (msg->type == PG_FE_QUERY && p->cfg.mode != CFG_POOL_SESSION &&
	    c->corral->cfg->settings.max_prepared_statements > 0) {
		struct pg_buf *out = &c->corral->ps_to_client;
		pg_buf_reset(out);
		switch (prepared_unlinked_query(&c->ps, msg, out)) {
		case PREPARED_FORWARD:
			query_checked = true;
			break;
		case PREPARED_CONSUMED:    /* DEALLOCATE answered without a server */
			pg_buf_put_bytes(stream_out(&c->stream), out->data, out->len);
			stream_send_out(&c->stream);
			return STREAM_CONSUMED;
		case PREPARED_NEED_BODY:
			return STREAM_NEED_BODY;
		case PREPARED_WAIT:
		case PREPARED_MALFORMED:
			client_fatal(c, "08P01", "protocol violation: malformed Query message");
			return STREAM_STOP;
		}
	}
	if (pool_failing(p) && list_empty(&p->idle_servers)) {
		client_fatal(c, p->last_error_sqlstate, "%s", p->last_error);
		return STREAM_STOP;
	}
	if (pool_acquire(p, c) != NULL)
		return on_active_message(c, msg, query_checked);
	return c->state == CLIENT_ST_CLOSED ? STREAM_STOP : STREAM_PAUSE;
}

/* The client's answer in the password or SASL exchange. Cold: kept out
 * of the dispatcher below. */
static enum stream_verdict __attribute__((cold, noinline))
on_auth_message(struct client *c, const struct pg_frame *msg)
{
	if (c->lookup)
		return STREAM_PAUSE;  /* nothing was asked of it yet */
	if (msg->body_len > CLIENT_AUTH_MESSAGE_MAX) {
		client_fatal(c, "08P01", "authentication message too long (%zu bytes)", msg->body_len);
		return STREAM_STOP;
	}
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	struct client_auth_error err;
	enum client_auth_result r = client_auth_step(c->auth, msg, stream_out(&c->stream), &err);
	return auth_result(c, r, &err);
}

/* A dispatcher only (each state's handler is a function of its own), so
 * that the message of an active client, the commonest by far, costs a
 * jump here. */
static enum stream_verdict client_on_message(void *owner, struct stream *st, const struct pg_frame *msg)
{
	struct client *c = owner;
	switch (c->state) {
	case CLIENT_ST_LOGIN:
		return on_startup_packet(c, msg);
	case CLIENT_ST_AUTH:
		return on_auth_message(c, msg);
	case CLIENT_ST_IDLE:
		return on_idle_message(c, msg);
	case CLIENT_ST_ACTIVE:
		return on_active_message(c, msg, false);
	case CLIENT_ST_TLS_HANDSHAKE:   /* the stream handles nothing meanwhile */
	case CLIENT_ST_WELCOME:
	case CLIENT_ST_WAITING:
		return STREAM_PAUSE;
	case CLIENT_ST_CLOSED:
		break;
	}
	return STREAM_STOP;
}

static void client_on_error(void *owner, struct stream *st, int err, const char *reason)
{
	struct client *c = owner;
	if (c->state == CLIENT_ST_TLS_HANDSHAKE && err != 0) {
		log_client(c, LOG_LVL_WARNING, "%s", err > 0 ? strerror(err) : reason);
		client_close(c, "TLS handshake failed");
	} else if (err == 0)
		client_close(c, "client closed the connection");
	else if (err > 0)
		client_close(c, strerror(err));
	else
		client_fatal(c, "08P01", "protocol violation: %s", reason);
}

static const struct stream_ops client_stream_ops = {
	.on_message = client_on_message,
	.on_error = client_on_error,
	.on_tls_ready = client_on_tls_ready,
};

void client_server_ready(struct client *c)
{
	stream_resume(&c->stream);
}

void client_server_released(struct client *c)
{
	if (c->state != CLIENT_ST_ACTIVE)
		return;
	client_set_state(c, CLIENT_ST_IDLE);
	if (c->corral->shutting_down) {
		client_fatal(c, "57P01", "corral is shutting down");
		return;
	}
	stream_resume(&c->stream);
}

void client_accept(struct corral *corral, int fd, const struct sockaddr *addr, bool is_unix)
{
	struct client *c = xcalloc(1, sizeof *c);
	c->corral = corral;
	c->id = ++corral->next_id;
	c->connect_us = c->request_us = corral_wall_us();
	c->is_unix = is_unix;
	if (is_unix)
		c->peer.family = AF_UNIX;
	else if (cfg_hba_addr_from_sockaddr(addr, &c->peer) != 0)
		c->peer.family = AF_UNSPEC;  /* matches only "all" addresses */
	else
		c->port = ntohs(addr->sa_family == AF_INET
					? ((const struct sockaddr_in *)(const void *)addr)->sin_port
					: ((const struct sockaddr_in6 *)(const void *)addr)->sin6_port);
	session_params_init(&c->params);
	ps_client_init(&c->ps, corral->prepared, CLIENT_PS_BUDGET);
	list_init(&c->node);
	if (stream_init(&c->stream, &corral->env, fd, &client_stream_ops, c) != 0) {
		char text[CLIENT_ADDR_SIZE];
		log_error("cannot create events for a new client from %s; closing it",
			  client_addr(c, text));
		close(fd);
		session_params_fini(&c->params);
		ps_client_fini(&c->ps);
		free(c);
		return;
	}
	c->stream.startup = true;
	c->state = CLIENT_ST_LOGIN;
	list_push_back(&corral->login_clients, &c->node);
	corral->client_count++;
	arm_timer(c, corral->cfg->settings.client_login_timeout);
	stream_start_reading(&c->stream);
}
