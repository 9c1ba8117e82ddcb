# protocol/: framing, startup packets, message readers and builders.
protocol_libprotocol_a_SOURCES += \
	protocol/pg_reader.c protocol/pg_reader.h \
	protocol/pg_buf.c protocol/pg_buf.h protocol/pg_frame.h
