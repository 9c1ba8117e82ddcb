/* cfg_settings: every [pgbouncer] setting PgBouncer 1.25 documents, as one
 * struct with a typed member per setting (the pooler reads
 * s->max_client_conn directly) and a table describing each one: name,
 * type, default, bounds, allowed names, and whether a reload may change it.
 * One generic path parses text into a member and formats it back, through
 * the member's offset; there is no per-setting code. No I/O, no globals
 * beyond the constant table. */
#ifndef CORRAL_CONFIG_CFG_SETTINGS_H
#define CORRAL_CONFIG_CFG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg_database.h"

enum cfg_auth_type {
	CFG_AUTH_ANY,            /* no password; the client's user name is ignored */
	CFG_AUTH_TRUST,          /* no password; the user must be known */
	CFG_AUTH_PLAIN,          /* clear-text password */
	CFG_AUTH_MD5,            /* md5, or SCRAM when the stored secret is SCRAM */
	CFG_AUTH_SCRAM_SHA_256,
	CFG_AUTH_CERT,           /* TLS client certificate */
	CFG_AUTH_HBA,            /* per-connection method from auth_hba_file */
	CFG_AUTH_LDAP,
	CFG_AUTH_PAM,
};

/* client_tls_sslmode and server_tls_sslmode, libpq's names. */
enum cfg_sslmode {
	CFG_SSLMODE_DISABLE,
	CFG_SSLMODE_ALLOW,
	CFG_SSLMODE_PREFER,
	CFG_SSLMODE_REQUIRE,
	CFG_SSLMODE_VERIFY_CA,
	CFG_SSLMODE_VERIFY_FULL,
};

enum cfg_syslog_facility {
	CFG_SYSLOG_AUTH,
	CFG_SYSLOG_AUTHPRIV,
	CFG_SYSLOG_DAEMON,
	CFG_SYSLOG_USER,
	CFG_SYSLOG_LOCAL0,       /* local0 .. local7 follow in order */
	CFG_SYSLOG_LOCAL1,
	CFG_SYSLOG_LOCAL2,
	CFG_SYSLOG_LOCAL3,
	CFG_SYSLOG_LOCAL4,
	CFG_SYSLOG_LOCAL5,
	CFG_SYSLOG_LOCAL6,
	CFG_SYSLOG_LOCAL7,
};

/* How a setting's text maps to its member. Times are int64_t microseconds
 * (text: seconds with up to six decimals, like PgBouncer's fractional
 * seconds); sizes are int64_t bytes (text: an integer, optionally followed
 * by kB, MB or GB, powers of 1024). Strings are never NULL: "" is "not set". */
enum cfg_setting_type {
	CFG_SETTING_INT,     /* int, decimal */
	CFG_SETTING_BOOL,    /* bool: 1/0, yes/no, on/off, true/false */
	CFG_SETTING_TIME,    /* int64_t microseconds */
	CFG_SETTING_SIZE,    /* int64_t bytes */
	CFG_SETTING_MODE,    /* int, octal file mode such as 0777 */
	CFG_SETTING_ENUM,    /* an int-sized enum: index into choices */
	CFG_SETTING_STRING,  /* char *, owned */
	CFG_SETTING_PATH,    /* char *, owned: a file or directory name */
};

/* One row of the settings table. */
struct cfg_setting {
	const char *name;
	enum cfg_setting_type type;
	size_t offset;               /* of the member in struct cfg_settings */
	const char *def;             /* default, as text */
	int64_t min, max;            /* inclusive bounds in the member's unit
				      * (INT, MODE, TIME in microseconds, SIZE) */
	const char *const *choices;  /* ENUM: names in enum order, NULL-terminated */
	bool reloadable;             /* false: a reload cannot change it, a restart must */
};

/* Owned by whoever embeds it; strings freed by cfg_settings_fini. Members
 * are named after their settings and grouped as PgBouncer documents them. */
struct cfg_settings {
	/* Generic */
	char *logfile;
	char *pidfile;
	char *listen_addr;
	int listen_port;
	char *unix_socket_dir;
	int unix_socket_mode;
	char *unix_socket_group;
	char *user;
	enum cfg_pool_mode pool_mode;
	int max_client_conn;
	int default_pool_size;
	int min_pool_size;
	int reserve_pool_size;
	int64_t reserve_pool_timeout;
	int max_db_connections;
	int max_db_client_connections;
	int max_user_connections;
	int max_user_client_connections;
	bool server_round_robin;
	char *track_extra_parameters;
	char *ignore_startup_parameters;
	int peer_id;
	bool disable_pqexec;
	bool application_name_add_host;
	char *conffile;
	char *job_name;
	int64_t stats_period;
	int max_prepared_statements;
	int scram_iterations;
	/* Authentication */
	enum cfg_auth_type auth_type;
	char *auth_hba_file;
	char *auth_ident_file;
	char *auth_file;
	char *auth_user;
	char *auth_query;
	char *auth_dbname;
	char *auth_ldap_options;
	/* Logging */
	bool syslog;
	char *syslog_ident;
	enum cfg_syslog_facility syslog_facility;
	bool log_connections;
	bool log_disconnections;
	bool log_pooler_errors;
	bool log_stats;
	int verbose;
	/* Console access */
	char *admin_users;
	char *stats_users;
	/* Connection sanity checks, timeouts */
	char *server_reset_query;
	bool server_reset_query_always;
	int64_t server_check_delay;
	char *server_check_query;
	bool server_fast_close;
	int64_t server_lifetime;
	int64_t server_idle_timeout;
	int64_t server_connect_timeout;
	int64_t server_login_retry;
	int64_t client_login_timeout;
	int64_t autodb_idle_timeout;
	int64_t dns_max_ttl;
	int64_t dns_nxdomain_ttl;
	int64_t dns_zone_check_period;
	char *resolv_conf;
	int64_t query_wait_notify;
	int64_t suspend_timeout;
	/* TLS */
	enum cfg_sslmode client_tls_sslmode;
	char *client_tls_key_file;
	char *client_tls_cert_file;
	char *client_tls_ca_file;
	char *client_tls_protocols;
	char *client_tls_ciphers;
	char *client_tls13_ciphers;
	char *client_tls_ecdhcurve;
	char *client_tls_dheparams;
	enum cfg_sslmode server_tls_sslmode;
	char *server_tls_ca_file;
	char *server_tls_key_file;
	char *server_tls_cert_file;
	char *server_tls_protocols;
	char *server_tls_ciphers;
	char *server_tls13_ciphers;
	/* Dangerous timeouts */
	int64_t query_timeout;
	int64_t query_wait_timeout;
	int64_t cancel_wait_timeout;
	int64_t client_idle_timeout;
	int64_t idle_transaction_timeout;
	int64_t transaction_timeout;
	/* Low-level network */
	int64_t pkt_buf;
	int64_t max_packet_size;
	int listen_backlog;
	int sbuf_loopcnt;
	bool so_reuseport;
	bool tcp_defer_accept;
	int64_t tcp_socket_buffer;
	bool tcp_keepalive;
	int tcp_keepcnt;
	int tcp_keepidle;
	int tcp_keepintvl;
	int tcp_user_timeout;
};

/* Room cfg_setting_format needs for any non-string value. */
#define CFG_SETTING_FMT_SIZE 32

/* Every setting at its default; strings allocated. */
void cfg_settings_init(struct cfg_settings *s);
/* Free the strings; *s may be initialized again afterwards. */
void cfg_settings_fini(struct cfg_settings *s);

/* Set the setting called name (case-insensitive) from its text value.
 * Returns 0, or -1 with why filled and *s unchanged: "unknown setting 'x'",
 * or "'abc' is not a number for max_client_conn (expected an integer
 * 1..2147483647)", "... is out of range ...", and alike for each type. */
int cfg_settings_set(struct cfg_settings *s, const char *name, const char *value, char *why,
		     size_t why_size) __attribute__((warn_unused_result));

/* The table row for name (case-insensitive), or NULL. */
const struct cfg_setting *cfg_setting_find(const char *name);
/* Number of settings, and row i (i < cfg_setting_count()), in name order. */
size_t cfg_setting_count(void);
const struct cfg_setting *cfg_setting_at(size_t i);

/* e's value in *s as text that cfg_settings_set reads back to the same
 * value: a string member itself (valid while *s is unchanged), otherwise
 * buf (CFG_SETTING_FMT_SIZE bytes) filled. Times print as seconds
 * ("3600", "0.5"), sizes as bytes, modes as four octal digits, bools as
 * 1/0, enums by name. */
const char *cfg_setting_format(const struct cfg_settings *s, const struct cfg_setting *e,
			       char *buf);

/* What e accepts, in words: "an integer 1..2147483647", "one of: session,
 * transaction, statement", ... into out. Used in error messages and docs. */
void cfg_setting_describe(const struct cfg_setting *e, char *out, size_t out_size);

/* "int", "bool", "time", "size", "mode", "enum", "string" or "path". */
const char *cfg_setting_type_name(enum cfg_setting_type type);

#endif
