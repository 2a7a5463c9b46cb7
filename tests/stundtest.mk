# tests/stundtest.mk: stund integration tests (owner: stundtest).
# stunpoke is the test client; the scripts start stund on loopback.
check_PROGRAMS += tests/stunpoke
tests_stunpoke_SOURCES = tests/stunpoke.c
tests_stunpoke_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_stunpoke_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)

STUNDTEST_SH = tests/stund_loopback.sh tests/stund_interop.sh \
	tests/stund_badinput.sh tests/stund_ratelimit.sh \
	tests/stund_amplify.sh
TESTS += $(STUNDTEST_SH)
EXTRA_DIST += tests/stund-lib.sh $(STUNDTEST_SH)
