/* pg_startup: parsers and builders for the untyped startup-phase packets and
 * NegotiateProtocolVersion (see pg_startup.h). A parameter list is
 * validated once, at parse time, so iteration and lookup afterwards can walk
 * the strings with strlen and never fail. No allocation, no I/O. */
#include "protocol/pg_startup.h"

#include <string.h>

/* Offset of a startup packet's body (its code) within the packet. */
#define STARTUP_BODY_AT 4
/* The major version the special request codes use. */
#define REQUEST_CODE_MAJOR 1234

/* Takes the NUL-terminated string at br's cursor. True: *s points at it and
 * the cursor is past its NUL. False: no NUL before the end, cursor kept. */
static bool take_cstr(struct pg_reader *br, const char **s)
{
	const uint8_t *p = br->data + br->pos;
	const uint8_t *nul = memchr(p, 0, pg_reader_remaining(br));
	if (nul == NULL)
		return false;
	*s = (const char *)p;
	br->pos += (size_t)(nul - p) + 1;
	return true;
}

/* Returns the already-validated string at base + *pos and steps *pos past
 * its NUL. */
static const char *step_cstr(const char *base, size_t *pos)
{
	const char *s = base + *pos;
	*pos += strlen(s) + 1;
	return s;
}

/* Validates the name\0value\0...\0 list that fills the rest of body reader
 * br, counting pairs and protocol options into *s. Errors are reported to
 * err at packet offsets (body offset + STARTUP_BODY_AT). */
static enum pg_result parse_params(struct pg_reader *br, struct pg_startup *s,
				   struct pg_reader *err)
{
	size_t start = br->pos;
	s->params = (const char *)br->data + start;
	while (br->pos < br->len && br->data[br->pos] != 0) {
		const char *name, *value;
		size_t at = br->pos;
		if (!take_cstr(br, &name))
			return pg_reader_fail(err, PG_ERR_FORMAT, "unterminated parameter name",
					      STARTUP_BODY_AT + at);
		at = br->pos;
		if (at == br->len)
			return pg_reader_fail(err, PG_ERR_FORMAT, "parameter without value",
					      STARTUP_BODY_AT + at);
		if (!take_cstr(br, &value))
			return pg_reader_fail(err, PG_ERR_FORMAT, "unterminated parameter value",
					      STARTUP_BODY_AT + at);
		s->nparams++;
		if (pg_startup_is_option(name))
			s->noptions++;
	}
	if (br->pos == br->len)
		return pg_reader_fail(err, PG_ERR_FORMAT, "missing parameter list terminator",
				      STARTUP_BODY_AT + br->pos);
	/* An empty name anywhere but last is the terminator followed by junk. */
	if (br->pos + 1 != br->len)
		return pg_reader_fail(err, PG_ERR_FORMAT,
				      "bytes after the parameter list terminator",
				      STARTUP_BODY_AT + br->pos + 1);
	s->params_len = br->pos - start;
	return PG_OK;
}

/* Accepts a fixed-size request of `kind` if the packet is exactly `len`
 * bytes; PG_ERR_LENGTH at the length field otherwise. */
static enum pg_result fixed_request(const struct pg_frame *f, enum pg_startup_kind kind,
				    uint32_t len, struct pg_startup *s, struct pg_reader *err)
{
	if (f->len != len)
		return pg_reader_fail(err, PG_ERR_LENGTH, "request packet has the wrong length", 0);
	s->kind = kind;
	return PG_OK;
}

/* Dispatches on the code and fills *s; see pg_startup_parse. */
static enum pg_result classify(const struct pg_frame *f, struct pg_startup *s,
			       struct pg_reader *err)
{
	switch (s->code) {
	case PG_SSL_REQUEST_CODE:
		return fixed_request(f, PG_STARTUP_SSL_REQUEST, PG_SSL_REQUEST_LEN, s, err);
	case PG_GSSENC_REQUEST_CODE:
		return fixed_request(f, PG_STARTUP_GSSENC_REQUEST, PG_GSSENC_REQUEST_LEN, s, err);
	case PG_CANCEL_REQUEST_CODE:
		if (fixed_request(f, PG_STARTUP_CANCEL_REQUEST, PG_CANCEL_REQUEST_LEN, s, err) != PG_OK)
			return PG_ERR_LENGTH;
		s->cancel_pid = pg_load_u32(f->body + 4);
		s->cancel_key = pg_load_u32(f->body + 8);
		return PG_OK;
	}
	if (PG_PROTOCOL_MAJOR(s->code) == REQUEST_CODE_MAJOR)
		return pg_reader_fail(err, PG_ERR_FORMAT, "unknown request code", STARTUP_BODY_AT);
	if (PG_PROTOCOL_MAJOR(s->code) != 3)
		return pg_reader_fail(err, PG_ERR_FORMAT, "unsupported frontend protocol",
				      STARTUP_BODY_AT);
	s->kind = PG_STARTUP_MESSAGE;
	s->minor = (uint16_t)PG_PROTOCOL_MINOR(s->code);
	struct pg_reader br;
	pg_reader_init(&br, f->body, f->body_len);
	br.pos = 4;
	return parse_params(&br, s, err);
}

enum pg_result pg_startup_parse(const struct pg_frame *f, struct pg_startup *out,
				struct pg_reader *err)
{
	/* pg_frame_read_startup guarantees this; a frame built elsewhere may not. */
	if (f->body_len < PG_STARTUP_MIN_LEN - STARTUP_BODY_AT)
		return pg_reader_fail(err, PG_ERR_LENGTH, "startup packet length below 8", 0);
	struct pg_startup s;
	memset(&s, 0, sizeof s);
	s.code = pg_load_u32(f->body);
	enum pg_result res = classify(f, &s, err);
	if (res == PG_OK)
		*out = s;
	return res;
}

enum pg_result pg_startup_read(struct pg_reader *r, uint32_t max_len, struct pg_startup *out)
{
	size_t start = r->pos;
	struct pg_frame f;
	enum pg_result res = pg_frame_read_startup(r, max_len, &f);
	if (res != PG_OK)
		return res;
	res = pg_startup_parse(&f, out, r);
	if (res != PG_OK) {
		r->pos = start;
		r->err_offset += start;
	}
	return res;
}

bool pg_startup_param_next(const struct pg_startup *s, size_t *pos,
			   struct pg_startup_param *out)
{
	if (*pos >= s->params_len)
		return false;
	out->name = step_cstr(s->params, pos);
	out->value = step_cstr(s->params, pos);
	return true;
}

bool pg_startup_option_next(const struct pg_startup *s, size_t *pos,
			    struct pg_startup_param *out)
{
	while (pg_startup_param_next(s, pos, out))
		if (pg_startup_is_option(out->name))
			return true;
	return false;
}

const char *pg_startup_param(const struct pg_startup *s, const char *name)
{
	const char *found = NULL;
	struct pg_startup_param p;
	size_t pos = 0;
	while (pg_startup_param_next(s, &pos, &p))
		if (strcmp(p.name, name) == 0)
			found = p.value;
	return found;
}

bool pg_startup_is_option(const char *name)
{
	return strncmp(name, PG_PROTOCOL_OPTION_PREFIX, strlen(PG_PROTOCOL_OPTION_PREFIX)) == 0;
}

void pg_startup_build(struct pg_buf *b, uint32_t protocol,
		      const struct pg_startup_param *params, size_t n)
{
	size_t len_at = pg_buf_begin_msg(b, 0);
	pg_buf_put_u32(b, protocol);
	for (size_t i = 0; i < n; i++) {
		pg_buf_put_cstr(b, params[i].name);
		pg_buf_put_cstr(b, params[i].value);
	}
	pg_buf_put_u8(b, 0);
	pg_buf_end_msg(b, len_at);
}

/* Appends an untyped packet holding `code` and then the n words. */
static void build_request(struct pg_buf *b, uint32_t code, const uint32_t *words, size_t n)
{
	size_t len_at = pg_buf_begin_msg(b, 0);
	pg_buf_put_u32(b, code);
	for (size_t i = 0; i < n; i++)
		pg_buf_put_u32(b, words[i]);
	pg_buf_end_msg(b, len_at);
}

void pg_startup_build_ssl_request(struct pg_buf *b)
{
	build_request(b, PG_SSL_REQUEST_CODE, NULL, 0);
}

void pg_startup_build_gssenc_request(struct pg_buf *b)
{
	build_request(b, PG_GSSENC_REQUEST_CODE, NULL, 0);
}

void pg_startup_build_cancel(struct pg_buf *b, uint32_t pid, uint32_t key)
{
	const uint32_t words[2] = { pid, key };
	build_request(b, PG_CANCEL_REQUEST_CODE, words, 2);
}

/* Opens NegotiateProtocolVersion up to its option names; returns the
 * length offset for pg_buf_end_msg. */
static size_t begin_negotiate(struct pg_buf *b, uint32_t newest_minor, size_t n)
{
	size_t len_at = pg_buf_begin_msg(b, PG_MSG_NEGOTIATE_PROTOCOL);
	pg_buf_put_u32(b, newest_minor);
	pg_buf_put_u32(b, (uint32_t)n);
	return len_at;
}

void pg_startup_build_negotiate(struct pg_buf *b, uint32_t newest_minor,
				const char *const *options, size_t n)
{
	size_t len_at = begin_negotiate(b, newest_minor, n);
	for (size_t i = 0; i < n; i++)
		pg_buf_put_cstr(b, options[i]);
	pg_buf_end_msg(b, len_at);
}

void pg_startup_build_negotiate_all(struct pg_buf *b, uint32_t newest_minor,
				    const struct pg_startup *s)
{
	size_t len_at = begin_negotiate(b, newest_minor, s->noptions);
	struct pg_startup_param p;
	size_t pos = 0;
	while (pg_startup_option_next(s, &pos, &p))
		pg_buf_put_cstr(b, p.name);
	pg_buf_end_msg(b, len_at);
}

enum pg_result pg_startup_negotiate_parse(const struct pg_frame *f,
					  struct pg_startup_negotiate *out,
					  struct pg_reader *err)
{
	if (f->type != PG_MSG_NEGOTIATE_PROTOCOL)
		return pg_reader_fail(err, PG_ERR_FORMAT, "not a NegotiateProtocolVersion message", 0);
	if (f->body_len < 8)
		return pg_reader_fail(err, PG_ERR_LENGTH,
				      "NegotiateProtocolVersion shorter than its counts", 1);
	struct pg_reader br;
	pg_reader_init(&br, f->body, f->body_len);
	br.pos = 8;
	uint32_t count = pg_load_u32(f->body + 4);
	/* Each name takes at least one byte, so this loop ends with the body. */
	for (uint32_t i = 0; i < count; i++) {
		const char *name;
		size_t at = br.pos;
		if (at == br.len)
			return pg_reader_fail(err, PG_ERR_FORMAT, "fewer option names than the count",
					      PG_HEADER_SIZE + at);
		if (!take_cstr(&br, &name))
			return pg_reader_fail(err, PG_ERR_FORMAT, "unterminated option name",
					      PG_HEADER_SIZE + at);
	}
	if (br.pos != br.len)
		return pg_reader_fail(err, PG_ERR_FORMAT, "bytes after the last option name",
				      PG_HEADER_SIZE + br.pos);
	out->newest_minor = pg_load_u32(f->body);
	out->noptions = count;
	out->options = (const char *)f->body + 8;
	out->options_len = f->body_len - 8;
	return PG_OK;
}

bool pg_startup_negotiate_next(const struct pg_startup_negotiate *n, size_t *pos,
			       const char **name)
{
	if (*pos >= n->options_len)
		return false;
	*name = step_cstr(n->options, pos);
	return true;
}
