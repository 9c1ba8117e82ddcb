/* it_auth: raw logins for it_auth.sh, where the SQLSTATE of a refused login
 * matters (libpq shows only the text). One login per run, described by
 * the environment: IT_RAW_DB, IT_RAW_USER and IT_RAW_PASSWORD (answers a
 * cleartext or md5 request; SCRAM is psql's job in the script). Case
 * "fails": corral must end the login with a FATAL error whose SQLSTATE is
 * IT_RAW_SQLSTATE and whose text holds IT_RAW_TEXT, then close. Case
 * "works": the login must reach ReadyForQuery. */
#include <stdlib.h>
#include <string.h>

#include "protocol/pg_backend.h"
#include "protocol/pg_buf.h"
#include "protocol/pg_frontend.h"
#include "protocol/pg_md5.h"
#include "tests/integration/it_raw.h"
#include "tests/integration/it_util.h"

static uint32_t load_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sends the startup packet and answers authentication requests until the
 * first message that is not one (left in r->type). */
static void login(struct it_raw *r)
{
	const char *user = it_env("IT_RAW_USER"), *password = it_env("IT_RAW_PASSWORD");
	it_raw_send_startup(r, it_env("IT_RAW_DB"), user);
	while (it_raw_next(r) == PG_BE_AUTH) {
		ck_assert_uint_ge(r->body_len, 4);
		uint32_t code = load_u32(r->body);
		if (code == PG_AUTH_OK)
			continue;
		char md5[PG_MD5_SECRET_SIZE];
		struct pg_buf b;
		pg_buf_init(&b);
		if (code == PG_AUTH_MD5) {
			ck_assert_uint_eq(r->body_len, 8);
			ck_assert_int_eq(pg_md5_response(password, user, r->body + 4, md5), 0);
			pg_frontend_put_password(&b, md5);
		} else {
			ck_assert_msg(code == PG_AUTH_CLEARTEXT, "corral asked for authentication code "
				      "%u; raw logins answer cleartext and md5 only", code);
			pg_frontend_put_password(&b, password);
		}
		it_raw_send(r, b.data, b.len);
		pg_buf_fini(&b);
	}
}

START_TEST(test_fails)
{
	struct it_raw r;
	it_raw_open(&r);
	login(&r);
	it_raw_expect_error(&r, it_env("IT_RAW_SQLSTATE"), it_env("IT_RAW_TEXT"));
	it_raw_close(&r);
}
END_TEST

START_TEST(test_works)
{
	struct it_raw r;
	it_raw_open(&r);
	login(&r);
	it_raw_wait_ready(&r);
	it_raw_close(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_auth");
	TCase *fails = tcase_create("fails");
	tcase_add_test(fails, test_fails);
	suite_add_tcase(s, fails);
	TCase *works = tcase_create("works");
	tcase_add_test(works, test_works);
	suite_add_tcase(s, works);
	return it_run(s);
}
