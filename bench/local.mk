# bench: the benchmark harness (issue 7), not part of `make check`.
# `make bench` builds the load generator and the echo ceiling, then runs
# bench/run.sh against stund, coturn and the echo server on loopback.
noinst_PROGRAMS += bench/stunload bench/echo bench/turnload
bench_stunload_SOURCES = bench/stunload.c bench/benchlib.c bench/benchlib.h
bench_stunload_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_stunload_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)
bench_turnload_SOURCES = bench/turnload.c bench/benchlib.c bench/benchlib.h
bench_turnload_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_turnload_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)
bench_echo_SOURCES = bench/echo.c bench/benchlib.c bench/benchlib.h
bench_echo_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS) $(OPENSSL_CFLAGS)
bench_echo_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS) $(PTHREAD_LIBS)
EXTRA_DIST += bench/run.sh bench/README bench/xfer.sh

bench: bench/stunload bench/echo bench/turnload all
	top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench

# p2pchat file transfer against iperf3 TCP (issue 20), loss rows as root;
# bench/cryptorate times the transfer's sealing, opening and hashing.
noinst_PROGRAMS += bench/cryptorate
bench_cryptorate_SOURCES = bench/cryptorate.c
bench_cryptorate_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_cryptorate_LDADD = chat/libchat.la libstun/libstun_core.la \
	common/libcommon.la $(OPENSSL_LIBS)

bench-xfer: bench/cryptorate all
	top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/xfer.sh
.PHONY: bench-xfer

# The fleet (stund --cluster): bench/fleet.sh with bench/rdvload.
noinst_PROGRAMS += bench/rdvload
bench_rdvload_SOURCES = bench/rdvload.c bench/benchlib.c bench/benchlib.h
bench_rdvload_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_rdvload_LDADD = libstun/libstun_core.la common/libcommon.la \
	$(OPENSSL_LIBS)
EXTRA_DIST += bench/fleet.sh

bench-fleet: bench/rdvload bench/stunload all
	top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/fleet.sh
.PHONY: bench-fleet
