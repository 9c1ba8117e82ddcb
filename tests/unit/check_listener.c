/* Unit tests for pooler/listener, over real sockets on 127.0.0.1 and in a
 * temporary directory, inside an event_base: accepted connections reach
 * the callback with the peer's address and the configured options; the
 * unix socket gets its mode and group, replaces a stale file and refuses a
 * live one; pause, resume and the fd shortage back-off hold connections in
 * the backlog; the fd limit rises as far as the hard limit allows. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/event.h>

#include "config/cfg_settings.h"
#include "pooler/listener.h"
#include "pooler/sockaddr.h"
#include "tests/unit/loop_test.h"

#define MAX_ACCEPTED 8

/* What the accept callback saw. */
struct accepted {
	struct event_base *base;
	struct listener_set *ls;
	int want;                     /* break the loop at this many */
	bool pause_after_each;        /* call listener_set_pause from the callback */
	int count;
	int fd[MAX_ACCEPTED];
	struct sockaddr_storage addr[MAX_ACCEPTED];
	socklen_t len[MAX_ACCEPTED];
	bool is_unix[MAX_ACCEPTED];
};

static void on_accept(void *ctx, int fd, const struct sockaddr *addr, socklen_t len, bool is_unix)
{
	struct accepted *a = ctx;
	ck_assert_int_lt(a->count, MAX_ACCEPTED);
	a->fd[a->count] = fd;
	memcpy(&a->addr[a->count], addr, len);
	a->len[a->count] = len;
	a->is_unix[a->count] = is_unix;
	if (++a->count >= a->want)
		event_base_loopbreak(a->base);
	if (a->pause_after_each)
		listener_set_pause(a->ls);
}

static void accepted_close_all(struct accepted *a)
{
	for (int i = 0; i < a->count; i++)
		close(a->fd[i]);
	a->count = 0;
}

/* Defaults, then the listening settings the tests vary; tcp_defer_accept
 * off so that a connect that sends nothing is accepted at once. */
static void settings_for(struct cfg_settings *s, const char *listen_addr, int port,
			 const char *unix_dir)
{
	char why[256];
	cfg_settings_init(s);
	ck_assert_int_eq(cfg_settings_set(s, "listen_addr", listen_addr, why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(s, "unix_socket_dir", unix_dir, why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(s, "tcp_defer_accept", "0", why, sizeof why), 0);
	/* Assigned directly: the settings table refuses port 0 (ephemeral). */
	s->listen_port = port;
}

static int bound_port(const struct listener_set *ls, size_t i)
{
	socklen_t len;
	const struct sockaddr *sa = listener_set_addr(ls, i, &len);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* A blocking client connected to 127.0.0.1:port (or ::1 when v6). */
static int tcp_client(bool v6, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_loopback;
		len = sizeof *in6;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *in;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&ss, len) == 0, "connect: %s", strerror(errno));
	return fd;
}

static int unix_client(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&un, sizeof un) == 0, "connect %s: %s", path,
		      strerror(errno));
	return fd;
}

/* ---- TCP listening ---- */

/* A client's connection arrives with its own address and port, non-blocking
 * and close-on-exec, with TCP_NODELAY and the keepalive settings. */
START_TEST(test_tcp_accept)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256], name[64], peer[SOCKADDR_FMT_SIZE], local[SOCKADDR_FMT_SIZE];
	settings_for(&s, "127.0.0.1", 0, "");
	ck_assert_int_eq(cfg_settings_set(&s, "tcp_keepidle", "45", why, sizeof why), 0);
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), 0);
	ck_assert_uint_eq(listener_set_count(a.ls), 1);
	int port = bound_port(a.ls, 0);
	ck_assert_int_gt(port, 0);
	snprintf(name, sizeof name, "127.0.0.1:%d", port);
	ck_assert_str_eq(listener_set_name(a.ls, 0), name);

	int c = tcp_client(false, port);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 1);
	ck_assert(!a.is_unix[0]);
	struct sockaddr_storage mine;
	socklen_t len = sizeof mine;
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&mine, &len), 0);
	ck_assert_int_eq(a.len[0], len);
	ck_assert_str_eq(sockaddr_format((struct sockaddr *)&a.addr[0], peer, sizeof peer),
			 sockaddr_format((struct sockaddr *)&mine, local, sizeof local));
	int fd = a.fd[0];
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	ck_assert_int_eq(int_option(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	ck_assert_int_eq(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), 45);

	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* With tcp_defer_accept the connection arrives once the client has sent
 * its first bytes, which are then there to read. */
START_TEST(test_defer_accept)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256], byte = 0;
	settings_for(&s, "127.0.0.1", 0, "");
	s.tcp_defer_accept = true;
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), 0);
	int c = tcp_client(false, bound_port(a.ls, 0));
	ck_assert_int_eq(write(c, "S", 1), 1);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 1);
	struct pollfd p = { .fd = a.fd[0], .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_eq(read(a.fd[0], &byte, 1), 1);
	ck_assert_int_eq(byte, 'S');
	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* Paused, connections wait in the backlog; resumed, they all arrive. A
 * callback that pauses stops the batch after its connection. */
START_TEST(test_pause_resume)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256];
	settings_for(&s, "127.0.0.1", 0, "");
	struct accepted a = { .base = base, .want = 3 };
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), 0);
	listener_set_pause(a.ls);
	listener_set_pause(a.ls);
	int port = bound_port(a.ls, 0), c[3];
	for (int i = 0; i < 3; i++)
		c[i] = tcp_client(false, port);
	run_loop(base, 100);
	ck_assert_int_eq(a.count, 0);

	a.pause_after_each = true;
	listener_set_resume(a.ls);
	run_loop(base, 100);
	ck_assert_int_eq(a.count, 1);
	a.pause_after_each = false;
	listener_set_resume(a.ls);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 3);

	for (int i = 0; i < 3; i++)
		close(c[i]);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* A port taken by another socket: the error names address and port, and
 * nothing is returned. */
START_TEST(test_address_in_use)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256], expect[128];
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof in;
	int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(taken, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(listen(taken, 1), 0);
	ck_assert_int_eq(getsockname(taken, (struct sockaddr *)&in, &len), 0);
	settings_for(&s, "127.0.0.1", ntohs(in.sin_port), "");
	struct accepted a = { .base = base };
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), -1);
	ck_assert_ptr_null(a.ls);
	snprintf(expect, sizeof expect, "could not listen on 127.0.0.1:%d: address already in use",
		 ntohs(in.sin_port));
	ck_assert_msg(strncmp(why, expect, strlen(expect)) == 0, "%s", why);
	close(taken);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* A list with blanks and an address named twice (once by name) binds it
 * once; an unknown name is an error naming it. */
START_TEST(test_listen_list)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256], name[64];
	int port = free_port();
	settings_for(&s, " 127.0.0.1 ,, localhost,127.0.0.1 ", port, "");
	struct accepted a = { .base = base };
	ck_assert_msg(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why) == 0, "%s",
		      why);
	snprintf(name, sizeof name, "127.0.0.1:%d", port);
	ck_assert_uint_eq(listener_set_count(a.ls), 1);
	ck_assert_str_eq(listener_set_name(a.ls, 0), name);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);

	settings_for(&s, "127.0.0.1,no-such-host.invalid", port, "");
	a.ls = NULL;
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "could not resolve listen_addr 'no-such-host.invalid'") == why,
		      "%s", why);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* "*" listens on 0.0.0.0 and :: (apart, IPV6_V6ONLY); both take clients. */
START_TEST(test_wildcard)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256], v4[64], v6[64];
	int port = free_port();
	settings_for(&s, "*", port, "");
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_msg(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why) == 0, "%s",
		      why);
	ck_assert_uint_eq(listener_set_count(a.ls), 2);
	snprintf(v4, sizeof v4, "0.0.0.0:%d", port);
	snprintf(v6, sizeof v6, "[::]:%d", port);
	ck_assert_str_eq(listener_set_name(a.ls, 0), v4);
	ck_assert_str_eq(listener_set_name(a.ls, 1), v6);
	int c4 = tcp_client(false, port);
	run_loop(base, 2000);
	a.want = 2;
	int c6 = tcp_client(true, port);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 2);
	ck_assert_int_eq(a.addr[0].ss_family, AF_INET);
	ck_assert_int_eq(a.addr[1].ss_family, AF_INET6);
	close(c4);
	close(c6);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* ---- unix socket ---- */

/* A fresh directory for one test's socket, and the socket's path in it. */
static void temp_socket_dir(char dir[64], char path[96], int port)
{
	snprintf(dir, 64, "/tmp/corral-listener-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, 96, "%s/.s.PGSQL.%d", dir, port);
}

/* Open a unix-only set in dir; returns -1 with why as listener_set_open does. */
static int open_unix_set(struct accepted *a, struct cfg_settings *s, const char *dir, char *why,
			 size_t why_size)
{
	settings_for(s, "", 6432, dir);
	return listener_set_open(&a->ls, a->base, s, on_accept, a, why, why_size);
}

/* The socket file gets unix_socket_mode and unix_socket_group; a client
 * arrives unnamed with is_unix; close removes the file. */
START_TEST(test_unix_socket)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char dir[64], path[96], why[256], name[160], buf[SOCKADDR_FMT_SIZE];
	temp_socket_dir(dir, path, 6432);
	struct group *gr = getgrgid(getegid());
	ck_assert_ptr_nonnull(gr);
	settings_for(&s, "", 6432, dir);
	ck_assert_int_eq(cfg_settings_set(&s, "unix_socket_mode", "0640", why, sizeof why), 0);
	ck_assert_int_eq(cfg_settings_set(&s, "unix_socket_group", gr->gr_name, why, sizeof why), 0);
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_msg(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why) == 0, "%s",
		      why);
	ck_assert_uint_eq(listener_set_count(a.ls), 1);
	snprintf(name, sizeof name, "unix:%s", path);
	ck_assert_str_eq(listener_set_name(a.ls, 0), name);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_gid, getegid());

	int c = unix_client(path);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 1);
	ck_assert(a.is_unix[0]);
	ck_assert_int_eq(a.addr[0].ss_family, AF_UNIX);
	ck_assert_str_eq(sockaddr_format((struct sockaddr *)&a.addr[0], buf, sizeof buf), "unix");
	ck_assert(fcntl(a.fd[0], F_GETFL) & O_NONBLOCK);

	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(rmdir(dir), 0);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* A socket file nobody listens on (its process died) is replaced. */
START_TEST(test_unix_stale_replaced)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char dir[64], path[96], why[256];
	temp_socket_dir(dir, path, 6432);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	int dead = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(dead, (struct sockaddr *)&un, sizeof un), 0);
	close(dead);
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_msg(open_unix_set(&a, &s, dir, why, sizeof why) == 0, "%s", why);
	int c = unix_client(path);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 1);
	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	ck_assert_int_eq(rmdir(dir), 0);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* A live socket is refused with a clear message and keeps working (its
 * owner sees the liveness probe as a connection that closes at once, as
 * PostgreSQL would); a file that is not a socket is refused and left
 * alone. */
START_TEST(test_unix_live_refused)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s1, s2;
	char dir[64], path[96], why[256], expect[256];
	temp_socket_dir(dir, path, 6432);
	struct accepted a = { .base = base, .want = 2 }, b = { .base = base };
	ck_assert_msg(open_unix_set(&a, &s1, dir, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(open_unix_set(&b, &s2, dir, why, sizeof why), -1);
	ck_assert_ptr_null(b.ls);
	snprintf(expect, sizeof expect, "another corral/PostgreSQL is listening on unix:%s", path);
	ck_assert_str_eq(why, expect);
	cfg_settings_fini(&s2);
	int c = unix_client(path);
	run_loop(base, 2000);
	ck_assert_int_eq(a.count, 2);
	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);

	int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(f, 0);
	close(f);
	ck_assert_int_eq(open_unix_set(&b, &s2, dir, why, sizeof why), -1);
	snprintf(expect, sizeof expect,
		 "%s exists and is not a socket; remove it or change unix_socket_dir", path);
	ck_assert_str_eq(why, expect);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	cfg_settings_fini(&s1);
	cfg_settings_fini(&s2);
	event_base_free(base);
}
END_TEST

/* An unknown unix_socket_group fails and leaves no file behind; so does a
 * missing directory. Close leaves a socket file another process put in
 * place of ours. */
START_TEST(test_unix_errors_and_ownership)
{
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char dir[64], path[96], why[256];
	temp_socket_dir(dir, path, 6432);
	struct accepted a = { .base = base };
	settings_for(&s, "", 6432, dir);
	ck_assert_int_eq(cfg_settings_set(&s, "unix_socket_group", "no-such-group-corral", why,
					  sizeof why), 0);
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), -1);
	ck_assert_str_eq(why, "unix_socket_group 'no-such-group-corral' does not exist");
	ck_assert_int_eq(access(path, F_OK), -1);
	cfg_settings_fini(&s);

	char missing[96];
	snprintf(missing, sizeof missing, "%s/missing", dir);
	ck_assert_int_eq(open_unix_set(&a, &s, missing, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "could not bind to unix:") == why, "%s", why);
	cfg_settings_fini(&s);

	ck_assert_msg(open_unix_set(&a, &s, dir, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(unlink(path), 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	int other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(other, (struct sockaddr *)&un, sizeof un), 0);
	listener_set_close(a.ls);
	ck_assert_int_eq(access(path, F_OK), 0);
	close(other);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* ---- file descriptors ---- */

static double now_seconds(void)
{
	struct timespec ts;
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Out of fds, the pending connection stays in the backlog for the pause
 * (no retrying at once) and is accepted by itself afterwards. Check forks
 * each test, so the lowered limit stays in this test. */
START_TEST(test_fd_shortage_backs_off)
{
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 128;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	struct event_base *base = event_base_new();
	struct cfg_settings s;
	char why[256];
	settings_for(&s, "127.0.0.1", 0, "");
	struct accepted a = { .base = base, .want = 1 };
	ck_assert_int_eq(listener_set_open(&a.ls, base, &s, on_accept, &a, why, sizeof why), 0);
	int c = tcp_client(false, bound_port(a.ls, 0));
	int fill[128], n = 0;
	while (n < 128 && (fill[n] = dup(c)) != -1)
		n++;
	ck_assert_int_eq(errno, EMFILE);
	run_loop(base, 30);
	ck_assert_int_eq(a.count, 0);
	for (int i = 0; i < n; i++)
		close(fill[i]);
	/* The first EMFILE came at once, so the pause has about 70 ms left: a
	 * listener that kept retrying would accept right away instead. */
	double freed = now_seconds();
	run_loop(base, 1000);
	ck_assert_int_eq(a.count, 1);
	ck_assert_double_ge(now_seconds() - freed, 0.04);
	close(c);
	accepted_close_all(&a);
	listener_set_close(a.ls);
	cfg_settings_fini(&s);
	event_base_free(base);
}
END_TEST

/* The soft limit rises to what is needed, never falls, and stops at the
 * hard limit, saying so. */
START_TEST(test_raise_fd_limit)
{
	struct rlimit rl;
	char why[256] = "";
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 256);
	rl.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(listener_raise_fd_limit(200, why, sizeof why), 200);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(rl.rlim_cur, 200);
	ck_assert_int_eq(listener_raise_fd_limit(100, why, sizeof why), 200);
	if (rl.rlim_max == RLIM_INFINITY)
		return;
	long hard = (long)rl.rlim_max;
	char expect[64];
	snprintf(expect, sizeof expect, "the hard limit (ulimit -Hn) is %ld", hard);
	ck_assert_int_eq(listener_raise_fd_limit(hard + 1000, why, sizeof why), hard);
	ck_assert_str_eq(why, expect);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(rl.rlim_cur, hard);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("listener");
	TCase *tcp = tcase_create("tcp");
	tcase_add_test(tcp, test_tcp_accept);
	tcase_add_test(tcp, test_defer_accept);
	tcase_add_test(tcp, test_pause_resume);
	tcase_add_test(tcp, test_address_in_use);
	tcase_add_test(tcp, test_listen_list);
	tcase_add_test(tcp, test_wildcard);
	suite_add_tcase(s, tcp);
	TCase *un = tcase_create("unix");
	tcase_add_test(un, test_unix_socket);
	tcase_add_test(un, test_unix_stale_replaced);
	tcase_add_test(un, test_unix_live_refused);
	tcase_add_test(un, test_unix_errors_and_ownership);
	suite_add_tcase(s, un);
	TCase *fds = tcase_create("fds");
	tcase_add_test(fds, test_fd_shortage_backs_off);
	tcase_add_test(fds, test_raise_fd_limit);
	suite_add_tcase(s, fds);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
