# natprobe: the NAT classifier.  Its machine lives in libstun (nat.c), the
# program runs it on libevent.
LIBSTUN_SRC += libstun/nat.c libstun/natverdict.c libstun/nat_int.h
# The command-line convention, written for every program to follow.
COMMON_EXTRA_SRC += common/cli.c common/cli.h
nobase_include_HEADERS += libstun/nat.h

bin_PROGRAMS += natprobe/natprobe
natprobe_natprobe_SOURCES = natprobe/natprobe.c natprobe/natprobe.h \
	natprobe/probe.c natprobe/report.c natprobe/report_json.c
natprobe_natprobe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
natprobe_natprobe_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(LIBEVENT_LIBS) $(OPENSSL_LIBS) -lresolv
dist_man_MANS += man/natprobe.1
