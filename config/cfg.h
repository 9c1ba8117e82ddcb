/* cfg: the configuration snapshot. cfg_load reads the ini file (and its
 * includes) and the auth_file into one immutable struct cfg, checks rules
 * that span settings, and either returns the whole snapshot or an error
 * with file:line; nothing half-loaded escapes. A reload loads a new
 * snapshot, lists the differences with cfg_diff (logging each one and
 * warning about restart-only settings), then swaps it in; a snapshot that
 * fails to load leaves the running one untouched. No globals, no I/O
 * besides reading the files named by the configuration. */
#ifndef CORRAL_CONFIG_CFG_H
#define CORRAL_CONFIG_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg_authfile.h"
#include "config/cfg_database.h"
#include "config/cfg_error.h"
#include "config/cfg_hba.h"
#include "config/cfg_settings.h"
#include "config/cfg_user.h"

/* Owns everything it points to; freed as a whole by cfg_free. Read-only
 * once cfg_load returns it. */
struct cfg {
	struct cfg_settings settings;   /* [pgbouncer] / [corral] */
	struct cfg_database *databases; /* [databases] but "*", sorted by name (strcmp) */
	size_t database_count;
	struct cfg_database *fallback;  /* the "*" entry, or NULL */
	struct cfg_user *users;         /* [users], sorted by name (strcmp) */
	size_t user_count;
	struct cfg_authfile auth;       /* auth_file contents; empty when not set */
	char *auth_file_path;           /* auth_file as opened, or NULL when not set */
	struct cfg_hba hba;             /* auth_hba_file's rules; empty unless auth_type hba */
	char **files;                   /* every file read, in reading order: the config, */
	size_t file_count;              /* its includes, auth_file, auth_hba_file, @files */
};

/* Load the config file at path into a new snapshot *out (the caller frees
 * it with cfg_free). A name given twice keeps its last value, in settings,
 * [databases], [users] and auth_file alike, as in PgBouncer. conffile
 * defaults to path. A relative auth_file is read from path's directory.
 * Returns 0, or -1 with *err set and *out untouched when: a file cannot be
 * read; a line is malformed (see cfg_ini.h); a setting is unknown or its
 * value bad; a [databases] or [users] entry is bad; the auth_file is bad;
 * with auth_type hba, the auth_hba_file (relative like auth_file) is bad;
 * min_pool_size exceeds default_pool_size (or a database's pool size); a
 * password auth_type (plain, md5, scram-sha-256) has neither auth_file nor
 * auth_user; auth_type hba has no auth_hba_file; auth_type cert has
 * client TLS disabled; client TLS is enabled without client_tls_key_file
 * and client_tls_cert_file. */
int cfg_load(const char *path, struct cfg **out, struct cfg_error *err)
	__attribute__((warn_unused_result));

/* cfg_load on len bytes of ini text named name_for_errors, reading no file
 * at all: %include is refused and auth_file, if set, is not read (auth
 * stays empty, auth_file_path NULL), nor is auth_hba_file (hba stays
 * empty). For the fuzzer and tests. */
int cfg_load_buffer(const char *text, size_t len, const char *name_for_errors, struct cfg **out,
		    struct cfg_error *err) __attribute__((warn_unused_result));

/* Free a snapshot; NULL is allowed. */
void cfg_free(struct cfg *cfg);

/* The [databases] entry named name (exact, case-sensitive), or NULL; the
 * "*" fallback is cfg->fallback, never returned here. O(log n). */
const struct cfg_database *cfg_find_database(const struct cfg *cfg, const char *name);
/* The [users] entry for name, or NULL. O(log n). */
const struct cfg_user *cfg_find_user(const struct cfg *cfg, const char *name);

enum cfg_change_kind {
	CFG_CHANGE_SETTING,
	CFG_CHANGE_DATABASE_ADDED,
	CFG_CHANGE_DATABASE_REMOVED,
	CFG_CHANGE_DATABASE_CHANGED,
	CFG_CHANGE_USER_ADDED,
	CFG_CHANGE_USER_REMOVED,
	CFG_CHANGE_USER_CHANGED,
	CFG_CHANGE_AUTH_ADDED,      /* a user's line appeared in auth_file */
	CFG_CHANGE_AUTH_REMOVED,
	CFG_CHANGE_AUTH_CHANGED,    /* a user's secret changed */
	CFG_CHANGE_HBA_CHANGED,     /* auth_hba_file's rules changed (name: the file) */
};

/* One difference. Pointers are valid during the callback only. */
struct cfg_change {
	enum cfg_change_kind kind;
	const char *name;           /* setting, database ("*" for the fallback) or user */
	const char *old_value;      /* SETTING: both values as text */
	const char *new_value;
	bool needs_restart;         /* SETTING: a reload cannot apply it */
	unsigned db_change;         /* DATABASE_CHANGED: CFG_DB_CHANGE_* bits; SERVER
				     * means host, port, dbname, user, password or
				     * another part of the server target changed */
	const struct cfg_database *old_db, *new_db;  /* DATABASE_*: NULL where absent */
	const struct cfg_user *old_user, *new_user;  /* USER_*: NULL where absent */
};

typedef void cfg_change_fn(void *ctx, const struct cfg_change *change);

/* Call fn (may be NULL, to only count) for each difference from old to new:
 * settings in name order, then databases in name order with "*" last, then
 * users, then auth_file users, then the hba rules. Returns the number of differences; 0 when the
 * snapshots are equivalent. */
size_t cfg_diff(const struct cfg *old, const struct cfg *new, cfg_change_fn *fn, void *ctx);

/* One line for the log, without secrets: "max_client_conn: '100' ->
 * '200'", "listen_port: '6432' -> '6433' (needs a restart)", "database 'db'
 * changed (server target, pool settings)", "user 'bob' added",
 * "auth_file: secret of 'bob' changed", ... */
void cfg_change_describe(const struct cfg_change *change, char *out, size_t out_size);

#endif
