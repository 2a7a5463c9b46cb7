# tests/nat.mk: the NAT classification machine (suite_nat) on the simulated
# path of natsim.c, the sockaddr conversions (suite_sockaddr), natprobe
# over loopback against stund and tests/badstund, and natoneway.sh (nat.c
# calls natverdict.c, never the reverse).
CHECK_LIBSTUN_SUITES += tests/libstun_nat.c tests/natsim.c tests/natsim.h \
	tests/libstun_sockaddr.c
TESTS += tests/natprobe_loopback.sh tests/natoneway.sh
EXTRA_DIST += tests/natprobe_loopback.sh tests/natoneway.sh

# A small STUN server with one address that breaks one rule per option,
# for the lint's failures and a silent UDP path (natprobe_loopback.sh).
check_PROGRAMS += tests/badstund
tests_badstund_SOURCES = tests/badstund.c
tests_badstund_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_badstund_LDADD = libstun/libstun_core.la $(OPENSSL_LIBS)
