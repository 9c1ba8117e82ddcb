/* session_params: the session state that must follow a client from one
 * server connection to the next (PROTOCOL.md, "Session state that must
 * follow the client"). A param set names the tracked parameters: a fixed
 * built-in list plus track_extra_parameters. Every client and server holds
 * one value per tracked name in a small array indexed like the set; a
 * server also keeps the untracked parameters it reported, because the
 * first server's full set is what clients are welcomed with. This module
 * reads the client's StartupMessage (which parameters are accepted, the
 * options "-c name=value" list), records ParameterStatus, and builds the
 * one query that brings a server in line with a client. No I/O. */
#ifndef CORRAL_POOLER_SESSION_PARAMS_H
#define CORRAL_POOLER_SESSION_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_startup.h"

/* Most tracked parameters: the built-ins and up to 9 extras. */
#define SESSION_PARAMS_MAX 16

/* The built-in tracked parameters, first in every set, in this order
 * (client_encoding first: see session_params_diff). */
enum session_param_builtin {
	SESSION_PARAM_CLIENT_ENCODING,
	SESSION_PARAM_DATESTYLE,
	SESSION_PARAM_INTERVALSTYLE,
	SESSION_PARAM_TIMEZONE,
	SESSION_PARAM_STANDARD_CONFORMING_STRINGS,
	SESSION_PARAM_APPLICATION_NAME,
	SESSION_PARAM_SEARCH_PATH,   /* reported by PostgreSQL 18+ only */
	SESSION_PARAM_BUILTIN_COUNT,
};

/* SQLSTATE of every startup refusal (protocol_violation, as PgBouncer). */
#define SESSION_STARTUP_SQLSTATE "08P01"

/* The tracked names, built once at start from track_extra_parameters, which
 * only a restart may change: every session_params indexes into it, so it
 * must outlive them all and never change under them. names[i] is owned and
 * spelled as PostgreSQL reports it for the built-ins ("DateStyle"), as
 * configured for the extras. */
struct session_param_set {
	size_t count;
	char *names[SESSION_PARAMS_MAX];
};

/* A parameter a server reported that is not tracked (server_version,
 * is_superuser, ...). Both strings owned. */
struct session_param_pair {
	char *name;
	char *value;
};

/* One connection's view of its session. Value i (session_params_get) is
 * the value of set->names[i], interned (intern.h: one reference each), NULL
 * when unknown (a client: no opinion of its own, the pool's defaults
 * apply); equal values are the same pointer. values holds count of them,
 * up to the highest one ever set: a client that set nothing (most idle
 * ones) holds no array. others: servers only, see session_params_record.
 * known and changes are kept by every function here that changes a value,
 * for session_params_in_step. Embedded by its client or server; 32 bytes
 * on LP64 plus the array. */
struct session_params {
	const char **values;                /* owned array of count */
	struct session_param_pair *others;  /* owned array */
	uint32_t other_count;
	uint32_t changes;                   /* grows at every change of a value (never resets) */
	uint16_t count;
	uint16_t known;                     /* bit i: value i is not NULL */
};

/* What session_params_in_step last found of one server's values against
 * its pool's defaults; zeroed (nothing known) with the server. */
struct session_params_memo {
	uint32_t server_changes, defaults_changes;  /* as of that look */
	uint16_t off_defaults;   /* bit i: a default i is set and the server's differs */
	bool valid;
};

/* Value i (< SESSION_PARAMS_MAX) of p, or NULL when unknown. */
static inline const char *session_params_get(const struct session_params *p, size_t i)
{
	return i < p->count ? p->values[i] : NULL;
}

/* What recording one (name, value) did. */
enum session_param_change {
	SESSION_PARAM_UNCHANGED,  /* tracked, same value as before */
	SESSION_PARAM_CHANGED,    /* tracked, new value stored */
	SESSION_PARAM_UNTRACKED,  /* not a tracked name */
};

/* What session_params_check_startup found wrong; every refusal is a
 * FATAL with SESSION_STARTUP_SQLSTATE and the message it writes. */
enum session_startup_verdict {
	SESSION_STARTUP_OK = 0,
	SESSION_STARTUP_UNSUPPORTED,        /* "unsupported startup parameter: X" */
	SESSION_STARTUP_UNSUPPORTED_OPTION, /* "unsupported startup parameter in options: X" */
	SESSION_STARTUP_BAD_OPTIONS,        /* options not made of -c name=value / --name=value */
	SESSION_STARTUP_REPLICATION,        /* "replication connections are not supported" */
};

/* Builds the set: the built-ins, then each name of the comma-separated
 * track_extra (NULL or "" for none; blanks around names ignored) not
 * already in it (case-insensitive). 0: *set filled. -1: why says which
 * name is refused and *set is left empty (fini not needed): not an
 * identifier (letters, digits, '_', '$', dot-separated parts, not starting
 * with a digit), not a setting (user, database, options, replication), a
 * read-only parameter (server_version, is_superuser, ...), or more than
 * SESSION_PARAMS_MAX names in all. */
int session_param_set_init(struct session_param_set *set, const char *track_extra,
			   char *why, size_t why_size) __attribute__((warn_unused_result));
void session_param_set_fini(struct session_param_set *set);
/* Index of name in set (case-insensitive, as PostgreSQL matches setting
 * names), or -1. O(set->count). */
int session_param_set_find(const struct session_param_set *set, const char *name);

/* All values unknown. */
void session_params_init(struct session_params *p);
/* Frees every string; p may be initialized again. */
void session_params_fini(struct session_params *p);
/* Replaces p's contents with copies of src's. */
void session_params_copy(struct session_params *dst, const struct session_params *src);
/* Sets value i (< SESSION_PARAMS_MAX) to a copy of value, or to unknown
 * when value is NULL. Returns whether it changed (no allocation when not). */
bool session_params_set(struct session_params *p, size_t i, const char *value);

/* Records a ParameterStatus (name, value) for a tracked name (matched
 * case-insensitively); "" is a value like any other. Call it for the
 * client too while it is linked, so the client's view follows what the
 * server reports (a SET it ran, or the canonical spelling of its own
 * value). Untracked names are ignored. */
enum session_param_change session_params_update(const struct session_param_set *set,
						struct session_params *p,
						const char *name, const char *value);
/* As session_params_update, but an untracked name is kept in p->others
 * (replacing an earlier value of the same name): for servers, whose full
 * reported set the pool hands to clients as their welcome. */
enum session_param_change session_params_record(const struct session_param_set *set,
						struct session_params *p,
						const char *name, const char *value);

/* Checks a client's StartupMessage s the way PgBouncer does and records
 * the tracked parameters it sets into *client (when not NULL). Accepted:
 * user and database; protocol options (_pq_.*, for the caller's
 * NegotiateProtocolVersion); replication when it says false (false, off,
 * no, 0, f, n); tracked parameters; options whose every "-c name=value" or
 * "--name=value" (backslash escapes the next byte; '-' in a name is '_')
 * names a tracked parameter, or a name in ignore, or any name when ignore
 * lists "options"; any other name in the comma-separated ignore list
 * (NULL for none), case-insensitively. An empty value sets nothing: the
 * pool's default applies. SESSION_STARTUP_OK, or a refusal with the
 * client-facing message in why (the offending name as the client sent it);
 * *client may then hold some values (the caller closes the client). */
enum session_startup_verdict session_params_check_startup(const struct session_param_set *set,
							  const char *ignore,
							  const struct pg_startup *s,
							  struct session_params *client,
							  char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* application_name_add_host: application_name becomes "<name> - <addr>"
 * ("app" when the client sent none), addr being the client's address as
 * the caller prints it ("127.0.0.1:51234"). Call once, after
 * session_params_check_startup; a later SET is not rewritten. */
void session_params_add_host(struct session_params *client, const char *addr);

/* Whether session_params_diff would find nothing to send (same
 * arguments), decided without its loop in the common case: the client's
 * own values are compared with the server's, and which of the server's
 * values differ from the defaults is remembered in memo until either
 * changes. Exact, not a guess. */
bool session_params_in_step(const struct session_param_set *set,
			    const struct session_params *client,
			    const struct session_params *defaults,
			    const struct session_params *server, struct session_params_memo *memo);

/* Appends to out one simple Query that makes server's session match
 * client's, and returns how many parameters it sets (0: nothing appended,
 * nothing to send). The value wanted for parameter i is client's, else
 * defaults' (defaults may be NULL; for the pool, the first server's
 * values); none wanted means no opinion and nothing is sent. It is sent
 * when the server's value is unknown or differs (byte for byte). The query
 * is one statement:
 *   SELECT pg_catalog.set_config('TimeZone', 'UTC', false), ...
 * set_config takes a value exactly as a StartupMessage or the config file
 * does; SET with a quoted literal would make a list setting such as
 * search_path one quoted element. Names and values are quoted with
 * session_params_quote. The server answers RowDescription, DataRow,
 * CommandComplete, a ParameterStatus per reported change, ReadyForQuery;
 * or ErrorResponse (a bad value) and ReadyForQuery. Caveat: PostgreSQL
 * converts the whole query from the server connection's client_encoding,
 * so a non-ASCII value is misread if that encoding is not the client's. */
size_t session_params_diff(const struct session_param_set *set,
			   const struct session_params *client,
			   const struct session_params *defaults,
			   const struct session_params *server, struct pg_buf *out);

/* After the query from session_params_diff succeeded (ReadyForQuery, no
 * ErrorResponse) and its ParameterStatus messages were recorded in server:
 * for each parameter it set, a server value still unknown (not reported)
 * becomes the value sent, and a client value that the server now spells
 * differently ("utf8" -> "UTF8", "ISO" -> "ISO, MDY") becomes the server's,
 * so the next diff between them is empty. Same arguments as the diff. */
void session_params_synced(const struct session_param_set *set, struct session_params *client,
			   const struct session_params *defaults, struct session_params *server);

/* Appends the ParameterStatus messages a client is welcomed with: for each
 * tracked parameter the client's value, else welcome's, when either is
 * known; then welcome's other (untracked) parameters. welcome may be NULL. */
void session_params_put_status(const struct session_param_set *set,
			       const struct session_params *client,
			       const struct session_params *welcome, struct pg_buf *out);

/* Appends s as an SQL string literal that reads back as s whatever
 * standard_conforming_strings is: '...' with ' doubled, or, when s holds a
 * backslash, E'...' with ' and \ doubled. */
void session_params_quote(struct pg_buf *out, const char *s);

#endif
