/* cfg_ini: the PgBouncer-compatible ini reader. It splits a config file into
 * section headers, `key = value` lines, comments and `%include` directives,
 * and hands each key/value to a callback with its file and line. It knows
 * the three sections ([databases], [users], [pgbouncer], the last also
 * spelled [corral]) but no key names: what a key means is the callback's
 * business. Every syntax error carries file:line and what was expected.
 * Reads only the files it is given and the files they include. */
#ifndef CORRAL_CONFIG_CFG_INI_H
#define CORRAL_CONFIG_CFG_INI_H

#include <stddef.h>

#include "config/cfg_error.h"

/* Longest line accepted, in bytes, not counting the line ending. */
#define CFG_INI_MAX_LINE 16384
/* Deepest %include nesting accepted (the top file is depth 0). */
#define CFG_INI_MAX_DEPTH 8
/* Largest file accepted, in bytes. */
#define CFG_INI_MAX_FILE (16u << 20)

enum cfg_ini_section {
	CFG_INI_DATABASES,
	CFG_INI_USERS,
	CFG_INI_PGBOUNCER,   /* [pgbouncer] or [corral]: the same section */
};

/* One `key = value` line. Every pointer is valid only during the callback. */
struct cfg_ini_entry {
	enum cfg_ini_section section;
	const char *key;     /* non-empty; a "quoted" name arrives unquoted */
	const char *value;   /* trimmed; may be empty */
	const char *file;    /* the file the line is in, as opened */
	int line;            /* 1-based */
};

/* Called for each entry in file order. Returns 0 to go on, or -1 after
 * filling *err (typically with e->file and e->line); parsing stops there
 * and the parse function returns -1 with *err as the callback left it. */
typedef int cfg_ini_entry_fn(void *ctx, const struct cfg_ini_entry *e, struct cfg_error *err);
/* Called with each file's path once it is opened and read, the top file
 * first, then each included file as its %include line is reached. */
typedef void cfg_ini_file_fn(void *ctx, const char *path);

/* Parse the file at path. Syntax:
 * - blank lines; comment lines whose first non-blank byte is ';' or '#'
 *   (as in PgBouncer, ';' and '#' later in a line are part of the value);
 * - `[name]` section headers, name matched case-insensitively;
 * - `key = value`: blanks around key and value trimmed, value may be empty;
 *   a key in double quotes may hold any byte but '"', written as "";
 * - `%include path`: path relative to the directory of the file holding the
 *   directive unless absolute (PgBouncer takes it relative to the working
 *   directory; corral's rule keeps a config tree relocatable). The current
 *   section carries into the included file and back out of it.
 * A UTF-8 byte order mark at the start of a file and "\r\n" line endings are
 * accepted. on_file may be NULL.
 * Returns 0, or -1 with *err set for: an unreadable or oversized file, a NUL
 * byte, a line over CFG_INI_MAX_LINE, an unterminated section header or
 * quoted key, text after `]`, an unknown section, a key before any section,
 * a line that is not one of the above, an include nested deeper than
 * CFG_INI_MAX_DEPTH or including a file already being read, or whatever the
 * callback reported. Entries before the error have been delivered. */
int cfg_ini_parse_file(const char *path, cfg_ini_entry_fn *on_entry, cfg_ini_file_fn *on_file,
		       void *ctx, struct cfg_error *err) __attribute__((warn_unused_result));

/* Parse len bytes of text (need not be NUL-terminated; a NUL inside is an
 * error) named name_for_errors in messages. Same syntax and results as
 * cfg_ini_parse_file, except that %include is refused: text given in memory
 * has no directory to resolve against, and a parser fed untrusted bytes (the
 * fuzzer) must not open files. */
int cfg_ini_parse_buffer(const char *text, size_t len, const char *name_for_errors,
			 cfg_ini_entry_fn *on_entry, void *ctx, struct cfg_error *err)
	__attribute__((warn_unused_result));

/* name resolved against the directory holding the file `base` (as
 * %include resolves it): name itself when absolute or when base has no
 * directory part. A new string the caller frees. */
char *cfg_ini_resolve_path(const char *base, const char *name)
	__attribute__((malloc, returns_nonnull));

/* "databases", "users" or "pgbouncer". */
const char *cfg_ini_section_name(enum cfg_ini_section section);

#endif
