# stund/turn.mk: the TURN relay in stund (RFC 8656).  The I/O-free
# allocation table (relay.c, relayperm.c, relayrdv.c), its policy
# (relaypol.c) and credentials (auth.c) live in libstund.la so
# tests/check_relay links them.
stund_libstund_la_SOURCES += stund/relay.c stund/relay.h \
	stund/relayint.h stund/relayperm.c stund/relayrdv.c \
	stund/relaypol.c stund/auth.c stund/auth.h stund/relaynap.c \
	stund/relaynap.h

# The libevent side: relay sockets per worker, credentials per snapshot;
# the host's own addresses for the peer policy, per snapshot.
stund_stund_SOURCES += stund/relayio.c stund/relayio.h stund/hostaddr.c \
	stund/hostaddr.h
