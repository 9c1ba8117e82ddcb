/* admin_sockets: SHOW CLIENTS, SERVERS, SOCKETS and ACTIVE_SOCKETS: one
 * row per connection with PgBouncer 1.25's socket columns (SOCKETS adds
 * the buffer positions). A client or server is first reduced to a struct
 * sock_view, so one function writes every row. Addresses are read from
 * the sockets (getpeername, getsockname) when the command runs. */
#include "pooler/admin_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/cfg.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/iobuf.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "pooler/tls.h"
#include "protocol/pg_backend.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static const struct admin_column columns[] = {
	{ "type", PG_OID_TEXT }, { "user", PG_OID_TEXT }, { "database", PG_OID_TEXT },
	{ "replication", PG_OID_TEXT }, { "state", PG_OID_TEXT }, { "addr", PG_OID_TEXT },
	{ "port", PG_OID_INT4 }, { "local_addr", PG_OID_TEXT }, { "local_port", PG_OID_INT4 },
	{ "connect_time", PG_OID_TEXT }, { "request_time", PG_OID_TEXT },
	{ "wait", PG_OID_INT4 }, { "wait_us", PG_OID_INT4 }, { "close_needed", PG_OID_INT4 },
	{ "ptr", PG_OID_TEXT }, { "link", PG_OID_TEXT }, { "remote_pid", PG_OID_INT4 },
	{ "tls", PG_OID_TEXT }, { "application_name", PG_OID_TEXT },
	{ "prepared_statements", PG_OID_INT4 }, { "id", PG_OID_INT4 },
	/* SOCKETS and ACTIVE_SOCKETS only: */
	{ "recv_pos", PG_OID_INT4 }, { "pkt_pos", PG_OID_INT4 }, { "pkt_remain", PG_OID_INT4 },
	{ "send_pos", PG_OID_INT4 }, { "send_remain", PG_OID_INT4 },
	{ "pkt_avail", PG_OID_INT4 }, { "send_avail", PG_OID_INT4 },
};
#define STANDARD_COLUMNS 21

/* What a row says about one connection. */
struct sock_view {
	const char *type;            /* "C" or "S" */
	const char *user, *database, *state;
	const struct stream *stream;
	const char *peer_host;       /* when the socket has no peer yet (connecting) */
	int peer_port;
	int unix_port;               /* the port shown for a unix socket */
	uint64_t connect_us, request_us; /* wall clock, 0 unknown */
	uint64_t wait_us;
	bool close_needed;
	const void *ptr, *link;
	int remote_pid;
	const char *application_name;
	size_t prepared;             /* named prepared statements corral tracks */
	uint64_t id;
};

/* Writes addr and port cells for fd's peer (or local end). */
static void endpoint_cells(struct admin_result *r, const struct sock_view *v, bool local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[INET6_ADDRSTRLEN] = "";
	int port = 0;
	int rc = v->stream->fd < 0 ? -1
		: local ? getsockname(v->stream->fd, (struct sockaddr *)&ss, &len)
			: getpeername(v->stream->fd, (struct sockaddr *)&ss, &len);
	if (rc != 0) {
		admin_cell_text(r, local ? NULL : v->peer_host);
		admin_cell_int(r, local ? 0 : v->peer_port);
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
		port = ntohs(in6->sin6_port);
	} else {
		snprintf(text, sizeof text, "unix");
		port = v->unix_port;
	}
	admin_cell_textf(r, "%s", text);
	admin_cell_int(r, port);
}

static void pointer_cell(struct admin_result *r, const void *p)
{
	if (p)
		admin_cell_textf(r, "%p", p);
	else
		admin_cell_text(r, "");
}

/* The protocol, cipher and key exchange of a TLS connection; empty for a
 * plain one, or while its handshake runs. */
static void tls_cell(struct admin_result *r, const struct stream *st)
{
	char desc[128] = "";
	if (st->tls == STREAM_TLS_ON)
		tls_describe(st->ssl, desc, sizeof desc);
	admin_cell_textf(r, "%s", desc);
}

static void socket_row(struct admin_result *r, const struct sock_view *v, bool debug)
{
	const struct stream *st = v->stream;
	admin_cell_text(r, v->type);
	admin_cell_text(r, v->user);
	admin_cell_text(r, v->database);
	admin_cell_text(r, "none");
	admin_cell_text(r, v->state);
	endpoint_cells(r, v, false);
	endpoint_cells(r, v, true);
	admin_cell_time(r, v->connect_us);
	admin_cell_time(r, v->request_us);
	admin_cell_int(r, (int64_t)(v->wait_us / 1000000));
	admin_cell_int(r, (int64_t)(v->wait_us % 1000000));
	admin_cell_int(r, v->close_needed);
	pointer_cell(r, v->ptr);
	pointer_cell(r, v->link);
	admin_cell_int(r, v->remote_pid);
	tls_cell(r, st);
	admin_cell_text(r, v->application_name ? v->application_name : "");
	admin_cell_uint(r, v->prepared);
	admin_cell_uint(r, v->id);
	if (debug) {
		admin_cell_int(r, st->in ? st->in->end : 0);
		admin_cell_int(r, st->in ? st->in->start : 0);
		admin_cell_int(r, st->body_left);
		admin_cell_int(r, (int64_t)st->out_sent);
		admin_cell_int(r, (int64_t)(st->out.len - st->out_sent));
		admin_cell_int(r, st->in ? iobuf_used(st->in) : 0);
		admin_cell_int(r, st->pending);
	}
	admin_row_end(r);
}

/* The pid of a unix-socket peer (SO_PEERCRED), else 0. */
static int unix_peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0 || ss.ss_family != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	return cred.pid;
}

static void client_view(const struct client *c, const char *state, struct sock_view *v)
{
	const struct corral *corral = c->corral;
	uint64_t now = corral_now_us();
	memset(v, 0, sizeof *v);
	v->type = "C";
	v->user = c->user ? c->user : "(nouser)";
	v->database = c->database ? c->database : "(nodb)";
	v->state = state;
	v->stream = &c->stream;
	v->unix_port = corral->cfg->settings.listen_port;
	v->connect_us = c->connect_us;
	v->request_us = c->request_us;
	if (c->state == CLIENT_ST_WAITING && now > c->wait_since_us)
		v->wait_us = now - c->wait_since_us;
	v->ptr = c;
	v->link = c->server;
	v->remote_pid = unix_peer_pid(c->stream.fd);
	v->application_name = session_params_get(&c->params, SESSION_PARAM_APPLICATION_NAME);
	v->id = c->id;
	v->prepared = ps_client_count(&c->ps);
}

static void server_view(const struct server *s, const char *state, struct sock_view *v)
{
	const struct pool *p = s->pool;
	memset(v, 0, sizeof *v);
	v->type = "S";
	v->user = p->cfg.server_user ? p->cfg.server_user : p->user_name;
	v->database = p->db_name;
	v->state = state;
	v->stream = &s->stream;
	v->peer_host = p->cfg.host;
	v->peer_port = p->cfg.port;
	v->unix_port = p->cfg.port;
	v->connect_us = admin_wall_us(p->corral, s->created_us);
	v->request_us = admin_wall_us(p->corral, s->last_used_us);
	v->close_needed = s->close_needed;
	v->ptr = s;
	v->link = s->client;
	v->remote_pid = (int)s->backend_pid;
	v->application_name = s->client ? session_params_get(&s->client->params,
							     SESSION_PARAM_APPLICATION_NAME)
					: NULL;
	v->id = s->id;
	/* A server that does not track statements has an empty set. */
	v->prepared = ps_server_count(&s->ps.set);
}

/* What to list and how: SHOW CLIENTS and SERVERS name states as PgBouncer's
 * CLIENTS/SERVERS do ("active", "idle"), SOCKETS by list ("cl_active"). */
struct listing {
	struct admin_result *r;
	bool clients, servers, sockets, only_busy;
};

static void emit(const struct listing *l, struct sock_view *v)
{
	if (l->only_busy && v->stream->in == NULL && !stream_has_unsent(v->stream))
		return;
	socket_row(l->r, v, l->sockets);
}

static void list_clients(const struct listing *l, const struct list_node *head, const char *state,
			 const char *socket_state)
{
	struct sock_view v;
	for (const struct list_node *it = head->next; it != head; it = it->next) {
		const struct client *c = list_entry(it, struct client, node);
		client_view(c, l->sockets ? socket_state
			    : c->state == CLIENT_ST_ACTIVE ? "active" : state, &v);
		emit(l, &v);
	}
}

/* A server's state as SHOW SERVERS names it, and as SHOW SOCKETS does. */
static const char *server_state(const struct server *s, bool sockets)
{
	switch (s->state) {
	case SERVER_ST_ACTIVE:
		return sockets ? "sv_active" : "active";
	case SERVER_ST_IDLE:
		if (server_needs_check(s))
			return sockets ? "sv_used" : "used";
		return sockets ? "sv_idle" : "idle";
	case SERVER_ST_TESTING:
	case SERVER_ST_RESET:
		return sockets ? "sv_tested" : "tested";
	case SERVER_ST_BEING_CANCELED:
		return sockets ? "sv_being_canceled" : "being_canceled";
	default:  /* connecting: the socket, TLS or the login */
		return sockets ? "sv_login" : "new";
	}
}

static void list_servers(const struct listing *l, const struct list_node *head)
{
	struct sock_view v;
	for (const struct list_node *it = head->next; it != head; it = it->next) {
		const struct server *s = list_entry(it, struct server, node);
		server_view(s, server_state(s, l->sockets), &v);
		emit(l, &v);
	}
}

static void list_pool(const struct listing *l, const struct pool *p)
{
	if (l->clients) {
		list_clients(l, &p->active_clients, "active", "cl_active");
		list_clients(l, &p->idle_clients, "idle", "cl_active");
		list_clients(l, &p->waiting_clients, "waiting", "cl_waiting");
		list_clients(l, &p->welcome_clients, "waiting", "cl_waiting");
	}
	if (l->servers) {
		list_servers(l, &p->active_servers);
		list_servers(l, &p->idle_servers);
		list_servers(l, &p->opening_servers);
	}
}

void admin_show_sockets(const struct admin_request *req)
{
	enum admin_show what = req->cmd->show;
	struct admin_result r;
	struct listing l = {
		.r = &r,
		.clients = what != ADMIN_SHOW_SERVERS,
		.servers = what != ADMIN_SHOW_CLIENTS,
		.sockets = what == ADMIN_SHOW_SOCKETS || what == ADMIN_SHOW_ACTIVE_SOCKETS,
		.only_busy = what == ADMIN_SHOW_ACTIVE_SOCKETS,
	};
	const struct corral *c = req->corral;
	admin_result_begin(&r, req->out, columns, l.sockets ? COUNT(columns) : STANDARD_COLUMNS);
	for (const struct list_node *it = c->pools.next; it != &c->pools; it = it->next)
		list_pool(&l, list_entry(it, struct pool, node));
	if (l.sockets)
		list_clients(&l, &c->login_clients, "login", "cl_login");
	admin_result_end(&r);
}
