/* auth_query: secrets looked up in PostgreSQL for logins missing from
 * auth_file (see auth_query.h). A lookup waits in its pool's lookups list
 * for a server, runs the query on it, reads the answer with the I/O-free
 * auth_query_reply, and hands the server back. The client that started it
 * may leave at any time: a queued lookup is dropped, a running one
 * finishes quietly so its server stays clean. */
#include "pooler/auth_query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config/cfg.h"
#include "pooler/client_auth.h"
#include "pooler/corral.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/server.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "util/xalloc.h"

/* One lookup. Owned by the client that started it until done is called or
 * it is cancelled; a cancelled running lookup owns itself. */
struct auth_query {
	struct list_node node;      /* in pool->lookups while waiting for a server */
	struct pool *pool;
	struct server *server;      /* while its query runs */
	char *user;                 /* the name looked up (owned) */
	char *query;                /* auth_query (owned) */
	auth_query_done_fn *done;   /* NULL once cancelled */
	void *arg;
	struct auth_query_reply reply;
	bool in_start;              /* auth_query_start is on the stack */
	bool finished;              /* ended during auth_query_start */
};

bool auth_query_target(const struct cfg *cfg, const char *database, struct auth_query_target *t)
{
	const struct cfg_database *db = cfg_find_database(cfg, database);
	const struct cfg_settings *s = &cfg->settings;
	if (db == NULL)
		db = cfg->fallback;
	if (db == NULL)
		return false;
	t->user = db->auth_user ? db->auth_user : s->auth_user;
	t->dbname = db->auth_dbname ? db->auth_dbname : s->auth_dbname[0] ? s->auth_dbname : database;
	t->query = db->auth_query ? db->auth_query : s->auth_query;
	return t->user[0] != '\0';
}

/* ---- the reply ---- */

void auth_query_reply_init(struct auth_query_reply *r)
{
	memset(r, 0, sizeof *r);
	r->state = AUTH_QUERY_REPLY_READING;
	r->status = AUTH_QUERY_NOT_FOUND;
}

void auth_query_reply_fini(struct auth_query_reply *r)
{
	if (r->secret) {
		OPENSSL_cleanse(r->secret, strlen(r->secret));
		free(r->secret);
	}
	r->secret = NULL;
}

static void set_error(struct auth_query_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_error(struct auth_query_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
}

/* The answer is unusable but the exchange goes on to ReadyForQuery (the
 * server stays usable). The first reason is kept. */
static enum auth_query_reply_state failed(struct auth_query_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static enum auth_query_reply_state failed(struct auth_query_reply *r, const char *fmt, ...)
{
	if (r->status != AUTH_QUERY_FAILED) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->error, sizeof r->error, fmt, ap);
		va_end(ap);
	}
	r->status = AUTH_QUERY_FAILED;
	return AUTH_QUERY_REPLY_READING;
}

static enum auth_query_reply_state broken(struct auth_query_reply *r, const char *what,
					  const struct pg_reader *rd)
{
	set_error(r, "malformed %s from server: %s", what, rd ? rd->err_reason : "");
	r->status = AUTH_QUERY_FAILED;
	return r->state = AUTH_QUERY_REPLY_BROKEN;
}

static enum auth_query_reply_state on_row_description(struct auth_query_reply *r,
						      const struct pg_frame *msg)
{
	struct pg_reader rd;
	struct pg_backend_columns cols;
	if (pg_backend_read_row_description(msg, &rd, &cols) != PG_OK)
		return broken(r, "RowDescription", &rd);
	if (cols.count != 2)
		return failed(r, "auth_query returns %u columns, expected 2 (name, password)",
			      (unsigned)cols.count);
	return AUTH_QUERY_REPLY_READING;
}

static enum auth_query_reply_state on_data_row(struct auth_query_reply *r,
					       const struct pg_frame *msg)
{
	struct pg_reader rd;
	struct pg_values vals;
	struct pg_value name, secret;
	if (pg_backend_read_data_row(msg, &rd, &vals) != PG_OK)
		return broken(r, "DataRow", &rd);
	if (vals.count != 2)
		return failed(r, "auth_query returns %u columns, expected 2 (name, password)",
			      (unsigned)vals.count);
	if (++r->rows > 1)
		return failed(r, "auth_query returns more than one row");
	pg_values_next(&vals, &name);
	pg_values_next(&vals, &secret);
	if (name.len < 0)
		return failed(r, "auth_query returns a NULL user name");
	if (secret.len >= 0 && memchr(secret.data, '\0', (size_t)secret.len) != NULL)
		return failed(r, "auth_query returns a password with a NUL byte");
	if (secret.len >= 0)
		r->secret = xstrndup((const char *)secret.data, (size_t)secret.len);
	if (r->status != AUTH_QUERY_FAILED)
		r->status = AUTH_QUERY_FOUND;
	return AUTH_QUERY_REPLY_READING;
}

static enum auth_query_reply_state on_error(struct auth_query_reply *r, const struct pg_frame *msg)
{
	struct pg_reader rd;
	struct pg_backend_diag d;
	if (pg_backend_read_error(msg, &rd, &d) != PG_OK)
		return broken(r, "ErrorResponse", &rd);
	set_error(r, "%s %s: %s", d.severity ? d.severity : "ERROR", d.sqlstate ? d.sqlstate : "",
		  d.message ? d.message : "");
	r->status = AUTH_QUERY_FAILED;
	return AUTH_QUERY_REPLY_READING;
}

static enum auth_query_reply_state on_ready(struct auth_query_reply *r, const struct pg_frame *msg)
{
	struct pg_reader rd;
	enum pg_tx_status status;
	if (pg_backend_read_ready_for_query(msg, &rd, &status) != PG_OK)
		return broken(r, "ReadyForQuery", &rd);
	if (status != PG_TX_IDLE) {
		set_error(r, "auth_query left a transaction open (status '%c')", (char)status);
		r->status = AUTH_QUERY_FAILED;
		return r->state = AUTH_QUERY_REPLY_BROKEN;
	}
	return r->state = AUTH_QUERY_REPLY_DONE;
}

enum auth_query_reply_state auth_query_reply_feed(struct auth_query_reply *r,
						  const struct pg_frame *msg)
{
	if (r->state != AUTH_QUERY_REPLY_READING) {
		set_error(r, "message type '%c' after the answer ended", msg->type);
		r->status = AUTH_QUERY_FAILED;
		return r->state = AUTH_QUERY_REPLY_BROKEN;
	}
	switch (msg->type) {
	case PG_BE_PARSE_COMPLETE:
	case PG_BE_BIND_COMPLETE:
	case PG_BE_COMMAND_COMPLETE:
	case PG_BE_NOTICE:
	case PG_BE_PARAMETER_STATUS:
		return AUTH_QUERY_REPLY_READING;
	case PG_BE_NO_DATA:
		return failed(r, "auth_query returns no rows at all (is it a SELECT?)");
	case PG_BE_EMPTY_QUERY:
		return failed(r, "auth_query is empty");
	case PG_BE_PORTAL_SUSPENDED:
		return failed(r, "auth_query was not run to completion");
	case PG_BE_ROW_DESCRIPTION:
		return on_row_description(r, msg);
	case PG_BE_DATA_ROW:
		return on_data_row(r, msg);
	case PG_BE_ERROR:
		return on_error(r, msg);
	case PG_BE_READY_FOR_QUERY:
		return on_ready(r, msg);
	default:
		set_error(r, "unexpected message type '%c' in the answer to auth_query", msg->type);
		r->status = AUTH_QUERY_FAILED;
		return r->state = AUTH_QUERY_REPLY_BROKEN;
	}
}

/* ---- lookups ---- */

static void lookup_free(struct auth_query *q)
{
	auth_query_reply_fini(&q->reply);
	free(q->user);
	free(q->query);
	free(q);
}

/* The lookup ended: tell the client (unless it left) and free it. During
 * auth_query_start only a failure can happen; it is reported there. */
static void finish(struct auth_query *q, enum auth_query_status status, const char *secret,
		   const char *error)
{
	if (q->in_start) {
		if (error != q->reply.error)
			snprintf(q->reply.error, sizeof q->reply.error, "%s", error);
		q->finished = true;
		return;
	}
	if (q->done)
		q->done(q->arg, status, secret, error);
	lookup_free(q);
}

/* Run q on s, a server of q's pool that nobody else uses now. */
static void run(struct auth_query *q, struct server *s)
{
	static const uint32_t param_type = 0;  /* let the server infer it */
	const char *const params[] = { q->user };
	q->server = s;
	s->lookup = q;
	server_set_state(s, SERVER_ST_ACTIVE);
	log_debug("S-%llu %s/%s: auth_query for user \"%s\"", (unsigned long long)s->id,
		  q->pool->db_name, q->pool->user_name, q->user);
	struct pg_buf *out = stream_out(&s->stream);
	pg_frontend_put_parse(out, "", q->query, &param_type, 1);
	pg_frontend_put_bind(out, "", "", params, 1);
	pg_frontend_put_describe(out, PG_FE_TARGET_PORTAL, "");
	pg_frontend_put_execute(out, "", 0);
	pg_frontend_put_sync(out);
	stream_send_out(&s->stream);
}

struct auth_query *auth_query_start(struct corral *corral, const struct auth_query_target *t,
				    const char *user, auth_query_done_fn *done, void *arg,
				    char *why, size_t why_size)
{
	const char *sqlstate = NULL;
	char reason[256];
	struct pool *p = pool_get(corral, t->dbname, t->user, &sqlstate, reason, sizeof reason);
	if (p == NULL) {
		snprintf(why, why_size, "auth_dbname '%s': %s", t->dbname, reason);
		return NULL;
	}
	if (pool_failing(p) && list_empty(&p->idle_servers)) {
		snprintf(why, why_size, "pool %s/%s: %s", t->dbname, t->user, p->last_error);
		return NULL;
	}
	struct auth_query *q = xcalloc(1, sizeof *q);
	q->pool = p;
	q->user = xstrdup(user);
	q->query = xstrdup(t->query);
	q->done = done;
	q->arg = arg;
	auth_query_reply_init(&q->reply);
	list_init(&q->node);
	q->in_start = true;
	struct server *s = pool_take_idle(p);
	if (s) {
		run(q, s);
	} else {
		list_push_back(&p->lookups, &q->node);
		p->lookup_count++;
		pool_open_servers(p);
	}
	q->in_start = false;
	if (!q->finished)
		return q;
	snprintf(why, why_size, "pool %s/%s: %s", t->dbname, t->user, q->reply.error);
	lookup_free(q);
	return NULL;
}

void auth_query_cancel(struct auth_query *q)
{
	q->done = NULL;
	if (q->server)
		return;  /* finishes with its query; the server stays clean */
	list_remove(&q->node);
	q->pool->lookup_count--;
	lookup_free(q);
}

void auth_query_take_server(struct pool *p, struct server *s)
{
	struct list_node *n = list_pop_front(&p->lookups);
	p->lookup_count--;
	run(list_entry(n, struct auth_query, node), s);
}

enum stream_verdict auth_query_on_message(struct server *s, const struct pg_frame *msg)
{
	struct auth_query *q = s->lookup;
	if (msg->type == PG_BE_NOTICE)
		return STREAM_DISCARD;
	if (msg->body == NULL)
		return STREAM_NEED_BODY;
	if (msg->type == PG_BE_PARAMETER_STATUS) {
		struct pg_reader r;
		const char *name, *value;
		if (pg_backend_read_parameter_status(msg, &r, &name, &value) == PG_OK)
			session_params_record(&s->pool->corral->tracked, &s->params, name, value);
	}
	switch (auth_query_reply_feed(&q->reply, msg)) {
	case AUTH_QUERY_REPLY_READING:
		return STREAM_CONSUMED;
	case AUTH_QUERY_REPLY_BROKEN: {
		char why[300];
		snprintf(why, sizeof why, "auth_query: %s", q->reply.error);
		server_close(s, why);  /* fails q through auth_query_server_lost */
		return STREAM_STOP;
	}
	case AUTH_QUERY_REPLY_DONE:
		break;
	}
	s->lookup = NULL;
	q->server = NULL;
	s->tx_status = PG_TX_IDLE;
	/* The client goes on first; nothing it does touches an ACTIVE server. */
	finish(q, q->reply.status, q->reply.secret, q->reply.error);
	if (s->state == SERVER_ST_ACTIVE)
		pool_release(s->pool, s);
	return s->state == SERVER_ST_CLOSED ? STREAM_STOP : STREAM_CONSUMED;
}

void auth_query_server_lost(struct server *s, const char *reason)
{
	struct auth_query *q = s->lookup;
	s->lookup = NULL;
	q->server = NULL;
	char why[300];
	snprintf(why, sizeof why, "server closed during auth_query: %s", reason);
	finish(q, AUTH_QUERY_FAILED, NULL, why);
}

void auth_query_fail_waiting(struct pool *p, const char *error)
{
	struct list_node *n;
	while ((n = list_pop_front(&p->lookups)) != NULL) {
		p->lookup_count--;
		finish(list_entry(n, struct auth_query, node), AUTH_QUERY_FAILED, NULL, error);
	}
}

void auth_query_adopt(struct pool *p, const struct client_auth *a)
{
	if (p->console || strcmp(p->cfg.server_user, a->user) != 0)
		return;
	struct pg_scram_verifier v;
	uint8_t key[PG_SCRAM_KEY_LEN];
	if (client_auth_scram_keys(a, &v, key) && a->scram_from_file) {
		p->scram_verifier = v;
		memcpy(p->scram_client_key, key, sizeof key);
		p->have_scram_keys = true;
	}
	OPENSSL_cleanse(&v, sizeof v);
	OPENSSL_cleanse(key, sizeof key);
	const char *md5 = client_auth_lookup_md5(a);
	if (md5 == NULL || (p->auth_query_password && strcmp(p->auth_query_password, md5) == 0))
		return;
	if (p->auth_query_password) {
		OPENSSL_cleanse(p->auth_query_password, strlen(p->auth_query_password));
		free(p->auth_query_password);
	}
	p->auth_query_password = xstrdup(md5);
}
