/* sockaddr: socket addresses as operators read them in log lines
 * ("127.0.0.1:5432", "[::1]:6432", "unix:/tmp/.s.PGSQL.6432", "unix" for
 * an unnamed peer), used for every "db/user@addr:port" line and for the
 * listener's "listening on" lines; and the PostgreSQL unix socket address
 * <dir>/.s.PGSQL.<port> that both the listener and server connections use.
 * No sockets, no state. */
#ifndef CORRAL_POOLER_SOCKADDR_H
#define CORRAL_POOLER_SOCKADDR_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Room for any address sockaddr_format prints, a unix path included. */
#define SOCKADDR_FMT_SIZE 128

/* Write sa as text into buf (size bytes, NUL-terminated, cut if short) and
 * return buf. AF_INET: "a.b.c.d:port"; AF_INET6: "[addr]:port"; AF_UNIX:
 * "unix:<path>", "unix:@<name>" for an abstract socket, "unix" when the
 * address is unnamed (what accept reports for a client). An AF_UNIX
 * address must be zero-filled beyond its length, as the listener and
 * resolve make them; another family prints "family <n>". */
const char *sockaddr_format(const struct sockaddr *sa, char *buf, size_t size);

/* Fill *un (zeroed first) with <dir>/.s.PGSQL.<port> and *len with its
 * length; a dir starting with '@' names a socket in Linux's abstract
 * namespace, as PostgreSQL spells it. Returns 0, or -1 with why when the
 * path does not fit in sun_path. */
int sockaddr_pg_unix(const char *dir, int port, struct sockaddr_un *un, socklen_t *len, char *why,
		     size_t why_size) __attribute__((warn_unused_result));

#endif
