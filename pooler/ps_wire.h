/* ps_wire: the bytes corral writes on behalf of prepared statements. To a
 * server: a client's Bind or Describe with the client's statement name
 * replaced by the server-side "corral_<id>" (every other byte kept), the
 * Parse and Close corral injects, and the stand-in message whose failure
 * makes the server abort a pipeline exactly where PostgreSQL would have.
 * To a client: the replies corral gives itself (ParseComplete,
 * CloseComplete, DEALLOCATE's CommandComplete and ReadyForQuery, the
 * errors PostgreSQL would send). Appends to caller-owned pg_bufs. No I/O. */
#ifndef CORRAL_POOLER_PS_WIRE_H
#define CORRAL_POOLER_PS_WIRE_H

#include "pooler/ps_registry.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_wire.h"

/* The statement the stand-in describes. corral never prepares it (its own
 * names are "corral_" and digits), so describing it fails on any server,
 * in any transaction state, without side effects. A client that creates it
 * with SQL PREPARE defeats that: names starting "corral_" are reserved. */
#define PS_WIRE_STAND_IN_NAME "corral_error"

/* The statement corral runs in place of a DEALLOCATE the client sends as
 * its unnamed statement (Parse, Bind, Execute): it does nothing, in any
 * transaction state a DEALLOCATE succeeds in, and fails where that fails
 * (at Parse in an aborted transaction); like DEALLOCATE it takes no
 * parameter and returns no rows (Describe: NoData). Its CommandComplete
 * is replaced by DEALLOCATE's. */
#define PS_WIRE_DEALLOCATE_STAND_IN "DO $$BEGIN END$$"

/* What corral answers in place of a server. */
enum ps_reply {
	PS_REPLY_NONE,
	PS_REPLY_PARSE_COMPLETE,
	PS_REPLY_CLOSE_COMPLETE,
	PS_REPLY_DEALLOCATE,       /* CommandComplete "DEALLOCATE", ReadyForQuery */
	PS_REPLY_DEALLOCATE_ALL,   /* CommandComplete "DEALLOCATE ALL", ReadyForQuery */
	PS_REPLY_DUPLICATE,        /* ErrorResponse 42P05 duplicate_prepared_statement */
	PS_REPLY_OVER_BUDGET,      /* ErrorResponse 53400 configuration_limit_exceeded */
	PS_REPLY_UNKNOWN,          /* ErrorResponse 26000 invalid_sql_statement_name */
	PS_REPLY_TAG_DEALLOCATE,   /* CommandComplete "DEALLOCATE" alone (an Execute's) */
	PS_REPLY_TAG_DEALLOCATE_ALL, /* CommandComplete "DEALLOCATE ALL" alone */
};

/* Parse of st under its server-side name, with its query and types. */
void ps_wire_put_parse(struct pg_buf *b, const struct ps_stmt *st);
/* The client's Bind `bind` (read into `parsed` from that same frame) with
 * the statement name replaced by st's server-side name: the portal name,
 * parameter formats, values and result formats are copied byte for byte. */
void ps_wire_put_bind(struct pg_buf *b, const struct pg_frame *bind,
		      const struct pg_frontend_bind *parsed, const struct ps_stmt *st);
/* Describe and Close of st's server-side statement. */
void ps_wire_put_describe(struct pg_buf *b, const struct ps_stmt *st);
void ps_wire_put_close(struct pg_buf *b, const struct ps_stmt *st);
/* The stand-in: Describe of statement PS_WIRE_STAND_IN_NAME. */
void ps_wire_put_stand_in(struct pg_buf *b);
/* Parse of the unnamed statement as PS_WIRE_DEALLOCATE_STAND_IN, with the
 * parameter types of the client's Parse (kept as they are). */
void ps_wire_put_deallocate_stand_in(struct pg_buf *b, const struct pg_oids *types);

/* The reply `kind` (not PS_REPLY_NONE). The errors carry `message` (not
 * NULL for them, unused otherwise); DEALLOCATE's ReadyForQuery carries
 * `status`. */
void ps_wire_put_reply(struct pg_buf *b, enum ps_reply kind, const char *message,
		       enum pg_tx_status status);

#endif
