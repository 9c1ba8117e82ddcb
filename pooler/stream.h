/* stream: one non-blocking socket speaking the v3 protocol, and the
 * forwarding machinery between two of them. Bytes read from a stream go into
 * its iobuf; the owner's handler sees each message header (and the body,
 * when it asks for it whole) and says what to do with it; forwarded bytes go
 * straight from this stream's buffer to the peer's socket (socket -> buffer
 * -> socket, no other copy), batched into one send per wakeup. When the peer
 * cannot take more, this stream stops reading until the peer drains
 * (back-pressure). Bytes corral itself writes (errors, login replies,
 * injected SETs) go through the stream's own output queue, sent before any
 * forwarded bytes. The stream owns its fd, events and buffers; its owner (a
 * client or server) owns the stream and decides when it closes. With TLS
 * (an SSL object attached after the SSLRequest exchange), the same paths
 * read and write through OpenSSL: SSL_read into the same buffer, SSL_write
 * straight from it; the plain path pays one branch. */
#ifndef CORRAL_POOLER_STREAM_H
#define CORRAL_POOLER_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"

struct event;
struct event_base;
struct iobuf;
struct iobuf_pool;
struct stream;

/* What the handler decided for the message it was shown. */
enum stream_verdict {
	STREAM_FORWARD,      /* send it to the peer; a body still arriving follows it */
	STREAM_FORWARD_LAST, /* forward it, then handle nothing more until stream_resume;
			      * ops->on_flushed runs once it has all been sent */
	STREAM_CONSUMED,     /* the handler used it (it was shown whole): drop it */
	STREAM_DISCARD,      /* drop it, body included, without needing it whole */
	STREAM_NEED_BODY,    /* show it again once the whole message is buffered */
	STREAM_PAUSE,        /* leave it unhandled; handle nothing until stream_resume */
	STREAM_STOP,         /* the handler closed this stream: touch nothing */
};

struct stream_ops {
	/* A message header is buffered. msg->body is non-NULL only when the
	 * whole message is buffered; msg->type is 0 for a startup packet. */
	enum stream_verdict (*on_message)(void *owner, struct stream *s, const struct pg_frame *msg);
	/* The peer closed (err 0), a read or write failed (errno), or the
	 * bytes are not the protocol (err -1, reason says why). The owner must
	 * stream_close(s) (and may close others) before returning. */
	void (*on_error)(void *owner, struct stream *s, int err, const char *reason);
	/* Everything forwarded up to a STREAM_FORWARD_LAST has been sent.
	 * May be NULL for owners that never answer FORWARD_LAST. */
	void (*on_flushed)(void *owner, struct stream *s);
	/* TLS negotiation; NULL for owners that never start it. The peer's
	 * one-byte answer to our SSLRequest (stream_expect_tls_answer): 'S',
	 * 'N', or anything else for the owner to refuse. */
	void (*on_tls_answer)(void *owner, struct stream *s, uint8_t answer);
	/* The handshake completed (stream_start_tls): messages flow again.
	 * A failed one is an on_error (err -1, reason says why). */
	void (*on_tls_ready)(void *owner, struct stream *s);
};

/* What a stream's pass table says of a message type. */
enum stream_pass {
	STREAM_PASS_SHOW,     /* call on_message */
	STREAM_PASS_FORWARD,  /* forward it unseen */
	STREAM_PASS_COUNT,    /* forward it unseen and count it in pass_counted */
};

/* Where a stream is with TLS. */
enum stream_tls {
	STREAM_TLS_OFF,        /* plain socket (TLS never asked for, or refused) */
	STREAM_TLS_ANSWER,     /* our SSLRequest is out: read the one-byte answer */
	STREAM_TLS_HANDSHAKE,  /* ssl set, handshake running, no messages handled */
	STREAM_TLS_ON,         /* every byte goes through ssl */
};

/* Per-loop settings and buffers all streams share. */
struct stream_env {
	struct event_base *base;
	struct iobuf_pool *buffers;
	uint32_t max_packet_size;  /* a length above it is a protocol error */
};

struct stream {
	int fd;                       /* -1 once closed */
	enum stream_tls tls;
	const struct stream_env *env;
	const struct stream_ops *ops;
	void *owner;
	struct event *ev_read;        /* owned */
	struct event *ev_write;       /* owned; NULL until the socket is first waited on */
	struct iobuf *in;             /* bytes read and not yet sent or dropped; NULL when none */
	uint32_t pending;             /* bytes at in->start handled and waiting to go to the peer */
	uint32_t body_left;           /* bytes of the last handled message still to arrive */
	bool body_forwarded;          /* ... and whether they go to the peer or are dropped */
	bool startup;                 /* the next message is a startup packet (no type byte) */
	bool paused;                  /* PAUSE or FORWARD_LAST: handle nothing until resume */
	bool flushed_hook;            /* call on_flushed when pending reaches 0 */
	bool reading;                 /* ev_read is added */
	bool writing;                 /* ev_write is added */
	bool blocked;                 /* pending bytes wait for the peer to drain */
	bool in_process;              /* process() is on the stack for this stream */
	bool reprocess;               /* run process() again before leaving it */
	bool tls_read_on_write;       /* an SSL_read waits for the socket to be writable */
	bool tls_write_on_read;       /* an SSL_write waits for the socket to be readable */
	bool keep_in;                 /* set by the owner: keep a standard input buffer while
				       * empty (a busy connection's: a server's) */
	uint32_t pass_counted;        /* messages forwarded unseen as STREAM_PASS_COUNT asked,
				       * since the owner last took the count (and zeroed it) */
	SSL *ssl;                     /* owned; NULL on a plain socket */
	struct stream *peer;          /* where forwarded bytes go; NULL when unlinked */
	const uint8_t *pass;          /* enum stream_pass by message type (256 entries): which
				       * the stream forwards to the peer without calling
				       * on_message; NULL: none. Set by the owner while
				       * linked; stream_unlink clears it */
	struct stream *waiting_src;   /* a stream whose pending bytes wait on our socket */
	struct pg_buf out;            /* corral's own bytes for this socket */
	size_t out_sent;              /* bytes of out already sent */
	uint64_t bytes_in, bytes_out; /* since the owner last added them to its stats */
};

/* Adopt a connected (or connecting) non-blocking fd. Reading starts when
 * stream_start_reading is called. Returns 0, or -1 (events could not be
 * created; the fd is still the caller's). */
int stream_init(struct stream *s, const struct stream_env *env, int fd,
		const struct stream_ops *ops, void *owner) __attribute__((warn_unused_result));
/* Begin (or resume, after back-pressure) reading. */
void stream_start_reading(struct stream *s);
/* Close the fd after one last attempt to send queued own output (so a
 * FATAL error reaches the client), release buffers and events, and unlink
 * the peer. Safe to call twice. */
void stream_close(struct stream *s);

/* Read the peer's one-byte answer to the SSLRequest already queued with
 * stream_out (and sent, or being sent): exactly one byte, so nothing the
 * peer sends after it unencrypted is taken into the session. Its owner's
 * on_tls_answer gets it; until then no message is handled. */
void stream_expect_tls_answer(struct stream *s);
/* Start a TLS handshake over s with ssl (made for s's fd); ownership of
 * ssl passes to s, which frees it when it closes. The first step runs
 * once the caller has returned to the loop (so a message handler may call
 * this, and its verdict is applied first); no message is handled until
 * on_tls_ready. Precondition: own output has all been sent (the 'S'
 * answer must precede the handshake). Bytes the peer sent after its
 * SSLRequest and before the handshake are refused then: they were not
 * encrypted. Returns 0, or -1 (output still queued; ssl freed). */
int stream_start_tls(struct stream *s, SSL *ssl) __attribute__((warn_unused_result));

/* Forward to each other from now on. Neither may have a peer already. */
void stream_link(struct stream *a, struct stream *b);
/* Stop forwarding between s and its peer. Bytes still pending are dropped:
 * callers unlink only when nothing is pending (after on_flushed). */
void stream_unlink(struct stream *s);

/* Handle messages again after PAUSE or FORWARD_LAST (e.g. a server was
 * linked, or a released server went back to its pool). */
void stream_resume(struct stream *s);

/* corral's own output: append with the pg_backend / pg_frontend builders
 * to stream_out(s), then stream_send_out(s) sends what it can now and the
 * rest when the socket drains. Order is kept: bytes the peer forwarded to
 * s before this call and not yet sent are moved into the queue first (a
 * copy, only in that rare case). */
struct pg_buf *stream_out(struct stream *s);
void stream_send_out(struct stream *s);
/* Whether own output or forwarded bytes are still queued for this socket. */
bool stream_has_unsent(const struct stream *s);

#endif
