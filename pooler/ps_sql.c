/* ps_sql: a tokenizer for just enough of PostgreSQL's lexical rules
 * (whitespace, comments, identifiers, semicolons) to read one DEALLOCATE.
 * Each step returns false on anything it does not understand, and the
 * whole query is then "other": being unsure costs a round trip to the
 * server, never a wrong answer. */
#include "pooler/ps_sql.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* An identifier read from the query. */
struct token {
	char text[PS_SQL_NAME_MAX + 1];
	bool quoted;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Bytes with the high bit set count as letters, as in PostgreSQL. */
static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Past a nested slash-star comment starting at *p; false if unterminated. */
static bool skip_block_comment(const char **p)
{
	const char *s = *p + 2;
	int depth = 1;
	while (depth > 0) {
		if (*s == '\0')
			return false;
		if (s[0] == '/' && s[1] == '*') {
			depth++;
			s += 2;
		} else if (s[0] == '*' && s[1] == '/') {
			depth--;
			s += 2;
		} else {
			s++;
		}
	}
	*p = s;
	return true;
}

/* Past whitespace and comments; false on an unterminated comment. */
static bool skip_space(const char **p)
{
	const char *s = *p;
	for (;;) {
		if (is_space(*s)) {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, "\r\n");
		} else if (s[0] == '/' && s[1] == '*') {
			if (!skip_block_comment(&s))
				return false;
		} else {
			*p = s;
			return true;
		}
	}
}

/* A "quoted" identifier at *p (on the opening quote). */
static bool read_quoted(const char **p, struct token *t)
{
	const char *s = *p + 1;
	size_t n = 0;
	for (;;) {
		if (*s == '\0')
			return false;
		if (*s == '"') {
			if (s[1] != '"')
				break;
			s++;                    /* "" is one quote */
		}
		if (n == PS_SQL_NAME_MAX)
			return false;
		t->text[n++] = *s++;
	}
	if (n == 0)
		return false;               /* a zero-length name is an error */
	t->text[n] = '\0';
	t->quoted = true;
	*p = s + 1;
	return true;
}

/* An unquoted identifier at *p, folded to lower case. */
static bool read_plain(const char **p, struct token *t)
{
	const unsigned char *s = (const unsigned char *)*p;
	size_t n = 0;
	if (!ident_start(*s))
		return false;
	while (ident_char(*s)) {
		if (n == PS_SQL_NAME_MAX)
			return false;
		t->text[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + ('a' - 'A') : *s);
		s++;
	}
	t->text[n] = '\0';
	t->quoted = false;
	*p = (const char *)s;
	return true;
}

/* One identifier and the space after it. */
static bool read_token(const char **p, struct token *t)
{
	bool ok = **p == '"' ? read_quoted(p, t) : read_plain(p, t);
	return ok && skip_space(p);
}

static bool is_keyword(const struct token *t, const char *word)
{
	return !t->quoted && strcmp(t->text, word) == 0;
}

/* Only semicolons and space left. */
static bool at_end(const char *p)
{
	while (*p == ';') {
		p++;
		if (!skip_space(&p))
			return false;
	}
	return *p == '\0';
}

bool ps_sql_may_deallocate(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && is_space(text[i]))
		i++;
	return i < len && (text[i] == 'd' || text[i] == 'D' || text[i] == '-' || text[i] == '/');
}

enum ps_sql_deallocate ps_sql_parse_deallocate(const char *query, char name[PS_SQL_NAME_MAX + 1])
{
	const char *p = query;
	struct token t;
	/* Most other queries are turned away at their first letter, before
	 * a token is copied. */
	if (!skip_space(&p) || (*p != 'd' && *p != 'D') || !read_token(&p, &t) ||
	    !is_keyword(&t, "deallocate"))
		return PS_SQL_OTHER;
	if (!read_token(&p, &t))
		return PS_SQL_OTHER;
	/* PREPARE is optional and unreserved: alone, it is the name. */
	if (is_keyword(&t, "prepare") && *p != ';' && *p != '\0' && !read_token(&p, &t))
		return PS_SQL_OTHER;
	if (!at_end(p))
		return PS_SQL_OTHER;
	if (is_keyword(&t, "all"))
		return PS_SQL_DEALLOCATE_ALL;
	memcpy(name, t.text, strlen(t.text) + 1);
	return PS_SQL_DEALLOCATE_NAME;
}
