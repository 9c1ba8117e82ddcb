/* stream: message handling, forwarding and back-pressure for one socket
 * (see stream.h). The buffer invariant: in->data[start, start + pending)
 * is handled and waits to go to the peer; in->data[start + pending, end)
 * is not handled yet (or is the rest of a message whose body streams).
 * TLS streams branch off at the socket calls and at the event callbacks;
 * everything between (handling, forwarding, back-pressure) is shared. */
#include "pooler/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "pooler/iobuf.h"
#include "pooler/tls.h"
#include "protocol/pg_startup.h"
#include "util/xalloc.h"

static void stream_on_readable(evutil_socket_t fd, short what, void *arg);
static void stream_on_writable(evutil_socket_t fd, short what, void *arg);
static void process(struct stream *s);
static void tls_sync_events(struct stream *s);

/* A persistent event on s's fd, in memory from xmalloc; NULL when
 * libevent refuses the arguments. Freed with free_event. */
static struct event *new_event(struct stream *s, short what, event_callback_fn cb)
{
	struct event *ev = xmalloc(event_get_struct_event_size());
	if (event_assign(ev, s->env->base, s->fd, (short)(what | EV_PERSIST), cb, s) != 0) {
		free(ev);
		return NULL;
	}
	return ev;
}

static void free_event(struct event *ev)
{
	if (ev == NULL)
		return;
	event_del(ev);
	free(ev);
}

/* s's write event, made the first time s waits for its socket to drain:
 * most connections never do, so an idle one holds its read event only.
 * libevent accepts a write event wherever it accepted the read event. */
static struct event *write_event(struct stream *s)
{
	if (s->ev_write == NULL)
		s->ev_write = new_event(s, EV_WRITE, stream_on_writable);
	return s->ev_write;
}

int stream_init(struct stream *s, const struct stream_env *env, int fd,
		const struct stream_ops *ops, void *owner)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->env = env;
	s->ops = ops;
	s->owner = owner;
	pg_buf_init(&s->out);
	s->ev_read = new_event(s, EV_READ, stream_on_readable);
	if (s->ev_read == NULL) {
		s->fd = -1;
		return -1;
	}
	return 0;
}

static void set_reading(struct stream *s, bool on)
{
	if (s->reading == on || s->fd == -1)
		return;
	s->reading = on;
	if (s->ssl)
		tls_sync_events(s);
	else if (on)
		event_add(s->ev_read, NULL);
	else
		event_del(s->ev_read);
}

static void set_writing(struct stream *s, bool on)
{
	if (s->writing == on || s->fd == -1)
		return;
	s->writing = on;
	if (s->ssl)
		tls_sync_events(s);
	else if (on)
		event_add(write_event(s), NULL);
	else
		event_del(s->ev_write);
}

void stream_start_reading(struct stream *s)
{
	if (!s->blocked)
		set_reading(s, true);
}

void stream_link(struct stream *a, struct stream *b)
{
	a->peer = b;
	b->peer = a;
}

void stream_unlink(struct stream *s)
{
	struct stream *p = s->peer;
	if (p == NULL)
		return;
	if (p->waiting_src == s)
		p->waiting_src = NULL;
	if (s->waiting_src == p)
		s->waiting_src = NULL;
	p->peer = NULL;
	s->peer = NULL;
	p->pass = NULL;
	s->pass = NULL;
}

/* Drop len bytes at absolute offset off of the buffer (unsent bytes before
 * it stay where they are). */
static void drop_range(struct stream *s, uint32_t off, uint32_t len)
{
	struct iobuf *b = s->in;
	if (off == b->start) {
		b->start += len;
		return;
	}
	memmove(b->data + off, b->data + off + len, b->end - off - len);
	b->end -= len;
}

/* Give the buffer back when nothing is left in it: an idle connection
 * holds no buffer. One that keeps it (keep_in) reads into it from the
 * front again, unless it is a large one-off. */
static void give_back_empty(struct stream *s)
{
	struct iobuf *b = s->in;
	if (s->keep_in && b->cap == s->env->buffers->size) {
		b->start = b->end = 0;
		return;
	}
	iobuf_put(s->env->buffers, b);
	s->in = NULL;
}

static inline void release_if_empty(struct stream *s)
{
	if (s->in && iobuf_used(s->in) == 0)
		give_back_empty(s);
}

/* A failed read or write, or a protocol violation: the owner closes. */
static void fail(struct stream *s, int err, const char *reason)
{
	set_reading(s, false);
	set_writing(s, false);
	s->ops->on_error(s->owner, s, err, reason);
}

enum send_result { SEND_DONE, SEND_BLOCKED, SEND_FAILED };

static enum send_result tls_send_some(struct stream *dst, const uint8_t *p, size_t len,
				      size_t *sent);

/* send(2) as much of [p, p+len) as the socket takes; *sent counts it.
 * SEND_FAILED leaves errno set. */
static enum send_result send_some(struct stream *dst, const uint8_t *p, size_t len, size_t *sent)
{
	if (dst->ssl)
		return tls_send_some(dst, p, len, sent);
	size_t done = 0;   /* a local: *sent would be reloaded after every call */
	while (done < len) {
		ssize_t n = send(dst->fd, p + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		*sent = done;
		return SEND_FAILED;
	}
	*sent = done;
	dst->bytes_out += done;
	return done == len ? SEND_DONE : SEND_BLOCKED;
}

/* Send dst's own queued output. SEND_FAILED has already told dst's owner. */
static enum send_result flush_out(struct stream *dst)
{
	if (dst->out_sent == dst->out.len)
		return SEND_DONE;
	size_t sent;
	enum send_result r = send_some(dst, dst->out.data + dst->out_sent,
				       dst->out.len - dst->out_sent, &sent);
	dst->out_sent += sent;
	if (r == SEND_DONE) {
		/* Own output is rare; free it so an idle connection holds nothing. */
		pg_buf_fini(&dst->out);
		dst->out_sent = 0;
	} else if (r == SEND_FAILED) {
		fail(dst, errno, NULL);
	}
	return r;
}

/* Send s's pending bytes to its peer. SEND_BLOCKED: s stops reading and
 * waits for the peer's socket; SEND_FAILED: the peer's owner was told (and
 * may have closed s as well). */
static enum send_result flush_pending(struct stream *s)
{
	struct stream *dst = s->peer;
	if (s->pending == 0)
		return SEND_DONE;
	if (dst == NULL) {
		/* Nobody to send to any more (peer closed): the bytes are moot. */
		s->in->start += s->pending;
		s->pending = 0;
		return SEND_DONE;
	}
	enum send_result r = flush_out(dst);
	size_t sent = 0;
	if (r == SEND_DONE) {
		r = send_some(dst, s->in->data + s->in->start, s->pending, &sent);
		s->in->start += (uint32_t)sent;
		s->pending -= (uint32_t)sent;
		if (r == SEND_FAILED)
			fail(dst, errno, NULL);
	}
	if (r == SEND_BLOCKED) {
		s->blocked = true;
		set_reading(s, false);
		dst->waiting_src = s;
		set_writing(dst, true);
	}
	return r;
}

/* Forward the message at the handled edge, total bytes long, of which
 * avail are buffered: those join the pending bytes, the rest of its body
 * follows them as it arrives. */
static inline void forward(struct stream *s, uint32_t total, uint32_t avail)
{
	if (total <= avail) {
		s->pending += total;
		return;
	}
	s->pending += avail;
	s->body_left = total - avail;
	s->body_forwarded = true;
}

/* STREAM_FORWARD or STREAM_FORWARD_LAST on that message: false when
 * handling stops (the last one until stream_resume). Inline: every
 * message corral forwards after asking its owner comes here. */
static inline bool apply_forward(struct stream *s, enum stream_verdict v, uint32_t total,
				 uint32_t avail)
{
	forward(s, total, avail);
	if (v == STREAM_FORWARD)
		return true;
	s->paused = true;
	s->flushed_hook = true;
	return false;
}

/* Apply the handler's verdict v on the message at absolute offset off,
 * total bytes long, of which avail are buffered. Returns false to stop
 * handling (need bytes, paused, closed). */
static bool apply_verdict(struct stream *s, enum stream_verdict v, uint32_t off,
			  uint32_t total, uint32_t avail)
{
	uint32_t here = total < avail ? total : avail;
	switch (v) {
	case STREAM_FORWARD:
	case STREAM_FORWARD_LAST:
		return apply_forward(s, v, total, avail);
	case STREAM_CONSUMED:
		drop_range(s, off, total);
		return true;
	case STREAM_DISCARD:
		drop_range(s, off, here);
		s->body_left = total - here;
		s->body_forwarded = false;
		return true;
	case STREAM_NEED_BODY:
		if (avail < total) {
			s->in = iobuf_make_room(s->env->buffers, s->in, (size_t)(off - s->in->start) + total);
			return false;
		}
		/* Whole already: the handler must decide; treat as a violation. */
		fail(s, -1, "message handler asked for a body it already has");
		return false;
	case STREAM_PAUSE:
		s->paused = true;
		return false;
	case STREAM_STOP:
		return false;
	}
	return false;
}

/* The startup packet at absolute offset off (avail bytes from there): read
 * whole, with PostgreSQL's own bound. */
static bool handle_startup(struct stream *s, uint32_t off, uint32_t avail)
{
	struct pg_reader r;
	struct pg_frame f;
	uint32_t max = s->env->max_packet_size < PG_STARTUP_MAX_LEN ? s->env->max_packet_size
								    : PG_STARTUP_MAX_LEN;
	pg_reader_init(&r, s->in->data + off, avail);
	enum pg_result res = pg_frame_read_startup(&r, max, &f);
	if (res == PG_ERR_LENGTH || res == PG_ERR_FORMAT) {
		fail(s, -1, r.err_reason);
		return false;
	}
	uint32_t total = res == PG_OK ? f.len : (avail >= 4 ? pg_load_u32(s->in->data + off) : 0);
	if (total == 0)
		return false;
	enum stream_verdict v = res == PG_OK ? s->ops->on_message(s->owner, s, &f) : STREAM_NEED_BODY;
	return apply_verdict(s, v, off, total, avail);
}

/* A typed message's length out of range: the reader says why. */
static void bad_length(struct stream *s, const uint8_t *p, uint32_t avail)
{
	struct pg_reader r;
	struct pg_frame bad;
	pg_reader_init(&r, p, avail);
	fail(s, -1, pg_frame_peek_header(&r, s->env->max_packet_size, &bad) != PG_OK
			    ? r.err_reason : "message length out of range");
}

/* Decide about one typed message at absolute offset off with avail bytes
 * from there. This runs for every message corral forwards, so the header
 * is decoded without a reader (pg_frame_decode_header), a message the
 * pass table names goes on without building a frame for the owner, and
 * the owner's commonest verdict is applied inline. Returns false to stop
 * handling. */
static bool handle_one(struct stream *s, uint32_t off, uint32_t avail)
{
	if (s->startup)
		return handle_startup(s, off, avail);
	const uint8_t *p = s->in->data + off;
	struct pg_frame f;
	switch (pg_frame_decode_header(p, avail, s->env->max_packet_size, &f)) {
	case PG_OK:
		break;
	case PG_ERR_LENGTH:
		bad_length(s, p, avail);
		return false;
	default:
		return false;   /* the header is not all here yet */
	}
	uint32_t total = f.len + 1;
	if (s->pass != NULL) {
		uint8_t pass = s->pass[f.type];
		if (pass != STREAM_PASS_SHOW) {   /* the owner needs nothing of it */
			s->pass_counted += pass == STREAM_PASS_COUNT;
			forward(s, total, avail);
			return true;
		}
	}
	f.body = avail >= total ? p + PG_HEADER_SIZE : NULL;
	enum stream_verdict v = s->ops->on_message(s->owner, s, &f);
	if (v == STREAM_FORWARD || v == STREAM_FORWARD_LAST)
		return apply_forward(s, v, total, avail);
	return apply_verdict(s, v, off, total, avail);
}

/* avail bytes at absolute offset off continue the body of the last
 * message handled: forward or drop as much of it as is here. */
static void take_body(struct stream *s, uint32_t off, uint32_t avail)
{
	uint32_t n = avail < s->body_left ? avail : s->body_left;
	if (s->body_forwarded)
		s->pending += n;
	else
		drop_range(s, off, n);
	s->body_left -= n;
}

/* Handle buffered messages (a closed stream has no buffer). */
static void handle_buffered(struct stream *s)
{
	struct iobuf *b;
	while ((b = s->in) != NULL) {
		uint32_t off = b->start + s->pending;
		uint32_t avail = b->end - off;
		if (avail == 0)
			break;
		if (s->body_left > 0)
			take_body(s, off, avail);
		else if (s->paused || !handle_one(s, off, avail))
			break;
	}
}

static void process(struct stream *s)
{
	if (s->in_process) {
		s->reprocess = true;
		return;
	}
	s->in_process = true;
	do {
		s->reprocess = false;
		handle_buffered(s);
		if (s->fd == -1 || flush_pending(s) != SEND_DONE)
			break;
		release_if_empty(s);
		if (s->flushed_hook) {
			s->flushed_hook = false;
			if (s->ops->on_flushed)
				s->ops->on_flushed(s->owner, s);
		}
	} while (s->reprocess && s->fd != -1);
	s->in_process = false;
}

void stream_resume(struct stream *s)
{
	if (s->fd == -1)
		return;
	s->paused = false;
	if (!s->blocked)
		set_reading(s, true);
	/* Nothing buffered (the usual case when a server is released): no
	 * message to handle, nothing pending to send, no hook due. */
	if (s->in == NULL && !s->flushed_hook && !s->in_process)
		return;
	process(s);
}

/* Get s a buffer with room to read into. False when it is full of bytes
 * that may not be handled yet (paused): reading stops until resume. */
static bool prepare_read(struct stream *s)
{
	struct iobuf_pool *pool = s->env->buffers;
	if (s->in == NULL)
		s->in = iobuf_get(pool);
	if (iobuf_space(s->in) == 0) {
		if (s->in->start == 0) {
			set_reading(s, false);
			return false;
		}
		s->in = iobuf_make_room(pool, s->in, iobuf_used(s->in));
	}
	return true;
}

static void got_bytes(struct stream *s, size_t n)
{
	s->in->end += (uint32_t)n;
	s->bytes_in += (uint64_t)n;
	process(s);
}

static void tls_on_readable(struct stream *s);
static bool tls_on_writable(struct stream *s);

static void stream_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;
	if (s->tls != STREAM_TLS_OFF) {
		tls_on_readable(s);
		return;
	}
	if (!prepare_read(s))
		return;
	ssize_t n;
	do
		n = recv(fd, s->in->data + s->in->end, iobuf_space(s->in), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		release_if_empty(s);
		return;
	}
	if (n <= 0) {
		fail(s, n == 0 ? 0 : errno, NULL);
		return;
	}
	got_bytes(s, (size_t)n);
}

/* dst's socket can take bytes: its own output first, then the bytes of the
 * stream that waited on it, which may read again. */
static void drain(struct stream *dst)
{
	if (flush_out(dst) != SEND_DONE)
		return;
	struct stream *src = dst->waiting_src;
	set_writing(dst, false);
	if (src == NULL)
		return;
	dst->waiting_src = NULL;
	src->blocked = false;
	if (!src->paused)
		set_reading(src, true);
	process(src);
}

static void stream_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct stream *dst = arg;
	if (dst->ssl && tls_on_writable(dst))
		return;
	drain(dst);
}

struct pg_buf *stream_out(struct stream *s)
{
	struct stream *src = s->peer;
	if (src && src->pending > 0) {
		pg_buf_put_bytes(&s->out, src->in->data + src->in->start, src->pending);
		src->in->start += src->pending;
		src->pending = 0;
		if (src->blocked && s->waiting_src == src) {
			/* Its bytes are ours to send now: it may read again. */
			s->waiting_src = NULL;
			src->blocked = false;
			if (!src->paused)
				set_reading(src, true);
		}
	}
	return &s->out;
}

void stream_send_out(struct stream *s)
{
	if (s->fd == -1 || s->writing)
		return;
	if (flush_out(s) == SEND_BLOCKED)
		set_writing(s, true);
}

bool stream_has_unsent(const struct stream *s)
{
	return s->out_sent < s->out.len || (s->peer && s->peer->pending > 0);
}

void stream_close(struct stream *s)
{
	if (s->fd == -1)
		return;
	/* Mid-handshake, plain bytes would only be noise to the peer. */
	if (s->out_sent < s->out.len && s->tls != STREAM_TLS_HANDSHAKE) {
		size_t sent;
		(void)send_some(s, s->out.data + s->out_sent, s->out.len - s->out_sent, &sent);
	}
	struct stream *src = s->waiting_src;
	stream_unlink(s);
	if (src)
		src->blocked = false;  /* it has nobody to send to now */
	free_event(s->ev_read);
	free_event(s->ev_write);
	s->ev_read = s->ev_write = NULL;
	tls_free(s->ssl);   /* close_notify when the handshake was done */
	s->ssl = NULL;
	s->tls = STREAM_TLS_OFF;
	s->tls_read_on_write = s->tls_write_on_read = false;
	close(s->fd);
	s->fd = -1;
	s->reading = s->writing = false;
	iobuf_put(s->env->buffers, s->in);
	s->in = NULL;
	s->pending = 0;
	s->body_left = 0;
	pg_buf_fini(&s->out);
	s->out_sent = 0;
}

/* ---- TLS ---- */

/* Which events a TLS stream watches: what it wants, except that an
 * SSL_read waiting for the socket to be writable watches that instead,
 * and an SSL_write waiting for it to be readable likewise. Bytes OpenSSL
 * already decrypted raise no socket event: while reading, make one. */
static void tls_sync_events(struct stream *s)
{
	bool r = s->tls_write_on_read || (s->reading && !s->tls_read_on_write);
	bool w = s->tls_read_on_write || (s->writing && !s->tls_write_on_read);
	if (r)
		event_add(s->ev_read, NULL);
	else
		event_del(s->ev_read);
	if (w)
		event_add(write_event(s), NULL);
	else if (s->ev_write)
		event_del(s->ev_write);
	if (r && s->tls == STREAM_TLS_ON && tls_pending(s->ssl))
		event_active(s->ev_read, EV_READ, 0);
}

/* An error from OpenSSL: a socket errno as such, a TLS one (EPROTO) as a
 * violation with OpenSSL's reason. */
static void tls_fail(struct stream *s, enum tls_io r, const char *why)
{
	if (r == TLS_IO_CLOSED)
		fail(s, 0, NULL);
	else
		fail(s, errno == EPROTO ? -1 : errno, why);
}

/* SSL_write as much of [p, p+len) as the socket takes. Before the
 * handshake is done nothing goes: the bytes wait (SEND_BLOCKED). */
static enum send_result tls_send_some(struct stream *dst, const uint8_t *p, size_t len,
				      size_t *sent)
{
	char why[256];
	*sent = 0;
	if (dst->tls != STREAM_TLS_ON)
		return SEND_BLOCKED;
	while (*sent < len) {
		size_t n;
		enum tls_io r = tls_write(dst->ssl, p + *sent, len - *sent, &n, why, sizeof why);
		if (r == TLS_IO_OK) {
			*sent += n;
			continue;
		}
		if (r == TLS_IO_WANT_READ) {
			dst->tls_write_on_read = true;
			tls_sync_events(dst);
		}
		if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
			break;
		if (r == TLS_IO_CLOSED)
			errno = EPIPE;
		return SEND_FAILED;
	}
	dst->bytes_out += *sent;
	return *sent == len ? SEND_DONE : SEND_BLOCKED;
}

/* One handshake step. Done: messages flow (the last flight may have
 * brought some, so look at once); otherwise wait for what OpenSSL asks. */
static void tls_step(struct stream *s)
{
	char why[256];
	if (s->in && iobuf_used(s->in) > 0) {
		/* As PostgreSQL does: what came before the handshake was not
		 * encrypted, so it cannot be part of the session. */
		fail(s, -1, "received unencrypted data after SSL request");
		return;
	}
	enum tls_io r = tls_handshake(s->ssl, why, sizeof why);
	switch (r) {
	case TLS_IO_OK:
		s->tls = STREAM_TLS_ON;
		s->paused = false;
		s->reading = true;
		s->writing = s->out_sent < s->out.len || s->waiting_src != NULL;
		tls_sync_events(s);
		event_active(s->ev_read, EV_READ, 0);
		s->ops->on_tls_ready(s->owner, s);
		return;
	case TLS_IO_WANT_READ:
	case TLS_IO_WANT_WRITE:
		s->reading = r == TLS_IO_WANT_READ;
		s->writing = r == TLS_IO_WANT_WRITE;
		tls_sync_events(s);
		return;
	case TLS_IO_CLOSED:
	case TLS_IO_ERROR:
		break;
	}
	tls_fail(s, r, why);
}

/* Read the one-byte answer to our SSLRequest. */
static void read_tls_answer(struct stream *s)
{
	uint8_t answer;
	ssize_t n;
	do
		n = recv(s->fd, &answer, 1, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		fail(s, n == 0 ? 0 : errno, NULL);
		return;
	}
	s->bytes_in++;
	s->tls = STREAM_TLS_OFF;
	set_reading(s, false);
	s->ops->on_tls_answer(s->owner, s, answer);
}

static void tls_on_readable(struct stream *s)
{
	char why[256];
	size_t n;
	if (s->tls == STREAM_TLS_ANSWER) {
		read_tls_answer(s);
		return;
	}
	if (s->tls == STREAM_TLS_HANDSHAKE) {
		tls_step(s);
		return;
	}
	if (s->tls_write_on_read) {
		/* A write waited for this: retry it as a writable event would. */
		s->tls_write_on_read = false;
		tls_sync_events(s);
		drain(s);
		if (s->fd == -1)
			return;
	}
	if (!s->reading || s->tls_read_on_write || !prepare_read(s))
		return;
	enum tls_io r = tls_read(s->ssl, s->in->data + s->in->end, iobuf_space(s->in), &n, why,
				 sizeof why);
	switch (r) {
	case TLS_IO_OK:
		got_bytes(s, n);
		if (s->fd != -1 && s->reading && tls_pending(s->ssl))
			event_active(s->ev_read, EV_READ, 0);
		return;
	case TLS_IO_WANT_WRITE:
		s->tls_read_on_write = true;
		tls_sync_events(s);
		release_if_empty(s);
		return;
	case TLS_IO_WANT_READ:
		release_if_empty(s);
		return;
	case TLS_IO_CLOSED:
	case TLS_IO_ERROR:
		break;
	}
	tls_fail(s, r, why);
}

/* The TLS part of a writable event: a handshake step, or a read that
 * waited for it. Returns true when nothing else is to be done. */
static bool tls_on_writable(struct stream *s)
{
	if (s->tls == STREAM_TLS_HANDSHAKE) {
		tls_step(s);
		return true;
	}
	if (!s->tls_read_on_write)
		return false;
	s->tls_read_on_write = false;
	tls_sync_events(s);
	tls_on_readable(s);
	return s->fd == -1;
}

void stream_expect_tls_answer(struct stream *s)
{
	s->tls = STREAM_TLS_ANSWER;
	set_reading(s, true);
}

int stream_start_tls(struct stream *s, SSL *ssl)
{
	if (s->out_sent < s->out.len) {
		tls_free(ssl);
		return -1;
	}
	set_reading(s, false);
	set_writing(s, false);
	s->ssl = ssl;
	s->tls = STREAM_TLS_HANDSHAKE;
	s->paused = true;
	/* The first step comes from the loop, after the caller's verdict. */
	event_active(write_event(s), EV_WRITE, 0);
	return 0;
}
