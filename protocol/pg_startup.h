/* pg_startup: the startup-phase packets, which carry no type byte —
 * StartupMessage, SSLRequest, GSSENCRequest, CancelRequest — plus the
 * backend's NegotiateProtocolVersion ('v') that answers a newer minor
 * version or unknown _pq_. options. Parsers validate a whole frame from
 * pg_frame and then hand out views into it (no copies, no allocation);
 * builders append to a caller-owned pg_buf. Deciding what to do with a
 * request (TLS, which parameters to honour, refusing replication) is the
 * pooler's business, not this module's. */
#ifndef CORRAL_PROTOCOL_PG_STARTUP_H
#define CORRAL_PROTOCOL_PG_STARTUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"

/* The 32-bit code after the length: a protocol version major<<16 | minor,
 * or one of the special request codes (major 1234). */
#define PG_PROTOCOL(major, minor) ((uint32_t)(major) << 16 | (uint32_t)(minor))
#define PG_PROTOCOL_MAJOR(code) ((uint32_t)(code) >> 16)
#define PG_PROTOCOL_MINOR(code) ((uint32_t)(code) & 0xffff)
#define PG_PROTOCOL_3_0 196608u
#define PG_CANCEL_REQUEST_CODE 80877102u
#define PG_SSL_REQUEST_CODE 80877103u
#define PG_GSSENC_REQUEST_CODE 80877104u

/* Exact lengths of the fixed-size requests. */
#define PG_SSL_REQUEST_LEN 8
#define PG_GSSENC_REQUEST_LEN 8
#define PG_CANCEL_REQUEST_LEN 16
/* PostgreSQL's own bound on a startup packet; a sensible max_len. */
#define PG_STARTUP_MAX_LEN 10000
/* Parameters with this prefix are protocol options, not settings. */
#define PG_PROTOCOL_OPTION_PREFIX "_pq_."
/* Backend message type of NegotiateProtocolVersion. */
#define PG_MSG_NEGOTIATE_PROTOCOL 'v'

enum pg_startup_kind {
	PG_STARTUP_MESSAGE,
	PG_STARTUP_SSL_REQUEST,
	PG_STARTUP_GSSENC_REQUEST,
	PG_STARTUP_CANCEL_REQUEST,
};

/* A parsed startup-phase packet. Pointers are views into the frame's
 * bytes and live as long as those bytes do. */
struct pg_startup {
	enum pg_startup_kind kind;
	uint32_t code;           /* the code as sent (version or request code) */
	/* PG_STARTUP_MESSAGE only: */
	uint16_t minor;          /* requested minor version; > 0 wants negotiation */
	const char *params;      /* validated name\0value\0 pairs, final \0 excluded */
	size_t params_len;
	size_t nparams;          /* pairs, protocol options included */
	size_t noptions;         /* pairs whose name starts with _pq_. */
	/* PG_STARTUP_CANCEL_REQUEST only: */
	uint32_t cancel_pid;
	uint32_t cancel_key;
};

/* One startup parameter; also the input element of the builder. */
struct pg_startup_param {
	const char *name;
	const char *value;
};

/* Classifies and validates the startup-phase packet `f` (from
 * pg_frame_read_startup). PG_OK: *out filled. PG_ERR_LENGTH: a fixed-size
 * request (SSL, GSSENC, Cancel) of the wrong length. PG_ERR_FORMAT: protocol
 * major other than 3 ("unsupported frontend protocol"), an unknown request
 * code, or a malformed parameter list (unterminated string, name without
 * value, missing final terminator, bytes after it). On error err->err_reason
 * and err->err_offset are set, the offset counted from the packet's first
 * byte (its length field); nothing else in err changes. */
enum pg_result pg_startup_parse(const struct pg_frame *f, struct pg_startup *out,
				struct pg_reader *err)
	__attribute__((warn_unused_result));

/* pg_frame_read_startup followed by pg_startup_parse: the one call a
 * listener needs. PG_OK: *out filled, cursor past the packet. PG_NEED_MORE:
 * incomplete. PG_ERR_*: as for both, with err_offset absolute (from
 * r->data). Consumes nothing unless PG_OK. */
enum pg_result pg_startup_read(struct pg_reader *r, uint32_t max_len, struct pg_startup *out)
	__attribute__((warn_unused_result));

/* Iterates a StartupMessage's parameters in wire order. Start with
 * *pos = 0; each true return fills *out and advances *pos; false at the
 * end. O(total length) over a whole iteration. */
bool pg_startup_param_next(const struct pg_startup *s, size_t *pos,
			   struct pg_startup_param *out);

/* As pg_startup_param_next, but yields only protocol options (_pq_.*). */
bool pg_startup_option_next(const struct pg_startup *s, size_t *pos,
			    struct pg_startup_param *out);

/* Value of parameter `name`, or NULL if absent. A repeated name yields its
 * last value, which is the one PostgreSQL would apply. */
const char *pg_startup_param(const struct pg_startup *s, const char *name);

/* True if `name` is a protocol option (starts with _pq_.). */
bool pg_startup_is_option(const char *name);

/* Appends a StartupMessage for `protocol` (e.g. PG_PROTOCOL_3_0) with the
 * n pairs in `params`; names must be non-empty. */
void pg_startup_build(struct pg_buf *b, uint32_t protocol,
		      const struct pg_startup_param *params, size_t n);
void pg_startup_build_ssl_request(struct pg_buf *b);
void pg_startup_build_gssenc_request(struct pg_buf *b);
void pg_startup_build_cancel(struct pg_buf *b, uint32_t pid, uint32_t key);

/* Appends NegotiateProtocolVersion: the newest minor version of the
 * requested major that the sender supports, and the n option names it does
 * not recognise. */
void pg_startup_build_negotiate(struct pg_buf *b, uint32_t newest_minor,
				const char *const *options, size_t n);
/* Same, listing every protocol option of StartupMessage `s` as
 * unsupported: the answer of a pooler that knows none of them. */
void pg_startup_build_negotiate_all(struct pg_buf *b, uint32_t newest_minor,
				    const struct pg_startup *s);

/* A parsed NegotiateProtocolVersion; views into the frame's bytes. */
struct pg_startup_negotiate {
	uint32_t newest_minor;
	uint32_t noptions;
	const char *options;     /* noptions validated C strings, back to back */
	size_t options_len;
};

/* Parses a typed frame `f` (from pg_frame_read) as NegotiateProtocolVersion.
 * PG_OK: *out filled. PG_ERR_FORMAT: not type 'v', an unterminated option
 * name, fewer names than the count, or bytes after the last name.
 * PG_ERR_LENGTH: body shorter than its two counts. Errors set err's reason
 * and offset, counted from the frame's type byte. */
enum pg_result pg_startup_negotiate_parse(const struct pg_frame *f,
					  struct pg_startup_negotiate *out,
					  struct pg_reader *err)
	__attribute__((warn_unused_result));

/* Iterates the option names of `n`; start with *pos = 0. */
bool pg_startup_negotiate_next(const struct pg_startup_negotiate *n, size_t *pos,
			       const char **name);

#endif
