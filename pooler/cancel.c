/* cancel: CancelRequest forwarding (see cancel.h). One small heap object
 * per request in flight, on corral->cancels: the connection to PostgreSQL
 * (connect, send the 16 bytes, wait for PostgreSQL to close it), the
 * requester's socket held meanwhile, and the server it counts against.
 * Freed when PostgreSQL closes, or when the deadline passes. */
#include "pooler/cancel.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/cancel_map.h"
#include "pooler/client.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "pooler/sockopt.h"
#include "protocol/pg_startup.h"
#include "util/xalloc.h"

/* The bound on a request when server_connect_timeout is 0 (off): a server
 * must not wait for its cancel forever. */
#define CANCEL_FALLBACK_WAIT_US (15 * 1000000LL)
#define NOT_CLOSED "it did not close the connection within server_connect_timeout"

struct cancel_request {
	struct list_node node;      /* in corral->cancels */
	struct corral *corral;
	struct server *server;      /* the one it counts against; NULL once that server closed */
	const struct pool *pool;    /* the server's (pools outlive requests), for SHOW POOLS */
	uint64_t server_id;         /* for logs, after the server is gone */
	int fd;                     /* to PostgreSQL (owned) */
	int requester_fd;           /* duplicate of the requester's socket (owned), or -1 */
	struct event *ev;           /* owned: writable to send, then readable for the close */
	uint64_t deadline_us;       /* monotonic */
	struct pg_buf packet;
};

static void request_free(struct cancel_request *r)
{
	list_remove(&r->node);
	event_free(r->ev);
	close(r->fd);
	if (r->requester_fd != -1)
		close(r->requester_fd);
	pg_buf_fini(&r->packet);
	free(r);
}

/* Stop counting r against its server; returns that server (or NULL). */
static struct server *detach(struct cancel_request *r)
{
	struct server *s = r->server;
	if (s)
		s->cancels--;
	r->server = NULL;
	return s;
}

/* PostgreSQL closed the connection: it has signalled the backend. A server
 * waiting for its last cancel goes on to the pool. */
static void request_done(struct cancel_request *r)
{
	struct server *s = detach(r);
	log_debug("S-%llu: cancel request handled by PostgreSQL", (unsigned long long)r->server_id);
	request_free(r);
	if (s && s->cancels == 0)
		server_cancels_done(s);
}

/* The request failed or PostgreSQL did not confirm it in time: the signal
 * may still come, so its server must not run anyone's next query. */
static void request_failed(struct cancel_request *r, const char *why)
{
	struct server *s = detach(r);
	char reason[320];
	snprintf(reason, sizeof reason, "cancel request not confirmed by PostgreSQL (%s): closing "
		 "the server so that a late cancel cannot hit another query", why);
	if (s == NULL)
		log_warning("S-%llu (closed): cancel request not confirmed by PostgreSQL: %s",
			    (unsigned long long)r->server_id, why);
	request_free(r);
	if (s)
		server_close(s, reason);
}

static bool rearm(struct cancel_request *r)
{
	uint64_t now = corral_now_us();
	if (now >= r->deadline_us)
		return false;
	corral_event_add_us(r->ev, r->deadline_us - now);
	return true;
}

static void cancel_on_closed(evutil_socket_t fd, short what, void *arg)
{
	struct cancel_request *r = arg;
	char buf[64];
	if (what & EV_TIMEOUT) {
		request_failed(r, NOT_CLOSED);
		return;
	}
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	if (n == 0) {
		request_done(r);
	} else if (n > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		if (!rearm(r))  /* PostgreSQL answers nothing; bytes are ignored */
			request_failed(r, NOT_CLOSED);
	} else {
		char why[256];
		snprintf(why, sizeof why, "reading: %s", strerror(errno));
		request_failed(r, why);
	}
}

static void cancel_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct cancel_request *r = arg;
	char why[256];
	if (what & EV_TIMEOUT) {
		request_failed(r, "no connection within server_connect_timeout");
		return;
	}
	if (sockopt_connect_finish(fd, why, sizeof why) != 0) {
		request_failed(r, why);
		return;
	}
	if (send(fd, r->packet.data, r->packet.len, MSG_NOSIGNAL) != (ssize_t)r->packet.len) {
		request_failed(r, "short send");
		return;
	}
	event_assign(r->ev, r->corral->base, fd, EV_READ, cancel_on_closed, r);
	if (!rearm(r))
		request_failed(r, "no answer within server_connect_timeout");
}

/* Start a request for s's backend, holding requester_fd (or -1). Returns
 * false when not even the connect could start (then nothing is held). */
static bool start_request(struct server *s, int requester_fd)
{
	struct pool *p = s->pool;
	struct corral *corral = p->corral;
	if (p->addr_state != POOL_ADDR_READY || (s->backend_pid == 0 && s->backend_key == 0))
		return false;
	const struct resolve_addr *a = &p->addr.addr[0];
	struct sockopt_tcp tcp;
	char why[256];
	int fd;
	sockopt_tcp_from_settings(&tcp, &corral->cfg->settings);
	if (sockopt_connect_nonblocking((const struct sockaddr *)&a->ss, a->len, &tcp, &fd, why,
					sizeof why) != 0) {
		log_warning("S-%llu: cancel request not delivered: %s", (unsigned long long)s->id, why);
		return false;
	}
	struct cancel_request *r = xcalloc(1, sizeof *r);
	r->corral = corral;
	r->server = s;
	r->pool = p;
	r->server_id = s->id;
	r->fd = fd;
	r->requester_fd = requester_fd == -1 ? -1 : dup(requester_fd);
	pg_buf_init(&r->packet);
	pg_startup_build_cancel(&r->packet, s->backend_pid, s->backend_key);
	int64_t wait = p->cfg.server_connect_timeout_us > 0 ? p->cfg.server_connect_timeout_us
							    : CANCEL_FALLBACK_WAIT_US;
	r->deadline_us = corral_now_us() + (uint64_t)wait;
	r->ev = event_new(corral->base, fd, EV_WRITE, cancel_on_writable, r);
	list_push_back(&corral->cancels, &r->node);
	s->cancels++;
	(void)rearm(r);  /* the deadline is in the future */
	return true;
}

void cancel_route(struct corral *corral, uint32_t pid, uint32_t key, int requester_fd)
{
	struct client *c = cancel_map_find(corral->cancel, pid, key);
	struct server *s = c ? c->server : NULL;
	if (s == NULL || !(server_busy(s) || s->extended_open)) {
		log_debug("cancel request for no running query; ignored");
		return;
	}
	if (start_request(s, requester_fd))
		log_debug("C-%llu: cancel forwarded to server S-%llu", (unsigned long long)c->id,
			  (unsigned long long)s->id);
}

void cancel_server(struct server *s)
{
	(void)start_request(s, -1);  /* failures are logged */
}

void cancel_forget_server(struct server *s)
{
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &s->pool->corral->cancels) {
		struct cancel_request *r = list_entry(n, struct cancel_request, node);
		if (r->server == s)
			detach(r);
	}
}

void cancel_count(const struct corral *corral, const struct pool *p, int *requests,
		  int *requesters)
{
	*requests = *requesters = 0;
	for (const struct list_node *n = corral->cancels.next; n != &corral->cancels; n = n->next) {
		const struct cancel_request *r = list_entry(n, struct cancel_request, node);
		if (r->pool == p) {
			(*requests)++;
			*requesters += r->requester_fd != -1;
		}
	}
}

void cancel_free_all(struct corral *corral)
{
	struct list_node *n;
	while ((n = list_first(&corral->cancels)) != NULL) {
		struct cancel_request *r = list_entry(n, struct cancel_request, node);
		detach(r);
		request_free(r);
	}
}
