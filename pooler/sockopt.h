/* sockopt: the socket options corral puts on TCP connections it accepts
 * and opens (TCP_NODELAY, keepalive timing, TCP_USER_TIMEOUT, buffer
 * sizes), taken from the tcp_* settings, and on its listening sockets;
 * and starting a non-blocking connect to a server. It owns no sockets:
 * the caller owns every fd. */
#ifndef CORRAL_POOLER_SOCKOPT_H
#define CORRAL_POOLER_SOCKOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct cfg_settings;

/* The reloadable tcp_* settings, copied so that a connection never reads a
 * configuration snapshot that a reload has freed. 0 means "the kernel's
 * default" for every number. */
struct sockopt_tcp {
	bool keepalive;     /* SO_KEEPALIVE */
	int keepidle;       /* seconds idle before the first probe */
	int keepintvl;      /* seconds between probes */
	int keepcnt;        /* unanswered probes before the connection drops */
	int user_timeout;   /* TCP_USER_TIMEOUT, milliseconds */
	int socket_buffer;  /* SO_SNDBUF and SO_RCVBUF, bytes */
};

/* Fill *t from the tcp_* members of *s. */
void sockopt_tcp_from_settings(struct sockopt_tcp *t, const struct cfg_settings *s);

/* Set TCP_NODELAY and the options in *t on the TCP socket fd. Returns 0, or
 * -1 with why naming the option and the system's reason; some options may
 * already be set then, and the caller should close fd. */
int sockopt_tune_tcp(int fd, const struct sockopt_tcp *t, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* Before bind on a listening TCP socket of family AF_INET or AF_INET6:
 * SO_REUSEADDR (a restart can bind while old connections linger in
 * TIME_WAIT), SO_REUSEPORT when reuseport (several processes share the
 * port), IPV6_V6ONLY on IPv6 (so "::" and "0.0.0.0" bind side by side).
 * Returns 0, or -1 with why. */
int sockopt_tune_listen(int fd, int family, bool reuseport, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* TCP_DEFER_ACCEPT on a listening TCP socket: when on, the kernel hands a
 * connection over only once the client has sent something (its startup
 * packet), so a connect that sends nothing costs no accept. Returns 0, or
 * -1 with why. */
int sockopt_defer_accept(int fd, bool on, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* Open a non-blocking, close-on-exec stream socket for addr's family, tune
 * it with *t when it is TCP (t is unused for AF_UNIX), and start connecting
 * to addr. Returns 0 with *fd_out owned by the caller: the connect is done
 * or in progress, and either way the caller waits for the fd to be
 * writable, then calls sockopt_connect_finish. Returns -1 with why (which
 * names the address) when the socket cannot be made or the connect fails
 * at once (on a unix socket, a full backlog fails at once: EAGAIN). */
int sockopt_connect_nonblocking(const struct sockaddr *addr, socklen_t addr_len,
				const struct sockopt_tcp *t, int *fd_out, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* After a socket from sockopt_connect_nonblocking became writable: 0 when
 * the connection is established, -1 with why ("Connection refused", ...)
 * when it failed. fd stays the caller's either way. */
int sockopt_connect_finish(int fd, char *why, size_t why_size) __attribute__((warn_unused_result));

#endif
