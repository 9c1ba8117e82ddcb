/* ps_queue: what one server connection still owes, in order. A server
 * answers messages strictly in the order it reads them, so corral keeps a
 * FIFO with one entry per message that gets a reply (pushed when the
 * message is written to the server, or when corral answers it itself) and
 * matches every server message against the head. That tells the caller
 * whether a server message goes to the client or is swallowed (a reply to
 * a Parse or Close corral injected), and where corral's own replies belong
 * in the client's stream (a ParseComplete for a Parse it did not forward,
 * a CloseComplete, DEALLOCATE's result, an error PostgreSQL would have
 * sent). It also keeps the client map and server set honest: changes made
 * when a message was sent are undone, newest first, when the server fails
 * that message or skips it after an earlier error.
 *
 * Queue states (the server's mode as far as corral knows it):
 *   READY     the server handles each message it reads.
 *   SKIPPING  an extended-protocol message failed and no Sync is queued:
 *             the server discards everything up to the next Sync, so
 *             nothing but a Sync is queued (the rest gets no reply).
 *   COPY_IN   the server sent CopyInResponse and reads COPY data until
 *             the client's CopyDone or CopyFail; it ignores Sync and
 *             Flush meanwhile, so a Sync is not queued.
 * Transitions (each in exactly one place in ps_queue.c):
 *   READY    -> COPY_IN   CopyInResponse for the head (Execute or Query);
 *                         Syncs queued behind it are dropped (libpq sends
 *                         one right after Execute: the server ignores it).
 *   COPY_IN  -> READY     the client's CopyDone/CopyFail (ps_queue_copy_end),
 *                         or an ErrorResponse for a simple Query's COPY.
 *   READY, COPY_IN -> SKIPPING  ErrorResponse for an extended-protocol head
 *                         with no Sync queued behind it.
 *   READY, COPY_IN -> READY     the same with a Sync queued: the entries
 *                         before it are dropped and the Sync is the head.
 *   SKIPPING -> READY     a Sync is pushed.
 *
 * Entry life: pushed; its replies matched while it is the head; then
 * resolved once, either done (its effects stand: resources released) or
 * undone (failed or skipped: its changes to the client map and server set
 * are reverted). Synthetic entries are resolved as done the moment they
 * become the head, by emitting their reply; so no synthetic entry is ever
 * the head when a server message arrives.
 *
 * Speculation never crosses a Sync: undoing is exact within one pipeline
 * segment (messages up to a Sync), but a client that sends more after a
 * Sync must wait (ps_queue_must_wait) while an earlier segment still holds
 * changes that could be undone, i.e. for one round trip after a statement
 * was first prepared on this server. No I/O; no allocation per message
 * (the ring grows to the deepest pipeline seen and stays). */
#ifndef CORRAL_POOLER_PS_QUEUE_H
#define CORRAL_POOLER_PS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pooler/ps_client.h"
#include "pooler/ps_registry.h"
#include "pooler/ps_server.h"
#include "pooler/ps_wire.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"

/* Which message an entry stands for, by the replies it gets. The kinds
 * before PS_KIND_SYNC are the extended-protocol messages one reply ends. */
enum ps_kind {
	PS_KIND_PARSE,            /* ParseComplete */
	PS_KIND_BIND,             /* BindComplete */
	PS_KIND_DESCRIBE_STMT,    /* ParameterDescription, then RowDescription or NoData */
	PS_KIND_DESCRIBE_PORTAL,  /* RowDescription or NoData */
	PS_KIND_EXECUTE,          /* DataRows or COPY, then CommandComplete,
				   * EmptyQueryResponse or PortalSuspended */
	PS_KIND_CLOSE,            /* CloseComplete */
	PS_KIND_SYNC,             /* ReadyForQuery (an error may precede it) */
	PS_KIND_QUERY,            /* anything (errors, COPY), then ReadyForQuery */
	PS_KIND_FUNCTION_CALL,    /* FunctionCallResponse or an error, then ReadyForQuery */
};

/* Who wants the replies. */
enum ps_action {
	PS_ACT_FORWARD,    /* the client's message: replies go to the client */
	PS_ACT_SWALLOW,    /* corral's own message: replies are dropped, except an
			    * error, which the client gets in place of the reply
			    * to its next message (that the server now skips) */
	PS_ACT_SYNTHETIC,  /* not sent: corral emits `reply` in its turn */
	PS_ACT_REPLACE,    /* corral's stand-in, sent to fail: the server's error
			    * is dropped and `reply` emitted in its place */
	PS_ACT_RETAG,      /* the client's Execute of the stand-in for its
			    * DEALLOCATE: the server's CommandComplete is
			    * dropped and `reply` emitted in its place; an
			    * error reaches the client */
};

/* What to revert in the client map when the entry is undone. */
enum ps_undo {
	PS_UNDO_NONE,
	PS_UNDO_NAME_ADDED,     /* u.name was added: remove it (the map owns it) */
	PS_UNDO_NAME_REMOVED,   /* u.name was detached (the entry owns it): put it back */
	PS_UNDO_NAMES_CLEARED,  /* u.saved holds the names DEALLOCATE ALL took (owned) */
};

/* What to revert in the server set when the entry is undone. */
enum ps_set_undo {
	PS_SET_NONE,
	PS_SET_ADDED,      /* stmt was added to the set for this Parse: forget it */
	PS_SET_EVICTED,    /* stmt was evicted and this is its Close: if skipped,
			    * the server still has it: put it back */
};

/* One message owed a reply. Build it with a designated initializer; the
 * queue takes over what it points to (see each field). */
struct ps_entry {
	uint8_t kind;             /* enum ps_kind */
	uint8_t action;           /* enum ps_action */
	uint8_t reply;            /* enum ps_reply, for SYNTHETIC and REPLACE */
	uint8_t undo;             /* enum ps_undo */
	uint8_t set_undo;         /* enum ps_set_undo */
	bool speculative;         /* set by the queue: undo or set_undo is not NONE */
	bool countable;           /* set by the queue: a plain message (FORWARD, nothing
				   * to undo) of a kind before PS_KIND_SYNC, whose
				   * replies may be counted (ps_queue_pass_through) */
	struct ps_stmt *stmt;     /* a reference, owned, when set_undo is not NONE */
	union {
		struct ps_name *name;           /* NAME_ADDED, NAME_REMOVED */
		struct ps_client_saved *saved;  /* NAMES_CLEARED */
		char *message;                  /* an error reply's text (owned) */
	} u;
};

enum ps_queue_state {
	PS_QUEUE_READY,
	PS_QUEUE_SKIPPING,
	PS_QUEUE_COPY_IN,
};

/* What the caller does with a server message. */
enum ps_verdict {
	PS_FORWARD,     /* forward it to the client as it is */
	PS_CONSUMED,    /* drop it: whatever the client must see of it and after
			 * it (a copy of it, corral's replies) is in client_out */
	PS_NEED_BODY,   /* call again once the whole message is buffered;
			 * nothing changed */
	PS_UNEXPECTED,  /* nothing pending produces it: the server is out of
			 * step; close it */
};

struct ps_queue {
	struct ps_entry *ring;     /* owned; cap entries */
	size_t cap, head, len;
	enum ps_queue_state state;
	size_t spec_closed;        /* speculative entries followed by a queued Sync */
	size_t spec_open;          /* speculative entries after the last queued Sync */
	struct ps_registry *reg;   /* not owned */
	struct ps_server *set;     /* not owned; may be NULL (reply tracking only) */
	struct ps_client *client;  /* not owned; NULL while no client is linked */
};

/* An empty READY queue for the server whose prepared set is `set` (NULL
 * when prepared statements are not tracked: the queue then only follows
 * replies). */
void ps_queue_init(struct ps_queue *q, struct ps_registry *reg, struct ps_server *set);
/* Releases every entry without undoing anything (the server is going). */
void ps_queue_fini(struct ps_queue *q);

/* A client is linked to the server / leaves it. On unlink, entries keep
 * matching replies but forget the client's names (detached ones are
 * freed), so the client's map may be freed right after. */
void ps_queue_link(struct ps_queue *q, struct ps_client *client);
void ps_queue_unlink(struct ps_queue *q);

/* The message e stands for has just been written to the server (or, for
 * SYNTHETIC, handled by corral). Queued when the server will answer it;
 * otherwise (SKIPPING and not a Sync; a Sync in COPY_IN) resolved at once,
 * undone if SKIPPING (the server discards it). Returns whether it was
 * queued. Afterwards call ps_queue_put_replies: a synthetic entry pushed
 * onto an empty queue is due at once. */
bool ps_queue_push(struct ps_queue *q, const struct ps_entry *e);

/* ps_queue_push of a message the client sent on as it is, with nothing
 * of corral's attached ({ .kind = kind, .action = PS_ACT_FORWARD }):
 * the commonest push, made cheap. Whether it was queued is nobody's
 * concern: nothing of corral's rides on it. */
void ps_queue_push_plain(struct ps_queue *q, enum ps_kind kind);

/* The client sent CopyDone or CopyFail: COPY_IN ends. */
void ps_queue_copy_end(struct ps_queue *q);

/* Emit the replies of the synthetic entries at the head, in order, into
 * client_out (discarded when NULL: no client), resolving them. status is
 * the server's transaction status as of its last ReadyForQuery, for
 * DEALLOCATE's. Returns the number of entries resolved. */
size_t ps_queue_put_replies(struct ps_queue *q, struct pg_buf *client_out,
			    enum pg_tx_status status);

/* Match one server message (msg->body may be NULL while a non-empty body
 * is still arriving). NoticeResponse, ParameterStatus,
 * NotificationResponse and an ErrorResponse with nothing pending (FATAL)
 * are forwarded untouched. Otherwise the head entry decides, as documented
 * on enum ps_verdict. The whole message is needed, and PS_NEED_BODY
 * returned without it, in two cases: it completes an entry that synthetic
 * ones follow (it is then copied into client_out ahead of their replies,
 * as forwarding would put it after them; small messages, and only then),
 * or it is a CommandComplete of a Query or Execute as long as "DISCARD
 * ALL" or "DEALLOCATE ALL", whose tag is read: on those two the server
 * set and the client's map are emptied (sparing what messages sent later
 * added). status as for ps_queue_put_replies (a ReadyForQuery carries its
 * own). client_out may be NULL (no client: replies are discarded). */
enum ps_verdict ps_queue_server_message(struct ps_queue *q, const struct pg_frame *msg,
					enum pg_tx_status status, struct pg_buf *client_out)
	__attribute__((warn_unused_result));

/* A whole CommandComplete of a query corral ran itself on the server,
 * outside the queue (server_reset_query, server_check_query): after
 * "DISCARD ALL" or "DEALLOCATE ALL" the server set is emptied (sparing
 * what messages already queued add), as the server's own statements are
 * gone; the client's names stay, to be prepared again where needed. */
void ps_queue_own_command_complete(struct ps_queue *q, const struct pg_frame *msg);

/* What a pass table (ps_queue_pass_through) says of a server message
 * type; the values are those of the stream's pass tables (stream.h). */
enum ps_pass {
	PS_PASS_SHOW,     /* show it to the queue (ps_queue_server_message) */
	PS_PASS_FORWARD,  /* forward it; the queue needs nothing of it */
	PS_PASS_COUNT,    /* forward it and count it: it answers the head, which
			   * the caller resolves with ps_queue_answered */
};

/* The server message types (a table of enum ps_pass indexed by type,
 * 256 entries) the caller may forward without showing them to the queue,
 * or NULL when there are none: the rows of a Query or Execute the client
 * sent, and a Query's row descriptions, go by unseen. So do the replies
 * to the client's own extended-protocol messages up to a Sync, when
 * nothing of corral's is among them: each message that completes one of
 * them is counted instead (ParseComplete, BindComplete, CloseComplete,
 * RowDescription or NoData for a Describe, EmptyQueryResponse or
 * PortalSuspended for an Execute). CommandComplete goes by too (counted
 * for an Execute) while neither the server set nor the client's map
 * holds anything a DISCARD ALL or DEALLOCATE ALL would drop; otherwise
 * its tag must be read. ReadyForQuery, errors, ParameterStatus and COPY
 * are always shown. Before showing the queue a message, the caller hands
 * over the count with ps_queue_answered (asking again meanwhile gives the
 * same table). Ask again after each message shown, after pushing a Sync,
 * and when a simple Query starts. */
const uint8_t *ps_queue_pass_through(const struct ps_queue *q);

/* n messages the caller forwarded unseen as PS_PASS_COUNT asked each
 * completed the entry at the head: those entries are resolved (plain ones
 * hold nothing). False when fewer than n such entries are queued ahead of
 * a Sync: the server is out of step; close it. */
bool ps_queue_answered(struct ps_queue *q, uint32_t n) __attribute__((warn_unused_result));

/* Nothing is owed: every message sent has been answered. */
static inline bool ps_queue_empty(const struct ps_queue *q)
{
	return q->len == 0;
}

static inline enum ps_queue_state ps_queue_state(const struct ps_queue *q)
{
	return q->state;
}

/* A finished pipeline segment still holds changes that its replies may
 * undo: hold the client's next message until this turns false (it does
 * at the latest when that segment's ReadyForQuery arrives). */
static inline bool ps_queue_must_wait(const struct ps_queue *q)
{
	return q->spec_closed > 0;
}

#endif
