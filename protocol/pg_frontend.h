/* pg_frontend: the messages a PostgreSQL client sends after startup (v3
 * protocol), as typed readers and builders. The pooler reads them from its
 * clients and builds them for its server connections (login, parameter
 * sync, reset queries).
 *
 * Readers share one shape:
 *   enum pg_result pg_frontend_read_X(const struct pg_frame *f,
 *                                     struct pg_reader *r, <out>);
 * f is one complete typed message; r is scratch the reader points at
 * f->body. PG_OK: <out> is a view into f->body (valid while it is), the
 * body was consumed exactly. PG_ERR_FORMAT (a wrong type byte, an
 * unterminated string, a bad code, a truncated field, trailing bytes) or
 * PG_ERR_LENGTH (a count or length field out of range): r->err_reason says
 * why, r->err_offset is the body offset where the offending field starts;
 * <out> is then unspecified. Readers never return PG_NEED_MORE.
 *
 * Builders append one whole message to a caller-owned pg_buf and cannot
 * fail. Startup-phase packets belong to pg_startup, server messages to
 * pg_backend. */
#ifndef CORRAL_PROTOCOL_PG_FRONTEND_H
#define CORRAL_PROTOCOL_PG_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_wire.h"

/* Type bytes of the messages a client sends. */
enum pg_frontend_msg {
	PG_FE_QUERY = 'Q',
	PG_FE_PARSE = 'P',
	PG_FE_BIND = 'B',
	PG_FE_DESCRIBE = 'D',
	PG_FE_CLOSE = 'C',
	PG_FE_EXECUTE = 'E',
	PG_FE_SYNC = 'S',
	PG_FE_FLUSH = 'H',
	PG_FE_TERMINATE = 'X',
	PG_FE_COPY_DATA = 'd',
	PG_FE_COPY_DONE = 'c',
	PG_FE_COPY_FAIL = 'f',
	PG_FE_FUNCTION_CALL = 'F',
	/* PasswordMessage, SASLInitialResponse and SASLResponse all use 'p';
	 * which one it is follows from the authentication exchange. */
	PG_FE_PASSWORD = 'p',
};

/* What Describe and Close name. */
enum pg_frontend_target_kind {
	PG_FE_TARGET_STATEMENT = 'S',
	PG_FE_TARGET_PORTAL = 'P',
};

/* Describe / Close: a kind and a name ("" is the unnamed one). */
struct pg_frontend_target {
	enum pg_frontend_target_kind kind;
	const char *name;
};

struct pg_frontend_parse {
	const char *statement;
	const char *query;
	struct pg_oids param_types;   /* 0 = let the server infer */
};

/* Parameter format codes number 0, 1 or params.count (checked). */
struct pg_frontend_bind {
	const char *portal;
	const char *statement;
	struct pg_formats param_formats;
	struct pg_values params;
	struct pg_formats result_formats;
};

struct pg_frontend_execute {
	const char *portal;
	int32_t max_rows;             /* 0 or less: no limit */
};

/* Argument format codes number 0, 1 or args.count (checked). */
struct pg_frontend_function_call {
	uint32_t function_oid;
	struct pg_formats arg_formats;
	struct pg_values args;
	enum pg_format result_format;
};

/* data_len -1: no initial response (data NULL). */
struct pg_frontend_sasl_initial {
	const char *mechanism;
	const uint8_t *data;
	int32_t data_len;
};

/* 'Q': the query string (may hold several statements). */
enum pg_result pg_frontend_read_query(const struct pg_frame *f, struct pg_reader *r,
				      const char **query)
	__attribute__((warn_unused_result));
/* 'P'. */
enum pg_result pg_frontend_read_parse(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_frontend_parse *out)
	__attribute__((warn_unused_result));
/* 'B': every format code, value length and count checked. */
enum pg_result pg_frontend_read_bind(const struct pg_frame *f, struct pg_reader *r,
				     struct pg_frontend_bind *out)
	__attribute__((warn_unused_result));
/* 'D' and 'C': a kind other than S or P is PG_ERR_FORMAT. */
enum pg_result pg_frontend_read_describe(const struct pg_frame *f, struct pg_reader *r,
					 struct pg_frontend_target *out)
	__attribute__((warn_unused_result));
enum pg_result pg_frontend_read_close(const struct pg_frame *f, struct pg_reader *r,
				      struct pg_frontend_target *out)
	__attribute__((warn_unused_result));
/* 'E'. */
enum pg_result pg_frontend_read_execute(const struct pg_frame *f, struct pg_reader *r,
					struct pg_frontend_execute *out)
	__attribute__((warn_unused_result));
/* The empty-bodied ones: 'S', 'H', 'X', 'c'. */
enum pg_result pg_frontend_read_empty(const struct pg_frame *f, struct pg_reader *r)
	__attribute__((warn_unused_result));
/* 'd': the whole body is data; never fails on a 'd' frame. */
enum pg_result pg_frontend_read_copy_data(const struct pg_frame *f, struct pg_reader *r,
					  const uint8_t **data, size_t *len)
	__attribute__((warn_unused_result));
/* 'f': the client's reason. */
enum pg_result pg_frontend_read_copy_fail(const struct pg_frame *f, struct pg_reader *r,
					  const char **message)
	__attribute__((warn_unused_result));
/* 'F'. */
enum pg_result pg_frontend_read_function_call(const struct pg_frame *f, struct pg_reader *r,
					      struct pg_frontend_function_call *out)
	__attribute__((warn_unused_result));
/* 'p' after AuthenticationCleartextPassword or MD5Password. */
enum pg_result pg_frontend_read_password(const struct pg_frame *f, struct pg_reader *r,
					 const char **password)
	__attribute__((warn_unused_result));
/* 'p' after AuthenticationSASL: a length below -1 or beyond the body is
 * PG_ERR_LENGTH. */
enum pg_result pg_frontend_read_sasl_initial(const struct pg_frame *f, struct pg_reader *r,
					     struct pg_frontend_sasl_initial *out)
	__attribute__((warn_unused_result));
/* 'p' after AuthenticationSASLContinue: the whole body is data. */
enum pg_result pg_frontend_read_sasl_response(const struct pg_frame *f, struct pg_reader *r,
					      const uint8_t **data, size_t *len)
	__attribute__((warn_unused_result));

void pg_frontend_put_query(struct pg_buf *b, const char *query);
/* n <= INT16_MAX parameter type OIDs (0 = unspecified). */
void pg_frontend_put_parse(struct pg_buf *b, const char *statement, const char *query,
			   const uint32_t *param_types, uint16_t n);
/* n <= INT16_MAX text parameters, params[i] NULL for SQL NULL; results
 * requested in text. */
void pg_frontend_put_bind(struct pg_buf *b, const char *portal, const char *statement,
			  const char *const *params, uint16_t n);
void pg_frontend_put_describe(struct pg_buf *b, enum pg_frontend_target_kind kind,
			      const char *name);
void pg_frontend_put_close(struct pg_buf *b, enum pg_frontend_target_kind kind,
			   const char *name);
void pg_frontend_put_execute(struct pg_buf *b, const char *portal, int32_t max_rows);
void pg_frontend_put_sync(struct pg_buf *b);
void pg_frontend_put_flush(struct pg_buf *b);
void pg_frontend_put_terminate(struct pg_buf *b);
void pg_frontend_put_copy_data(struct pg_buf *b, const void *data, size_t len);
void pg_frontend_put_copy_done(struct pg_buf *b);
void pg_frontend_put_copy_fail(struct pg_buf *b, const char *message);
/* n <= INT16_MAX text arguments, args[i] NULL for SQL NULL; text result. */
void pg_frontend_put_function_call(struct pg_buf *b, uint32_t function_oid,
				   const char *const *args, uint16_t n);
void pg_frontend_put_password(struct pg_buf *b, const char *password);
/* len -1 sends no initial response (data unused); else len >= 0 bytes. */
void pg_frontend_put_sasl_initial(struct pg_buf *b, const char *mechanism,
				  const void *data, int32_t len);
void pg_frontend_put_sasl_response(struct pg_buf *b, const void *data, size_t len);

#endif
