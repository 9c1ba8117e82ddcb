/* resolve: where a [databases] host is. Numeric IPv4/IPv6 literals and unix
 * socket directories ("/dir", or "@name" for an abstract socket) resolve at
 * once, without DNS (resolve_numeric); host names go through libevent's
 * asynchronous resolver (resolve_start), so DNS never blocks the loop. The
 * caller owns the evdns_base (its resolv.conf, timeouts and cache). */
#ifndef CORRAL_POOLER_RESOLVE_H
#define CORRAL_POOLER_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct evdns_base;

/* Addresses kept from one answer; further ones are dropped. */
#define RESOLVE_MAX_ADDRS 8

/* One address, zero-filled beyond len (sockaddr_format prints it). */
struct resolve_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* An answer: count >= 1 addresses, in the resolver's order. */
struct resolve_result {
	size_t count;
	struct resolve_addr addr[RESOLVE_MAX_ADDRS];
};

enum resolve_status {
	RESOLVE_OK,        /* *out holds the one address */
	RESOLVE_NEED_DNS,  /* host is a name: use resolve_start */
	RESOLVE_ERR,       /* why says what is wrong (a unix path too long) */
};

/* Resolve host (not empty) and port without DNS: an IPv4 or IPv6 literal
 * gives that address; "/dir" gives the unix socket <dir>/.s.PGSQL.<port>;
 * "@dir" gives that path in the abstract namespace, as PostgreSQL names
 * it. Anything else is a name: RESOLVE_NEED_DNS, *out untouched. */
enum resolve_status resolve_numeric(const char *host, int port, struct resolve_result *out,
				    char *why, size_t why_size)
	__attribute__((warn_unused_result));

struct resolve_request;

/* Start looking up host name (TCP, IPv4 and IPv6) through dns, and answer
 * through cb on base's loop: with res filled and error NULL, or with res
 * NULL and error saying what failed ("could not resolve host 'x': ..."). cb
 * is called exactly once, never from inside resolve_start, unless the
 * request is cancelled first; res and error are valid only during cb.
 * Returns the request, which belongs to the resolver and is valid until cb
 * is called or resolve_cancel. */
struct resolve_request *resolve_start(struct event_base *base, struct evdns_base *dns,
				      const char *host, int port,
				      void (*cb)(void *arg, const struct resolve_result *res,
						 const char *error),
				      void *arg);

/* Cancel a request whose cb has not run: cb will not be called. The
 * request's memory is released when libevent reports the cancellation (on
 * a later loop iteration, or when dns is freed with fail_requests set). */
void resolve_cancel(struct resolve_request *req);

#endif
