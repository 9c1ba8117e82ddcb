/* cfg_settings: the settings table and the one generic path that parses,
 * bounds-checks, stores and formats any setting through its member offset
 * (see cfg_settings.h). Adding a setting is one member and one table row. */
#include "config/cfg_settings.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg_kv.h"
#include "util/xalloc.h"

#define USEC INT64_C(1000000)
/* Upper bound of every time setting: larger values are typos, and the
 * bound keeps seconds within 32 bits for timers. */
#define TIME_MAX (INT64_C(2147483647) * USEC)

/* Enums are stored and loaded through int lvalues by the generic path. */
_Static_assert(sizeof(enum cfg_pool_mode) == sizeof(int), "enum is not int-sized");
_Static_assert(sizeof(enum cfg_auth_type) == sizeof(int), "enum is not int-sized");
_Static_assert(sizeof(enum cfg_sslmode) == sizeof(int), "enum is not int-sized");
_Static_assert(sizeof(enum cfg_syslog_facility) == sizeof(int), "enum is not int-sized");

static const char *const auth_type_names[] = {
	"any", "trust", "plain", "md5", "scram-sha-256", "cert", "hba", "ldap", "pam", NULL,
};
static const char *const sslmode_names[] = {
	"disable", "allow", "prefer", "require", "verify-ca", "verify-full", NULL,
};
static const char *const syslog_facility_names[] = {
	"auth", "authpriv", "daemon", "user", "local0", "local1", "local2", "local3",
	"local4", "local5", "local6", "local7", NULL,
};

/* The offset of member in struct cfg_settings, and a compile error unless
 * the member has type T: the table cannot disagree with the struct. */
#define FIELD(member, T) \
	_Generic(((struct cfg_settings *)0)->member, T: offsetof(struct cfg_settings, member))

#define RELOAD true
#define RESTART false

#define SET_INT(n, def, lo, hi, rl) { #n, CFG_SETTING_INT, FIELD(n, int), def, lo, hi, NULL, rl }
#define SET_BOOL(n, def, rl) { #n, CFG_SETTING_BOOL, FIELD(n, bool), def, 0, 1, NULL, rl }
#define SET_TIME(n, def, lo, rl) \
	{ #n, CFG_SETTING_TIME, FIELD(n, int64_t), def, (lo) * USEC, TIME_MAX, NULL, rl }
#define SET_SIZE(n, def, lo, hi, rl) { #n, CFG_SETTING_SIZE, FIELD(n, int64_t), def, lo, hi, NULL, rl }
#define SET_MODE(n, def, rl) { #n, CFG_SETTING_MODE, FIELD(n, int), def, 0, 0777, NULL, rl }
#define SET_ENUM(n, T, names, def, rl) { #n, CFG_SETTING_ENUM, FIELD(n, T), def, 0, 0, names, rl }
#define SET_STR(n, def, rl) { #n, CFG_SETTING_STRING, FIELD(n, char *), def, 0, 0, NULL, rl }
#define SET_PATH(n, def, rl) { #n, CFG_SETTING_PATH, FIELD(n, char *), def, 0, 0, NULL, rl }

/* Alphabetical, as SHOW CONFIG lists them. Defaults and reloadability are
 * PgBouncer's, except syslog_ident and job_name, which default to corral's
 * own name. Bounds are corral's: PgBouncer checks few. */
static const struct cfg_setting table[] = {
	SET_STR(admin_users, "", RELOAD),
	SET_BOOL(application_name_add_host, "0", RELOAD),
	SET_STR(auth_dbname, "", RELOAD),
	SET_PATH(auth_file, "", RELOAD),
	SET_PATH(auth_hba_file, "", RELOAD),
	SET_PATH(auth_ident_file, "", RELOAD),
	SET_STR(auth_ldap_options, "", RELOAD),
	SET_STR(auth_query, "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE "
		"rolpassword END FROM pg_authid WHERE rolname=$1 AND rolcanlogin", RELOAD),
	SET_ENUM(auth_type, enum cfg_auth_type, auth_type_names, "md5", RELOAD),
	SET_STR(auth_user, "", RELOAD),
	SET_TIME(autodb_idle_timeout, "3600", 0, RELOAD),
	SET_TIME(cancel_wait_timeout, "10", 0, RELOAD),
	SET_TIME(client_idle_timeout, "0", 0, RELOAD),
	SET_TIME(client_login_timeout, "60", 0, RELOAD),
	SET_STR(client_tls13_ciphers, "", RELOAD),
	SET_PATH(client_tls_ca_file, "", RELOAD),
	SET_PATH(client_tls_cert_file, "", RELOAD),
	SET_STR(client_tls_ciphers, "default", RELOAD),
	SET_STR(client_tls_dheparams, "auto", RELOAD),
	SET_STR(client_tls_ecdhcurve, "auto", RELOAD),
	SET_PATH(client_tls_key_file, "", RELOAD),
	SET_STR(client_tls_protocols, "secure", RELOAD),
	SET_ENUM(client_tls_sslmode, enum cfg_sslmode, sslmode_names, "disable", RELOAD),
	SET_PATH(conffile, "", RELOAD),
	SET_INT(default_pool_size, "20", 0, INT_MAX, RELOAD),
	SET_BOOL(disable_pqexec, "0", RESTART),
	SET_TIME(dns_max_ttl, "15", 0, RELOAD),
	SET_TIME(dns_nxdomain_ttl, "15", 0, RELOAD),
	SET_TIME(dns_zone_check_period, "0", 0, RELOAD),
	SET_TIME(idle_transaction_timeout, "0", 0, RELOAD),
	SET_STR(ignore_startup_parameters, "", RELOAD),
	SET_STR(job_name, "corral", RESTART),
	SET_STR(listen_addr, "127.0.0.1", RESTART),
	SET_INT(listen_backlog, "128", 1, INT_MAX, RESTART),
	SET_INT(listen_port, "6432", 1, 65535, RESTART),
	SET_BOOL(log_connections, "1", RELOAD),
	SET_BOOL(log_disconnections, "1", RELOAD),
	SET_BOOL(log_pooler_errors, "1", RELOAD),
	SET_BOOL(log_stats, "1", RELOAD),
	SET_PATH(logfile, "", RELOAD),
	SET_INT(max_client_conn, "100", 1, INT_MAX, RELOAD),
	SET_INT(max_db_client_connections, "0", 0, INT_MAX, RELOAD),
	SET_INT(max_db_connections, "0", 0, INT_MAX, RELOAD),
	SET_SIZE(max_packet_size, "2147483647", 1024, INT32_MAX, RELOAD),
	SET_INT(max_prepared_statements, "200", 0, INT_MAX, RELOAD),
	SET_INT(max_user_client_connections, "0", 0, INT_MAX, RELOAD),
	SET_INT(max_user_connections, "0", 0, INT_MAX, RELOAD),
	SET_INT(min_pool_size, "0", 0, INT_MAX, RELOAD),
	SET_INT(peer_id, "0", 0, 16383, RELOAD),
	SET_PATH(pidfile, "", RESTART),
	SET_SIZE(pkt_buf, "4096", 512, INT64_C(1) << 30, RESTART),
	SET_ENUM(pool_mode, enum cfg_pool_mode, cfg_pool_mode_names, "session", RELOAD),
	SET_TIME(query_timeout, "0", 0, RELOAD),
	SET_TIME(query_wait_notify, "5", 0, RELOAD),
	SET_TIME(query_wait_timeout, "120", 0, RELOAD),
	SET_INT(reserve_pool_size, "0", 0, INT_MAX, RELOAD),
	SET_TIME(reserve_pool_timeout, "5", 0, RELOAD),
	SET_PATH(resolv_conf, "", RESTART),
	SET_INT(sbuf_loopcnt, "5", 0, INT_MAX, RELOAD),
	SET_INT(scram_iterations, "4096", 1, INT_MAX, RELOAD),
	SET_TIME(server_check_delay, "30", 0, RELOAD),
	SET_STR(server_check_query, "<empty>", RELOAD),
	SET_TIME(server_connect_timeout, "15", 0, RELOAD),
	SET_BOOL(server_fast_close, "0", RELOAD),
	SET_TIME(server_idle_timeout, "600", 0, RELOAD),
	SET_TIME(server_lifetime, "3600", 0, RELOAD),
	SET_TIME(server_login_retry, "15", 0, RELOAD),
	SET_STR(server_reset_query, "DISCARD ALL", RELOAD),
	SET_BOOL(server_reset_query_always, "0", RELOAD),
	SET_BOOL(server_round_robin, "0", RELOAD),
	SET_STR(server_tls13_ciphers, "", RELOAD),
	SET_PATH(server_tls_ca_file, "", RELOAD),
	SET_PATH(server_tls_cert_file, "", RELOAD),
	SET_STR(server_tls_ciphers, "default", RELOAD),
	SET_PATH(server_tls_key_file, "", RELOAD),
	SET_STR(server_tls_protocols, "secure", RELOAD),
	SET_ENUM(server_tls_sslmode, enum cfg_sslmode, sslmode_names, "prefer", RELOAD),
	SET_BOOL(so_reuseport, "0", RESTART),
	SET_TIME(stats_period, "60", 1, RELOAD),
	SET_STR(stats_users, "", RELOAD),
	SET_TIME(suspend_timeout, "10", 0, RELOAD),
	SET_BOOL(syslog, "0", RELOAD),
	SET_ENUM(syslog_facility, enum cfg_syslog_facility, syslog_facility_names, "daemon", RELOAD),
	SET_STR(syslog_ident, "corral", RELOAD),
	SET_BOOL(tcp_defer_accept, "1", RELOAD),
	SET_BOOL(tcp_keepalive, "1", RELOAD),
	SET_INT(tcp_keepcnt, "0", 0, INT_MAX, RELOAD),
	SET_INT(tcp_keepidle, "0", 0, INT_MAX, RELOAD),
	SET_INT(tcp_keepintvl, "0", 0, INT_MAX, RELOAD),
	SET_SIZE(tcp_socket_buffer, "0", 0, INT_MAX, RELOAD),
	SET_INT(tcp_user_timeout, "0", 0, INT_MAX, RELOAD),
	SET_STR(track_extra_parameters, "IntervalStyle", RESTART),
	SET_TIME(transaction_timeout, "0", 0, RELOAD),
	SET_PATH(unix_socket_dir, "/tmp", RESTART),
	SET_STR(unix_socket_group, "", RESTART),
	SET_MODE(unix_socket_mode, "0777", RESTART),
	SET_STR(user, "", RESTART),
	SET_INT(verbose, "0", 0, 3, RELOAD),
};

#define TABLE_LEN (sizeof table / sizeof table[0])

size_t cfg_setting_count(void)
{
	return TABLE_LEN;
}

const struct cfg_setting *cfg_setting_at(size_t i)
{
	return &table[i];
}

const struct cfg_setting *cfg_setting_find(const char *name)
{
	for (size_t i = 0; i < TABLE_LEN; i++) {
		if (strcasecmp(table[i].name, name) == 0)
			return &table[i];
	}
	return NULL;
}

const char *cfg_setting_type_name(enum cfg_setting_type type)
{
	static const char *const names[] = {
		[CFG_SETTING_INT] = "int",       [CFG_SETTING_BOOL] = "bool",
		[CFG_SETTING_TIME] = "time",     [CFG_SETTING_SIZE] = "size",
		[CFG_SETTING_MODE] = "mode",     [CFG_SETTING_ENUM] = "enum",
		[CFG_SETTING_STRING] = "string", [CFG_SETTING_PATH] = "path",
	};
	return names[type];
}

enum parse_result {
	PARSE_OK,
	PARSE_SYNTAX,   /* not a value of the type at all */
	PARSE_RANGE,    /* a value of the type, outside the setting's bounds */
};

/* A whole-string integer in base (10 or 8); leading blanks and a sign are
 * allowed, as strtoll reads them. */
static enum parse_result parse_int(const char *s, int base, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (end == s || *end != '\0')
		return PARSE_SYNTAX;
	if (errno == ERANGE)
		return PARSE_RANGE;
	*out = v;
	return PARSE_OK;
}

static enum parse_result parse_bool(const char *s, int64_t *out)
{
	/* Pairs (false, true). */
	static const char *const words[] = { "0", "1", "no", "yes", "off", "on", "false", "true" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*out = (int64_t)(i % 2);
			return PARSE_OK;
		}
	}
	return PARSE_SYNTAX;
}

/* Seconds with up to six decimals ("5", "0.5", ".25", "3."), exactly, into
 * microseconds; no float rounding, no exponents. */
static enum parse_result parse_time(const char *s, int64_t *out)
{
	int64_t sec = 0, frac = 0;
	int digits = 0, decimals = 0;
	for (; isdigit((unsigned char)*s); s++, digits++) {
		if (sec > INT64_MAX / USEC / 10)
			return PARSE_RANGE;
		sec = sec * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, decimals++) {
			if (decimals == 6)
				return PARSE_SYNTAX;
			frac = frac * 10 + (*s - '0');
		}
	}
	if (digits + decimals == 0 || *s != '\0')
		return PARSE_SYNTAX;
	for (; decimals < 6; decimals++)
		frac *= 10;
	*out = sec * USEC + frac;
	return PARSE_OK;
}

/* Bytes as an integer, optionally followed by kB, MB or GB (any case). */
static enum parse_result parse_size(const char *s, int64_t *out)
{
	static const struct {
		const char *suffix;
		int shift;
	} units[] = { { "", 0 }, { "kB", 10 }, { "MB", 20 }, { "GB", 30 } };
	char *end;
	if (!isdigit((unsigned char)*s))
		return PARSE_SYNTAX;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return PARSE_RANGE;
	while (*end == ' ' || *end == '\t')
		end++;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		if (v > (INT64_MAX >> units[i].shift))
			return PARSE_RANGE;
		*out = (int64_t)v << units[i].shift;
		return PARSE_OK;
	}
	return PARSE_SYNTAX;
}

/* Parse text for a non-string setting and check it against e's bounds. */
static enum parse_result parse_value(const struct cfg_setting *e, const char *s, int64_t *out)
{
	enum parse_result res = PARSE_SYNTAX;
	switch (e->type) {
	case CFG_SETTING_INT:
		res = parse_int(s, 10, out);
		break;
	case CFG_SETTING_MODE:
		res = parse_int(s, 8, out);
		break;
	case CFG_SETTING_TIME:
		res = parse_time(s, out);
		break;
	case CFG_SETTING_SIZE:
		res = parse_size(s, out);
		break;
	case CFG_SETTING_BOOL:
		return parse_bool(s, out);
	case CFG_SETTING_ENUM:
		*out = cfg_kv_choice_find(e->choices, s);
		return *out < 0 ? PARSE_SYNTAX : PARSE_OK;
	case CFG_SETTING_STRING:
	case CFG_SETTING_PATH:
		break;
	}
	if (res == PARSE_OK && (*out < e->min || *out > e->max))
		res = PARSE_RANGE;
	return res;
}

static void *member(struct cfg_settings *s, const struct cfg_setting *e)
{
	return (char *)s + e->offset;
}

static const void *member_const(const struct cfg_settings *s, const struct cfg_setting *e)
{
	return (const char *)s + e->offset;
}

/* Store v (already checked against e) into e's member. */
static void store(struct cfg_settings *s, const struct cfg_setting *e, int64_t v)
{
	void *p = member(s, e);
	switch (e->type) {
	case CFG_SETTING_BOOL:
		*(bool *)p = v != 0;
		break;
	case CFG_SETTING_TIME:
	case CFG_SETTING_SIZE:
		*(int64_t *)p = v;
		break;
	case CFG_SETTING_INT:
	case CFG_SETTING_MODE:
	case CFG_SETTING_ENUM:
		*(int *)p = (int)v;
		break;
	case CFG_SETTING_STRING:
	case CFG_SETTING_PATH:
		break;   /* strings are copied by set_entry, never parsed to v */
	}
}

/* What a value that is not of e's type at all is called in messages. */
static const char *syntax_noun(enum cfg_setting_type type)
{
	switch (type) {
	case CFG_SETTING_INT:
		return "a number";
	case CFG_SETTING_BOOL:
		return "a boolean";
	case CFG_SETTING_TIME:
		return "a time in seconds";
	case CFG_SETTING_SIZE:
		return "a size";
	case CFG_SETTING_MODE:
		return "an octal mode";
	case CFG_SETTING_ENUM:
	case CFG_SETTING_STRING:
	case CFG_SETTING_PATH:
		break;
	}
	return "a valid value";
}

/* Set e in *s from text. Returns 0, or -1 with why filled, *s unchanged. */
static int set_entry(struct cfg_settings *s, const struct cfg_setting *e, const char *value,
		     char *why, size_t why_size)
{
	if (e->type == CFG_SETTING_STRING || e->type == CFG_SETTING_PATH) {
		char **p = member(s, e);
		free(*p);
		*p = xstrdup(value);
		return 0;
	}
	int64_t v;
	enum parse_result res = parse_value(e, value, &v);
	if (res == PARSE_OK) {
		store(s, e, v);
		return 0;
	}
	char expected[256];
	cfg_setting_describe(e, expected, sizeof expected);
	if (res == PARSE_RANGE)
		snprintf(why, why_size, "'%.64s' is out of range for %s (expected %s)", value,
			 e->name, expected);
	else
		snprintf(why, why_size, "'%.64s' is not %s for %s (expected %s)", value,
			 syntax_noun(e->type), e->name, expected);
	return -1;
}

int cfg_settings_set(struct cfg_settings *s, const char *name, const char *value, char *why,
		     size_t why_size)
{
	const struct cfg_setting *e = cfg_setting_find(name);
	if (e == NULL) {
		snprintf(why, why_size, "unknown setting '%.64s'", name);
		return -1;
	}
	return set_entry(s, e, value, why, why_size);
}

void cfg_settings_init(struct cfg_settings *s)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < TABLE_LEN; i++) {
		char why[8];
		/* Every default parses: check_cfg_settings proves it per row. */
		if (set_entry(s, &table[i], table[i].def, why, sizeof why) < 0)
			abort();
	}
}

void cfg_settings_fini(struct cfg_settings *s)
{
	for (size_t i = 0; i < TABLE_LEN; i++) {
		if (table[i].type == CFG_SETTING_STRING || table[i].type == CFG_SETTING_PATH) {
			char **p = member(s, &table[i]);
			free(*p);
			*p = NULL;
		}
	}
}

/* Microseconds as seconds, decimals only as far as needed. */
static void format_time(int64_t usec, char *buf)
{
	int len = snprintf(buf, CFG_SETTING_FMT_SIZE, "%" PRId64 ".%06" PRId64, usec / USEC,
			   usec % USEC);
	while (buf[len - 1] == '0')
		buf[--len] = '\0';
	if (buf[len - 1] == '.')
		buf[len - 1] = '\0';
}

const char *cfg_setting_format(const struct cfg_settings *s, const struct cfg_setting *e,
			       char *buf)
{
	const void *p = member_const(s, e);
	switch (e->type) {
	case CFG_SETTING_STRING:
	case CFG_SETTING_PATH:
		return *(char *const *)p;
	case CFG_SETTING_ENUM:
		return e->choices[*(const int *)p];
	case CFG_SETTING_BOOL:
		return *(const bool *)p ? "1" : "0";
	case CFG_SETTING_INT:
		snprintf(buf, CFG_SETTING_FMT_SIZE, "%d", *(const int *)p);
		break;
	case CFG_SETTING_MODE:
		snprintf(buf, CFG_SETTING_FMT_SIZE, "%04o", (unsigned)*(const int *)p);
		break;
	case CFG_SETTING_TIME:
		format_time(*(const int64_t *)p, buf);
		break;
	case CFG_SETTING_SIZE:
		snprintf(buf, CFG_SETTING_FMT_SIZE, "%" PRId64, *(const int64_t *)p);
		break;
	}
	return buf;
}

void cfg_setting_describe(const struct cfg_setting *e, char *out, size_t out_size)
{
	char lo[CFG_SETTING_FMT_SIZE], hi[CFG_SETTING_FMT_SIZE];
	switch (e->type) {
	case CFG_SETTING_INT:
	case CFG_SETTING_SIZE:
		snprintf(out, out_size, "%s %" PRId64 "..%" PRId64,
			 e->type == CFG_SETTING_INT ? "an integer" : "bytes", e->min, e->max);
		if (e->type == CFG_SETTING_SIZE)
			snprintf(out + strlen(out), out_size - strlen(out), ", or with kB, MB or GB");
		break;
	case CFG_SETTING_MODE:
		snprintf(out, out_size, "an octal mode %04o..%04o", (unsigned)e->min, (unsigned)e->max);
		break;
	case CFG_SETTING_TIME:
		format_time(e->min, lo);
		format_time(e->max, hi);
		snprintf(out, out_size, "seconds %s..%s, up to 6 decimals", lo, hi);
		break;
	case CFG_SETTING_BOOL:
		snprintf(out, out_size, "1/0, yes/no, on/off or true/false");
		break;
	case CFG_SETTING_ENUM: {
		size_t n = (size_t)snprintf(out, out_size, "one of:");
		for (size_t i = 0; e->choices[i] && n < out_size; i++)
			n += (size_t)snprintf(out + n, out_size - n, "%s %s", i ? "," : "",
					      e->choices[i]);
		break;
	}
	case CFG_SETTING_STRING:
		snprintf(out, out_size, "any text");
		break;
	case CFG_SETTING_PATH:
		snprintf(out, out_size, "a file or directory name");
		break;
	}
}
