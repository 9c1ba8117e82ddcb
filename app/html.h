/* html: escaping text for HTML element content and attribute values, the
 * one thing /fortunes needs to be safe from what the database holds. The
 * five characters with meaning in HTML (& < > " ') become entities; every
 * other byte, UTF-8 included, is copied as is. */
#ifndef CORRAL_APP_HTML_H
#define CORRAL_APP_HTML_H

#include <stddef.h>

struct evbuffer;

/* Append the escaped form of the len bytes at s to out (runs of plain
 * bytes are added whole). Returns 0, or -1 when the buffer refused the
 * bytes (out of memory). */
int html_escape_append(struct evbuffer *out, const char *s, size_t len)
	__attribute__((warn_unused_result));

#endif
