/* prepared: the decision for each client message type. Every message that
 * gets a reply is pushed on the server's queue right after corral writes
 * it (or decides to answer it), in the order the server will read it; the
 * queue needs nothing else to keep replies in step. */
#include "pooler/prepared.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/ps_sql.h"
#include "pooler/ps_wire.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_reader.h"
#include "util/xalloc.h"

void prepared_server_init(struct prepared_server *ps, struct ps_registry *reg,
			  size_t max_prepared)
{
	ps_server_init(&ps->set, reg, max_prepared > 0 ? max_prepared : 1);
	ps_queue_init(&ps->queue, reg, max_prepared > 0 ? &ps->set : NULL);
	ps->unnamed.kind = PS_SQL_OTHER;
	ps->portal.kind = PS_SQL_OTHER;
	ps->portal_name = NULL;
}

/* The portal bound from a DEALLOCATE is gone (replaced, closed). */
static void forget_portal(struct prepared_server *ps)
{
	ps->portal.kind = PS_SQL_OTHER;
	free(ps->portal_name);
	ps->portal_name = NULL;
}

void prepared_server_fini(struct prepared_server *ps)
{
	forget_portal(ps);
	ps_queue_fini(&ps->queue);
	ps_server_fini(&ps->set);
}

void prepared_server_link(struct prepared_server *ps, struct ps_client *client)
{
	ps->unnamed.kind = PS_SQL_OTHER;
	forget_portal(ps);
	ps_queue_link(&ps->queue, client);
}

/* An error text, allocated (errors are rare; their entries own it). */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Whether the query text in msg's body from byte `from` on could be a
 * DEALLOCATE (ps_sql_may_deallocate): only then is the message read whole
 * and checked. Any other message of the unnamed statement goes on as it
 * is, unread, and the server checks it (a malformed one gets its error). */
static bool may_deallocate(const struct pg_frame *msg, size_t from)
{
	return msg->body_len <= from ||
	       ps_sql_may_deallocate((const char *)msg->body + from, msg->body_len - from);
}

/* corral answers a message itself, in its turn among the replies. */
static enum prepared_verdict answer(struct prepared_server *ps, const struct prepared_io *io,
				    const struct ps_entry *e)
{
	(void)ps_queue_push(&ps->queue, e);
	ps_queue_put_replies(&ps->queue, io->client_out, io->status);
	return PREPARED_CONSUMED;
}

/* The client's name, or NULL for the unnamed statement, a name its map
 * does not have, or a server that does not track statements (opened in
 * session mode or with max_prepared_statements 0 before a reload): the
 * server then handles the message itself. */
static struct ps_name *known(const struct ps_queue *q, const char *name)
{
	return name[0] == '\0' || q->set == NULL ? NULL : ps_client_find(q->client, name);
}

/* Make the server fail here, as PostgreSQL would for this message, and
 * give the client `reply` (owning `message`) in place of the failure. */
static enum prepared_verdict stand_in(struct prepared_server *ps, const struct prepared_io *io,
				      enum ps_reply reply, char *message)
{
	ps_wire_put_stand_in(io->server_out);
	(void)ps_queue_push(&ps->queue, &(struct ps_entry){ .kind = PS_KIND_DESCRIBE_STMT,
		.action = PS_ACT_REPLACE, .reply = reply, .u.message = message });
	return PREPARED_CONSUMED;
}

/* Write st's Parse to the server (after the Closes of the statements it
 * evicts) and queue it with `action`; `name` is the client name a client
 * Parse added (NULL for an injected one). */
static void prepare(struct prepared_server *ps, const struct prepared_io *io,
		    struct ps_stmt *st, enum ps_action action, struct ps_name *name)
{
	ps_server_add(&ps->set, st);
	struct ps_stmt *old;
	while ((old = ps_server_evict(&ps->set)) != NULL) {
		ps_wire_put_close(io->server_out, old);
		(void)ps_queue_push(&ps->queue, &(struct ps_entry){ .kind = PS_KIND_CLOSE,
			.action = PS_ACT_SWALLOW, .set_undo = PS_SET_EVICTED, .stmt = old });
	}
	ps_wire_put_parse(io->server_out, st);
	ps_stmt_ref(st);
	(void)ps_queue_push(&ps->queue, &(struct ps_entry){ .kind = PS_KIND_PARSE,
		.action = action, .undo = name ? PS_UNDO_NAME_ADDED : PS_UNDO_NONE,
		.set_undo = PS_SET_ADDED, .stmt = st, .u.name = name });
	io->counters->server_parses++;
}

/* Before a Bind or Describe of st: prepare it if this server lacks it. */
static void ensure_prepared(struct prepared_server *ps, const struct prepared_io *io,
			    struct ps_stmt *st)
{
	if (!ps_server_use(&ps->set, st))
		prepare(ps, io, st, PS_ACT_SWALLOW, NULL);
}

/* What a DEALLOCATE in `query` would deallocate, when corral answers for
 * it: ALL, or a name the client has. Anything else (another statement, a
 * name the client does not have, a server that does not track statements)
 * is left to the server: kind PS_SQL_OTHER. */
static struct prepared_deallocate deallocate_of(const struct prepared_server *ps,
						const char *query)
{
	struct prepared_deallocate d = { .kind = PS_SQL_OTHER };
	if (ps->queue.set == NULL)
		return d;
	d.kind = ps_sql_parse_deallocate(query, d.name);
	if (d.kind == PS_SQL_DEALLOCATE_NAME && known(&ps->queue, d.name) == NULL)
		d.kind = PS_SQL_OTHER;
	return d;
}

/* A Parse of the unnamed statement. A DEALLOCATE corral answers for is
 * sent as PS_WIRE_DEALLOCATE_STAND_IN (with the client's parameter types),
 * so the server checks and answers Parse, Bind and Describe as it would
 * for DEALLOCATE; the Execute does the rest (on_execute). */
static enum prepared_verdict on_unnamed_parse(struct prepared_server *ps,
					      const struct pg_frontend_parse *p,
					      const struct prepared_io *io)
{
	io->counters->server_parses++;
	ps_queue_push_plain(&ps->queue, PS_KIND_PARSE);
	ps->unnamed = deallocate_of(ps, p->query);
	if (ps->unnamed.kind == PS_SQL_OTHER)
		return PREPARED_FORWARD;
	ps_wire_put_deallocate_stand_in(io->server_out, &p->param_types);
	return PREPARED_CONSUMED;
}

/* The unnamed statement, not a DEALLOCATE: the common case, decided
 * from the first bytes. */
static enum prepared_verdict on_plain_unnamed_parse(struct prepared_server *ps,
						    const struct prepared_io *io)
{
	io->counters->client_parses++;
	io->counters->server_parses++;
	ps_queue_push_plain(&ps->queue, PS_KIND_PARSE);
	ps->unnamed.kind = PS_SQL_OTHER;
	return PREPARED_FORWARD;
}

static enum prepared_verdict on_parse(struct prepared_server *ps, const struct pg_frame *msg,
				      const struct prepared_io *io)
{
	struct pg_reader r;
	struct pg_frontend_parse p;
	if (msg->body_len > 0 && msg->body[0] == '\0' && !may_deallocate(msg, 1))
		return on_plain_unnamed_parse(ps, io);
	if (pg_frontend_read_parse(msg, &r, &p) != PG_OK)
		return PREPARED_MALFORMED;
	io->counters->client_parses++;
	if (p.statement[0] == '\0')
		return on_unnamed_parse(ps, &p, io);
	if (ps->queue.set == NULL) {
		io->counters->server_parses++;
		ps_queue_push_plain(&ps->queue, PS_KIND_PARSE);
		return PREPARED_FORWARD;
	}
	struct ps_name *n;
	switch (ps_client_add(ps->queue.client, p.statement, p.query, strlen(p.query),
			      &p.param_types, &n)) {
	case PS_CLIENT_DUPLICATE:
		return stand_in(ps, io, PS_REPLY_DUPLICATE,
				format("prepared statement \"%s\" already exists", p.statement));
	case PS_CLIENT_OVER_BUDGET:
		return stand_in(ps, io, PS_REPLY_OVER_BUDGET,
				format("prepared statement \"%s\" not created: this client's prepared "
				       "statements would take more than corral's limit of %zu bytes; "
				       "close some first", p.statement, ps->queue.client->max_bytes));
	case PS_CLIENT_ADDED:
		break;
	}
	if (!ps_server_use(&ps->set, n->stmt)) {
		prepare(ps, io, n->stmt, PS_ACT_FORWARD, n);
		return PREPARED_CONSUMED;
	}
	return answer(ps, io, &(struct ps_entry){ .kind = PS_KIND_PARSE,
		.action = PS_ACT_SYNTHETIC, .reply = PS_REPLY_PARSE_COMPLETE,
		.undo = PS_UNDO_NAME_ADDED, .u.name = n });
}

/* A Bind replaces its portal; bound from a DEALLOCATE corral answers for,
 * the portal runs it (on_execute). */
static void bind_portal(struct prepared_server *ps, const struct pg_frontend_bind *b)
{
	if (ps->portal_name && strcmp(ps->portal_name, b->portal) == 0)
		forget_portal(ps);
	if (b->statement[0] != '\0' || ps->unnamed.kind == PS_SQL_OTHER)
		return;
	forget_portal(ps);
	ps->portal = ps->unnamed;
	ps->portal_name = xstrdup(b->portal);
}

static enum prepared_verdict on_bind(struct prepared_server *ps, const struct pg_frame *msg,
				     const struct prepared_io *io)
{
	struct pg_reader r;
	struct pg_frontend_bind b;
	if (msg->body_len >= 2 && msg->body[0] == '\0' && msg->body[1] == '\0' &&
	    ps->portal_name == NULL && ps->unnamed.kind == PS_SQL_OTHER) {
		/* The unnamed statement into the unnamed portal, neither a
		 * DEALLOCATE's: the common case, decided from two bytes. */
		io->counters->binds++;
		ps_queue_push_plain(&ps->queue, PS_KIND_BIND);
		return PREPARED_FORWARD;
	}
	if (pg_frontend_read_bind(msg, &r, &b) != PG_OK)
		return PREPARED_MALFORMED;
	io->counters->binds++;
	bind_portal(ps, &b);
	struct ps_name *n = known(&ps->queue, b.statement);
	if (n == NULL) {
		ps_queue_push_plain(&ps->queue, PS_KIND_BIND);
		return PREPARED_FORWARD;
	}
	ensure_prepared(ps, io, n->stmt);
	ps_wire_put_bind(io->server_out, msg, &b, n->stmt);
	ps_queue_push_plain(&ps->queue, PS_KIND_BIND);
	return PREPARED_CONSUMED;
}

static enum prepared_verdict on_describe(struct prepared_server *ps, const struct pg_frame *msg,
					 const struct prepared_io *io)
{
	struct pg_reader r;
	struct pg_frontend_target t;
	if (msg->body_len == 2 && msg->body[1] == '\0' &&
	    (msg->body[0] == PG_FE_TARGET_PORTAL || msg->body[0] == PG_FE_TARGET_STATEMENT)) {
		/* The unnamed portal or statement. */
		ps_queue_push_plain(&ps->queue, msg->body[0] == PG_FE_TARGET_PORTAL
							? PS_KIND_DESCRIBE_PORTAL
							: PS_KIND_DESCRIBE_STMT);
		return PREPARED_FORWARD;
	}
	if (pg_frontend_read_describe(msg, &r, &t) != PG_OK)
		return PREPARED_MALFORMED;
	if (t.kind == PG_FE_TARGET_PORTAL) {
		ps_queue_push_plain(&ps->queue, PS_KIND_DESCRIBE_PORTAL);
		return PREPARED_FORWARD;
	}
	struct ps_name *n = known(&ps->queue, t.name);
	if (n == NULL) {
		ps_queue_push_plain(&ps->queue, PS_KIND_DESCRIBE_STMT);
		return PREPARED_FORWARD;
	}
	ensure_prepared(ps, io, n->stmt);
	ps_wire_put_describe(io->server_out, n->stmt);
	ps_queue_push_plain(&ps->queue, PS_KIND_DESCRIBE_STMT);
	return PREPARED_CONSUMED;
}

/* A client name goes (Close, DEALLOCATE): it stays prepared on servers,
 * shared with other clients, until their LRU evicts it. */
static enum prepared_verdict remove_name(struct prepared_server *ps, const struct prepared_io *io,
					 struct ps_name *n, enum ps_kind kind, enum ps_reply reply)
{
	ps_client_detach(ps->queue.client, n);
	return answer(ps, io, &(struct ps_entry){ .kind = kind, .action = PS_ACT_SYNTHETIC,
		.reply = reply, .undo = PS_UNDO_NAME_REMOVED, .u.name = n });
}

static enum prepared_verdict on_close(struct prepared_server *ps, const struct pg_frame *msg,
				      const struct prepared_io *io)
{
	struct pg_reader r;
	struct pg_frontend_target t;
	if (pg_frontend_read_close(msg, &r, &t) != PG_OK)
		return PREPARED_MALFORMED;
	if (t.kind == PG_FE_TARGET_STATEMENT && t.name[0] == '\0')
		ps->unnamed.kind = PS_SQL_OTHER;
	else if (t.kind == PG_FE_TARGET_PORTAL && ps->portal_name && strcmp(t.name, ps->portal_name) == 0)
		forget_portal(ps);
	struct ps_name *n = t.kind == PG_FE_TARGET_STATEMENT ? known(&ps->queue, t.name) : NULL;
	if (n == NULL) {
		ps_queue_push_plain(&ps->queue, PS_KIND_CLOSE);
		return PREPARED_FORWARD;
	}
	return remove_name(ps, io, n, PS_KIND_CLOSE, PS_REPLY_CLOSE_COMPLETE);
}

/* A simple Query that is no DEALLOCATE corral could answer: none when
 * statements are not tracked, else decided from its first bytes. The
 * last byte is checked (a query without its NUL is refused as
 * malformed); the server checks the rest. */
static bool plain_query(bool tracked, const struct pg_frame *msg)
{
	return msg->body_len > 0 && msg->body[msg->body_len - 1] == '\0' &&
	       (!tracked || !may_deallocate(msg, 0));
}

static enum prepared_verdict on_query(struct prepared_server *ps, const struct pg_frame *msg,
				      const struct prepared_io *io)
{
	struct pg_reader r;
	const char *query;
	char name[PS_SQL_NAME_MAX + 1];
	if (io->query_checked || plain_query(ps->queue.set != NULL, msg)) {
		ps_queue_push_plain(&ps->queue, PS_KIND_QUERY);
		return PREPARED_FORWARD;
	}
	if (pg_frontend_read_query(msg, &r, &query) != PG_OK)
		return PREPARED_MALFORMED;
	struct ps_name *n = NULL;
	switch (ps->queue.set ? ps_sql_parse_deallocate(query, name) : PS_SQL_OTHER) {
	case PS_SQL_OTHER:
		break;
	case PS_SQL_DEALLOCATE_NAME:
		n = known(&ps->queue, name);
		if (n)
			return remove_name(ps, io, n, PS_KIND_QUERY, PS_REPLY_DEALLOCATE);
		break;
	case PS_SQL_DEALLOCATE_ALL:
		return answer(ps, io, &(struct ps_entry){ .kind = PS_KIND_QUERY,
			.action = PS_ACT_SYNTHETIC, .reply = PS_REPLY_DEALLOCATE_ALL,
			.undo = PS_UNDO_NAMES_CLEARED,
			.u.saved = ps_client_save_and_clear(ps->queue.client) });
	}
	ps_queue_push_plain(&ps->queue, PS_KIND_QUERY);
	return PREPARED_FORWARD;
}

/* An Execute of the portal bound from a DEALLOCATE corral answers for:
 * the server runs the stand-in, and its CommandComplete becomes
 * DEALLOCATE's once the client's names are gone (put back if the server
 * fails it). A name the client no longer has fails as PostgreSQL's
 * DEALLOCATE would, through the stand-in for errors. Any other Execute
 * needs nothing but its reply. */
static enum prepared_verdict on_execute(struct prepared_server *ps, const struct pg_frame *msg,
					const struct prepared_io *io)
{
	struct pg_reader r;
	struct pg_frontend_execute x = { 0 };
	if (ps->portal_name != NULL && pg_frontend_read_execute(msg, &r, &x) != PG_OK)
		return PREPARED_MALFORMED;
	if (ps->portal_name == NULL || strcmp(x.portal, ps->portal_name) != 0) {
		ps_queue_push_plain(&ps->queue, PS_KIND_EXECUTE);
		return PREPARED_FORWARD;
	}
	struct ps_entry e = { .kind = PS_KIND_EXECUTE, .action = PS_ACT_RETAG };
	if (ps->portal.kind == PS_SQL_DEALLOCATE_ALL) {
		e.reply = PS_REPLY_TAG_DEALLOCATE_ALL;
		e.undo = PS_UNDO_NAMES_CLEARED;
		e.u.saved = ps_client_save_and_clear(ps->queue.client);
	} else {
		struct ps_name *n = known(&ps->queue, ps->portal.name);
		if (n == NULL)
			return stand_in(ps, io, PS_REPLY_UNKNOWN, format("prepared statement \"%s\" "
						"does not exist", ps->portal.name));
		ps_client_detach(ps->queue.client, n);
		e.reply = PS_REPLY_TAG_DEALLOCATE;
		e.undo = PS_UNDO_NAME_REMOVED;
		e.u.name = n;
	}
	(void)ps_queue_push(&ps->queue, &e);
	return PREPARED_FORWARD;
}

/* Everything else: no statement names, only replies to expect. */
static enum prepared_verdict on_other(struct ps_queue *q, uint8_t type)
{
	switch (type) {
	case PG_FE_SYNC:
		ps_queue_push_plain(q, PS_KIND_SYNC);
		break;
	case PG_FE_FUNCTION_CALL:
		ps_queue_push_plain(q, PS_KIND_FUNCTION_CALL);
		break;
	case PG_FE_COPY_DONE:
	case PG_FE_COPY_FAIL:
		ps_queue_copy_end(q);
		break;
	default:                 /* Flush and CopyData get no reply */
		break;
	}
	return PREPARED_FORWARD;
}

/* While the server skips to Sync or reads COPY data, it acts on nothing
 * the client sends but Sync and the end of the copy: forward it all as it
 * is (the queue ignores what gets no reply). */
static enum prepared_verdict pass_through(struct prepared_server *ps, uint8_t type,
					  const struct prepared_io *io)
{
	if (type == PG_FE_PARSE) {
		io->counters->client_parses++;
		io->counters->server_parses++;
	} else if (type == PG_FE_BIND) {
		io->counters->binds++;
	} else if (type == PG_FE_SYNC || type == PG_FE_COPY_DONE || type == PG_FE_COPY_FAIL) {
		return on_other(&ps->queue, type);
	}
	return PREPARED_FORWARD;
}

static bool needs_body(const struct prepared_server *ps, uint8_t type)
{
	return type == PG_FE_PARSE || type == PG_FE_BIND || type == PG_FE_DESCRIBE ||
	       type == PG_FE_CLOSE || type == PG_FE_QUERY ||
	       (type == PG_FE_EXECUTE && ps->portal_name != NULL);
}

enum prepared_verdict prepared_client_message(struct prepared_server *ps,
					      const struct pg_frame *msg,
					      const struct prepared_io *io)
{
	if (ps_queue_must_wait(&ps->queue))
		return PREPARED_WAIT;
	if (ps_queue_state(&ps->queue) != PS_QUEUE_READY)
		return pass_through(ps, msg->type, io);
	if (needs_body(ps, msg->type) && msg->body == NULL && msg->body_len > 0)
		return PREPARED_NEED_BODY;
	switch (msg->type) {
	case PG_FE_PARSE:
		return on_parse(ps, msg, io);
	case PG_FE_BIND:
		return on_bind(ps, msg, io);
	case PG_FE_DESCRIBE:
		return on_describe(ps, msg, io);
	case PG_FE_CLOSE:
		return on_close(ps, msg, io);
	case PG_FE_QUERY:
		return on_query(ps, msg, io);
	case PG_FE_EXECUTE:
		return on_execute(ps, msg, io);
	default:
		return on_other(&ps->queue, msg->type);
	}
}

enum prepared_verdict prepared_unlinked_query(struct ps_client *c, const struct pg_frame *msg,
					      struct pg_buf *client_out)
{
	if (msg->type != PG_FE_QUERY)
		return PREPARED_FORWARD;
	if (msg->body == NULL && msg->body_len > 0)
		return PREPARED_NEED_BODY;
	struct pg_reader r;
	const char *query;
	char name[PS_SQL_NAME_MAX + 1];
	if (plain_query(true, msg))
		return PREPARED_FORWARD;
	if (pg_frontend_read_query(msg, &r, &query) != PG_OK)
		return PREPARED_MALFORMED;
	struct ps_name *n;
	switch (ps_sql_parse_deallocate(query, name)) {
	case PS_SQL_OTHER:
		return PREPARED_FORWARD;
	case PS_SQL_DEALLOCATE_NAME:
		n = ps_client_find(c, name);
		if (n == NULL)
			return PREPARED_FORWARD;   /* the server's error, or its SQL PREPARE */
		ps_client_detach(c, n);
		ps_name_free(c->reg, n);
		ps_wire_put_reply(client_out, PS_REPLY_DEALLOCATE, NULL, PG_TX_IDLE);
		return PREPARED_CONSUMED;
	case PS_SQL_DEALLOCATE_ALL:
		ps_client_saved_free(c->reg, ps_client_save_and_clear(c));
		ps_wire_put_reply(client_out, PS_REPLY_DEALLOCATE_ALL, NULL, PG_TX_IDLE);
		return PREPARED_CONSUMED;
	}
	return PREPARED_FORWARD;
}
