# common: plumbing shared by the programs (never protocol logic).
noinst_LTLIBRARIES += common/libcommon.la
common_libcommon_la_SOURCES = common/log.c common/log.h \
	common/sock.c common/sock.h common/json.c common/json.h \
	common/hostport.c common/hostport.h \
	common/clock.c common/clock.h \
	$(COMMON_EXTRA_SRC)
common_libcommon_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
