/* Unit tests for ps_queue's reply matching, one script per flow: simple
 * queries, extended-protocol pipelines with and without errors, corral's
 * injected Parse and its swallowed reply, synthetic ParseComplete,
 * CloseComplete and DEALLOCATE at the right place, Describe of statements
 * and portals, PortalSuspended, COPY in both directions and both
 * protocols, errors in the middle of a pipeline with synthetic entries
 * after them, the stand-in error, the retagged Execute of the DEALLOCATE
 * stand-in, FunctionCall, replies nobody asked for.
 * Every server message is first offered without its body: when the queue
 * asks for it, nothing may have changed. Each script runs four times:
 * showing the queue every server message, and as the server's stream
 * does, which forwards what the queue's pass table names unseen and hands
 * over the replies it counted before the next message it shows; each with
 * no client linked, and with one whose map holds a name (so that a
 * CommandComplete's tag must be read). All runs must give the client the
 * same bytes and leave the same queue. (How the queue keeps the client
 * map and server set honest is check_prepared's.) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "pooler/ps_queue.h"
#include "ps_test.h"
#include "util/xalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One step of a script.
 *   'p' push the entry `arg` names: kind, action, reply letters
 *       kind:   P parse, B bind, d describe statement, p describe portal,
 *               E execute, C close, S sync, Q query, F function call
 *       action: > forward, - swallow, = synthetic, ! replace, ^ retag
 *       reply:  1 ParseComplete, 3 CloseComplete, x DEALLOCATE,
 *               X DEALLOCATE ALL, e the duplicate-name error, t and T
 *               DEALLOCATE's and DEALLOCATE ALL's tags alone (b and u,
 *               the other errors, are not used)
 *       want: whether it was queued; replies due are then emitted.
 *   's' the server message `arg` (ps_test_server_msg); want: the verdict.
 *   'c' the client ended a COPY.
 *   '?' the state (R ready, K skipping, C copy-in) and length, e.g. "R2".
 *   '#' the names left in the linked client's map (not checked in the
 *       runs without one): "0" once a DISCARD ALL has run.
 * `out` is what reached client_out during the step. */
struct qstep {
	char op;
	const char *arg;
	int want;
	const char *out;
};

#define F PS_FORWARD
#define K PS_CONSUMED
#define U PS_UNEXPECTED
#define END { 0, NULL, 0, NULL }

static const struct qstep simple_query[] = {
	{ 'p', "Q>", 1, "" }, { 's', "T", F, "" }, { 's', "D", F, "" }, { 's', "N", F, "" },
	{ 's', "C SELECT 1", F, "" }, { 's', "Z I", F, "" }, { '?', "R0", 0, "" },
	{ 'p', "Q>", 1, "" }, { 's', "E 42601", F, "" }, { '?', "R1", 0, "" },
	{ 's', "Z I", F, "" }, { 'p', "Q>", 1, "" }, { 's', "I", F, "" }, { 's', "Z I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

static const struct qstep pipeline[] = {
	{ 'p', "P>", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "p>", 1, "" }, { 'p', "E>", 1, "" },
	{ 'p', "S>", 1, "" }, { '?', "R5", 0, "" },
	{ 's', "1", F, "" }, { 's', "2", F, "" }, { 's', "T", F, "" }, { 's', "D", F, "" },
	{ 's', "S", F, "" }, { 's', "C SELECT 1", F, "" }, { 's', "Z I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

/* The failed Execute's segment ends at its Sync; the next one runs. */
static const struct qstep pipeline_error[] = {
	{ 'p', "P>", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "1", F, "" }, { 's', "2", F, "" }, { 's', "E 22012", F, "" }, { '?', "R4", 0, "" },
	{ 's', "Z I", F, "" }, { 's', "2", F, "" }, { 's', "C SELECT 1", F, "" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

/* No Sync sent yet: the server skips what follows, nothing is queued. */
static const struct qstep skip_to_sync[] = {
	{ 'p', "P>", 1, "" }, { 'p', "B>", 1, "" }, { 's', "E 42601", F, "" },
	{ '?', "K0", 0, "" }, { 'p', "E>", 0, "" }, { 'p', "P=1", 0, "" }, { 'p', "Q>", 0, "" },
	{ '?', "K0", 0, "" }, { 'p', "S>", 1, "" }, { '?', "R1", 0, "" }, { 's', "Z I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

static const struct qstep injected_parse[] = {
	{ 'p', "P-", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "1", K, "" }, { 's', "2", F, "" }, { 's', "C SELECT 1", F, "" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

/* The injected Parse fails: the client gets the error in place of its
 * Bind's reply. */
static const struct qstep injected_parse_fails[] = {
	{ 'p', "P-", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "E 25P02", F, "" }, { '?', "R1", 0, "" }, { 's', "Z E", F, "" }, END,
};

static const struct qstep synthetic_parse[] = {
	{ 'p', "P=1", 1, "1" }, { '?', "R0", 0, "" },
	{ 'p', "P>", 1, "" }, { 'p', "P=1", 1, "" }, { 'p', "P=1", 1, "" }, { 'p', "B>", 1, "" },
	{ 's', "1", K, "1 | 1 | 1" }, { 's', "2", F, "" }, { '?', "R0", 0, "" },
	/* after a swallowed reply: only the synthetic one reaches the client */
	{ 'p', "P-", 1, "" }, { 'p', "P=1", 1, "" }, { 's', "1", K, "1" }, { '?', "R0", 0, "" },
	END,
};

static const struct qstep synthetic_close[] = {
	{ 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "C=3", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "2", F, "" }, { 's', "D", F, "" }, { 's', "C SELECT 1", K, "C SELECT 1 | 3" },
	{ 's', "Z I", F, "" }, { 'p', "C=3", 1, "3" }, { '?', "R0", 0, "" }, END,
};

static const struct qstep describe[] = {
	{ 'p', "d>", 1, "" }, { 'p', "d>", 1, "" }, { 'p', "p>", 1, "" }, { 'p', "p>", 1, "" },
	{ 'p', "S>", 1, "" },
	{ 's', "t", F, "" }, { 's', "T", F, "" }, { 's', "t", F, "" }, { 's', "n", F, "" },
	{ 's', "T", F, "" }, { 's', "t", U, "" }, { 's', "n", F, "" }, { 's', "Z T", F, "" },
	{ '?', "R0", 0, "" }, END,
};

static const struct qstep portal_suspended[] = {
	{ 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "2", F, "" }, { 's', "D", F, "" }, { 's', "D", F, "" }, { 's', "s", F, "" },
	{ '?', "R2", 0, "" }, { 's', "D", F, "" }, { 's', "C SELECT 3", F, "" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

/* A Sync during copy-in is ignored by the server, so not queued. */
static const struct qstep copy_in_simple[] = {
	{ 'p', "Q>", 1, "" }, { 's', "G", F, "" }, { '?', "C1", 0, "" }, { 'p', "S>", 0, "" },
	{ 'c', NULL, 0, "" }, { '?', "R1", 0, "" }, { 's', "C COPY 2", F, "" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

/* libpq sends Sync right after Execute; the server ignores it in
 * copy-in, and the client sends another after CopyDone. */
static const struct qstep copy_in_extended[] = {
	{ 'p', "P>", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "1", F, "" }, { 's', "2", F, "" }, { 's', "G", F, "" }, { '?', "C1", 0, "" },
	{ 'c', NULL, 0, "" }, { 'p', "S>", 1, "" }, { '?', "R2", 0, "" },
	{ 's', "C COPY 1", F, "" }, { 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

static const struct qstep copy_in_extended_fails[] = {
	{ 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" }, { 's', "2", F, "" },
	{ 's', "G", F, "" }, { 's', "E 22P02", F, "" }, { '?', "K0", 0, "" }, { 'c', NULL, 0, "" },
	{ '?', "K0", 0, "" }, { 'p', "S>", 1, "" }, { 's', "Z I", F, "" }, { '?', "R0", 0, "" },
	END,
};

static const struct qstep copy_in_simple_fails[] = {
	{ 'p', "Q>", 1, "" }, { 's', "G", F, "" }, { 's', "E 22P02", F, "" }, { '?', "R1", 0, "" },
	{ 'c', NULL, 0, "" }, { 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

static const struct qstep copy_out[] = {
	{ 'p', "Q>", 1, "" }, { 's', "H", F, "" }, { 's', "d", F, "" }, { 's', "d", F, "" },
	{ 's', "c", F, "" }, { 's', "C COPY 2", F, "" }, { 's', "Z I", F, "" },
	{ 'p', "E>", 1, "" }, { 's', "H", F, "" }, { 's', "d", F, "" }, { 's', "c", F, "" },
	{ 's', "C COPY 1", F, "" }, { '?', "R0", 0, "" }, END,
};

/* An error drops the synthetic replies after it up to the Sync, and the
 * ones after the Sync come right after its ReadyForQuery. */
static const struct qstep error_then_synthetic[] = {
	{ 'p', "P>", 1, "" }, { 'p', "P=1", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "C=3", 1, "" },
	{ 'p', "S>", 1, "" }, { 'p', "C=3", 1, "" }, { 'p', "P=1", 1, "" },
	{ 's', "E 42601", F, "" }, { '?', "R3", 0, "" },
	{ 's', "Z I", K, "Z I | 3 | 1" }, { '?', "R0", 0, "" }, END,
};

/* DEALLOCATE's ReadyForQuery carries the status the previous one had. */
static const struct qstep deallocate[] = {
	{ 'p', "Q>", 1, "" }, { 'p', "Q=x", 1, "" }, { 's', "C BEGIN", F, "" },
	{ 's', "Z T", K, "Z T | C DEALLOCATE | Z T" }, { '?', "R0", 0, "" },
	{ 'p', "Q=X", 1, "C DEALLOCATE ALL | Z I" }, { '?', "R0", 0, "" }, END,
};

/* The Execute of corral's stand-in for a DEALLOCATE: its CommandComplete
 * becomes DEALLOCATE's, ahead of synthetic replies behind it; its error
 * reaches the client. */
static const struct qstep retag[] = {
	{ 'p', "E^t", 1, "" }, { 'p', "S>", 1, "" }, { 's', "C DO", K, "C DEALLOCATE" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" },
	{ 'p', "E^T", 1, "" }, { 'p', "C=3", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "C DO", K, "C DEALLOCATE ALL | 3" }, { 's', "Z T", F, "" },
	{ 'p', "E^t", 1, "" }, { 'p', "S>", 1, "" }, { 's', "E 57014", F, "" },
	{ '?', "R1", 0, "" }, { 's', "Z I", F, "" }, { '?', "R0", 0, "" }, END,
};

static const struct qstep stand_in[] = {
	{ 'p', "d!e", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "E 26000", K, "E 42P05" }, { '?', "R1", 0, "" }, { 's', "Z I", F, "" },
	/* skipped itself after an earlier error: no error of its own */
	{ 'p', "B>", 1, "" }, { 'p', "d!e", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "E 26000", F, "" }, { 's', "Z I", F, "" },
	/* it can only fail */
	{ 'p', "d!e", 1, "" }, { 's', "t", U, "" }, { 's', "n", U, "" }, END,
};

static const struct qstep unexpected[] = {
	{ 's', "Z I", U, "" }, { 's', "1", U, "" }, { 's', "E 57P01", F, "" },
	{ 's', "N", F, "" }, { 's', "S", F, "" }, { 's', "A", F, "" },
	{ 'p', "P>", 1, "" }, { 's', "2", U, "" }, { 's', "Z I", U, "" }, { 's', "N", F, "" },
	{ 's', "1", F, "" }, { 'p', "Q>", 1, "" }, { 's', "W", U, "" }, { 's', "1", U, "" },
	{ 's', "Z I", F, "" }, { 'p', "E>", 1, "" }, { 's', "T", U, "" }, { 's', "I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

static const struct qstep function_call[] = {
	{ 'p', "F>", 1, "" }, { 's', "V", F, "" }, { 's', "Z I", F, "" },
	{ 'p', "F>", 1, "" }, { 's', "E 42883", F, "" }, { '?', "R1", 0, "" }, { 's', "Z I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

/* The implicit transaction's commit fails at Sync: error, then Z. */
static const struct qstep error_at_sync[] = {
	{ 'p', "E>", 1, "" }, { 'p', "S>", 1, "" }, { 's', "C INSERT 0 1", F, "" },
	{ 's', "E 23505", F, "" }, { '?', "R1", 0, "" }, { 's', "Z I", F, "" },
	{ '?', "R0", 0, "" }, END,
};

/* corral's own query (e.g. a parameter sync): nothing reaches the client. */
static const struct qstep own_query[] = {
	{ 'p', "Q-", 1, "" }, { 's', "T", K, "" }, { 's', "D", K, "" }, { 's', "E 22023", K, "" },
	{ 's', "C SELECT 1", K, "" }, { 's', "Z I", K, "" }, { '?', "R0", 0, "" }, END,
};

/* The tags that empty the client's map, from a simple Query and from an
 * Execute: read even when the stream would forward the rest unseen. */
static const struct qstep discard_all[] = {
	{ 'p', "Q>", 1, "" }, { 's', "T", F, "" }, { 's', "C SELECT 1", F, "" },
	{ 's', "Z I", F, "" }, { '#', "1", 0, "" },
	{ 'p', "Q>", 1, "" }, { 's', "C DISCARD ALL", F, "" }, { 's', "Z I", F, "" },
	{ '#', "0", 0, "" }, END,
};

static const struct qstep deallocate_all_extended[] = {
	{ 'p', "P>", 1, "" }, { 'p', "B>", 1, "" }, { 'p', "E>", 1, "" }, { 'p', "S>", 1, "" },
	{ 's', "1", F, "" }, { 's', "2", F, "" }, { 's', "C DEALLOCATE ALL", F, "" },
	{ 's', "Z I", F, "" }, { '?', "R0", 0, "" }, { '#', "0", 0, "" }, END,
};

static const struct {
	const char *name;
	const struct qstep *steps;
} scripts[] = {
	{ "discard all", discard_all },
	{ "deallocate all, extended", deallocate_all_extended },
	{ "simple query", simple_query },
	{ "pipeline", pipeline },
	{ "pipeline error", pipeline_error },
	{ "skip to sync", skip_to_sync },
	{ "injected parse", injected_parse },
	{ "injected parse fails", injected_parse_fails },
	{ "synthetic parse", synthetic_parse },
	{ "synthetic close", synthetic_close },
	{ "describe", describe },
	{ "portal suspended", portal_suspended },
	{ "copy in, simple", copy_in_simple },
	{ "copy in, extended", copy_in_extended },
	{ "copy in, extended, fails", copy_in_extended_fails },
	{ "copy in, simple, fails", copy_in_simple_fails },
	{ "copy out", copy_out },
	{ "error then synthetic", error_then_synthetic },
	{ "deallocate", deallocate },
	{ "stand-in", stand_in },
	{ "unexpected", unexpected },
	{ "function call", function_call },
	{ "error at sync", error_at_sync },
	{ "own query", own_query },
	{ "retagged Execute", retag },
};

static enum ps_kind kind_of(char c)
{
	switch (c) {
	case 'P': return PS_KIND_PARSE;
	case 'B': return PS_KIND_BIND;
	case 'd': return PS_KIND_DESCRIBE_STMT;
	case 'p': return PS_KIND_DESCRIBE_PORTAL;
	case 'E': return PS_KIND_EXECUTE;
	case 'C': return PS_KIND_CLOSE;
	case 'S': return PS_KIND_SYNC;
	case 'Q': return PS_KIND_QUERY;
	case 'F': return PS_KIND_FUNCTION_CALL;
	}
	ck_abort_msg("bad kind %c", c);
	return PS_KIND_SYNC;
}

static struct ps_entry entry_of(const char *spec)
{
	static const char actions[] = { '>', '-', '=', '!', '^' };
	static const char replies[] = { 0, '1', '3', 'x', 'X', 'e', 'b', 'u', 't', 'T' };
	struct ps_entry e = { .kind = kind_of(spec[0]) };
	const char *a = memchr(actions, spec[1], sizeof actions);
	ck_assert_ptr_nonnull(a);
	e.action = (uint8_t)(a - actions);
	const char *r = memchr(replies, spec[2], sizeof replies);
	ck_assert_ptr_nonnull(r);
	e.reply = (uint8_t)(r - replies);
	if (e.reply == PS_REPLY_DUPLICATE)
		e.u.message = xstrdup("prepared statement \"s1\" already exists");
	return e;
}

/* Offer the message without its body first; NEED_BODY must change nothing. */
static enum ps_verdict server(struct ps_queue *q, const char *spec, struct pg_buf *out)
{
	struct pg_frame f = ps_test_server_msg(spec);
	struct pg_frame header = f;
	header.body = NULL;
	size_t len = q->len;
	enum ps_queue_state state = q->state;
	enum ps_verdict v = ps_queue_server_message(q, &header, PG_TX_IDLE, out);
	if (v == PS_NEED_BODY) {
		ck_assert_uint_eq(q->len, len);
		ck_assert_int_eq(q->state, state);
		ck_assert_uint_eq(out->len, 0);
		v = ps_queue_server_message(q, &f, PG_TX_IDLE, out);
		ck_assert_int_ne(v, PS_NEED_BODY);
	}
	msg_frame_free(&f);
	return v;
}

static void check_state(const struct ps_queue *q, const char *want, size_t step)
{
	static const char states[] = { 'R', 'K', 'C' };
	char got[8];
	snprintf(got, sizeof got, "%c%zu", states[q->state], q->len);
	ck_assert_msg(strcmp(got, want) == 0, "step %zu: state %s, want %s", step, got, want);
}

/* The server's stream, as server.c drives it: the pass table it holds
 * (asked for again after each message shown, after a Sync is pushed, and
 * when a simple Query starts on an idle server) and what it counted. */
struct stream_sim {
	bool on;
	const uint8_t *pass;
	uint32_t counted;
};

static void sim_hand_over(struct ps_queue *q, struct stream_sim *sim)
{
	ck_assert_msg(ps_queue_answered(q, sim->counted), "%u counted replies refused",
		      sim->counted);
	sim->counted = 0;
}

static void sim_pushed(const struct ps_queue *q, struct stream_sim *sim, enum ps_kind kind,
		       size_t len_before)
{
	if (sim->on && (kind == PS_KIND_SYNC || (kind == PS_KIND_QUERY && len_before == 0)))
		sim->pass = ps_queue_pass_through(q);
}

/* A server message through the stream: unseen when the pass table says
 * so. A reply the queue would refuse (out of step) then goes by unseen
 * too: that check is the shown path's only. */
static enum ps_verdict sim_server(struct ps_queue *q, struct stream_sim *sim, const char *spec,
				  struct pg_buf *out, int want)
{
	uint8_t type = (uint8_t)spec[0];
	if (sim->on && sim->pass && sim->pass[type] != PS_PASS_SHOW) {
		if (want == PS_UNEXPECTED)
			return PS_UNEXPECTED;
		sim->counted += sim->pass[type] == PS_PASS_COUNT;
		return PS_FORWARD;
	}
	sim_hand_over(q, sim);
	enum ps_verdict v = server(q, spec, out);
	if (sim->on)
		sim->pass = ps_queue_pass_through(q);
	return v;
}

/* A client map holding one name, linked to q. */
static void link_client_with_a_name(struct ps_queue *q, struct ps_client *client,
				    struct ps_registry *reg)
{
	static const struct pg_oids no_types = { 0 };
	struct ps_name *n;
	ps_client_init(client, reg, SIZE_MAX);
	ck_assert_int_eq(ps_client_add(client, "s0", "select 1", 8, &no_types, &n), PS_CLIENT_ADDED);
	ps_queue_link(q, client);
}

START_TEST(test_script)
{
	static const struct ps_hash_key key = { 3, 4 };
	static const char *const runs[] = {
		"shown all", "through the stream", "shown all, a client with a name",
		"through the stream, a client with a name",
	};
	struct ps_registry *reg = ps_registry_new(&key);
	struct ps_queue q;
	ps_queue_init(&q, reg, NULL);
	struct ps_client client;
	size_t script = (size_t)_i % N(scripts), mode = (size_t)_i / N(scripts);
	bool with_client = mode >= 2;
	if (with_client)
		link_client_with_a_name(&q, &client, reg);
	struct pg_buf out;
	pg_buf_init(&out);
	struct msg_text t;
	struct stream_sim sim = { .on = mode % 2 == 1 };
	const char *name = scripts[script].name, *run = runs[mode];
	const struct qstep *steps = scripts[script].steps;
	for (size_t i = 0; steps[i].op; i++) {
		const struct qstep *s = &steps[i];
		pg_buf_reset(&out);
		int got = 0;
		if (s->op == 'p') {
			struct ps_entry e = entry_of(s->arg);
			size_t len = q.len;
			got = ps_queue_push(&q, &e);
			ps_queue_put_replies(&q, &out, PG_TX_IDLE);
			sim_pushed(&q, &sim, e.kind, len);
		} else if (s->op == 's') {
			got = sim_server(&q, &sim, s->arg, &out, s->want);
		} else if (s->op == 'c') {
			ps_queue_copy_end(&q);
		} else if (s->op == '#') {
			sim_hand_over(&q, &sim);
			if (with_client)
				ck_assert_msg(ps_client_count(&client) == (size_t)atoi(s->arg),
					      "%s, %s, step %zu: %zu names", name, run, i,
					      ps_client_count(&client));
		} else {
			sim_hand_over(&q, &sim);
			check_state(&q, s->arg, i);
		}
		ck_assert_msg(got == s->want, "%s, %s, step %zu (%c %s): got %d, want %d", name, run,
			      i, s->op, s->arg ? s->arg : "", got, s->want);
		ps_test_render(&t, &out, false);
		ck_assert_msg(strcmp(t.s, s->out) == 0,
			      "%s, %s, step %zu (%c %s): client got '%s', want '%s'", name, run, i,
			      s->op, s->arg ? s->arg : "", t.s, s->out);
	}
	ps_queue_fini(&q);
	ck_assert_uint_eq(q.len, 0);
	if (with_client)
		ps_client_fini(&client);
	pg_buf_fini(&out);
	ps_registry_free(reg);
}
END_TEST

static const uint8_t *pass_after(struct ps_queue *q, const char *const *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ps_entry e = entry_of(specs[i]);
		ck_assert(ps_queue_push(q, &e));
	}
	return ps_queue_pass_through(q);
}

/* Which replies go by unseen, and which are counted, for which queues. */
START_TEST(test_pass_tables)
{
	static const struct ps_hash_key key = { 3, 4 };
	struct ps_registry *reg = ps_registry_new(&key);
	struct ps_queue q;
	ps_queue_init(&q, reg, NULL);

	static const char *const segment[] = { "P>", "B>", "d>", "p>", "E>", "S>", "Q>" };
	struct ps_client client;
	link_client_with_a_name(&q, &client, reg);   /* a DISCARD ALL would drop it */
	const uint8_t *pass = pass_after(&q, segment, N(segment));
	ck_assert_ptr_nonnull(pass);
	for (const char *t = "123Tns"; *t; t++)
		ck_assert_msg(pass[(uint8_t)*t] == PS_PASS_COUNT, "%c is counted", *t);
	for (const char *t = "tD"; *t; t++)
		ck_assert_msg(pass[(uint8_t)*t] == PS_PASS_FORWARD, "%c goes by uncounted", *t);
	for (const char *t = "CZEGHWdcNSAV"; *t; t++)
		ck_assert_msg(pass[(uint8_t)*t] == PS_PASS_SHOW, "%c is shown", *t);
	ps_queue_unlink(&q);
	ps_client_fini(&client);
	/* Nothing to drop: an Execute's CommandComplete is counted too. */
	const uint8_t *all = ps_queue_pass_through(&q);
	ck_assert(all[PG_BE_COMMAND_COMPLETE] == PS_PASS_COUNT && all[PG_BE_BIND_COMPLETE] == PS_PASS_COUNT);
	ck_assert(all[PG_BE_READY_FOR_QUERY] == PS_PASS_SHOW && all[PG_BE_ERROR] == PS_PASS_SHOW);
	ck_assert(!ps_queue_answered(&q, 6));   /* the Sync is not answered so */
	ck_assert(ps_queue_answered(&q, 4));
	check_state(&q, "R3", 0);
	ck_assert_ptr_eq(ps_queue_pass_through(&q), all);   /* the Execute's end, counted */
	ck_assert(ps_queue_answered(&q, 1));
	ck_assert_ptr_null(ps_queue_pass_through(&q));       /* the Sync: Z is shown */
	ck_assert(!ps_queue_answered(&q, 1));
	ps_queue_fini(&q);

	/* Nothing counted ahead of something of corral's, or of a Query, or
	 * without a Sync queued: an Execute's rows still go by. */
	static const char *const swallowed[] = { "E>", "P-", "B>", "S>" };
	static const char *const query[] = { "E>", "Q>", "S>" };
	static const char *const open[] = { "B>", "E>" };
	const char *const *cases[] = { swallowed, query, open };
	size_t sizes[] = { N(swallowed), N(query), N(open) };
	for (size_t i = 0; i < N(cases); i++) {
		ps_queue_init(&q, reg, NULL);
		pass = pass_after(&q, cases[i], sizes[i]);
		ck_assert_msg(pass == NULL || pass[PG_BE_BIND_COMPLETE] == PS_PASS_SHOW, "case %zu", i);
		ck_assert_msg(i == 2 || pass[PG_BE_DATA_ROW] == PS_PASS_FORWARD, "case %zu", i);
		ps_queue_fini(&q);
	}
	/* A Query's rows and row description go by uncounted; its
	 * CommandComplete too while there is nothing to drop. */
	ps_queue_init(&q, reg, NULL);
	pass = pass_after(&q, query + 1, 1);
	ck_assert(pass[PG_BE_ROW_DESCRIPTION] == PS_PASS_FORWARD && pass[PG_BE_DATA_ROW] == PS_PASS_FORWARD);
	ck_assert(pass[PG_BE_COMMAND_COMPLETE] == PS_PASS_FORWARD);
	link_client_with_a_name(&q, &client, reg);
	pass = ps_queue_pass_through(&q);
	ck_assert(pass[PG_BE_DATA_ROW] == PS_PASS_FORWARD && pass[PG_BE_COMMAND_COMPLETE] == PS_PASS_SHOW);
	ps_queue_unlink(&q);
	ps_client_fini(&client);
	ps_queue_fini(&q);
	ps_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prepared_queue");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_script, 0, 4 * (int)N(scripts));
	tcase_add_test(tc, test_pass_tables);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
