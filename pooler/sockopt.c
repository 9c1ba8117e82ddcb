/* sockopt: TCP options and non-blocking connect (see sockopt.h). */
#include "pooler/sockopt.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg_settings.h"
#include "pooler/sockaddr.h"

void sockopt_tcp_from_settings(struct sockopt_tcp *t, const struct cfg_settings *s)
{
	t->keepalive = s->tcp_keepalive;
	t->keepidle = s->tcp_keepidle;
	t->keepintvl = s->tcp_keepintvl;
	t->keepcnt = s->tcp_keepcnt;
	t->user_timeout = s->tcp_user_timeout;
	/* The settings table bounds tcp_socket_buffer to INT_MAX. */
	t->socket_buffer = (int)s->tcp_socket_buffer;
}

/* setsockopt with an int value; on failure why names the option. */
static int set_int(int fd, int level, int name, const char *name_text, int value, char *why,
		   size_t why_size)
{
	if (setsockopt(fd, level, name, &value, sizeof value) == 0)
		return 0;
	snprintf(why, why_size, "setsockopt(%s, %d): %s", name_text, value, strerror(errno));
	return -1;
}

int sockopt_tune_tcp(int fd, const struct sockopt_tcp *t, char *why, size_t why_size)
{
	/* Each row applies when its value is non-zero, except the two that
	 * are always set to say exactly what corral wants. */
	const struct {
		int level, name;
		const char *text;
		int value;
		bool always;
	} opts[] = {
		{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1, true },
		{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", t->keepalive, true },
		{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", t->keepalive ? t->keepidle : 0, false },
		{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", t->keepalive ? t->keepintvl : 0, false },
		{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", t->keepalive ? t->keepcnt : 0, false },
		{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", t->user_timeout, false },
		{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", t->socket_buffer, false },
		{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", t->socket_buffer, false },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (!opts[i].always && opts[i].value == 0)
			continue;
		if (set_int(fd, opts[i].level, opts[i].name, opts[i].text, opts[i].value, why,
			    why_size) != 0)
			return -1;
	}
	return 0;
}

int sockopt_tune_listen(int fd, int family, bool reuseport, char *why, size_t why_size)
{
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1, why, why_size) != 0)
		return -1;
	if (reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", 1, why, why_size) != 0)
		return -1;
	if (family == AF_INET6 &&
	    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", 1, why, why_size) != 0)
		return -1;
	return 0;
}

int sockopt_defer_accept(int fd, bool on, char *why, size_t why_size)
{
	/* The value is the seconds to wait for data; Linux rounds it up to
	 * a number of SYN-ACK retransmits. */
	return set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT", on ? 1 : 0, why,
		       why_size);
}

int sockopt_connect_nonblocking(const struct sockaddr *addr, socklen_t addr_len,
				const struct sockopt_tcp *t, int *fd_out, char *why, size_t why_size)
{
	char name[SOCKADDR_FMT_SIZE], reason[256];
	sockaddr_format(addr, name, sizeof name);
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(why, why_size, "cannot create a socket for %s: %s", name, strerror(errno));
		return -1;
	}
	if (addr->sa_family != AF_UNIX && sockopt_tune_tcp(fd, t, reason, sizeof reason) != 0) {
		snprintf(why, why_size, "cannot set up the socket for %s: %s", name, reason);
		close(fd);
		return -1;
	}
	if (connect(fd, addr, addr_len) == -1 && errno != EINPROGRESS) {
		snprintf(why, why_size, "cannot connect to %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int sockopt_connect_finish(int fd, char *why, size_t why_size)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0)
		return 0;
	snprintf(why, why_size, "%s", strerror(err));
	return -1;
}
