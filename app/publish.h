/* publish: hands a chat message to nginx's nchan publisher location, which
 * pushes it to every subscriber of the channel. A worker does it the sync
 * way, like its database calls: one blocking HTTP/1.1 POST over a new
 * loopback connection ("Connection: close"), bounded by publish-timeout
 * as a whole, with the answer's status line as the verdict. It owns the
 * resolved publisher address; it knows nothing of channels or messages
 * beyond the bytes it is given. */
#ifndef CORRAL_APP_PUBLISH_H
#define CORRAL_APP_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct publish {
	bool enabled;                  /* false: publish-url is empty or did not resolve */
	struct sockaddr_storage addr;  /* the publisher's address */
	socklen_t addr_len;
	char *authority;               /* owned: "host:port" as in the URL, for Host */
	char *path;                    /* owned: the URL's path, ending in '/' */
	int timeout_ms;
};

/* Set up from a publish-url (settings_publish_url_split's form, or "" for
 * none) and its bound. A host name is resolved once, here. A URL that
 * does not resolve leaves publishing disabled and says so in the log.
 * Pair with publish_fini. */
void publish_init(struct publish *p, const char *url, int timeout_ms);
void publish_fini(struct publish *p);

/* POST the len bytes of body (application/json) to the publisher's
 * path + channel (channel: params_name_ok). Returns 0 when the publisher
 * answered 2xx within the bound; -1 with the reason in why otherwise
 * (disabled, refused, timed out, another status). */
int publish_post(const struct publish *p, const char *channel, const char *body, size_t len,
		 char *why, size_t why_size) __attribute__((warn_unused_result));

#endif
