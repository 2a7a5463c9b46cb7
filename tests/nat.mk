# tests/nat.mk: the NAT classification machine (suite_nat) on the simulated
# path of natsim.c, the sockaddr conversions (suite_sockaddr) and natprobe
# over loopback.
CHECK_LIBSTUN_SUITES += tests/libstun_nat.c tests/natsim.c tests/natsim.h \
	tests/libstun_sockaddr.c
TESTS += tests/natprobe_loopback.sh
EXTRA_DIST += tests/natprobe_loopback.sh
