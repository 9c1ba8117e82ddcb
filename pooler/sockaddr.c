/* sockaddr: addresses formatted for log lines (see sockaddr.h). */
#include "pooler/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* An AF_UNIX path is not NUL-terminated when it fills sun_path; print at
 * most that many bytes. An abstract name starts with a NUL byte. */
static void format_unix(const struct sockaddr_un *un, char *buf, size_t size)
{
	int max = (int)sizeof un->sun_path;
	if (un->sun_path[0] != '\0')
		snprintf(buf, size, "unix:%.*s", max, un->sun_path);
	else if (un->sun_path[1] != '\0')
		snprintf(buf, size, "unix:@%.*s", max - 1, un->sun_path + 1);
	else
		snprintf(buf, size, "unix");
}

const char *sockaddr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	if (size == 0)
		return buf;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, size, "%s:%u", host, (unsigned)ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(buf, size, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX:
		format_unix((const struct sockaddr_un *)sa, buf, size);
		break;
	default:
		snprintf(buf, size, "family %d", (int)sa->sa_family);
		break;
	}
	return buf;
}

int sockaddr_pg_unix(const char *dir, int port, struct sockaddr_un *un, socklen_t *len, char *why,
		     size_t why_size)
{
	memset(un, 0, sizeof *un);
	int n = snprintf(un->sun_path, sizeof un->sun_path, "%s/.s.PGSQL.%d", dir, port);
	if (n < 0 || (size_t)n >= sizeof un->sun_path) {
		snprintf(why, why_size, "unix socket path '%s/.s.PGSQL.%d' is too long (at most %zu bytes)",
			 dir, port, sizeof un->sun_path - 1);
		return -1;
	}
	un->sun_family = AF_UNIX;
	if (dir[0] == '@') {
		/* The abstract name is the bytes after the NUL, not terminated. */
		un->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n);
	} else {
		*len = sizeof *un;
	}
	return 0;
}
