/* listener: the sockets corral accepts clients on. From listen_addr,
 * listen_port and unix_socket_dir it opens TCP sockets (a comma-separated
 * list of addresses or names; "*" is every IPv4 and IPv6 address) and the
 * unix socket <dir>/.s.PGSQL.<port> (replacing a stale file left by a dead
 * process, refusing a live one), watches them on one event loop, accepts in
 * small batches and hands each new fd to a callback. Running out of file
 * descriptors pauses accepting briefly instead of spinning. Also raises
 * RLIMIT_NOFILE for max_client_conn. Owns the listening sockets and the
 * socket file; never the accepted connections. */
#ifndef CORRAL_POOLER_LISTENER_H
#define CORRAL_POOLER_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct cfg_settings;
struct event_base;
struct listener_set;

/* Called once per accepted connection. fd is non-blocking and
 * close-on-exec, TCP ones tuned from the tcp_* settings (TCP_NODELAY,
 * keepalive); it belongs to the callback from then on. addr (len bytes) is
 * the peer; for a unix socket it is unnamed and is_unix is set. The
 * callback may call listener_set_pause, but not listener_set_close. */
typedef void listener_accept_fn(void *ctx, int fd, const struct sockaddr *addr, socklen_t len,
				bool is_unix);

/* Open, bind and listen on every socket s asks for and watch them on base
 * (accepting starts when base's loop runs), each accepted connection going
 * to on_accept(ctx, ...). s is only read during the call. Host names in
 * listen_addr are resolved here, blocking: this runs at start-up. Returns 0
 * with *out owned by the caller (listener_set_close), or -1 with why naming
 * the address and the reason ("could not listen on 127.0.0.1:6432: address
 * already in use", "another corral/PostgreSQL is listening on
 * unix:/tmp/.s.PGSQL.6432") and nothing left open or created. Neither
 * listen_addr nor unix_socket_dir set is not an error: the set is empty. */
int listener_set_open(struct listener_set **out, struct event_base *base,
		      const struct cfg_settings *s, listener_accept_fn *on_accept, void *ctx,
		      char *why, size_t why_size) __attribute__((warn_unused_result));

/* Take the reloadable settings from s: the tcp_* options for connections
 * accepted from now on, and tcp_defer_accept on the listening sockets (a
 * failure there is logged; the sockets keep working). */
void listener_set_update(struct listener_set *ls, const struct cfg_settings *s);

/* Stop accepting (PAUSE, SHUTDOWN): connections wait in the kernel's
 * backlog. Resume accepts again, unless an fd shortage pause is still
 * running, which then resumes on its own. Both are idempotent. */
void listener_set_pause(struct listener_set *ls);
void listener_set_resume(struct listener_set *ls);

/* Close the sockets and remove the unix socket file if it is still the one
 * this set created. NULL is allowed. Not from inside the accept callback. */
void listener_set_close(struct listener_set *ls);

/* Number of listening sockets, and socket i's bound address (the real port
 * when listen_port was 0) and its name for the log: "127.0.0.1:6432",
 * "[::]:6432", "unix:/tmp/.s.PGSQL.6432" ("listening on %s"). */
size_t listener_set_count(const struct listener_set *ls);
const struct sockaddr *listener_set_addr(const struct listener_set *ls, size_t i, socklen_t *len);
const char *listener_set_name(const struct listener_set *ls, size_t i);

/* Raise the soft RLIMIT_NOFILE towards needed (max_client_conn + the pool
 * sizes + slack), up to the hard limit; never lowers it. Returns the soft
 * limit in effect afterwards (LONG_MAX when unlimited), or -1 with why when
 * the limit cannot be read. When the result is below needed, why says why
 * ("the hard limit (ulimit -Hn) is 4096", or setrlimit's error) so the
 * caller can warn "max_client_conn X needs N file descriptors, only M
 * available: <why>". */
long listener_raise_fd_limit(long needed, char *why, size_t why_size)
	__attribute__((warn_unused_result));

#endif
