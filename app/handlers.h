/* handlers: corral-app's HTTP endpoints, run one at a time by a worker's
 * evhttp loop. They use the TechEmpower Framework Benchmarks semantics:
 *   /json /plaintext               no database
 *   /db                            one random world row
 *   /queries?queries=N             N rows, one statement each (N in 1..500)
 *   /updates?queries=N             N distinct rows read, then written back
 *                                  with new numbers in one transaction
 *   /fortunes                      the fortune table plus one row added
 *                                  now, sorted by message, HTML-escaped
 * and two of the app's own:
 *   /healthz                       200 when the database answers
 *   /files/<name>                  the files table says whether <name> may
 *                                  be downloaded: 200 with X-Accel-Redirect
 *                                  (nginx sends the file), 403, or 404
 * and the chat's (comet.h): /events/<channel>, /messages/<channel>.
 * Only /messages/ takes POST; any other POST is a 405.
 * Any database failure is a 503 with Retry-After; nothing here exits. */
#ifndef CORRAL_APP_HANDLERS_H
#define CORRAL_APP_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/db.h"
#include "app/publish.h"
#include "app/settings.h"

struct evhttp_request;

/* Owned by the worker, one per process. */
struct handlers {
	struct db db;                /* the worker's one connection */
	uint64_t rng;                /* xorshift64* state, never 0 */
	int retry_after_s;
	char *files_location;        /* owned copy of the setting */
	char *events_location;       /* owned copy of the setting */
	struct publish publish;      /* where stored chat messages are pushed */
	bool draining;               /* set by the worker: answers close their connection */
	unsigned long requests;      /* requests started, for the worker's drain */
};

/* Copy what the endpoints need from s; seed the random numbers (any value,
 * e.g. from the pid). Does not connect. Pair with handlers_fini. */
void handlers_init(struct handlers *h, const struct app_settings *s, uint64_t seed);
void handlers_fini(struct handlers *h);

/* evhttp's callback for every request (evhttp_set_gencb); arg is the
 * struct handlers. Always answers. */
void handlers_on_request(struct evhttp_request *req, void *arg);

/* Send the request's output buffer with the headers every answer has.
 * content_type NULL: none (nginx then picks one, as for X-Accel-Redirect). */
void handlers_reply(struct handlers *h, struct evhttp_request *req, int code, const char *reason,
		    const char *content_type);

/* Answer with text as a text/plain body. */
void handlers_reply_text(struct handlers *h, struct evhttp_request *req, int code,
			 const char *reason, const char *text);

/* The database failed (the reason in h->db.error): 503 with Retry-After,
 * the reason in the log, not in the answer (it may name hosts and users).
 * Whatever the output buffer held is dropped. */
void handlers_unavailable(struct handlers *h, struct evhttp_request *req);

#endif
