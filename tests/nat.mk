# tests/nat.mk: the NAT classification machine (suite_nat), the sockaddr
# conversions (suite_sockaddr) and natprobe over loopback.
CHECK_LIBSTUN_SUITES += tests/libstun_nat.c tests/libstun_sockaddr.c
TESTS += tests/natprobe_loopback.sh
EXTRA_DIST += tests/natprobe_loopback.sh
