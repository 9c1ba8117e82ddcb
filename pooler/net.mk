# pooler/ networking: listening sockets, socket options, address formatting,
# server host resolution, and the cancel key map.
pooler_libpooler_a_SOURCES += \
	pooler/cancel_map.c pooler/cancel_map.h \
	pooler/listener.c pooler/listener.h \
	pooler/resolve.c pooler/resolve.h \
	pooler/sockaddr.c pooler/sockaddr.h \
	pooler/sockopt.c pooler/sockopt.h

NET_CHECKS = tests/unit/check_cancel_map tests/unit/check_listener tests/unit/check_resolve \
	tests/unit/check_sockaddr tests/unit/check_sockopt
check_PROGRAMS += $(NET_CHECKS)
TESTS += $(NET_CHECKS)
tests_unit_check_cancel_map_SOURCES = tests/unit/check_cancel_map.c
tests_unit_check_cancel_map_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_cancel_map_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_listener_SOURCES = tests/unit/check_listener.c tests/unit/loop_test.h
tests_unit_check_listener_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_listener_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_resolve_SOURCES = tests/unit/check_resolve.c tests/unit/loop_test.h
tests_unit_check_resolve_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_resolve_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_sockaddr_SOURCES = tests/unit/check_sockaddr.c
tests_unit_check_sockaddr_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_sockaddr_LDADD = $(POOLER_TEST_LIBS)
tests_unit_check_sockopt_SOURCES = tests/unit/check_sockopt.c tests/unit/loop_test.h
tests_unit_check_sockopt_CFLAGS = $(POOLER_TEST_CFLAGS)
tests_unit_check_sockopt_LDADD = $(POOLER_TEST_LIBS)
