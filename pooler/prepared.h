/* prepared: named prepared statements across server connections in
 * transaction and statement pooling (max_prepared_statements > 0), as one
 * call per client message. A client's named Parse is recorded in its map
 * (ps_client) and the distinct statement in the loop's registry; on a
 * server it runs as "corral_<id>", prepared there the first time that
 * server needs it (a Parse injected before the client's Bind or Describe,
 * its ParseComplete swallowed) and kept in the server's LRU set
 * (ps_server). Close and DEALLOCATE of a known name are answered by
 * corral; a DEALLOCATE sent as the unnamed statement of the extended
 * protocol (Parse, Bind, Execute) runs as a statement that does nothing
 * (PS_WIRE_DEALLOCATE_STAND_IN), so the server answers every message as
 * it would have, and its CommandComplete is replaced by DEALLOCATE's.
 * The server's replies are matched by its ps_queue, which the caller
 * feeds each server message (ps_queue_server_message).
 *
 * Faithful to PostgreSQL where a server would notice: a name unknown to
 * the client's map is forwarded as it is (the server reports 26000 itself,
 * or finds a statement made by SQL PREPARE in the same session), the
 * unnamed statement and portals otherwise pass through untouched, and an
 * error corral must raise itself (a duplicate name, 42P05; a DEALLOCATE
 * executed for a name the client no longer has, 26000) is raised by
 * sending the server a stand-in that fails, so the server aborts the
 * transaction and skips to Sync exactly as it would have. No I/O. */
#ifndef CORRAL_POOLER_PREPARED_H
#define CORRAL_POOLER_PREPARED_H

#include <stddef.h>
#include <stdint.h>

#include "pooler/ps_client.h"
#include "pooler/ps_queue.h"
#include "pooler/ps_registry.h"
#include "pooler/ps_server.h"
#include "pooler/ps_sql.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"

/* SHOW STATS counters; the caller decides where they live (per pool). */
struct ps_counters {
	uint64_t client_parses;   /* Parse messages from clients */
	uint64_t server_parses;   /* Parse messages sent to servers (the client's,
				   * renamed or not, and those corral injects) */
	uint64_t binds;           /* Bind messages from clients */
};

/* A DEALLOCATE the linked client sent as its unnamed statement, or bound
 * into a portal: what it deallocates when executed. */
struct prepared_deallocate {
	enum ps_sql_deallocate kind;      /* PS_SQL_OTHER: none */
	char name[PS_SQL_NAME_MAX + 1];   /* PS_SQL_DEALLOCATE_NAME's */
};

/* What one server connection needs; embedded in it, never moved. */
struct prepared_server {
	struct ps_server set;
	struct ps_queue queue;
	struct prepared_deallocate unnamed;  /* the client's unnamed statement */
	struct prepared_deallocate portal;   /* the portal bound from it */
	char *portal_name;                   /* owned; set while portal.kind is not OTHER */
};

/* Where one call writes and what it needs to know. */
struct prepared_io {
	struct pg_buf *server_out;    /* corral's bytes for the server */
	struct pg_buf *client_out;    /* corral's bytes for the client */
	enum pg_tx_status status;     /* the server's status at its last ReadyForQuery */
	struct ps_counters *counters;
	bool query_checked;           /* a Query prepared_unlinked_query let through
				       * (its answer would be the same): not read again */
};

enum prepared_verdict {
	PREPARED_FORWARD,    /* forward the client's message as it is; nothing written */
	PREPARED_CONSUMED,   /* drop it: corral wrote what replaces it to server_out
			      * and/or its replies to client_out; send both */
	PREPARED_NEED_BODY,  /* call again with the whole message; nothing changed */
	PREPARED_WAIT,       /* hold it (and what follows) until
			      * ps_queue_must_wait turns false; nothing changed */
	PREPARED_MALFORMED,  /* not a valid message: protocol violation (08P01) */
};

/* A server's state for at most max_prepared statements; 0 turns the
 * feature off (session pooling, max_prepared_statements = 0): every
 * message passes as it is and the queue only follows the replies. */
void prepared_server_init(struct prepared_server *ps, struct ps_registry *reg,
			  size_t max_prepared);
void prepared_server_fini(struct prepared_server *ps);

/* A client is linked to the server (ps_queue_link): the unnamed statement
 * and portal of an earlier client are forgotten. */
void prepared_server_link(struct prepared_server *ps, struct ps_client *client);

/* One message from the client linked to ps (ps_queue_link done), about to
 * go to that server. Handles every type; those that cannot concern
 * prepared statements only update the queue. Parse, Bind, Describe, Close
 * and Query are needed whole (PREPARED_NEED_BODY while msg->body is NULL);
 * the others never. Terminate is the caller's (it never reaches here). */
enum prepared_verdict prepared_client_message(struct prepared_server *ps,
					      const struct pg_frame *msg,
					      const struct prepared_io *io)
	__attribute__((warn_unused_result));

/* A simple Query from a client linked to no server: DEALLOCATE of one of
 * its names, or DEALLOCATE ALL, is answered in client_out at once
 * (CommandComplete and ReadyForQuery 'I') without taking a server:
 * PREPARED_CONSUMED. Anything else needs a server: PREPARED_FORWARD.
 * PREPARED_NEED_BODY and PREPARED_MALFORMED as above. */
enum prepared_verdict prepared_unlinked_query(struct ps_client *c, const struct pg_frame *msg,
					      struct pg_buf *client_out)
	__attribute__((warn_unused_result));

#endif
