/* Unit tests for prepared (the per-message decisions) with the real
 * registry, client maps, server sets and queues: two clients and two
 * servers (max_prepared_statements 2) driven by scripts of client
 * messages, server replies and checks. Each step asserts the verdict and
 * exactly what corral wrote to the server and to the client. Covered: the
 * first Parse on a server, sharing between clients, the Parse injected on
 * another server before a Bind or Describe, duplicate names raised by the
 * server through the stand-in, Close and DEALLOCATE answered by corral,
 * names the map does not know left to the server, LRU eviction, every
 * undo (a failed Parse, statements the server skipped, a skipped Close of
 * an evicted statement), the wait between pipeline segments, DISCARD ALL,
 * the byte budget, COPY, skipping, clients leaving with replies pending,
 * statistics. Every client message is first offered without its body. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "pooler/prepared.h"
#include "ps_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One step.
 *   'c' the client linked to server `at` sends `arg` (see client_msg);
 *       want: enum prepared_verdict.
 *   's' server `at` sends `arg` (ps_test_server_msg); want: enum ps_verdict.
 *   'q' client `at`, linked to no server, sends the Query `arg`
 *       (prepared_unlinked_query); want: enum prepared_verdict.
 *   'l' link client `want` to server `at`;  'u' unlink server `at`.
 *   'L' client `at`'s budget becomes `want` bytes.
 *   'x' client `at` leaves (its map is freed and made anew).
 *   'o' server `at` answers corral's own query (reset or check) with
 *       the CommandComplete `arg` (ps_queue_own_command_complete).
 *   '?' checks in `arg`, space-separated: n<c>=names of client c,
 *       s<j>=statements in server j's set, q<j>=queue length, w<j>=must
 *       wait (0/1), r=statements in the registry, k<c>:<name>=0/1 whether
 *       client c has the name, cp= sp= b= the counters.
 * to_server and to_client: what corral wrote during the step. */
struct fstep {
	char op;
	int at;
	const char *arg;
	int want;
	const char *to_server;
	const char *to_client;
};

#define FWD PREPARED_FORWARD
#define CON PREPARED_CONSUMED
#define WAIT PREPARED_WAIT
#define BAD PREPARED_MALFORMED
#define F PS_FORWARD
#define K PS_CONSUMED
#define END { 0, 0, NULL, 0, NULL, NULL }

/* c0 prepares s1 ("select 1") on server 0 and the segment completes. */
#define SETUP_S1 \
	{ 'l', 0, NULL, 0, "", "" }, \
	{ 'c', 0, "P s1 select 1", CON, "P corral_1 'select 1'", "" }, \
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" }

static const struct fstep first_parse[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P s1 [23] select $1", CON, "P corral_1 'select $1' 23", "" },
	{ 'c', 0, "B s1", CON, "B corral_1", "" },
	{ 'c', 0, "D P -", FWD, "", "" }, { 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ '?', 0, "n0=1 s0=1 r=1 q0=5 w0=1 cp=1 sp=1 b=1", 0, "", "" },
	/* the next segment waits until the Parse is known to have worked */
	{ 'c', 0, "B s1", WAIT, "", "" },
	{ 's', 0, "1", F, "", "" }, { '?', 0, "w0=0", 0, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "T", F, "", "" }, { 's', 0, "D", F, "", "" },
	{ 's', 0, "C SELECT 1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "B s1", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "S", FWD, "", "" }, { '?', 0, "q0=3 w0=0 cp=1 sp=1 b=2", 0, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "C SELECT 1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "q0=0", 0, "", "" }, END,
};

static const struct fstep shared[] = {
	SETUP_S1, { 'u', 0, NULL, 0, "", "" }, { 'l', 0, NULL, 1, "", "" },
	{ 'c', 0, "P a select 1", CON, "", "1" }, { 'c', 0, "B a", CON, "B corral_1", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" }, { '?', 0, "w0=0", 0, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "C SELECT 1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "n0=1 n1=1 r=1 s0=1 cp=2 sp=1", 0, "", "" }, END,
};

static const struct fstep other_server[] = {
	SETUP_S1, { 'u', 0, NULL, 0, "", "" }, { 'l', 1, NULL, 0, "", "" },
	{ 'c', 1, "B s1", CON, "P corral_1 'select 1' | B corral_1", "" },
	{ 'c', 1, "E", FWD, "", "" }, { 'c', 1, "S", FWD, "", "" },
	{ 's', 1, "1", K, "", "" }, { 's', 1, "2", F, "", "" }, { 's', 1, "C SELECT 1", F, "", "" },
	{ 's', 1, "Z I", F, "", "" },
	{ '?', 0, "s0=1 s1=1 r=1 cp=1 sp=2 b=1", 0, "", "" },
	/* Describe on a server that lacks it */
	{ 'u', 1, NULL, 0, "", "" }, { 'l', 0, NULL, 1, "", "" }, { 'l', 1, NULL, 0, "", "" },
	{ 'c', 0, "P t select 2", CON, "P corral_2 'select 2'", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" }, { 'u', 0, NULL, 0, "", "" },
	{ 'u', 1, NULL, 0, "", "" }, { 'l', 1, NULL, 1, "", "" },
	{ 'c', 1, "D S t", CON, "P corral_2 'select 2' | D S corral_2", "" },
	{ 'c', 1, "S", FWD, "", "" }, { 's', 1, "1", K, "", "" }, { 's', 1, "t", F, "", "" },
	{ 's', 1, "T", F, "", "" }, { 's', 1, "Z I", F, "", "" }, { '?', 0, "s1=2 sp=4", 0, "", "" },
	END,
};

static const struct fstep duplicate[] = {
	SETUP_S1,
	{ 'c', 0, "P s1 select 2", CON, "D S corral_error", "" },
	{ 'c', 0, "B s1", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "E 26000", K, "", "E 42P05" }, { '?', 0, "q0=1 n0=1 r=1", 0, "", "" },
	{ 's', 0, "Z I", F, "", "" }, END,
};

static const struct fstep close_stmt[] = {
	SETUP_S1,
	{ 'c', 0, "C S s1", CON, "", "3" }, { '?', 0, "n0=0 s0=1 r=1", 0, "", "" },
	/* names it does not know go to the server as they are */
	{ 'c', 0, "B s1", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "E 26000", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "C S nosuch", FWD, "", "" }, { 'c', 0, "C P p1", FWD, "", "" },
	{ 'c', 0, "C S -", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "3", F, "", "" }, { 's', 0, "3", F, "", "" }, { 's', 0, "3", F, "", "" },
	{ 's', 0, "Z I", F, "", "" },
	/* the name is free again */
	{ 'c', 0, "P s1 select 2", CON, "P corral_2 'select 2'", "" }, END,
};

static const struct fstep deallocate[] = {
	SETUP_S1,
	{ 'c', 0, "P s2 select 2", CON, "P corral_2 'select 2'", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "Q /* why */ DEALLOCATE s1", CON, "", "C DEALLOCATE | Z I" },
	{ 'c', 0, "Q deallocate \"nosuch\"", FWD, "", "" },
	{ 's', 0, "E 26000", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "Q BEGIN", FWD, "", "" }, { 's', 0, "C BEGIN", F, "", "" },
	{ 's', 0, "Z T", F, "", "" },
	{ 'c', 0, "Q DEALLOCATE ALL", CON, "", "C DEALLOCATE ALL | Z T" },
	{ '?', 0, "n0=0 s0=2 r=2", 0, "", "" },
	{ 'c', 0, "Q select 1", FWD, "", "" }, END,
};

/* max_prepared_statements 2. */
static const struct fstep eviction[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P a select 1", CON, "P corral_1 'select 1'", "" },
	{ 'c', 0, "P b select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "P c select 3", CON, "C S corral_1 | P corral_3 'select 3'", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "3", K, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "s0=2 n0=3 r=3", 0, "", "" },
	{ 'c', 0, "B a", CON, "C S corral_2 | P corral_1 'select 1' | B corral_1", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "3", K, "", "" }, { 's', 0, "1", K, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "s0=2 sp=4", 0, "", "" }, END,
};

/* The Close of an evicted statement is skipped after an error: the
 * server still has it, and corral knows. */
static const struct fstep skipped_eviction[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P a select 1", CON, "P corral_1 'select 1'", "" },
	{ 'c', 0, "P b select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "1", F, "", "" },
	{ 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "B a", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "P c select 3", CON, "C S corral_2 | P corral_3 'select 3'", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "E 22012", F, "", "" },
	{ '?', 0, "s0=2 n0=2 r=2 k0:c=0", 0, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "B b", CON, "B corral_2", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "Z I", F, "", "" }, END,
};

static const struct fstep failed_parse[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P bad selec", CON, "P corral_1 'selec'", "" },
	{ 'c', 0, "B bad", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "E 42601", F, "", "" }, { '?', 0, "n0=0 s0=0 r=0 q0=1 w0=0", 0, "", "" },
	{ 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "P bad select 1", CON, "P corral_2 'select 1'", "" }, END,
};

static const struct fstep skipped[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P x select 1", CON, "P corral_1 'select 1'", "" },
	{ 'c', 0, "B x", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "P y select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "B y", CON, "B corral_2", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "E 22012", F, "", "" },
	{ '?', 0, "n0=1 s0=1 r=1 k0:x=1 k0:y=0", 0, "", "" }, { 's', 0, "Z I", F, "", "" }, END,
};

/* Synthetic replies behind an error are dropped and their changes undone. */
static const struct fstep skipped_synthetic[] = {
	SETUP_S1,
	{ 'c', 0, "P s2 select 2", CON, "P corral_2 'select 2'", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "B s1", CON, "B corral_1", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "C S s1", CON, "", "" }, { 'c', 0, "P s3 select 2", CON, "", "" },
	{ 'c', 0, "Q DEALLOCATE s2", CON, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ '?', 0, "n0=1 k0:s3=1", 0, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "E 22012", F, "", "" },
	{ '?', 0, "n0=2 k0:s1=1 k0:s2=1 k0:s3=0 s0=2", 0, "", "" },
	{ 's', 0, "Z I", F, "", "" },
	/* the same, with DEALLOCATE ALL */
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "Q DEALLOCATE ALL", CON, "", "" },
	{ 'c', 0, "P s4 select 2", CON, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ '?', 0, "n0=1 k0:s4=1", 0, "", "" },
	{ 's', 0, "E 34000", F, "", "" }, { '?', 0, "n0=2 k0:s1=1 k0:s2=1", 0, "", "" },
	{ 's', 0, "Z I", F, "", "" },
	/* and without an error, in their turn */
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "C S s1", CON, "", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "C SELECT 1", K, "", "C SELECT 1 | 3" },
	{ 's', 0, "Z I", F, "", "" }, { '?', 0, "n0=1 k0:s1=0", 0, "", "" }, END,
};

static const struct fstep discard_all[] = {
	SETUP_S1,
	{ 'c', 0, "Q DISCARD ALL", FWD, "", "" },
	{ 'c', 0, "P s2 select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "C DISCARD ALL", F, "", "" },
	{ '?', 0, "n0=1 k0:s1=0 k0:s2=1 s0=1 r=1", 0, "", "" },
	{ 's', 0, "Z I", F, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	/* s1's statement must be prepared anew */
	{ 'c', 0, "P s1 select 1", CON, "P corral_3 'select 1'", "" }, END,
};

/* corral's own reset or check query: the server's statements go with
 * DISCARD ALL (prepared again when needed), the client keeps its names;
 * another command changes nothing. */
static const struct fstep own_query[] = {
	SETUP_S1, { 'u', 0, NULL, 0, "", "" },
	{ 'o', 0, "C RESET", 0, "", "" }, { '?', 0, "s0=1", 0, "", "" },
	{ 'o', 0, "C DISCARD ALL", 0, "", "" }, { '?', 0, "s0=0 n0=1 r=1", 0, "", "" },
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "B s1", CON, "P corral_1 'select 1' | B corral_1", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "1", K, "", "" }, { 's', 0, "2", F, "", "" },
	{ 's', 0, "Z I", F, "", "" }, { 'u', 0, NULL, 0, "", "" },
	{ 'o', 0, "C DEALLOCATE ALL", 0, "", "" }, { '?', 0, "s0=0", 0, "", "" }, END,
};

#define STAND_IN "P  'DO $$BEGIN END$$'"

/* DEALLOCATE sent as the unnamed statement (Parse, Bind, Describe,
 * Execute, Sync): the server runs the stand-in, the client sees
 * DEALLOCATE's tag; a name the client does not have goes as it is. */
static const struct fstep extended_deallocate[] = {
	SETUP_S1,
	{ 'c', 0, "P - DEALLOCATE s1", CON, STAND_IN, "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "D P -", FWD, "", "" }, { 'c', 0, "E", FWD, "", "" },
	{ '?', 0, "n0=0 k0:s1=0 w0=0", 0, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ '?', 0, "w0=1", 0, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "n", F, "", "" },
	{ 's', 0, "C DO", K, "", "C DEALLOCATE" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "n0=0 s0=1 r=1 sp=2", 0, "", "" },
	/* ALL, within a transaction, the statements staying on the server */
	{ 'c', 0, "P s2 select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "Z T", F, "", "" },
	{ 'c', 0, "P - /**/deallocate all", CON, STAND_IN, "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" }, { '?', 0, "n0=0", 0, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" },
	{ 's', 0, "C DO", K, "", "C DEALLOCATE ALL" }, { 's', 0, "Z T", F, "", "" },
	{ '?', 0, "n0=0 s0=2 r=2", 0, "", "" },
	/* a name the client does not have: the server's own error */
	{ 'c', 0, "P - DEALLOCATE nosuch", FWD, "", "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "E 26000", F, "", "" },
	{ 's', 0, "Z E", F, "", "" }, END,
};

/* The stand-in fails (an aborted transaction refuses its Parse; a
 * cancelled Execute): the name stays. Closed before the Execute: 26000,
 * where PostgreSQL raises it. A named portal; a new client on the server
 * does not inherit the unnamed statement. */
static const struct fstep extended_deallocate_fails[] = {
	SETUP_S1,
	{ 'c', 0, "P - DEALLOCATE s1", CON, STAND_IN, "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "E 25P02", F, "", "" }, { '?', 0, "k0:s1=1", 0, "", "" },
	{ 's', 0, "Z E", F, "", "" },
	{ 'c', 0, "P - DEALLOCATE s1", CON, STAND_IN, "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "E 57014", F, "", "" },
	{ 's', 0, "Z I", F, "", "" }, { '?', 0, "k0:s1=1", 0, "", "" },
	{ 'c', 0, "P - DEALLOCATE s1", CON, STAND_IN, "" }, { 'c', 0, "B - p1", FWD, "", "" },
	{ 'c', 0, "C S s1", CON, "", "" }, { 'c', 0, "E p1", CON, "D S corral_error", "" },
	{ 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", K, "", "2 | 3" },
	{ 's', 0, "E 26000", K, "", "E 26000" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "P s1 select 1", CON, "", "1" },
	{ 'c', 0, "P - DEALLOCATE s1", CON, STAND_IN, "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'u', 0, NULL, 0, "", "" }, { 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "B -", FWD, "", "" }, { 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "2", F, "", "" }, { 's', 0, "C DO", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "k0:s1=1", 0, "", "" }, END,
};

static const struct fstep budget[] = {
	{ 'l', 0, NULL, 0, "", "" }, { 'L', 0, NULL, 1, "", "" },
	{ 'c', 0, "P s1 select 1", CON, "D S corral_error", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "E 26000", K, "", "E 53400" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "n0=0 r=0 s0=0 cp=1 sp=0", 0, "", "" },
	{ 'c', 0, "P - select 1", FWD, "", "" }, { '?', 0, "cp=2 sp=1", 0, "", "" }, END,
};

static const struct fstep unnamed[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "P - select 1", FWD, "", "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "D S -", FWD, "", "" }, { 'c', 0, "E", FWD, "", "" },
	{ 'c', 0, "C S -", FWD, "", "" }, { 'c', 0, "H", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "t", F, "", "" },
	{ 's', 0, "T", F, "", "" }, { 's', 0, "D", F, "", "" }, { 's', 0, "C SELECT 1", F, "", "" },
	{ 's', 0, "3", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'c', 0, "F", FWD, "", "" }, { 's', 0, "V", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "cp=1 sp=1 b=1 r=0 q0=0", 0, "", "" }, END,
};

static const struct fstep copy_data[] = {
	SETUP_S1,
	{ 'c', 0, "P - copy t from stdin", FWD, "", "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "1", F, "", "" }, { 's', 0, "2", F, "", "" }, { 's', 0, "G", F, "", "" },
	{ 'c', 0, "d", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" }, { 'c', 0, "H", FWD, "", "" },
	{ 'c', 0, "c", FWD, "", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 's', 0, "C COPY 1", F, "", "" }, { 's', 0, "Z I", F, "", "" }, { '?', 0, "q0=0", 0, "", "" },
	{ 'c', 0, "Q copy t from stdin", FWD, "", "" }, { 's', 0, "G", F, "", "" },
	{ 'c', 0, "f", FWD, "", "" }, { 's', 0, "E 57014", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "q0=0", 0, "", "" }, END,
};

/* While the server skips to Sync, nothing is rewritten or answered. */
static const struct fstep skipping[] = {
	SETUP_S1,
	{ 'c', 0, "P - selec", FWD, "", "" }, { 'c', 0, "B -", FWD, "", "" },
	{ 's', 0, "E 42601", F, "", "" },
	{ 'c', 0, "B s1", FWD, "", "" }, { 'c', 0, "P s1 select 9", FWD, "", "" },
	{ 'c', 0, "C S s1", FWD, "", "" }, { 'c', 0, "Q DEALLOCATE ALL", FWD, "", "" },
	{ 'c', 0, "E", FWD, "", "" }, { '?', 0, "q0=0 n0=1 r=1 cp=3 sp=3 b=2", 0, "", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "Z I", F, "", "" }, END,
};

static const struct fstep unlinked[] = {
	SETUP_S1, { 'u', 0, NULL, 0, "", "" },
	{ 'q', 0, "DEALLOCATE s1", CON, "", "C DEALLOCATE | Z I" },
	{ 'q', 0, "DEALLOCATE s1", FWD, "", "" }, { 'q', 0, "select 1", FWD, "", "" },
	{ 'l', 0, NULL, 0, "", "" }, { 'c', 0, "P s2 select 2", CON, "P corral_2 'select 2'", "" },
	{ 'c', 0, "S", FWD, "", "" }, { 's', 0, "1", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ 'u', 0, NULL, 0, "", "" },
	{ 'q', 0, " \n-- why\nDEALLOCATE ALL", CON, "", "C DEALLOCATE ALL | Z I" },
	{ '?', 0, "n0=0 s0=2 r=2", 0, "", "" }, END,
};

/* The client goes while replies are owed; its map is freed at once. */
static const struct fstep client_leaves[] = {
	SETUP_S1,
	{ 'c', 0, "B s1", CON, "B corral_1", "" }, { 'c', 0, "C S s1", CON, "", "" },
	{ 'c', 0, "Q DEALLOCATE ALL", CON, "", "" }, { 'c', 0, "P s2 select 2", CON,
	  "P corral_2 'select 2'", "" }, { 'c', 0, "S", FWD, "", "" },
	{ 'u', 0, NULL, 0, "", "" }, { 'x', 0, NULL, 0, "", "" },
	{ 's', 0, "2", K, "", "" }, { 's', 0, "E 22012", F, "", "" }, { 's', 0, "Z I", F, "", "" },
	{ '?', 0, "q0=0 n0=0 s0=1 r=1", 0, "", "" }, END,
};

static const struct fstep malformed[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "!Px", BAD, "", "" }, { 'c', 0, "!Bx", BAD, "", "" }, { 'c', 0, "!Dx", BAD, "", "" },
	{ 'c', 0, "!Cx", BAD, "", "" }, { 'c', 0, "!Qx", BAD, "", "" },
	{ '?', 0, "q0=0 cp=0 b=0", 0, "", "" }, END,
};

/* Messages of the unnamed statement decided from their first bytes go
 * on unread, malformed or not (PostgreSQL refuses the bad ones with an
 * error and skips to Sync); those that need reading are still refused. */
static const struct fstep malformed_unnamed[] = {
	{ 'l', 0, NULL, 0, "", "" },
	{ 'c', 0, "0Pselect 1", FWD, "", "" }, { '?', 0, "q0=1 cp=1 sp=1", 0, "", "" },
	{ 'c', 0, "0Pdeallocate s1", BAD, "", "" }, { 'c', 0, "0Bx", BAD, "", "" },
	{ 'c', 0, "0Dx", BAD, "", "" }, { '?', 0, "q0=1 cp=1 b=0", 0, "", "" },
	{ 's', 0, "E 08P01", F, "", "" }, { '?', 0, "q0=0", 0, "", "" }, END,
};

static const struct {
	const char *name;
	const struct fstep *steps;
} scripts[] = {
	{ "first parse", first_parse },
	{ "shared between clients", shared },
	{ "other server", other_server },
	{ "duplicate name", duplicate },
	{ "close", close_stmt },
	{ "deallocate", deallocate },
	{ "eviction", eviction },
	{ "skipped eviction", skipped_eviction },
	{ "failed parse", failed_parse },
	{ "skipped statements", skipped },
	{ "skipped synthetic replies", skipped_synthetic },
	{ "discard all", discard_all },
	{ "own reset or check query", own_query },
	{ "DEALLOCATE as the unnamed statement", extended_deallocate },
	{ "DEALLOCATE as the unnamed statement, failing", extended_deallocate_fails },
	{ "budget", budget },
	{ "unnamed", unnamed },
	{ "malformed, unnamed", malformed_unnamed },
	{ "copy", copy_data },
	{ "skipping", skipping },
	{ "unlinked", unlinked },
	{ "client leaves", client_leaves },
	{ "malformed", malformed },
};

/* ---- the world: two clients, two servers ---- */

struct world {
	struct ps_registry *reg;
	struct ps_client clients[2];
	struct prepared_server servers[2];
	int linked[2];                  /* client of each server, or -1 */
	enum pg_tx_status status[2];    /* each server's last ReadyForQuery */
	struct ps_counters counters;
	struct pg_buf to_server, to_client;
};

static void world_init(struct world *w)
{
	static const struct ps_hash_key key = { 5, 6 };
	w->reg = ps_registry_new(&key);
	for (int i = 0; i < 2; i++) {
		ps_client_init(&w->clients[i], w->reg, SIZE_MAX);
		prepared_server_init(&w->servers[i], w->reg, 2);
		w->linked[i] = -1;
		w->status[i] = PG_TX_IDLE;
	}
	w->counters = (struct ps_counters){ 0 };
	pg_buf_init(&w->to_server);
	pg_buf_init(&w->to_client);
}

static void world_fini(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		ps_queue_unlink(&w->servers[i].queue);
		prepared_server_fini(&w->servers[i]);
	}
	for (int i = 0; i < 2; i++)
		ps_client_fini(&w->clients[i]);
	ck_assert_uint_eq(ps_registry_count(w->reg), 0);
	ps_registry_free(w->reg);
	pg_buf_fini(&w->to_server);
	pg_buf_fini(&w->to_client);
}

/* A statement name in a spec: "-" is the unnamed one. */
static const char *spec_name(const char *word)
{
	return strcmp(word, "-") == 0 ? "" : word;
}

/* "P name [oid,...] query": the type list is optional. */
static void put_parse_spec(struct pg_buf *b, const char *spec)
{
	char name[64];
	int n = 0;
	uint32_t types[4];
	uint16_t n_types = 0;
	ck_assert_int_eq(sscanf(spec, "P %63s %n", name, &n), 1);
	const char *rest = spec + n;
	if (rest[0] == '[') {
		char *end;
		do {
			types[n_types++] = (uint32_t)strtoul(rest + 1, &end, 10);
			rest = end;
		} while (*rest == ',' && n_types < 4);
		ck_assert_int_eq(*rest, ']');
		rest += 2;
	}
	pg_frontend_put_parse(b, spec_name(name), rest, types, n_types);
}

/* "B stmt [portal]": a Bind with one parameter, into the unnamed portal
 * unless one is named. */
static void put_bind_spec(struct pg_buf *b, const char *spec)
{
	char stmt[64], portal[64] = "";
	const char *const params[] = { "42" };
	ck_assert_int_ge(sscanf(spec, "B %63s %63s", stmt, portal), 1);
	pg_frontend_put_bind(b, portal, spec_name(stmt), params, 1);
}

/* The client message `spec` names: "P ...", "B stmt [portal]", "D S name",
 * "C P name", "Q text", "E [portal]", a lone type letter (S H F c f d), "!" and a
 * type letter followed by a raw (malformed) body, or "0" and a type letter
 * followed by the rest of a raw body that starts with a NUL byte (an
 * empty name, then whatever the text says, unterminated). */
static struct pg_frame client_msg(const char *spec)
{
	struct pg_buf b;
	pg_buf_init(&b);
	switch (spec[0]) {
	case 'P': put_parse_spec(&b, spec); break;
	case 'B': put_bind_spec(&b, spec); break;
	case 'D': pg_frontend_put_describe(&b, (enum pg_frontend_target_kind)spec[2], spec_name(spec + 4)); break;
	case 'C': pg_frontend_put_close(&b, (enum pg_frontend_target_kind)spec[2], spec_name(spec + 4)); break;
	case 'Q': pg_frontend_put_query(&b, spec + 2); break;
	case 'E': pg_frontend_put_execute(&b, spec[1] == ' ' ? spec + 2 : "", 0); break;
	case 'S': pg_frontend_put_sync(&b); break;
	case 'H': pg_frontend_put_flush(&b); break;
	case 'F': pg_frontend_put_function_call(&b, 1, NULL, 0); break;
	case 'c': pg_frontend_put_copy_done(&b); break;
	case 'f': pg_frontend_put_copy_fail(&b, "no"); break;
	case 'd': pg_frontend_put_copy_data(&b, "1\n", 2); break;
	case '!': ps_test_put_raw(&b, (uint8_t)spec[1], spec + 2); break;
	case '0': {
		size_t at = pg_buf_begin_msg(&b, (uint8_t)spec[1]);
		pg_buf_put_u8(&b, 0);
		pg_buf_put_bytes(&b, spec + 2, strlen(spec + 2));
		pg_buf_end_msg(&b, at);
		break;
	}
	default: ck_abort_msg("bad client spec %s", spec);
	}
	struct pg_frame f = msg_frame_of_buf(&b);
	pg_buf_fini(&b);
	return f;
}

/* Offer the message without its body first: NEED_BODY changes nothing. */
static int client_step(struct world *w, int at, const char *spec)
{
	struct prepared_server *ps = &w->servers[at];
	struct prepared_io io = { &w->to_server, &w->to_client, w->status[at], &w->counters, false };
	struct pg_frame f = client_msg(spec);
	struct pg_frame header = f;
	header.body = NULL;
	struct ps_counters before = w->counters;
	size_t len = ps->queue.len;
	enum prepared_verdict v = prepared_client_message(ps, &header, &io);
	if (v == PREPARED_NEED_BODY) {
		ck_assert_uint_eq(w->to_server.len + w->to_client.len, 0);
		ck_assert_uint_eq(ps->queue.len, len);
		ck_assert_mem_eq(&w->counters, &before, sizeof before);
		v = prepared_client_message(ps, &f, &io);
		ck_assert_int_ne(v, PREPARED_NEED_BODY);
	}
	if (v == PREPARED_WAIT || v == PREPARED_MALFORMED) {
		ck_assert_uint_eq(w->to_server.len + w->to_client.len, 0);
		ck_assert_uint_eq(ps->queue.len, len);
	}
	msg_frame_free(&f);
	return v;
}

static int server_step(struct world *w, int at, const char *spec)
{
	struct ps_queue *q = &w->servers[at].queue;
	struct pg_buf *out = w->linked[at] >= 0 ? &w->to_client : NULL;
	struct pg_frame f = ps_test_server_msg(spec);
	struct pg_frame header = f;
	header.body = NULL;
	enum ps_verdict v = ps_queue_server_message(q, &header, w->status[at], out);
	if (v == PS_NEED_BODY)
		v = ps_queue_server_message(q, &f, w->status[at], out);
	if (spec[0] == 'Z')
		w->status[at] = (enum pg_tx_status)spec[2];
	msg_frame_free(&f);
	return v;
}

static int unlinked_step(struct world *w, int client, const char *query)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_frontend_put_query(&b, query);
	struct pg_frame f = msg_frame_of_buf(&b);
	struct pg_frame header = f;
	header.body = NULL;
	enum prepared_verdict v = prepared_unlinked_query(&w->clients[client], &header, &w->to_client);
	ck_assert_int_eq(v, PREPARED_NEED_BODY);
	v = prepared_unlinked_query(&w->clients[client], &f, &w->to_client);
	msg_frame_free(&f);
	pg_buf_fini(&b);
	return v;
}

/* One "key=value" check. */
static void check_one(struct world *w, const char *check, size_t step)
{
	char key[80];
	unsigned long want;
	ck_assert_msg(sscanf(check, "%79[^=]=%lu", key, &want) == 2, "bad check %s", check);
	unsigned long got;
	int i = key[1] - '0';
	if (key[0] == 'k')
		got = ps_client_find(&w->clients[i], key + 3) != NULL;
	else if (key[0] == 'n')
		got = ps_client_count(&w->clients[i]);
	else if (key[0] == 's' && key[1] != 'p')
		got = ps_server_count(&w->servers[i].set);
	else if (key[0] == 'q')
		got = w->servers[i].queue.len;
	else if (key[0] == 'w')
		got = ps_queue_must_wait(&w->servers[i].queue);
	else if (strcmp(key, "r") == 0)
		got = ps_registry_count(w->reg);
	else if (strcmp(key, "cp") == 0)
		got = w->counters.client_parses;
	else if (strcmp(key, "sp") == 0)
		got = w->counters.server_parses;
	else if (strcmp(key, "b") == 0)
		got = w->counters.binds;
	else
		ck_abort_msg("bad check key %s", key);
	ck_assert_msg(got == want, "step %zu: %s is %lu, want %lu", step, key, got, want);
}

static void checks(struct world *w, const char *arg, size_t step)
{
	char copy[256];
	snprintf(copy, sizeof copy, "%s", arg);
	for (char *save, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		check_one(w, tok, step);
}

static int run_step(struct world *w, const struct fstep *s, size_t i)
{
	switch (s->op) {
	case 'c':
		return client_step(w, s->at, s->arg);
	case 's':
		return server_step(w, s->at, s->arg);
	case 'q':
		return unlinked_step(w, s->at, s->arg);
	case 'l':
		prepared_server_link(&w->servers[s->at], &w->clients[s->want]);
		w->linked[s->at] = s->want;
		return s->want;
	case 'u':
		ps_queue_unlink(&w->servers[s->at].queue);
		w->linked[s->at] = -1;
		return s->want;
	case 'L':
		w->clients[s->at].max_bytes = (size_t)s->want;
		return s->want;
	case 'o': {
		struct pg_frame f = ps_test_server_msg(s->arg);
		ps_queue_own_command_complete(&w->servers[s->at].queue, &f);
		msg_frame_free(&f);
		return s->want;
	}
	case 'x':
		ps_client_fini(&w->clients[s->at]);
		ps_client_init(&w->clients[s->at], w->reg, SIZE_MAX);
		return s->want;
	case '?':
		checks(w, s->arg, i);
		return s->want;
	}
	ck_abort_msg("bad op %c", s->op);
	return -1;
}

static void run_script(struct world *w, const char *name, const struct fstep *steps)
{
	struct msg_text t;
	for (size_t i = 0; steps[i].op; i++) {
		const struct fstep *s = &steps[i];
		pg_buf_reset(&w->to_server);
		pg_buf_reset(&w->to_client);
		int got = run_step(w, s, i);
		ck_assert_msg(got == s->want, "%s, step %zu (%c %s): got %d, want %d", name, i,
			      s->op, s->arg ? s->arg : "", got, s->want);
		ps_test_render(&t, &w->to_server, true);
		ck_assert_msg(strcmp(t.s, s->to_server) == 0, "%s, step %zu (%c %s): server got '%s', want '%s'",
			      name, i, s->op, s->arg ? s->arg : "", t.s, s->to_server);
		ps_test_render(&t, &w->to_client, false);
		ck_assert_msg(strcmp(t.s, s->to_client) == 0, "%s, step %zu (%c %s): client got '%s', want '%s'",
			      name, i, s->op, s->arg ? s->arg : "", t.s, s->to_client);
	}
}

START_TEST(test_script)
{
	struct world w;
	world_init(&w);
	run_script(&w, scripts[_i].name, scripts[_i].steps);
	world_fini(&w);
}
END_TEST

/* Server 1 opened while statements were not tracked (session pooling, or
 * max_prepared_statements 0, before a reload): the names client 0 has
 * from server 0 are left to it as they are, and its set stays empty. */
static const struct fstep untracked[] = {
	SETUP_S1, { 'u', 0, NULL, 0, "", "" }, { 'l', 1, NULL, 0, "", "" },
	{ 'c', 1, "B s1", FWD, "", "" }, { 'c', 1, "D S s1", FWD, "", "" },
	{ 'c', 1, "C S s1", FWD, "", "" }, { 'c', 1, "Q DEALLOCATE s1", FWD, "", "" },
	{ 'c', 1, "P s2 select 2", FWD, "", "" },
	{ '?', 0, "s1=0 n0=1 k0:s1=1 q1=5", 0, "", "" }, END,
};

START_TEST(test_untracked_server)
{
	struct world w;
	world_init(&w);
	prepared_server_fini(&w.servers[1]);
	prepared_server_init(&w.servers[1], w.reg, 0);
	run_script(&w, "untracked server", untracked);
	world_fini(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prepared");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_script, 0, N(scripts));
	tcase_add_test(tc, test_untracked_server);
	suite_add_tcase(s, tc);
	return msg_run_suite(s);
}
