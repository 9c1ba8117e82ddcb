/* pg_backend: the messages a PostgreSQL server sends (v3 protocol), as
 * typed readers and builders. The pooler reads them from servers and
 * builds them for its own clients (login, errors, the admin console).
 *
 * Readers share one shape:
 *   enum pg_result pg_backend_read_X(const struct pg_frame *f,
 *                                    struct pg_reader *r, <out>);
 * f is one complete typed message; r is scratch the reader points at
 * f->body. PG_OK: <out> is a view into f->body (valid while it is), the
 * body was consumed exactly. PG_ERR_FORMAT (a wrong type byte, an
 * unterminated string, a bad code, a truncated field, trailing bytes) or
 * PG_ERR_LENGTH (a count or length field out of range): r->err_reason says
 * why, r->err_offset is the body offset where the offending field starts;
 * <out> is then unspecified. Readers never return PG_NEED_MORE.
 *
 * Builders append one whole message to a caller-owned pg_buf and cannot
 * fail. Framing (pg_frame), startup packets (pg_startup) and the client's
 * messages (pg_frontend) live elsewhere. */
#ifndef CORRAL_PROTOCOL_PG_BACKEND_H
#define CORRAL_PROTOCOL_PG_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_wire.h"

/* Type bytes of the messages a server sends. */
enum pg_backend_msg {
	PG_BE_AUTH = 'R',
	PG_BE_PARAMETER_STATUS = 'S',
	PG_BE_BACKEND_KEY_DATA = 'K',
	PG_BE_READY_FOR_QUERY = 'Z',
	PG_BE_ERROR = 'E',
	PG_BE_NOTICE = 'N',
	PG_BE_ROW_DESCRIPTION = 'T',
	PG_BE_DATA_ROW = 'D',
	PG_BE_COMMAND_COMPLETE = 'C',
	PG_BE_EMPTY_QUERY = 'I',
	PG_BE_PARSE_COMPLETE = '1',
	PG_BE_BIND_COMPLETE = '2',
	PG_BE_CLOSE_COMPLETE = '3',
	PG_BE_NO_DATA = 'n',
	PG_BE_COPY_IN = 'G',
	PG_BE_COPY_OUT = 'H',
	PG_BE_COPY_BOTH = 'W',
	PG_BE_COPY_DATA = 'd',
	PG_BE_COPY_DONE = 'c',
	/* Recognised for forwarding; no reader or builder here.
	 * NegotiateProtocolVersion belongs to pg_startup.h. */
	PG_BE_NOTIFICATION = 'A',
	PG_BE_FUNCTION_CALL_RESPONSE = 'V',
	PG_BE_PARAMETER_DESCRIPTION = 't',
	PG_BE_PORTAL_SUSPENDED = 's',
};

/* Authentication request codes this codec understands. */
enum pg_auth_code {
	PG_AUTH_OK = 0,
	PG_AUTH_CLEARTEXT = 3,
	PG_AUTH_MD5 = 5,
	PG_AUTH_SASL = 10,
	PG_AUTH_SASL_CONTINUE = 11,
	PG_AUTH_SASL_FINAL = 12,
};

/* ReadyForQuery's transaction status byte. */
enum pg_tx_status {
	PG_TX_IDLE = 'I',
	PG_TX_IN_BLOCK = 'T',
	PG_TX_FAILED = 'E',
};

/* Type OIDs the pooler's own result sets use (admin console). */
enum pg_type_oid {
	PG_OID_BOOL = 16,
	PG_OID_NAME = 19,
	PG_OID_INT8 = 20,
	PG_OID_INT2 = 21,
	PG_OID_INT4 = 23,
	PG_OID_TEXT = 25,
	PG_OID_OID = 26,
	PG_OID_FLOAT4 = 700,
	PG_OID_FLOAT8 = 701,
	PG_OID_VARCHAR = 1043,
	PG_OID_TIMESTAMPTZ = 1184,
	PG_OID_NUMERIC = 1700,
};

/* A validated SASL mechanism list; iterate a copy with
 * pg_backend_mechanisms_next. */
struct pg_backend_mechanisms {
	uint16_t count;
	const char *p;
};

/* AuthenticationXxx. Which members are set depends on code:
 * PG_AUTH_MD5: salt (4 bytes). PG_AUTH_SASL: mechanisms.
 * PG_AUTH_SASL_CONTINUE / PG_AUTH_SASL_FINAL: data, data_len.
 * Any other code is not decoded: code holds it and data, data_len the rest
 * of the body as sent, for the caller to refuse as unsupported. */
struct pg_backend_auth {
	uint32_t code;
	const uint8_t *salt;
	struct pg_backend_mechanisms mechanisms;
	const uint8_t *data;
	size_t data_len;
};

/* The fields of an ErrorResponse or NoticeResponse; NULL when absent.
 * Read: other field codes are validated and skipped; a repeated code keeps
 * its last value. Built: S is severity_localized when set, else severity;
 * V is always severity, which must be the untranslated word (ERROR, FATAL,
 * NOTICE, ...); sqlstate and message are required, detail and hint
 * optional. */
struct pg_backend_diag {
	const char *severity;           /* V; read falls back to S when V is absent */
	const char *severity_localized; /* S */
	const char *sqlstate;           /* C */
	const char *message;            /* M */
	const char *detail;             /* D */
	const char *hint;               /* H */
};

/* One RowDescription field. */
struct pg_backend_column {
	const char *name;
	uint32_t table_oid;
	int16_t column;
	uint32_t type_oid;
	int16_t type_len;
	int32_t type_mod;
	enum pg_format format;
};

/* A validated RowDescription: count fields in the len bytes at p. Iterate
 * a copy with pg_backend_columns_next. */
struct pg_backend_columns {
	uint16_t count;
	const uint8_t *p;
	size_t len;
};

/* CopyIn/CopyOut/CopyBothResponse: the overall format and one code per
 * column (all text when the overall format is text). */
struct pg_backend_copy {
	enum pg_format format;
	struct pg_formats columns;
};

/* Moves the next mechanism name to *out; false once none are left. */
bool pg_backend_mechanisms_next(struct pg_backend_mechanisms *it, const char **out);
/* Moves the next column to *out; false once none are left. */
bool pg_backend_columns_next(struct pg_backend_columns *it, struct pg_backend_column *out);

/* 'R'. PG_OK also for codes outside enum pg_auth_code (see above). A known
 * code with the wrong payload (a missing salt, a mechanism list without its
 * closing empty name, bytes after it) is PG_ERR_FORMAT. */
enum pg_result pg_backend_read_auth(const struct pg_frame *f, struct pg_reader *r,
				    struct pg_backend_auth *out)
	__attribute__((warn_unused_result));
/* 'S': name and value. */
enum pg_result pg_backend_read_parameter_status(const struct pg_frame *f, struct pg_reader *r,
						const char **name, const char **value)
	__attribute__((warn_unused_result));
/* 'K': process id and secret key (exactly 8 bytes). */
enum pg_result pg_backend_read_backend_key_data(const struct pg_frame *f, struct pg_reader *r,
						uint32_t *pid, uint32_t *key)
	__attribute__((warn_unused_result));
/* 'Z': any status byte other than I, T, E is PG_ERR_FORMAT. */
enum pg_result pg_backend_read_ready_for_query(const struct pg_frame *f, struct pg_reader *r,
					       enum pg_tx_status *status)
	__attribute__((warn_unused_result));
/* Whether s is a transaction status a ReadyForQuery may carry. */
static inline bool pg_backend_tx_status_valid(uint8_t s)
{
	return s == PG_TX_IDLE || s == PG_TX_IN_BLOCK || s == PG_TX_FAILED;
}

/* The same check without a reader, for the proxy's hot path: the status
 * of a whole 'Z' (f->body set), or 0 when it is malformed. */
static inline uint8_t pg_backend_ready_status(const struct pg_frame *f)
{
	uint8_t s = f->type == PG_BE_READY_FOR_QUERY && f->body_len == 1 ? f->body[0] : 0;
	return pg_backend_tx_status_valid(s) ? s : 0;
}
/* 'E' and 'N' respectively; the terminating zero byte is required. */
enum pg_result pg_backend_read_error(const struct pg_frame *f, struct pg_reader *r,
				     struct pg_backend_diag *out)
	__attribute__((warn_unused_result));
enum pg_result pg_backend_read_notice(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_backend_diag *out)
	__attribute__((warn_unused_result));
/* 'T': every field checked, format codes 0 or 1. */
enum pg_result pg_backend_read_row_description(const struct pg_frame *f, struct pg_reader *r,
					       struct pg_backend_columns *out)
	__attribute__((warn_unused_result));
/* 'D': column values, -1 for NULL. */
enum pg_result pg_backend_read_data_row(const struct pg_frame *f, struct pg_reader *r,
					struct pg_values *out)
	__attribute__((warn_unused_result));
/* 'C': the command tag. */
enum pg_result pg_backend_read_command_complete(const struct pg_frame *f, struct pg_reader *r,
						const char **tag)
	__attribute__((warn_unused_result));
/* The empty-bodied ones: 'I', '1', '2', '3', 'n'. */
enum pg_result pg_backend_read_empty(const struct pg_frame *f, struct pg_reader *r)
	__attribute__((warn_unused_result));
/* 'G', 'H', 'W'. */
enum pg_result pg_backend_read_copy_response(const struct pg_frame *f, struct pg_reader *r,
					     struct pg_backend_copy *out)
	__attribute__((warn_unused_result));

void pg_backend_put_auth_ok(struct pg_buf *b);
void pg_backend_put_auth_cleartext(struct pg_buf *b);
void pg_backend_put_auth_md5(struct pg_buf *b, const uint8_t salt[4]);
/* n > 0 mechanism names, offered in order. */
void pg_backend_put_auth_sasl(struct pg_buf *b, const char *const *mechanisms, size_t n);
void pg_backend_put_auth_sasl_continue(struct pg_buf *b, const void *data, size_t len);
void pg_backend_put_auth_sasl_final(struct pg_buf *b, const void *data, size_t len);
void pg_backend_put_parameter_status(struct pg_buf *b, const char *name, const char *value);
void pg_backend_put_backend_key_data(struct pg_buf *b, uint32_t pid, uint32_t key);
void pg_backend_put_ready_for_query(struct pg_buf *b, enum pg_tx_status status);
void pg_backend_put_error(struct pg_buf *b, const struct pg_backend_diag *d);
void pg_backend_put_notice(struct pg_buf *b, const struct pg_backend_diag *d);
/* n <= INT16_MAX text-format columns named names[i] of type type_oids[i];
 * no source table, type modifier -1, type length from the OID when it is
 * one of enum pg_type_oid's fixed-size types, else -1. */
void pg_backend_put_row_description(struct pg_buf *b, const char *const *names,
				    const uint32_t *type_oids, uint16_t n);
/* n <= INT16_MAX values; values[i] NULL is SQL NULL. lens[i] gives each
 * length (< 2^31); lens NULL means every value is a C string. */
void pg_backend_put_data_row(struct pg_buf *b, const char *const *values,
			     const size_t *lens, uint16_t n);
void pg_backend_put_command_complete(struct pg_buf *b, const char *tag);
void pg_backend_put_empty_query(struct pg_buf *b);
void pg_backend_put_parse_complete(struct pg_buf *b);
void pg_backend_put_bind_complete(struct pg_buf *b);
void pg_backend_put_close_complete(struct pg_buf *b);
void pg_backend_put_no_data(struct pg_buf *b);
/* type is PG_BE_COPY_IN, _OUT or _BOTH; n <= INT16_MAX column formats,
 * all PG_FORMAT_TEXT when format is. */
void pg_backend_put_copy_response(struct pg_buf *b, enum pg_backend_msg type,
				  enum pg_format format, const enum pg_format *columns,
				  uint16_t n);

#endif
