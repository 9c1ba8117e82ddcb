/* corral: the loop's state and its lifecycle: start (listeners, buffers,
 * tables), signals (SIGINT/SIGTERM stop, SIGHUP reload), the reaper that
 * frees closed connections at the end of a loop turn, and shutdown. */
#include "pooler/corral.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "config/cfg.h"
#include "pooler/admin.h"
#include "pooler/cancel.h"
#include "pooler/cancel_map.h"
#include "pooler/client.h"
#include "pooler/client_auth.h"
#include "pooler/listener.h"
#include "pooler/log.h"
#include "pooler/pool.h"
#include "pooler/ps_registry.h"
#include "pooler/scram_cache.h"
#include "pooler/server.h"

/* Free buffers kept for reuse: enough for a burst, bounded for memory. */
#define IOBUF_MAX_FREE 1024

struct corral_clock corral_clock;

static uint64_t read_clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t corral_clock_read_mono(void)
{
	corral_clock.mono_us = read_clock_us(CLOCK_MONOTONIC);
	corral_clock.have_mono = true;
	return corral_clock.mono_us;
}

uint64_t corral_clock_read_wall(void)
{
	corral_clock.wall_us = read_clock_us(CLOCK_REALTIME);
	corral_clock.have_wall = true;
	return corral_clock.wall_us;
}

void corral_event_add_us(struct event *ev, uint64_t us)
{
	struct timeval tv = { .tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000) };
	event_add(ev, &tv);
}

/* Point the log sink at what the command line and cfg ask for. */
static int apply_log_settings(const struct corral_options *opts, const struct cfg *cfg)
{
	const struct cfg_settings *s = &cfg->settings;
	char facility[CFG_SETTING_FMT_SIZE];
	struct log_options lo = {
		.quiet = opts->quiet,
		.verbose = opts->verbose + s->verbose,
		.logfile = s->logfile,
		.syslog = s->syslog,
		.syslog_ident = s->syslog_ident,
		.syslog_facility = cfg_setting_format(s, cfg_setting_find("syslog_facility"), facility),
	};
	return log_configure(&lo);
}

static void log_change(void *ctx, const struct cfg_change *change)
{
	char line[1024];
	cfg_change_describe(change, line, sizeof line);
	if (change->needs_restart)
		log_warning("reload: %s; the running value stays until corral restarts", line);
	else
		log_info("reload: %s", line);
}

/* What changed in c->cfg takes effect: log sink, listeners' options,
 * packet limit, every pool's settings. */
static void apply_config(struct corral *c)
{
	const struct cfg_settings *s = &c->cfg->settings;
	if (apply_log_settings(&c->opts, c->cfg) != 0)
		log_error("reload: cannot open logfile '%s': %m; logging continues as before",
			  s->logfile);
	if (c->listeners)
		listener_set_update(c->listeners, s);
	c->env.max_packet_size = (uint32_t)s->max_packet_size;
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &c->pools)
		pool_reconfigure(list_entry(n, struct pool, node));
}

int corral_reload(struct corral *c, char *why, size_t why_size)
{
	struct cfg *next = NULL;
	struct cfg_error err;
	if (cfg_load(c->opts.config_path, &next, &err) != 0) {
		cfg_error_format(&err, why, why_size);
		log_error("reload failed, keeping the running configuration: %s", why);
		return -1;
	}
	if (corral_reload_tls(c, next, why, why_size) != 0) {
		log_error("reload failed, keeping the running configuration: %s", why);
		cfg_free(next);
		return -1;
	}
	size_t changes = cfg_diff(c->cfg, next, log_change, NULL);
	log_info("reload: %s read, %zu change%s", c->opts.config_path, changes,
		 changes == 1 ? "" : "s");
	/* The old snapshot goes last: the log sink may point into it until then. */
	struct cfg *old = c->cfg;
	c->cfg = next;
	apply_config(c);
	cfg_free(old);
	return 0;
}

void corral_replace_settings(struct corral *c, struct cfg_settings *next)
{
	struct cfg_settings old = c->cfg->settings;
	c->cfg->settings = *next;
	apply_config(c);
	cfg_settings_fini(&old);
}

int corral_reload_tls(struct corral *c, const struct cfg *cfg, char *why, size_t why_size)
{
	struct tls_contexts next;
	if (tls_contexts_load(&next, &cfg->settings, client_auth_uses_cert(cfg), why, why_size) != 0)
		return -1;
	tls_contexts_fini(&c->tls);
	c->tls = next;
	return 0;
}

/* How long a SIGINT shutdown waits for transactions in progress. */
#define SHUTDOWN_WAIT_SECONDS 60

static void corral_on_shutdown_timeout(evutil_socket_t fd, short what, void *arg)
{
	log_warning("transactions still running after %d s; exiting anyway", SHUTDOWN_WAIT_SECONDS);
	event_base_loopbreak(((struct corral *)arg)->base);
}

static void close_list(struct list_node *list, bool only_clean)
{
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, list) {
		struct client *cl = list_entry(n, struct client, node);
		if (!only_clean || server_is_clean(cl->server))
			client_fatal(cl, "57P01", "corral is shutting down");
	}
}

/* SIGINT: stop accepting, close what is not inside a transaction, let the
 * rest finish (corral_shutdown_check exits once they have). */
static void begin_shutdown(struct corral *c)
{
	c->shutting_down = true;
	/* Closed, not paused: the kernel would still complete connections into
	 * the backlog and leave those clients hanging. */
	listener_set_close(c->listeners);
	c->listeners = NULL;
	close_list(&c->login_clients, false);
	struct list_node *n, *tmp, *m, *mtmp;
	list_for_each_safe(n, tmp, &c->pools) {
		struct pool *p = list_entry(n, struct pool, node);
		if (p->console)
			continue;  /* operators watch the shutdown from the console */
		close_list(&p->welcome_clients, false);
		close_list(&p->idle_clients, false);
		close_list(&p->waiting_clients, false);
		close_list(&p->active_clients, true);   /* session mode between transactions */
		list_for_each_safe(m, mtmp, &p->idle_servers)
			server_close(list_entry(m, struct server, node), "corral is shutting down");
	}
	c->shutdown_timer = evtimer_new(c->base, corral_on_shutdown_timeout, c);
	struct timeval tv = { .tv_sec = SHUTDOWN_WAIT_SECONDS };
	event_add(c->shutdown_timer, &tv);
	corral_shutdown_check(c);
}

/* Clients other than console sessions. */
static int app_client_count(const struct corral *c)
{
	int n = c->client_count;
	const struct list_node *it;
	for (it = c->pools.next; it != &c->pools; it = it->next) {
		const struct pool *p = list_entry(it, struct pool, node);
		if (p->console)
			n -= p->client_count;
	}
	return n;
}

void corral_shutdown_check(struct corral *c)
{
	if (c->wait_for_clients && app_client_count(c) == 0) {
		log_info("SHUTDOWN WAIT_FOR_CLIENTS: no client left; exiting");
		event_base_loopbreak(c->base);
		return;
	}
	if (!c->shutting_down)
		return;
	struct list_node *n, *tmp;
	list_for_each_safe(n, tmp, &c->pools)
		if (!list_empty(&list_entry(n, struct pool, node)->active_clients))
			return;
	log_info("no transaction left running; exiting");
	event_base_loopbreak(c->base);
}

void corral_stop(struct corral *c, enum corral_stop_mode mode)
{
	switch (mode) {
	case CORRAL_STOP_NOW:
		log_info("SHUTDOWN: exiting now");
		event_base_loopbreak(c->base);
		break;
	case CORRAL_STOP_WAIT_FOR_SERVERS:
		log_info("SHUTDOWN WAIT_FOR_SERVERS: no new connections; waiting up to %d s for "
			 "transactions to finish", SHUTDOWN_WAIT_SECONDS);
		if (!c->shutting_down)
			begin_shutdown(c);
		break;
	case CORRAL_STOP_WAIT_FOR_CLIENTS:
		log_info("SHUTDOWN WAIT_FOR_CLIENTS: no new connections; exiting when the last "
			 "client leaves");
		c->wait_for_clients = true;
		/* Closed, not paused: the kernel would still queue connections. */
		listener_set_close(c->listeners);
		c->listeners = NULL;
		corral_shutdown_check(c);
		break;
	}
}

static void corral_on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct corral *c = arg;
	if (sig == SIGINT && !c->shutting_down) {
		log_info("got SIGINT: no new connections; waiting up to %d s for transactions to "
			 "finish (SIGINT again or SIGTERM to exit now)", SHUTDOWN_WAIT_SECONDS);
		begin_shutdown(c);
		return;
	}
	log_info("got %s, exiting now", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(c->base);
}

static void corral_on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct corral *c = arg;
	char why[512];
	log_info("got SIGHUP, reloading %s", c->opts.config_path);
	if (corral_reload(c, why, sizeof why) != 0)
		return;  /* logged with file:line; the running configuration stays */
}

static void corral_on_accept(void *ctx, int fd, const struct sockaddr *addr, socklen_t len,
			     bool is_unix)
{
	client_accept(ctx, fd, addr, is_unix);
}

static void reap(struct corral *c)
{
	struct list_node *n;
	while ((n = list_first(&c->dead_clients)) != NULL)
		client_free(list_entry(n, struct client, node));
	while ((n = list_first(&c->dead_servers)) != NULL)
		server_free(list_entry(n, struct server, node));
}

static void corral_on_reap(evutil_socket_t fd, short what, void *arg)
{
	reap(arg);
	corral_shutdown_check(arg);
}

void corral_schedule_reap(struct corral *c)
{
	event_active(c->reaper, EV_TIMEOUT, 0);
}

/* libevent (and evdns) speak through our log, not bare stderr lines. */
static void corral_on_libevent_log(int severity, const char *msg)
{
	enum log_level level = severity >= EVENT_LOG_ERR ? LOG_LVL_ERROR
			     : severity == EVENT_LOG_WARN ? LOG_LVL_WARNING : LOG_LVL_DEBUG;
	log_msg(level, "libevent: %s", msg);
}

/* Events and tables that exist before the first client. */
static int start_loop(struct corral *c, char *why, size_t why_size)
{
	const struct cfg_settings *s = &c->cfg->settings;
	event_set_log_callback(corral_on_libevent_log);
	c->base = event_base_new();
	if (c->base == NULL)
		return snprintf(why, why_size, "cannot create the event loop (libevent)"), -1;
	c->on_sigint = evsignal_new(c->base, SIGINT, corral_on_stop_signal, c);
	c->on_sigterm = evsignal_new(c->base, SIGTERM, corral_on_stop_signal, c);
	c->on_sighup = evsignal_new(c->base, SIGHUP, corral_on_sighup, c);
	c->reaper = event_new(c->base, -1, 0, corral_on_reap, c);
	if (!c->on_sigint || !c->on_sigterm || !c->on_sighup || !c->reaper ||
	    evsignal_add(c->on_sigint, NULL) || evsignal_add(c->on_sigterm, NULL) ||
	    evsignal_add(c->on_sighup, NULL))
		return snprintf(why, why_size, "cannot install signal handlers (libevent)"), -1;
	signal(SIGPIPE, SIG_IGN);
	c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
					 EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (c->dns == NULL)
		log_warning("no DNS resolver configured (resolv.conf); [databases] hosts must be addresses");
	iobuf_pool_init(&c->buffers, (uint32_t)s->pkt_buf, IOBUF_MAX_FREE);
	c->env.base = c->base;
	c->env.buffers = &c->buffers;
	c->env.max_packet_size = (uint32_t)s->max_packet_size;
	if (session_param_set_init(&c->tracked, s->track_extra_parameters, why, why_size) != 0)
		return -1;
	c->scram = scram_cache_new(SCRAM_CACHE_DEFAULT_CAPACITY, NULL, NULL);
	c->cancel = cancel_map_new();
	struct ps_hash_key key;
	if (RAND_bytes((unsigned char *)&key, sizeof key) != 1)
		return snprintf(why, why_size, "no randomness for the prepared statement table"), -1;
	c->prepared = ps_registry_new(&key);
	pg_buf_init(&c->ps_to_server);
	pg_buf_init(&c->ps_to_client);
	c->admin = admin_new(c);
	return 0;
}

/* Make room for max_client_conn plus the servers; warn when we cannot. */
static void raise_fd_limit(const struct cfg *cfg)
{
	const struct cfg_settings *s = &cfg->settings;
	long needed = (long)s->max_client_conn + (long)s->default_pool_size * 4 + 64;
	char why[256];
	long got = listener_raise_fd_limit(needed, why, sizeof why);
	if (got < 0)
		log_warning("%s", why);
	else if (got < needed)
		log_warning("max_client_conn %d needs about %ld file descriptors, only %ld are "
			    "allowed; raise the hard limit (ulimit -Hn, LimitNOFILE)",
			    s->max_client_conn, needed, got);
}

int corral_init(struct corral *c, const struct corral_options *opts, struct cfg *cfg,
		char *why, size_t why_size)
{
	memset(c, 0, sizeof *c);
	c->opts = *opts;
	c->cfg = cfg;
	list_init(&c->pools);
	list_init(&c->login_clients);
	list_init(&c->dead_clients);
	list_init(&c->dead_servers);
	list_init(&c->cancels);
	if (apply_log_settings(opts, cfg) != 0) {
		snprintf(why, why_size, "cannot open logfile '%s': %s", cfg->settings.logfile,
			 strerror(errno));
		return -1;
	}
	if (start_loop(c, why, why_size) != 0 ||
	    tls_contexts_load(&c->tls, &cfg->settings, client_auth_uses_cert(cfg), why,
			      why_size) != 0)
		return -1;
	raise_fd_limit(cfg);
	if (listener_set_open(&c->listeners, c->base, &cfg->settings, corral_on_accept, c, why,
			      why_size) != 0)
		return -1;
	for (size_t i = 0; i < listener_set_count(c->listeners); i++)
		log_info("listening on %s", listener_set_name(c->listeners, i));
	return 0;
}

int corral_run(struct corral *c)
{
	log_info("corral %s ready: %zu database%s configured, pid %d", PACKAGE_VERSION,
		 c->cfg->database_count, c->cfg->database_count == 1 ? "" : "s", (int)getpid());
	/* One turn at a time, so that each starts with a fresh clock. */
	for (;;) {
		corral_clock_tick();
		int rc = event_base_loop(c->base, EVLOOP_ONCE);
		if (rc == -1) {
			log_error("event loop failed");
			return 1;
		}
		if (rc == 1 || event_base_got_break(c->base) || event_base_got_exit(c->base))
			return 0;
	}
}

/* Close every connection (clients first, so servers see them leave). */
static void close_all(struct corral *c)
{
	struct list_node *n, *tmp, *m, *mtmp;
	c->shutting_down = true;  /* no replacement servers (min_pool_size) */
	list_for_each_safe(n, tmp, &c->login_clients)
		client_close(list_entry(n, struct client, node), "corral is shutting down");
	list_for_each_safe(n, tmp, &c->pools) {
		struct pool *p = list_entry(n, struct pool, node);
		struct list_node *client_lists[] = { &p->welcome_clients, &p->idle_clients,
						     &p->waiting_clients, &p->active_clients };
		for (size_t i = 0; i < sizeof client_lists / sizeof client_lists[0]; i++)
			list_for_each_safe(m, mtmp, client_lists[i])
				client_fatal(list_entry(m, struct client, node), "57P01",
					     "corral is shutting down");
		struct list_node *server_lists[] = { &p->idle_servers, &p->active_servers,
						     &p->opening_servers };
		for (size_t i = 0; i < sizeof server_lists / sizeof server_lists[0]; i++)
			list_for_each_safe(m, mtmp, server_lists[i])
				server_close(list_entry(m, struct server, node), "corral is shutting down");
	}
	reap(c);
	cancel_free_all(c);  /* they refer to pools */
	while ((n = list_first(&c->pools)) != NULL)
		pool_free(list_entry(n, struct pool, node));
}

void corral_fini(struct corral *c)
{
	if (c->base)
		close_all(c);
	listener_set_close(c->listeners);
	if (c->dns)
		evdns_base_free(c->dns, 1);
	struct event *events[] = { c->on_sigint, c->on_sigterm, c->on_sighup, c->reaper,
				   c->shutdown_timer };
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (events[i])
			event_free(events[i]);
	admin_free(c->admin);
	cancel_map_free(c->cancel);
	if (c->prepared)
		ps_registry_free(c->prepared);
	pg_buf_fini(&c->ps_to_server);
	pg_buf_fini(&c->ps_to_client);
	scram_cache_free(c->scram);
	session_param_set_fini(&c->tracked);
	iobuf_pool_fini(&c->buffers);
	tls_contexts_fini(&c->tls);
	if (c->base)
		event_base_free(c->base);
	cfg_free(c->cfg);
	memset(c, 0, sizeof *c);
}
