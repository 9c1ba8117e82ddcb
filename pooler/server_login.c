/* server_login: the login state machine toward PostgreSQL (see
 * server_login.h). One handler per message type; the authentication
 * request is dispatched by code. Secrets are copied at start and wiped at
 * fini; SCRAM itself is pg_scram's client, md5 is pg_md5's. */
#include "pooler/server_login.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_md5.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_secret.h"
#include "util/xalloc.h"

#define SQLSTATE_PROTOCOL_VIOLATION "08P01"
#define SQLSTATE_INVALID_AUTHORIZATION "28000"

/* What each phase waits for, to say so when something else arrives. */
static const char *const phase_expects[] = {
	[SERVER_LOGIN_AUTH] = "an authentication request",
	[SERVER_LOGIN_PASSWORD] = "AuthenticationOk after the password",
	[SERVER_LOGIN_SASL_FIRST] = "SASLContinue",
	[SERVER_LOGIN_SASL_FINAL] = "SASLFinal",
	[SERVER_LOGIN_SASL_DONE] = "AuthenticationOk after SASLFinal",
	[SERVER_LOGIN_PARAMS] = "ParameterStatus, BackendKeyData or ReadyForQuery",
	[SERVER_LOGIN_FINISHED] = "nothing (the login is over)",
};

/* Ends the login as failed; the caller has written err->message. */
static enum server_login_result finish_failed(struct server_login *l,
					      struct server_login_error *err,
					      enum server_login_error_kind kind, const char *sqlstate)
{
	l->phase = SERVER_LOGIN_FINISHED;
	err->kind = kind;
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", sqlstate);
	return SERVER_LOGIN_FAIL;
}

/* corral cannot authenticate the way the server asks. */
__attribute__((format(printf, 4, 5)))
static enum server_login_result fail_auth(struct server_login *l, struct server_login_error *err,
					  const char *sqlstate, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return finish_failed(l, err, SERVER_LOGIN_ERR_AUTH, sqlstate);
}

/* The server broke the protocol; the message gets a common prefix. */
__attribute__((format(printf, 3, 4)))
static enum server_login_result fail_protocol(struct server_login *l,
					      struct server_login_error *err,
					      const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(err->message, sizeof err->message, "protocol violation from server: %s", what);
	return finish_failed(l, err, SERVER_LOGIN_ERR_PROTOCOL, SQLSTATE_PROTOCOL_VIOLATION);
}

/* A reader refused msg; r holds its reason. */
static enum server_login_result fail_malformed(struct server_login *l,
					       struct server_login_error *err,
					       const struct pg_frame *msg,
					       const struct pg_reader *r)
{
	return fail_protocol(l, err, "malformed message '%c': %s", msg->type, r->err_reason);
}

/* msg is not what the current phase waits for. */
static enum server_login_result fail_unexpected(struct server_login *l,
						struct server_login_error *err,
						const struct pg_frame *msg)
{
	if (isprint(msg->type))
		return fail_protocol(l, err, "unexpected message '%c' while waiting for %s",
				     msg->type, phase_expects[l->phase]);
	return fail_protocol(l, err, "unexpected message type 0x%02x while waiting for %s",
			     msg->type, phase_expects[l->phase]);
}

void server_login_start(struct server_login *l, const struct server_login_config *c,
			struct pg_buf *out)
{
	memset(l, 0, sizeof *l);
	l->phase = SERVER_LOGIN_AUTH;
	l->user = xstrdup(c->user);
	if (c->password != NULL && c->password[0] != '\0')
		l->password = xstrdup(c->password);
	if (c->scram_verifier != NULL && c->scram_client_key != NULL) {
		l->have_keys = true;
		l->verifier = *c->scram_verifier;
		memcpy(l->client_key, c->scram_client_key, PG_SCRAM_KEY_LEN);
	}
	pg_buf_init(&l->scratch);
	l->tracked = c->tracked;

	struct pg_startup_param *params = xcalloc(2 + c->param_count, sizeof *params);
	params[0] = (struct pg_startup_param){ "user", c->user };
	params[1] = (struct pg_startup_param){ "database", c->database };
	for (size_t i = 0; i < c->param_count; i++)
		params[2 + i] = c->params[i];
	pg_startup_build(out, PG_PROTOCOL_3_0, params, 2 + c->param_count);
	free(params);
}

/* The ErrorResponse that ends the login. */
static enum server_login_result on_error(struct server_login *l, const struct pg_frame *msg,
					 struct server_login_error *err)
{
	struct pg_reader r;
	struct pg_backend_diag d;
	if (pg_backend_read_error(msg, &r, &d) != PG_OK)
		return fail_malformed(l, err, msg, &r);
	const char *sqlstate = d.sqlstate;
	if (sqlstate == NULL || strlen(sqlstate) != 5)
		sqlstate = SQLSTATE_PROTOCOL_VIOLATION;
	snprintf(err->message, sizeof err->message, "%s",
		 d.message != NULL ? d.message : "(no message)");
	return finish_failed(l, err, SERVER_LOGIN_ERR_SERVER, sqlstate);
}

/* The secret's kind in words, for errors. */
static const char *secret_words(enum pg_secret_kind kind)
{
	return kind == PG_SECRET_MD5 ? "an md5 hash" : "a SCRAM verifier";
}

/* Fails the login: the server wants a secret for method and there is none. */
static enum server_login_result no_password(struct server_login *l,
					    struct server_login_error *err, const char *method)
{
	return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
			 "server asks for %s authentication but there is no password for user \"%s\"",
			 method, l->user);
}

/* The on_* handlers below answer one authentication request that arrived
 * in the phase it belongs to. Each returns CONTINUE with its answer (if
 * any) appended to out and the phase advanced, or FAIL with err filled and
 * nothing appended. */

/* Sends the plaintext password; a hashed secret cannot be unhashed. */
static enum server_login_result on_cleartext(struct server_login *l, struct pg_buf *out,
					     struct server_login_error *err)
{
	if (l->password == NULL)
		return no_password(l, err, "cleartext password");
	enum pg_secret_kind kind = pg_secret_kind(l->password);
	if (kind != PG_SECRET_PLAIN)
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "server asks for a cleartext password but the secret of user \"%s\" is %s",
				 l->user, secret_words(kind));
	pg_frontend_put_password(out, l->password);
	l->phase = SERVER_LOGIN_PASSWORD;
	return SERVER_LOGIN_CONTINUE;
}

/* Sends md5(md5(password || user) || salt); a plaintext password and an
 * md5 secret both do, a SCRAM verifier does not. */
static enum server_login_result on_md5(struct server_login *l, const uint8_t *salt,
				       struct pg_buf *out, struct server_login_error *err)
{
	if (l->password == NULL)
		return no_password(l, err, "md5");
	if (pg_secret_kind(l->password) == PG_SECRET_SCRAM)
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "server asks for md5 authentication but the secret of user \"%s\" is %s",
				 l->user, secret_words(PG_SECRET_SCRAM));
	char response[PG_MD5_SECRET_SIZE];
	if (pg_md5_response(l->password, l->user, salt, response) != 0)
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "server asks for md5 authentication but OpenSSL refuses md5");
	pg_frontend_put_password(out, response);
	OPENSSL_cleanse(response, sizeof response);
	l->phase = SERVER_LOGIN_PASSWORD;
	return SERVER_LOGIN_CONTINUE;
}

/* Starts l->scram from the ready keys or the plaintext password. 0, or -1
 * with err filled when neither can do SCRAM. */
static int scram_init(struct server_login *l, struct server_login_error *err)
{
	if (l->have_keys) {
		pg_scram_client_init_keys(&l->scram, &l->verifier, l->client_key);
	} else if (l->password == NULL) {
		no_password(l, err, "SCRAM-SHA-256");
		return -1;
	} else if (pg_secret_kind(l->password) == PG_SECRET_MD5) {
		fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
			  "server asks for SCRAM-SHA-256 authentication but the secret of user \"%s\""
			  " is an md5 hash, which cannot do SCRAM", l->user);
		return -1;
	} else if (pg_secret_kind(l->password) == PG_SECRET_SCRAM) {
		fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
			  "server asks for SCRAM-SHA-256 authentication but user \"%s\" has only a SCRAM"
			  " verifier and no client key yet (the client must log in with SCRAM first)",
			  l->user);
		return -1;
	} else {
		pg_scram_client_init_password(&l->scram, l->password);
	}
	l->scram_used = true;
	return 0;
}

/* Fails the login on a pg_scram step's result res (not PG_SCRAM_OK). */
static enum server_login_result scram_failed(struct server_login *l, enum pg_scram_result res,
					     struct server_login_error *err)
{
	/* A server that cannot follow SCRAM or prove it holds the verifier is
	 * broken or an impostor; anything else is about our credentials. */
	bool server_at_fault = res == PG_SCRAM_ERR_FORMAT || res == PG_SCRAM_ERR_UNSUPPORTED ||
			       res == PG_SCRAM_ERR_NONCE || res == PG_SCRAM_ERR_SERVER_SIGNATURE;
	return fail_auth(l, err,
			 server_at_fault ? SQLSTATE_PROTOCOL_VIOLATION : SQLSTATE_INVALID_AUTHORIZATION,
			 "SCRAM authentication with the server failed: %s (%s)",
			 pg_scram_result_name(res),
			 l->scram.err_reason != NULL ? l->scram.err_reason : "no reason");
}

/* AuthenticationSASL: picks SCRAM-SHA-256 and sends client-first. */
static enum server_login_result on_sasl(struct server_login *l,
					struct pg_backend_mechanisms mechanisms,
					struct pg_buf *out, struct server_login_error *err)
{
	bool offered = false;
	const char *name;
	while (pg_backend_mechanisms_next(&mechanisms, &name))
		offered = offered || strcmp(name, PG_SCRAM_MECHANISM) == 0;
	if (!offered)
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "server offers no SASL mechanism corral supports (%s)",
				 PG_SCRAM_MECHANISM);
	if (scram_init(l, err) != 0)
		return SERVER_LOGIN_FAIL;
	if (pg_scram_random_nonce(l->nonce) != 0)
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "no random bytes for a SCRAM nonce");
	pg_buf_reset(&l->scratch);
	enum pg_scram_result res = pg_scram_client_first(&l->scram, "", l->nonce, &l->scratch);
	if (res != PG_SCRAM_OK)
		return scram_failed(l, res, err);
	pg_frontend_put_sasl_initial(out, PG_SCRAM_MECHANISM, l->scratch.data,
				     (int32_t)l->scratch.len);
	l->phase = SERVER_LOGIN_SASL_FIRST;
	return SERVER_LOGIN_CONTINUE;
}

/* The ready keys belong to an older verifier (ALTER ROLE ... PASSWORD
 * always draws a new salt). client-first did not depend on them, so the
 * exchange restarts from it with the plaintext password, same nonce, and
 * handles server-first again into l->scratch. */
static enum pg_scram_result retry_with_password(struct server_login *l,
						const struct pg_backend_auth *a)
{
	pg_scram_client_fini(&l->scram);
	pg_scram_client_init_password(&l->scram, l->password);
	pg_buf_reset(&l->scratch);
	enum pg_scram_result res = pg_scram_client_first(&l->scram, "", l->nonce, &l->scratch);
	pg_buf_reset(&l->scratch);
	if (res != PG_SCRAM_OK)
		return res;
	return pg_scram_client_handle_first(&l->scram, a->data, a->data_len, &l->scratch);
}

/* SASLContinue carries server-first: sends client-final with the proof. */
static enum server_login_result on_sasl_continue(struct server_login *l,
						 const struct pg_backend_auth *a,
						 struct pg_buf *out, struct server_login_error *err)
{
	pg_buf_reset(&l->scratch);
	enum pg_scram_result res = pg_scram_client_handle_first(&l->scram, a->data, a->data_len,
								&l->scratch);
	if (res == PG_SCRAM_ERR_PARAMS && l->have_keys && l->password != NULL &&
	    pg_secret_kind(l->password) == PG_SECRET_PLAIN)
		res = retry_with_password(l, a);
	if (res != PG_SCRAM_OK)
		return scram_failed(l, res, err);
	pg_frontend_put_sasl_response(out, l->scratch.data, l->scratch.len);
	l->phase = SERVER_LOGIN_SASL_FINAL;
	return SERVER_LOGIN_CONTINUE;
}

/* SASLFinal carries server-final: checks the server's signature. */
static enum server_login_result on_sasl_final(struct server_login *l,
					      const struct pg_backend_auth *a,
					      struct server_login_error *err)
{
	enum pg_scram_result res = pg_scram_client_handle_final(&l->scram, a->data, a->data_len);
	if (res != PG_SCRAM_OK)
		return scram_failed(l, res, err);
	l->phase = SERVER_LOGIN_SASL_DONE;
	return SERVER_LOGIN_CONTINUE;
}

/* Names of the authentication methods PostgreSQL may ask for that corral
 * does not answer. */
static const char *unsupported_method(uint32_t code)
{
	switch (code) {
	case 2: return "Kerberos V5";
	case 6: return "SCM credentials";
	case 7: return "GSSAPI";
	case 8: return "GSSAPI continue";
	case 9: return "SSPI";
	default: return "unknown";
	}
}

/* The phase in which each authentication code may arrive. */
static bool auth_expected(enum server_login_phase phase, uint32_t code)
{
	switch (code) {
	case PG_AUTH_OK:
		return phase == SERVER_LOGIN_AUTH || phase == SERVER_LOGIN_PASSWORD ||
		       phase == SERVER_LOGIN_SASL_DONE;
	case PG_AUTH_SASL_CONTINUE:
		return phase == SERVER_LOGIN_SASL_FIRST;
	case PG_AUTH_SASL_FINAL:
		return phase == SERVER_LOGIN_SASL_FINAL;
	default:
		return phase == SERVER_LOGIN_AUTH;
	}
}

/* AuthenticationXxx: checked against the phase, then dispatched by code. */
static enum server_login_result on_auth(struct server_login *l, const struct pg_frame *msg,
					struct pg_buf *out, struct server_login_error *err)
{
	struct pg_reader r;
	struct pg_backend_auth a;
	if (pg_backend_read_auth(msg, &r, &a) != PG_OK)
		return fail_malformed(l, err, msg, &r);
	if (!auth_expected(l->phase, a.code)) {
		if (a.code == PG_AUTH_OK && (l->phase == SERVER_LOGIN_SASL_FIRST ||
					     l->phase == SERVER_LOGIN_SASL_FINAL))
			return fail_auth(l, err, SQLSTATE_PROTOCOL_VIOLATION,
					 "server sent AuthenticationOk before proving itself in SCRAM");
		return fail_protocol(l, err, "unexpected authentication request %u while waiting for %s",
				     a.code, phase_expects[l->phase]);
	}
	switch (a.code) {
	case PG_AUTH_OK:
		l->phase = SERVER_LOGIN_PARAMS;
		return SERVER_LOGIN_CONTINUE;
	case PG_AUTH_CLEARTEXT:
		return on_cleartext(l, out, err);
	case PG_AUTH_MD5:
		return on_md5(l, a.salt, out, err);
	case PG_AUTH_SASL:
		return on_sasl(l, a.mechanisms, out, err);
	case PG_AUTH_SASL_CONTINUE:
		return on_sasl_continue(l, &a, out, err);
	case PG_AUTH_SASL_FINAL:
		return on_sasl_final(l, &a, err);
	default:
		return fail_auth(l, err, SQLSTATE_INVALID_AUTHORIZATION,
				 "server asks for authentication method %u (%s), which corral does not support",
				 a.code, unsupported_method(a.code));
	}
}

/* NegotiateProtocolVersion: corral asks for 3.0 and no _pq_ options, so
 * any negotiation is a server that does not follow the protocol. */
static enum server_login_result on_negotiate(struct server_login *l, const struct pg_frame *msg,
					     struct server_login_error *err)
{
	struct pg_reader r;
	struct pg_startup_negotiate n;
	if (pg_startup_negotiate_parse(msg, &n, &r) != PG_OK)
		return fail_malformed(l, err, msg, &r);
	return fail_protocol(l, err,
			     "server negotiates protocol 3.%u with %u unsupported options, but corral"
			     " asked for 3.0 without options", n.newest_minor, n.noptions);
}

/* ParameterStatus, BackendKeyData and ReadyForQuery, after authentication. */
static enum server_login_result on_params(struct server_login *l, const struct pg_frame *msg,
					  struct session_params *server_params,
					  uint32_t *backend_pid, uint32_t *backend_key,
					  struct server_login_error *err)
{
	struct pg_reader r;
	enum pg_result res;
	if (msg->type == PG_BE_PARAMETER_STATUS) {
		const char *name, *value;
		res = pg_backend_read_parameter_status(msg, &r, &name, &value);
		if (res == PG_OK)
			session_params_record(l->tracked, server_params, name, value);
	} else if (msg->type == PG_BE_BACKEND_KEY_DATA) {
		res = pg_backend_read_backend_key_data(msg, &r, &l->backend_pid, &l->backend_key);
	} else {
		enum pg_tx_status status;
		res = pg_backend_read_ready_for_query(msg, &r, &status);
		if (res == PG_OK && status != PG_TX_IDLE)
			return fail_protocol(l, err, "ReadyForQuery with status '%c' after login",
					     status);
	}
	if (res != PG_OK)
		return fail_malformed(l, err, msg, &r);
	if (msg->type != PG_BE_READY_FOR_QUERY)
		return SERVER_LOGIN_CONTINUE;
	*backend_pid = l->backend_pid;
	*backend_key = l->backend_key;
	l->phase = SERVER_LOGIN_FINISHED;
	return SERVER_LOGIN_DONE;
}

enum server_login_result server_login_step(struct server_login *l, const struct pg_frame *msg,
					   struct pg_buf *out, struct session_params *server_params,
					   uint32_t *backend_pid, uint32_t *backend_key,
					   struct server_login_error *err)
{
	if (l->phase == SERVER_LOGIN_FINISHED)
		return fail_unexpected(l, err, msg);
	switch (msg->type) {
	case PG_BE_ERROR:
		return on_error(l, msg, err);
	case PG_BE_NOTICE: {
		struct pg_reader r;
		struct pg_backend_diag d;
		if (pg_backend_read_notice(msg, &r, &d) != PG_OK)
			return fail_malformed(l, err, msg, &r);
		return SERVER_LOGIN_CONTINUE;
	}
	case PG_MSG_NEGOTIATE_PROTOCOL:
		return on_negotiate(l, msg, err);
	case PG_BE_AUTH:
		return on_auth(l, msg, out, err);
	case PG_BE_PARAMETER_STATUS:
	case PG_BE_BACKEND_KEY_DATA:
	case PG_BE_READY_FOR_QUERY:
		if (l->phase != SERVER_LOGIN_PARAMS)
			return fail_unexpected(l, err, msg);
		return on_params(l, msg, server_params, backend_pid, backend_key, err);
	default:
		return fail_unexpected(l, err, msg);
	}
}

bool server_login_scram_keys(const struct server_login *l, struct pg_scram_verifier *v,
			     uint8_t client_key[PG_SCRAM_KEY_LEN])
{
	if (!l->scram_used || l->scram.phase != PG_SCRAM_CLIENT_DONE)
		return false;
	*v = l->scram.verifier;
	memcpy(client_key, l->scram.keys.client_key, PG_SCRAM_KEY_LEN);
	return true;
}

void server_login_fini(struct server_login *l)
{
	if (l->scram_used)
		pg_scram_client_fini(&l->scram);
	if (l->password != NULL) {
		OPENSSL_cleanse(l->password, strlen(l->password));
		free(l->password);
	}
	free(l->user);
	if (l->scratch.data != NULL)
		OPENSSL_cleanse(l->scratch.data, l->scratch.cap);
	pg_buf_fini(&l->scratch);
	OPENSSL_cleanse(l, sizeof *l);
}

size_t server_login_db_params(const struct cfg_database *db,
			      struct pg_startup_param out[SERVER_LOGIN_DB_PARAMS])
{
	const struct pg_startup_param all[SERVER_LOGIN_DB_PARAMS] = {
		{ "client_encoding", db->client_encoding },
		{ "DateStyle", db->datestyle },
		{ "TimeZone", db->timezone },
		{ "application_name", db->application_name },
	};
	size_t n = 0;
	for (size_t i = 0; i < SERVER_LOGIN_DB_PARAMS; i++) {
		if (all[i].value != NULL)
			out[n++] = all[i];
	}
	return n;
}
