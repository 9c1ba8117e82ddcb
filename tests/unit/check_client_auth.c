/* Unit tests for pooler/client_auth: whole logins driven in-process, with
 * protocol/'s client side (pg_md5_response, pg_scram_client, pg_frontend
 * builders, pg_backend readers) playing the application: every auth_type
 * against every kind of secret with the right and a wrong password, unknown
 * users and empty secrets (the same exchange, then the same error), the
 * unsupported methods; malformed or unexpected messages at each step, and
 * every truncation of the SASL messages, fail with their SQLSTATE; a second
 * SCRAM login runs no PBKDF2; the recovered ClientKey is the client's;
 * auth_type hba picks each connection's method from its rules (local vs
 * host, TLS, addresses, names; reject, no match, cert, peer); cert checks
 * TLS, the certificate and its CN, then that the user exists; secrets from
 * auth_query drive the same exchanges and give the pool SCRAM keys or the
 * md5 secret. The random source is a deterministic counter. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/cfg.h"
#include "config/cfg_hba.h"
#include "pooler/client_auth.h"
#include "pooler/scram_cache.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_base64.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_md5.h"
#include "protocol/pg_scram.h"
#include "tests/unit/msg_test.h"

/* Every user's password is "secret". bob's md5 secret and carol's
 * verifier (salt 00 01 .. 0f, 4096 iterations) were computed with Python:
 *   hashlib.md5(b"secretbob").hexdigest()
 *   sp = hashlib.pbkdf2_hmac("sha256", b"secret", bytes(range(16)), 4096)
 *   ck = hmac.new(sp, b"Client Key", "sha256").digest()
 *   StoredKey = sha256(ck); ServerKey = hmac.new(sp, b"Server Key", ...) */
#define CAROL_CLIENT_KEY "KiainrBbrluGK3hV8+mHYWauPhN4+vN354RqwPh7eHo="
#define CAROL_VERIFIER \
	"SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$THoPhoTAuqyoQsK4dUHncUzgfD8fdmhsgKZhWVqNP5U=:" \
	"7YiHMMi2OcXGRogub03Ek06JRZ9bkhTOdCzHa5iPLiQ="
static const char auth_file[] =
	"\"alice\" \"secret\"\n"
	"\"bob\" \"md521f3163f8f86fa10bdefbfbd502a8f06\"\n"
	"\"carol\" \"" CAROL_VERIFIER "\"\n"
	"\"dave\" \"\"\n";
/* The client's half of every SCRAM nonce. */
#define CLIENT_NONCE "clientnonce"

struct counter_rng {
	uint8_t next;
};

static int counter_random(void *ctx, void *out, size_t n)
{
	struct counter_rng *rng = ctx;
	uint8_t *p = out;
	for (size_t i = 0; i < n; i++)
		p[i] = rng->next++;
	return 0;
}

/* A configuration with auth_type and the auth file above, a [users]-only
 * user "erin", client TLS on (auth_type cert needs it; no file is read),
 * and a cache over a counter. */
struct fixture {
	struct cfg *cfg;
	struct counter_rng rng;
	struct scram_cache *cache;
};

static void fixture_init(struct fixture *fx, const char *auth_type, int scram_iterations)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "[pgbouncer]\nauth_type = %s\nauth_file = users.txt\nauth_hba_file = hba.conf\n"
		 "scram_iterations = %d\nclient_tls_sslmode = require\nclient_tls_key_file = k\n"
		 "client_tls_cert_file = c\n[users]\nerin = pool_mode=session\n",
		 auth_type, scram_iterations);
	struct cfg_error err;
	ck_assert_msg(cfg_load_buffer(text, strlen(text), "test.ini", &fx->cfg, &err) == 0,
		      "%s", err.msg);
	cfg_authfile_fini(&fx->cfg->auth);
	ck_assert_int_eq(cfg_authfile_parse(auth_file, sizeof auth_file - 1, "users.txt",
					    &fx->cfg->auth, &err), 0);
	fx->rng.next = 0;
	fx->cache = scram_cache_new(SCRAM_CACHE_DEFAULT_CAPACITY, counter_random, &fx->rng);
}

static void fixture_fini(struct fixture *fx)
{
	scram_cache_free(fx->cache);
	cfg_free(fx->cfg);
}

/* The application's side of one login. */
struct client {
	const char *user;
	const char *password;
	struct pg_scram_client scram;
	bool scram_started;
	char flow[16];   /* one letter per authentication message received */
	size_t nflow;
	bool done;       /* AuthenticationOk seen */
};

static void client_init(struct client *cl, const char *user, const char *password)
{
	memset(cl, 0, sizeof *cl);
	cl->user = user;
	cl->password = password;
}

static void client_fini(struct client *cl)
{
	if (cl->scram_started)
		pg_scram_client_fini(&cl->scram);
}

static void note(struct client *cl, char c)
{
	ck_assert_uint_lt(cl->nflow, sizeof cl->flow - 1);
	cl->flow[cl->nflow++] = c;
}

/* Answers one authentication request into reply, as libpq would. */
static void answer(struct client *cl, const struct pg_backend_auth *req, struct pg_buf *reply)
{
	const char *mech;
	char md5[PG_MD5_SECRET_SIZE];
	struct pg_buf data;
	pg_buf_init(&data);
	switch (req->code) {
	case PG_AUTH_CLEARTEXT:
		note(cl, 'C');
		pg_frontend_put_password(reply, cl->password);
		break;
	case PG_AUTH_MD5:
		note(cl, 'M');
		ck_assert_int_eq(pg_md5_response(cl->password, cl->user, req->salt, md5), 0);
		pg_frontend_put_password(reply, md5);
		break;
	case PG_AUTH_SASL: {
		note(cl, 'S');
		struct pg_backend_mechanisms it = req->mechanisms;
		ck_assert_uint_eq(it.count, 1);
		ck_assert(pg_backend_mechanisms_next(&it, &mech));
		ck_assert_str_eq(mech, PG_SCRAM_MECHANISM);
		pg_scram_client_init_password(&cl->scram, cl->password);
		cl->scram_started = true;
		ck_assert_int_eq(pg_scram_client_first(&cl->scram, NULL, CLIENT_NONCE, &data),
				 PG_SCRAM_OK);
		pg_frontend_put_sasl_initial(reply, PG_SCRAM_MECHANISM, data.data, (int32_t)data.len);
		break;
	}
	case PG_AUTH_SASL_CONTINUE:
		note(cl, 'c');
		ck_assert_int_eq(pg_scram_client_handle_first(&cl->scram, req->data, req->data_len,
							      &data), PG_SCRAM_OK);
		pg_frontend_put_sasl_response(reply, data.data, data.len);
		break;
	case PG_AUTH_SASL_FINAL:
		note(cl, 'F');
		ck_assert_int_eq(pg_scram_client_handle_final(&cl->scram, req->data, req->data_len),
				 PG_SCRAM_OK);
		break;
	case PG_AUTH_OK:
		note(cl, 'K');
		cl->done = true;
		break;
	default:
		ck_abort_msg("unexpected authentication code %u", (unsigned)req->code);
	}
	pg_buf_fini(&data);
}

/* Reads every message the server side appended to out (all must be
 * authentication messages) and answers them into reply. */
static void client_read(struct client *cl, const struct pg_buf *out, struct pg_buf *reply)
{
	struct pg_reader r;
	pg_reader_init(&r, out->data, out->len);
	while (pg_reader_remaining(&r) > 0) {
		struct pg_frame f;
		ck_assert_int_eq(pg_frame_read(&r, 1 << 20, &f), PG_OK);
		struct pg_reader br;
		struct pg_backend_auth req;
		ck_assert_int_eq(pg_backend_read_auth(&f, &br, &req), PG_OK);
		answer(cl, &req, reply);
	}
}

/* One server-side login in progress and its last result. */
struct login {
	struct client_auth auth;
	struct client_auth_error err;
	enum client_auth_result res;
	struct pg_buf out;
};

/* Feeds the one message in reply to client_auth_step, as a heap frame of
 * exactly its size so ASan sees any overread; out is emptied first, so a
 * FAIL can be checked to append nothing. */
static void feed(struct login *lg, const struct pg_buf *reply)
{
	struct pg_frame f = msg_frame_of_buf(reply);
	pg_buf_reset(&lg->out);
	lg->res = client_auth_step(&lg->auth, &f, &lg->out, &lg->err);
	msg_frame_free(&f);
	if (lg->res == CLIENT_AUTH_FAIL)
		ck_assert_uint_eq(lg->out.len, 0);
}

/* Where the logins of the tests above come from: a unix socket, asking
 * for database "db", no auth_query. */
static const struct client_auth_conn unix_conn = { .database = "db",
						   .addr = { .family = AF_UNIX } };

/* What auth_query answers in a test that expects a lookup. */
struct lookup_answer {
	bool found;
	const char *secret;
};

/* client_auth_begin on conn, then client_auth_lookup_done with *answer
 * when it asks for a lookup: it must ask exactly when answer is given. */
static void login_begin_on(struct login *lg, struct fixture *fx, const char *user,
			   const struct client_auth_conn *conn, const struct lookup_answer *answer)
{
	pg_buf_init(&lg->out);
	lg->res = client_auth_begin(&lg->auth, fx->cfg, fx->cache, conn, user, &lg->out, &lg->err);
	ck_assert_msg((lg->res == CLIENT_AUTH_LOOKUP) == (answer != NULL), "lookup: result %d (%s)",
		      lg->res, lg->err.log);
	if (answer) {
		ck_assert_uint_eq(lg->out.len, 0);
		ck_assert_int_eq(lg->auth.phase, CLIENT_AUTH_PH_WAIT_LOOKUP);
		lg->res = client_auth_lookup_done(&lg->auth, fx->cache, answer->found, answer->secret,
						  &lg->out, &lg->err);
	}
	if (lg->res == CLIENT_AUTH_FAIL)
		ck_assert_uint_eq(lg->out.len, 0);
}

static void login_begin(struct login *lg, struct fixture *fx, const char *user)
{
	login_begin_on(lg, fx, user, &unix_conn, NULL);
}

static void login_fini(struct login *lg)
{
	client_auth_fini(&lg->auth);
	pg_buf_fini(&lg->out);
}

/* Runs the whole exchange: the client answers until the server side stops
 * asking, then reads what the last result appended. */
static void run_login_on(struct login *lg, struct fixture *fx, struct client *cl,
			 const struct client_auth_conn *conn, const struct lookup_answer *answer)
{
	login_begin_on(lg, fx, cl->user, conn, answer);
	while (lg->res == CLIENT_AUTH_CONTINUE) {
		struct pg_buf reply;
		pg_buf_init(&reply);
		client_read(cl, &lg->out, &reply);
		feed(lg, &reply);
		pg_buf_fini(&reply);
	}
	struct pg_buf none;
	pg_buf_init(&none);
	client_read(cl, &lg->out, &none);
	ck_assert_uint_eq(none.len, 0);
	pg_buf_fini(&none);
	ck_assert(cl->done == (lg->res == CLIENT_AUTH_OK));
}

static void run_login(struct login *lg, struct fixture *fx, struct client *cl)
{
	run_login_on(lg, fx, cl, &unix_conn, NULL);
}

#define WRONG_PW(user) "password authentication failed for user \"" user "\""

static const struct login_vector {
	const char *auth_type;
	const char *user;
	const char *password;
	enum client_auth_result res;
	const char *sqlstate;   /* NULL for OK */
	const char *message;    /* exact, NULL for OK */
	const char *flow;       /* authentication messages the client saw */
	const char *log;        /* a fragment of err.log, NULL for OK */
} logins[] = {
	{ "plain", "alice", "secret", CLIENT_AUTH_OK, NULL, NULL, "CK", NULL },
	{ "plain", "alice", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("alice"), "C",
	  "wrong password for user \"alice\" (plain)" },
	{ "plain", "bob", "secret", CLIENT_AUTH_OK, NULL, NULL, "CK", NULL },
	{ "plain", "bob", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("bob"), "C",
	  "wrong password" },
	{ "plain", "carol", "secret", CLIENT_AUTH_OK, NULL, NULL, "CK", NULL },
	{ "plain", "carol", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("carol"), "C",
	  "wrong password" },
	{ "plain", "dave", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("dave"), "C",
	  "user \"dave\" has an empty password in auth_file" },
	{ "plain", "nobody", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("nobody"), "C",
	  "no such user \"nobody\" in auth_file" },

	{ "md5", "alice", "secret", CLIENT_AUTH_OK, NULL, NULL, "MK", NULL },
	{ "md5", "alice", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("alice"), "M",
	  "wrong password for user \"alice\" (md5)" },
	{ "md5", "bob", "secret", CLIENT_AUTH_OK, NULL, NULL, "MK", NULL },
	{ "md5", "bob", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("bob"), "M",
	  "wrong password" },
	/* A SCRAM secret turns md5 into SCRAM. */
	{ "md5", "carol", "secret", CLIENT_AUTH_OK, NULL, NULL, "ScFK", NULL },
	{ "md5", "carol", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("carol"), "Sc",
	  "wrong password for user \"carol\" (SCRAM-SHA-256)" },
	{ "md5", "dave", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("dave"), "M",
	  "empty password" },
	{ "md5", "nobody", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("nobody"), "M",
	  "no such user" },

	{ "scram-sha-256", "alice", "secret", CLIENT_AUTH_OK, NULL, NULL, "ScFK", NULL },
	{ "scram-sha-256", "alice", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("alice"), "Sc",
	  "wrong password" },
	{ "scram-sha-256", "bob", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("bob"), "Sc",
	  "cannot do SCRAM with an md5 secret for user \"bob\"" },
	{ "scram-sha-256", "bob", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("bob"), "Sc",
	  "cannot do SCRAM with an md5 secret" },
	{ "scram-sha-256", "carol", "secret", CLIENT_AUTH_OK, NULL, NULL, "ScFK", NULL },
	{ "scram-sha-256", "carol", "wrong", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("carol"), "Sc",
	  "wrong password" },
	{ "scram-sha-256", "dave", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("dave"), "Sc",
	  "empty password" },
	{ "scram-sha-256", "nobody", "secret", CLIENT_AUTH_FAIL, "28P01", WRONG_PW("nobody"),
	  "Sc", "no such user \"nobody\" in auth_file" },

	{ "any", "nobody", "", CLIENT_AUTH_OK, NULL, NULL, "K", NULL },
	{ "trust", "alice", "", CLIENT_AUTH_OK, NULL, NULL, "K", NULL },
	{ "trust", "dave", "", CLIENT_AUTH_OK, NULL, NULL, "K", NULL },
	{ "trust", "erin", "", CLIENT_AUTH_OK, NULL, NULL, "K", NULL },
	{ "trust", "nobody", "", CLIENT_AUTH_FAIL, "28000", "\"trust\" authentication failed", "",
	  "no such user \"nobody\" in auth_file or [users]" },

	{ "hba", "alice", "secret", CLIENT_AUTH_FAIL, "28000",  /* no rules: no match */
	  "no pg_hba.conf entry for host \"[local]\", user \"alice\", database \"db\", "
	  "no encryption", "", "no auth_hba_file rule matches" },
	{ "ldap", "alice", "secret", CLIENT_AUTH_FAIL, "28000",
	  "auth_type ldap is not supported yet", "", "not supported" },
	{ "pam", "alice", "secret", CLIENT_AUTH_FAIL, "28000",
	  "auth_type pam is not supported yet", "", "not supported" },
};

static void assert_failure(const struct login *lg, const char *sqlstate, const char *message,
			   const char *log)
{
	ck_assert_int_eq(lg->res, CLIENT_AUTH_FAIL);
	ck_assert_int_eq(lg->auth.phase, CLIENT_AUTH_PH_FAILED);
	ck_assert_str_eq(lg->err.sqlstate, sqlstate);
	ck_assert_msg(strstr(lg->err.message, message) != NULL, "message \"%s\", want \"%s\"",
		      lg->err.message, message);
	ck_assert_msg(strstr(lg->err.log, log) != NULL, "log \"%s\", want \"%s\"", lg->err.log,
		      log);
}

START_TEST(test_login)
{
	const struct login_vector *v = &logins[_i];
	struct fixture fx;
	fixture_init(&fx, v->auth_type, 4096);
	struct client cl;
	client_init(&cl, v->user, v->password);
	struct login lg;
	run_login(&lg, &fx, &cl);
	ck_assert_msg(lg.res == v->res, "%s %s/%s: result %d (%s)", v->auth_type, v->user,
		      v->password, lg.res, lg.err.log);
	ck_assert_str_eq(cl.flow, v->flow);
	if (v->res == CLIENT_AUTH_OK) {
		ck_assert_int_eq(lg.auth.phase, CLIENT_AUTH_PH_DONE);
	} else {
		assert_failure(&lg, v->sqlstate, v->message, v->log);
		ck_assert_str_eq(lg.err.message, v->message);
		ck_assert_str_eq(lg.err.detail, "");
		/* No stored secret reaches the texts. */
		ck_assert_ptr_null(strstr(lg.err.log, "21f3163f"));
		ck_assert_ptr_null(strstr(lg.err.log, "THoPho"));
	}
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* Logs user in under scram-sha-256 and returns the salt the client saw. */
static void scram_login(struct fixture *fx, const char *user, const char *password,
			enum client_auth_result want, struct pg_scram_verifier *seen)
{
	struct client cl;
	client_init(&cl, user, password);
	struct login lg;
	run_login(&lg, fx, &cl);
	ck_assert_int_eq(lg.res, want);
	ck_assert(cl.scram_started);
	*seen = cl.scram.verifier;
	login_fini(&lg);
	client_fini(&cl);
}

START_TEST(test_second_scram_login_derives_nothing)
{
	struct fixture fx;
	fixture_init(&fx, "scram-sha-256", 4096);
	struct pg_scram_verifier first, again;
	struct scram_cache_stats st;
	scram_login(&fx, "alice", "secret", CLIENT_AUTH_OK, &first);
	scram_cache_stats(fx.cache, &st);
	ck_assert_uint_eq(st.derivations, 1);
	scram_login(&fx, "alice", "secret", CLIENT_AUTH_OK, &again);
	scram_login(&fx, "alice", "wrong", CLIENT_AUTH_FAIL, &again);
	scram_cache_stats(fx.cache, &st);
	ck_assert_uint_eq(st.derivations, 1);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(again.salt_len, first.salt_len);
	ck_assert_mem_eq(again.salt, first.salt, first.salt_len);
	ck_assert_uint_eq(first.iterations, 4096);
	/* A verifier from the auth file is used as it is. */
	scram_login(&fx, "carol", "secret", CLIENT_AUTH_OK, &again);
	scram_cache_stats(fx.cache, &st);
	ck_assert_uint_eq(st.derivations, 1);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_mock_salt_is_stable_per_user)
{
	struct fixture fx;
	fixture_init(&fx, "scram-sha-256", 4096);
	struct pg_scram_verifier a1, a2, b;
	scram_login(&fx, "nobody", "secret", CLIENT_AUTH_FAIL, &a1);
	scram_login(&fx, "nobody", "secret", CLIENT_AUTH_FAIL, &a2);
	scram_login(&fx, "bob", "secret", CLIENT_AUTH_FAIL, &b);
	ck_assert_uint_eq(a1.salt_len, SCRAM_CACHE_SALT_LEN);
	ck_assert_mem_eq(a1.salt, a2.salt, a1.salt_len);
	ck_assert_mem_ne(a1.salt, b.salt, a1.salt_len);
	ck_assert_uint_eq(a1.iterations, 4096);
	struct scram_cache_stats st;
	scram_cache_stats(fx.cache, &st);
	ck_assert_uint_eq(st.derivations, 0);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_scram_keys_after_login)
{
	struct fixture fx;
	fixture_init(&fx, "md5", 4096);
	struct pg_scram_verifier v;
	uint8_t key[PG_SCRAM_KEY_LEN], want[PG_SCRAM_KEY_LEN];
	size_t n;
	ck_assert_int_eq(pg_base64_decode(CAROL_CLIENT_KEY, strlen(CAROL_CLIENT_KEY), want,
					  sizeof want, &n), 0);

	struct client cl;
	client_init(&cl, "carol", "secret");
	struct login lg;
	run_login(&lg, &fx, &cl);
	ck_assert_int_eq(lg.res, CLIENT_AUTH_OK);
	ck_assert(client_auth_scram_keys(&lg.auth, &v, key));
	ck_assert(lg.auth.scram_from_file);
	ck_assert_mem_eq(key, want, sizeof want);
	char text[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&v, text);
	ck_assert_str_eq(text, CAROL_VERIFIER);
	login_fini(&lg);
	client_fini(&cl);

	/* md5 logins recover no keys. */
	client_init(&cl, "alice", "secret");
	run_login(&lg, &fx, &cl);
	ck_assert_int_eq(lg.res, CLIENT_AUTH_OK);
	ck_assert(!client_auth_scram_keys(&lg.auth, &v, key));
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_scram_keys_from_plain_secret)
{
	struct fixture fx;
	fixture_init(&fx, "scram-sha-256", 4096);
	struct pg_scram_verifier v;
	uint8_t key[PG_SCRAM_KEY_LEN];
	struct client cl;
	client_init(&cl, "alice", "secret");
	struct login lg;
	run_login(&lg, &fx, &cl);
	ck_assert(client_auth_scram_keys(&lg.auth, &v, key));
	ck_assert(!lg.auth.scram_from_file);
	ck_assert_mem_eq(key, cl.scram.keys.client_key, PG_SCRAM_KEY_LEN);
	login_fini(&lg);
	client_fini(&cl);

	/* A failed login recovers nothing. */
	client_init(&cl, "alice", "wrong");
	run_login(&lg, &fx, &cl);
	ck_assert(!client_auth_scram_keys(&lg.auth, &v, key));
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_md5_challenge_bytes)
{
	struct fixture fx;
	fixture_init(&fx, "md5", 4096);
	fx.rng.next = 0xa0;
	struct login lg;
	login_begin(&lg, &fx, "alice");
	ck_assert_int_eq(lg.res, CLIENT_AUTH_CONTINUE);
	static const uint8_t want[] = { 'R', 0, 0, 0, 12, 0, 0, 0, 5, 0xa0, 0xa1, 0xa2, 0xa3 };
	ck_assert_uint_eq(lg.out.len, sizeof want);
	ck_assert_mem_eq(lg.out.data, want, sizeof want);
	login_fini(&lg);
	fixture_fini(&fx);
}
END_TEST

#define BAD(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)
/* A proof-sized base64 value. */
#define PROOF "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static const struct bad_vector {
	const char *auth_type;
	const char *user;
	int good_steps;         /* client answers given before the bad message */
	uint8_t type;
	const uint8_t *body;
	size_t len;
	const char *sqlstate;
	const char *message;    /* fragment */
} bad_messages[] = {
	{ "plain", "alice", 0, 'Q', BAD("select 1\0"), "08P01",
	  "expected password response, got message type 81" },
	{ "plain", "alice", 0, 'p', BAD("secret"), "08P01", "invalid password packet size" },
	{ "plain", "alice", 0, 'p', BAD("secret\0x"), "08P01", "invalid password packet size" },
	{ "plain", "alice", 0, 'p', BAD("\0"), "28P01", "empty password returned by client" },
	{ "plain", "nobody", 0, 'p', BAD("\0"), "28P01", "empty password returned by client" },
	{ "md5", "alice", 0, 'p', BAD("md5zz\0"), "28P01", WRONG_PW("alice") },
	{ "md5", "alice", 0, 'p', BAD("secret\0"), "28P01", WRONG_PW("alice") },
	{ "md5", "nobody", 0, 'X', BAD(""), "08P01",
	  "expected password response, got message type 88" },
	{ "scram-sha-256", "alice", 0, 'Q', BAD("select 1\0"), "08P01",
	  "expected SASL response, got message type 81" },
	{ "scram-sha-256", "alice", 0, 'p', BAD(""), "08P01", "invalid message format" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256"), "08P01",
	  "invalid message format" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256\0\0\0"), "08P01",
	  "invalid message format" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256\0\0\0\0\x10n,,n=,r=x"), "08P01",
	  "invalid message format" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-1\0\0\0\0\x09n,,n=,r=x"), "08P01",
	  "client selected an invalid SASL authentication mechanism" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256-PLUS\0\0\0\0\x09p,,n=,r=x"),
	  "08P01", "client selected an invalid SASL authentication mechanism" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256\0\xff\xff\xff\xff"), "08P01",
	  "malformed SCRAM message" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256\0\0\0\0\x03xyz"), "08P01",
	  "malformed SCRAM message" },
	{ "scram-sha-256", "nobody", 0, 'p', BAD("SCRAM-SHA-256\0\0\0\0\x03xyz"), "08P01",
	  "malformed SCRAM message" },
	{ "scram-sha-256", "alice", 0, 'p',
	  BAD("SCRAM-SHA-256\0\0\0\0\x25p=tls-server-end-point,,n=,r=abcdefgh"), "0A000",
	  "unsupported SCRAM feature" },
	{ "scram-sha-256", "alice", 0, 'p', BAD("SCRAM-SHA-256\0\0\0\0\x10n,a=bob,n=,r=abc"),
	  "0A000", "unsupported SCRAM feature" },
	{ "scram-sha-256", "alice", 1, 'Q', BAD("select 1\0"), "08P01",
	  "expected SASL response, got message type 81" },
	{ "scram-sha-256", "alice", 1, 'p', BAD(""), "08P01", "malformed SCRAM message" },
	{ "scram-sha-256", "alice", 1, 'p', BAD("garbage"), "08P01", "malformed SCRAM message" },
	{ "scram-sha-256", "alice", 1, 'p', BAD("c=biws,r=othernonce,p=" PROOF), "08P01",
	  "invalid SCRAM response" },
	{ "scram-sha-256", "alice", 1, 'p', BAD("c=eSws,r=" CLIENT_NONCE "AAECAwQFBgcICQoLDA0ODxAR"
						",p=" PROOF), "08P01",
	  "SCRAM channel binding check failed" },
	{ "scram-sha-256", "alice", 1, 'p', BAD("c=biws,r=" CLIENT_NONCE "AAECAwQFBgcICQoLDA0ODxAR"
						",p=" PROOF), "28P01", WRONG_PW("alice") },
	{ "scram-sha-256", "nobody", 1, 'p', BAD("garbage"), "08P01", "malformed SCRAM message" },
};

/* Begins user's login and lets the client answer good_steps times. */
static void login_advance(struct login *lg, struct fixture *fx, struct client *cl,
			  int good_steps)
{
	login_begin(lg, fx, cl->user);
	for (int i = 0; i < good_steps; i++) {
		ck_assert_int_eq(lg->res, CLIENT_AUTH_CONTINUE);
		struct pg_buf reply;
		pg_buf_init(&reply);
		client_read(cl, &lg->out, &reply);
		feed(lg, &reply);
		pg_buf_fini(&reply);
	}
	ck_assert_int_eq(lg->res, CLIENT_AUTH_CONTINUE);
}

static void feed_raw(struct login *lg, uint8_t type, const uint8_t *body, size_t len)
{
	struct pg_frame f = msg_frame(type, body, len);
	pg_buf_reset(&lg->out);
	lg->res = client_auth_step(&lg->auth, &f, &lg->out, &lg->err);
	msg_frame_free(&f);
	if (lg->res == CLIENT_AUTH_FAIL)
		ck_assert_uint_eq(lg->out.len, 0);
}

START_TEST(test_bad_message)
{
	const struct bad_vector *v = &bad_messages[_i];
	struct fixture fx;
	fixture_init(&fx, v->auth_type, 16);
	struct client cl;
	client_init(&cl, v->user, "secret");
	struct login lg;
	login_advance(&lg, &fx, &cl, v->good_steps);
	feed_raw(&lg, v->type, v->body, v->len);
	assert_failure(&lg, v->sqlstate, v->message, "");
	ck_assert_str_ne(lg.err.log, "");

	/* Nothing more is accepted once the login failed. */
	feed_raw(&lg, 'p', BAD("secret\0"));
	assert_failure(&lg, "08P01", "unexpected message during authentication", "");
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* Each SASL message the client sends, cut short at every length: always
 * a protocol violation, never a crash or an overread. step 0 is the
 * SASLInitialResponse, step 1 the SASLResponse. */
START_TEST(test_truncated_sasl_messages)
{
	int step = _i;
	struct fixture fx;
	fixture_init(&fx, "scram-sha-256", 16);
	for (size_t cut = 0;; cut++) {
		struct client cl;
		client_init(&cl, "alice", "secret");
		struct login lg;
		login_advance(&lg, &fx, &cl, step);
		struct pg_buf reply;
		pg_buf_init(&reply);
		client_read(&cl, &lg.out, &reply);
		size_t body_len = reply.len - PG_HEADER_SIZE;
		bool whole = cut == body_len;
		feed_raw(&lg, reply.data[0], reply.data + PG_HEADER_SIZE, cut);
		if (whole)
			ck_assert_int_eq(lg.res, step == 0 ? CLIENT_AUTH_CONTINUE : CLIENT_AUTH_OK);
		else
			ck_assert_msg(lg.res == CLIENT_AUTH_FAIL &&
				      strcmp(lg.err.sqlstate, "08P01") == 0,
				      "cut at %zu of %zu: %d %s", cut, body_len, lg.res, lg.err.log);
		pg_buf_fini(&reply);
		login_fini(&lg);
		client_fini(&cl);
		if (whole)
			break;
	}
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_message_after_success_and_double_fini)
{
	struct fixture fx;
	fixture_init(&fx, "trust", 16);
	struct login lg;
	login_begin(&lg, &fx, "alice");
	ck_assert_int_eq(lg.res, CLIENT_AUTH_OK);
	static const uint8_t ok[] = { 'R', 0, 0, 0, 8, 0, 0, 0, 0 };
	ck_assert_mem_eq(lg.out.data, ok, sizeof ok);
	feed_raw(&lg, 'Q', BAD("select 1\0"));
	assert_failure(&lg, "08P01", "unexpected message during authentication", "");
	client_auth_fini(&lg.auth);
	ck_assert_int_eq(lg.auth.phase, CLIENT_AUTH_PH_NONE);
	ck_assert_ptr_null(lg.auth.user);
	login_fini(&lg);
	fixture_fini(&fx);
}
END_TEST

/* ---- auth_type hba ---- */

static const char hba_rules[] =
	"local peerdb all                peer\n"            /* 1 */
	"local all    all                md5\n"             /* 2 */
	"host  all    alice 10.0.0.0/8   password\n"        /* 3 */
	"host  all    all   10.0.0.0/8   scram-sha-256\n"   /* 4 */
	"hostssl all  all   8.8.0.0/16   cert\n"            /* 5 */
	"host  db2    all   127.0.0.1/32 trust\n"           /* 6 */
	"host  all    bob   127.0.0.1/32 reject\n"          /* 7 */
	"host  all    all   ::1/128      md5\n";            /* 8 */

static void use_hba(struct fixture *fx)
{
	struct cfg_error err;
	ck_assert_int_eq(cfg_hba_parse(hba_rules, sizeof hba_rules - 1, "hba.conf", &fx->cfg->hba,
				       &err), 0);
}

/* A connection from addr (NULL: the unix socket) to database db. */
static struct client_auth_conn conn_of(const char *addr, bool ssl, const char *db)
{
	struct client_auth_conn c = { .database = db, .is_ssl = ssl };
	c.addr.family = addr == NULL ? AF_UNIX : strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (addr)
		ck_assert_int_eq(inet_pton(c.addr.family, addr, c.addr.bytes), 1);
	return c;
}

#define NO_ENTRY(host, user, db, tls) \
	"no pg_hba.conf entry for host \"" host "\", user \"" user "\", database \"" db "\", " tls

static const struct hba_vector {
	const char *addr;       /* NULL: unix socket */
	bool ssl;
	const char *db, *user, *password;
	enum client_auth_result res;
	const char *flow;
	const char *sqlstate, *message, *log;  /* failures */
} hba_logins[] = {
	{ NULL, false, "db", "alice", "secret", CLIENT_AUTH_OK, "MK", NULL, NULL, NULL },
	{ NULL, false, "db", "carol", "secret", CLIENT_AUTH_OK, "ScFK", NULL, NULL, NULL },
	{ NULL, false, "db", "nobody", "secret", CLIENT_AUTH_FAIL, "M", "28P01",
	  WRONG_PW("nobody"), "no such user" },
	{ "10.1.1.1", false, "db", "alice", "secret", CLIENT_AUTH_OK, "CK", NULL, NULL, NULL },
	{ "10.1.1.1", false, "db", "alice", "wrong", CLIENT_AUTH_FAIL, "C", "28P01",
	  WRONG_PW("alice"), "(plain)" },
	{ "10.1.1.1", false, "db", "carol", "secret", CLIENT_AUTH_OK, "ScFK", NULL, NULL, NULL },
	{ "10.1.1.1", false, "db", "bob", "secret", CLIENT_AUTH_FAIL, "Sc", "28P01",
	  WRONG_PW("bob"), "md5 secret" },
	{ "10.1.1.1", true, "db", "carol", "secret", CLIENT_AUTH_OK, "ScFK", NULL, NULL, NULL },
	{ "8.8.4.4", true, "db", "alice", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  "certificate authentication failed for user \"alice\"",
	  "cert authentication (auth_hba_file line 5) of user \"alice\": No valid client "
	  "certificate" },
	{ "9.9.9.9", true, "db", "alice", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  NO_ENTRY("9.9.9.9", "alice", "db", "SSL encryption"), "no auth_hba_file rule" },
	{ "8.8.4.4", false, "db", "alice", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  NO_ENTRY("8.8.4.4", "alice", "db", "no encryption"), "no auth_hba_file rule" },
	{ "127.0.0.1", false, "db2", "erin", "", CLIENT_AUTH_OK, "K", NULL, NULL, NULL },
	{ "127.0.0.1", false, "db2", "nobody", "", CLIENT_AUTH_FAIL, "", "28000",
	  "\"trust\" authentication failed", "no such user \"nobody\"" },
	{ "127.0.0.1", false, "db", "bob", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"bob\", database \"db\", "
	  "no encryption", "auth_hba_file line 7 rejects" },
	{ "127.0.0.1", false, "db", "alice", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  NO_ENTRY("127.0.0.1", "alice", "db", "no encryption"), "no auth_hba_file rule" },
	{ "::1", false, "db", "bob", "secret", CLIENT_AUTH_OK, "MK", NULL, NULL, NULL },
	{ NULL, false, "peerdb", "alice", "secret", CLIENT_AUTH_FAIL, "", "28000",
	  "Peer authentication failed for user \"alice\"", "the peer of user \"alice\" is unknown" },
};

START_TEST(test_hba)
{
	const struct hba_vector *v = &hba_logins[_i];
	struct fixture fx;
	fixture_init(&fx, "hba", 4096);
	use_hba(&fx);
	struct client_auth_conn conn = conn_of(v->addr, v->ssl, v->db);
	struct client cl;
	client_init(&cl, v->user, v->password);
	struct login lg;
	run_login_on(&lg, &fx, &cl, &conn, NULL);
	ck_assert_msg(lg.res == v->res, "%s %s/%s: result %d (%s)", v->addr ? v->addr : "unix",
		      v->db, v->user, lg.res, lg.err.log);
	ck_assert_str_eq(cl.flow, v->flow);
	if (v->res == CLIENT_AUTH_FAIL) {
		assert_failure(&lg, v->sqlstate, v->message, v->log);
		ck_assert_str_eq(lg.err.message, v->message);
	}
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* peer: the OS user of the socket's peer (here: this process's) must be
 * the user asked for, who must then exist (here: found by auth_query). */
START_TEST(test_hba_peer)
{
	struct passwd *me = getpwuid(getuid());
	ck_assert_ptr_nonnull(me);
	char self[256];
	snprintf(self, sizeof self, "%s", me->pw_name);
	struct fixture fx;
	fixture_init(&fx, "hba", 4096);
	use_hba(&fx);
	struct client_auth_conn conn = conn_of(NULL, false, "peerdb");
	conn.have_peer_uid = true;
	conn.peer_uid = getuid();
	conn.can_lookup = true;
	const struct lookup_answer found = { true, NULL };
	struct client cl;
	struct login lg;
	client_init(&cl, self, "");
	run_login_on(&lg, &fx, &cl, &conn, &found);
	ck_assert_int_eq(lg.res, CLIENT_AUTH_OK);
	ck_assert_str_eq(cl.flow, "K");
	login_fini(&lg);
	client_fini(&cl);

	client_init(&cl, "not-me-surely", "");
	run_login_on(&lg, &fx, &cl, &conn, NULL);
	assert_failure(&lg, "28000", "Peer authentication failed for user \"not-me-surely\"",
		       "asked to log in as \"not-me-surely\"");
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* ---- cert ---- */

#define CERT_FAILED(user) "certificate authentication failed for user \"" user "\""

static const struct cert_vector {
	const char *auth_type;  /* cert, or hba (rule 5: hostssl 8.8.0.0/16 cert) */
	const char *addr;
	bool ssl;
	const char *cn;         /* the verified certificate's CN; NULL: none */
	const char *user;
	bool lookup, found;     /* auth_query asked (it finds the user, or not) */
	const char *detail;     /* NULL: logs in; else a part of the failure's detail */
	const char *log;        /* a part of err.log for a failure */
} cert_logins[] = {
	{ "cert", "10.1.1.1", true, "alice", "alice", false, false, NULL, NULL },
	{ "cert", "10.1.1.1", true, "erin", "erin", false, false, NULL, NULL },  /* [users] */
	{ "cert", "10.1.1.1", false, NULL, "alice", false, false,
	  "The connection does not use TLS", "cert authentication (auth_type cert) of user" },
	{ "cert", "10.1.1.1", true, NULL, "alice", false, false,
	  "No valid client certificate: no certificate was sent.", "no certificate was sent" },
	{ "cert", "10.1.1.1", true, "bob", "alice", false, false,
	  "The client certificate is for \"bob\": its Common Name must be the user name.",
	  "is for \"bob\"" },
	{ "cert", "10.1.1.1", true, "nobody", "nobody", false, false, "",
	  "no such user \"nobody\" in auth_file or [users] (cert)" },
	{ "cert", "10.1.1.1", true, "nobody", "nobody", true, true, NULL, NULL },
	{ "cert", "10.1.1.1", true, "nobody", "nobody", true, false, "",
	  "no such user \"nobody\" in auth_file, [users] or auth_query (cert)" },
	{ "hba", "8.8.4.4", true, "carol", "carol", false, false, NULL, NULL },
	{ "hba", "8.8.4.4", true, "alice", "carol", false, false, "is for \"alice\"",
	  "auth_hba_file line 5" },
};

/* cert: TLS, a verified certificate and its CN the user, who must exist
 * (auth_file, [users] or auth_query); each failure names the user, its
 * detail says what was wrong. No authentication message is sent. */
START_TEST(test_cert)
{
	const struct cert_vector *v = &cert_logins[_i];
	struct fixture fx;
	fixture_init(&fx, v->auth_type, 4096);
	if (strcmp(v->auth_type, "hba") == 0)
		use_hba(&fx);
	struct client_auth_conn conn = conn_of(v->addr, v->ssl, "db");
	conn.can_lookup = v->lookup;
	if (v->cn) {
		conn.has_cert_cn = true;
		snprintf(conn.cert_cn, sizeof conn.cert_cn, "%s", v->cn);
	} else if (v->ssl) {
		snprintf(conn.cert_why, sizeof conn.cert_why, "no certificate was sent");
	}
	const struct lookup_answer answer = { v->found, NULL };
	struct client cl;
	client_init(&cl, v->user, "");
	struct login lg;
	run_login_on(&lg, &fx, &cl, &conn, v->lookup ? &answer : NULL);
	ck_assert_str_eq(cl.flow, v->detail ? "" : "K");
	if (v->detail == NULL) {
		ck_assert_msg(lg.res == CLIENT_AUTH_OK, "%s: %s", v->user, lg.err.log);
	} else {
		assert_failure(&lg, "28000", "", v->log);
		char want[64];
		snprintf(want, sizeof want, CERT_FAILED("%s"), v->user);
		ck_assert_str_eq(lg.err.message, want);
		ck_assert_msg(strstr(lg.err.detail, v->detail) != NULL, "detail \"%s\", want \"%s\"",
			      lg.err.detail, v->detail);
	}
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* ---- auth_query answers ---- */

#define NOBODY_MD5 "md54a2582bd181879033a7312cf30ca4dc0"  /* md5("secret" "nobody") */

static const struct lookup_vector {
	const char *auth_type;
	const char *user, *password;
	bool lookup;            /* expect client_auth to ask */
	bool found;
	const char *secret;
	enum client_auth_result res;
	const char *flow;
	const char *sqlstate, *log;  /* failures */
} lookups[] = {
	{ "md5", "nobody", "secret", true, true, NOBODY_MD5, CLIENT_AUTH_OK, "MK", NULL, NULL },
	{ "md5", "nobody", "wrong", true, true, NOBODY_MD5, CLIENT_AUTH_FAIL, "M", "28P01",
	  "wrong password for user \"nobody\" (md5)" },
	{ "md5", "nobody", "secret", true, true, CAROL_VERIFIER, CLIENT_AUTH_OK, "ScFK", NULL,
	  NULL },
	{ "scram-sha-256", "nobody", "secret", true, true, CAROL_VERIFIER, CLIENT_AUTH_OK, "ScFK",
	  NULL, NULL },
	{ "scram-sha-256", "nobody", "wrong", true, true, CAROL_VERIFIER, CLIENT_AUTH_FAIL, "Sc",
	  "28P01", "wrong password" },
	{ "scram-sha-256", "nobody", "secret", true, true, NOBODY_MD5, CLIENT_AUTH_FAIL, "Sc",
	  "28P01", "cannot do SCRAM with an md5 secret" },
	{ "plain", "nobody", "secret", true, true, "secret", CLIENT_AUTH_OK, "CK", NULL, NULL },
	{ "plain", "nobody", "secret", true, true, CAROL_VERIFIER, CLIENT_AUTH_OK, "CK", NULL,
	  NULL },
	{ "md5", "nobody", "secret", true, false, NULL, CLIENT_AUTH_FAIL, "M", "28P01",
	  "no such user \"nobody\" in auth_file nor found by auth_query" },
	{ "md5", "nobody", "secret", true, true, NULL, CLIENT_AUTH_FAIL, "M", "28P01",
	  "empty password in auth_query's answer" },
	{ "scram-sha-256", "nobody", "secret", true, true, "", CLIENT_AUTH_FAIL, "Sc", "28P01",
	  "empty password in auth_query's answer" },
	{ "trust", "nobody", "", true, true, NULL, CLIENT_AUTH_OK, "K", NULL, NULL },
	{ "trust", "nobody", "", true, false, NULL, CLIENT_AUTH_FAIL, "", "28000",
	  "auth_file, [users] or auth_query" },
	/* In auth_file or [users]: no lookup. */
	{ "md5", "alice", "secret", false, false, NULL, CLIENT_AUTH_OK, "MK", NULL, NULL },
	{ "md5", "dave", "secret", false, false, NULL, CLIENT_AUTH_FAIL, "M", "28P01",
	  "empty password in auth_file" },
	{ "trust", "erin", "", false, false, NULL, CLIENT_AUTH_OK, "K", NULL, NULL },
	{ "any", "nobody", "", false, false, NULL, CLIENT_AUTH_OK, "K", NULL, NULL },
};

START_TEST(test_lookup)
{
	const struct lookup_vector *v = &lookups[_i];
	struct fixture fx;
	fixture_init(&fx, v->auth_type, 4096);
	struct client_auth_conn conn = unix_conn;
	conn.can_lookup = true;
	const struct lookup_answer answer = { v->found, v->secret };
	struct client cl;
	client_init(&cl, v->user, v->password);
	struct login lg;
	run_login_on(&lg, &fx, &cl, &conn, v->lookup ? &answer : NULL);
	ck_assert_msg(lg.res == v->res, "%s %s/%s: result %d (%s)", v->auth_type, v->user,
		      v->password, lg.res, lg.err.log);
	ck_assert_str_eq(cl.flow, v->flow);
	ck_assert_int_eq(lg.auth.looked_up, v->lookup);
	if (v->res == CLIENT_AUTH_FAIL) {
		ck_assert_str_eq(lg.err.sqlstate, v->sqlstate);
		ck_assert_msg(strstr(lg.err.log, v->log) != NULL, "log \"%s\"", lg.err.log);
	}
	/* What the pool may log in with afterwards. */
	struct pg_scram_verifier ver;
	uint8_t key[PG_SCRAM_KEY_LEN];
	bool keys = client_auth_scram_keys(&lg.auth, &ver, key);
	bool scram_ok = v->res == CLIENT_AUTH_OK && v->flow[0] == 'S';
	ck_assert_int_eq(keys, scram_ok);
	ck_assert_int_eq(keys && lg.auth.scram_from_file, scram_ok);
	const char *md5 = client_auth_lookup_md5(&lg.auth);
	if (v->res == CLIENT_AUTH_OK && v->lookup && v->secret && strcmp(v->secret, NOBODY_MD5) == 0)
		ck_assert_str_eq(md5, NOBODY_MD5);
	else
		ck_assert_ptr_null(md5);
	login_fini(&lg);
	client_fini(&cl);
	fixture_fini(&fx);
}
END_TEST

/* A lookup answer when none was asked for is refused. */
START_TEST(test_lookup_unasked)
{
	struct fixture fx;
	fixture_init(&fx, "md5", 4096);
	struct login lg;
	login_begin(&lg, &fx, "alice");
	ck_assert_int_eq(lg.res, CLIENT_AUTH_CONTINUE);
	ck_assert_int_eq(client_auth_lookup_done(&lg.auth, fx.cache, true, "x", &lg.out, &lg.err),
			 CLIENT_AUTH_FAIL);
	ck_assert_str_eq(lg.err.sqlstate, "XX000");
	login_fini(&lg);
	fixture_fini(&fx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client_auth");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_login, 0, (int)(sizeof logins / sizeof logins[0]));
	tcase_add_test(tc, test_second_scram_login_derives_nothing);
	tcase_add_test(tc, test_mock_salt_is_stable_per_user);
	tcase_add_test(tc, test_scram_keys_after_login);
	tcase_add_test(tc, test_scram_keys_from_plain_secret);
	tcase_add_test(tc, test_md5_challenge_bytes);
	tcase_add_loop_test(tc, test_bad_message, 0,
			    (int)(sizeof bad_messages / sizeof bad_messages[0]));
	tcase_add_loop_test(tc, test_truncated_sasl_messages, 0, 2);
	tcase_add_test(tc, test_message_after_success_and_double_fini);
	tcase_add_loop_test(tc, test_hba, 0, (int)(sizeof hba_logins / sizeof hba_logins[0]));
	tcase_add_test(tc, test_hba_peer);
	tcase_add_loop_test(tc, test_cert, 0, (int)(sizeof cert_logins / sizeof cert_logins[0]));
	tcase_add_loop_test(tc, test_lookup, 0, (int)(sizeof lookups / sizeof lookups[0]));
	tcase_add_test(tc, test_lookup_unasked);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
