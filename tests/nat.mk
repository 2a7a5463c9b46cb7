# tests/nat.mk: the NAT classification machine (suite_nat) and natprobe
# over loopback.
CHECK_LIBSTUN_SUITES += tests/libstun_nat.c
TESTS += tests/natprobe_loopback.sh
EXTRA_DIST += tests/natprobe_loopback.sh
