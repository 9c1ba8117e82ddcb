/* corral: event loop, signals and reload around the config snapshot (see
 * corral.h). Listeners and pools join this struct as the pooler lands. */
#include "pooler/corral.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>

#include "config/cfg.h"
#include "pooler/log.h"

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

int corral_reload(struct corral *c)
{
	struct cfg *next = NULL;
	struct cfg_error err;
	if (cfg_load(c->opts.config_path, &next, &err) != 0) {
		char msg[sizeof err.file + sizeof err.msg + 32];
		cfg_error_format(&err, msg, sizeof msg);
		log_error("reload failed, keeping the running configuration: %s", msg);
		return -1;
	}
	size_t changes = cfg_diff(c->cfg, next, log_change, NULL);
	log_info("reload: %s read, %zu change%s", c->opts.config_path, changes,
		 changes == 1 ? "" : "s");
	if (apply_log_settings(&c->opts, next) != 0)
		log_error("reload: cannot open logfile '%s': %m; logging continues as before",
			  next->settings.logfile);
	cfg_free(c->cfg);
	c->cfg = next;
	return 0;
}

static void corral_on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct corral *c = arg;
	log_info("got %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(c->base);
}

static void corral_on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct corral *c = arg;
	log_info("got SIGHUP, reloading %s", c->opts.config_path);
	corral_reload(c);
}

int corral_init(struct corral *c, const struct corral_options *opts, struct cfg *cfg,
		char *why, size_t why_size)
{
	memset(c, 0, sizeof *c);
	c->opts = *opts;
	c->cfg = cfg;
	if (apply_log_settings(opts, cfg) != 0) {
		snprintf(why, why_size, "cannot open logfile '%s': %s", cfg->settings.logfile,
			 strerror(errno));
		return -1;
	}
	c->base = event_base_new();
	if (c->base == NULL) {
		snprintf(why, why_size, "cannot create the event loop (libevent)");
		return -1;
	}
	c->on_sigint = evsignal_new(c->base, SIGINT, corral_on_stop_signal, c);
	c->on_sigterm = evsignal_new(c->base, SIGTERM, corral_on_stop_signal, c);
	c->on_sighup = evsignal_new(c->base, SIGHUP, corral_on_sighup, c);
	if (!c->on_sigint || !c->on_sigterm || !c->on_sighup || evsignal_add(c->on_sigint, NULL) ||
	    evsignal_add(c->on_sigterm, NULL) || evsignal_add(c->on_sighup, NULL)) {
		snprintf(why, why_size, "cannot install signal handlers (libevent)");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int corral_run(struct corral *c)
{
	log_info("corral ready: %zu database%s configured, pid %d; pooling is not served yet",
		 c->cfg->database_count, c->cfg->database_count == 1 ? "" : "s", (int)getpid());
	if (event_base_dispatch(c->base) == -1) {
		log_error("event loop failed");
		return 1;
	}
	return 0;
}

void corral_fini(struct corral *c)
{
	if (c->on_sigint)
		event_free(c->on_sigint);
	if (c->on_sigterm)
		event_free(c->on_sigterm);
	if (c->on_sighup)
		event_free(c->on_sighup);
	if (c->base)
		event_base_free(c->base);
	cfg_free(c->cfg);
	memset(c, 0, sizeof *c);
}
