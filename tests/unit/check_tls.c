/* Unit tests for pooler/tls: protocol lists; contexts built from settings,
 * or refused with the setting named; real handshakes over socketpairs in
 * an event loop for each sslmode's checks (CA, host name, IP address,
 * client certificates) and protocol ranges; bytes both ways through tiny
 * socket buffers (WANT_WRITE on write), a read that must answer a
 * KeyUpdate into a full socket (WANT_WRITE on read), a write before the
 * handshake (WANT_READ on write), close_notify and a bare close.
 * Certificates come from tests/harness/tls_certs.sh, run once. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "config/cfg_settings.h"
#include "pooler/tls.h"
#include "tests/unit/loop_test.h"
#include "tests/unit/tls_test.h"

#define SERVER_CERT "client_tls_cert_file=@server.crt client_tls_key_file=@server.key"

/* ---- protocols ---- */

static const struct {
	const char *text;
	int min, max;    /* 0: refused */
} protocol_cases[] = {
	{ "secure", TLS1_2_VERSION, TLS1_3_VERSION },
	{ "all", TLS1_VERSION, TLS1_3_VERSION },
	{ "legacy", TLS1_VERSION, TLS1_3_VERSION },
	{ "tlsv1.3", TLS1_3_VERSION, TLS1_3_VERSION },
	{ "TLSv1.2", TLS1_2_VERSION, TLS1_2_VERSION },
	{ "tlsv1.1,tlsv1.2", TLS1_1_VERSION, TLS1_2_VERSION },
	{ "tlsv1.2:tlsv1.3", TLS1_2_VERSION, TLS1_3_VERSION },
	{ " tlsv1.0, tlsv1.1 ", TLS1_VERSION, TLS1_1_VERSION },
	{ "secure,tlsv1.1", TLS1_1_VERSION, TLS1_3_VERSION },
	{ "tlsv1.0,tlsv1.2", 0, 0 },   /* a gap */
	{ "tlsv1.4", 0, 0 },
	{ "ssl3", 0, 0 },
	{ "", 0, 0 },
	{ " , ", 0, 0 },
};

START_TEST(test_protocols)
{
	int min = -1, max = -1;
	char why[256] = "";
	int rc = tls_parse_protocols(protocol_cases[_i].text, &min, &max, why, sizeof why);
	if (protocol_cases[_i].min == 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(min, -1);
		ck_assert_msg(why[0] != '\0', "no reason for '%s'", protocol_cases[_i].text);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", protocol_cases[_i].text, why);
	ck_assert_int_eq(min, protocol_cases[_i].min);
	ck_assert_int_eq(max, protocol_cases[_i].max);
}
END_TEST

/* ---- contexts ---- */

static const struct {
	const char *settings;
	const char *error;      /* a part of the message */
} load_errors[] = {
	{ "client_tls_sslmode=require", "client_tls_key_file or client_tls_cert_file is not set" },
	{ "client_tls_sslmode=require client_tls_cert_file=@nope.crt client_tls_key_file=@server.key",
	  "client_tls_cert_file '" },
	{ "client_tls_sslmode=require client_tls_cert_file=@server.crt client_tls_key_file=@nope.key",
	  "client_tls_key_file '" },
	{ "client_tls_sslmode=require client_tls_cert_file=@server.crt client_tls_key_file=@client.key",
	  "does not match the certificate: key values mismatch" },
	{ "client_tls_sslmode=require " SERVER_CERT " client_tls_protocols=tlsv9",
	  "client_tls_protocols: unknown TLS protocol 'tlsv9'" },
	{ "client_tls_sslmode=require " SERVER_CERT " client_tls_ciphers=NOPE",
	  "client_tls_ciphers 'NOPE'" },
	{ "client_tls_sslmode=require " SERVER_CERT " client_tls13_ciphers=NOPE",
	  "client_tls13_ciphers 'NOPE'" },
	{ "client_tls_sslmode=require " SERVER_CERT " client_tls_ecdhcurve=nocurve",
	  "client_tls_ecdhcurve 'nocurve'" },
	{ "client_tls_sslmode=require " SERVER_CERT " client_tls_dheparams=huge",
	  "client_tls_dheparams 'huge': use none, auto or legacy" },
	{ "client_tls_sslmode=verify-ca " SERVER_CERT, "need client_tls_ca_file" },
	{ "client_tls_sslmode=verify-ca " SERVER_CERT " client_tls_ca_file=@nope.crt",
	  "client_tls_ca_file '" },
	{ "server_tls_sslmode=require server_tls_key_file=@client.key",
	  "server_tls_key_file and server_tls_cert_file go together" },
	{ "server_tls_sslmode=verify-full server_tls_ca_file=@nope.crt", "server_tls_ca_file '" },
	{ "server_tls_sslmode=prefer server_tls_protocols=tlsv1.0,tlsv1.3",
	  "server_tls_protocols: TLS protocols must be consecutive" },
	{ "server_tls_sslmode=prefer server_tls_ciphers=NOPE", "server_tls_ciphers 'NOPE'" },
};

START_TEST(test_load_errors)
{
	struct cfg_settings s;
	struct tls_contexts t = { .client_mode = CFG_SSLMODE_ALLOW };
	char why[512] = "";
	cfg_settings_init(&s);
	tls_test_apply(&s, "server_tls_sslmode=disable");
	tls_test_apply(&s, load_errors[_i].settings);
	ck_assert_int_eq(tls_contexts_load(&t, &s, false, why, sizeof why), -1);
	ck_assert_msg(strstr(why, load_errors[_i].error) != NULL, "'%s': got '%s'",
		      load_errors[_i].settings, why);
	/* Untouched on failure. */
	ck_assert_ptr_null(t.client);
	ck_assert_int_eq(t.client_mode, CFG_SSLMODE_ALLOW);
	cfg_settings_fini(&s);
}
END_TEST

/* Cert authentication checks certificates in every sslmode, so it needs
 * the CA even where the sslmode does not. */
START_TEST(test_cert_auth_needs_ca)
{
	struct cfg_settings s;
	struct tls_contexts t;
	char why[512] = "";
	cfg_settings_init(&s);
	tls_test_apply(&s, TLS_TEST_ACCEPT " server_tls_sslmode=disable");
	ck_assert_int_eq(tls_contexts_load(&t, &s, true, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "cert authentication (auth_type cert, or a cert rule in "
			      "auth_hba_file) needs client_tls_ca_file") != NULL, "%s", why);
	ck_assert_int_eq(tls_contexts_load(&t, &s, false, why, sizeof why), 0);
	tls_contexts_fini(&t);
	cfg_settings_fini(&s);
}
END_TEST

/* Settings that build: a context only for sides not disabled. */
START_TEST(test_load_ok)
{
	struct tls_contexts t;
	tls_test_load(&t, "server_tls_sslmode=disable");
	ck_assert_ptr_null(t.client);
	ck_assert_ptr_null(t.server);
	tls_contexts_fini(&t);
	tls_test_load(&t, "client_tls_sslmode=verify-full " SERVER_CERT " client_tls_ca_file=@ca.crt "
		 "client_tls_protocols=all client_tls_ciphers=all client_tls_ecdhcurve=none "
		 "client_tls_dheparams=legacy client_tls13_ciphers=TLS_AES_128_GCM_SHA256 "
		 "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt "
		 "server_tls_cert_file=@client.crt server_tls_key_file=@client.key");
	ck_assert_ptr_nonnull(t.client);
	ck_assert_ptr_nonnull(t.server);
	ck_assert_int_eq(t.client_mode, CFG_SSLMODE_VERIFY_FULL);
	ck_assert_int_eq(t.server_mode, CFG_SSLMODE_VERIFY_FULL);
	tls_contexts_fini(&t);
	ck_assert_ptr_null(t.client);
	/* The CA may be a directory; the system's CAs serve verify-ca without one. */
	tls_test_load(&t, "client_tls_sslmode=verify-ca " SERVER_CERT " client_tls_ca_file=@ "
		 "server_tls_sslmode=verify-ca");
	ck_assert_ptr_nonnull(t.client);
	ck_assert_ptr_nonnull(t.server);
	tls_contexts_fini(&t);
}
END_TEST

/* ---- handshakes in an event loop ---- */

struct end {
	struct event_base *base;
	SSL *ssl;
	int fd;
	struct event *ev;
	enum tls_io result;       /* last tls_handshake result */
	char why[512];
	int *running;             /* ends still handshaking */
};

static void end_step(struct end *e);

static void end_on_event(evutil_socket_t fd, short what, void *arg)
{
	end_step(arg);
}

/* One handshake step; wait for what it wants, or finish. */
static void end_step(struct end *e)
{
	e->result = tls_handshake(e->ssl, e->why, sizeof e->why);
	if (e->ev)
		event_free(e->ev);
	e->ev = NULL;
	if (e->result == TLS_IO_WANT_READ || e->result == TLS_IO_WANT_WRITE) {
		short what = e->result == TLS_IO_WANT_READ ? EV_READ : EV_WRITE;
		e->ev = event_new(e->base, e->fd, what, end_on_event, e);
		ck_assert_int_eq(event_add(e->ev, NULL), 0);
		return;
	}
	if (--*e->running == 0)
		event_base_loopbreak(e->base);
}

/* Handshake a (accepting, from t->client) with c (connecting to host,
 * from t->server) over fds; each end's result and reason are left in it. */
static void handshake(const struct tls_contexts *t, const char *host, int fds[2], struct end *a,
		      struct end *c)
{
	struct event_base *base = event_base_new();
	char why[256] = "";
	int running = 2;
	*a = (struct end){ .base = base, .fd = fds[0], .running = &running };
	*c = (struct end){ .base = base, .fd = fds[1], .running = &running };
	a->ssl = tls_new_accept(t, fds[0]);
	c->ssl = tls_new_connect(t, fds[1], host, why, sizeof why);
	ck_assert_msg(c->ssl != NULL, "%s", why);
	end_step(c);
	end_step(a);
	run_loop(base, 5000);
	ck_assert_msg(running == 0, "handshake did not finish");
	event_base_free(base);
}

static const struct {
	const char *name;
	const char *settings;    /* after TLS_TEST_ACCEPT */
	const char *host;
	const char *accept_error;  /* NULL: the accepting end succeeds */
	const char *connect_error; /* NULL: the connecting end succeeds */
} handshakes[] = {
	{ "require, no checks", "server_tls_sslmode=require", "127.0.0.1", NULL, NULL },
	{ "verify-full by IP", "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt",
	  "127.0.0.1", NULL, NULL },
	{ "verify-full by name", "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt",
	  "localhost", NULL, NULL },
	{ "verify-full, other name", "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt",
	  "db.other.example", "alert", "certificate verify failed: hostname mismatch" },
	{ "verify-full, other IP", "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt",
	  "10.1.2.3", "alert", "certificate verify failed: IP address mismatch" },
	{ "verify-ca ignores the name", "server_tls_sslmode=verify-ca server_tls_ca_file=@ca.crt",
	  "db.other.example", NULL, NULL },
	{ "verify-ca, unknown CA", "server_tls_sslmode=verify-ca server_tls_ca_file=@other-ca.crt",
	  "127.0.0.1", "alert", "certificate verify failed: unable to get local issuer certificate" },
	{ "require does not verify", "server_tls_sslmode=require server_tls_ca_file=@other-ca.crt",
	  "db.other.example", NULL, NULL },
	{ "client cert required, none sent",
	  "client_tls_sslmode=verify-ca client_tls_ca_file=@ca.crt server_tls_sslmode=require",
	  "127.0.0.1", "peer did not return a certificate", "" },
	{ "client cert accepted",
	  "client_tls_sslmode=verify-full client_tls_ca_file=@ca.crt server_tls_sslmode=require "
	  "server_tls_cert_file=@client.crt server_tls_key_file=@client.key",
	  "127.0.0.1", NULL, NULL },
	{ "client cert from another CA",
	  "client_tls_sslmode=verify-ca client_tls_ca_file=@ca.crt server_tls_sslmode=require "
	  "server_tls_cert_file=@stranger.crt server_tls_key_file=@stranger.key",
	  "127.0.0.1", "certificate verify failed", "" },
	{ "client cert not asked for in require",
	  "server_tls_sslmode=require server_tls_cert_file=@stranger.crt "
	  "server_tls_key_file=@stranger.key", "127.0.0.1", NULL, NULL },
	{ "no common protocol",
	  "client_tls_protocols=tlsv1.3 server_tls_sslmode=require server_tls_protocols=tlsv1.2",
	  "127.0.0.1", "unsupported protocol", "alert protocol version" },
	{ "TLS 1.2", "client_tls_protocols=tlsv1.2,tlsv1.3 server_tls_sslmode=require "
	  "server_tls_protocols=tlsv1.2", "127.0.0.1", NULL, NULL },
};

/* error NULL: the end succeeded; "": it did not (how is not checked);
 * otherwise it failed saying that. */
static void expect_end(const struct end *e, const char *error, const char *side)
{
	if (error == NULL) {
		ck_assert_msg(e->result == TLS_IO_OK, "%s end failed: %s", side, e->why);
		return;
	}
	if (error[0] == '\0')
		return;
	ck_assert_msg(e->result == TLS_IO_ERROR, "%s end: result %d, wanted an error", side,
		      e->result);
	ck_assert_msg(strstr(e->why, error) != NULL, "%s end: wanted '%s', got '%s'", side, error,
		      e->why);
}

START_TEST(test_handshake)
{
	char settings[1024];
	int fds[2];
	struct tls_contexts t;
	struct end a, c;
	snprintf(settings, sizeof settings, TLS_TEST_ACCEPT " %s", handshakes[_i].settings);
	tls_test_load(&t, settings);
	tls_test_pair(fds, 0);
	handshake(&t, handshakes[_i].host, fds, &a, &c);
	expect_end(&a, handshakes[_i].accept_error, "accepting");
	expect_end(&c, handshakes[_i].connect_error, "connecting");
	if (handshakes[_i].accept_error == NULL && handshakes[_i].connect_error == NULL) {
		/* Both ends say the same, as PgBouncer: protocol/cipher/group. */
		char desc[128], adesc[128], want[128];
		tls_describe(c.ssl, desc, sizeof desc);
		tls_describe(a.ssl, adesc, sizeof adesc);
		bool v12 = strstr(handshakes[_i].settings, "tlsv1.2") != NULL;
		snprintf(want, sizeof want, "%s/%s/ECDH=X25519", v12 ? "TLSv1.2" : "TLSv1.3",
			 v12 ? "ECDHE-ECDSA-AES256-GCM-SHA384" : "TLS_AES_256_GCM_SHA384");
		ck_assert_msg(strcmp(desc, want) == 0, "%s: %s", handshakes[_i].name, desc);
		ck_assert_str_eq(adesc, want);
	}
	tls_free(a.ssl);
	tls_free(c.ssl);
	close(fds[0]);
	close(fds[1]);
	tls_contexts_fini(&t);
}
END_TEST

/* The client certificate's CN, once verified; otherwise why not: none
 * asked for (require without cert authentication) or sent, or one that
 * did not verify. With cert authentication, require asks for a
 * certificate but lets the handshake through without a good one. */
START_TEST(test_peer_common_name)
{
	static const struct {
		const char *settings;
		bool cert_auth;
		const char *cn;   /* NULL: none, for why */
		const char *why;
	} cases[] = {
		{ "client_tls_sslmode=verify-ca client_tls_ca_file=@ca.crt server_tls_sslmode=require "
		  "server_tls_cert_file=@client.crt server_tls_key_file=@client.key", false,
		  "corral_test", NULL },
		{ "server_tls_sslmode=require server_tls_cert_file=@client.crt "
		  "server_tls_key_file=@client.key", false, NULL, "no certificate was sent" },
		{ "server_tls_sslmode=require", false, NULL, "no certificate was sent" },
		{ "client_tls_ca_file=@ca.crt server_tls_sslmode=require "
		  "server_tls_cert_file=@client.crt server_tls_key_file=@client.key", true,
		  "corral_test", NULL },
		{ "client_tls_ca_file=@ca.crt server_tls_sslmode=require "
		  "server_tls_cert_file=@other-user.crt server_tls_key_file=@other-user.key", true,
		  "corral_other", NULL },
		{ "client_tls_ca_file=@ca.crt server_tls_sslmode=require "
		  "server_tls_cert_file=@stranger.crt server_tls_key_file=@stranger.key", true, NULL,
		  "the certificate did not verify: unable to verify the first certificate" },
		{ "client_tls_ca_file=@ca.crt server_tls_sslmode=require", true, NULL,
		  "no certificate was sent" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char settings[1024], cn[64] = "", tiny[11] = "", why[256] = "";
		int fds[2];
		struct tls_contexts t;
		struct end a, c;
		snprintf(settings, sizeof settings, TLS_TEST_ACCEPT " %s", cases[i].settings);
		tls_test_load_auth(&t, settings, cases[i].cert_auth);
		tls_test_pair(fds, 0);
		handshake(&t, "127.0.0.1", fds, &a, &c);
		ck_assert_msg(a.result == TLS_IO_OK, "%s", a.why);
		ck_assert_msg(c.result == TLS_IO_OK, "%s", c.why);
		if (cases[i].cn) {
			ck_assert_int_eq(tls_peer_common_name(a.ssl, cn, sizeof cn, why, sizeof why), 0);
			ck_assert_str_eq(cn, cases[i].cn);
			/* "corral_test" needs 12 bytes. */
			ck_assert_int_eq(tls_peer_common_name(a.ssl, tiny, sizeof tiny, why, sizeof why),
					 -1);
			ck_assert_str_eq(why, "the certificate's Common Name is too long or "
					 "holds a NUL byte");
		} else {
			ck_assert_int_eq(tls_peer_common_name(a.ssl, cn, sizeof cn, why, sizeof why), -1);
			ck_assert_str_eq(why, cases[i].why);
		}
		/* The connecting end saw the server's certificate, not verified. */
		ck_assert_int_eq(tls_peer_common_name(c.ssl, cn, sizeof cn, why, sizeof why), -1);
		tls_free(a.ssl);
		tls_free(c.ssl);
		close(fds[0]);
		close(fds[1]);
		tls_contexts_fini(&t);
	}
}
END_TEST

/* A peer that speaks plain bytes instead of TLS fails the accepting end. */
START_TEST(test_plaintext_peer)
{
	struct tls_contexts t;
	int fds[2];
	char why[256] = "";
	tls_test_load(&t, TLS_TEST_ACCEPT " server_tls_sslmode=disable");
	tls_test_pair(fds, 0);
	static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	ck_assert_int_eq(write(fds[1], junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
	SSL *ssl = tls_new_accept(&t, fds[0]);
	ck_assert_int_eq(tls_handshake(ssl, why, sizeof why), TLS_IO_ERROR);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_msg(strstr(why, "TLS handshake failed: ") == why, "%s", why);
	tls_free(ssl);
	close(fds[0]);
	close(fds[1]);
	tls_contexts_fini(&t);
}
END_TEST

/* ---- I/O after the handshake ---- */

/* A connected pair with tiny socket buffers: a accepts, c connects. */
struct conn {
	struct tls_contexts t;
	int fds[2];
	struct end a, c;
};

static void connect_pair(struct conn *k, int buffer)
{
	tls_test_load(&k->t, TLS_TEST_ACCEPT " server_tls_sslmode=require");
	tls_test_pair(k->fds, buffer);
	handshake(&k->t, "127.0.0.1", k->fds, &k->a, &k->c);
	ck_assert_msg(k->a.result == TLS_IO_OK && k->c.result == TLS_IO_OK, "%s / %s", k->a.why,
		      k->c.why);
}

static void disconnect_pair(struct conn *k)
{
	tls_free(k->a.ssl);
	tls_free(k->c.ssl);
	close(k->fds[0]);
	close(k->fds[1]);
	tls_contexts_fini(&k->t);
}

static uint8_t pattern(size_t i, unsigned seed)
{
	return (uint8_t)((i * 131u + seed) ^ (i >> 9));
}

/* One direction of a transfer, driven by its end's socket events. */
struct flow {
	struct event_base *base;
	SSL *ssl;
	int fd;
	size_t total, done;       /* bytes to move, moved */
	unsigned seed;
	bool writer;
	uint8_t buf[16384];
	size_t chunk;             /* writer: bytes offered in the last (maybe retried) call */
	int wants_write, wants_read;
	int *running;
	struct event *ev;
};

static void flow_step(struct flow *f);

static void flow_on_event(evutil_socket_t fd, short what, void *arg)
{
	flow_step(arg);
}

static void flow_wait(struct flow *f, enum tls_io r)
{
	if (r == TLS_IO_WANT_WRITE)
		f->wants_write++;
	else
		f->wants_read++;
	f->ev = event_new(f->base, f->fd, r == TLS_IO_WANT_READ ? EV_READ : EV_WRITE, flow_on_event, f);
	ck_assert_int_eq(event_add(f->ev, NULL), 0);
}

/* Move as much as the socket takes; wait on what OpenSSL asks for. A
 * retried write offers the same bytes again, from a different buffer. */
static void flow_step(struct flow *f)
{
	char why[256];
	if (f->ev)
		event_free(f->ev);
	f->ev = NULL;
	while (f->done < f->total) {
		size_t n = 0;
		enum tls_io r;
		if (f->writer) {
			if (f->chunk == 0)
				f->chunk = f->total - f->done < 7001 ? f->total - f->done : 7001;
			uint8_t *src = f->buf + (f->done + f->wants_write) % 512;
			for (size_t i = 0; i < f->chunk; i++)
				src[i] = pattern(f->done + i, f->seed);
			r = tls_write(f->ssl, src, f->chunk, &n, why, sizeof why);
			if (r == TLS_IO_OK)
				f->chunk = 0;
		} else {
			r = tls_read(f->ssl, f->buf, sizeof f->buf, &n, why, sizeof why);
			size_t i = 0;   /* one assertion per read: each costs Check a write */
			while (r == TLS_IO_OK && i < n && f->buf[i] == pattern(f->done + i, f->seed))
				i++;
			ck_assert_msg(r != TLS_IO_OK || i == n, "byte %zu differs", f->done + i);
		}
		if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
			flow_wait(f, r);
			return;
		}
		ck_assert_msg(r == TLS_IO_OK, "%s: %d %s", f->writer ? "write" : "read", r, why);
		ck_assert_uint_gt(n, 0);
		f->done += n;
	}
	if (--*f->running == 0)
		event_base_loopbreak(f->base);
}

/* 2 MB each way at once through ~4 kB socket buffers. */
START_TEST(test_bytes_both_ways)
{
	struct conn k;
	connect_pair(&k, 4096);
	struct event_base *base = event_base_new();
	int running = 4;
	size_t total = 2u << 20;
	static struct flow flows[4];
	SSL *ssl[4] = { k.a.ssl, k.c.ssl, k.c.ssl, k.a.ssl };
	int fd[4] = { k.fds[0], k.fds[1], k.fds[1], k.fds[0] };
	for (int i = 0; i < 4; i++) {
		flows[i] = (struct flow){ .base = base, .ssl = ssl[i], .fd = fd[i], .total = total,
					  .seed = (unsigned)i / 2, .writer = i % 2 == 0,
					  .running = &running };
	}
	for (int i = 0; i < 4; i++)
		flow_step(&flows[i]);
	run_loop(base, 20000);
	ck_assert_int_eq(running, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(flows[i].done, total);
	/* Both writers had to wait for a full socket, and both readers for data. */
	ck_assert_int_gt(flows[0].wants_write, 0);
	ck_assert_int_gt(flows[2].wants_write, 0);
	ck_assert_int_gt(flows[1].wants_read, 0);
	ck_assert_int_gt(flows[3].wants_read, 0);
	event_base_free(base);
	disconnect_pair(&k);
}
END_TEST

/* A read on the accepting end before the handshake runs the handshake:
 * with the ClientHello in and the way back full, it must wait until the
 * socket is writable; once there is room, the handshake goes on. */
START_TEST(test_read_wants_write)
{
	struct tls_contexts t;
	int fds[2];
	char why[256], buf[16];
	static const char junk[4096];
	size_t n, filled = 0;
	ssize_t w;
	tls_test_load(&t, TLS_TEST_ACCEPT " server_tls_sslmode=require");
	tls_test_pair(fds, 4096);
	SSL *c = tls_new_connect(&t, fds[1], "127.0.0.1", why, sizeof why);
	ck_assert_int_eq(tls_handshake(c, why, sizeof why), TLS_IO_WANT_READ);
	while ((w = write(fds[0], junk, sizeof junk)) > 0)
		filled += (size_t)w;
	ck_assert_int_eq(errno, EAGAIN);
	SSL *a = tls_new_accept(&t, fds[0]);
	ck_assert_int_eq(tls_read(a, buf, sizeof buf, &n, why, sizeof why), TLS_IO_WANT_WRITE);
	while (filled > 0 && (w = read(fds[1], (char[4096]){ 0 }, filled < 4096 ? filled : 4096)) > 0)
		filled -= (size_t)w;
	ck_assert_uint_eq(filled, 0);
	/* Room again: the server's flight goes out, and it waits for the client's. */
	ck_assert_int_eq(tls_read(a, buf, sizeof buf, &n, why, sizeof why), TLS_IO_WANT_READ);
	tls_free(a);
	tls_free(c);
	close(fds[0]);
	close(fds[1]);
	tls_contexts_fini(&t);
}
END_TEST

/* A write before the handshake starts it, and waits for the peer's answer. */
START_TEST(test_write_wants_read)
{
	struct tls_contexts t;
	int fds[2];
	char why[256];
	size_t n = 0;
	tls_test_load(&t, TLS_TEST_ACCEPT " server_tls_sslmode=require");
	tls_test_pair(fds, 0);
	SSL *c = tls_new_connect(&t, fds[1], "127.0.0.1", why, sizeof why);
	ck_assert_int_eq(tls_write(c, "x", 1, &n, why, sizeof why), TLS_IO_WANT_READ);
	ck_assert_uint_eq(n, 0);
	tls_free(c);
	close(fds[0]);
	close(fds[1]);
	tls_contexts_fini(&t);
}
END_TEST

/* tls_free sends close_notify; a bare close is an end of file too. */
START_TEST(test_close)
{
	struct conn k;
	char buf[16], why[256];
	size_t n;
	connect_pair(&k, 0);
	ck_assert_int_eq(tls_read(k.c.ssl, buf, sizeof buf, &n, why, sizeof why), TLS_IO_WANT_READ);
	tls_free(k.a.ssl);
	k.a.ssl = NULL;
	ck_assert_int_eq(tls_read(k.c.ssl, buf, sizeof buf, &n, why, sizeof why), TLS_IO_CLOSED);
	disconnect_pair(&k);

	connect_pair(&k, 0);
	close(k.fds[0]);
	k.fds[0] = -1;
	ck_assert_int_eq(tls_read(k.c.ssl, buf, sizeof buf, &n, why, sizeof why), TLS_IO_CLOSED);
	disconnect_pair(&k);
}
END_TEST

/* A host name that cannot be checked is refused before any byte is sent. */
START_TEST(test_connect_bad_host)
{
	struct tls_contexts t;
	char why[256] = "";
	tls_test_load(&t, "server_tls_sslmode=verify-full server_tls_ca_file=@ca.crt");
	ck_assert_ptr_null(tls_new_connect(&t, 0, "", why, sizeof why));
	ck_assert_msg(strstr(why, "cannot check the server's certificate for host ''"), "%s", why);
	tls_contexts_fini(&t);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tls_test_make_certs();
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_protocols, 0, sizeof protocol_cases / sizeof protocol_cases[0]);
	tcase_add_loop_test(tc, test_load_errors, 0, sizeof load_errors / sizeof load_errors[0]);
	tcase_add_test(tc, test_cert_auth_needs_ca);
	tcase_add_test(tc, test_load_ok);
	tcase_add_loop_test(tc, test_handshake, 0, sizeof handshakes / sizeof handshakes[0]);
	tcase_add_test(tc, test_peer_common_name);
	tcase_add_test(tc, test_plaintext_peer);
	tcase_add_test(tc, test_bytes_both_ways);
	tcase_add_test(tc, test_read_wants_write);
	tcase_add_test(tc, test_write_wants_read);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_connect_bad_host);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tls_test_remove_certs();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
