# tests/rdv.mk: the rendezvous codec and client machine (suite_rdv) and the
# stund room table (tests/check_rooms), all on a fake clock; rdvpoke and
# tests/stund_rooms.sh drive our stund's rendezvous over loopback;
# tests/stund_rdvrelay.sh checks the relay credential it hands out.
CHECK_LIBSTUN_SUITES += tests/libstun_rdv.c

check_PROGRAMS += tests/check_rooms
tests_check_rooms_SOURCES = tests/check_rooms.c tests/rooms_test.c
tests_check_rooms_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_rooms_LDADD = stund/libstund.la libstun/libstun_core.la \
	$(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_rooms

check_PROGRAMS += tests/rdvpoke
tests_rdvpoke_SOURCES = tests/rdvpoke.c
tests_rdvpoke_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_rdvpoke_LDADD = common/libcommon.la libstun/libstun_core.la \
	$(OPENSSL_LIBS)
TESTS += tests/stund_rooms.sh
EXTRA_DIST += tests/stund_rooms.sh
TESTS += tests/stund_rdvrelay.sh
EXTRA_DIST += tests/stund_rdvrelay.sh

# The rendezvous over TCP and TLS: rdvstream is the client machine on one
# connection; tests/stund_rdvstream.sh mixes it with rdvpoke on UDP.
check_PROGRAMS += tests/rdvstream
tests_rdvstream_SOURCES = tests/rdvstream.c
tests_rdvstream_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_rdvstream_LDADD = common/libcommon.la libstun/libstun_core.la \
	$(OPENSSL_LIBS)
TESTS += tests/stund_rdvstream.sh
EXTRA_DIST += tests/stund_rdvstream.sh
