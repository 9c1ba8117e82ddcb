/* client_auth: one application client's login, from the choice of method
 * (auth_type or the connection's hba rule, and the kind of the user's
 * secret from auth_file or auth_query) through the password, md5 or SCRAM
 * exchange to AuthenticationOk or an error. Messages are
 * decoded with pg_frontend, answers built with pg_backend, secrets checked
 * with pg_md5 and pg_scram; randomness and derived SCRAM keys come from
 * scram_cache. Client-facing texts follow PgBouncer's and PostgreSQL's
 * (see client_auth.h); sockets, logging and timers are the caller's. */
#include "pooler/client_auth.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_base64.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_secret.h"
#include "util/xalloc.h"

/* Random bytes behind a server nonce: 18, base64 to PG_SCRAM_NONCE_LEN
 * characters, as PostgreSQL makes them. */
#define NONCE_RAW_LEN 18
_Static_assert((NONCE_RAW_LEN + 2) / 3 * 4 == PG_SCRAM_NONCE_LEN, "nonce size");

static const char *const sasl_mechanisms[] = { PG_SCRAM_MECHANISM };

/* Outcome of checking a password against the stored secret. */
enum check {
	CHECK_MATCH,
	CHECK_MISMATCH,
	CHECK_CRYPTO,   /* OpenSSL failed: neither answer is known */
};

static const char *method_name(enum client_auth_method m)
{
	switch (m) {
	case CLIENT_AUTH_METHOD_NONE:
		return "none";
	case CLIENT_AUTH_METHOD_CLEARTEXT:
		return "plain";
	case CLIENT_AUTH_METHOD_MD5:
		return "md5";
	case CLIENT_AUTH_METHOD_SCRAM:
		return "SCRAM-SHA-256";
	}
	return "?";
}

static void set_log(struct client_auth_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_log(struct client_auth_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->log, sizeof err->log, fmt, ap);
	va_end(ap);
}

/* Ends the login with sqlstate, the formatted message and detail (NULL for
 * none). err->log is left as the caller set it. */
static enum client_auth_result fail(struct client_auth *a, struct client_auth_error *err,
				    const char *sqlstate, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static enum client_auth_result fail(struct client_auth *a, struct client_auth_error *err,
				    const char *sqlstate, const char *detail, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	snprintf(err->detail, sizeof err->detail, "%s", detail ? detail : "");
	err->sqlstate = sqlstate;
	a->phase = CLIENT_AUTH_PH_FAILED;
	return CLIENT_AUTH_FAIL;
}

static enum client_auth_result internal_error(struct client_auth *a,
					      struct client_auth_error *err, const char *why)
{
	set_log(err, "cannot authenticate user \"%s\": %s", a->user, why);
	return fail(a, err, "XX000", NULL, "internal error during authentication");
}

static enum client_auth_result protocol_error(struct client_auth *a,
					      struct client_auth_error *err, const char *message,
					      const char *detail)
{
	set_log(err, "%s: %s", message, detail);
	return fail(a, err, "08P01", detail, "%s", message);
}

/* The operator's reason for a login bound to fail. */
static void log_mock(const struct client_auth *a, struct client_auth_error *err)
{
	switch (a->mock) {
	case CLIENT_AUTH_MOCK_NONE:
		break;
	case CLIENT_AUTH_MOCK_NO_USER:
		set_log(err, "no such user \"%s\" in auth_file%s", a->user,
			a->looked_up ? " nor found by auth_query" : "");
		break;
	case CLIENT_AUTH_MOCK_EMPTY_SECRET:
		set_log(err, "user \"%s\" has an empty password in %s", a->user,
			a->looked_up ? "auth_query's answer" : "auth_file");
		break;
	case CLIENT_AUTH_MOCK_MD5_SECRET:
		set_log(err, "cannot do SCRAM with an md5 secret for user \"%s\"", a->user);
		break;
	case CLIENT_AUTH_MOCK_BAD_VERIFIER:
		set_log(err, "malformed SCRAM secret for user \"%s\" in auth_file: %s", a->user,
			a->mock_reason);
		break;
	}
}

/* The one answer to a wrong password and to every login bound to fail:
 * the client cannot tell them apart, the log can. */
static enum client_auth_result reject(struct client_auth *a, struct client_auth_error *err)
{
	if (a->mock != CLIENT_AUTH_MOCK_NONE)
		log_mock(a, err);
	else
		set_log(err, "wrong password for user \"%s\" (%s)", a->user, method_name(a->method));
	return fail(a, err, "28P01", NULL, "password authentication failed for user \"%s\"",
		    a->user);
}

static enum client_auth_result accept(struct client_auth *a, struct pg_buf *out)
{
	pg_backend_put_auth_ok(out);
	a->phase = CLIENT_AUTH_PH_DONE;
	return CLIENT_AUTH_OK;
}

static const char *auth_type_name(enum cfg_auth_type t)
{
	return cfg_setting_find("auth_type")->choices[t];
}

/* scram_iterations (1..INT_MAX in cfg) within what protocol/ accepts. */
static uint32_t scram_iterations(const struct cfg_settings *s)
{
	uint32_t n = (uint32_t)s->scram_iterations;
	return n > PG_SCRAM_MAX_ITERATIONS ? PG_SCRAM_MAX_ITERATIONS : n;
}

static enum client_auth_result ask_cleartext(struct client_auth *a, const char *secret,
					     struct pg_buf *out)
{
	if (a->mock == CLIENT_AUTH_MOCK_NONE)
		a->secret = xstrdup(secret);
	a->method = CLIENT_AUTH_METHOD_CLEARTEXT;
	a->phase = CLIENT_AUTH_PH_WAIT_PASSWORD;
	pg_backend_put_auth_cleartext(out);
	return CLIENT_AUTH_CONTINUE;
}

/* Even a user bound to fail gets a fresh salt, so the challenge looks the
 * same as a real one. */
static enum client_auth_result ask_md5(struct client_auth *a, struct scram_cache *cache,
				       const char *secret, struct pg_buf *out,
				       struct client_auth_error *err)
{
	if (scram_cache_random(cache, a->md5_salt, sizeof a->md5_salt) != 0)
		return internal_error(a, err, "the random source failed (md5 salt)");
	if (a->mock == CLIENT_AUTH_MOCK_NONE)
		a->secret = xstrdup(secret);
	a->method = CLIENT_AUTH_METHOD_MD5;
	a->phase = CLIENT_AUTH_PH_WAIT_PASSWORD;
	pg_backend_put_auth_md5(out, a->md5_salt);
	return CLIENT_AUTH_CONTINUE;
}

/* The verifier the exchange runs against: the auth_file's SCRAM secret,
 * one derived (or cached) from a plaintext secret, or a mock one for a
 * user bound to fail. 0, or -1 when randomness or OpenSSL failed. */
static int scram_verifier(struct client_auth *a, struct scram_cache *cache, const char *secret,
			  uint32_t iterations, struct pg_scram_verifier *v)
{
	if (a->mock == CLIENT_AUTH_MOCK_NONE && a->secret_kind == CFG_SECRET_MD5)
		a->mock = CLIENT_AUTH_MOCK_MD5_SECRET;
	if (a->mock == CLIENT_AUTH_MOCK_NONE && a->secret_kind == CFG_SECRET_SCRAM) {
		const char *reason = NULL;
		if (pg_scram_verifier_parse(secret, v, &reason) == 0) {
			a->scram_from_file = true;
			return 0;
		}
		a->mock = CLIENT_AUTH_MOCK_BAD_VERIFIER;
		a->mock_reason = reason;
	}
	if (a->mock == CLIENT_AUTH_MOCK_NONE)
		return scram_cache_verifier(cache, a->user, secret, iterations, v);
	return scram_cache_mock_verifier(cache, a->user, iterations, v);
}

static enum client_auth_result ask_scram(struct client_auth *a, struct scram_cache *cache,
					 const char *secret, uint32_t iterations,
					 struct pg_buf *out, struct client_auth_error *err)
{
	uint8_t raw[NONCE_RAW_LEN];
	if (scram_cache_random(cache, raw, sizeof raw) != 0)
		return internal_error(a, err, "the random source failed (SCRAM nonce)");
	pg_base64_encode(raw, sizeof raw, a->scram_nonce);
	struct pg_scram_verifier v;
	int rc = scram_verifier(a, cache, secret, iterations, &v);
	if (rc == 0) {
		pg_scram_server_init(&a->scram, &v);
		a->method = CLIENT_AUTH_METHOD_SCRAM;
		a->phase = CLIENT_AUTH_PH_WAIT_SASL_INITIAL;
		pg_backend_put_auth_sasl(out, sasl_mechanisms, 1);
	}
	OPENSSL_cleanse(&v, sizeof v);
	if (rc != 0)
		return internal_error(a, err, "PBKDF2, HMAC or the random source failed in OpenSSL");
	return CLIENT_AUTH_CONTINUE;
}

/* plain, md5 and scram-sha-256 with the user's secret (a->secret_kind and
 * a->mock set): pick the exchange from the type and the kind of secret
 * (md5 with a SCRAM secret does SCRAM, as in PgBouncer). A user without a
 * usable secret runs the same exchange. */
static enum client_auth_result ask_password(struct client_auth *a, struct scram_cache *cache,
					    const char *secret, struct pg_buf *out,
					    struct client_auth_error *err)
{
	if (a->type == CFG_AUTH_PLAIN)
		return ask_cleartext(a, secret, out);
	if (a->type == CFG_AUTH_MD5 && a->secret_kind != CFG_SECRET_SCRAM)
		return ask_md5(a, cache, secret, out, err);
	return ask_scram(a, cache, secret, a->scram_iterations, out, err);
}

static enum client_auth_result wait_lookup(struct client_auth *a)
{
	a->phase = CLIENT_AUTH_PH_WAIT_LOOKUP;
	return CLIENT_AUTH_LOOKUP;
}

/* Every cert failure's message (PostgreSQL's words); the detail says why. */
static const char cert_failed_fmt[] = "certificate authentication failed for user \"%s\"";

/* trust (or cert, whose certificate passed) for a user nobody knows. */
static enum client_auth_result trust_failed(struct client_auth *a, struct client_auth_error *err,
					    const char *where)
{
	bool cert = a->type == CFG_AUTH_CERT;
	set_log(err, "no such user \"%s\" in %s (%s)", a->user, where, cert ? "cert" : "trust");
	if (cert)
		return fail(a, err, "28000", NULL, cert_failed_fmt, a->user);
	return fail(a, err, "28000", NULL, "\"trust\" authentication failed");
}

static enum client_auth_result begin_password(struct client_auth *a, const struct cfg *cfg,
					      struct scram_cache *cache, struct pg_buf *out,
					      struct client_auth_error *err)
{
	const struct cfg_auth_entry *e = cfg_authfile_find(&cfg->auth, a->user);
	if (e == NULL && a->can_lookup)
		return wait_lookup(a);
	a->secret_kind = e ? e->kind : CFG_SECRET_NONE;
	if (e == NULL)
		a->mock = CLIENT_AUTH_MOCK_NO_USER;
	else if (e->kind == CFG_SECRET_NONE)
		a->mock = CLIENT_AUTH_MOCK_EMPTY_SECRET;
	return ask_password(a, cache, e ? e->secret : "", out, err);
}

/* The exchange for a->type, the auth_type in force for this client. */
static enum client_auth_result begin_type(struct client_auth *a, const struct cfg *cfg,
					  struct scram_cache *cache, struct pg_buf *out,
					  struct client_auth_error *err)
{
	switch (a->type) {
	case CFG_AUTH_ANY:
		return accept(a, out);
	case CFG_AUTH_TRUST:
	case CFG_AUTH_CERT:  /* the certificate passed (check_cert) */
		if (cfg_authfile_find(&cfg->auth, a->user) != NULL ||
		    cfg_find_user(cfg, a->user) != NULL)
			return accept(a, out);
		if (a->can_lookup)
			return wait_lookup(a);
		return trust_failed(a, err, "auth_file or [users]");
	case CFG_AUTH_PLAIN:
	case CFG_AUTH_MD5:
	case CFG_AUTH_SCRAM_SHA_256:
		return begin_password(a, cfg, cache, out, err);
	default:
		set_log(err, "auth_type %s is not supported yet (user \"%s\")",
			auth_type_name(a->type), a->user);
		return fail(a, err, "28000", NULL, "auth_type %s is not supported yet",
			    auth_type_name(a->type));
	}
}

/* A rule said reject, or none matched: PostgreSQL's words for each. */
static enum client_auth_result hba_rejected(struct client_auth *a,
					    const struct client_auth_conn *conn, int line,
					    struct client_auth_error *err)
{
	char host[48];
	cfg_hba_addr_format(&conn->addr, host, sizeof host);
	const char *tls = conn->is_ssl ? "SSL encryption" : "no encryption";
	if (line > 0) {
		set_log(err, "auth_hba_file line %d rejects user \"%s\", database \"%s\"", line,
			a->user, conn->database);
		return fail(a, err, "28000", NULL, "pg_hba.conf rejects connection for host \"%s\", "
			    "user \"%s\", database \"%s\", %s", host, a->user, conn->database, tls);
	}
	set_log(err, "no auth_hba_file rule matches user \"%s\", database \"%s\"", a->user,
		conn->database);
	return fail(a, err, "28000", NULL, "no pg_hba.conf entry for host \"%s\", user \"%s\", "
		    "database \"%s\", %s", host, a->user, conn->database, tls);
}

/* peer: the unix socket peer's OS user must be the user asked for.
 * getpwuid_r reads the password database (a local file, in practice). */
static enum client_auth_result check_peer(struct client_auth *a,
					  const struct client_auth_conn *conn, int line,
					  struct client_auth_error *err)
{
	char buf[4096];
	struct passwd pw, *found = NULL;
	if (!conn->have_peer_uid)
		set_log(err, "peer authentication (auth_hba_file line %d): the peer of user \"%s\" "
			"is unknown", line, a->user);
	else if (getpwuid_r(conn->peer_uid, &pw, buf, sizeof buf, &found) != 0 || found == NULL)
		set_log(err, "peer authentication (auth_hba_file line %d): no OS user has uid %ld",
			line, (long)conn->peer_uid);
	else if (strcmp(found->pw_name, a->user) != 0)
		set_log(err, "peer authentication (auth_hba_file line %d): OS user \"%s\" asked to "
			"log in as \"%s\"", line, found->pw_name, a->user);
	else
		return CLIENT_AUTH_CONTINUE;
	return fail(a, err, "28000", NULL, "Peer authentication failed for user \"%s\"", a->user);
}

/* cert: a TLS connection whose client certificate verified and names the
 * user as its Common Name (CONTINUE: the user must still exist, as for
 * trust), else FAIL naming the user, the detail saying what was wrong.
 * line is the hba rule's, 0 for auth_type cert. */
static enum client_auth_result check_cert(struct client_auth *a,
					  const struct client_auth_conn *conn, int line,
					  struct client_auth_error *err)
{
	char where[48] = "auth_type cert";
	char detail[CLIENT_AUTH_TEXT_SIZE + 96];
	if (line > 0)
		snprintf(where, sizeof where, "auth_hba_file line %d", line);
	a->type = CFG_AUTH_CERT;
	if (!conn->is_ssl)
		snprintf(detail, sizeof detail, "The connection does not use TLS: "
			 "certificate authentication needs TLS and a client certificate.");
	else if (!conn->has_cert_cn)
		snprintf(detail, sizeof detail, "No valid client certificate: %s.", conn->cert_why);
	else if (strcmp(conn->cert_cn, a->user) != 0)
		snprintf(detail, sizeof detail, "The client certificate is for \"%s\": its Common "
			 "Name must be the user name.", conn->cert_cn);
	else
		return CLIENT_AUTH_CONTINUE;
	set_log(err, "cert authentication (%s) of user \"%s\": %s", where, a->user, detail);
	return fail(a, err, "28000", detail, cert_failed_fmt, a->user);
}

/* auth_type hba: the first matching rule's method as the auth_type it
 * stands for, in a->type (CONTINUE), or the login's end (FAIL). */
static enum client_auth_result pick_hba(struct client_auth *a, const struct cfg *cfg,
					const struct client_auth_conn *conn,
					struct client_auth_error *err)
{
	int line = 0;
	switch (cfg_hba_match(&cfg->hba, &conn->addr, conn->is_ssl, conn->database, a->user, &line)) {
	case CFG_HBA_TRUST:
		a->type = CFG_AUTH_TRUST;
		return CLIENT_AUTH_CONTINUE;
	case CFG_HBA_PASSWORD:
		a->type = CFG_AUTH_PLAIN;
		return CLIENT_AUTH_CONTINUE;
	case CFG_HBA_MD5:
		a->type = CFG_AUTH_MD5;
		return CLIENT_AUTH_CONTINUE;
	case CFG_HBA_SCRAM:
		a->type = CFG_AUTH_SCRAM_SHA_256;
		return CLIENT_AUTH_CONTINUE;
	case CFG_HBA_PEER:
		a->type = CFG_AUTH_TRUST;  /* the OS vouches; the user must still exist */
		return check_peer(a, conn, line, err);
	case CFG_HBA_CERT:
		return check_cert(a, conn, line, err);
	case CFG_HBA_REJECT:
		break;
	}
	return hba_rejected(a, conn, line, err);
}

enum client_auth_result client_auth_begin(struct client_auth *a, const struct cfg *cfg,
					  struct scram_cache *cache,
					  const struct client_auth_conn *conn, const char *user,
					  struct pg_buf *out, struct client_auth_error *err)
{
	memset(a, 0, sizeof *a);
	memset(err, 0, sizeof *err);
	a->user = xstrdup(user);
	a->type = cfg->settings.auth_type;
	a->scram_iterations = scram_iterations(&cfg->settings);
	a->can_lookup = conn->can_lookup;
	enum client_auth_result r = CLIENT_AUTH_CONTINUE;
	if (a->type == CFG_AUTH_HBA)
		r = pick_hba(a, cfg, conn, err);
	else if (a->type == CFG_AUTH_CERT)
		r = check_cert(a, conn, 0, err);
	if (r != CLIENT_AUTH_CONTINUE)
		return r;
	return begin_type(a, cfg, cache, out, err);
}

bool client_auth_uses_cert(const struct cfg *cfg)
{
	return cfg->settings.auth_type == CFG_AUTH_CERT ||
	       (cfg->settings.auth_type == CFG_AUTH_HBA && cfg_hba_uses(&cfg->hba, CFG_HBA_CERT));
}

static enum cfg_secret_kind secret_kind(const char *secret)
{
	if (secret == NULL || secret[0] == '\0')
		return CFG_SECRET_NONE;
	switch (pg_secret_kind(secret)) {
	case PG_SECRET_MD5:
		return CFG_SECRET_MD5;
	case PG_SECRET_SCRAM:
		return CFG_SECRET_SCRAM;
	case PG_SECRET_PLAIN:
		break;
	}
	return CFG_SECRET_PLAIN;
}

enum client_auth_result client_auth_lookup_done(struct client_auth *a, struct scram_cache *cache,
						bool found, const char *secret, struct pg_buf *out,
						struct client_auth_error *err)
{
	memset(err, 0, sizeof *err);
	if (a->phase != CLIENT_AUTH_PH_WAIT_LOOKUP)
		return internal_error(a, err, "an auth_query answer came when none was awaited");
	a->phase = CLIENT_AUTH_PH_NONE;
	a->looked_up = true;
	if (a->type == CFG_AUTH_TRUST || a->type == CFG_AUTH_CERT)
		return found ? accept(a, out) : trust_failed(a, err, "auth_file, [users] or auth_query");
	a->secret_kind = found ? secret_kind(secret) : CFG_SECRET_NONE;
	if (!found)
		a->mock = CLIENT_AUTH_MOCK_NO_USER;
	else if (a->secret_kind == CFG_SECRET_NONE)
		a->mock = CLIENT_AUTH_MOCK_EMPTY_SECRET;
	return ask_password(a, cache, a->mock == CLIENT_AUTH_MOCK_NONE ? secret : "", out, err);
}

/* Compares digests so that the time taken says nothing about where the
 * strings differ or how long the secret is. */
static enum check check_plain(const char *password, const char *secret)
{
	uint8_t d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
	unsigned n1 = 0, n2 = 0;
	enum check res = CHECK_CRYPTO;
	if (EVP_Digest(password, strlen(password), d1, &n1, EVP_sha256(), NULL) == 1 &&
	    EVP_Digest(secret, strlen(secret), d2, &n2, EVP_sha256(), NULL) == 1 && n1 == n2)
		res = CRYPTO_memcmp(d1, d2, n1) == 0 ? CHECK_MATCH : CHECK_MISMATCH;
	OPENSSL_cleanse(d1, sizeof d1);
	OPENSSL_cleanse(d2, sizeof d2);
	return res;
}

static enum check check_md5_secret(const struct client_auth *a, const char *password)
{
	char md5[PG_MD5_SECRET_SIZE];
	if (pg_md5_secret(password, a->user, md5) != 0)
		return CHECK_CRYPTO;
	enum check res = CRYPTO_memcmp(md5, a->secret, PG_MD5_SECRET_LEN) == 0 ? CHECK_MATCH
										 : CHECK_MISMATCH;
	OPENSSL_cleanse(md5, sizeof md5);
	return res;
}

/* A cleartext password against a SCRAM verifier: one PBKDF2 with the
 * verifier's salt and iterations (plain is deprecated; not cached). */
static enum check check_scram_secret(struct client_auth *a, const char *password)
{
	struct pg_scram_verifier v;
	struct pg_scram_keys k;
	const char *reason = NULL;
	if (pg_scram_verifier_parse(a->secret, &v, &reason) != 0) {
		a->mock = CLIENT_AUTH_MOCK_BAD_VERIFIER;
		a->mock_reason = reason;
		return CHECK_MISMATCH;
	}
	enum check res = CHECK_CRYPTO;
	if (pg_scram_keys_derive(password, v.salt, v.salt_len, v.iterations, &k) == 0)
		res = (CRYPTO_memcmp(k.stored_key, v.stored_key, PG_SCRAM_KEY_LEN) |
		       CRYPTO_memcmp(k.server_key, v.server_key, PG_SCRAM_KEY_LEN)) == 0
			      ? CHECK_MATCH : CHECK_MISMATCH;
	OPENSSL_cleanse(&k, sizeof k);
	OPENSSL_cleanse(&v, sizeof v);
	return res;
}

static enum check check_password(struct client_auth *a, const char *password)
{
	if (a->method == CLIENT_AUTH_METHOD_MD5) {
		switch (pg_md5_verify(a->secret, a->user, a->md5_salt, password)) {
		case PG_MD5_OK:
			return CHECK_MATCH;
		case PG_MD5_ERR_CRYPTO:
			return CHECK_CRYPTO;
		case PG_MD5_ERR_MISMATCH:
		case PG_MD5_ERR_SECRET:  /* not reached: SCRAM secrets do SCRAM */
			return CHECK_MISMATCH;
		}
		return CHECK_MISMATCH;
	}
	switch (a->secret_kind) {
	case CFG_SECRET_PLAIN:
		return check_plain(password, a->secret);
	case CFG_SECRET_MD5:
		return check_md5_secret(a, password);
	case CFG_SECRET_SCRAM:
		return check_scram_secret(a, password);
	case CFG_SECRET_NONE:
		break;
	}
	return CHECK_MISMATCH;
}

static enum client_auth_result unexpected_type(struct client_auth *a,
					       const struct pg_frame *msg, const char *expected,
					       struct client_auth_error *err)
{
	set_log(err, "expected %s response, got message type %d", expected, msg->type);
	return fail(a, err, "08P01", NULL, "expected %s response, got message type %d", expected,
		    msg->type);
}

/* PasswordMessage, after AuthenticationCleartextPassword or MD5Password. */
static enum client_auth_result on_password(struct client_auth *a, const struct pg_frame *msg,
					   struct pg_buf *out, struct client_auth_error *err)
{
	if (msg->type != PG_FE_PASSWORD)
		return unexpected_type(a, msg, "password", err);
	struct pg_reader r;
	const char *password;
	if (pg_frontend_read_password(msg, &r, &password) != PG_OK)
		return protocol_error(a, err, "invalid password packet size", r.err_reason);
	/* libpq never sends one; refusing it keeps "" from matching anything. */
	if (password[0] == '\0') {
		set_log(err, "empty password returned by client for user \"%s\"", a->user);
		return fail(a, err, "28P01", NULL, "empty password returned by client");
	}
	if (a->mock != CLIENT_AUTH_MOCK_NONE)
		return reject(a, err);
	switch (check_password(a, password)) {
	case CHECK_MATCH:
		return accept(a, out);
	case CHECK_MISMATCH:
		return reject(a, err);
	case CHECK_CRYPTO:
		break;
	}
	return internal_error(a, err, "OpenSSL failed while checking a password");
}

/* A failed SCRAM step: a wrong proof is a wrong password; the rest are
 * protocol errors whose detail is pg_scram's reason. */
static enum client_auth_result scram_failed(struct client_auth *a, enum pg_scram_result res,
					    struct client_auth_error *err)
{
	const char *reason = a->scram.err_reason ? a->scram.err_reason : pg_scram_result_name(res);
	switch (res) {
	case PG_SCRAM_ERR_PROOF:
		return reject(a, err);
	case PG_SCRAM_ERR_FORMAT:
		return protocol_error(a, err, "malformed SCRAM message", reason);
	case PG_SCRAM_ERR_NONCE:
		return protocol_error(a, err, "invalid SCRAM response", reason);
	case PG_SCRAM_ERR_CHANNEL_BINDING:
		return protocol_error(a, err, "SCRAM channel binding check failed", reason);
	case PG_SCRAM_ERR_UNSUPPORTED:
		set_log(err, "unsupported SCRAM feature: %s", reason);
		return fail(a, err, "0A000", reason, "unsupported SCRAM feature");
	case PG_SCRAM_OK:  /* the rest are the client side's, or a bug here */
	case PG_SCRAM_ERR_SERVER_SIGNATURE:
	case PG_SCRAM_ERR_SERVER_REJECTED:
	case PG_SCRAM_ERR_PARAMS:
	case PG_SCRAM_ERR_STATE:
	case PG_SCRAM_ERR_CRYPTO:
		break;
	}
	return internal_error(a, err, reason);
}

/* SASLInitialResponse: the mechanism and the client-first-message. */
static enum client_auth_result on_sasl_initial(struct client_auth *a, const struct pg_frame *msg,
					       struct pg_buf *out, struct client_auth_error *err)
{
	if (msg->type != PG_FE_PASSWORD)
		return unexpected_type(a, msg, "SASL", err);
	struct pg_reader r;
	struct pg_frontend_sasl_initial in;
	if (pg_frontend_read_sasl_initial(msg, &r, &in) != PG_OK)
		return protocol_error(a, err, "invalid message format", r.err_reason);
	if (strcmp(in.mechanism, PG_SCRAM_MECHANISM) != 0) {
		set_log(err, "client selected SASL mechanism \"%.64s\"; only %s is offered",
			in.mechanism, PG_SCRAM_MECHANISM);
		return fail(a, err, "08P01", NULL,
			    "client selected an invalid SASL authentication mechanism");
	}
	if (in.data_len < 0)
		return protocol_error(a, err, "malformed SCRAM message",
				      "SASLInitialResponse carries no client-first-message");
	struct pg_buf first;
	pg_buf_init(&first);
	enum pg_scram_result res = pg_scram_server_handle_first(&a->scram, in.data,
								(size_t)in.data_len,
								a->scram_nonce, &first);
	if (res == PG_SCRAM_OK) {
		pg_backend_put_auth_sasl_continue(out, first.data, first.len);
		a->phase = CLIENT_AUTH_PH_WAIT_SASL_RESPONSE;
	}
	pg_buf_fini(&first);
	return res == PG_SCRAM_OK ? CLIENT_AUTH_CONTINUE : scram_failed(a, res, err);
}

/* SASLResponse: the client-final-message with the proof. */
static enum client_auth_result on_sasl_response(struct client_auth *a,
						const struct pg_frame *msg, struct pg_buf *out,
						struct client_auth_error *err)
{
	if (msg->type != PG_FE_PASSWORD)
		return unexpected_type(a, msg, "SASL", err);
	struct pg_reader r;
	const uint8_t *data;
	size_t len;
	if (pg_frontend_read_sasl_response(msg, &r, &data, &len) != PG_OK)
		return protocol_error(a, err, "invalid message format", r.err_reason);
	struct pg_buf final;
	pg_buf_init(&final);
	enum pg_scram_result res = pg_scram_server_handle_final(&a->scram, data, len, &final);
	bool ok = res == PG_SCRAM_OK && a->mock == CLIENT_AUTH_MOCK_NONE;
	if (ok)
		pg_backend_put_auth_sasl_final(out, final.data, final.len);
	pg_buf_fini(&final);
	if (ok)
		return accept(a, out);
	/* A mock verifier's keys match no proof; should one ever verify, the
	 * login still fails. */
	return scram_failed(a, res == PG_SCRAM_OK ? PG_SCRAM_ERR_PROOF : res, err);
}

enum client_auth_result client_auth_step(struct client_auth *a, const struct pg_frame *msg,
					 struct pg_buf *out, struct client_auth_error *err)
{
	memset(err, 0, sizeof *err);
	switch (a->phase) {
	case CLIENT_AUTH_PH_WAIT_PASSWORD:
		return on_password(a, msg, out, err);
	case CLIENT_AUTH_PH_WAIT_SASL_INITIAL:
		return on_sasl_initial(a, msg, out, err);
	case CLIENT_AUTH_PH_WAIT_SASL_RESPONSE:
		return on_sasl_response(a, msg, out, err);
	case CLIENT_AUTH_PH_NONE:
	case CLIENT_AUTH_PH_WAIT_LOOKUP:
	case CLIENT_AUTH_PH_DONE:
	case CLIENT_AUTH_PH_FAILED:
		break;
	}
	set_log(err, "message type %d arrived when no login was in progress", msg->type);
	return fail(a, err, "08P01", NULL, "unexpected message during authentication");
}

bool client_auth_scram_keys(const struct client_auth *a, struct pg_scram_verifier *v,
			    uint8_t client_key[PG_SCRAM_KEY_LEN])
{
	if (a->phase != CLIENT_AUTH_PH_DONE || a->method != CLIENT_AUTH_METHOD_SCRAM ||
	    a->scram.phase != PG_SCRAM_SERVER_DONE)
		return false;
	*v = a->scram.verifier;
	memcpy(client_key, a->scram.client_key, PG_SCRAM_KEY_LEN);
	return true;
}

const char *client_auth_lookup_md5(const struct client_auth *a)
{
	if (a->phase != CLIENT_AUTH_PH_DONE || !a->looked_up || a->secret_kind != CFG_SECRET_MD5)
		return NULL;
	return a->secret;
}

void client_auth_fini(struct client_auth *a)
{
	free(a->user);
	if (a->secret != NULL) {
		OPENSSL_cleanse(a->secret, strlen(a->secret));
		free(a->secret);
	}
	if (a->method == CLIENT_AUTH_METHOD_SCRAM)
		pg_scram_server_fini(&a->scram);
	OPENSSL_cleanse(a, sizeof *a);  /* zero-fills: phase is PH_NONE again */
}
