# tests/relaysafe.mk: the relay as a public service.  rdvturn joins a
# rendezvous room and uses the relay credential from the same socket, as
# p2pchat does; tests/natlab_relaysafe.sh (root only; SKIP otherwise)
# checks in the NAT lab that a rendezvous credential relays to the other
# members of its room and to nothing else, and that the default caps
# hold.
check_PROGRAMS += tests/rdvturn
tests_rdvturn_SOURCES = tests/rdvturn.c
tests_rdvturn_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_rdvturn_LDADD = common/libcommon.la libstun/libstun_core.la \
	$(OPENSSL_LIBS)
TESTS += tests/natlab_relaysafe.sh
EXTRA_DIST += tests/natlab_relaysafe.sh
