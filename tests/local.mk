# tests: check programs and shell tests.  Each area keeps its own fragment
# (tests/<area>.mk) that appends suites to CHECK_LIBSTUN_SUITES and scripts
# to TESTS.
check_PROGRAMS += tests/check_libstun
tests_check_libstun_SOURCES = tests/check_libstun.c tests/suites.h \
	$(CHECK_LIBSTUN_SUITES)
tests_check_libstun_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_libstun_LDADD = libstun/libstun_core.la $(CHECK_LIBS) \
	$(OPENSSL_LIBS)
TESTS += tests/check_libstun

include tests/codec.mk
include tests/crypto.mk
include tests/txn.mk
include tests/stund.mk
include tests/stundtest.mk
include tests/nat.mk
include tests/natlab.mk
include tests/docs.mk
include tests/rdv.mk
include tests/chat.mk
include tests/turn.mk
include tests/chatlab.mk
include tests/relaylab.mk
include tests/relaysafe.mk
