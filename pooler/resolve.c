/* resolve: numeric hosts at once, names through evdns (see resolve.h).
 * evdns may answer inside evdns_getaddrinfo (a hosts-file entry, a bad
 * name); such an answer is held and delivered from the loop so that the
 * caller is never re-entered from resolve_start. */
#include "pooler/resolve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "pooler/sockaddr.h"
#include "util/xalloc.h"

/* Owned by the resolver from resolve_start until cb has run or libevent has
 * reported the cancellation. */
struct resolve_request {
	struct event_base *base;
	void (*cb)(void *arg, const struct resolve_result *res, const char *error);
	void *arg;
	char *host;                               /* for the error text */
	struct evdns_getaddrinfo_request *lookup; /* NULL when evdns answered at once */
	struct event *deliver;                    /* holds an answer given at once */
	bool starting;                            /* inside resolve_start */
	bool cancelled;
	bool failed;
	struct resolve_result result;             /* valid when !failed */
	char error[320];                          /* valid when failed */
};

enum resolve_status resolve_numeric(const char *host, int port, struct resolve_result *out,
				    char *why, size_t why_size)
{
	struct resolve_addr a;
	memset(&a, 0, sizeof a);
	struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.ss;
	if (host[0] == '/' || host[0] == '@') {
		if (sockaddr_pg_unix(host, port, (struct sockaddr_un *)&a.ss, &a.len, why, why_size) != 0)
			return RESOLVE_ERR;
	} else if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a.len = sizeof *in;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a.len = sizeof *in6;
	} else {
		return RESOLVE_NEED_DNS;
	}
	out->count = 1;
	out->addr[0] = a;
	return RESOLVE_OK;
}

/* Copy evdns's answer into req (result or error); frees ai. */
static void take_answer(struct resolve_request *req, int code, struct evutil_addrinfo *ai)
{
	memset(&req->result, 0, sizeof req->result);
	for (struct evutil_addrinfo *p = ai; p && req->result.count < RESOLVE_MAX_ADDRS; p = p->ai_next) {
		struct resolve_addr *a = &req->result.addr[req->result.count];
		if (p->ai_addrlen > sizeof a->ss)
			continue;
		memcpy(&a->ss, p->ai_addr, p->ai_addrlen);
		a->len = (socklen_t)p->ai_addrlen;
		req->result.count++;
	}
	if (ai)
		evutil_freeaddrinfo(ai);
	req->failed = code != 0 || req->result.count == 0;
	if (req->failed)
		snprintf(req->error, sizeof req->error, "could not resolve host '%s': %s", req->host,
			 code != 0 ? evutil_gai_strerror(code) : "no address");
}

/* Free req and, when evdns answered at once, the event holding that
 * answer; event_del takes it off the active queue when the request is
 * cancelled before delivery. */
static void release(struct resolve_request *req)
{
	if (req->deliver) {
		event_del(req->deliver);
		free(req->deliver);
	}
	free(req->host);
	free(req);
}

/* Call the user back with what req holds, then release req. */
static void deliver(struct resolve_request *req)
{
	req->cb(req->arg, req->failed ? NULL : &req->result, req->failed ? req->error : NULL);
	release(req);
}

static void resolve_on_deliver(evutil_socket_t fd, short what, void *arg)
{
	deliver(arg);
}

/* evdns's callback: exactly once per lookup, cancelled or not. */
static void resolve_on_answer(int code, struct evutil_addrinfo *ai, void *arg)
{
	struct resolve_request *req = arg;
	if (req->cancelled) {
		if (ai)
			evutil_freeaddrinfo(ai);
		release(req);
		return;
	}
	take_answer(req, code, ai);
	if (!req->starting) {
		deliver(req);
		return;
	}
	/* Allocated here rather than by event_new so that running out of
	 * memory aborts like every other allocation. */
	req->deliver = xmalloc(event_get_struct_event_size());
	if (event_assign(req->deliver, req->base, -1, 0, resolve_on_deliver, req) != 0)
		abort(); /* only bad arguments make event_assign fail */
	event_active(req->deliver, EV_TIMEOUT, 0);
}

struct resolve_request *resolve_start(struct event_base *base, struct evdns_base *dns,
				      const char *host, int port,
				      void (*cb)(void *arg, const struct resolve_result *res,
						 const char *error),
				      void *arg)
{
	struct resolve_request *req = xcalloc(1, sizeof *req);
	req->base = base;
	req->cb = cb;
	req->arg = arg;
	req->host = xstrdup(host);
	req->starting = true;
	struct evutil_addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV | EVUTIL_AI_ADDRCONFIG;
	char service[16];
	snprintf(service, sizeof service, "%d", port);
	req->lookup = evdns_getaddrinfo(dns, host, service, &hints, resolve_on_answer, req);
	req->starting = false;
	return req;
}

void resolve_cancel(struct resolve_request *req)
{
	if (req->deliver) {
		/* evdns is done with it; only the held answer remains. */
		release(req);
		return;
	}
	req->cancelled = true;
	evdns_getaddrinfo_cancel(req->lookup);
}
