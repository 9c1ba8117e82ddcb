# app/: corral-app, the pre-forked synchronous app server that uses corral
# (issue 6), its nginx config template, schema and sample files, its unit
# suites and its integration tests (nginx -> corral-app -> corral ->
# PostgreSQL). Everything but main.c goes into libapp.a for the suites.
noinst_LIBRARIES += app/libapp.a
app_libapp_a_SOURCES = \
	app/app_log.c app/app_log.h \
	app/settings.c app/settings.h \
	app/params.c app/params.h \
	app/html.c app/html.h \
	app/db.c app/db.h \
	app/handlers.c app/handlers.h \
	app/comet.c app/comet.h \
	app/publish.c app/publish.h \
	app/worker.c app/worker.h
app_libapp_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)

bin_PROGRAMS += corral-app
corral_app_SOURCES = app/main.c
corral_app_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
corral_app_LDADD = $(APP_LIBS)

APP_LIBS = app/libapp.a util/libutil.a $(LIBEVENT_LIBS) $(LIBPQ_LIBS)
APP_TEST_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
APP_TEST_LIBS = $(APP_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_app_settings tests/unit/check_app_params tests/unit/check_app_html \
	tests/unit/check_app_publish
TESTS += tests/unit/check_app_settings tests/unit/check_app_params tests/unit/check_app_html \
	tests/unit/check_app_publish
tests_unit_check_app_settings_SOURCES = tests/unit/check_app_settings.c
tests_unit_check_app_settings_CFLAGS = $(APP_TEST_CFLAGS)
tests_unit_check_app_settings_LDADD = $(APP_TEST_LIBS)
tests_unit_check_app_params_SOURCES = tests/unit/check_app_params.c
tests_unit_check_app_params_CFLAGS = $(APP_TEST_CFLAGS)
tests_unit_check_app_params_LDADD = $(APP_TEST_LIBS)
tests_unit_check_app_html_SOURCES = tests/unit/check_app_html.c
tests_unit_check_app_html_CFLAGS = $(APP_TEST_CFLAGS)
tests_unit_check_app_html_LDADD = $(APP_TEST_LIBS)
tests_unit_check_app_publish_SOURCES = tests/unit/check_app_publish.c
tests_unit_check_app_publish_CFLAGS = $(APP_TEST_CFLAGS)
tests_unit_check_app_publish_LDADD = $(APP_TEST_LIBS)

EXTRA_DIST += app/nginx.conf app/schema.sql app/static/index.html app/static/chat.html \
	app/files/hello.txt app/files/secret.txt

# The app's integration tests (run by make check under the harness
# PostgreSQL; each starts its own corral, corral-app and nginx).
IT_APP_TESTS = \
	tests/integration/it_app_load.sh \
	tests/integration/it_app_process.sh \
	tests/integration/it_app.sh \
	tests/integration/it_app_comet.sh \
	tests/integration/it_app_push.sh \
	tests/integration/it_app_chat.sh
TESTS += $(IT_APP_TESTS)
EXTRA_DIST += $(IT_APP_TESTS) tests/integration/it_app_lib.sh app/stack.sh \
	tests/integration/it_app_comet_lib.sh tests/integration/it_app_sse.py \
	tests/integration/it_app_chat.py
