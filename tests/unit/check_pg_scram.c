/* Unit tests for protocol/pg_scram: the RFC 7677 exchange byte for byte on
 * both sides, verifier parsing, client <-> server round trips (password,
 * verifier, ready keys), every rejection path with its result and reason,
 * and every truncation of every message. Expected values were computed
 * independently with Python's hashlib/hmac (see the RFC vector comment). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_base64.h"
#include "protocol/pg_scram.h"
#include "protocol/pg_scram_msg.h"
#include "util/xalloc.h"

/* RFC 7677 section 3: user "user", password "pencil". */
#define RFC_PASSWORD "pencil"
#define RFC_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_NONCE RFC_CNONCE RFC_SNONCE
#define RFC_SALT "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_PROOF "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
static const char rfc_client_first[] = "n,,n=user,r=" RFC_CNONCE;
static const char rfc_server_first[] = "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096";
static const char rfc_client_final[] = "c=biws,r=" RFC_NONCE ",p=" RFC_PROOF;
static const char rfc_server_final[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
/* python3: sp = pbkdf2_hmac('sha256', b'pencil', b64decode(RFC_SALT), 4096);
 * ck = HMAC(sp, 'Client Key'); StoredKey = sha256(ck);
 * ServerKey = HMAC(sp, 'Server Key'); the same script reproduces RFC_PROOF
 * and rfc_server_final. */
static const char rfc_verifier[] =
	"SCRAM-SHA-256$4096:" RFC_SALT
	"$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
static const char rfc_client_key[] = "pg/JI9Z+hkSpLRa5btpe9GVrDHJcSEN0viVTVXaZbos=";
static const char rfc_salted_password[] = "xKSVEDI6tPlSysH6mUQZOeeOp01r6B3fcJbodRPcYV0=";

static const uint8_t *u8(const char *s)
{
	return (const uint8_t *)s;
}

static void assert_buf(const struct pg_buf *b, const char *want)
{
	char *got = b->len ? xstrndup((const char *)b->data, b->len) : xstrdup("");
	ck_assert_str_eq(got, want);
	free(got);
}

static void decode32(const char *b64, uint8_t out[PG_SCRAM_KEY_LEN])
{
	size_t n;
	ck_assert_int_eq(pg_base64_decode(b64, strlen(b64), out, PG_SCRAM_KEY_LEN, &n), 0);
	ck_assert_uint_eq(n, PG_SCRAM_KEY_LEN);
}

/* A step's result against a vector's: equal, and on error a reason that
 * contains `fragment`. */
static void assert_outcome(const char *msg, enum pg_scram_result got, enum pg_scram_result want,
			   const char *reason, const char *fragment)
{
	ck_assert_msg(got == want, "\"%s\": %s (%s)", msg, pg_scram_result_name(got),
		      reason ? reason : "");
	if (got != PG_SCRAM_OK)
		ck_assert_msg(reason != NULL && strstr(reason, fragment) != NULL,
			      "\"%s\": reason \"%s\"", msg, reason);
}

static void parse_rfc_verifier(struct pg_scram_verifier *v)
{
	const char *reason = NULL;
	ck_assert_int_eq(pg_scram_verifier_parse(rfc_verifier, v, &reason), 0);
}

/* A server that has answered the RFC client-first with the RFC nonce. */
static void rfc_server_at_final(struct pg_scram_server *s)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	pg_scram_server_init(s, &v);
	struct pg_buf out;
	pg_buf_init(&out);
	ck_assert_int_eq(pg_scram_server_handle_first(s, u8(rfc_client_first),
						      strlen(rfc_client_first), RFC_SNONCE, &out),
			 PG_SCRAM_OK);
	pg_buf_fini(&out);
}

/* A client (ready RFC keys, so no PBKDF2) that has sent the RFC
 * client-first. */
static void rfc_client_at_first(struct pg_scram_client *c)
{
	struct pg_scram_verifier v;
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	parse_rfc_verifier(&v);
	decode32(rfc_client_key, client_key);
	pg_scram_client_init_keys(c, &v, client_key);
	struct pg_buf out;
	pg_buf_init(&out);
	ck_assert_int_eq(pg_scram_client_first(c, "user", RFC_CNONCE, &out), PG_SCRAM_OK);
	assert_buf(&out, rfc_client_first);
	pg_buf_fini(&out);
}

static void rfc_client_at_final(struct pg_scram_client *c)
{
	rfc_client_at_first(c);
	struct pg_buf out;
	pg_buf_init(&out);
	ck_assert_int_eq(pg_scram_client_handle_first(c, u8(rfc_server_first),
						      strlen(rfc_server_first), &out),
			 PG_SCRAM_OK);
	assert_buf(&out, rfc_client_final);
	pg_buf_fini(&out);
}

/* ---- RFC 7677 exchange ---- */

START_TEST(test_rfc_keys_derive)
{
	uint8_t salt[PG_SCRAM_SALT_MAX], want[PG_SCRAM_KEY_LEN];
	size_t salt_len;
	ck_assert_int_eq(pg_base64_decode(RFC_SALT, strlen(RFC_SALT), salt, sizeof salt, &salt_len), 0);
	struct pg_scram_keys k;
	ck_assert_int_eq(pg_scram_keys_derive(RFC_PASSWORD, salt, salt_len, 4096, &k), 0);
	decode32(rfc_salted_password, want);
	ck_assert_mem_eq(k.salted_password, want, PG_SCRAM_KEY_LEN);
	decode32(rfc_client_key, want);
	ck_assert_mem_eq(k.client_key, want, PG_SCRAM_KEY_LEN);
	struct pg_scram_verifier v;
	pg_scram_verifier_from_keys(&v, &k, salt, salt_len, 4096);
	char text[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&v, text);
	ck_assert_str_eq(text, rfc_verifier);
}
END_TEST

START_TEST(test_rfc_client_password)
{
	struct pg_scram_client c;
	pg_scram_client_init_password(&c, RFC_PASSWORD);
	struct pg_buf out;
	pg_buf_init(&out);
	ck_assert_int_eq(pg_scram_client_first(&c, "user", RFC_CNONCE, &out), PG_SCRAM_OK);
	assert_buf(&out, rfc_client_first);
	pg_buf_reset(&out);
	ck_assert_int_eq(pg_scram_client_handle_first(&c, u8(rfc_server_first),
						      strlen(rfc_server_first), &out),
			 PG_SCRAM_OK);
	assert_buf(&out, rfc_client_final);
	ck_assert_int_eq(pg_scram_client_handle_final(&c, u8(rfc_server_final),
						      strlen(rfc_server_final)),
			 PG_SCRAM_OK);
	ck_assert_int_eq(c.phase, PG_SCRAM_CLIENT_DONE);
	/* What a caller would cache to skip PBKDF2 next time. */
	char text[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&c.verifier, text);
	ck_assert_str_eq(text, rfc_verifier);
	pg_buf_fini(&out);
	pg_scram_client_fini(&c);
}
END_TEST

START_TEST(test_rfc_server)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	struct pg_scram_server s;
	pg_scram_server_init(&s, &v);
	struct pg_buf out;
	pg_buf_init(&out);
	ck_assert_int_eq(pg_scram_server_handle_first(&s, u8(rfc_client_first),
						      strlen(rfc_client_first), RFC_SNONCE, &out),
			 PG_SCRAM_OK);
	assert_buf(&out, rfc_server_first);
	pg_buf_reset(&out);
	ck_assert_int_eq(pg_scram_server_handle_final(&s, u8(rfc_client_final),
						      strlen(rfc_client_final), &out),
			 PG_SCRAM_OK);
	assert_buf(&out, rfc_server_final);
	ck_assert_int_eq(s.phase, PG_SCRAM_SERVER_DONE);
	uint8_t want[PG_SCRAM_KEY_LEN];
	decode32(rfc_client_key, want);
	ck_assert_mem_eq(s.client_key, want, PG_SCRAM_KEY_LEN);
	pg_buf_fini(&out);
	pg_scram_server_fini(&s);
}
END_TEST

START_TEST(test_rfc_client_ready_keys)
{
	struct pg_scram_client c;
	rfc_client_at_final(&c);
	ck_assert_int_eq(pg_scram_client_handle_final(&c, u8(rfc_server_final),
						      strlen(rfc_server_final)),
			 PG_SCRAM_OK);
	ck_assert_int_eq(c.phase, PG_SCRAM_CLIENT_DONE);
	pg_scram_client_fini(&c);
}
END_TEST

/* ---- Verifier text ---- */

static const struct {
	const char *text;
	const char *reason;  /* fragment of the expected reason */
} bad_verifiers[] = {
	{ "", "does not start" },
	{ "md553f48b7c4b76a86ce72276c5755f217d", "does not start" },
	{ "SCRAM-SHA-1$4096:" RFC_SALT "$AAAA:AAAA", "does not start" },
	{ "SCRAM-SHA-256$", "iteration count" },
	{ "SCRAM-SHA-256$0:" RFC_SALT "$x:y", "iteration count" },
	{ "SCRAM-SHA-256$010:" RFC_SALT "$x:y", "iteration count" },
	{ "SCRAM-SHA-256$-1:" RFC_SALT "$x:y", "iteration count" },
	{ "SCRAM-SHA-256$10000001:" RFC_SALT "$x:y", "iteration count" },
	{ "SCRAM-SHA-256$99999999999999999999:" RFC_SALT "$x:y", "iteration count" },
	{ "SCRAM-SHA-256$4096" RFC_SALT, "iteration count" },
	{ "SCRAM-SHA-256$4096:$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
	  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", "salt" },
	{ "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$x:y", "salt" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT, "salt" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4q==:"
	  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", "StoredKey" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=", "StoredKey" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
	  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU", "ServerKey" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
	  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU= ", "ServerKey" },
	{ "SCRAM-SHA-256$4096:" RFC_SALT "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
	  "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=:AAAA", "ServerKey" },
};

START_TEST(test_verifier_rejects)
{
	struct pg_scram_verifier v;
	const char *reason = NULL;
	ck_assert_int_eq(pg_scram_verifier_parse(bad_verifiers[_i].text, &v, &reason), -1);
	ck_assert_ptr_nonnull(reason);
	ck_assert_msg(strstr(reason, bad_verifiers[_i].reason) != NULL, "\"%s\": reason \"%s\"",
		      bad_verifiers[_i].text, reason);
}
END_TEST

START_TEST(test_verifier_roundtrip)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	ck_assert_uint_eq(v.iterations, 4096);
	ck_assert_uint_eq(v.salt_len, 16);
	char text[PG_SCRAM_VERIFIER_SIZE];
	pg_scram_verifier_format(&v, text);
	ck_assert_str_eq(text, rfc_verifier);
	/* The largest verifier: a 64-byte salt and the most iterations. */
	v.salt_len = PG_SCRAM_SALT_MAX;
	memset(v.salt, 0xa5, PG_SCRAM_SALT_MAX);
	v.iterations = PG_SCRAM_MAX_ITERATIONS;
	pg_scram_verifier_format(&v, text);
	struct pg_scram_verifier back;
	const char *reason = NULL;
	ck_assert_int_eq(pg_scram_verifier_parse(text, &back, &reason), 0);
	ck_assert_uint_eq(back.iterations, PG_SCRAM_MAX_ITERATIONS);
	ck_assert_uint_eq(back.salt_len, PG_SCRAM_SALT_MAX);
	ck_assert_mem_eq(back.salt, v.salt, PG_SCRAM_SALT_MAX);
	ck_assert_mem_eq(back.server_key, v.server_key, PG_SCRAM_KEY_LEN);
}
END_TEST

START_TEST(test_keys_derive_preconditions)
{
	struct pg_scram_keys k;
	const uint8_t salt[1] = { 7 };
	ck_assert_int_eq(pg_scram_keys_derive("x", salt, 0, 4096, &k), -1);
	ck_assert_int_eq(pg_scram_keys_derive("x", salt, 1, 0, &k), -1);
	ck_assert_int_eq(pg_scram_keys_derive("x", salt, 1, PG_SCRAM_MAX_ITERATIONS + 1, &k), -1);
	ck_assert_int_eq(pg_scram_keys_derive("x", salt, PG_SCRAM_SALT_MAX + 1, 1, &k), -1);
}
END_TEST

START_TEST(test_random_nonce)
{
	char a[PG_SCRAM_NONCE_LEN + 1], b[PG_SCRAM_NONCE_LEN + 1];
	ck_assert_int_eq(pg_scram_random_nonce(a), 0);
	ck_assert_int_eq(pg_scram_random_nonce(b), 0);
	ck_assert_uint_eq(strlen(a), PG_SCRAM_NONCE_LEN);
	ck_assert(pg_scram_msg_nonce_ok(a, strlen(a)));
	ck_assert_str_ne(a, b);
}
END_TEST

/* ---- Server: client-first-message ---- */

static const struct {
	const char *msg;
	size_t len;  /* 0: strlen(msg) */
	enum pg_scram_result res;
	const char *reason;
	const char *server_first;  /* expected output when res is OK */
} client_firsts[] = {
	/* PostgreSQL's libpq sends the user name empty. */
	{ "n,,n=,r=abc", 0, PG_SCRAM_OK, NULL, "r=abcSN,s=" RFC_SALT ",i=4096" },
	{ "y,,n=,r=abc", 0, PG_SCRAM_OK, NULL, "r=abcSN,s=" RFC_SALT ",i=4096" },
	{ "n,,n=us=2Cer,r=abc,x=ext", 0, PG_SCRAM_OK, NULL, "r=abcSN,s=" RFC_SALT ",i=4096" },
	{ "", 0, PG_SCRAM_ERR_FORMAT, "channel-binding flag", NULL },
	{ "n", 0, PG_SCRAM_ERR_FORMAT, "channel-binding flag", NULL },
	{ "x,,n=,r=abc", 0, PG_SCRAM_ERR_FORMAT, "channel-binding flag", NULL },
	{ "n;,n=,r=abc", 0, PG_SCRAM_ERR_FORMAT, "channel-binding flag", NULL },
	{ "p=tls-server-end-point,,n=,r=abc", 0, PG_SCRAM_ERR_UNSUPPORTED, "SCRAM-SHA-256-PLUS", NULL },
	{ "n,a=admin,n=,r=abc", 0, PG_SCRAM_ERR_UNSUPPORTED, "authorization identity", NULL },
	{ "n,x,n=,r=abc", 0, PG_SCRAM_ERR_FORMAT, "gs2 header", NULL },
	{ "n,,", 0, PG_SCRAM_ERR_FORMAT, "empty", NULL },
	{ "n,,r=abc", 0, PG_SCRAM_ERR_FORMAT, "user name (n=)", NULL },
	{ "n,,n=,s=abc", 0, PG_SCRAM_ERR_FORMAT, "nonce (r=)", NULL },
	{ "n,,n=", 0, PG_SCRAM_ERR_FORMAT, "nonce (r=)", NULL },
	{ "n,,n=,r=", 0, PG_SCRAM_ERR_FORMAT, "client nonce", NULL },
	{ "n,,n=,r=a b", 0, PG_SCRAM_ERR_FORMAT, "client nonce", NULL },
	{ "n,,n=,r=a\x80", 0, PG_SCRAM_ERR_FORMAT, "client nonce", NULL },
	{ "n,,n=,r=abc,r=def", 0, PG_SCRAM_ERR_FORMAT, "twice", NULL },
	{ "n,,n=,r=abc,", 0, PG_SCRAM_ERR_FORMAT, "letter followed by '='", NULL },
	{ "n,,n=,r=abc,,x=1", 0, PG_SCRAM_ERR_FORMAT, "letter followed by '='", NULL },
	{ "n,,n=,r=abc,1=1", 0, PG_SCRAM_ERR_FORMAT, "letter followed by '='", NULL },
	{ "n,,n=,r=abc,xy=1", 0, PG_SCRAM_ERR_FORMAT, "letter followed by '='", NULL },
	{ "n,,n=,r=abc\0", 12, PG_SCRAM_ERR_FORMAT, "NUL", NULL },
	{ "n,,m=ext,n=,r=abc", 0, PG_SCRAM_ERR_UNSUPPORTED, "m=", NULL },
	{ "n,,n=,r=abc,m=ext", 0, PG_SCRAM_ERR_UNSUPPORTED, "m=", NULL },
	{ "n,,n=,r=abc,a=1,b=2,d=3,e=4,f=5,g=6,h=7", 0, PG_SCRAM_ERR_FORMAT, "too many", NULL },
};

START_TEST(test_server_client_first)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	struct pg_scram_server s;
	pg_scram_server_init(&s, &v);
	struct pg_buf out;
	pg_buf_init(&out);
	const char *msg = client_firsts[_i].msg;
	size_t len = client_firsts[_i].len ? client_firsts[_i].len : strlen(msg);
	enum pg_scram_result res = pg_scram_server_handle_first(&s, u8(msg), len, "SN", &out);
	assert_outcome(msg, res, client_firsts[_i].res, s.err_reason, client_firsts[_i].reason);
	if (res == PG_SCRAM_OK) {
		ck_assert_int_eq(s.phase, PG_SCRAM_SERVER_WAIT_FINAL);
		assert_buf(&out, client_firsts[_i].server_first);
	} else {
		ck_assert_int_eq(s.phase, PG_SCRAM_SERVER_FAILED);
		ck_assert_uint_eq(out.len, 0);
	}
	pg_buf_fini(&out);
	pg_scram_server_fini(&s);
}
END_TEST

/* ---- Server: client-final-message after the RFC client-first ---- */

static const struct {
	const char *msg;
	enum pg_scram_result res;
	const char *reason;
} client_finals[] = {
	{ "c=biws,r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_OK, NULL },
	/* Tampered proof: last data character changed, still canonical. */
	{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=",
	  PG_SCRAM_ERR_PROOF, "password authentication failed" },
	{ "c=biws,r=" RFC_NONCE ",p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	  PG_SCRAM_ERR_PROOF, "password authentication failed" },
	{ "c=biws,r=" RFC_CNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=" RFC_PROOF,
	  PG_SCRAM_ERR_NONCE, "nonce differs" },
	{ "c=biws,r=" RFC_CNONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_NONCE, "nonce differs" },
	{ "c=biws,r=" RFC_NONCE "x,p=" RFC_PROOF, PG_SCRAM_ERR_NONCE, "nonce differs" },
	{ "c=eSws,r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_CHANNEL_BINDING, "gs2 header" },
	{ "c=biw,r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_CHANNEL_BINDING, "gs2 header" },
	{ "c=,r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_CHANNEL_BINDING, "gs2 header" },
	{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndV!=",
	  PG_SCRAM_ERR_FORMAT, "proof (p=)" },
	{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
	  PG_SCRAM_ERR_FORMAT, "proof (p=)" },
	{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7An",
	  PG_SCRAM_ERR_FORMAT, "proof (p=)" },
	{ "c=biws,r=" RFC_NONCE ",p=", PG_SCRAM_ERR_FORMAT, "proof (p=)" },
	{ "c=biws,r=" RFC_NONCE, PG_SCRAM_ERR_FORMAT, "end with the proof" },
	{ "c=biws,r=" RFC_NONCE ",p=" RFC_PROOF ",x=1", PG_SCRAM_ERR_FORMAT, "end with the proof" },
	{ "r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_FORMAT, "channel-binding data (c=)" },
	{ "c=biws,p=" RFC_PROOF, PG_SCRAM_ERR_FORMAT, "nonce (r=)" },
	{ "r=" RFC_NONCE ",c=biws,p=" RFC_PROOF, PG_SCRAM_ERR_FORMAT, "channel-binding data (c=)" },
	{ "c=biws,r=" RFC_NONCE ",r=" RFC_NONCE ",p=" RFC_PROOF, PG_SCRAM_ERR_FORMAT, "twice" },
	{ "c=biws,r=" RFC_NONCE ",m=1,p=" RFC_PROOF, PG_SCRAM_ERR_UNSUPPORTED, "m=" },
	/* An extension changes client-final-without-proof, so the RFC proof no
	 * longer matches: it is accepted syntactically, then fails. */
	{ "c=biws,r=" RFC_NONCE ",x=1,p=" RFC_PROOF, PG_SCRAM_ERR_PROOF, "password" },
	{ "", PG_SCRAM_ERR_FORMAT, "empty" },
};

START_TEST(test_server_client_final)
{
	struct pg_scram_server s;
	rfc_server_at_final(&s);
	struct pg_buf out;
	pg_buf_init(&out);
	const char *msg = client_finals[_i].msg;
	enum pg_scram_result res = pg_scram_server_handle_final(&s, u8(msg), strlen(msg), &out);
	assert_outcome(msg, res, client_finals[_i].res, s.err_reason, client_finals[_i].reason);
	if (res == PG_SCRAM_OK) {
		assert_buf(&out, rfc_server_final);
	} else {
		ck_assert_int_eq(s.phase, PG_SCRAM_SERVER_FAILED);
		ck_assert_uint_eq(out.len, 0);
		uint8_t zero[PG_SCRAM_KEY_LEN] = { 0 };
		ck_assert_mem_eq(s.client_key, zero, PG_SCRAM_KEY_LEN);
	}
	pg_buf_fini(&out);
	pg_scram_server_fini(&s);
}
END_TEST

/* gs2 flag "y" (client can bind, saw no -PLUS): c= must be "eSws", and the
 * proof is computed here by hand from the RFC keys. */
START_TEST(test_server_gs2_y)
{
	static const char first[] = "y,,n=,r=abc";
	static const char without_proof[] = "c=eSws,r=abcSN";
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	struct pg_scram_server s;
	pg_scram_server_init(&s, &v);
	struct pg_buf out, am;
	pg_buf_init(&out);
	pg_buf_init(&am);
	ck_assert_int_eq(pg_scram_server_handle_first(&s, u8(first), strlen(first), "SN", &out),
			 PG_SCRAM_OK);
	pg_buf_put_bytes(&am, first + 3, strlen(first) - 3);
	pg_buf_put_u8(&am, ',');
	pg_buf_put_bytes(&am, out.data, out.len);
	pg_buf_put_u8(&am, ',');
	pg_buf_put_bytes(&am, without_proof, strlen(without_proof));
	uint8_t key[PG_SCRAM_KEY_LEN], proof[PG_SCRAM_KEY_LEN];
	decode32(rfc_client_key, key);
	ck_assert_int_eq(pg_scram_msg_hmac(v.stored_key, am.data, am.len, proof), 0);
	for (size_t i = 0; i < PG_SCRAM_KEY_LEN; i++)
		proof[i] ^= key[i];
	pg_buf_reset(&out);
	pg_buf_put_bytes(&out, without_proof, strlen(without_proof));
	pg_buf_put_bytes(&out, ",p=", 3);
	pg_scram_msg_put_base64(&out, proof, PG_SCRAM_KEY_LEN);
	struct pg_buf final;
	pg_buf_init(&final);
	ck_assert_int_eq(pg_scram_server_handle_final(&s, out.data, out.len, &final), PG_SCRAM_OK);
	ck_assert_mem_eq(s.client_key, key, PG_SCRAM_KEY_LEN);
	pg_buf_fini(&final);
	pg_buf_fini(&am);
	pg_buf_fini(&out);
	pg_scram_server_fini(&s);
}
END_TEST

/* ---- Client: server-first-message after the RFC client-first ---- */

static const struct {
	const char *msg;
	enum pg_scram_result res;
	const char *reason;
} server_firsts[] = {
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096", PG_SCRAM_OK, NULL },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096,x=ext", PG_SCRAM_OK, NULL },
	{ "r=" RFC_CNONCE ",s=" RFC_SALT ",i=4096", PG_SCRAM_ERR_NONCE, "extend" },
	{ "r=xOprNGfwEbeRWgbNEkqO" RFC_SNONCE ",s=" RFC_SALT ",i=4096", PG_SCRAM_ERR_NONCE, "extend" },
	{ "r=rOpr,s=" RFC_SALT ",i=4096", PG_SCRAM_ERR_NONCE, "extend" },
	{ "r=" RFC_NONCE " x,s=" RFC_SALT ",i=4096", PG_SCRAM_ERR_FORMAT, "printable" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=0", PG_SCRAM_ERR_PARAMS, "iteration count" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=10000001", PG_SCRAM_ERR_PARAMS, "iteration count" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=99999999999999999999", PG_SCRAM_ERR_PARAMS,
	  "iteration count" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=04096", PG_SCRAM_ERR_FORMAT, "decimal" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=-1", PG_SCRAM_ERR_FORMAT, "decimal" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=", PG_SCRAM_ERR_FORMAT, "decimal" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096x", PG_SCRAM_ERR_FORMAT, "decimal" },
	{ "r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", PG_SCRAM_ERR_FORMAT, "salt (s=)" },
	{ "r=" RFC_NONCE ",s=W22Z!J0SNY7soEsUEjb6gQ==,i=4096", PG_SCRAM_ERR_FORMAT, "salt (s=)" },
	{ "r=" RFC_NONCE ",s=,i=4096", PG_SCRAM_ERR_PARAMS, "empty" },
	/* 69 bytes of salt: over PG_SCRAM_SALT_MAX. */
	{ "r=" RFC_NONCE ",s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAAAAAAAAAA,i=4096", PG_SCRAM_ERR_PARAMS, "longer than 64" },
	{ "r=" RFC_NONCE ",i=4096", PG_SCRAM_ERR_FORMAT, "salt (s=)" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT, PG_SCRAM_ERR_FORMAT, "iteration count (i=)" },
	{ "s=" RFC_SALT ",r=" RFC_NONCE ",i=4096", PG_SCRAM_ERR_FORMAT, "nonce (r=)" },
	{ "r=" RFC_NONCE ",i=4096,s=" RFC_SALT, PG_SCRAM_ERR_FORMAT, "salt (s=)" },
	{ "m=x,r=" RFC_NONCE ",s=" RFC_SALT ",i=4096", PG_SCRAM_ERR_UNSUPPORTED, "m=" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096,i=4096", PG_SCRAM_ERR_FORMAT, "twice" },
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096,", PG_SCRAM_ERR_FORMAT, "letter" },
	/* The ready keys belong to 4096 rounds of RFC_SALT. */
	{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4097", PG_SCRAM_ERR_PARAMS, "ready keys" },
	{ "r=" RFC_NONCE ",s=AAAAAAAAAAAAAAAAAAAAAA==,i=4096", PG_SCRAM_ERR_PARAMS, "ready keys" },
	{ "", PG_SCRAM_ERR_FORMAT, "empty" },
};

START_TEST(test_client_server_first)
{
	struct pg_scram_client c;
	rfc_client_at_first(&c);
	struct pg_buf out;
	pg_buf_init(&out);
	const char *msg = server_firsts[_i].msg;
	enum pg_scram_result res = pg_scram_client_handle_first(&c, u8(msg), strlen(msg), &out);
	assert_outcome(msg, res, server_firsts[_i].res, c.err_reason, server_firsts[_i].reason);
	if (res == PG_SCRAM_OK) {
		ck_assert_int_eq(c.phase, PG_SCRAM_CLIENT_WAIT_SERVER_FINAL);
		ck_assert_uint_gt(out.len, 0);
	} else {
		ck_assert_int_eq(c.phase, PG_SCRAM_CLIENT_FAILED);
		ck_assert_uint_eq(out.len, 0);
	}
	pg_buf_fini(&out);
	pg_scram_client_fini(&c);
}
END_TEST

/* ---- Client: server-final-message after the RFC client-final ---- */

static const struct {
	const char *msg;
	enum pg_scram_result res;
	const char *reason;
} server_finals[] = {
	{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", PG_SCRAM_OK, NULL },
	{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=1", PG_SCRAM_OK, NULL },
	{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G0=", PG_SCRAM_ERR_SERVER_SIGNATURE,
	  "does not hold" },
	{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", PG_SCRAM_ERR_FORMAT, "(v=)" },
	{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9", PG_SCRAM_ERR_FORMAT, "(v=)" },
	{ "v=", PG_SCRAM_ERR_FORMAT, "(v=)" },
	{ "e=invalid-proof", PG_SCRAM_ERR_SERVER_REJECTED, "invalid-proof (wrong password)" },
	{ "e=other-error", PG_SCRAM_ERR_SERVER_REJECTED, "other-error" },
	{ "e=something-new", PG_SCRAM_ERR_SERVER_REJECTED, "unrecognized" },
	{ "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", PG_SCRAM_ERR_FORMAT, "v= or e=" },
	{ "m=1,v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", PG_SCRAM_ERR_UNSUPPORTED, "m=" },
	{ "", PG_SCRAM_ERR_FORMAT, "empty" },
};

START_TEST(test_client_server_final)
{
	struct pg_scram_client c;
	rfc_client_at_final(&c);
	const char *msg = server_finals[_i].msg;
	enum pg_scram_result res = pg_scram_client_handle_final(&c, u8(msg), strlen(msg));
	assert_outcome(msg, res, server_finals[_i].res, c.err_reason, server_finals[_i].reason);
	ck_assert_int_eq(c.phase, res == PG_SCRAM_OK ? PG_SCRAM_CLIENT_DONE : PG_SCRAM_CLIENT_FAILED);
	pg_scram_client_fini(&c);
}
END_TEST

/* ---- Truncation at every offset ---- */

enum which { CLIENT_FIRST, CLIENT_FINAL, SERVER_FIRST, SERVER_FINAL };

static const struct {
	enum which which;
	const char *msg;
	/* The shortest prefix that is itself a valid message: a shorter
	 * client nonce is still well-formed. (A shorter iteration count in
	 * server-first would be too, but the client here has ready keys for
	 * 4096 rounds and refuses it.) */
	size_t min_ok;
} truncations[] = {
	{ CLIENT_FIRST, rfc_client_first, sizeof "n,,n=user,r=r" - 1 },
	{ CLIENT_FINAL, rfc_client_final, sizeof rfc_client_final - 1 },
	{ SERVER_FIRST, rfc_server_first, sizeof rfc_server_first - 1 },
	{ SERVER_FINAL, rfc_server_final, sizeof rfc_server_final - 1 },
};

/* Feeds the first len bytes of a copy (so ASan sees any overread) of the
 * vector's message to the side that receives it. */
static enum pg_scram_result feed_prefix(size_t vec, size_t len, const char **reason)
{
	uint8_t *copy = xmalloc(len);
	memcpy(copy, truncations[vec].msg, len);
	struct pg_buf out;
	pg_buf_init(&out);
	struct pg_scram_server s;
	struct pg_scram_client c;
	enum pg_scram_result res;
	switch (truncations[vec].which) {
	case CLIENT_FIRST:
	case CLIENT_FINAL: {
		struct pg_scram_verifier v;
		parse_rfc_verifier(&v);
		if (truncations[vec].which == CLIENT_FIRST) {
			pg_scram_server_init(&s, &v);
			res = pg_scram_server_handle_first(&s, copy, len, RFC_SNONCE, &out);
		} else {
			rfc_server_at_final(&s);
			res = pg_scram_server_handle_final(&s, copy, len, &out);
		}
		*reason = s.err_reason;
		pg_scram_server_fini(&s);
		break;
	}
	case SERVER_FIRST:
		rfc_client_at_first(&c);
		res = pg_scram_client_handle_first(&c, copy, len, &out);
		*reason = c.err_reason;
		pg_scram_client_fini(&c);
		break;
	default:
		rfc_client_at_final(&c);
		res = pg_scram_client_handle_final(&c, copy, len);
		*reason = c.err_reason;
		pg_scram_client_fini(&c);
		break;
	}
	pg_buf_fini(&out);
	free(copy);
	return res;
}

START_TEST(test_truncated)
{
	size_t full = strlen(truncations[_i].msg);
	for (size_t len = 0; len <= full; len++) {
		const char *reason = NULL;
		enum pg_scram_result res = feed_prefix((size_t)_i, len, &reason);
		if (len >= truncations[_i].min_ok) {
			ck_assert_msg(res == PG_SCRAM_OK, "prefix %zu of \"%s\": %s", len,
				      truncations[_i].msg, pg_scram_result_name(res));
		} else {
			ck_assert_msg(res != PG_SCRAM_OK && reason != NULL,
				      "prefix %zu of \"%s\" accepted", len, truncations[_i].msg);
		}
	}
}
END_TEST

/* ---- Round trips between our own client and server ---- */

enum secret_form { FROM_VERIFIER, FROM_PLAINTEXT };

static const struct {
	enum secret_form form;
	const char *secret;    /* verifier text, or the server's plaintext */
	const char *password;  /* what the client uses */
	const char *user;
	enum pg_scram_result res;  /* of pg_scram_server_handle_final */
} round_trips[] = {
	{ FROM_VERIFIER, rfc_verifier, "pencil", "", PG_SCRAM_OK },
	{ FROM_VERIFIER, rfc_verifier, "pencil", "us,er=x", PG_SCRAM_OK },
	{ FROM_VERIFIER, rfc_verifier, "Pencil", "", PG_SCRAM_ERR_PROOF },
	{ FROM_VERIFIER, rfc_verifier, "", "", PG_SCRAM_ERR_PROOF },
	{ FROM_PLAINTEXT, "s3cr3t,with=odd chars", "s3cr3t,with=odd chars", "", PG_SCRAM_OK },
	/* Non-ASCII: raw bytes on both sides. */
	{ FROM_PLAINTEXT, "p\xc3\xa4ss", "p\xc3\xa4ss", "", PG_SCRAM_OK },
	{ FROM_PLAINTEXT, "s3cr3t", "s3cr3T", "", PG_SCRAM_ERR_PROOF },
};

static void make_verifier(size_t i, struct pg_scram_verifier *v)
{
	if (round_trips[i].form == FROM_VERIFIER) {
		const char *reason;
		ck_assert_int_eq(pg_scram_verifier_parse(round_trips[i].secret, v, &reason), 0);
		return;
	}
	static const uint8_t salt[] = "corral-test-salt";
	struct pg_scram_keys k;
	ck_assert_int_eq(pg_scram_keys_derive(round_trips[i].secret, salt, sizeof salt - 1,
					      4096, &k), 0);
	pg_scram_verifier_from_keys(v, &k, salt, sizeof salt - 1, 4096);
}

/* Runs a whole exchange; returns the server's verdict on the proof and,
 * on success, checks the client accepts the server-final. */
static enum pg_scram_result run_exchange(const struct pg_scram_verifier *v,
					 struct pg_scram_client *c, const char *user,
					 uint8_t client_key[PG_SCRAM_KEY_LEN])
{
	struct pg_scram_server s;
	pg_scram_server_init(&s, v);
	struct pg_buf c1, s1, c2, s2;
	pg_buf_init(&c1);
	pg_buf_init(&s1);
	pg_buf_init(&c2);
	pg_buf_init(&s2);
	char cnonce[PG_SCRAM_NONCE_LEN + 1], snonce[PG_SCRAM_NONCE_LEN + 1];
	ck_assert_int_eq(pg_scram_random_nonce(cnonce), 0);
	ck_assert_int_eq(pg_scram_random_nonce(snonce), 0);
	ck_assert_int_eq(pg_scram_client_first(c, user, cnonce, &c1), PG_SCRAM_OK);
	ck_assert_int_eq(pg_scram_server_handle_first(&s, c1.data, c1.len, snonce, &s1), PG_SCRAM_OK);
	ck_assert_int_eq(pg_scram_client_handle_first(c, s1.data, s1.len, &c2), PG_SCRAM_OK);
	enum pg_scram_result res = pg_scram_server_handle_final(&s, c2.data, c2.len, &s2);
	if (res == PG_SCRAM_OK) {
		ck_assert_int_eq(pg_scram_client_handle_final(c, s2.data, s2.len), PG_SCRAM_OK);
		if (client_key != NULL)
			memcpy(client_key, s.client_key, PG_SCRAM_KEY_LEN);
	} else {
		ck_assert_str_eq(s.err_reason, "password authentication failed: "
				 "the client's proof does not match the stored secret");
	}
	pg_buf_fini(&c1);
	pg_buf_fini(&s1);
	pg_buf_fini(&c2);
	pg_buf_fini(&s2);
	pg_scram_server_fini(&s);
	return res;
}

START_TEST(test_round_trip)
{
	struct pg_scram_verifier v;
	make_verifier((size_t)_i, &v);
	struct pg_scram_client c;
	pg_scram_client_init_password(&c, round_trips[_i].password);
	enum pg_scram_result res = run_exchange(&v, &c, round_trips[_i].user, NULL);
	ck_assert_msg(res == round_trips[_i].res, "%s", pg_scram_result_name(res));
	if (res == PG_SCRAM_OK) {
		/* The client's cacheable state logs in again without PBKDF2. */
		struct pg_scram_client again;
		pg_scram_client_init_keys(&again, &c.verifier, c.keys.client_key);
		ck_assert_int_eq(run_exchange(&v, &again, "", NULL), PG_SCRAM_OK);
		pg_scram_client_fini(&again);
	}
	pg_scram_client_fini(&c);
}
END_TEST

/* Passthrough: the ClientKey recovered by our server from an application
 * client logs corral in to a second server holding the same verifier. */
START_TEST(test_passthrough_keys)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	struct pg_scram_client app;
	pg_scram_client_init_password(&app, RFC_PASSWORD);
	uint8_t client_key[PG_SCRAM_KEY_LEN];
	ck_assert_int_eq(run_exchange(&v, &app, "", client_key), PG_SCRAM_OK);
	pg_scram_client_fini(&app);
	struct pg_scram_client corral;
	pg_scram_client_init_keys(&corral, &v, client_key);
	ck_assert_int_eq(run_exchange(&v, &corral, "", NULL), PG_SCRAM_OK);
	ck_assert_int_eq(corral.phase, PG_SCRAM_CLIENT_DONE);
	pg_scram_client_fini(&corral);
}
END_TEST

/* ---- Calls out of order and bad arguments ---- */

START_TEST(test_server_state)
{
	struct pg_scram_verifier v;
	parse_rfc_verifier(&v);
	struct pg_scram_server s;
	struct pg_buf out;
	pg_buf_init(&out);
	pg_scram_server_init(&s, &v);
	ck_assert_int_eq(pg_scram_server_handle_final(&s, u8(rfc_client_final),
						      strlen(rfc_client_final), &out),
			 PG_SCRAM_ERR_STATE);
	ck_assert_int_eq(s.phase, PG_SCRAM_SERVER_FAILED);
	/* A failed exchange stays failed. */
	ck_assert_int_eq(pg_scram_server_handle_first(&s, u8(rfc_client_first),
						      strlen(rfc_client_first), RFC_SNONCE, &out),
			 PG_SCRAM_ERR_STATE);
	pg_scram_server_fini(&s);
	pg_scram_server_init(&s, &v);
	ck_assert_int_eq(pg_scram_server_handle_first(&s, u8(rfc_client_first),
						      strlen(rfc_client_first), "a,b", &out),
			 PG_SCRAM_ERR_STATE);
	ck_assert_str_eq(s.err_reason, "server nonce is empty or not printable ASCII");
	pg_scram_server_fini(&s);
	rfc_server_at_final(&s);
	ck_assert_int_eq(pg_scram_server_handle_first(&s, u8(rfc_client_first),
						      strlen(rfc_client_first), RFC_SNONCE, &out),
			 PG_SCRAM_ERR_STATE);
	ck_assert_uint_eq(out.len, 0);
	pg_scram_server_fini(&s);
	pg_buf_fini(&out);
}
END_TEST

START_TEST(test_client_state)
{
	struct pg_scram_client c;
	struct pg_buf out;
	pg_buf_init(&out);
	pg_scram_client_init_password(&c, RFC_PASSWORD);
	ck_assert_int_eq(pg_scram_client_handle_first(&c, u8(rfc_server_first),
						      strlen(rfc_server_first), &out),
			 PG_SCRAM_ERR_STATE);
	ck_assert_int_eq(pg_scram_client_first(&c, "", RFC_CNONCE, &out), PG_SCRAM_ERR_STATE);
	pg_scram_client_fini(&c);
	pg_scram_client_init_password(&c, RFC_PASSWORD);
	ck_assert_int_eq(pg_scram_client_first(&c, NULL, "", &out), PG_SCRAM_ERR_STATE);
	ck_assert_str_eq(c.err_reason, "client nonce is empty or not printable ASCII");
	pg_scram_client_fini(&c);
	rfc_client_at_first(&c);
	ck_assert_int_eq(pg_scram_client_handle_final(&c, u8(rfc_server_final),
						      strlen(rfc_server_final)),
			 PG_SCRAM_ERR_STATE);
	pg_scram_client_fini(&c);
	ck_assert_uint_eq(out.len, 0);
	pg_buf_fini(&out);
}
END_TEST

#define N(table) ((int)(sizeof table / sizeof table[0]))

int main(void)
{
	Suite *s = suite_create("pg_scram");
	TCase *tc = tcase_create("rfc7677");
	tcase_add_test(tc, test_rfc_keys_derive);
	tcase_add_test(tc, test_rfc_client_password);
	tcase_add_test(tc, test_rfc_server);
	tcase_add_test(tc, test_rfc_client_ready_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("verifier");
	tcase_add_loop_test(tc, test_verifier_rejects, 0, N(bad_verifiers));
	tcase_add_test(tc, test_verifier_roundtrip);
	tcase_add_test(tc, test_keys_derive_preconditions);
	tcase_add_test(tc, test_random_nonce);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_loop_test(tc, test_server_client_first, 0, N(client_firsts));
	tcase_add_loop_test(tc, test_server_client_final, 0, N(client_finals));
	tcase_add_test(tc, test_server_gs2_y);
	tcase_add_loop_test(tc, test_client_server_first, 0, N(server_firsts));
	tcase_add_loop_test(tc, test_client_server_final, 0, N(server_finals));
	tcase_add_loop_test(tc, test_truncated, 0, N(truncations));
	tcase_add_test(tc, test_server_state);
	tcase_add_test(tc, test_client_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_round_trip, 0, N(round_trips));
	tcase_add_test(tc, test_passthrough_keys);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
