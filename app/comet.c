/* comet: the chat endpoints (see comet.h). Each request costs a worker a
 * statement or two through corral and, for a post, one loopback POST to
 * nchan; then the worker is free again. The JSON comes from the database
 * (db.c's statements build it), so it is never assembled here. */
#include "app/comet.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app/app_log.h"
#include "app/handlers.h"
#include "app/params.h"
#include "util/xalloc.h"

enum access {
	ACCESS_MEMBER,
	ACCESS_DENIED,      /* no user, or not a member */
	ACCESS_NO_CHANNEL,
	ACCESS_DB_FAILED,   /* h->db.error says why */
};

/* The user= and since= of the request's query string (percent-decoded).
 * user gets "" when it is missing or not a name (params_name_ok). */
static void read_query(struct evhttp_request *req, char user[PARAMS_NAME_MAX + 1],
		       long long *since)
{
	struct evkeyvalq q;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	user[0] = '\0';
	*since = 0;
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return;
	const char *u = evhttp_find_header(&q, "user");
	if (u != NULL && params_name_ok(u))
		strcpy(user, u);
	*since = params_since(evhttp_find_header(&q, "since"));
	evhttp_clear_headers(&q);
}

/* What the database says of user (possibly "") in channel. */
static enum access check_access(struct handlers *h, const char *channel, const char *user)
{
	if (user[0] == '\0')
		return ACCESS_DENIED;
	const char *const params[] = { channel, user };
	PGresult *r = db_exec(&h->db, DB_CHANNEL_MEMBER, params);
	if (r == NULL)
		return ACCESS_DB_FAILED;
	enum access a = ACCESS_NO_CHANNEL;
	if (PQntuples(r) == 1)
		a = strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? ACCESS_MEMBER : ACCESS_DENIED;
	PQclear(r);
	return a;
}

/* Check the channel name, read the query and ask the database. Returns
 * true when user may go on; otherwise the request has been answered (404,
 * 403 or 503). */
static bool admit(struct handlers *h, struct evhttp_request *req, const char *channel,
		  char user[PARAMS_NAME_MAX + 1], long long *since)
{
	if (!params_name_ok(channel)) {
		handlers_reply_text(h, req, 404, "Not Found", "no such channel\n");
		return false;
	}
	read_query(req, user, since);
	switch (check_access(h, channel, user)) {
	case ACCESS_MEMBER:
		return true;
	case ACCESS_DENIED:
		handlers_reply_text(h, req, 403, "Forbidden", "not a member of this channel\n");
		return false;
	case ACCESS_NO_CHANNEL:
		handlers_reply_text(h, req, 404, "Not Found", "no such channel\n");
		return false;
	case ACCESS_DB_FAILED:
		break;
	}
	handlers_unavailable(h, req);
	return false;
}

void comet_on_events(struct handlers *h, struct evhttp_request *req, const char *channel)
{
	char user[PARAMS_NAME_MAX + 1];
	long long since;
	if (!admit(h, req, channel, user, &since))
		return;
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
	char *target = xmalloc(strlen(h->events_location) + strlen(channel) + 1);
	strcpy(stpcpy(target, h->events_location), channel);
	evhttp_add_header(headers, "X-Accel-Redirect", target);
	/* nginx must pass the stream on as it comes, not buffer it. */
	evhttp_add_header(headers, "X-Accel-Buffering", "no");
	free(target);
	handlers_reply(h, req, 200, "OK", NULL);
}

/* Answer the JSON text value of a one-row result with code, and clear r. */
static void reply_json(struct handlers *h, struct evhttp_request *req, PGresult *r, int code,
		       const char *reason)
{
	evbuffer_add(evhttp_request_get_output_buffer(req), PQgetvalue(r, 0, 0),
		     (size_t)PQgetlength(r, 0, 0));
	PQclear(r);
	handlers_reply(h, req, code, reason, "application/json");
}

static void history(struct handlers *h, struct evhttp_request *req, const char *channel,
		    long long since)
{
	char text[24];
	snprintf(text, sizeof text, "%lld", since);
	const char *const params[] = { channel, text };
	PGresult *r = db_exec(&h->db, DB_MESSAGE_HISTORY, params);
	if (r == NULL)
		handlers_unavailable(h, req);
	else
		reply_json(h, req, r, 200, "OK");
}

/* Store the request body as user's message in channel, then push it. The
 * message is in the database before anyone is told: a browser that
 * missed the push finds it in the history. */
static void post_message(struct handlers *h, struct evhttp_request *req, const char *channel,
			 const char *user)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *text = NULL;
	if (len <= PARAMS_MESSAGE_MAX) {
		text = xmalloc(len + 1);
		evbuffer_copyout(in, text, len);
		text[len] = '\0';
	}
	if (text == NULL || !params_message_ok(text, len)) {
		free(text);
		handlers_reply_text(h, req, 400, "Bad Request",
				    "a message is 1 to 2000 bytes of UTF-8 text\n");
		return;
	}
	const char *const params[] = { channel, user, text };
	PGresult *r = db_exec(&h->db, DB_MESSAGE_INSERT, params);
	free(text);
	if (r == NULL) {
		handlers_unavailable(h, req);
		return;
	}
	char why[256];
	const char *json = PQgetvalue(r, 0, 0);
	if (publish_post(&h->publish, channel, json, (size_t)PQgetlength(r, 0, 0), why,
			 sizeof why) == 0) {
		reply_json(h, req, r, 201, "Created");
		return;
	}
	app_log("/messages/%s: stored %s but could not push it: %s", channel, json, why);
	reply_json(h, req, r, 202, "Accepted");
}

void comet_on_messages(struct handlers *h, struct evhttp_request *req, const char *channel)
{
	char user[PARAMS_NAME_MAX + 1];
	long long since;
	if (!admit(h, req, channel, user, &since))
		return;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
		post_message(h, req, channel, user);
	else
		history(h, req, channel, since);
}
