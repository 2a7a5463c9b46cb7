# tests/stund.mk: unit tests for stund's Binding logic (suite_server in
# check_libstun) and its config parser and rate limiter (check_stund).
CHECK_LIBSTUN_SUITES += tests/libstun_server.c

check_PROGRAMS += tests/check_stund
tests_check_stund_SOURCES = tests/check_stund.c tests/stund_ops.c
tests_check_stund_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_stund_LDADD = stund/libstund.la libstun/libstun_core.la \
	$(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_stund

# Operator features: PROXY v2, start-up failures, pid and log files, JSON;
# the session log and its rate limit.
TESTS += tests/stund_ops.sh tests/stund_log.sh
EXTRA_DIST += tests/stund_ops.sh tests/stund_log.sh

# The option table against --help, usage errors and both manual pages.
TESTS += tests/stund_options.sh
EXTRA_DIST += tests/stund_options.sh
