/* ps_sql: recognises the one SQL command corral answers itself for
 * prepared statements in transaction pooling: a simple Query, or the
 * unnamed statement of an extended-protocol Parse, that is exactly
 * `DEALLOCATE [PREPARE] name` or `DEALLOCATE [PREPARE] ALL`.
 * Keywords are case-insensitive; whitespace and comments (-- and nested
 * slash-star) may surround the tokens; trailing semicolons are allowed.
 * Names follow PostgreSQL's identifier rules: unquoted ones are folded to
 * lower case (ASCII letters only, as PostgreSQL does for UTF-8), quoted
 * ones keep their case and "" stands for one quote. Anything else (several
 * statements, a Unicode-escaped U&"..." name, a name longer than 63 bytes
 * that PostgreSQL would truncate, an empty quoted name) is not recognised
 * and the caller forwards the query for the server to handle.
 *
 * Not tracked at all: SQL-level PREPARE and EXECUTE. Statements prepared
 * that way live on one server connection, so they work in session pooling
 * only (or within one transaction). A reserved word used as an unquoted
 * name (DEALLOCATE select) is a syntax error to PostgreSQL but a name here;
 * no driver sends that. No I/O. */
#ifndef CORRAL_POOLER_PS_SQL_H
#define CORRAL_POOLER_PS_SQL_H

#include <stdbool.h>
#include <stddef.h>

/* PostgreSQL's identifier length limit (NAMEDATALEN - 1). */
#define PS_SQL_NAME_MAX 63

enum ps_sql_deallocate {
	PS_SQL_OTHER,            /* not a lone DEALLOCATE: forward it */
	PS_SQL_DEALLOCATE_NAME,  /* name filled (folded or unquoted), non-empty */
	PS_SQL_DEALLOCATE_ALL,
};

/* Whether the len bytes at text (a query, perhaps not NUL-terminated)
 * could be a DEALLOCATE: the first byte after whitespace starts the
 * keyword or a comment. For every query, before anything reads it whole:
 * most are turned away here. */
bool ps_sql_may_deallocate(const char *text, size_t len);

/* Classifies the query text of a simple Query. name receives the
 * statement name for PS_SQL_DEALLOCATE_NAME and is unspecified otherwise. */
enum ps_sql_deallocate ps_sql_parse_deallocate(const char *query, char name[PS_SQL_NAME_MAX + 1]);

#endif
