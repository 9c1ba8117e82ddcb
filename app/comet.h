/* comet: the chat endpoints, where the synchronous app meets push. A
 * worker never holds a browser's long-lived connection: it authorizes a
 * subscriber against the database and hands the connection to nginx's
 * nchan location with X-Accel-Redirect, and it publishes what it stored
 * with one bounded POST to nchan (publish.h). The user is the user= query
 * parameter (a stand-in for a real session; see docs/app.md), a channel
 * name is params_name_ok's, and the channels and members tables say who
 * may do what.
 *   GET  /events/<channel>?user=U      200 + X-Accel-Redirect to the
 *                                      events-location (nginx holds the
 *                                      EventSource or long-poll), 403, 404
 *   GET  /messages/<channel>?user=U&since=ID
 *                                      200: JSON array of up to 100
 *                                      messages with id > ID, oldest first
 *   POST /messages/<channel>?user=U    body: the text; stored, then
 *                                      pushed: 201 (pushed) or 202 (stored,
 *                                      push failed), the message as JSON;
 *                                      400 for a text params_message_ok
 *                                      refuses
 * 403: not a member (or no user=); 404: no such channel; 503: the
 * database failed. */
#ifndef CORRAL_APP_COMET_H
#define CORRAL_APP_COMET_H

struct evhttp_request;
struct handlers;

/* channel: the request path after "/events/", not yet checked. */
void comet_on_events(struct handlers *h, struct evhttp_request *req, const char *channel);

/* channel: the request path after "/messages/", not yet checked. GET and
 * HEAD read the history, POST posts. */
void comet_on_messages(struct handlers *h, struct evhttp_request *req, const char *channel);

#endif
