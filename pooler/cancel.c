/* cancel: CancelRequest forwarding (see cancel.h). One small heap object
 * per request in flight: the socket and the packet, freed when sent or
 * when server_connect_timeout passes. */
#include "pooler/cancel.h"

#include <stdlib.h>
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

struct cancel_request {
	int fd;
	struct event *ev;
	struct pg_buf packet;
};

static void cancel_request_free(struct cancel_request *r)
{
	event_free(r->ev);
	close(r->fd);
	pg_buf_fini(&r->packet);
	free(r);
}

static void cancel_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct cancel_request *r = arg;
	char why[256];
	if (what & EV_TIMEOUT)
		log_warning("cancel request not delivered: the server did not accept a connection in time");
	else if (sockopt_connect_finish(fd, why, sizeof why) != 0)
		log_warning("cancel request not delivered: %s", why);
	else if (send(fd, r->packet.data, r->packet.len, MSG_NOSIGNAL) != (ssize_t)r->packet.len)
		log_warning("cancel request not delivered: short send");
	cancel_request_free(r);
}

void cancel_route(struct corral *corral, uint32_t pid, uint32_t key)
{
	struct client *c = cancel_map_find(corral->cancel, pid, key);
	if (c == NULL || c->server == NULL) {
		log_debug("cancel request for no running query; ignored");
		return;
	}
	log_debug("C-%llu: cancel forwarded to server S-%llu", (unsigned long long)c->id,
		  (unsigned long long)c->server->id);
	cancel_server(c->server);
}

void cancel_server(struct server *s)
{
	struct pool *p = s->pool;
	struct corral *corral = p->corral;
	if (p->addr_state != POOL_ADDR_READY || (s->backend_pid == 0 && s->backend_key == 0))
		return;
	const struct resolve_addr *a = &p->addr.addr[0];
	struct sockopt_tcp tcp;
	char why[256];
	int fd;
	sockopt_tcp_from_settings(&tcp, &corral->cfg->settings);
	if (sockopt_connect_nonblocking((const struct sockaddr *)&a->ss, a->len, &tcp, &fd, why,
					sizeof why) != 0) {
		log_warning("cancel request not delivered: %s", why);
		return;
	}
	struct cancel_request *r = xcalloc(1, sizeof *r);
	r->fd = fd;
	pg_buf_init(&r->packet);
	pg_startup_build_cancel(&r->packet, s->backend_pid, s->backend_key);
	r->ev = event_new(corral->base, fd, EV_WRITE, cancel_on_writable, r);
	struct timeval tv = { .tv_sec = p->cfg.server_connect_timeout_us / 1000000,
			      .tv_usec = p->cfg.server_connect_timeout_us % 1000000 };
	event_add(r->ev, &tv);
}
