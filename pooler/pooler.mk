# pooler/: the corral daemon.
bin_PROGRAMS += corral
corral_SOURCES = pooler/main.c
corral_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
corral_LDADD = config/libconfig.a protocol/libprotocol.a util/libutil.a \
	$(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS)
