/* tls: contexts from settings, per-connection SSL objects and the
 * non-blocking handshake/read/write wrappers (see tls.h). Every call that
 * can fail starts with an empty OpenSSL error queue and leaves it empty, so
 * one connection's error never shows up as another's. */
#include "pooler/tls.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* Finite-field groups only: what client_tls_ecdhcurve = none leaves (TLS
 * 1.3 needs some group; these are not elliptic curves). */
#define FFDHE_GROUPS "ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192"
/* client_tls_dheparams = legacy: RFC 5114's 1024-bit group. */
#define LEGACY_DH_GROUP "dh_1024_160"

/* "<what>: <OpenSSL's reason>" from the error queue, which is emptied. */
static void openssl_error(const char *what, char *why, size_t why_size)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	char code[256];
	if (e && reason == NULL) {
		ERR_error_string_n(e, code, sizeof code);
		reason = code;
	}
	snprintf(why, why_size, "%s: %s", what, reason ? reason : "unknown OpenSSL error");
	ERR_clear_error();
}

/* ---- protocols ---- */

static const struct {
	const char *name;
	int version;
} protocol_names[] = {
	{ "tlsv1.0", TLS1_VERSION },
	{ "tlsv1.1", TLS1_1_VERSION },
	{ "tlsv1.2", TLS1_2_VERSION },
	{ "tlsv1.3", TLS1_3_VERSION },
};
#define PROTOCOL_COUNT (sizeof protocol_names / sizeof protocol_names[0])
#define ALL_PROTOCOLS ((1u << PROTOCOL_COUNT) - 1)

/* The bits of protocol_names one word stands for, or 0 when unknown. */
static unsigned protocol_bits(const char *word, size_t len)
{
	if ((len == 3 && strncasecmp(word, "all", 3) == 0) ||
	    (len == 6 && strncasecmp(word, "legacy", 6) == 0))
		return ALL_PROTOCOLS;
	if (len == 6 && strncasecmp(word, "secure", 6) == 0)
		return 1u << 2 | 1u << 3;
	for (size_t i = 0; i < PROTOCOL_COUNT; i++)
		if (strlen(protocol_names[i].name) == len &&
		    strncasecmp(word, protocol_names[i].name, len) == 0)
			return 1u << i;
	return 0;
}

int tls_parse_protocols(const char *text, int *min_version, int *max_version, char *why,
			size_t why_size)
{
	static const char separators[] = ", :\t";
	unsigned bits = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, separators);
		if (len > 0) {
			unsigned b = protocol_bits(p, len);
			if (b == 0) {
				snprintf(why, why_size, "unknown TLS protocol '%.*s' (use tlsv1.0, tlsv1.1, "
					 "tlsv1.2, tlsv1.3, all, secure or legacy)", (int)len, p);
				return -1;
			}
			bits |= b;
		}
		p += len + (p[len] != '\0');
	}
	if (bits == 0) {
		snprintf(why, why_size, "no TLS protocol named");
		return -1;
	}
	unsigned low = (unsigned)__builtin_ctz(bits);
	unsigned high = 31u - (unsigned)__builtin_clz(bits);
	if (bits != ((1u << (high + 1)) - (1u << low))) {
		snprintf(why, why_size, "TLS protocols must be consecutive versions: '%s' leaves a gap",
			 text);
		return -1;
	}
	*min_version = protocol_names[low].version;
	*max_version = protocol_names[high].version;
	return 0;
}

/* ---- building a context ---- */

/* The settings of one side, named for error messages. */
struct side {
	const char *prefix;       /* "client_tls" or "server_tls" */
	enum cfg_sslmode mode;
	const char *protocols, *ciphers, *tls13_ciphers;
	const char *key_file, *cert_file, *ca_file;
};

static int set_protocols(SSL_CTX *ctx, const struct side *sd, char *why, size_t why_size)
{
	char reason[200];
	int min, max;
	if (tls_parse_protocols(sd->protocols, &min, &max, reason, sizeof reason) != 0) {
		snprintf(why, why_size, "%s_protocols: %s", sd->prefix, reason);
		return -1;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, min) || !SSL_CTX_set_max_proto_version(ctx, max)) {
		char what[64];
		snprintf(what, sizeof what, "%s_protocols", sd->prefix);
		openssl_error(what, why, why_size);
		return -1;
	}
	return 0;
}

/* PgBouncer's shortcuts: default, secure, fast and normal keep OpenSSL's
 * defaults; all enables every cipher. Anything else is OpenSSL syntax. */
static int set_ciphers(SSL_CTX *ctx, const struct side *sd, char *why, size_t why_size)
{
	static const char *const defaults[] = { "default", "secure", "fast", "normal" };
	const char *list = sd->ciphers;
	char what[64];
	for (size_t i = 0; list && i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcasecmp(list, defaults[i]) == 0)
			list = NULL;
	if (list && strcasecmp(list, "all") == 0)
		list = "ALL";
	if (list && !SSL_CTX_set_cipher_list(ctx, list)) {
		snprintf(what, sizeof what, "%s_ciphers '%s'", sd->prefix, sd->ciphers);
		openssl_error(what, why, why_size);
		return -1;
	}
	/* TLS 1.3 suites have names of their own; empty keeps OpenSSL's. */
	if (sd->tls13_ciphers[0] && !SSL_CTX_set_ciphersuites(ctx, sd->tls13_ciphers)) {
		snprintf(what, sizeof what, "%.10s13_ciphers '%s'", sd->prefix, sd->tls13_ciphers);
		openssl_error(what, why, why_size);
		return -1;
	}
	return 0;
}

static int load_cert_and_key(SSL_CTX *ctx, const struct side *sd, char *why, size_t why_size)
{
	char what[PATH_MAX + 64];
	if (!SSL_CTX_use_certificate_chain_file(ctx, sd->cert_file)) {
		snprintf(what, sizeof what, "%s_cert_file '%s'", sd->prefix, sd->cert_file);
		openssl_error(what, why, why_size);
		return -1;
	}
	if (!SSL_CTX_use_PrivateKey_file(ctx, sd->key_file, SSL_FILETYPE_PEM)) {
		/* OpenSSL checks the key against the certificate as it loads it. */
		bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
		snprintf(what, sizeof what, "%s_key_file '%s'%s", sd->prefix, sd->key_file,
			 mismatch ? " does not match the certificate" : "");
		openssl_error(what, why, why_size);
		return -1;
	}
	return 0;
}

/* The CA file (or directory of hashed certificates) that verifies the peer. */
static int load_ca(SSL_CTX *ctx, const struct side *sd, char *why, size_t why_size)
{
	struct stat st;
	char what[PATH_MAX + 64];
	bool dir = stat(sd->ca_file, &st) == 0 && S_ISDIR(st.st_mode);
	int ok = dir ? SSL_CTX_load_verify_dir(ctx, sd->ca_file)
		     : SSL_CTX_load_verify_file(ctx, sd->ca_file);
	if (!ok) {
		snprintf(what, sizeof what, "%s_ca_file '%s'", sd->prefix, sd->ca_file);
		openssl_error(what, why, why_size);
		return -1;
	}
	return 0;
}

/* A context with what both sides share: protocols, ciphers, no
 * renegotiation, no compression, no session cache; writes that may be
 * partial and retried from a buffer that moved (the stream writes straight
 * from its I/O buffers, which it compacts); read-ahead, so a record costs
 * one read(2) instead of two (header, then body); and record buffers given
 * back while empty, so an idle TLS connection holds about 16 kB instead of
 * 31 kB (measured: the malloc per record did not show in the CPU time per
 * transaction; docs/tls.md). */
static SSL_CTX *new_context(const SSL_METHOD *method, const struct side *sd, char *why,
			    size_t why_size)
{
	SSL_CTX *ctx = SSL_CTX_new(method);
	if (ctx == NULL) {
		openssl_error("cannot create a TLS context", why, why_size);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				 SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_read_ahead(ctx, 1);
	if (set_protocols(ctx, sd, why, why_size) != 0 || set_ciphers(ctx, sd, why, why_size) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* client_tls_ecdhcurve: auto keeps OpenSSL's groups, none leaves only
 * finite-field ones, anything else is a colon-separated list of groups. */
static int set_ecdh(SSL_CTX *ctx, const char *curve, char *why, size_t why_size)
{
	if (strcasecmp(curve, "auto") == 0)
		return 0;
	const char *groups = strcasecmp(curve, "none") == 0 ? FFDHE_GROUPS : curve;
	if (!SSL_CTX_set1_groups_list(ctx, groups)) {
		char what[200];
		snprintf(what, sizeof what, "client_tls_ecdhcurve '%s'", curve);
		openssl_error(what, why, why_size);
		return -1;
	}
	return 0;
}

/* client_tls_dheparams: auto (OpenSSL picks a group as strong as the
 * certificate), none (no DHE with TLS 1.2), legacy (a 1024-bit group, for
 * old clients: it needs OpenSSL's security level 1, so this context gets
 * that level when the system's default is higher). */
static int set_dh(SSL_CTX *ctx, const char *mode, char *why, size_t why_size)
{
	if (strcasecmp(mode, "none") == 0)
		return 0;
	if (strcasecmp(mode, "auto") == 0) {
		if (SSL_CTX_set_dh_auto(ctx, 1))
			return 0;
		openssl_error("client_tls_dheparams 'auto'", why, why_size);
		return -1;
	}
	if (strcasecmp(mode, "legacy") != 0) {
		snprintf(why, why_size, "client_tls_dheparams '%s': use none, auto or legacy", mode);
		return -1;
	}
	if (SSL_CTX_get_security_level(ctx) > 1)
		SSL_CTX_set_security_level(ctx, 1);
	EVP_PKEY *params = NULL;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)LEGACY_DH_GROUP, 0),
		OSSL_PARAM_construct_end(),
	};
	bool ok = pctx && EVP_PKEY_paramgen_init(pctx) > 0 && EVP_PKEY_CTX_set_params(pctx, p) > 0 &&
		  EVP_PKEY_paramgen(pctx, &params) > 0 && SSL_CTX_set0_tmp_dh_pkey(ctx, params);
	EVP_PKEY_CTX_free(pctx);
	if (!ok) {
		EVP_PKEY_free(params);
		openssl_error("client_tls_dheparams 'legacy'", why, why_size);
		return -1;
	}
	return 0;
}

/* Lets a handshake go on whatever the client's certificate chain is
 * worth: OpenSSL still records the verdict (SSL_get_verify_result), which
 * tls_peer_common_name consults, so only cert authentication depends on
 * it and a client logging in by password is not refused for a bad or
 * absent certificate. */
static int keep_verdict(int preverify_ok, X509_STORE_CTX *store)
{
	(void)preverify_ok;
	(void)store;
	return 1;
}

/* Ask clients for a certificate signed by a CA of client_tls_ca_file:
 * required (the handshake fails without a valid one) or only asked for. */
static void ask_client_certificates(SSL_CTX *ctx, const char *ca_file, bool required)
{
	/* Tell clients which CAs their certificate must come from. */
	STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
	if (names)
		SSL_CTX_set_client_CA_list(ctx, names);
	ERR_clear_error();
	if (required)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, keep_verdict);
}

/* The context applications connect to. verify-ca and verify-full require
 * a valid client certificate (PgBouncer's meaning); allow, prefer and
 * require ask for one only when cert authentication may be needed, and
 * then let the handshake succeed without one. */
static SSL_CTX *client_context(const struct cfg_settings *s, bool cert_auth, char *why,
			       size_t why_size)
{
	struct side sd = {
		.prefix = "client_tls", .mode = s->client_tls_sslmode,
		.protocols = s->client_tls_protocols, .ciphers = s->client_tls_ciphers,
		.tls13_ciphers = s->client_tls13_ciphers, .key_file = s->client_tls_key_file,
		.cert_file = s->client_tls_cert_file, .ca_file = s->client_tls_ca_file,
	};
	bool verify = sd.mode >= CFG_SSLMODE_VERIFY_CA;
	if (sd.key_file[0] == '\0' || sd.cert_file[0] == '\0') {
		snprintf(why, why_size, "client_tls_sslmode is %s but client_tls_key_file or "
			 "client_tls_cert_file is not set", sd.mode == CFG_SSLMODE_ALLOW ? "allow" : "on");
		return NULL;
	}
	if (verify && sd.ca_file[0] == '\0') {
		snprintf(why, why_size, "client_tls_sslmode verify-ca and verify-full need "
			 "client_tls_ca_file to check client certificates");
		return NULL;
	}
	if (cert_auth && sd.ca_file[0] == '\0') {
		snprintf(why, why_size, "cert authentication (auth_type cert, or a cert rule in "
			 "auth_hba_file) needs client_tls_ca_file to check client certificates");
		return NULL;
	}
	SSL_CTX *ctx = new_context(TLS_server_method(), &sd, why, why_size);
	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (set_ecdh(ctx, s->client_tls_ecdhcurve, why, why_size) != 0 ||
	    set_dh(ctx, s->client_tls_dheparams, why, why_size) != 0 ||
	    load_cert_and_key(ctx, &sd, why, why_size) != 0 ||
	    (sd.ca_file[0] && load_ca(ctx, &sd, why, why_size) != 0)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (verify || cert_auth)
		ask_client_certificates(ctx, sd.ca_file, verify);
	return ctx;
}

/* The context toward PostgreSQL. verify-ca and verify-full check the
 * server's chain against server_tls_ca_file, or the system's CAs when it
 * is not set; the host name is set per connection (tls_new_connect). */
static SSL_CTX *server_context(const struct cfg_settings *s, char *why, size_t why_size)
{
	struct side sd = {
		.prefix = "server_tls", .mode = s->server_tls_sslmode,
		.protocols = s->server_tls_protocols, .ciphers = s->server_tls_ciphers,
		.tls13_ciphers = s->server_tls13_ciphers, .key_file = s->server_tls_key_file,
		.cert_file = s->server_tls_cert_file, .ca_file = s->server_tls_ca_file,
	};
	if ((sd.key_file[0] == '\0') != (sd.cert_file[0] == '\0')) {
		snprintf(why, why_size, "server_tls_key_file and server_tls_cert_file go together: "
			 "set both or neither");
		return NULL;
	}
	SSL_CTX *ctx = new_context(TLS_client_method(), &sd, why, why_size);
	if (ctx == NULL)
		return NULL;
	bool verify = sd.mode >= CFG_SSLMODE_VERIFY_CA;
	bool failed = (sd.cert_file[0] && load_cert_and_key(ctx, &sd, why, why_size) != 0) ||
		      (sd.ca_file[0] && load_ca(ctx, &sd, why, why_size) != 0);
	if (!failed && verify && sd.ca_file[0] == '\0' && !SSL_CTX_set_default_verify_paths(ctx)) {
		openssl_error("server_tls_sslmode: the system's CA certificates", why, why_size);
		failed = true;
	}
	if (failed) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ctx;
}

int tls_contexts_load(struct tls_contexts *t, const struct cfg_settings *s, bool cert_auth,
		      char *why, size_t why_size)
{
	struct tls_contexts next = {
		.client_mode = s->client_tls_sslmode,
		.server_mode = s->server_tls_sslmode,
	};
	ERR_clear_error();
	if (next.client_mode != CFG_SSLMODE_DISABLE &&
	    (next.client = client_context(s, cert_auth, why, why_size)) == NULL)
		return -1;
	if (next.server_mode != CFG_SSLMODE_DISABLE &&
	    (next.server = server_context(s, why, why_size)) == NULL) {
		SSL_CTX_free(next.client);
		return -1;
	}
	*t = next;
	return 0;
}

void tls_contexts_fini(struct tls_contexts *t)
{
	SSL_CTX_free(t->client);
	SSL_CTX_free(t->server);
	memset(t, 0, sizeof *t);
}

/* ---- connections ---- */

/* An SSL on fd. Only running out of memory makes SSL_new or SSL_set_fd
 * fail; xalloc's policy applies: say so and abort. */
static SSL *new_ssl(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	if (ssl == NULL || !SSL_set_fd(ssl, fd)) {
		fprintf(stderr, "corral: out of memory creating a TLS connection\n");
		abort();
	}
	return ssl;
}

SSL *tls_new_accept(const struct tls_contexts *t, int fd)
{
	SSL *ssl = new_ssl(t->client, fd);
	SSL_set_accept_state(ssl);
	return ssl;
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

SSL *tls_new_connect(const struct tls_contexts *t, int fd, const char *host, char *why,
		     size_t why_size)
{
	SSL *ssl = new_ssl(t->server, fd);
	SSL_set_connect_state(ssl);
	bool ip = is_ip_literal(host);
	bool ok = ip || SSL_set_tlsext_host_name(ssl, host);
	if (ok && t->server_mode == CFG_SSLMODE_VERIFY_FULL) {
		if (ip) {
			ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
		} else {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ok = SSL_set1_host(ssl, host);
		}
	}
	if (!ok) {
		char what[300];
		snprintf(what, sizeof what, "cannot check the server's certificate for host '%s'", host);
		openssl_error(what, why, why_size);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* Map a failed SSL call's result to tls_io, filling why and errno. */
static enum tls_io failed(SSL *ssl, int ret, const char *doing, char *why, size_t why_size)
{
	int err = SSL_get_error(ssl, ret);
	int saved = errno;
	switch (err) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return TLS_IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		/* A socket error, or end of file (errno 0) without close_notify. */
		if (ERR_peek_error() == 0) {
			if (saved == 0)
				return TLS_IO_CLOSED;
			snprintf(why, why_size, "%s: %s", doing, strerror(saved));
			errno = saved;
			return TLS_IO_ERROR;
		}
		break;
	default:
		break;
	}
	long verify = SSL_get_verify_result(ssl);
	if (verify != X509_V_OK) {
		snprintf(why, why_size, "%s: certificate verify failed: %s", doing,
			 X509_verify_cert_error_string(verify));
		ERR_clear_error();
	} else {
		openssl_error(doing, why, why_size);
	}
	errno = EPROTO;
	return TLS_IO_ERROR;
}

enum tls_io tls_handshake(SSL *ssl, char *why, size_t why_size)
{
	ERR_clear_error();
	int ret = SSL_do_handshake(ssl);
	return ret == 1 ? TLS_IO_OK : failed(ssl, ret, "TLS handshake failed", why, why_size);
}

enum tls_io tls_read(SSL *ssl, void *buf, size_t len, size_t *n, char *why, size_t why_size)
{
	ERR_clear_error();
	int ret = SSL_read_ex(ssl, buf, len, n);
	return ret == 1 ? TLS_IO_OK : failed(ssl, ret, "TLS read failed", why, why_size);
}

enum tls_io tls_write(SSL *ssl, const void *buf, size_t len, size_t *n, char *why, size_t why_size)
{
	ERR_clear_error();
	int ret = SSL_write_ex(ssl, buf, len, n);
	return ret == 1 ? TLS_IO_OK : failed(ssl, ret, "TLS write failed", why, why_size);
}

bool tls_pending(const SSL *ssl)
{
	return SSL_has_pending(ssl) == 1;
}

void tls_free(SSL *ssl)
{
	if (ssl == NULL)
		return;
	if (SSL_is_init_finished(ssl)) {
		ERR_clear_error();
		(void)SSL_shutdown(ssl);
		ERR_clear_error();
	}
	SSL_free(ssl);
}

int tls_peer_common_name(const SSL *ssl, char *out, size_t size, char *why, size_t why_size)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	long verdict = SSL_get_verify_result(ssl);
	if (cert == NULL) {
		snprintf(why, why_size, "no certificate was sent");
		return -1;
	}
	if (verdict != X509_V_OK) {
		snprintf(why, why_size, "the certificate did not verify: %s",
			 X509_verify_cert_error_string(verdict));
		return -1;
	}
	const X509_NAME *name = X509_get_subject_name(cert);
	int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int len = idx < 0 ? -1
			  : ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
	bool ok = len >= 0 && (size_t)len < size && memchr(utf8, 0, (size_t)len) == NULL;
	if (ok) {
		memcpy(out, utf8, (size_t)len);
		out[len] = '\0';
	} else {
		snprintf(why, why_size, "%s", idx < 0 ? "the certificate has no Common Name"
			 : "the certificate's Common Name is too long or holds a NUL byte");
	}
	OPENSSL_free(utf8);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* The key exchange's group as PgBouncer shows it: "/ECDH=X25519",
 * "/ECDH=prime256v1" (OpenSSL's short names), "/DH=2048" for an RFC 7919
 * group; "" when no named group was negotiated (RSA key exchange, or TLS
 * 1.2 DHE with explicit parameters). */
static void describe_group(SSL *ssl, char *out, size_t size)
{
	int nid = SSL_get_negotiated_group(ssl);
	const char *name = nid > 0 ? OBJ_nid2sn(nid) : NULL;
	if (name == NULL && nid > 0)
		name = SSL_group_to_name(ssl, nid);
	if (name == NULL)
		out[0] = '\0';
	else if (strncmp(name, "ffdhe", 5) == 0)
		snprintf(out, size, "/DH=%s", name + 5);
	else
		snprintf(out, size, "/ECDH=%s", name);
}

void tls_describe(SSL *ssl, char *out, size_t size)
{
	char group[64];
	describe_group(ssl, group, sizeof group);
	snprintf(out, size, "%s/%s%s", SSL_get_version(ssl), SSL_get_cipher_name(ssl), group);
	ERR_clear_error();
}
