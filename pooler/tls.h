/* tls: corral's use of OpenSSL. It owns the two SSL_CTX built from the
 * settings (client side: corral is the TLS server applications connect to,
 * from client_tls_*; server side: corral is the TLS client of PostgreSQL,
 * from server_tls_*), makes per-connection SSL objects, and wraps the
 * handshake, read and write in non-blocking calls that report "wait until
 * the socket is readable / writable" instead of blocking. It never polls,
 * owns no socket and does not log: the stream drives it from the event
 * loop, and errors come back as text for the caller to log or send. */
#ifndef CORRAL_POOLER_TLS_H
#define CORRAL_POOLER_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/types.h>

#include "config/cfg_settings.h"

/* Both contexts and the modes they were built for. A context is NULL when
 * its side's sslmode is disable. Owned by the loop (struct corral); live
 * SSL objects hold their own reference to the context they came from, so a
 * reload may replace these while connections made earlier go on. */
struct tls_contexts {
	SSL_CTX *client;               /* accepts TLS from applications (owned) */
	SSL_CTX *server;               /* speaks TLS to PostgreSQL (owned) */
	enum cfg_sslmode client_mode;  /* client_tls_sslmode */
	enum cfg_sslmode server_mode;  /* server_tls_sslmode */
};

/* What a non-blocking TLS call did. */
enum tls_io {
	TLS_IO_OK,          /* done: the handshake completed, or *n > 0 bytes moved */
	TLS_IO_WANT_READ,   /* call again, with the same arguments, once the socket is readable */
	TLS_IO_WANT_WRITE,  /* ... once the socket is writable */
	TLS_IO_CLOSED,      /* the peer closed the connection (with or without close_notify) */
	TLS_IO_ERROR,       /* failed for good: errno is set (EPROTO for a TLS error), why says what */
};

/* Build the contexts s asks for: protocols, ciphers, curves, DH, the
 * certificate and key, the CA file and the verification each sslmode
 * implies. cert_auth: some client may log in by certificate (auth_type
 * cert, or a cert rule in auth_hba_file), so the client side asks for
 * certificates even in allow, prefer and require, and checks them against
 * client_tls_ca_file (then mandatory), without failing a handshake over
 * a missing or bad one. Every file is read now, so a reload picks up
 * replaced files. Returns 0 with *t filled (the caller owns both
 * contexts; release with tls_contexts_fini), or -1 with why naming the
 * setting and OpenSSL's reason, and *t untouched. */
int tls_contexts_load(struct tls_contexts *t, const struct cfg_settings *s, bool cert_auth,
		      char *why, size_t why_size) __attribute__((warn_unused_result));
/* Release both contexts (live SSL objects keep theirs); *t is zeroed. */
void tls_contexts_fini(struct tls_contexts *t);

/* Parse a client_tls_protocols / server_tls_protocols value: versions
 * tlsv1.0 .. tlsv1.3 and the shortcuts all (every version), secure
 * (tlsv1.2,tlsv1.3) and legacy (all), separated by commas, colons or
 * spaces, case-insensitive. OpenSSL takes a range, so the versions named
 * must be consecutive. Returns 0 with the lowest and highest as OpenSSL's
 * TLS1_x_VERSION, or -1 with why. */
int tls_parse_protocols(const char *text, int *min_version, int *max_version, char *why,
			size_t why_size) __attribute__((warn_unused_result));

/* A new SSL for an accepted client socket fd, in server role (t->client
 * must be non-NULL). The caller owns it until tls_free. */
SSL *tls_new_accept(const struct tls_contexts *t, int fd);
/* A new SSL for a socket fd connected to PostgreSQL at host (a name or an
 * IP literal), in client role (t->server must be non-NULL). It sends host
 * as SNI when host is a name; with verify-full the certificate must match
 * host (a DNS name, or an IP address in its subjectAltName). Returns NULL
 * with why when host cannot be checked. */
SSL *tls_new_connect(const struct tls_contexts *t, int fd, const char *host, char *why,
		     size_t why_size);

/* Advance the handshake. TLS_IO_OK once it completed; TLS_IO_ERROR with why
 * ("certificate verify failed: hostname mismatch", "no shared cipher", ...). */
enum tls_io tls_handshake(SSL *ssl, char *why, size_t why_size) __attribute__((warn_unused_result));
/* Decrypt up to len bytes into buf (the handshake is done). TLS_IO_OK with
 * *n > 0; more may then be waiting in OpenSSL (tls_pending). */
enum tls_io tls_read(SSL *ssl, void *buf, size_t len, size_t *n, char *why, size_t why_size)
	__attribute__((warn_unused_result));
/* Encrypt and send up to len bytes of buf. TLS_IO_OK with *n > 0 bytes
 * taken (partial writes are on). After a WANT, the retry must pass the same
 * bytes again, but they may have moved and more may follow them. */
enum tls_io tls_write(SSL *ssl, const void *buf, size_t len, size_t *n, char *why, size_t why_size)
	__attribute__((warn_unused_result));
/* Whether bytes wait in OpenSSL, decrypted or read ahead (no socket event
 * will say so). It may be true for a partial record: a read then wants
 * more. */
bool tls_pending(const SSL *ssl);
/* Send close_notify when the handshake was done (best effort, never
 * waits), then free ssl. NULL is allowed. */
void tls_free(SSL *ssl);

/* The Common Name in the peer's certificate, when there is one and it
 * verified against the CA (the client leg asks for one in verify-ca and
 * verify-full, and when cert authentication may be needed). Returns 0
 * with out filled, or -1 with why ("no certificate was sent", "the
 * certificate did not verify: <OpenSSL's reason>", "the certificate has no
 * Common Name", or one with a NUL in it or longer than size - 1 bytes). */
int tls_peer_common_name(const SSL *ssl, char *out, size_t size, char *why, size_t why_size)
	__attribute__((warn_unused_result));

/* The protocol, cipher and key exchange group of a connection whose
 * handshake is done, in PgBouncer's format, for logs and the tls column of
 * SHOW CLIENTS and SHOW SERVERS: "TLSv1.3/TLS_AES_256_GCM_SHA384/ECDH=X25519";
 * the group part is "/DH=<bits>" for a finite-field group and absent when
 * no named group was negotiated. 100 bytes hold any. */
void tls_describe(SSL *ssl, char *out, size_t size);

#endif
