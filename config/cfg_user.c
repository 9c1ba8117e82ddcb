/* cfg_user: the [users] key table and entry parsing on top of cfg_kv (see
 * cfg_user.h). The pool mode names are cfg_database's. */
#include "config/cfg_user.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_database.h"
#include "config/cfg_kv.h"
#include "util/xalloc.h"

#define NUM(k, lo) { .key = #k, .type = CFG_KV_INT, .offset = offsetof(struct cfg_user, k), \
		     .min = lo, .max = INT_MAX, .group = 1 }

/* Every key PgBouncer 1.25 accepts in a [users] entry. */
static const struct cfg_kv_field fields[] = {
	{ .key = "pool_mode", .type = CFG_KV_CHOICE, .offset = offsetof(struct cfg_user, pool_mode),
	  .choices = cfg_pool_mode_names, .group = 1 },
	NUM(pool_size, 0),
	NUM(reserve_pool_size, 0),
	NUM(max_user_connections, 0),
	NUM(max_user_client_connections, 0),
	NUM(query_timeout, 0),
	/* -1 is PgBouncer's documented spelling of "not set". */
	NUM(query_wait_timeout, -1),
	NUM(idle_transaction_timeout, 0),
	NUM(transaction_timeout, 0),
	NUM(client_idle_timeout, 0),
};

static const struct cfg_kv_table table = { fields, sizeof fields / sizeof fields[0] };

int cfg_user_parse(const char *name, const char *value, struct cfg_user *out,
		   char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	if (name[0] == '\0')
		return cfg_kv_why(why, why_size, "empty user name");
	cfg_kv_reset(&table, out);
	if (cfg_kv_apply(&table, value, out, why, why_size) < 0) {
		cfg_user_fini(out);
		return -1;
	}
	out->name = xstrdup(name);
	return 0;
}

void cfg_user_fini(struct cfg_user *u)
{
	cfg_kv_free_strings(&table, u);
	free(u->name);
	memset(u, 0, sizeof *u);
}

bool cfg_user_equal(const struct cfg_user *a, const struct cfg_user *b)
{
	return strcmp(a->name, b->name) == 0 && cfg_kv_compare(&table, a, b) == 0;
}
