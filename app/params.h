/* params: what a request's URI asks for, read without I/O: the TechEmpower
 * queries=N parameter and the name in /files/<name>. */
#ifndef CORRAL_APP_PARAMS_H
#define CORRAL_APP_PARAMS_H

#include <stdbool.h>

/* The lowest and highest number of rows /queries and /updates handle. */
#define PARAMS_QUERIES_MIN 1
#define PARAMS_QUERIES_MAX 500

/* The queries=N parameter of a URI's query string (NULL or "" when the URI
 * has none), with the benchmark's rules: missing, empty, not a whole
 * decimal number, or below 1 gives 1; above 500 gives 500. The first
 * queries= wins. */
int params_queries(const char *query);

/* The longest file name /files/ accepts. */
#define PARAMS_FILE_NAME_MAX 128

/* Whether name (the raw path segment after /files/) may name a file: 1 to
 * PARAMS_FILE_NAME_MAX bytes of letters, digits, '.', '_' and '-', not
 * starting with '.'. Anything else (a '/', '%', "..", a hidden file) is
 * refused before the database is asked, so the X-Accel-Redirect the app
 * answers can never leave nginx's files directory. */
bool params_file_name_ok(const char *name);

#endif
