# pooler/: session parameters that follow a client, and the login to
# PostgreSQL on a new server connection. Both I/O-free.
pooler_libpooler_a_SOURCES += \
	pooler/session_params.c pooler/session_params.h pooler/intern.c pooler/intern.h \
	pooler/server_login.c pooler/server_login.h

LOGIN_CHECKS = tests/unit/check_session_params tests/unit/check_server_login tests/unit/check_intern
check_PROGRAMS += $(LOGIN_CHECKS)
TESTS += $(LOGIN_CHECKS)
tests_unit_check_session_params_SOURCES = tests/unit/check_session_params.c
tests_unit_check_session_params_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_session_params_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_server_login_SOURCES = tests/unit/check_server_login.c
tests_unit_check_server_login_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_server_login_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_intern_SOURCES = tests/unit/check_intern.c
tests_unit_check_intern_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_intern_LDADD = $(POOLER_TEST_LIBS)
