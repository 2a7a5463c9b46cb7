# tests/turn.mk: TURN relay tests (unit, interop with coturn, peer policy).
# tests/check_relay drives stund's allocation table on a fake clock with
# fake sockets.
check_PROGRAMS += tests/check_relay
tests_check_relay_SOURCES = tests/check_relay.c tests/relay_test.c
tests_check_relay_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_relay_LDADD = stund/libstund.la libstun/libstun_core.la \
	$(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_relay

# tests/check_relaynap: when the relay naps to coalesce (--relay-coalesce).
check_PROGRAMS += tests/check_relaynap
tests_check_relaynap_SOURCES = tests/check_relaynap.c
tests_check_relaynap_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_relaynap_LDADD = stund/libstund.la $(CHECK_LIBS)
TESTS += tests/check_relaynap

# stund as a TURN server for coturn's turnutils_uclient (loopback only).
TESTS += tests/stund_turn.sh
EXTRA_DIST += tests/stund_turn.sh

# System calls per relayed frame on the TURN-over-TCP path (strace).
TESTS += tests/stund_relay_syscalls.sh
EXTRA_DIST += tests/stund_relay_syscalls.sh
