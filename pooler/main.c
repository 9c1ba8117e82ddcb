/* main: corral's command line. Parses options, loads and validates the
 * configuration (printing file:line errors), then detaches, writes the
 * pidfile, switches user and hands over to the event loop in corral.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "pooler/corral.h"
#include "pooler/daemon.h"
#include "pooler/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"corral, a PostgreSQL connection pooler.\n\n"
		"Usage: corral [OPTION]... CONFIG_FILE\n\n"
		"  -d, --daemon      run in the background (needs logfile or syslog)\n"
		"  -q, --quiet       do not log to stderr\n"
		"  -v, --verbose     more logging; repeat for more\n"
		"  -u, --user=USER   switch to USER after start-up (when started as root)\n"
		"  -V, --version     print the version and exit\n"
		"  -h, --help        print this help and exit\n\n"
		"CONFIG_FILE is a PgBouncer-style ini file; see docs/config.md.\n");
}

/* Fills *opts from argv. Returns -1 to exit 0 (help, version printed),
 * 1 on a usage error (message printed), 0 to go on. */
static int parse_args(int argc, char **argv, struct corral_options *opts)
{
	static const struct option long_options[] = {
		{ "daemon", no_argument, NULL, 'd' },   { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },  { "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },  { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "dqvu:Vh", long_options, NULL)) != -1) {
		switch (ch) {
		case 'd': opts->daemonize = true; break;
		case 'q': opts->quiet = true; break;
		case 'v': opts->verbose++; break;
		case 'u': opts->user = optarg; break;
		case 'V': printf("corral %s\n", PACKAGE_VERSION); return -1;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "corral: %s\n", optind >= argc ? "no config file given" : "more than one config file given");
		usage(stderr);
		return 1;
	}
	opts->config_path = argv[optind];
	return 0;
}

/* Detach, pidfile, user switch: everything between a valid config and the
 * loop. Returns 0, or -1 after logging why. */
static int become_daemon(const struct corral_options *opts, const struct cfg *cfg)
{
	const struct cfg_settings *s = &cfg->settings;
	char why[512];
	if (opts->daemonize) {
		if (!s->logfile[0] && !s->syslog) {
			log_fatal("-d needs logfile or syslog in %s, or corral's log would go nowhere",
				  opts->config_path);
			return -1;
		}
		if (daemon_detach(why, sizeof why) != 0) {
			log_fatal("cannot run in the background: %s", why);
			return -1;
		}
	}
	if (s->pidfile[0] && daemon_write_pidfile(s->pidfile, why, sizeof why) != 0) {
		log_fatal("%s", why);
		return -1;
	}
	const char *user = opts->user ? opts->user : s->user;
	if (user[0] && daemon_switch_user(user, why, sizeof why) != 0) {
		log_fatal("%s", why);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct corral_options opts = { 0 };
	int rc = parse_args(argc, argv, &opts);
	if (rc != 0)
		return rc < 0 ? EXIT_SUCCESS : EXIT_FAILURE;

	struct cfg *cfg = NULL;
	struct cfg_error err;
	if (cfg_load(opts.config_path, &cfg, &err) != 0) {
		char msg[sizeof err.file + sizeof err.msg + 32];
		cfg_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "corral: configuration error: %s\n", msg);
		return EXIT_FAILURE;
	}
	struct corral c;
	char why[512];
	if (corral_init(&c, &opts, cfg, why, sizeof why) != 0) {
		fprintf(stderr, "corral: %s\n", why);
		corral_fini(&c);
		return EXIT_FAILURE;
	}
	log_info("configuration %s loaded", opts.config_path);
	rc = become_daemon(&opts, c.cfg) == 0 ? corral_run(&c) : EXIT_FAILURE;
	if (c.cfg->settings.pidfile[0])
		daemon_remove_pidfile(c.cfg->settings.pidfile);
	corral_fini(&c);
	log_shutdown();
	return rc;
}
