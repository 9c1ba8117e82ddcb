/* ps_queue: a power-of-two ring of entries; a table of which server
 * message types continue, complete or fail each kind of entry; and the two
 * resolutions of an entry, done (release what it holds) and undone
 * (revert its changes to the client map and server set, then release).
 * The state transitions listed in ps_queue.h happen in push (SKIPPING ->
 * READY), ps_queue_copy_end (COPY_IN -> READY), enter_copy_in (-> COPY_IN),
 * fail_head (-> SKIPPING or READY) and continue_head (COPY_IN -> READY on
 * a simple Query's error), and nowhere else. */
#include "pooler/ps_queue.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/pg_reader.h"
#include "util/xalloc.h"

#define INITIAL_CAPACITY 16

enum step {
	STEP_UNEXPECTED,   /* 0: every type a kind's row does not name */
	STEP_CONTINUE,     /* the entry stays at the head */
	STEP_COMPLETE,     /* the entry is resolved */
	STEP_FAIL,         /* an extended-protocol entry failed: the server now
			    * skips everything up to the next Sync */
};

/* How each kind of entry takes each server message type: one load per
 * server message. */
static const uint8_t steps[][128] = {
	[PS_KIND_PARSE] = { ['1'] = STEP_COMPLETE, ['E'] = STEP_FAIL },
	[PS_KIND_BIND] = { ['2'] = STEP_COMPLETE, ['E'] = STEP_FAIL },
	[PS_KIND_DESCRIBE_STMT] = { ['t'] = STEP_CONTINUE, ['T'] = STEP_COMPLETE,
				    ['n'] = STEP_COMPLETE, ['E'] = STEP_FAIL },
	[PS_KIND_DESCRIBE_PORTAL] = { ['T'] = STEP_COMPLETE, ['n'] = STEP_COMPLETE,
				      ['E'] = STEP_FAIL },
	[PS_KIND_EXECUTE] = { ['D'] = STEP_CONTINUE, ['G'] = STEP_CONTINUE, ['H'] = STEP_CONTINUE,
			      ['d'] = STEP_CONTINUE, ['c'] = STEP_CONTINUE, ['C'] = STEP_COMPLETE,
			      ['I'] = STEP_COMPLETE, ['s'] = STEP_COMPLETE, ['E'] = STEP_FAIL },
	[PS_KIND_CLOSE] = { ['3'] = STEP_COMPLETE, ['E'] = STEP_FAIL },
	[PS_KIND_SYNC] = { ['E'] = STEP_CONTINUE, ['Z'] = STEP_COMPLETE },
	[PS_KIND_QUERY] = { ['T'] = STEP_CONTINUE, ['D'] = STEP_CONTINUE, ['C'] = STEP_CONTINUE,
			    ['I'] = STEP_CONTINUE, ['E'] = STEP_CONTINUE, ['G'] = STEP_CONTINUE,
			    ['H'] = STEP_CONTINUE, ['d'] = STEP_CONTINUE, ['c'] = STEP_CONTINUE,
			    ['Z'] = STEP_COMPLETE },
	[PS_KIND_FUNCTION_CALL] = { ['V'] = STEP_CONTINUE, ['E'] = STEP_CONTINUE,
				    ['Z'] = STEP_COMPLETE },
};

static enum step classify(const struct ps_entry *e, uint8_t type)
{
	enum step step = type < 128 ? (enum step)steps[e->kind][type] : STEP_UNEXPECTED;
	if (e->action == PS_ACT_REPLACE && step != STEP_FAIL)
		return STEP_UNEXPECTED;   /* the stand-in can only fail */
	return step;
}

/* Nothing to release or revert when e is resolved, and its replies go
 * to the client. */
static bool plain(const struct ps_entry *e)
{
	return e->action == PS_ACT_FORWARD && e->undo == PS_UNDO_NONE &&
	       e->set_undo == PS_SET_NONE;
}

/* ---- the ring ---- */

static struct ps_entry *at(const struct ps_queue *q, size_t i)
{
	return &q->ring[(q->head + i) & (q->cap - 1)];
}

static void grow(struct ps_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : INITIAL_CAPACITY;
	struct ps_entry *ring = xmalloc(cap * sizeof *ring);
	for (size_t i = 0; i < q->len; i++)
		ring[i] = *at(q, i);
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
}

/* A new entry at the tail, for the caller to fill. */
static inline struct ps_entry *new_tail(struct ps_queue *q)
{
	if (q->len == q->cap)
		grow(q);
	return at(q, q->len++);
}

/* Removes the first n entries (already resolved). */
static void drop_front(struct ps_queue *q, size_t n)
{
	q->head = (q->head + n) & (q->cap - 1);
	q->len -= n;
}

/* ---- resolving one entry ---- */

static bool owns_message(const struct ps_entry *e)
{
	return e->reply == PS_REPLY_DUPLICATE || e->reply == PS_REPLY_OVER_BUDGET ||
	       e->reply == PS_REPLY_UNKNOWN;
}

/* The speculation count an entry leaves: entries resolve in queue order
 * within the first segment, and closed segments come before the open one. */
static void uncount(struct ps_queue *q, const struct ps_entry *e)
{
	if (!e->speculative)
		return;
	if (q->spec_closed > 0)
		q->spec_closed--;
	else
		q->spec_open--;
}

/* Done: the message took effect; release what the entry holds. */
static void commit(struct ps_queue *q, struct ps_entry *e)
{
	uncount(q, e);
	if (e->undo == PS_UNDO_NAME_REMOVED && e->u.name)
		ps_name_free(q->reg, e->u.name);
	else if (e->undo == PS_UNDO_NAMES_CLEARED && e->u.saved)
		ps_client_saved_free(q->reg, e->u.saved);
	else if (owns_message(e))
		free(e->u.message);
	if (e->set_undo != PS_SET_NONE)
		ps_registry_unref(q->reg, e->stmt);
}

static void revert_name(struct ps_queue *q, struct ps_entry *e)
{
	struct ps_client *c = q->client;
	switch (e->undo) {
	case PS_UNDO_NONE:
		break;
	case PS_UNDO_NAME_ADDED:
		/* Not in the map: a later Close detached it and owns it. */
		if (c && e->u.name && e->u.name->in_map) {
			ps_client_detach(c, e->u.name);
			ps_name_free(q->reg, e->u.name);
		}
		break;
	case PS_UNDO_NAME_REMOVED:
		if (e->u.name && (c == NULL || ps_client_attach(c, e->u.name) != 0))
			ps_name_free(q->reg, e->u.name);
		break;
	case PS_UNDO_NAMES_CLEARED:
		if (e->u.saved && c)
			ps_client_restore(c, e->u.saved);
		else if (e->u.saved)
			ps_client_saved_free(q->reg, e->u.saved);
		break;
	}
}

/* Undone: the server failed or skipped the message; revert, release. */
static void revert(struct ps_queue *q, struct ps_entry *e)
{
	uncount(q, e);
	revert_name(q, e);
	if (owns_message(e))
		free(e->u.message);
	if (e->set_undo == PS_SET_ADDED && q->set)
		ps_server_forget(q->set, e->stmt);
	if (e->set_undo == PS_SET_EVICTED && q->set)
		ps_server_readd(q->set, e->stmt);   /* takes over the reference */
	else if (e->set_undo != PS_SET_NONE)
		ps_registry_unref(q->reg, e->stmt);
}

/* ---- life of the queue ---- */

void ps_queue_init(struct ps_queue *q, struct ps_registry *reg, struct ps_server *set)
{
	*q = (struct ps_queue){ .state = PS_QUEUE_READY, .reg = reg, .set = set };
}

void ps_queue_fini(struct ps_queue *q)
{
	q->client = NULL;
	for (size_t i = 0; i < q->len; i++)
		commit(q, at(q, i));
	free(q->ring);
	ps_queue_init(q, q->reg, q->set);
}

void ps_queue_link(struct ps_queue *q, struct ps_client *client)
{
	q->client = client;
}

void ps_queue_unlink(struct ps_queue *q)
{
	for (size_t i = 0; i < q->len; i++) {
		struct ps_entry *e = at(q, i);
		switch (e->undo) {
		case PS_UNDO_NONE:
			break;
		case PS_UNDO_NAME_ADDED:      /* the map's: about to be freed with it */
			e->u.name = NULL;
			break;
		case PS_UNDO_NAME_REMOVED:
			if (e->u.name)
				ps_name_free(q->reg, e->u.name);
			e->u.name = NULL;
			break;
		case PS_UNDO_NAMES_CLEARED:
			if (e->u.saved)
				ps_client_saved_free(q->reg, e->u.saved);
			e->u.saved = NULL;
			break;
		}
	}
	q->client = NULL;
}

/* A Sync is pushed: the open pipeline segment closes, and what it
 * speculated waits for its ReadyForQuery (ps_queue_must_wait). */
static void close_segment(struct ps_queue *q)
{
	q->spec_closed += q->spec_open;
	q->spec_open = 0;
}

bool ps_queue_push(struct ps_queue *q, const struct ps_entry *e)
{
	struct ps_entry copy = *e;
	copy.speculative = false;
	/* One reply of a type COUNTED_REPLIES counts ends it, and nothing is
	 * left to do when it does. */
	copy.countable = copy.kind < PS_KIND_SYNC && plain(&copy);
	if (q->state == PS_QUEUE_SKIPPING && copy.kind != PS_KIND_SYNC) {
		revert(q, &copy);          /* the server discards it */
		return false;
	}
	if (q->state == PS_QUEUE_COPY_IN && copy.kind == PS_KIND_SYNC) {
		commit(q, &copy);          /* the server ignores it */
		return false;
	}
	if (copy.kind == PS_KIND_SYNC) {
		close_segment(q);
		q->state = PS_QUEUE_READY;
	} else if (copy.undo != PS_UNDO_NONE || copy.set_undo != PS_SET_NONE) {
		copy.speculative = true;
		q->spec_open++;
	}
	*new_tail(q) = copy;
	return true;
}

void ps_queue_push_plain(struct ps_queue *q, enum ps_kind kind)
{
	if (q->state != PS_QUEUE_READY) {
		(void)ps_queue_push(q, &(struct ps_entry){ .kind = kind, .action = PS_ACT_FORWARD });
		return;
	}
	if (kind == PS_KIND_SYNC)
		close_segment(q);
	/* Written in place: no entry built and copied per message. */
	struct ps_entry *e = new_tail(q);
	e->kind = (uint8_t)kind;
	e->action = PS_ACT_FORWARD;
	e->reply = PS_REPLY_NONE;
	e->undo = PS_UNDO_NONE;
	e->set_undo = PS_SET_NONE;
	e->speculative = false;
	e->countable = kind < PS_KIND_SYNC;
}

void ps_queue_copy_end(struct ps_queue *q)
{
	if (q->state == PS_QUEUE_COPY_IN)
		q->state = PS_QUEUE_READY;
}

size_t ps_queue_put_replies(struct ps_queue *q, struct pg_buf *client_out,
			    enum pg_tx_status status)
{
	size_t n = 0;
	while (q->len > 0 && at(q, 0)->action == PS_ACT_SYNTHETIC) {
		struct ps_entry e = *at(q, 0);
		drop_front(q, 1);
		if (client_out)
			ps_wire_put_reply(client_out, e.reply, owns_message(&e) ? e.u.message : NULL,
					  status);
		commit(q, &e);
		n++;
	}
	return n;
}

/* ---- server messages ---- */

/* The head failed: PostgreSQL now skips every message up to the next Sync.
 * Undo those entries newest first (so each undo sees the map and set as
 * they were right after its own change), then the head; the Sync, if
 * queued, becomes the head. */
static void fail_head(struct ps_queue *q)
{
	size_t sync = 1;
	while (sync < q->len && at(q, sync)->kind != PS_KIND_SYNC)
		sync++;
	for (size_t i = sync; i > 0; i--)
		revert(q, at(q, i - 1));
	drop_front(q, sync);
	q->state = q->len > 0 ? PS_QUEUE_READY : PS_QUEUE_SKIPPING;
}

/* CopyInResponse: the server ignores the Syncs it reads until the copy
 * ends, and the client can only have sent those behind the head so far.
 * With them gone, no Sync is queued: all speculation is in one segment. */
static void enter_copy_in(struct ps_queue *q)
{
	size_t kept = 1;
	for (size_t i = 1; i < q->len; i++) {
		struct ps_entry *e = at(q, i);
		if (e->kind == PS_KIND_SYNC)
			commit(q, e);
		else
			*at(q, kept++) = *e;
	}
	q->len = kept;
	q->spec_open += q->spec_closed;
	q->spec_closed = 0;
	q->state = PS_QUEUE_COPY_IN;
}

/* Whether a CommandComplete (msg, possibly without its body) is as long
 * as one of the two tags that drop every statement: most are not, and
 * need not be read. */
static bool may_drop_all(const struct pg_frame *msg)
{
	return msg->body_len == sizeof "DISCARD ALL" || msg->body_len == sizeof "DEALLOCATE ALL";
}

/* Whether msg, a whole CommandComplete, says the server dropped every
 * prepared statement of the session. */
static bool drops_all(const struct pg_frame *msg)
{
	if (!may_drop_all(msg))
		return false;
	struct pg_reader r;
	const char *tag;
	if (pg_backend_read_command_complete(msg, &r, &tag) != PG_OK)
		return false;
	return strcmp(tag, "DISCARD ALL") == 0 || strcmp(tag, "DEALLOCATE ALL") == 0;
}

/* The server has just dropped every statement: the messages already sent
 * from entry `from` on run after that, so the set is rebuilt from their
 * Parses and Closes. */
static void rebuild_set(struct ps_queue *q, size_t from)
{
	if (q->set == NULL)
		return;
	ps_server_clear(q->set);
	for (size_t i = from; i < q->len; i++) {
		struct ps_entry *e = at(q, i);
		if (e->set_undo == PS_SET_ADDED && !ps_server_has(q->set, e->stmt))
			ps_server_add(q->set, e->stmt);
		else if (e->set_undo == PS_SET_EVICTED)
			ps_server_forget(q->set, e->stmt);
	}
}

/* The client's DISCARD ALL or DEALLOCATE ALL (the head) ran: its names go
 * too, but for those that a Parse sent later adds. */
static void discard_all(struct ps_queue *q)
{
	rebuild_set(q, 1);
	if (q->client == NULL)
		return;
	for (size_t i = 1; i < q->len; i++) {
		struct ps_entry *e = at(q, i);
		if (e->undo == PS_UNDO_NAME_ADDED && e->u.name && e->u.name->in_map)
			e->u.name->keep = true;
	}
	ps_client_clear_unmarked(q->client);
}

void ps_queue_own_command_complete(struct ps_queue *q, const struct pg_frame *msg)
{
	if (drops_all(msg))
		rebuild_set(q, 0);
}

/* The transaction status for replies right after msg. */
static enum pg_tx_status status_after(const struct pg_frame *msg, enum pg_tx_status status)
{
	struct pg_reader r;
	enum pg_tx_status now;
	if (msg->type == PG_BE_READY_FOR_QUERY &&
	    pg_backend_read_ready_for_query(msg, &r, &now) == PG_OK)
		return now;
	return status;
}

static void copy_message(struct pg_buf *out, const struct pg_frame *msg)
{
	size_t at_len = pg_buf_begin_msg(out, msg->type);
	if (msg->body_len > 0)
		pg_buf_put_bytes(out, msg->body, msg->body_len);
	pg_buf_end_msg(out, at_len);
}

/* A message that leaves the head where it is. */
static void continue_head(struct ps_queue *q, uint8_t type)
{
	if (type == PG_BE_COPY_IN)
		enter_copy_in(q);
	else if (type == PG_BE_ERROR && q->state == PS_QUEUE_COPY_IN)
		q->state = PS_QUEUE_READY;   /* a simple Query's COPY failed: copy over */
}

/* The head's last message: copy it ahead of the synthetic replies it
 * releases when the client must see it (corral's own reply in its place
 * for a RETAG head), resolve the head, emit them. */
static enum ps_verdict complete_head(struct ps_queue *q, const struct pg_frame *msg,
				     enum pg_tx_status status, struct pg_buf *client_out,
				     bool replies_after)
{
	struct ps_entry e = *at(q, 0);
	bool to_client = e.action == PS_ACT_FORWARD;
	drop_front(q, 1);
	commit(q, &e);
	if (!replies_after && e.action != PS_ACT_RETAG)
		return to_client ? PS_FORWARD : PS_CONSUMED;
	if (e.action == PS_ACT_RETAG && client_out)
		ps_wire_put_reply(client_out, e.reply, NULL, status);
	else if (to_client && client_out)
		copy_message(client_out, msg);
	ps_queue_put_replies(q, client_out, status_after(msg, status));
	return PS_CONSUMED;
}

/* An extended-protocol head failed: the error reaches the client (a
 * swallowed message's error stands for the reply its next message would
 * have had), except the stand-in's, which corral's own error replaces. */
static enum ps_verdict fail(struct ps_queue *q, enum pg_tx_status status,
			    struct pg_buf *client_out)
{
	struct ps_entry *e = at(q, 0);
	bool replace = e->action == PS_ACT_REPLACE;
	if (replace && client_out)
		ps_wire_put_reply(client_out, e->reply, e->u.message, status);
	fail_head(q);
	return replace ? PS_CONSUMED : PS_FORWARD;
}

/* A Query's rows and row descriptions leave the head where it is. */
#define QUERY_ROWS [PG_BE_ROW_DESCRIPTION] = PS_PASS_FORWARD, [PG_BE_DATA_ROW] = PS_PASS_FORWARD
/* The replies to countable entries (ps_entry.countable): what completes one of them is
 * counted; a Describe's ParameterDescription and an Execute's rows leave
 * the head where it is. */
#define COUNTED_REPLIES                                                                     \
	[PG_BE_PARSE_COMPLETE] = PS_PASS_COUNT, [PG_BE_BIND_COMPLETE] = PS_PASS_COUNT,       \
	[PG_BE_CLOSE_COMPLETE] = PS_PASS_COUNT, [PG_BE_ROW_DESCRIPTION] = PS_PASS_COUNT,     \
	[PG_BE_NO_DATA] = PS_PASS_COUNT, [PG_BE_EMPTY_QUERY] = PS_PASS_COUNT,                \
	[PG_BE_PORTAL_SUSPENDED] = PS_PASS_COUNT,                                            \
	[PG_BE_PARAMETER_DESCRIPTION] = PS_PASS_FORWARD, [PG_BE_DATA_ROW] = PS_PASS_FORWARD

/* Each table without CommandComplete, whose tag may need reading (DISCARD
 * ALL, DEALLOCATE ALL), and with it, for when it needs none. */
static const uint8_t query_rows[256] = { QUERY_ROWS };
static const uint8_t query_replies[256] = {
	QUERY_ROWS, [PG_BE_COMMAND_COMPLETE] = PS_PASS_FORWARD,
};
static const uint8_t counted_replies[256] = { COUNTED_REPLIES };
static const uint8_t counted_all_replies[256] = {
	COUNTED_REPLIES, [PG_BE_COMMAND_COMPLETE] = PS_PASS_COUNT,   /* an Execute's end */
};
static const uint8_t execute_rows[256] = { [PG_BE_DATA_ROW] = PS_PASS_FORWARD };

/* Whether a DISCARD ALL or DEALLOCATE ALL run now would change nothing
 * corral keeps: no statement in the server set, no name in the client's
 * map. Messages sent later may add some, but discard_all spares those, so
 * while the head stays where it is a CommandComplete's tag needs no
 * reading. */
static bool nothing_to_drop(const struct ps_queue *q)
{
	return (q->set == NULL || ps_server_count(q->set) == 0) &&
	       (q->client == NULL || ps_client_count(q->client) == 0);
}

/* Whether every entry ahead of the first Sync is countable (and there is
 * one): no reply counted can then belong to anything else, as the Sync's
 * ReadyForQuery is shown before any later entry's reply. */
static bool head_segment_countable(const struct ps_queue *q)
{
	size_t mask = q->cap - 1;
	for (size_t i = q->head, left = q->len; left > 0; left--, i = (i + 1) & mask) {
		const struct ps_entry *e = &q->ring[i];
		if (e->kind == PS_KIND_SYNC)
			return true;
		if (!e->countable)
			return false;
	}
	return false;
}

const uint8_t *ps_queue_pass_through(const struct ps_queue *q)
{
	if (q->len == 0 || q->state != PS_QUEUE_READY)
		return NULL;
	const struct ps_entry *head = at(q, 0);
	if (head->action != PS_ACT_FORWARD)
		return NULL;
	if (head->kind == PS_KIND_QUERY)
		return nothing_to_drop(q) ? query_replies : query_rows;
	if (head->countable && head_segment_countable(q))
		return nothing_to_drop(q) ? counted_all_replies : counted_replies;
	return head->kind == PS_KIND_EXECUTE ? execute_rows : NULL;
}

bool ps_queue_answered(struct ps_queue *q, uint32_t n)
{
	if (n == 0)
		return true;
	if (n >= q->len || !at(q, n - 1)->countable)
		return false;
	drop_front(q, n);
	return true;
}

/* Every case of a server message for the head: its reply step, the
 * CommandComplete tags that drop all statements, corral's replies due
 * after it, failures. Kept out of line: the common cases
 * (ps_queue_server_message) then cost a few instructions. */
static enum ps_verdict __attribute__((noinline))
match_head(struct ps_queue *q, const struct pg_frame *msg, enum step step,
	   enum pg_tx_status status, struct pg_buf *client_out)
{
	uint8_t type = msg->type;
	const struct ps_entry *head = at(q, 0);
	if (step == STEP_UNEXPECTED)
		return PS_UNEXPECTED;
	bool tag = type == PG_BE_COMMAND_COMPLETE &&
		   (head->kind == PS_KIND_QUERY || head->kind == PS_KIND_EXECUTE) &&
		   may_drop_all(msg);
	bool replies_after = step == STEP_COMPLETE && q->len > 1 &&
			     at(q, 1)->action == PS_ACT_SYNTHETIC;
	if ((tag || replies_after) && msg->body == NULL && msg->body_len > 0)
		return PS_NEED_BODY;
	if (step == STEP_FAIL)
		return fail(q, status, client_out);
	if (tag && drops_all(msg))
		discard_all(q);
	if (step == STEP_COMPLETE)
		return complete_head(q, msg, status, client_out, replies_after);
	continue_head(q, type);
	return head->action == PS_ACT_FORWARD ? PS_FORWARD : PS_CONSUMED;
}

enum ps_verdict ps_queue_server_message(struct ps_queue *q, const struct pg_frame *msg,
					enum pg_tx_status status, struct pg_buf *client_out)
{
	uint8_t type = msg->type;
	if (type == PG_BE_NOTICE || type == PG_BE_PARAMETER_STATUS || type == PG_BE_NOTIFICATION)
		return PS_FORWARD;
	if (q->len == 0)
		return type == PG_BE_ERROR ? PS_FORWARD : PS_UNEXPECTED;
	const struct ps_entry *head = at(q, 0);
	enum step step = classify(head, type);
	/* The common cases: a reply that leaves the head as it is (not the
	 * start of a COPY, an error, or a tag match_head must read), and the
	 * last reply to a plain message with no synthetic reply due after it. */
	bool may_tag = type == PG_BE_COMMAND_COMPLETE && may_drop_all(msg);
	if (step == STEP_CONTINUE && type != PG_BE_COPY_IN && type != PG_BE_ERROR && !may_tag)
		return head->action == PS_ACT_FORWARD ? PS_FORWARD : PS_CONSUMED;
	if (step == STEP_COMPLETE && plain(head) && !may_tag &&
	    (q->len == 1 || at(q, 1)->action != PS_ACT_SYNTHETIC)) {
		drop_front(q, 1);
		return PS_FORWARD;
	}
	return match_head(q, msg, step, status, client_out);
}
