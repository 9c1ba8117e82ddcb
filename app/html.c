/* html: HTML escaping into an evbuffer (see html.h). */
#include "app/html.h"

#include <string.h>

#include <event2/buffer.h>

/* The entity for c, or NULL when c stands for itself. */
static const char *entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

int html_escape_append(struct evbuffer *out, const char *s, size_t len)
{
	size_t plain = 0;
	for (size_t i = 0; i < len; i++) {
		const char *e = entity(s[i]);
		if (e == NULL)
			continue;
		if (evbuffer_add(out, s + plain, i - plain) != 0 ||
		    evbuffer_add(out, e, strlen(e)) != 0)
			return -1;
		plain = i + 1;
	}
	return evbuffer_add(out, s + plain, len - plain);
}
