/* listener: listening sockets, the accept loop and the fd limit (see
 * listener.h). The sockets are opened first into a growing array; their
 * events are created only once the array is final, since each event points
 * at its entry. */
#include "pooler/listener.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/event.h>

#include "config/cfg_settings.h"
#include "pooler/log.h"
#include "pooler/sockaddr.h"
#include "pooler/sockopt.h"
#include "util/xalloc.h"

/* Connections accepted per wakeup of one socket, so one busy listener does
 * not starve the loop's other work. */
#define ACCEPT_BATCH 16
/* How long accepting pauses after running out of file descriptors. */
#define FD_BACKOFF_USEC 100000

struct listener {
	struct listener_set *set;
	int fd;
	bool is_unix;
	struct event *ev;                /* owned; NULL until the set is complete */
	struct sockaddr_storage addr;    /* as bound (getsockname) */
	socklen_t addr_len;
	char name[SOCKADDR_FMT_SIZE];
};

struct listener_set {
	struct event_base *base;
	listener_accept_fn *on_accept;
	void *ctx;
	struct listener *items;          /* owned */
	size_t count;
	struct sockopt_tcp tcp;          /* for accepted TCP connections */
	struct event *backoff;           /* owned: ends an fd shortage pause */
	bool paused;                     /* listener_set_pause */
	bool backing_off;                /* out of fds: waiting for backoff */
	bool shortage_logged;            /* since the last successful accept */
	char *unix_path;                 /* owned: socket file we created, or NULL */
	dev_t unix_dev;                  /* its identity, to unlink only our own */
	ino_t unix_ino;
};

/* Adopt fd as a new listening socket (closing it if it cannot be named). */
static int add_listener(struct listener_set *ls, int fd, bool is_unix, char *why, size_t why_size)
{
	struct listener l = { .set = ls, .fd = fd, .is_unix = is_unix };
	l.addr_len = sizeof l.addr;
	if (getsockname(fd, (struct sockaddr *)&l.addr, &l.addr_len) == -1) {
		snprintf(why, why_size, "getsockname on a listening socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	sockaddr_format((struct sockaddr *)&l.addr, l.name, sizeof l.name);
	ls->items = xrealloc(ls->items, (ls->count + 1) * sizeof *ls->items);
	ls->items[ls->count++] = l;
	return 0;
}

/* bind + listen; fd stays the caller's. EADDRINUSE gets its own words. */
static int bind_listen(int fd, const struct sockaddr *sa, socklen_t len, const char *name,
		       int backlog, char *why, size_t why_size)
{
	if (bind(fd, sa, len) == -1) {
		if (errno == EADDRINUSE)
			snprintf(why, why_size, "could not listen on %s: address already in use "
				 "(is another corral, PgBouncer or PostgreSQL running?)", name);
		else
			snprintf(why, why_size, "could not bind to %s: %s", name, strerror(errno));
		return -1;
	}
	if (listen(fd, backlog) == -1) {
		snprintf(why, why_size, "could not listen on %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Whether the set already listens on the address named name (a host
 * listed twice, or a name resolving to an address also given). */
static bool already_bound(const struct listener_set *ls, const char *name)
{
	for (size_t i = 0; i < ls->count; i++)
		if (!ls->items[i].is_unix && strcmp(ls->items[i].name, name) == 0)
			return true;
	return false;
}

/* Listen on one TCP address. optional: an address family the host lacks
 * (IPv6 for "*") is skipped with a warning instead of failing. */
static int open_tcp(struct listener_set *ls, const struct sockaddr *sa, socklen_t len,
		    const struct cfg_settings *s, bool optional, char *why, size_t why_size)
{
	char name[SOCKADDR_FMT_SIZE], reason[256];
	sockaddr_format(sa, name, sizeof name);
	if (already_bound(ls, name))
		return 0;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 && optional && errno == EAFNOSUPPORT) {
		log_warning("not listening on %s: address family not supported on this host", name);
		return 0;
	}
	if (fd == -1) {
		snprintf(why, why_size, "could not create a socket for %s: %s", name, strerror(errno));
		return -1;
	}
	if (sockopt_tune_listen(fd, sa->sa_family, s->so_reuseport, reason, sizeof reason) != 0) {
		snprintf(why, why_size, "could not listen on %s: %s", name, reason);
		close(fd);
		return -1;
	}
	if (bind_listen(fd, sa, len, name, s->listen_backlog, why, why_size) != 0) {
		close(fd);
		return -1;
	}
	if (s->tcp_defer_accept && sockopt_defer_accept(fd, true, reason, sizeof reason) != 0)
		log_warning("listening on %s without tcp_defer_accept: %s", name, reason);
	return add_listener(ls, fd, false, why, why_size);
}

/* "*": 0.0.0.0 and :: (IPV6_V6ONLY keeps them apart). */
static int open_wildcard(struct listener_set *ls, const struct cfg_settings *s, char *why,
			 size_t why_size)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->listen_port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons((uint16_t)s->listen_port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	if (open_tcp(ls, (struct sockaddr *)&in, sizeof in, s, false, why, why_size) != 0)
		return -1;
	return open_tcp(ls, (struct sockaddr *)&in6, sizeof in6, s, true, why, why_size);
}

/* One listen_addr item: a literal or a host name, every address it has. */
static int open_host(struct listener_set *ls, const char *host, const struct cfg_settings *s,
		     char *why, size_t why_size)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				  .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", s->listen_port);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, why_size, "could not resolve listen_addr '%s': %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (open_tcp(ls, ai->ai_addr, ai->ai_addrlen, s, false, why, why_size) != 0) {
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}

/* Every item of the comma-separated listen_addr, blanks around items
 * ignored. */
static int open_tcp_all(struct listener_set *ls, const struct cfg_settings *s, char *why,
			size_t why_size)
{
	char *list = xstrdup(s->listen_addr), *save = NULL;
	int rc = 0;
	for (char *item = strtok_r(list, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " \t");
		size_t n = strlen(item);
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			item[--n] = '\0';
		if (n == 0)
			continue;
		if (strcmp(item, "*") == 0)
			rc = open_wildcard(ls, s, why, why_size);
		else
			rc = open_host(ls, item, s, why, why_size);
	}
	free(list);
	return rc;
}

/* An existing file at path: a socket nobody listens on is left over by a
 * dead process and removed; a live one, or anything else, is an error. */
static int clear_stale_socket(const char *path, char *why, size_t why_size)
{
	struct stat st;
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, why_size, "cannot check unix socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, why_size, "%s exists and is not a socket; remove it or change "
			 "unix_socket_dir", path);
		return -1;
	}
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(why, why_size, "cannot check unix socket %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = connect(fd, (struct sockaddr *)&un, sizeof un), err = errno;
	close(fd);
	/* EAGAIN: someone listens, with a full backlog. */
	if (rc == 0 || err == EAGAIN) {
		snprintf(why, why_size, "another corral/PostgreSQL is listening on unix:%s", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		snprintf(why, why_size, "cannot check unix socket %s: %s", path, strerror(err));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(why, why_size, "cannot remove stale unix socket %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("removed stale unix socket %s", path);
	return 0;
}

/* unix_socket_mode and unix_socket_group on the socket file. */
static int set_permissions(const char *path, const struct cfg_settings *s, char *why,
			   size_t why_size)
{
	if (chmod(path, (mode_t)s->unix_socket_mode) == -1) {
		snprintf(why, why_size, "cannot chmod %04o unix socket %s: %s", s->unix_socket_mode,
			 path, strerror(errno));
		return -1;
	}
	if (s->unix_socket_group[0] == '\0')
		return 0;
	/* Start-up runs before any thread, so getgrnam's static buffer is safe. */
	struct group *gr = getgrnam(s->unix_socket_group);
	if (gr == NULL) {
		snprintf(why, why_size, "unix_socket_group '%s' does not exist", s->unix_socket_group);
		return -1;
	}
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		snprintf(why, why_size, "cannot give unix socket %s to group %s: %s", path,
			 s->unix_socket_group, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remember the socket file just bound at path so that close removes it,
 * and only it. */
static int claim_socket_file(struct listener_set *ls, const char *path, char *why, size_t why_size)
{
	struct stat st;
	if (stat(path, &st) == -1) {
		snprintf(why, why_size, "cannot stat unix socket %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	ls->unix_path = xstrdup(path);
	ls->unix_dev = st.st_dev;
	ls->unix_ino = st.st_ino;
	return 0;
}

/* The unix socket in unix_socket_dir. An abstract one ('@') has no file:
 * nothing stale to clear, no permissions. */
static int open_unix(struct listener_set *ls, const struct cfg_settings *s, char *why,
		     size_t why_size)
{
	struct sockaddr_un un;
	socklen_t len;
	char name[SOCKADDR_FMT_SIZE];
	if (s->unix_socket_dir[0] == '\0')
		return 0;
	if (sockaddr_pg_unix(s->unix_socket_dir, s->listen_port, &un, &len, why, why_size) != 0)
		return -1;
	bool has_file = un.sun_path[0] != '\0';
	if (has_file && clear_stale_socket(un.sun_path, why, why_size) != 0)
		return -1;
	sockaddr_format((struct sockaddr *)&un, name, sizeof name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(why, why_size, "could not create a socket for %s: %s", name, strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&un, len) == -1) {
		if (errno == EADDRINUSE)
			snprintf(why, why_size, "another corral/PostgreSQL is listening on %s", name);
		else
			snprintf(why, why_size, "could not bind to %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	/* Permissions before listen: no client connects under the umask's. */
	if (has_file && (claim_socket_file(ls, un.sun_path, why, why_size) != 0 ||
			 set_permissions(un.sun_path, s, why, why_size) != 0)) {
		close(fd);
		return -1;
	}
	if (listen(fd, s->listen_backlog) == -1) {
		snprintf(why, why_size, "could not listen on %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return add_listener(ls, fd, true, why, why_size);
}

/* Watch every socket when neither paused nor backing off, else none. */
static void update_watching(struct listener_set *ls)
{
	bool watch = !ls->paused && !ls->backing_off;
	for (size_t i = 0; i < ls->count; i++) {
		struct listener *l = &ls->items[i];
		if ((watch ? event_add(l->ev, NULL) : event_del(l->ev)) == -1)
			log_error("cannot %s accepting on %s (libevent)", watch ? "resume" : "pause",
				  l->name);
	}
}

static void listener_on_backoff_end(evutil_socket_t fd, short what, void *arg)
{
	struct listener_set *ls = arg;
	ls->backing_off = false;
	update_watching(ls);
}

/* Out of file descriptors (or kernel memory): stop watching for a while
 * instead of being woken at once for the same pending connection. */
static void back_off(struct listener_set *ls, int err)
{
	static const struct timeval delay = { 0, FD_BACKOFF_USEC };
	if (!ls->shortage_logged)
		log_warning("cannot accept connections: %s; pausing accept for %d ms (raise the file "
			    "descriptor limit or lower max_client_conn)", strerror(err),
			    FD_BACKOFF_USEC / 1000);
	ls->shortage_logged = true;
	ls->backing_off = true;
	update_watching(ls);
	if (evtimer_add(ls->backoff, &delay) == -1) {
		log_error("cannot arm the accept back-off timer (libevent); accepting again now");
		ls->backing_off = false;
		update_watching(ls);
	}
}

/* What to do after accept4 failed with err: true to try the next one. */
static bool accept_failed(struct listener *l, int err)
{
	switch (err) {
	case EAGAIN:
		return false;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		back_off(l->set, err);
		return false;
	/* The connection died in the backlog, or (per accept(2)) a network
	 * error already pending on it: the next one may be fine. */
	case EINTR:
	case ECONNABORTED:
	case EPERM:        /* a firewall rule refused this one */
	case EPROTO:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return true;
	default:
		log_error("accept on %s failed: %s", l->name, strerror(err));
		return false;
	}
}

/* A readable listening socket: accept up to ACCEPT_BATCH connections. */
static void listener_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	struct listener_set *ls = l->set;
	for (int n = 0; n < ACCEPT_BATCH && !ls->paused && !ls->backing_off; n++) {
		struct sockaddr_storage peer;
		memset(&peer, 0, sizeof peer);  /* sockaddr_format reads unix paths */
		socklen_t len = sizeof peer;
		int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (accept_failed(l, errno))
				continue;
			return;
		}
		ls->shortage_logged = false;
		char reason[256];
		if (!l->is_unix && sockopt_tune_tcp(cfd, &ls->tcp, reason, sizeof reason) != 0) {
			char name[SOCKADDR_FMT_SIZE];
			log_warning("closing new connection from %s: %s",
				    sockaddr_format((struct sockaddr *)&peer, name, sizeof name), reason);
			close(cfd);
			continue;
		}
		ls->on_accept(ls->ctx, cfd, (struct sockaddr *)&peer, len, l->is_unix);
	}
}

/* Create the events once items[] no longer moves, and start watching. */
static int create_events(struct listener_set *ls, char *why, size_t why_size)
{
	ls->backoff = evtimer_new(ls->base, listener_on_backoff_end, ls);
	if (ls->backoff == NULL) {
		snprintf(why, why_size, "cannot create the accept back-off timer (libevent)");
		return -1;
	}
	for (size_t i = 0; i < ls->count; i++) {
		struct listener *l = &ls->items[i];
		l->ev = event_new(ls->base, l->fd, EV_READ | EV_PERSIST, listener_on_readable, l);
		if (l->ev == NULL || event_add(l->ev, NULL) == -1) {
			snprintf(why, why_size, "cannot watch %s (libevent)", l->name);
			return -1;
		}
	}
	return 0;
}

int listener_set_open(struct listener_set **out, struct event_base *base,
		      const struct cfg_settings *s, listener_accept_fn *on_accept, void *ctx,
		      char *why, size_t why_size)
{
	struct listener_set *ls = xcalloc(1, sizeof *ls);
	ls->base = base;
	ls->on_accept = on_accept;
	ls->ctx = ctx;
	sockopt_tcp_from_settings(&ls->tcp, s);
	if (open_tcp_all(ls, s, why, why_size) != 0 || open_unix(ls, s, why, why_size) != 0 ||
	    create_events(ls, why, why_size) != 0) {
		listener_set_close(ls);
		return -1;
	}
	*out = ls;
	return 0;
}

void listener_set_update(struct listener_set *ls, const struct cfg_settings *s)
{
	char reason[256];
	sockopt_tcp_from_settings(&ls->tcp, s);
	for (size_t i = 0; i < ls->count; i++)
		if (!ls->items[i].is_unix &&
		    sockopt_defer_accept(ls->items[i].fd, s->tcp_defer_accept, reason, sizeof reason) != 0)
			log_warning("tcp_defer_accept on %s: %s", ls->items[i].name, reason);
}

void listener_set_pause(struct listener_set *ls)
{
	ls->paused = true;
	update_watching(ls);
}

void listener_set_resume(struct listener_set *ls)
{
	ls->paused = false;
	update_watching(ls);
}

/* Unlink the socket file unless another process has replaced it since. */
static void remove_socket_file(const struct listener_set *ls)
{
	struct stat st;
	if (stat(ls->unix_path, &st) == 0 && st.st_dev == ls->unix_dev && st.st_ino == ls->unix_ino &&
	    unlink(ls->unix_path) == -1)
		log_warning("cannot remove unix socket %s: %s", ls->unix_path, strerror(errno));
}

void listener_set_close(struct listener_set *ls)
{
	if (ls == NULL)
		return;
	for (size_t i = 0; i < ls->count; i++) {
		if (ls->items[i].ev)
			event_free(ls->items[i].ev);
		close(ls->items[i].fd);
	}
	if (ls->backoff)
		event_free(ls->backoff);
	if (ls->unix_path) {
		remove_socket_file(ls);
		free(ls->unix_path);
	}
	free(ls->items);
	free(ls);
}

size_t listener_set_count(const struct listener_set *ls)
{
	return ls->count;
}

const struct sockaddr *listener_set_addr(const struct listener_set *ls, size_t i, socklen_t *len)
{
	*len = ls->items[i].addr_len;
	return (const struct sockaddr *)&ls->items[i].addr;
}

const char *listener_set_name(const struct listener_set *ls, size_t i)
{
	return ls->items[i].name;
}

long listener_raise_fd_limit(long needed, char *why, size_t why_size)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(why, why_size, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return LONG_MAX;
	if (rl.rlim_cur >= (rlim_t)needed)
		return (long)rl.rlim_cur;
	rlim_t want = (rlim_t)needed;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
		want = rl.rlim_max;
		snprintf(why, why_size, "the hard limit (ulimit -Hn) is %ld", (long)rl.rlim_max);
	}
	if (want <= rl.rlim_cur)
		return (long)rl.rlim_cur;
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(why, why_size, "setrlimit(RLIMIT_NOFILE, %ld): %s", (long)want, strerror(errno));
		return (long)old;
	}
	return (long)want;
}
