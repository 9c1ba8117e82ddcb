/* cfg_database: one [databases] entry, `name = key=value ...`, parsed from
 * its PgBouncer-compatible connection string into owned fields, and the
 * comparison a reload uses to decide whether a pool's server connections must
 * be replaced (target changed) or only its limits adjusted. The entry named
 * "*" is the fallback for unknown databases; cfg_database_instantiate makes
 * the entry a client's database name gets from it. Pure parsing: the caller
 * reads the ini file and adds file:line to the reasons given here. */
#ifndef CORRAL_CONFIG_CFG_DATABASE_H
#define CORRAL_CONFIG_CFG_DATABASE_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_pool_mode {
	CFG_POOL_SESSION,
	CFG_POOL_TRANSACTION,
	CFG_POOL_STATEMENT,
};

/* The pool mode names in enum order, NULL-terminated ("session", ...). */
extern const char *const cfg_pool_mode_names[];

/* s (case-insensitive) to *out. Returns 0, or -1 (out untouched) when s is
 * not session, transaction or statement. */
int cfg_pool_mode_parse(const char *s, enum cfg_pool_mode *out)
	__attribute__((warn_unused_result));
/* "session", "transaction" or "statement". */
const char *cfg_pool_mode_name(enum cfg_pool_mode mode);

enum cfg_load_balance_hosts {
	CFG_LB_ROUND_ROBIN,   /* "round-robin": each new connection takes the next host */
	CFG_LB_DISABLE,       /* "disable": stay on a host until a connection to it fails */
};

enum cfg_target_session_attrs {
	CFG_TSA_ANY,
	CFG_TSA_READ_WRITE,
	CFG_TSA_READ_ONLY,
	CFG_TSA_PRIMARY,
	CFG_TSA_STANDBY,
};

/* Default server port when the entry sets none. */
#define CFG_DATABASE_DEFAULT_PORT 5432

/* Every char * is owned by the struct (freed by cfg_database_fini); NULL
 * means "not set". Every int documented as "-1: inherit" is -1 when the
 * connection string does not set it, meaning the global setting applies. */
struct cfg_database {
	char *name;              /* the entry's name (client-side database name) */
	char *dbname;            /* server database; defaults to name */
	bool dbname_set;         /* dbname came from the connection string */
	char *host;              /* as written; NULL: unix socket in unix_socket_dir */
	char **hosts;            /* host split on ',', blanks trimmed; each "/..." a
				  * unix socket directory, "@..." an abstract socket */
	size_t host_count;       /* 0 when host is NULL */
	int port;                /* 1..65535, CFG_DATABASE_DEFAULT_PORT when unset */
	char *user;              /* forced server user: one pool for the database */
	char *password;          /* NULL: take user's secret from auth_file */
	char *auth_user;
	char *auth_dbname;
	char *auth_query;
	char *client_encoding;   /* startup parameters asked of the server */
	char *datestyle;
	char *timezone;
	char *application_name;
	char *connect_query;     /* run on each new server connection */
	int pool_mode;           /* enum cfg_pool_mode, -1: inherit */
	int pool_size;           /* >= 0, -1: inherit default_pool_size */
	int min_pool_size;       /* >= 0, -1: inherit */
	int reserve_pool_size;   /* >= 0 (key reserve_pool_size or reserve_pool), -1: inherit */
	int max_db_connections;  /* >= 0 (0 unlimited), -1: inherit */
	int max_db_client_connections; /* >= 0 (0 unlimited), -1: inherit */
	int server_lifetime;     /* seconds >= 0, -1: inherit */
	int query_wait_timeout;  /* seconds >= 0, -1: inherit */
	int load_balance_hosts;  /* enum cfg_load_balance_hosts, -1: round-robin */
	int target_session_attrs; /* enum cfg_target_session_attrs, -1: any */
};

/* Parse entry `name = connstr` into *out (previous contents ignored). name
 * must be non-empty and not reserved for the admin console ("pgbouncer",
 * "corral"); connstr may be empty (all defaults). On success *out owns
 * copies of everything. Returns 0, or -1 with why filled (names the key and
 * what was expected, no file:line) and *out left empty (no fini needed). */
int cfg_database_parse(const char *name, const char *connstr, struct cfg_database *out,
		       char *why, size_t why_size) __attribute__((warn_unused_result));

/* Free everything *db owns and leave it empty; safe on an empty entry. */
void cfg_database_fini(struct cfg_database *db);

/* From the fallback entry "*", the entry for a client's database `name`:
 * a copy of fallback named name, whose dbname is name unless the fallback
 * set dbname explicitly. *out must be fini'd by the caller. */
void cfg_database_instantiate(const struct cfg_database *fallback, const char *name,
			      struct cfg_database *out);

/* Bits cfg_database_compare returns. */
enum cfg_database_change {
	CFG_DB_CHANGE_POOL = 1u << 0,   /* pool sizes, limits, mode or timeouts */
	CFG_DB_CHANGE_SERVER = 1u << 1, /* how or where server connections are made:
					 * host, port, dbname, user, password, auth_*,
					 * startup parameters, connect_query,
					 * load_balance_hosts, target_session_attrs */
};

/* Which kinds of setting differ between two entries of the same name:
 * 0 when equivalent; CFG_DB_CHANGE_SERVER set means existing server
 * connections no longer match the entry and must be replaced. */
unsigned cfg_database_compare(const struct cfg_database *a, const struct cfg_database *b);

#endif
