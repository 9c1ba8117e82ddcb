/* cfg_kv: the one tokenizer for PgBouncer-style "key=value key=value" option
 * strings ([databases] connection strings and [users] settings), and the
 * table-driven setter, comparison and cleanup built on it. A module
 * describes its struct as a table of fields; cfg_kv fills, compares and frees
 * those fields. It knows no key names itself and does no I/O.
 *
 * Syntax (as PgBouncer accepts it): pairs separated by spaces or tabs;
 * `key = value` may have blanks around '='; a value is either a run of
 * non-blank bytes or a single-quoted string in which '' stands for one quote
 * (a backslash is an ordinary byte, unlike libpq). Empty values are refused;
 * a later pair with the same key replaces the earlier one. */
#ifndef CORRAL_CONFIG_CFG_KV_H
#define CORRAL_CONFIG_CFG_KV_H

#include <stddef.h>

enum cfg_kv_type {
	CFG_KV_STRING,  /* char * at offset; owned copy, NULL when unset */
	CFG_KV_INT,     /* int at offset; decimal in [min, max], -1 when unset */
	CFG_KV_CHOICE,  /* int at offset; index into choices (case-insensitive), -1 when unset */
};

struct cfg_kv_field {
	const char *key;
	enum cfg_kv_type type;
	size_t offset;                /* offsetof() the member in the target struct */
	int min, max;                 /* CFG_KV_INT bounds, inclusive */
	const char *const *choices;   /* CFG_KV_CHOICE: NULL-terminated names */
	unsigned group;               /* bit(s) cfg_kv_compare reports when it differs */
};

/* The fields of a table, as the functions below take them. */
struct cfg_kv_table {
	const struct cfg_kv_field *fields;
	size_t count;
};

/* Set every field of obj to "unset": strings NULL, numbers -1. Call before
 * cfg_kv_apply. */
void cfg_kv_reset(const struct cfg_kv_table *t, void *obj);

/* Parse text and store each pair into obj through t. On error the message
 * (naming the key and what was expected, without file:line) goes to why;
 * fields set so far stay set, so the caller still calls cfg_kv_free_strings.
 * Returns 0, or -1 on: missing '=', empty key, unknown key, empty value,
 * unterminated quote, junk right after a closing quote, bad number or choice. */
int cfg_kv_apply(const struct cfg_kv_table *t, const char *text, void *obj,
		 char *why, size_t why_size) __attribute__((warn_unused_result));

/* Free the CFG_KV_STRING fields of obj and set them to NULL. */
void cfg_kv_free_strings(const struct cfg_kv_table *t, void *obj);

/* The OR of the groups of the fields whose values differ between a and b
 * (strings compared by content, NULL equal only to NULL); 0 when all equal. */
unsigned cfg_kv_compare(const struct cfg_kv_table *t, const void *a, const void *b);

/* A copy of src into dst (whose previous contents are ignored): numbers
 * copied, strings duplicated. */
void cfg_kv_copy(const struct cfg_kv_table *t, void *dst, const void *src);

/* printf into why (truncated to why_size); always returns -1, so a parser
 * can `return cfg_kv_why(why, why_size, "...", ...);`. */
int cfg_kv_why(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Index of s in the NULL-terminated choices (case-insensitive), or -1. */
int cfg_kv_choice_find(const char *const *choices, const char *s);

#endif
