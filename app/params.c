/* params: the queries=N parameter, /files/ names and the chat endpoints'
 * names, ids and texts (see params.h). */
#include "app/params.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

/* The value of queries=N in [p, end), clamped. */
static int clamp_queries(const char *p, const char *end)
{
	if (p == end || !isdigit((unsigned char)*p))
		return PARAMS_QUERIES_MIN;
	long n = 0;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return PARAMS_QUERIES_MIN;
		/* Saturate: any longer number is above the maximum anyway. */
		if (n <= PARAMS_QUERIES_MAX)
			n = n * 10 + (*p - '0');
	}
	if (n < PARAMS_QUERIES_MIN)
		return PARAMS_QUERIES_MIN;
	return n > PARAMS_QUERIES_MAX ? PARAMS_QUERIES_MAX : (int)n;
}

int params_queries(const char *query)
{
	static const char key[] = "queries=";
	const char *p = query;
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		const char *end = amp != NULL ? amp : p + strlen(p);
		if ((size_t)(end - p) >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0)
			return clamp_queries(p + sizeof key - 1, end);
		p = amp != NULL ? amp + 1 : NULL;
	}
	return PARAMS_QUERIES_MIN;
}

bool params_file_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > PARAMS_FILE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

bool params_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > PARAMS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '_' && c != '-')
			return false;
	}
	return true;
}

long long params_since(const char *value)
{
	long long n = 0;
	if (value == NULL || *value == '\0')
		return 0;
	for (const char *p = value; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		int d = *p - '0';
		n = n > (LLONG_MAX - d) / 10 ? LLONG_MAX : n * 10 + d;
	}
	return n;
}

/* The length of the well-formed UTF-8 sequence starting at s (n bytes
 * left), or 0 when it is malformed. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min, cp;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		min = 0x80;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		min = 0x800;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool params_message_ok(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	if (len == 0 || len > PARAMS_MESSAGE_MAX)
		return false;
	for (size_t i = 0; i < len;) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n') || s[i] == 0x7f)
			return false;
		size_t n = utf8_sequence(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
