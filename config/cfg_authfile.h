/* cfg_authfile: the auth_file (userlist.txt): lines `"user" "secret"`, each
 * field in double quotes with "" standing for one quote, anything after the
 * second field ignored, blank lines and lines starting with ';' or '#'
 * skipped. Each secret is classified (plain, md5, SCRAM) and its shape
 * checked; entries are kept sorted by user for O(log n) lookup. When a user
 * appears twice the later line wins, as in PgBouncer. Reads only the file it
 * is given; decoding SCRAM's base64 is left to protocol/. */
#ifndef CORRAL_CONFIG_CFG_AUTHFILE_H
#define CORRAL_CONFIG_CFG_AUTHFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg_error.h"

enum cfg_secret_kind {
	CFG_SECRET_NONE,    /* "": the user exists but no password matches */
	CFG_SECRET_PLAIN,   /* clear-text password */
	CFG_SECRET_MD5,     /* "md5" + 32 lowercase hex digits of md5(password + user) */
	CFG_SECRET_SCRAM,   /* SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey> */
};

struct cfg_auth_entry {
	char *user;                  /* owned; non-empty */
	char *secret;                /* owned; exactly as written, unquoted */
	enum cfg_secret_kind kind;
	int line;                    /* 1-based line it came from */
};

/* Owns entries, sorted by user (strcmp order), users unique. */
struct cfg_authfile {
	struct cfg_auth_entry *entries;
	size_t count;
};

/* Read and parse the file at path into *out (previous contents ignored).
 * Returns 0, or -1 with *err set (path:line for a bad line, path alone when
 * the file cannot be read) and *out left empty (no fini needed). */
int cfg_authfile_load(const char *path, struct cfg_authfile *out, struct cfg_error *err)
	__attribute__((warn_unused_result));

/* Parse len bytes of text (need not be NUL-terminated); name_for_errors is
 * the file name put in *err. Same results as cfg_authfile_load. Errors:
 * a line not starting with '"', an unterminated quote, a missing or unquoted
 * secret, an empty user name, a NUL byte, a secret that starts like md5 or
 * SCRAM but is malformed. */
int cfg_authfile_parse(const char *text, size_t len, const char *name_for_errors,
		       struct cfg_authfile *out, struct cfg_error *err)
	__attribute__((warn_unused_result));

/* Free everything *af owns and leave it empty; safe on an empty one. */
void cfg_authfile_fini(struct cfg_authfile *af);

/* The entry for user, or NULL. O(log n). The pointer lives as long as *af. */
const struct cfg_auth_entry *cfg_authfile_find(const struct cfg_authfile *af, const char *user);

enum cfg_auth_change {
	CFG_AUTH_ADDED,     /* in new only */
	CFG_AUTH_REMOVED,   /* in old only */
	CFG_AUTH_CHANGED,   /* in both, secret differs */
};

/* Walk old and new in user order and call fn once per user that was added,
 * removed or whose secret changed (fn may be NULL to only count). Returns how
 * many calls that was: 0 when both hold the same users and secrets. O(n). */
size_t cfg_authfile_diff(const struct cfg_authfile *old, const struct cfg_authfile *new,
			 void (*fn)(void *arg, const char *user, enum cfg_auth_change change),
			 void *arg);

#endif
