/* params: the queries=N parameter and /files/ names (see params.h). */
#include "app/params.h"

#include <ctype.h>
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
