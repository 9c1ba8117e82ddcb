# pooler/: the corral daemon. Everything but main.c goes into libpooler.a so
# unit tests (tests/unit/check_<module>.c) can link single modules.
noinst_LIBRARIES += pooler/libpooler.a
pooler_libpooler_a_SOURCES = \
	pooler/corral.c pooler/corral.h \
	pooler/daemon.c pooler/daemon.h \
	pooler/log.c pooler/log.h \
	pooler/list.h \
	pooler/iobuf.c pooler/iobuf.h \
	pooler/stream.c pooler/stream.h \
	pooler/pool.c pooler/pool.h \
	pooler/server.c pooler/server.h \
	pooler/client.c pooler/client.h \
	pooler/cancel.c pooler/cancel.h
pooler_libpooler_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)

bin_PROGRAMS += corral
corral_SOURCES = pooler/main.c
corral_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
corral_LDADD = $(POOLER_LIBS)

# What the daemon and pooler unit tests link with.
POOLER_LIBS = pooler/libpooler.a config/libconfig.a protocol/libprotocol.a util/libutil.a \
	$(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS)
POOLER_TEST_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
POOLER_TEST_LIBS = $(POOLER_LIBS) $(CHECK_LIBS)
