/* ps_test: helpers the prepared-statement suites share. Server messages
 * are built from a short spec ("Z I", "C SELECT 1", "E 42601", "1") as
 * exact-size heap frames (msg_test.h), and what corral wrote to a pg_buf
 * is rendered as text ("P corral_1 'select 1' | B corral_1" towards a
 * server, "1 | C DEALLOCATE | Z I" towards a client), so one string
 * compare checks a whole step. */
#ifndef CORRAL_TESTS_UNIT_PS_TEST_H
#define CORRAL_TESTS_UNIT_PS_TEST_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "msg_test.h"
#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_reader.h"

/* A message with a raw body (for types pg_backend has no builder for). */
static inline void ps_test_put_raw(struct pg_buf *b, uint8_t type, const char *body)
{
	size_t at = pg_buf_begin_msg(b, type);
	pg_buf_put_bytes(b, body, strlen(body));
	pg_buf_end_msg(b, at);
}

/* The server message `spec` names: its type byte, then after a space the
 * ReadyForQuery status, the CommandComplete tag or the error's SQLSTATE.
 * Types without a spec argument get a plausible body. Free with
 * msg_frame_free. */
static inline struct pg_frame ps_test_server_msg(const char *spec)
{
	struct pg_buf b;
	pg_buf_init(&b);
	const char *arg = spec[1] == ' ' ? spec + 2 : "";
	const char *const col_names[] = { "x" };
	const uint32_t col_types[] = { PG_OID_INT4 };
	const char *const row[] = { "1" };
	struct pg_backend_diag diag = { .severity = "ERROR", .sqlstate = arg, .message = "test" };
	size_t at;
	switch (spec[0]) {
	case 'Z':
		pg_backend_put_ready_for_query(&b, (enum pg_tx_status)arg[0]);
		break;
	case 'C':
		pg_backend_put_command_complete(&b, arg);
		break;
	case 'E':
		pg_backend_put_error(&b, &diag);
		break;
	case 'N':
		diag.severity = "NOTICE";
		diag.sqlstate = "00000";
		pg_backend_put_notice(&b, &diag);
		break;
	case 'S':
		pg_backend_put_parameter_status(&b, "TimeZone", "UTC");
		break;
	case 'T':
		pg_backend_put_row_description(&b, col_names, col_types, 1);
		break;
	case 'D':
		pg_backend_put_data_row(&b, row, NULL, 1);
		break;
	case 'G':
	case 'H':
	case 'W':
		pg_backend_put_copy_response(&b, (enum pg_backend_msg)spec[0], PG_FORMAT_TEXT, NULL, 0);
		break;
	case 't':                       /* ParameterDescription: no parameters */
		at = pg_buf_begin_msg(&b, 't');
		pg_buf_put_u16(&b, 0);
		pg_buf_end_msg(&b, at);
		break;
	case 'V':                       /* FunctionCallResponse: a NULL result */
		at = pg_buf_begin_msg(&b, 'V');
		pg_buf_put_u32(&b, 0xffffffffu);
		pg_buf_end_msg(&b, at);
		break;
	case 'd':
		ps_test_put_raw(&b, 'd', "1\n");
		break;
	default:
		ps_test_put_raw(&b, (uint8_t)spec[0], "");
		break;
	}
	struct pg_frame f = msg_frame_of_buf(&b);
	pg_buf_fini(&b);
	return f;
}

/* Renders one frontend message (as corral writes it to a server). */
static inline void ps_test_render_frontend(struct msg_text *t, const struct pg_frame *f)
{
	struct pg_reader r;
	struct pg_frontend_parse p;
	struct pg_frontend_bind bi;
	struct pg_frontend_target tg;
	switch (f->type) {
	case 'P':
		ck_assert_int_eq(pg_frontend_read_parse(f, &r, &p), PG_OK);
		msg_text_add(t, "P %s '%s'", p.statement, p.query);
		for (uint16_t i = 0; i < p.param_types.count; i++)
			msg_text_add(t, "%s%u", i ? "," : " ", (unsigned)pg_oids_at(&p.param_types, i));
		break;
	case 'B':
		ck_assert_int_eq(pg_frontend_read_bind(f, &r, &bi), PG_OK);
		msg_text_add(t, "B %s", bi.statement);
		if (bi.portal[0])
			msg_text_add(t, " portal=%s", bi.portal);
		break;
	case 'D':
	case 'C':
		ck_assert_int_eq(f->type == 'D' ? pg_frontend_read_describe(f, &r, &tg)
						: pg_frontend_read_close(f, &r, &tg), PG_OK);
		msg_text_add(t, "%c %c %s", f->type, (char)tg.kind, tg.name);
		break;
	default:
		msg_text_add(t, "%c", f->type);
		break;
	}
}

/* Renders one backend message (as corral writes it to a client). */
static inline void ps_test_render_backend(struct msg_text *t, const struct pg_frame *f)
{
	struct pg_reader r;
	const char *tag;
	enum pg_tx_status st;
	struct pg_backend_diag d;
	switch (f->type) {
	case 'C':
		ck_assert_int_eq(pg_backend_read_command_complete(f, &r, &tag), PG_OK);
		msg_text_add(t, "C %s", tag);
		break;
	case 'Z':
		ck_assert_int_eq(pg_backend_read_ready_for_query(f, &r, &st), PG_OK);
		msg_text_add(t, "Z %c", (char)st);
		break;
	case 'E':
		ck_assert_int_eq(pg_backend_read_error(f, &r, &d), PG_OK);
		msg_text_add(t, "E %s", d.sqlstate);
		break;
	default:
		msg_text_add(t, "%c", f->type);
		break;
	}
}

/* Every message in b, " | " between them, "" for none; b must hold whole
 * messages only. The caller's buffer t->s holds the result. */
static inline const char *ps_test_render(struct msg_text *t, const struct pg_buf *b, bool to_server)
{
	struct pg_reader r;
	struct pg_frame f;
	t->len = 0;
	t->s[0] = '\0';
	pg_reader_init(&r, b->data, b->len);
	while (pg_reader_remaining(&r) > 0) {
		ck_assert_int_eq(pg_frame_read(&r, 1u << 30, &f), PG_OK);
		if (t->len > 0)
			msg_text_add(t, " | ");
		if (to_server)
			ps_test_render_frontend(t, &f);
		else
			ps_test_render_backend(t, &f);
	}
	return t->s;
}

#endif
