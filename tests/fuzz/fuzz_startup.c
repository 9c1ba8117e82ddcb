/* fuzz_startup: libFuzzer target for protocol/pg_startup. The input is read
 * as a run of startup-phase packets (pg_startup_read), parsed as the body of
 * one packet (pg_startup_parse on a frame made from it) and as the body of a
 * NegotiateProtocolVersion. Whatever parses is walked in full and rebuilt
 * with the builders: the rebuilt bytes must equal the input bytes and parse
 * back to the same thing, and nothing is consumed short of PG_OK. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "protocol/pg_buf.h"
#include "protocol/pg_frame.h"
#include "protocol/pg_reader.h"
#include "protocol/pg_startup.h"
#include "tests/fuzz/fuzz.h"
#include "util/xalloc.h"

/* Offset of a startup packet's code, after its length field. */
#define CODE_AT 4

/* Asserts that b holds exactly the len bytes at p. */
static void check_same_bytes(const struct pg_buf *b, const uint8_t *p, size_t len)
{
	FUZZ_CHECK(b->len == len && memcmp(b->data, p, len) == 0);
}

/* Walks s's parameters into a new array of s->nparams entries (the
 * caller frees it), checking counts, options and lookups on the way. */
static struct pg_startup_param *walk_params(const struct pg_startup *s)
{
	struct pg_startup_param *params = xcalloc(s->nparams, sizeof *params);
	const char *user = NULL, *database = NULL;
	size_t n = 0, noptions = 0, pos = 0;
	struct pg_startup_param p;
	while (pg_startup_param_next(s, &pos, &p)) {
		FUZZ_CHECK(n < s->nparams && p.name[0] != '\0');
		params[n++] = p;
		noptions += pg_startup_is_option(p.name);
		if (strcmp(p.name, "user") == 0)
			user = p.value;
		if (strcmp(p.name, "database") == 0)
			database = p.value;
	}
	FUZZ_CHECK(n == s->nparams && pos == s->params_len);
	FUZZ_CHECK(pg_startup_param(s, "user") == user);
	FUZZ_CHECK(pg_startup_param(s, "database") == database);
	size_t i = 0;
	pos = 0;
	while (pg_startup_option_next(s, &pos, &p)) {
		FUZZ_CHECK(pg_startup_is_option(p.name));
		i++;
	}
	FUZZ_CHECK(i == noptions && noptions == s->noptions);
	return params;
}

/* Builds NegotiateProtocolVersion refusing every option of s, reads it back
 * and checks it names exactly those options, in order. */
static void check_negotiate_all(const struct pg_startup *s)
{
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build_negotiate_all(&b, s->minor, s);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_frame f;
	struct pg_startup_negotiate n;
	FUZZ_CHECK(pg_frame_read(&r, UINT32_MAX, &f) == PG_OK && r.pos == b.len);
	FUZZ_CHECK(pg_startup_negotiate_parse(&f, &n, &r) == PG_OK);
	FUZZ_CHECK(n.newest_minor == s->minor && n.noptions == s->noptions);
	size_t npos = 0, spos = 0;
	const char *name;
	struct pg_startup_param p;
	while (pg_startup_negotiate_next(&n, &npos, &name)) {
		FUZZ_CHECK(pg_startup_option_next(s, &spos, &p));
		FUZZ_CHECK(strcmp(name, p.name) == 0);
	}
	FUZZ_CHECK(!pg_startup_option_next(s, &spos, &p));
	pg_buf_fini(&b);
}

/* Rebuilds StartupMessage s from its walked parameters: the bytes must be
 * the len bytes of the original packet, and they must parse back alike. */
static void check_message(const struct pg_startup *s, const uint8_t *packet, size_t len)
{
	FUZZ_CHECK(PG_PROTOCOL_MAJOR(s->code) == 3 && s->minor == PG_PROTOCOL_MINOR(s->code));
	struct pg_startup_param *params = walk_params(s);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build(&b, s->code, params, s->nparams);
	check_same_bytes(&b, packet, len);
	struct pg_reader r;
	pg_reader_init(&r, b.data, b.len);
	struct pg_startup again;
	FUZZ_CHECK(pg_startup_read(&r, UINT32_MAX, &again) == PG_OK && r.pos == b.len);
	FUZZ_CHECK(again.kind == PG_STARTUP_MESSAGE && again.code == s->code);
	FUZZ_CHECK(again.nparams == s->nparams && again.noptions == s->noptions);
	FUZZ_CHECK(again.params_len == s->params_len);
	FUZZ_CHECK(memcmp(again.params, s->params, s->params_len) == 0);
	pg_buf_fini(&b);
	free(params);
	check_negotiate_all(s);
}

/* Checks parsed packet s against the len bytes it came from (length field
 * included) and rebuilds it. */
static void check_packet(const struct pg_startup *s, const uint8_t *packet, size_t len)
{
	FUZZ_CHECK(len >= PG_STARTUP_MIN_LEN && s->code == pg_load_u32(packet + CODE_AT));
	struct pg_buf b;
	pg_buf_init(&b);
	switch (s->kind) {
	case PG_STARTUP_MESSAGE:
		check_message(s, packet, len);
		break;
	case PG_STARTUP_SSL_REQUEST:
		pg_startup_build_ssl_request(&b);
		check_same_bytes(&b, packet, len);
		break;
	case PG_STARTUP_GSSENC_REQUEST:
		pg_startup_build_gssenc_request(&b);
		check_same_bytes(&b, packet, len);
		break;
	case PG_STARTUP_CANCEL_REQUEST:
		pg_startup_build_cancel(&b, s->cancel_pid, s->cancel_key);
		check_same_bytes(&b, packet, len);
		break;
	default:
		abort();   /* pg_startup_parse returned a kind it does not define */
	}
	pg_buf_fini(&b);
}

/* The input as packets back to back, as a listener reads them. */
static void read_packets(const uint8_t *data, size_t size)
{
	struct pg_reader r;
	pg_reader_init(&r, data, size);
	for (;;) {
		size_t at = r.pos;
		struct pg_startup s;
		enum pg_result res = pg_startup_read(&r, PG_STARTUP_MAX_LEN, &s);
		if (res != PG_OK) {
			FUZZ_CHECK(r.pos == at);
			FUZZ_CHECK((res == PG_NEED_MORE) == (r.err_reason == NULL));
			FUZZ_CHECK(res == PG_NEED_MORE || (r.err_offset >= at && r.err_offset <= size));
			return;
		}
		FUZZ_CHECK(r.pos > at && r.pos - at <= PG_STARTUP_MAX_LEN && r.pos <= size);
		check_packet(&s, data + at, r.pos - at);
	}
}

/* The input as the body of a startup packet handed straight to the parser,
 * as a frame built by other code would be. */
static void parse_body(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX - CODE_AT)
		return;
	struct pg_frame f = {
		.type = 0, .len = (uint32_t)size + CODE_AT, .body = data, .body_len = size,
	};
	struct pg_reader err;
	pg_reader_init(&err, NULL, 0);
	struct pg_startup s;
	enum pg_result res = pg_startup_parse(&f, &s, &err);
	FUZZ_CHECK(res != PG_NEED_MORE);
	if (res != PG_OK) {
		FUZZ_CHECK(err.err_reason != NULL && err.err_offset <= f.len);
		return;
	}
	FUZZ_CHECK(err.err_reason == NULL);
	/* check_packet wants the whole packet, length field included. */
	uint8_t *packet = xmalloc(f.len);
	packet[0] = (uint8_t)(f.len >> 24);
	packet[1] = (uint8_t)(f.len >> 16);
	packet[2] = (uint8_t)(f.len >> 8);
	packet[3] = (uint8_t)f.len;
	memcpy(packet + CODE_AT, data, size);
	check_packet(&s, packet, f.len);
	free(packet);
}

/* The input as the body of a NegotiateProtocolVersion: on PG_OK its names
 * are counted and the message rebuilt byte for byte. */
static void parse_negotiate(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX - 4)
		return;
	struct pg_frame f = {
		.type = PG_MSG_NEGOTIATE_PROTOCOL, .len = (uint32_t)size + 4,
		.body = data, .body_len = size,
	};
	struct pg_reader err;
	pg_reader_init(&err, NULL, 0);
	struct pg_startup_negotiate n;
	enum pg_result res = pg_startup_negotiate_parse(&f, &n, &err);
	FUZZ_CHECK(res != PG_NEED_MORE);
	if (res != PG_OK) {
		FUZZ_CHECK(err.err_reason != NULL && err.err_offset <= PG_HEADER_SIZE + size);
		return;
	}
	/* Each name takes at least its NUL, so the count fits in the body. */
	FUZZ_CHECK(n.noptions <= size);
	const char **names = xcalloc(n.noptions, sizeof *names);
	size_t i = 0, pos = 0;
	const char *name;
	while (pg_startup_negotiate_next(&n, &pos, &name)) {
		FUZZ_CHECK(i < n.noptions);
		names[i++] = name;
	}
	FUZZ_CHECK(i == n.noptions && pos == n.options_len);
	struct pg_buf b;
	pg_buf_init(&b);
	pg_startup_build_negotiate(&b, n.newest_minor, names, n.noptions);
	FUZZ_CHECK(b.len == PG_HEADER_SIZE + size);
	FUZZ_CHECK(b.data[0] == PG_MSG_NEGOTIATE_PROTOCOL);
	FUZZ_CHECK(memcmp(b.data + PG_HEADER_SIZE, data, size) == 0);
	pg_buf_fini(&b);
	free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_packets(data, size);
	parse_body(data, size);
	parse_negotiate(data, size);
	return 0;
}
