/* ps_wire: thin compositions of the pg_frontend / pg_backend builders;
 * only the Bind rewrite and the DEALLOCATE stand-in handle raw bytes,
 * because what they keep of the client's message must reach the server
 * exactly as the client sent it. */
#include "pooler/ps_wire.h"

#include <string.h>

void ps_wire_put_parse(struct pg_buf *b, const struct ps_stmt *st)
{
	pg_frontend_put_parse(b, st->server_name, st->query, st->types, st->n_types);
}

void ps_wire_put_bind(struct pg_buf *b, const struct pg_frame *bind,
		      const struct pg_frontend_bind *parsed, const struct ps_stmt *st)
{
	/* A Bind body is: portal NUL, statement NUL, then the parameter
	 * formats, values and result formats, kept as they are. */
	const uint8_t *rest = (const uint8_t *)parsed->statement + strlen(parsed->statement) + 1;
	size_t rest_len = (size_t)(bind->body + bind->body_len - rest);
	size_t at = pg_buf_begin_msg(b, PG_FE_BIND);
	pg_buf_put_cstr(b, parsed->portal);
	pg_buf_put_cstr(b, st->server_name);
	pg_buf_put_bytes(b, rest, rest_len);
	pg_buf_end_msg(b, at);
}

void ps_wire_put_describe(struct pg_buf *b, const struct ps_stmt *st)
{
	pg_frontend_put_describe(b, PG_FE_TARGET_STATEMENT, st->server_name);
}

void ps_wire_put_close(struct pg_buf *b, const struct ps_stmt *st)
{
	pg_frontend_put_close(b, PG_FE_TARGET_STATEMENT, st->server_name);
}

void ps_wire_put_stand_in(struct pg_buf *b)
{
	pg_frontend_put_describe(b, PG_FE_TARGET_STATEMENT, PS_WIRE_STAND_IN_NAME);
}

void ps_wire_put_deallocate_stand_in(struct pg_buf *b, const struct pg_oids *types)
{
	size_t at = pg_buf_begin_msg(b, PG_FE_PARSE);
	pg_buf_put_cstr(b, "");
	pg_buf_put_cstr(b, PS_WIRE_DEALLOCATE_STAND_IN);
	pg_buf_put_u16(b, types->count);
	if (types->count > 0)
		pg_buf_put_bytes(b, types->p, 4u * types->count);
	pg_buf_end_msg(b, at);
}

static void put_error(struct pg_buf *b, const char *sqlstate, const char *message)
{
	struct pg_backend_diag d = {
		.severity = "ERROR",
		.sqlstate = sqlstate,
		.message = message,
	};
	pg_backend_put_error(b, &d);
}

void ps_wire_put_reply(struct pg_buf *b, enum ps_reply kind, const char *message,
		       enum pg_tx_status status)
{
	switch (kind) {
	case PS_REPLY_NONE:
		break;
	case PS_REPLY_PARSE_COMPLETE:
		pg_backend_put_parse_complete(b);
		break;
	case PS_REPLY_CLOSE_COMPLETE:
		pg_backend_put_close_complete(b);
		break;
	case PS_REPLY_DEALLOCATE:
	case PS_REPLY_TAG_DEALLOCATE:
		pg_backend_put_command_complete(b, "DEALLOCATE");
		if (kind == PS_REPLY_DEALLOCATE)
			pg_backend_put_ready_for_query(b, status);
		break;
	case PS_REPLY_DEALLOCATE_ALL:
	case PS_REPLY_TAG_DEALLOCATE_ALL:
		pg_backend_put_command_complete(b, "DEALLOCATE ALL");
		if (kind == PS_REPLY_DEALLOCATE_ALL)
			pg_backend_put_ready_for_query(b, status);
		break;
	case PS_REPLY_DUPLICATE:
		put_error(b, "42P05", message);
		break;
	case PS_REPLY_OVER_BUDGET:
		put_error(b, "53400", message);
		break;
	case PS_REPLY_UNKNOWN:
		put_error(b, "26000", message);
		break;
	}
}
