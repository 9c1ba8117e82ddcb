/* cfg_hba: the auth_hba_file (auth_type = hba), in pg_hba.conf syntax, and
 * the rule lookup that picks a client's authentication method. Record
 * types local, host, hostssl, hostnossl; database and user fields as comma
 * lists of names, "all", "sameuser" (database), "replication" (database;
 * corral refuses replication connections, so it matches nothing) and
 * @file includes; addresses in CIDR form, as an address and a mask, or
 * "all"; methods trust, reject, md5, scram-sha-256, password, cert and
 * peer. What PgBouncer and corral do not support (+group, samerole,
 * regular expressions, host names, samehost, samenet, other methods,
 * name=value options) is an error naming file:line, as is any malformed
 * line: unlike PgBouncer, which skips bad lines, a file that does not load
 * keeps the running configuration. Reads only the files named. */
#ifndef CORRAL_CONFIG_CFG_HBA_H
#define CORRAL_CONFIG_CFG_HBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg_error.h"

struct sockaddr;

/* Deepest @file nesting accepted (a rule's line is depth 0). */
#define CFG_HBA_MAX_DEPTH 10
/* Largest file accepted, in bytes. */
#define CFG_HBA_MAX_FILE (16u << 20)

enum cfg_hba_type {
	CFG_HBA_LOCAL,        /* unix-domain socket */
	CFG_HBA_HOST,         /* TCP, with or without TLS */
	CFG_HBA_HOSTSSL,      /* TCP with TLS */
	CFG_HBA_HOSTNOSSL,    /* TCP without TLS */
};

enum cfg_hba_method {
	CFG_HBA_REJECT,       /* also what no matching rule means */
	CFG_HBA_TRUST,
	CFG_HBA_PASSWORD,     /* clear-text password */
	CFG_HBA_MD5,          /* md5, or SCRAM for a SCRAM secret (as PostgreSQL) */
	CFG_HBA_SCRAM,        /* scram-sha-256 */
	CFG_HBA_CERT,         /* TLS client certificate; host and hostssl only */
	CFG_HBA_PEER,         /* the unix socket peer's OS user; local only */
};

/* A client's address as the rules see it. */
struct cfg_hba_addr {
	int family;           /* AF_UNIX (no address), AF_INET or AF_INET6 (sys/socket.h) */
	uint8_t bytes[16];    /* network order: 4 used for AF_INET */
};

/* A database or user field. */
struct cfg_hba_names {
	bool all;             /* "all" */
	bool sameuser;        /* "sameuser" (databases only) */
	char **names;         /* owned, literal names (quotes removed) */
	size_t count;
};

struct cfg_hba_rule {
	enum cfg_hba_type type;
	struct cfg_hba_names databases;
	struct cfg_hba_names users;
	bool any_address;     /* "all"; else family, addr and mask (not local) */
	int family;           /* AF_INET or AF_INET6; AF_UNIX for local */
	uint8_t addr[16];
	uint8_t mask[16];
	enum cfg_hba_method method;
	int line;             /* first line of the record in the main file */
};

/* Owns its rules, in file order, and the names of the files read. */
struct cfg_hba {
	struct cfg_hba_rule *rules;
	size_t count;
	char **files;         /* the file itself, then each @file as read */
	size_t file_count;
};

/* Read and parse the file at path into *out (previous contents ignored);
 * @file names are resolved against the directory of the file naming them.
 * Returns 0, or -1 with *err set (file:line of the offending line, or the
 * file alone when it cannot be read) and *out left empty (no fini needed).
 * Besides what the header lists, a file with no rule at all is an error:
 * it would refuse every client. */
int cfg_hba_load(const char *path, struct cfg_hba *out, struct cfg_error *err)
	__attribute__((warn_unused_result));

/* cfg_hba_load on len bytes of text named name_for_errors (@file names are
 * resolved against its directory and read). */
int cfg_hba_parse(const char *text, size_t len, const char *name_for_errors,
		  struct cfg_hba *out, struct cfg_error *err) __attribute__((warn_unused_result));

/* Free everything *hba owns and leave it empty; safe on an empty one. */
void cfg_hba_fini(struct cfg_hba *hba);

/* The method of the first rule matching a client at addr (TLS or not)
 * asking for database as user; CFG_HBA_REJECT when none matches. *line
 * (may be NULL) gets the matching rule's line, 0 when none matched (so a
 * caller can tell "rejected by a rule" from "no rule"). Names compare
 * exactly (case-sensitive), as in PostgreSQL. O(rules * names). */
enum cfg_hba_method cfg_hba_match(const struct cfg_hba *hba, const struct cfg_hba_addr *addr,
				  bool is_ssl, const char *database, const char *user, int *line);

/* Whether some rule of hba has method (cert: the client TLS side must ask
 * for certificates). */
bool cfg_hba_uses(const struct cfg_hba *hba, enum cfg_hba_method method);

/* Whether two rule sets are the same (for the reload diff). */
bool cfg_hba_equal(const struct cfg_hba *a, const struct cfg_hba *b);

/* *out from an accepted socket's peer address: AF_INET, AF_INET6 (an
 * IPv4-mapped IPv6 address becomes AF_INET, the client it really is) or
 * AF_UNIX. Returns 0, or -1 for any other family. */
int cfg_hba_addr_from_sockaddr(const struct sockaddr *sa, struct cfg_hba_addr *out)
	__attribute__((warn_unused_result));

/* The address as PostgreSQL names it in messages: "127.0.0.1", "::1",
 * "[local]". out_size 48 holds any. */
void cfg_hba_addr_format(const struct cfg_hba_addr *addr, char *out, size_t out_size);

/* "trust", "reject", "md5", "scram-sha-256", "password", "cert", "peer". */
const char *cfg_hba_method_name(enum cfg_hba_method method);

#endif
