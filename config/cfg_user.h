/* cfg_user: one [users] entry, `username = key=value ...`, parsed with the
 * same tokenizer as [databases] (cfg_kv) into per-user overrides of pool
 * mode, sizes, limits and timeouts, and the equality a reload uses. The
 * caller reads the ini file and adds file:line to the reasons given here. */
#ifndef CORRAL_CONFIG_CFG_USER_H
#define CORRAL_CONFIG_CFG_USER_H

#include <stdbool.h>
#include <stddef.h>

/* name is owned by the struct. Every int is -1 when not set, meaning the
 * database's or the global setting applies; timeouts are whole seconds. */
struct cfg_user {
	char *name;
	int pool_mode;                  /* enum cfg_pool_mode (cfg_database.h) */
	int pool_size;                  /* >= 0 */
	int reserve_pool_size;          /* >= 0 */
	int max_user_connections;       /* >= 0, 0 unlimited */
	int max_user_client_connections; /* >= 0, 0 unlimited */
	int query_timeout;              /* >= 0, 0 disables */
	int query_wait_timeout;         /* >= 0, 0 disables */
	int idle_transaction_timeout;   /* >= 0, 0 disables */
	int transaction_timeout;        /* >= 0, 0 disables */
	int client_idle_timeout;        /* >= 0, 0 disables */
};

/* Parse entry `name = value` into *out (previous contents ignored). name
 * must be non-empty; value may be empty (nothing overridden). Returns 0, or
 * -1 with why filled (names the key and what was expected, no file:line)
 * and *out left empty (no fini needed). */
int cfg_user_parse(const char *name, const char *value, struct cfg_user *out,
		   char *why, size_t why_size) __attribute__((warn_unused_result));

/* Free what *u owns and leave it empty; safe on an empty entry. */
void cfg_user_fini(struct cfg_user *u);

/* True when a and b have the same name and the same settings. */
bool cfg_user_equal(const struct cfg_user *a, const struct cfg_user *b);

#endif
