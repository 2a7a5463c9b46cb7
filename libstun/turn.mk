# libstun/turn.mk: the I/O-free TURN client machine (libstun/turn.h) and
# its suite in check_libstun, plus the interop test against coturn:
# tests/turnpoke drives the machine over UDP, tests/turnclient.sh starts
# turnserver and turnutils_peer on loopback.
LIBSTUN_SRC += libstun/turn.c
nobase_include_HEADERS += libstun/turn.h
CHECK_LIBSTUN_SUITES += tests/libstun_turn.c

check_PROGRAMS += tests/turnpoke
tests_turnpoke_SOURCES = tests/turnpoke.c
tests_turnpoke_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_turnpoke_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)

# A TURN server that knows only RFC 5766, for clients' compatibility.
check_PROGRAMS += tests/turn5766
tests_turn5766_SOURCES = tests/turn5766.c
tests_turn5766_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_turn5766_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)

TESTS += tests/turnclient.sh
EXTRA_DIST += tests/turnclient.sh
