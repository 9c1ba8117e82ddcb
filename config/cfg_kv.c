/* cfg_kv: tokenizing "key=value ..." option strings and storing them through
 * a field table (see cfg_kv.h). Owns the syntax and the per-type setters,
 * comparison and cleanup; the key names belong to the modules' tables. */
#include "config/cfg_kv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* One key=value pair: the key points into the text, the value is decoded. */
struct pair {
	const char *key;
	int key_len;
	char *value;   /* owned */
};

int cfg_kv_why(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append sep and s to the message already in why, truncating silently:
 * lists of accepted names are a courtesy, the first part says what is wrong. */
static void append(char *why, size_t why_size, const char *sep, const char *s)
{
	size_t used = strlen(why);
	if (used < why_size)
		snprintf(why + used, why_size - used, "%s%s", sep, s);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

static void *field_ptr(const struct cfg_kv_field *f, void *obj)
{
	return (char *)obj + f->offset;
}

static const void *field_cptr(const struct cfg_kv_field *f, const void *obj)
{
	return (const char *)obj + f->offset;
}

/* Decode the single-quoted value whose opening quote is at *pos into a new
 * string at *out, and leave *pos after the closing quote. Returns 0, or -1
 * (nothing allocated) when no closing quote follows. */
static int read_quoted(const char **pos, char **out)
{
	const char *p = *pos + 1;
	size_t n = 0;
	for (;; p++, n++) {
		if (*p == '\0')
			return -1;
		if (*p == '\'' && p[1] != '\'')
			break;
		if (*p == '\'')
			p++;
	}
	char *v = xmalloc(n + 1);
	const char *s = *pos + 1;
	for (size_t i = 0; i < n; i++, s++) {
		if (*s == '\'')
			s++;
		v[i] = *s;
	}
	v[n] = '\0';
	*pos = p + 1;
	*out = v;
	return 0;
}

/* Read the next pair from *pos into *out and advance *pos past it.
 * Returns 1 (a pair; out->value is owned by the caller), 0 at the end of
 * the text, or -1 on a syntax error with why filled (nothing allocated). */
static int next_pair(const char **pos, struct pair *out, char *why, size_t why_size)
{
	const char *p = skip_blanks(*pos);
	if (*p == '\0')
		return 0;
	const char *key = p;
	while (*p != '\0' && *p != '=' && !is_blank(*p))
		p++;
	int key_len = (int)(p - key);
	if (key_len == 0)
		return cfg_kv_why(why, why_size, "expected a key before \"=\"");
	p = skip_blanks(p);
	if (*p != '=')
		return cfg_kv_why(why, why_size, "expected \"=\" after key \"%.*s\"", key_len, key);
	p = skip_blanks(p + 1);

	char *value;
	if (*p == '\'') {
		if (read_quoted(&p, &value) < 0)
			return cfg_kv_why(why, why_size, "%.*s: unterminated quoted value "
				    "(expected a closing ')", key_len, key);
		if (*p != '\0' && !is_blank(*p)) {
			free(value);
			return cfg_kv_why(why, why_size, "%.*s: expected a blank after the "
				    "closing quote of the value", key_len, key);
		}
	} else {
		const char *start = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		value = xstrndup(start, (size_t)(p - start));
	}
	if (value[0] == '\0') {
		free(value);
		return cfg_kv_why(why, why_size, "%.*s: empty value", key_len, key);
	}
	out->key = key;
	out->key_len = key_len;
	out->value = value;
	*pos = p;
	return 1;
}

int cfg_kv_choice_find(const char *const *choices, const char *s)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcasecmp(choices[i], s) == 0)
			return i;
	return -1;
}

/* Strict decimal: optional '-', digits, nothing else; within [min, max]. */
static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || (s[0] != '-' && !(s[0] >= '0' && s[0] <= '9')))
		return -1;
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Store p.value into obj's field f, taking ownership of p.value whatever
 * the result. Returns 0, or -1 with why filled when the value does not fit
 * the field's type. */
static int store(const struct cfg_kv_field *f, void *obj, struct pair *p,
		 char *why, size_t why_size)
{
	int rc = 0;
	switch (f->type) {
	case CFG_KV_STRING: {
		char **slot = field_ptr(f, obj);
		free(*slot);
		*slot = p->value;
		return 0;
	}
	case CFG_KV_INT:
		if (parse_int(p->value, f->min, f->max, field_ptr(f, obj)) < 0)
			rc = cfg_kv_why(why, why_size, "%s: expected an integer from %d to %d, got \"%s\"",
				  f->key, f->min, f->max, p->value);
		break;
	case CFG_KV_CHOICE: {
		int i = cfg_kv_choice_find(f->choices, p->value);
		if (i >= 0) {
			*(int *)field_ptr(f, obj) = i;
			break;
		}
		rc = cfg_kv_why(why, why_size, "%s: got \"%s\", expected", f->key, p->value);
		for (int c = 0; f->choices[c] != NULL; c++)
			append(why, why_size, c == 0 ? " " : ", ", f->choices[c]);
		break;
	}
	}
	free(p->value);
	return rc;
}

static const struct cfg_kv_field *find_field(const struct cfg_kv_table *t, const struct pair *p)
{
	for (size_t i = 0; i < t->count; i++) {
		const char *k = t->fields[i].key;
		if (strncmp(k, p->key, (size_t)p->key_len) == 0 && k[p->key_len] == '\0')
			return &t->fields[i];
	}
	return NULL;
}

int cfg_kv_apply(const struct cfg_kv_table *t, const char *text, void *obj,
		 char *why, size_t why_size)
{
	struct pair p = { NULL, 0, NULL };
	int rc;
	while ((rc = next_pair(&text, &p, why, why_size)) == 1) {
		const struct cfg_kv_field *f = find_field(t, &p);
		if (f == NULL) {
			cfg_kv_why(why, why_size, "unknown key \"%.*s\", expected one of", p.key_len, p.key);
			for (size_t i = 0; i < t->count; i++)
				append(why, why_size, i == 0 ? " " : ", ", t->fields[i].key);
			free(p.value);
			return -1;
		}
		if (store(f, obj, &p, why, why_size) < 0)
			return -1;
	}
	return rc;
}

void cfg_kv_reset(const struct cfg_kv_table *t, void *obj)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct cfg_kv_field *f = &t->fields[i];
		if (f->type == CFG_KV_STRING)
			*(char **)field_ptr(f, obj) = NULL;
		else
			*(int *)field_ptr(f, obj) = -1;
	}
}

void cfg_kv_free_strings(const struct cfg_kv_table *t, void *obj)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct cfg_kv_field *f = &t->fields[i];
		if (f->type != CFG_KV_STRING)
			continue;
		char **slot = field_ptr(f, obj);
		free(*slot);
		*slot = NULL;
	}
}

static bool strings_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

unsigned cfg_kv_compare(const struct cfg_kv_table *t, const void *a, const void *b)
{
	unsigned changed = 0;
	for (size_t i = 0; i < t->count; i++) {
		const struct cfg_kv_field *f = &t->fields[i];
		bool same;
		if (f->type == CFG_KV_STRING)
			same = strings_equal(*(char *const *)field_cptr(f, a),
					     *(char *const *)field_cptr(f, b));
		else
			same = *(const int *)field_cptr(f, a) == *(const int *)field_cptr(f, b);
		if (!same)
			changed |= f->group;
	}
	return changed;
}

void cfg_kv_copy(const struct cfg_kv_table *t, void *dst, const void *src)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct cfg_kv_field *f = &t->fields[i];
		if (f->type == CFG_KV_STRING) {
			const char *s = *(char *const *)field_cptr(f, src);
			*(char **)field_ptr(f, dst) = s != NULL ? xstrdup(s) : NULL;
		} else {
			*(int *)field_ptr(f, dst) = *(const int *)field_cptr(f, src);
		}
	}
}
