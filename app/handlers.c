/* handlers: routing and the endpoints (see handlers.h). Every answer goes
 * through handlers_reply(), which adds the headers common to all of them;
 * every database failure goes through handlers_unavailable(). The chat
 * endpoints live in comet.c. */
#include "app/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app/app_log.h"
#include "app/comet.h"
#include "app/html.h"
#include "app/params.h"
#include "util/xalloc.h"

/* The world table holds ids 1..WORLD_ROWS. */
#define WORLD_ROWS 10000

/* The row /fortunes adds to what the table holds, at request time. */
#define EXTRA_FORTUNE "A fortune added while this request was served."

void handlers_init(struct handlers *h, const struct app_settings *s, uint64_t seed)
{
	*h = (struct handlers){
		.rng = seed != 0 ? seed : 0x9e3779b97f4a7c15u,
		.retry_after_s = s->retry_after_s,
		.files_location = xstrdup(s->files_location),
		.events_location = xstrdup(s->events_location),
	};
	db_init(&h->db, s->dsn, s->db_timeout_ms);
	publish_init(&h->publish, s->publish_url, s->publish_timeout_ms);
}

void handlers_fini(struct handlers *h)
{
	db_fini(&h->db);
	publish_fini(&h->publish);
	free(h->files_location);
	free(h->events_location);
	h->files_location = h->events_location = NULL;
}

/* A uniform-enough number in 1..WORLD_ROWS (xorshift64*). */
static int random_row(struct handlers *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return 1 + (int)((h->rng * 0x2545f4914f6cdd1du) >> 33) % WORLD_ROWS;
}

void handlers_reply(struct handlers *h, struct evhttp_request *req, int code, const char *reason,
		    const char *content_type)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
	evhttp_add_header(headers, "Server", "corral-app");
	if (content_type != NULL)
		evhttp_add_header(headers, "Content-Type", content_type);
	/* A draining worker is about to exit: tell the peer (nginx) not to
	 * send another request on this connection. */
	if (h->draining)
		evhttp_add_header(headers, "Connection", "close");
	evhttp_send_reply(req, code, reason, NULL);
}

void handlers_reply_text(struct handlers *h, struct evhttp_request *req, int code,
			 const char *reason, const char *text)
{
	evbuffer_add(evhttp_request_get_output_buffer(req), text, strlen(text));
	handlers_reply(h, req, code, reason, "text/plain; charset=utf-8");
}

void handlers_unavailable(struct handlers *h, struct evhttp_request *req)
{
	char seconds[16], body[128];
	app_log("%s: 503: %s", evhttp_request_get_uri(req), h->db.error);
	snprintf(seconds, sizeof seconds, "%d", h->retry_after_s);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", seconds);
	evbuffer_drain(evhttp_request_get_output_buffer(req),
		       evbuffer_get_length(evhttp_request_get_output_buffer(req)));
	snprintf(body, sizeof body, "the database is busy or unreachable; retry in %d s\n",
		 h->retry_after_s);
	handlers_reply_text(h, req, 503, "Service Unavailable", body);
}

/* Read world row id into *number. Returns 0, or -1 with db.error set. */
static int fetch_world(struct handlers *h, int id, int *number)
{
	char text[16];
	snprintf(text, sizeof text, "%d", id);
	const char *const params[] = { text };
	PGresult *r = db_exec(&h->db, DB_WORLD_SELECT, params);
	if (r == NULL)
		return -1;
	int rows = PQntuples(r);
	if (rows == 1)
		*number = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (rows != 1) {
		snprintf(h->db.error, sizeof h->db.error, "world row %d is missing", id);
		return -1;
	}
	return 0;
}

static void add_world_json(struct evbuffer *out, int id, int number)
{
	evbuffer_add_printf(out, "{\"id\":%d,\"randomNumber\":%d}", id, number);
}

static void on_json(struct handlers *h, struct evhttp_request *req, const char *query)
{
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "{\"message\":\"Hello, World!\"}");
	handlers_reply(h, req, 200, "OK", "application/json");
}

static void on_plaintext(struct handlers *h, struct evhttp_request *req, const char *query)
{
	handlers_reply_text(h, req, 200, "OK", "Hello, World!");
}

static void on_db(struct handlers *h, struct evhttp_request *req, const char *query)
{
	int id = random_row(h), number;
	if (fetch_world(h, id, &number) != 0) {
		handlers_unavailable(h, req);
		return;
	}
	add_world_json(evhttp_request_get_output_buffer(req), id, number);
	handlers_reply(h, req, 200, "OK", "application/json");
}

static void on_queries(struct handlers *h, struct evhttp_request *req, const char *query)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	int n = params_queries(query);
	evbuffer_add(out, "[", 1);
	for (int i = 0; i < n; i++) {
		int id = random_row(h), number;
		if (fetch_world(h, id, &number) != 0) {
			handlers_unavailable(h, req);
			return;
		}
		if (i > 0)
			evbuffer_add(out, ",", 1);
		add_world_json(out, id, number);
	}
	evbuffer_add(out, "]", 1);
	handlers_reply(h, req, 200, "OK", "application/json");
}

struct world_row {
	int id;
	int number;
};

static int by_id(const void *a, const void *b)
{
	const struct world_row *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* "{a,b,c}" of the ids (numbers: false) or of the numbers (true) of rows. */
static char *int_array(const struct world_row *rows, int n, bool numbers)
{
	char *text = xmalloc((size_t)n * 12 + 3), *p = text;
	*p++ = '{';
	for (int i = 0; i < n; i++)
		p += sprintf(p, i > 0 ? ",%d" : "%d", numbers ? rows[i].number : rows[i].id);
	*p++ = '}';
	*p = '\0';
	return text;
}

/* Write rows (sorted by id) back in one transaction: lock them in id
 * order, update them with one statement. Returns 0, or -1 with db.error
 * set and the transaction ended. */
static int write_world(struct handlers *h, const struct world_row *rows, int n)
{
	char *ids = int_array(rows, n, false), *numbers = int_array(rows, n, true);
	const char *const lock_params[] = { ids };
	const char *const update_params[] = { ids, numbers };
	PGresult *r = NULL;
	int rc = -1;
	if (db_command(&h->db, "BEGIN") != 0)
		goto out;
	if ((r = db_exec(&h->db, DB_WORLD_LOCK, lock_params)) == NULL)
		goto abort;
	PQclear(r);
	if ((r = db_exec(&h->db, DB_WORLD_UPDATE, update_params)) == NULL)
		goto abort;
	PQclear(r);
	if (db_command(&h->db, "COMMIT") == 0)
		rc = 0;
	goto out;
abort:
	db_abort_transaction(&h->db);
out:
	free(ids);
	free(numbers);
	return rc;
}

/* Fill rows[0..n) with distinct random ids and their current numbers,
 * then give each a new number. Returns 0, or -1 with db.error set. */
static int pick_and_change(struct handlers *h, struct world_row *rows, int n)
{
	unsigned char seen[WORLD_ROWS / 8 + 1] = { 0 };
	for (int i = 0; i < n; i++) {
		int id;
		do
			id = random_row(h);
		while (seen[id / 8] & (1u << (id % 8)));
		seen[id / 8] |= (unsigned char)(1u << (id % 8));
		rows[i].id = id;
		if (fetch_world(h, id, &rows[i].number) != 0)
			return -1;
		rows[i].number = random_row(h);
	}
	return 0;
}

static void on_updates(struct handlers *h, struct evhttp_request *req, const char *query)
{
	int n = params_queries(query);
	struct world_row *rows = xcalloc((size_t)n, sizeof *rows);
	struct world_row *sorted = xcalloc((size_t)n, sizeof *sorted);
	if (pick_and_change(h, rows, n) != 0)
		goto fail;
	memcpy(sorted, rows, (size_t)n * sizeof *rows);
	qsort(sorted, (size_t)n, sizeof *sorted, by_id);
	if (write_world(h, sorted, n) != 0)
		goto fail;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	evbuffer_add(out, "[", 1);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		add_world_json(out, rows[i].id, rows[i].number);
	}
	evbuffer_add(out, "]", 1);
	handlers_reply(h, req, 200, "OK", "application/json");
	goto out;
fail:
	handlers_unavailable(h, req);
out:
	free(rows);
	free(sorted);
}

struct fortune {
	const char *id;
	const char *message;
};

/* Byte order, which for UTF-8 is code point order. */
static int by_message(const void *a, const void *b)
{
	const struct fortune *x = a, *y = b;
	return strcmp(x->message, y->message);
}

/* The page for sorted fortunes. Returns 0, or -1 when the buffer refused
 * bytes. */
static int fortunes_html(struct evbuffer *out, const struct fortune *f, int n)
{
	evbuffer_add_printf(out, "<!DOCTYPE html><html><head><title>Fortunes</title></head><body>"
				 "<table><tr><th>id</th><th>message</th></tr>");
	for (int i = 0; i < n; i++) {
		evbuffer_add_printf(out, "<tr><td>%s</td><td>", f[i].id);
		if (html_escape_append(out, f[i].message, strlen(f[i].message)) != 0)
			return -1;
		evbuffer_add_printf(out, "</td></tr>");
	}
	return evbuffer_add_printf(out, "</table></body></html>") < 0 ? -1 : 0;
}

static void on_fortunes(struct handlers *h, struct evhttp_request *req, const char *query)
{
	PGresult *r = db_exec(&h->db, DB_FORTUNES, NULL);
	if (r == NULL) {
		handlers_unavailable(h, req);
		return;
	}
	int n = PQntuples(r);
	struct fortune *f = xcalloc((size_t)n + 1, sizeof *f);
	for (int i = 0; i < n; i++)
		f[i] = (struct fortune){ PQgetvalue(r, i, 0), PQgetvalue(r, i, 1) };
	f[n] = (struct fortune){ "0", EXTRA_FORTUNE };
	qsort(f, (size_t)n + 1, sizeof *f, by_message);
	if (fortunes_html(evhttp_request_get_output_buffer(req), f, n + 1) == 0)
		handlers_reply(h, req, 200, "OK", "text/html; charset=utf-8");
	else
		evhttp_send_error(req, 500, NULL);
	free(f);
	PQclear(r);
}

static void on_healthz(struct handlers *h, struct evhttp_request *req, const char *query)
{
	PGresult *r = db_exec(&h->db, DB_HEALTH, NULL);
	if (r == NULL) {
		handlers_unavailable(h, req);
		return;
	}
	PQclear(r);
	handlers_reply_text(h, req, 200, "OK", "ok\n");
}

/* /files/<name>: the app decides, nginx sends (X-Accel-Redirect to the
 * internal location); the app never opens the file. */
static void on_file(struct handlers *h, struct evhttp_request *req, const char *name)
{
	if (!params_file_name_ok(name)) {
		handlers_reply_text(h, req, 404, "Not Found", "no such file\n");
		return;
	}
	const char *const params[] = { name };
	PGresult *r = db_exec(&h->db, DB_FILE_ALLOWED, params);
	if (r == NULL) {
		handlers_unavailable(h, req);
		return;
	}
	if (PQntuples(r) == 0) {
		handlers_reply_text(h, req, 404, "Not Found", "no such file\n");
	} else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		handlers_reply_text(h, req, 403, "Forbidden", "this file may not be downloaded\n");
	} else {
		char *target = xmalloc(strlen(h->files_location) + strlen(name) + 1);
		strcpy(stpcpy(target, h->files_location), name);
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Accel-Redirect", target);
		free(target);
		handlers_reply(h, req, 200, "OK", NULL);
	}
	PQclear(r);
}

/* A handler gets the query string (exact paths) or the rest of the path
 * after its prefix. */
typedef void handler_fn(struct handlers *h, struct evhttp_request *req, const char *arg);

static const struct {
	const char *path;
	handler_fn *fn;
} routes[] = {
	{ "/json", on_json },         { "/plaintext", on_plaintext }, { "/db", on_db },
	{ "/queries", on_queries },   { "/updates", on_updates },     { "/fortunes", on_fortunes },
	{ "/healthz", on_healthz },
};

static const struct {
	const char *prefix;
	handler_fn *fn;
	bool post;           /* POST is served as well as GET and HEAD */
} prefixed[] = {
	{ "/files/", on_file, false },
	{ "/events/", comet_on_events, false },
	{ "/messages/", comet_on_messages, true },
};

/* A POST to a path that only reads: 405 (evhttp lets POST through for
 * /messages/; PUT, DELETE and the rest it answers 501 itself). */
static void not_allowed(struct handlers *h, struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
	handlers_reply_text(h, req, 405, "Method Not Allowed", "only GET and HEAD here\n");
}

void handlers_on_request(struct evhttp_request *req, void *arg)
{
	struct handlers *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	bool post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	h->requests++;
	if (path == NULL) {
		handlers_reply_text(h, req, 400, "Bad Request", "bad request target\n");
		return;
	}
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (strcmp(path, routes[i].path) == 0) {
			if (post)
				not_allowed(h, req);
			else
				routes[i].fn(h, req, evhttp_uri_get_query(uri));
			return;
		}
	}
	for (size_t i = 0; i < sizeof prefixed / sizeof prefixed[0]; i++) {
		size_t len = strlen(prefixed[i].prefix);
		if (strncmp(path, prefixed[i].prefix, len) == 0) {
			if (post && !prefixed[i].post)
				not_allowed(h, req);
			else
				prefixed[i].fn(h, req, path + len);
			return;
		}
	}
	handlers_reply_text(h, req, 404, "Not Found", "not found\n");
}
