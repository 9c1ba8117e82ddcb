/* worker: the event loop of one worker process (see worker.h). Owns the
 * event base, the evhttp server, the signal and timer events and the
 * handlers' state (with the database connection); all of it dies with
 * worker_run. */
#include "app/worker.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "app/app_log.h"
#include "app/handlers.h"

/* A draining worker exits once no request has started for this long: its
 * last answers have been written and nginx has dropped its connections. */
#define DRAIN_QUIET_MS 500
/* How often a draining worker looks. */
#define DRAIN_TICK_MS 100

struct worker {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;   /* NULL once draining */
	struct event *on_term;              /* SIGTERM */
	struct event *resume_accept;        /* re-enables accepting after one accept */
	struct event *drain_tick;
	struct handlers handlers;
	int drain_timeout_s;
	uint64_t drain_deadline_ms;
	uint64_t quiet_since_ms;
	unsigned long requests_seen;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* evhttp asks for a bufferevent for every accepted connection: the moment
 * to stop accepting until the loop has turned once. A worker that just
 * took a connection is likely to be busy with it; the connections queued
 * behind it go to idle siblings instead of waiting here. NULL: evhttp
 * makes its usual bufferevent. */
static struct bufferevent *worker_on_accept(struct event_base *base, void *arg)
{
	struct worker *w = arg;
	if (w->bound != NULL) {
		evconnlistener_disable(evhttp_bound_socket_get_listener(w->bound));
		event_active(w->resume_accept, 0, 0);
	}
	return NULL;
}

static void worker_on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	if (w->bound != NULL)
		evconnlistener_enable(evhttp_bound_socket_get_listener(w->bound));
}

static void worker_on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint64_t now = now_ms();
	if (w->handlers.requests != w->requests_seen) {
		w->requests_seen = w->handlers.requests;
		w->quiet_since_ms = now;
	}
	if (now - w->quiet_since_ms >= DRAIN_QUIET_MS || now >= w->drain_deadline_ms)
		event_base_loopbreak(w->base);
}

/* SIGTERM: stop accepting (the siblings and the next generation keep the
 * socket), answer what comes on open connections with Connection: close,
 * and start watching for quiet. */
static void worker_on_sigterm(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	const struct timeval tick = { 0, DRAIN_TICK_MS * 1000 };
	if (w->bound == NULL)
		return;
	evhttp_del_accept_socket(w->http, w->bound);
	w->bound = NULL;
	w->handlers.draining = true;
	w->quiet_since_ms = now_ms();
	w->requests_seen = w->handlers.requests;
	w->drain_deadline_ms = w->quiet_since_ms + (uint64_t)w->drain_timeout_s * 1000;
	event_add(w->drain_tick, &tick);
}

/* Signals as a worker wants them: SIGTERM through the loop, the master's
 * signals (SIGINT from a terminal's Ctrl-C reaches the whole group, SIGHUP)
 * ignored, SIGPIPE ignored (a peer that left is an error return). Returns
 * 0, or -1 when the master is already gone. */
static int worker_signals(pid_t master)
{
	sigset_t all;
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	/* A worker must not outlive its master, even one killed by SIGKILL. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != master)
		return -1;
	sigemptyset(&all);
	return sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Set up the loop and the server on listen_fd. Returns 0, or -1 (logged)
 * with whatever was made left for worker_free. */
static int worker_setup(struct worker *w, const struct app_settings *s, int listen_fd)
{
	w->drain_timeout_s = s->drain_timeout_s;
	handlers_init(&w->handlers, s, (uint64_t)getpid() * 0x9e3779b97f4a7c15u ^ (uint64_t)time(NULL));
	if ((w->base = event_base_new()) == NULL || (w->http = evhttp_new(w->base)) == NULL) {
		app_log("cannot create the event loop");
		return -1;
	}
	w->on_term = evsignal_new(w->base, SIGTERM, worker_on_sigterm, w);
	w->resume_accept = event_new(w->base, -1, 0, worker_on_resume_accept, w);
	w->drain_tick = event_new(w->base, -1, EV_PERSIST, worker_on_drain_tick, w);
	if (w->on_term == NULL || w->resume_accept == NULL || w->drain_tick == NULL ||
	    event_add(w->on_term, NULL) != 0) {
		app_log("cannot create the worker's events");
		return -1;
	}
	evhttp_set_timeout(w->http, s->idle_timeout_s);
	evhttp_set_max_headers_size(w->http, 16384);
	evhttp_set_max_body_size(w->http, 65536);
	/* POST only reaches /messages/ (the router answers 405 elsewhere). */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	/* No Content-Type unless a handler sets one: for X-Accel-Redirect
	 * nginx then types the file by its extension. */
	evhttp_set_default_content_type(w->http, NULL);
	evhttp_set_gencb(w->http, handlers_on_request, &w->handlers);
	evhttp_set_bevcb(w->http, worker_on_accept, w);
	if ((w->bound = evhttp_accept_socket_with_handle(w->http, listen_fd)) == NULL) {
		app_log("cannot accept on the listening socket");
		return -1;
	}
	return 0;
}

static void worker_free(struct worker *w)
{
	if (w->http != NULL)
		evhttp_free(w->http);
	if (w->on_term != NULL)
		event_free(w->on_term);
	if (w->resume_accept != NULL)
		event_free(w->resume_accept);
	if (w->drain_tick != NULL)
		event_free(w->drain_tick);
	handlers_fini(&w->handlers);
	if (w->base != NULL)
		event_base_free(w->base);
}

int worker_run(const struct app_settings *s, int listen_fd, pid_t master)
{
	struct worker w = { 0 };
	app_log_set_role("worker");
	if (worker_setup(&w, s, listen_fd) != 0 || worker_signals(master) != 0) {
		worker_free(&w);
		return 1;
	}
	/* Connect now, so the pooler sees every worker from the start; a
	 * failure only means the first request connects. */
	if (db_connect(&w.handlers.db) != 0)
		app_log("database not ready yet: %s", w.handlers.db.error);
	event_base_dispatch(w.base);
	worker_free(&w);
	return 0;
}
