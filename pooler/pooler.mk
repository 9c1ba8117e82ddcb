# pooler/: the corral daemon.
bin_PROGRAMS += corral
corral_SOURCES = \
	pooler/main.c \
	pooler/corral.c pooler/corral.h \
	pooler/daemon.c pooler/daemon.h \
	pooler/log.c pooler/log.h
corral_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
corral_LDADD = config/libconfig.a protocol/libprotocol.a util/libutil.a \
	$(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS)
