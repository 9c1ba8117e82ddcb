/* admin_parse: the admin console's command language, read from one simple
 * Query's text into a struct admin_command. Commands are one word and at
 * most one argument ("SHOW POOLS", "PAUSE mydb", "KILL_CLIENT 17",
 * "SHUTDOWN WAIT_FOR_CLIENTS"), or "SET key = value" (also "SET key TO
 * value"); keywords are case-insensitive, blanks are free, one trailing ';'
 * is allowed. Arguments keep their case; a double-quoted argument may hold
 * any character ("" is one quote), a single-quoted SET value likewise ('').
 * Pure: no I/O, no knowledge of what the names refer to. */
#ifndef CORRAL_POOLER_ADMIN_PARSE_H
#define CORRAL_POOLER_ADMIN_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum admin_verb {
	ADMIN_SHOW,
	ADMIN_SET,
	ADMIN_PAUSE,
	ADMIN_RESUME,
	ADMIN_DISABLE,
	ADMIN_ENABLE,
	ADMIN_RECONNECT,
	ADMIN_KILL,
	ADMIN_KILL_CLIENT,
	ADMIN_WAIT_CLOSE,
	ADMIN_RELOAD,
	ADMIN_SHUTDOWN,
};

/* What SHOW shows. */
enum admin_show {
	ADMIN_SHOW_HELP,
	ADMIN_SHOW_POOLS,
	ADMIN_SHOW_STATS,
	ADMIN_SHOW_STATS_TOTALS,
	ADMIN_SHOW_STATS_AVERAGES,
	ADMIN_SHOW_TOTALS,
	ADMIN_SHOW_SERVERS,
	ADMIN_SHOW_CLIENTS,
	ADMIN_SHOW_SOCKETS,
	ADMIN_SHOW_ACTIVE_SOCKETS,
	ADMIN_SHOW_DATABASES,
	ADMIN_SHOW_USERS,
	ADMIN_SHOW_CONFIG,
	ADMIN_SHOW_LISTS,
	ADMIN_SHOW_MEM,
	ADMIN_SHOW_STATE,
	ADMIN_SHOW_VERSION,
};

/* SHUTDOWN's three forms. */
enum admin_shutdown {
	ADMIN_SHUTDOWN_NOW,
	ADMIN_SHUTDOWN_WAIT_FOR_SERVERS,
	ADMIN_SHUTDOWN_WAIT_FOR_CLIENTS,
};

/* Longest argument (a database or setting name) and SET value, with the NUL. */
#define ADMIN_ARG_MAX 64
#define ADMIN_VALUE_MAX 256

struct admin_command {
	enum admin_verb verb;
	enum admin_show show;          /* SHOW */
	enum admin_shutdown shutdown;  /* SHUTDOWN */
	uint64_t client_id;            /* KILL_CLIENT */
	char arg[ADMIN_ARG_MAX];       /* the database, or SET's key; "" when none */
	char value[ADMIN_VALUE_MAX];   /* SET's value, unquoted */
};

enum admin_parse_result {
	ADMIN_PARSE_OK,
	ADMIN_PARSE_EMPTY,    /* nothing but blanks and ';': answer EmptyQueryResponse */
	ADMIN_PARSE_SYNTAX,   /* malformed, an unknown command or SHOW item, an argument
			       * missing or not expected (SQLSTATE 42601) */
	ADMIN_PARSE_BAD_ARG,  /* an argument of the right shape but a bad value: too
			       * long, not a client id, not a SHUTDOWN mode (22023) */
};

/* Parses query (NUL-terminated) into *out. ADMIN_PARSE_OK: *out filled
 * (fields the verb does not use are zero / ""). Otherwise why holds a
 * sentence for the client ("invalid command 'FOO', use SHOW HELP;",
 * "DISABLE needs a database name", "KILL_CLIENT needs a client id from SHOW
 * CLIENTS, not 'x'") and *out is unspecified. */
enum admin_parse_result admin_parse(const char *query, struct admin_command *out, char *why,
				    size_t why_size) __attribute__((warn_unused_result));

/* The keyword as the console answers it in CommandComplete ("PAUSE",
 * "KILL_CLIENT", "SHOW", ...). */
const char *admin_verb_name(enum admin_verb verb);

#endif
