/* params: what a request asks for, read without I/O: the TechEmpower
 * queries=N parameter, the name in /files/<name>, and for the chat
 * endpoints (comet.c) channel and user names, since=ID and message text. */
#ifndef CORRAL_APP_PARAMS_H
#define CORRAL_APP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

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

/* The longest channel or user name. */
#define PARAMS_NAME_MAX 64

/* Whether name may name a channel or a user: 1 to PARAMS_NAME_MAX bytes of
 * letters, digits, '_' and '-'. Channel names go into nginx's internal
 * location (X-Accel-Redirect) and nchan's channel id as they are. */
bool params_name_ok(const char *name);

/* since=ID as a message id: a whole decimal number, 0 when value is NULL,
 * empty, not a number or negative; numbers beyond 2^63 - 1 saturate. */
long long params_since(const char *value);

/* The longest chat message, in bytes. */
#define PARAMS_MESSAGE_MAX 2000

/* Whether the len bytes at text may be a chat message: 1 to
 * PARAMS_MESSAGE_MAX bytes of well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), with no control character but tab
 * and newline. PostgreSQL would refuse malformed UTF-8 with an error the
 * app could not tell from an outage. */
bool params_message_ok(const char *text, size_t len);

#endif
