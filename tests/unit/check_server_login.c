/* Unit tests for pooler/server_login: logins against a scripted fake
 * PostgreSQL built from protocol/'s backend builders and the SCRAM server
 * (trust, cleartext, md5 checked with pg_md5_verify, SCRAM with a password
 * or ready keys, right and wrong secrets, server errors), then scripted
 * message sequences for every refusal (unsupported methods, unusable
 * secrets, unexpected and malformed messages), and every truncation of
 * every message the login reads. Messages are fed as exact heap copies so
 * ASan sees any read past a body. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooler/server_login.h"
#include "pooler/session_params.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_md5.h"
#include "protocol/pg_scram.h"
#include "protocol/pg_startup.h"
#include "tests/unit/msg_test.h"
#include "util/xalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define USER "bob"
#define DATABASE "appdb"
#define PASSWORD "s3cret pass"
#define PID 4242u
#define KEY 0xdeadbeefu
#define ITERATIONS 4096

static const uint8_t md5_salt[PG_MD5_SALT_LEN] = { 0x01, 0xfe, 0x00, 0x7f };
static const uint8_t scram_salt[16] = "corral-test-salt";

/* What the fake server reports after authentication, and how corral's
 * session_params must render it (tracked ones, then the others). */
static const char *const reported[] = {
	"application_name", "",
	"client_encoding", "UTF8",
	"DateStyle", "ISO, MDY",
	"integer_datetimes", "on",
	"is_superuser", "off",
	"server_version", "17.2",
	"TimeZone", "Etc/UTC",
	NULL,
};
static const char reported_tracked[] =
	"client_encoding=UTF8;DateStyle=ISO, MDY;TimeZone=Etc/UTC;application_name=";
static const char reported_others[] = "integer_datetimes=on;is_superuser=off;server_version=17.2";

enum fake_method {
	FAKE_TRUST,
	FAKE_CLEARTEXT,
	FAKE_MD5,
	FAKE_SCRAM,
	FAKE_SCRAM_BAD_SIGNATURE,  /* a server that does not know the verifier */
	FAKE_SCRAM_SKIP_FINAL,     /* AuthenticationOk instead of SASLFinal */
	FAKE_ERROR,                /* refuses at startup */
};

enum vec_keys {
	KEYS_NONE,
	KEYS_CURRENT,  /* those of the server's verifier for PASSWORD */
	KEYS_STALE,    /* those of PASSWORD with another salt: a changed verifier */
};

/* A login against the fake server. */
struct login_vec {
	const char *what;
	enum fake_method method;
	const char *secret;          /* corral's password setting for USER */
	enum vec_keys keys;          /* ready SCRAM keys corral is given */
	const char *error_sqlstate;  /* FAKE_ERROR: what the server says */
	const char *error_message;
	enum server_login_result result;
	enum server_login_error_kind kind;  /* FAIL: */
	const char *sqlstate;
	const char *message;         /* exact; a trailing '*' matches a prefix */
};

static char md5_of_password[PG_MD5_SECRET_SIZE];
static char verifier_of_password[PG_SCRAM_VERIFIER_SIZE];
static struct pg_scram_verifier password_verifier;
static struct pg_scram_keys password_keys;
static struct pg_scram_verifier stale_verifier;
static struct pg_scram_keys stale_keys;

/* Made once in main: the md5 secret and SCRAM verifier of PASSWORD.
 * 0, or -1 when OpenSSL cannot. */
static int derive_secrets(void)
{
	static const uint8_t stale_salt[] = "old salt";
	if (pg_md5_secret(PASSWORD, USER, md5_of_password) != 0 ||
	    pg_scram_keys_derive(PASSWORD, scram_salt, sizeof scram_salt, ITERATIONS,
				 &password_keys) != 0 ||
	    pg_scram_keys_derive(PASSWORD, stale_salt, sizeof stale_salt, ITERATIONS,
				 &stale_keys) != 0)
		return -1;
	pg_scram_verifier_from_keys(&password_verifier, &password_keys, scram_salt,
				    sizeof scram_salt, ITERATIONS);
	pg_scram_verifier_from_keys(&stale_verifier, &stale_keys, stale_salt, sizeof stale_salt,
				    ITERATIONS);
	pg_scram_verifier_format(&password_verifier, verifier_of_password);
	return 0;
}

#define MD5_SECRET "\x01md5"      /* placeholders the vectors use for derived secrets */
#define SCRAM_SECRET "\x01scram"

static const char *secret_of(const char *s)
{
	if (s != NULL && strcmp(s, MD5_SECRET) == 0)
		return md5_of_password;
	if (s != NULL && strcmp(s, SCRAM_SECRET) == 0)
		return verifier_of_password;
	return s;
}

#define WRONG_PASSWORD_MSG "password authentication failed for user \"" USER "\""

static const struct login_vec logins[] = {
	{ "trust", FAKE_TRUST, NULL, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE, 0, NULL, NULL },
	{ "trust ignores a password", FAKE_TRUST, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE,
	  0, NULL, NULL },
	{ "cleartext", FAKE_CLEARTEXT, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE, 0, NULL,
	  NULL },
	{ "cleartext wrong", FAKE_CLEARTEXT, "nope", KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_SERVER, "28P01", WRONG_PASSWORD_MSG },
	{ "cleartext with an md5 secret", FAKE_CLEARTEXT, MD5_SECRET, KEYS_NONE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for a cleartext password but the secret of user \"bob\" is an md5 hash" },
	{ "cleartext with a SCRAM secret", FAKE_CLEARTEXT, SCRAM_SECRET, KEYS_NONE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for a cleartext password but the secret of user \"bob\" is a SCRAM verifier" },
	{ "cleartext without a password", FAKE_CLEARTEXT, NULL, KEYS_NONE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for cleartext password authentication but there is no password for user "
	  "\"bob\"" },
	{ "md5 with the password", FAKE_MD5, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE, 0,
	  NULL, NULL },
	{ "md5 with the md5 secret", FAKE_MD5, MD5_SECRET, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE,
	  0, NULL, NULL },
	{ "md5 wrong", FAKE_MD5, "nope", KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_SERVER, "28P01", WRONG_PASSWORD_MSG },
	{ "md5 with a SCRAM secret", FAKE_MD5, SCRAM_SECRET, KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for md5 authentication but the secret of user \"bob\" is a SCRAM verifier" },
	{ "md5 with an empty password", FAKE_MD5, "", KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for md5 authentication but there is no password for user \"bob\"" },
	{ "scram with the password", FAKE_SCRAM, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE,
	  0, NULL, NULL },
	{ "scram with ready keys", FAKE_SCRAM, SCRAM_SECRET, KEYS_CURRENT, NULL, NULL, SERVER_LOGIN_DONE,
	  0, NULL, NULL },
	{ "scram with stale keys and the password", FAKE_SCRAM, PASSWORD, KEYS_STALE, NULL, NULL,
	  SERVER_LOGIN_DONE, 0, NULL, NULL },
	{ "scram with stale keys only", FAKE_SCRAM, SCRAM_SECRET, KEYS_STALE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "SCRAM authentication with the server failed: *" },
	{ "scram wrong", FAKE_SCRAM, "nope", KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_SERVER, "28P01", WRONG_PASSWORD_MSG },
	{ "scram with an md5 secret", FAKE_SCRAM, MD5_SECRET, KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for SCRAM-SHA-256 authentication but the secret of user \"bob\" is an md5 "
	  "hash, which cannot do SCRAM" },
	{ "scram with a verifier and no keys", FAKE_SCRAM, SCRAM_SECRET, KEYS_NONE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for SCRAM-SHA-256 authentication but user \"bob\" has only a SCRAM verifier "
	  "and no client key yet (the client must log in with SCRAM first)" },
	{ "scram without a password", FAKE_SCRAM, NULL, KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for SCRAM-SHA-256 authentication but there is no password for user \"bob\"" },
	{ "scram impostor", FAKE_SCRAM_BAD_SIGNATURE, PASSWORD, KEYS_NONE, NULL, NULL,
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "08P01",
	  "SCRAM authentication with the server failed: *" },
	{ "scram skipped", FAKE_SCRAM_SKIP_FINAL, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "08P01",
	  "server sent AuthenticationOk before proving itself in SCRAM" },
	{ "no such database", FAKE_ERROR, PASSWORD, KEYS_NONE, "3D000",
	  "database \"appdb\" does not exist", SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_SERVER, "3D000",
	  "database \"appdb\" does not exist" },
	{ "too many connections", FAKE_ERROR, PASSWORD, KEYS_NONE, "53300",
	  "sorry, too many clients already", SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_SERVER, "53300",
	  "sorry, too many clients already" },
	{ "starting up", FAKE_ERROR, PASSWORD, KEYS_NONE, "57P03",
	  "the database system is starting up", SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_SERVER,
	  "57P03", "the database system is starting up" },
};

/* ---- the fake server ---- */

enum fake_phase { FAKE_WAIT_STARTUP, FAKE_WAIT_PASSWORD, FAKE_WAIT_SASL_FIRST,
		  FAKE_WAIT_SASL_FINAL, FAKE_OVER };

struct fake {
	const struct login_vec *v;
	enum fake_phase phase;
	struct pg_scram_server scram;
	bool scram_used;
	struct pg_buf to_client;
	struct msg_text startup;   /* the StartupMessage's parameters as received */
};

static void fake_error(struct fake *f, const char *sqlstate, const char *message)
{
	struct pg_backend_diag d = { .severity = "FATAL", .sqlstate = sqlstate, .message = message };
	pg_backend_put_error(&f->to_client, &d);
	f->phase = FAKE_OVER;
}

/* AuthenticationOk and everything up to ReadyForQuery. */
static void fake_welcome(struct fake *f)
{
	struct pg_buf *b = &f->to_client;
	pg_backend_put_auth_ok(b);
	struct pg_backend_diag notice = { .severity = "NOTICE", .sqlstate = "00000",
					  .message = "welcome" };
	pg_backend_put_notice(b, &notice);
	for (size_t i = 0; reported[i] != NULL; i += 2)
		pg_backend_put_parameter_status(b, reported[i], reported[i + 1]);
	pg_backend_put_backend_key_data(b, PID, KEY);
	pg_backend_put_ready_for_query(b, PG_TX_IDLE);
	f->phase = FAKE_OVER;
}

static void fake_startup(struct fake *f, struct pg_reader *r)
{
	struct pg_startup s;
	ck_assert_int_eq(pg_startup_read(r, PG_STARTUP_MAX_LEN, &s), PG_OK);
	ck_assert_uint_eq(s.code, PG_PROTOCOL_3_0);
	size_t pos = 0;
	struct pg_startup_param p;
	while (pg_startup_param_next(&s, &pos, &p))
		msg_text_add(&f->startup, "%s%s=%s", f->startup.len ? ";" : "", p.name, p.value);
	static const char *const scram[] = { "SCRAM-SHA-256-PLUS", PG_SCRAM_MECHANISM };
	switch (f->v->method) {
	case FAKE_TRUST:
		fake_welcome(f);
		return;
	case FAKE_CLEARTEXT:
		pg_backend_put_auth_cleartext(&f->to_client);
		f->phase = FAKE_WAIT_PASSWORD;
		return;
	case FAKE_MD5:
		pg_backend_put_auth_md5(&f->to_client, md5_salt);
		f->phase = FAKE_WAIT_PASSWORD;
		return;
	case FAKE_ERROR:
		fake_error(f, f->v->error_sqlstate, f->v->error_message);
		return;
	default:
		pg_backend_put_auth_sasl(&f->to_client, scram, N(scram));
		f->phase = FAKE_WAIT_SASL_FIRST;
		return;
	}
}

static void fake_password(struct fake *f, const struct pg_frame *m)
{
	struct pg_reader r;
	const char *password;
	ck_assert_int_eq(pg_frontend_read_password(m, &r, &password), PG_OK);
	bool ok = f->v->method == FAKE_CLEARTEXT
			  ? strcmp(password, PASSWORD) == 0
			  : pg_md5_verify(PASSWORD, USER, md5_salt, password) == PG_MD5_OK;
	if (ok)
		fake_welcome(f);
	else
		fake_error(f, "28P01", WRONG_PASSWORD_MSG);
}

static void fake_sasl_first(struct fake *f, const struct pg_frame *m)
{
	struct pg_reader r;
	struct pg_frontend_sasl_initial init;
	ck_assert_int_eq(pg_frontend_read_sasl_initial(m, &r, &init), PG_OK);
	ck_assert_str_eq(init.mechanism, PG_SCRAM_MECHANISM);
	ck_assert_int_ge(init.data_len, 0);
	struct pg_scram_verifier v = password_verifier;
	if (f->v->method == FAKE_SCRAM_BAD_SIGNATURE)
		memset(v.server_key, 0x5a, sizeof v.server_key);
	pg_scram_server_init(&f->scram, &v);
	f->scram_used = true;
	struct pg_buf msg;
	pg_buf_init(&msg);
	ck_assert_int_eq(pg_scram_server_handle_first(&f->scram, init.data, (size_t)init.data_len,
						      "fakeServerNonce", &msg), PG_SCRAM_OK);
	pg_backend_put_auth_sasl_continue(&f->to_client, msg.data, msg.len);
	pg_buf_fini(&msg);
	f->phase = FAKE_WAIT_SASL_FINAL;
}

static void fake_sasl_final(struct fake *f, const struct pg_frame *m)
{
	struct pg_reader r;
	const uint8_t *data;
	size_t len;
	ck_assert_int_eq(pg_frontend_read_sasl_response(m, &r, &data, &len), PG_OK);
	struct pg_buf msg;
	pg_buf_init(&msg);
	enum pg_scram_result res = pg_scram_server_handle_final(&f->scram, data, len, &msg);
	if (res == PG_SCRAM_ERR_PROOF) {
		fake_error(f, "28P01", WRONG_PASSWORD_MSG);
	} else {
		ck_assert_int_eq(res, PG_SCRAM_OK);
		if (f->v->method != FAKE_SCRAM_SKIP_FINAL)
			pg_backend_put_auth_sasl_final(&f->to_client, msg.data, msg.len);
		fake_welcome(f);
	}
	pg_buf_fini(&msg);
}

/* Everything corral sent since the last call. */
static void fake_receive(struct fake *f, const struct pg_buf *in)
{
	struct pg_reader r;
	pg_reader_init(&r, in->data, in->len);
	if (f->phase == FAKE_WAIT_STARTUP) {
		fake_startup(f, &r);
	} else {
		struct pg_frame m;
		ck_assert_int_eq(pg_frame_read(&r, 1u << 20, &m), PG_OK);
		ck_assert_uint_eq(m.type, PG_FE_PASSWORD);
		if (f->phase == FAKE_WAIT_PASSWORD)
			fake_password(f, &m);
		else if (f->phase == FAKE_WAIT_SASL_FIRST)
			fake_sasl_first(f, &m);
		else
			fake_sasl_final(f, &m);
	}
	ck_assert_uint_eq(pg_reader_remaining(&r), 0);
}

/* ---- driving a login ---- */

struct outcome {
	enum server_login_result result;
	struct session_params params;
	uint32_t pid, key;
	struct server_login_error err;
};

static void assert_message(const char *got, const char *want)
{
	size_t n = strlen(want);
	if (n > 0 && want[n - 1] == '*')
		ck_assert_msg(strncmp(got, want, n - 1) == 0, "\"%s\" does not start with \"%.*s\"",
			      got, (int)(n - 1), want);
	else
		ck_assert_str_eq(got, want);
}

/* Feeds every message in bytes to l, one exact heap copy at a time, until
 * the login stops continuing; what l answers goes to out. Returns the last
 * result and checks nothing was left unread while it continued. */
static enum server_login_result feed(struct server_login *l, const struct pg_buf *bytes,
				     struct pg_buf *out, struct outcome *o)
{
	struct pg_reader r;
	pg_reader_init(&r, bytes->data, bytes->len);
	struct pg_frame m;
	enum server_login_result res = SERVER_LOGIN_CONTINUE;
	while (res == SERVER_LOGIN_CONTINUE && pg_frame_read(&r, 1u << 20, &m) == PG_OK) {
		struct pg_frame copy = msg_frame(m.type, m.body, m.body_len);
		size_t before = out->len;
		res = server_login_step(l, &copy, out, &o->params, &o->pid, &o->key, &o->err);
		if (res != SERVER_LOGIN_CONTINUE)
			ck_assert_uint_eq(out->len, before);
		msg_frame_free(&copy);
	}
	if (res == SERVER_LOGIN_CONTINUE)
		ck_assert_uint_eq(pg_reader_remaining(&r), 0);
	return res;
}

/* Made in main, before Check forks each test. */
static struct session_param_set tracked_set;

static const struct session_param_set *tracked(void)
{
	return &tracked_set;
}

static void config_for(const struct login_vec *v, struct server_login_config *c,
		       const struct pg_startup_param *params, size_t n)
{
	*c = (struct server_login_config){
		.user = USER, .database = DATABASE, .password = secret_of(v->secret),
		.params = params, .param_count = n, .tracked = tracked(),
	};
	if (v->keys == KEYS_CURRENT) {
		c->scram_verifier = &password_verifier;
		c->scram_client_key = password_keys.client_key;
	} else if (v->keys == KEYS_STALE) {
		c->scram_verifier = &stale_verifier;
		c->scram_client_key = stale_keys.client_key;
	}
}

/* What the fake server must receive after user and database. */
static const struct pg_startup_param login_params[] = {
	{ "client_encoding", "UTF8" }, { "application_name", "corral" },
};

/* Runs the whole login of v with config c against a fake server. */
static void run_login_with(const struct login_vec *v, const struct server_login_config *c,
			   struct server_login *l, struct fake *f, struct outcome *o)
{
	memset(f, 0, sizeof *f);
	f->v = v;
	pg_buf_init(&f->to_client);
	memset(o, 0, sizeof *o);
	session_params_init(&o->params);
	struct pg_buf out;
	pg_buf_init(&out);
	server_login_start(l, c, &out);
	o->result = SERVER_LOGIN_CONTINUE;
	while (o->result == SERVER_LOGIN_CONTINUE) {
		ck_assert_msg(f->phase != FAKE_OVER, "%s: the login wants more", v->what);
		fake_receive(f, &out);
		pg_buf_reset(&out);
		o->result = feed(l, &f->to_client, &out, o);
		pg_buf_reset(&f->to_client);
	}
	ck_assert_str_eq(f->startup.s, "user=" USER ";database=" DATABASE
			 ";client_encoding=UTF8;application_name=corral");
	pg_buf_fini(&out);
	pg_buf_fini(&f->to_client);
	if (f->scram_used)
		pg_scram_server_fini(&f->scram);
}

/* Runs the whole login of v against a fake server. */
static void run_login(const struct login_vec *v, struct server_login *l, struct fake *f,
		      struct outcome *o)
{
	struct server_login_config c;
	config_for(v, &c, login_params, N(login_params));
	run_login_with(v, &c, l, f, o);
}

/* "name=value;..." of the untracked parameters, in arrival order sorted
 * by name for a stable compare. */
static void render_others(const struct session_params *p, char *out, size_t size)
{
	out[0] = '\0';
	for (char last[64] = ""; ;) {
		const struct session_param_pair *next = NULL;
		for (size_t i = 0; i < p->other_count; i++) {
			if (strcmp(p->others[i].name, last) > 0 &&
			    (next == NULL || strcmp(p->others[i].name, next->name) < 0))
				next = &p->others[i];
		}
		if (next == NULL)
			return;
		snprintf(out + strlen(out), size - strlen(out), "%s%s=%s", out[0] ? ";" : "",
			 next->name, next->value);
		snprintf(last, sizeof last, "%s", next->name);
	}
}

static void render_tracked(const struct session_params *p, char *out, size_t size)
{
	const struct session_param_set *set = tracked();
	out[0] = '\0';
	for (size_t i = 0; i < set->count; i++) {
		if (session_params_get(p, i) != NULL)
			snprintf(out + strlen(out), size - strlen(out), "%s%s=%s", out[0] ? ";" : "",
				 set->names[i], session_params_get(p, i));
	}
}

static void assert_outcome(const struct login_vec *v, const struct outcome *o)
{
	ck_assert_msg(o->result == v->result, "%s: result %d (%s), want %d", v->what, o->result,
		      o->result == SERVER_LOGIN_FAIL ? o->err.message : "", v->result);
	if (o->result == SERVER_LOGIN_FAIL) {
		ck_assert_int_eq(o->err.kind, v->kind);
		ck_assert_str_eq(o->err.sqlstate, v->sqlstate);
		assert_message(o->err.message, v->message);
		return;
	}
	char got[256];
	render_tracked(&o->params, got, sizeof got);
	ck_assert_str_eq(got, reported_tracked);
	render_others(&o->params, got, sizeof got);
	ck_assert_str_eq(got, reported_others);
	ck_assert_uint_eq(o->pid, PID);
	ck_assert_uint_eq(o->key, KEY);
}

START_TEST(test_login)
{
	const struct login_vec *v = &logins[_i];
	struct server_login l;
	struct fake f;
	struct outcome o;
	run_login(v, &l, &f, &o);
	assert_outcome(v, &o);
	/* A finished login takes nothing more. */
	struct pg_buf extra, out;
	pg_buf_init(&extra);
	pg_buf_init(&out);
	pg_backend_put_ready_for_query(&extra, PG_TX_IDLE);
	ck_assert_int_eq(feed(&l, &extra, &out, &o), SERVER_LOGIN_FAIL);
	ck_assert_int_eq(o.err.kind, SERVER_LOGIN_ERR_PROTOCOL);
	ck_assert_str_eq(o.err.message, "protocol violation from server: unexpected message 'Z'"
			 " while waiting for nothing (the login is over)");
	pg_buf_fini(&extra);
	pg_buf_fini(&out);
	session_params_fini(&o.params);
	server_login_fini(&l);
}
END_TEST

/* A SCRAM login hands out the keys it used (fresh ones when the given
 * keys were stale); a login with them alone then succeeds. */
static void assert_keys_handed_out(const struct login_vec *first)
{
	struct server_login l;
	struct fake f;
	struct outcome o;
	struct pg_scram_verifier v;
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	run_login(first, &l, &f, &o);
	assert_outcome(first, &o);
	ck_assert(server_login_scram_keys(&l, &v, client_key));
	ck_assert_mem_eq(client_key, password_keys.client_key, PG_SCRAM_KEY_LEN);
	ck_assert_mem_eq(&v, &password_verifier, sizeof v);
	session_params_fini(&o.params);
	server_login_fini(&l);

	const struct login_vec keys_only = { "keys only", FAKE_SCRAM, NULL, KEYS_NONE, NULL, NULL,
					     SERVER_LOGIN_DONE, 0, NULL, NULL };
	struct server_login_config c;
	config_for(&keys_only, &c, login_params, N(login_params));
	c.scram_verifier = &v;
	c.scram_client_key = client_key;
	run_login_with(&keys_only, &c, &l, &f, &o);
	assert_outcome(&keys_only, &o);
	session_params_fini(&o.params);
	server_login_fini(&l);
}

START_TEST(test_scram_keys_handed_out)
{
	static const struct login_vec firsts[] = {
		{ "password", FAKE_SCRAM, PASSWORD, KEYS_NONE, NULL, NULL, SERVER_LOGIN_DONE, 0,
		  NULL, NULL },
		{ "stale keys", FAKE_SCRAM, PASSWORD, KEYS_STALE, NULL, NULL, SERVER_LOGIN_DONE, 0,
		  NULL, NULL },
	};
	for (size_t i = 0; i < N(firsts); i++)
		assert_keys_handed_out(&firsts[i]);

	struct server_login l;
	struct fake f;
	struct outcome o;
	struct pg_scram_verifier v;
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	run_login(&logins[0], &l, &f, &o);  /* trust: no SCRAM, no keys */
	ck_assert(!server_login_scram_keys(&l, &v, client_key));
	session_params_fini(&o.params);
	server_login_fini(&l);
}
END_TEST

/* ---- scripted server messages ---- */

/* One server message as raw bytes: type and body. */
struct raw_msg {
	uint8_t type;
	const char *body;
	size_t len;
};

#define RAW(type, lit) { (type), (lit), sizeof(lit) - 1 }
#define AUTH_OK RAW('R', "\0\0\0\0")
#define AUTH_MD5 RAW('R', "\0\0\0\x05\x01\xfe\0\x7f")
#define AUTH_SASL RAW('R', "\0\0\0\x0aSCRAM-SHA-256\0\0")
#define SASL_CONTINUE RAW('R', "\0\0\0\x0br=x")
#define PARAM_TZ RAW('S', "TimeZone\0UTC\0")
#define RFQ_IDLE RAW('Z', "I")
#define SHORT_SALT RAW('R', "\0\0\0\x05\x01\x02")

static void put_raw(struct pg_buf *b, const struct raw_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n && msgs[i].type != 0; i++) {
		size_t at = pg_buf_begin_msg(b, msgs[i].type);
		pg_buf_put_bytes(b, msgs[i].body, msgs[i].len);
		pg_buf_end_msg(b, at);
	}
}

/* A sequence of server messages and how the login ends on them. */
struct script_vec {
	const char *what;
	const char *secret;
	struct raw_msg msgs[3];  /* type 0 ends the list */
	enum server_login_result result;
	enum server_login_error_kind kind;
	const char *sqlstate;
	const char *message;     /* as in struct login_vec */
};

#define VIOLATION "protocol violation from server: "
#define MALFORMED VIOLATION "malformed message "
#define WAITING_PARAMS "while waiting for ParameterStatus, BackendKeyData or ReadyForQuery"

static const struct script_vec scripts[] = {
	{ "ReadyForQuery first", NULL, { RFQ_IDLE }, SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_PROTOCOL,
	  "08P01", VIOLATION "unexpected message 'Z' while waiting for an authentication request" },
	{ "ParameterStatus before auth", NULL, { PARAM_TZ }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01",
	  VIOLATION "unexpected message 'S' while waiting for an authentication request" },
	{ "DataRow after auth", NULL, { AUTH_OK, RAW('D', "\0\0") }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01", VIOLATION "unexpected message 'D' " WAITING_PARAMS },
	{ "non-printable type", NULL, { RAW(0x01, "") }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01",
	  VIOLATION "unexpected message type 0x01 while waiting for an authentication request" },
	{ "AuthenticationOk twice", NULL, { AUTH_OK, AUTH_OK }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01",
	  VIOLATION "unexpected authentication request 0 " WAITING_PARAMS },
	{ "SASLContinue first", PASSWORD, { SASL_CONTINUE }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01",
	  VIOLATION "unexpected authentication request 11 while waiting for an authentication "
	  "request" },
	{ "md5 twice", PASSWORD, { AUTH_MD5, AUTH_MD5 }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01", VIOLATION "unexpected authentication request 5 while "
	  "waiting for AuthenticationOk after the password" },
	{ "GSSAPI", PASSWORD, { RAW('R', "\0\0\0\x07") }, SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH,
	  "28000", "server asks for authentication method 7 (GSSAPI), which corral does not support" },
	{ "unknown method", PASSWORD, { RAW('R', "\0\0\0\x63") }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_AUTH, "28000",
	  "server asks for authentication method 99 (unknown), which corral does not support" },
	{ "SCRAM-SHA-256-PLUS only", PASSWORD, { RAW('R', "\0\0\0\x0aSCRAM-SHA-256-PLUS\0\0") },
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_AUTH, "28000",
	  "server offers no SASL mechanism corral supports (SCRAM-SHA-256)" },
	{ "NegotiateProtocolVersion", NULL, { RAW('v', "\0\0\0\x02\0\0\0\x01_pq_.x\0") },
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_PROTOCOL, "08P01",
	  VIOLATION "server negotiates protocol 3.2 with 1 unsupported options, but corral asked "
	  "for 3.0 without options" },
	{ "ReadyForQuery in a transaction", NULL, { AUTH_OK, RAW('Z', "T") }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01", VIOLATION "ReadyForQuery with status 'T' after login" },
	{ "md5 salt cut short", PASSWORD, { SHORT_SALT }, SERVER_LOGIN_FAIL,
	  SERVER_LOGIN_ERR_PROTOCOL, "08P01", MALFORMED "'R': *" },
	{ "BackendKeyData cut short", NULL, { AUTH_OK, RAW('K', "\0\0\x10\x92") },
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_PROTOCOL, "08P01", MALFORMED "'K': *" },
	{ "ErrorResponse without SQLSTATE", NULL, { RAW('E', "SFATAL\0Mgo away\0\0") },
	  SERVER_LOGIN_FAIL, SERVER_LOGIN_ERR_SERVER, "08P01", "go away" },
	{ "no BackendKeyData", NULL, { AUTH_OK, PARAM_TZ, RFQ_IDLE }, SERVER_LOGIN_DONE, 0, NULL,
	  NULL },
};

START_TEST(test_script)
{
	const struct script_vec *v = &scripts[_i];
	struct server_login_config c;
	const struct login_vec as_login = { .what = v->what, .secret = v->secret };
	config_for(&as_login, &c, NULL, 0);
	struct server_login l;
	struct pg_buf out, server;
	pg_buf_init(&out);
	pg_buf_init(&server);
	server_login_start(&l, &c, &out);
	pg_buf_reset(&out);
	put_raw(&server, v->msgs, N(v->msgs));
	struct outcome o = { .pid = 1, .key = 1 };
	session_params_init(&o.params);
	o.result = feed(&l, &server, &out, &o);
	ck_assert_msg(o.result == v->result, "%s: result %d (%s)", v->what, o.result,
		      o.err.message);
	if (o.result == SERVER_LOGIN_FAIL) {
		ck_assert_int_eq(o.err.kind, v->kind);
		ck_assert_str_eq(o.err.sqlstate, v->sqlstate);
		assert_message(o.err.message, v->message);
	} else {
		ck_assert_uint_eq(o.pid, 0);
		ck_assert_uint_eq(o.key, 0);
		ck_assert_str_eq(session_params_get(&o.params, SESSION_PARAM_TIMEZONE), "UTC");
	}
	session_params_fini(&o.params);
	pg_buf_fini(&out);
	pg_buf_fini(&server);
	server_login_fini(&l);
}
END_TEST

/* ---- truncations ---- */

/* Messages that bring the login to a phase, then one message that is cut
 * at every length short of whole. */
struct cut_vec {
	const char *what;
	struct raw_msg before[2];  /* type 0 ends the list */
	struct raw_msg message;
	size_t payload_at;  /* 0, or where a SCRAM payload starts: a cut there or
			     * later is a well-formed message with a bad payload */
	enum server_login_result whole;  /* the message uncut */
};

static const struct cut_vec cuts[] = {
	{ "AuthenticationOk", { { 0 } }, AUTH_OK, 0, SERVER_LOGIN_CONTINUE },
	{ "AuthenticationMD5Password", { { 0 } }, AUTH_MD5, 0, SERVER_LOGIN_CONTINUE },
	{ "AuthenticationSASL", { { 0 } }, AUTH_SASL, 0, SERVER_LOGIN_CONTINUE },
	{ "SASLContinue", { AUTH_SASL }, SASL_CONTINUE, 4, SERVER_LOGIN_FAIL },
	{ "ParameterStatus", { AUTH_OK }, PARAM_TZ, 0, SERVER_LOGIN_CONTINUE },
	{ "BackendKeyData", { AUTH_OK }, RAW('K', "\0\0\x10\x92\xde\xad\xbe\xef"), 0,
	  SERVER_LOGIN_CONTINUE },
	{ "ReadyForQuery", { AUTH_OK }, RFQ_IDLE, 0, SERVER_LOGIN_DONE },
	{ "ErrorResponse", { { 0 } }, RAW('E', "SFATAL\0C28P01\0Mno\0\0"), 0, SERVER_LOGIN_FAIL },
	{ "NoticeResponse", { { 0 } }, RAW('N', "SNOTICE\0C00000\0Mhi\0\0"), 0,
	  SERVER_LOGIN_CONTINUE },
	{ "NegotiateProtocolVersion", { { 0 } }, RAW('v', "\0\0\0\0\0\0\0\x01_pq_.x\0"), 0,
	  SERVER_LOGIN_FAIL },
};

START_TEST(test_truncated)
{
	const struct cut_vec *v = &cuts[_i];
	struct pg_buf before, out;
	pg_buf_init(&before);
	pg_buf_init(&out);
	put_raw(&before, v->before, N(v->before));
	const struct login_vec as_login = { .secret = PASSWORD };
	struct server_login_config c;
	config_for(&as_login, &c, NULL, 0);
	for (size_t k = 0; k < v->message.len; k++) {
		struct server_login l;
		struct outcome o;
		memset(&o, 0, sizeof o);
		session_params_init(&o.params);
		server_login_start(&l, &c, &out);
		ck_assert_int_eq(feed(&l, &before, &out, &o), SERVER_LOGIN_CONTINUE);
		struct pg_frame cut = msg_frame(v->message.type, (const uint8_t *)v->message.body, k);
		size_t sent = out.len;
		ck_assert_msg(server_login_step(&l, &cut, &out, &o.params, &o.pid, &o.key, &o.err) ==
			      SERVER_LOGIN_FAIL, "%s cut to %zu bytes", v->what, k);
		ck_assert_uint_eq(out.len, sent);
		if (v->payload_at != 0 && k >= v->payload_at) {
			ck_assert_int_eq(o.err.kind, SERVER_LOGIN_ERR_AUTH);
			ck_assert_str_eq(o.err.sqlstate, "08P01");
			assert_message(o.err.message, "SCRAM authentication with the server failed: *");
		} else {
			ck_assert_int_eq(o.err.kind, SERVER_LOGIN_ERR_PROTOCOL);
			assert_message(o.err.message, MALFORMED "*");
		}
		msg_frame_free(&cut);
		session_params_fini(&o.params);
		server_login_fini(&l);
		pg_buf_reset(&out);
	}
	pg_buf_fini(&before);
	pg_buf_fini(&out);
}
END_TEST

/* The whole messages the cuts start from are well-formed: each one fed
 * whole moves the login on. */
START_TEST(test_uncut)
{
	const struct cut_vec *v = &cuts[_i];
	struct pg_buf msgs, out;
	pg_buf_init(&msgs);
	pg_buf_init(&out);
	put_raw(&msgs, v->before, N(v->before));
	put_raw(&msgs, &v->message, 1);
	const struct login_vec as_login = { .secret = PASSWORD };
	struct server_login_config c;
	config_for(&as_login, &c, NULL, 0);
	struct server_login l;
	struct outcome o;
	memset(&o, 0, sizeof o);
	session_params_init(&o.params);
	server_login_start(&l, &c, &out);
	ck_assert_int_eq(feed(&l, &msgs, &out, &o), v->whole);
	if (v->whole == SERVER_LOGIN_FAIL)   /* for what it says, not for its form */
		ck_assert_msg(strncmp(o.err.message, MALFORMED, strlen(MALFORMED)) != 0, "%s",
			      o.err.message);
	session_params_fini(&o.params);
	server_login_fini(&l);
	pg_buf_fini(&msgs);
	pg_buf_fini(&out);
}
END_TEST

START_TEST(test_db_params)
{
	struct cfg_database db;
	char why[128];
	struct pg_startup_param p[SERVER_LOGIN_DB_PARAMS];
	ck_assert_int_eq(cfg_database_parse("d", "host=h timezone=UTC client_encoding=LATIN1"
					    " application_name=batch", &db, why, sizeof why), 0);
	ck_assert_uint_eq(server_login_db_params(&db, p), 3);
	ck_assert_str_eq(p[0].name, "client_encoding");
	ck_assert_str_eq(p[0].value, "LATIN1");
	ck_assert_str_eq(p[1].name, "TimeZone");
	ck_assert_str_eq(p[1].value, "UTC");
	ck_assert_str_eq(p[2].name, "application_name");
	ck_assert_str_eq(p[2].value, "batch");
	cfg_database_fini(&db);
	ck_assert_int_eq(cfg_database_parse("d", "datestyle='ISO, DMY'", &db, why, sizeof why), 0);
	ck_assert_uint_eq(server_login_db_params(&db, p), 1);
	ck_assert_str_eq(p[0].name, "DateStyle");
	ck_assert_str_eq(p[0].value, "ISO, DMY");
	cfg_database_fini(&db);
	ck_assert_int_eq(cfg_database_parse("d", "", &db, why, sizeof why), 0);
	ck_assert_uint_eq(server_login_db_params(&db, p), 0);
	cfg_database_fini(&db);
}
END_TEST

int main(void)
{
	char why[128];
	if (derive_secrets() != 0 || session_param_set_init(&tracked_set, NULL, why, sizeof why) != 0) {
		fprintf(stderr, "check_server_login: cannot set up\n");
		return EXIT_FAILURE;
	}
	Suite *s = suite_create("server_login");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_login, 0, N(logins));
	tcase_add_test(tc, test_scram_keys_handed_out);
	tcase_add_loop_test(tc, test_script, 0, N(scripts));
	tcase_add_loop_test(tc, test_truncated, 0, N(cuts));
	tcase_add_loop_test(tc, test_uncut, 0, N(cuts));
	tcase_add_test(tc, test_db_params);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	session_param_set_fini(&tracked_set);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
