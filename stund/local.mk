# stund: the STUN server.  libstun gains the I/O-free Binding logic
# (server.c); libstund.la holds stund's I/O-free parts (config, rate
# limiter, rendezvous room table) so tests/check_stund and
# tests/check_rooms can link them.
LIBSTUN_SRC += libstun/server.c
nobase_include_HEADERS += libstun/server.h

noinst_LTLIBRARIES += stund/libstund.la
stund_libstund_la_SOURCES = stund/conf.c stund/conf.h stund/conftab.c \
	stund/ratelimit.c stund/ratelimit.h stund/rooms.c stund/rooms.h \
	stund/proxy.c stund/proxy.h stund/roomsout.c stund/roomsint.h \
	stund/roomsfleet.c stund/clusterwire.c stund/clusterwire.h
stund_libstund_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

sbin_PROGRAMS += stund/stund
stund_stund_SOURCES = stund/stund.c stund/stund.h stund/listen.c \
	stund/worker.c stund/tcp.c stund/metrics.c stund/counters.c \
	stund/counters.h stund/route.c stund/route.h stund/rdvio.c \
	stund/rdvio.h stund/evlog.c stund/evlog.h stund/cluster.h
# The fleet when configure found hiredis; else --cluster is refused.
if HAVE_HIREDIS
stund_stund_SOURCES += stund/cluster.c stund/clusterint.h \
	stund/clusterroom.c
else
stund_stund_SOURCES += stund/clusternone.c
endif
EXTRA_DIST += stund/cluster.c stund/clusterint.h stund/clusterroom.c \
	stund/clusternone.c
stund_stund_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) \
	$(PTHREAD_CFLAGS) $(HIREDIS_CFLAGS) $(HIREDIS_SSL_CFLAGS)
stund_stund_LDADD = stund/libstund.la common/libcommon.la \
	libstun/libstun_core.la $(LIBEVENT_LIBS) $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS) $(HIREDIS_LIBS) $(HIREDIS_SSL_LIBS)

# The sample config and the systemd unit, installed by make install.
stunddocdir = $(docdir)
dist_stunddoc_DATA = stund/stund.conf.sample
systemdsystemunit_DATA = stund/stund.service stund/stund@.service
EXTRA_DIST += stund/stund.service.in stund/stund@.service.in
CLEANFILES += stund/stund.service stund/stund@.service
stund/stund.service: $(srcdir)/stund/stund.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) stund && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/stund/stund.service.in > $@
stund/stund@.service: $(srcdir)/stund/stund@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) stund && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/stund/stund@.service.in > $@

# A working config under sysconfdir, the one the units read; an existing
# one is never replaced (the sample beside the docs always is).
install-data-hook: install-stund-conf
uninstall-hook: uninstall-stund-conf
install-stund-conf:
	$(MKDIR_P) "$(DESTDIR)$(sysconfdir)"
	@if [ -e "$(DESTDIR)$(sysconfdir)/stund.conf" ]; then \
		echo "keeping $(DESTDIR)$(sysconfdir)/stund.conf"; \
	else \
		echo " $(INSTALL_DATA) stund.conf.sample $(DESTDIR)$(sysconfdir)/stund.conf"; \
		$(INSTALL_DATA) "$(srcdir)/stund/stund.conf.sample" \
		    "$(DESTDIR)$(sysconfdir)/stund.conf"; \
	fi
# Only an unchanged copy goes: an operator's edits stay.
uninstall-stund-conf:
	@if cmp -s "$(srcdir)/stund/stund.conf.sample" \
	    "$(DESTDIR)$(sysconfdir)/stund.conf"; then \
		rm -f "$(DESTDIR)$(sysconfdir)/stund.conf"; \
	fi
.PHONY: install-stund-conf uninstall-stund-conf

dist_man_MANS += man/stund.8 man/stund.conf.5

# The fleet: three stund sharing a redis-server on loopback.
TESTS += tests/stund_fleet.sh
EXTRA_DIST += tests/stund_fleet.sh
check_PROGRAMS += tests/check_fleet
tests_check_fleet_SOURCES = tests/check_fleet.c
tests_check_fleet_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_fleet_LDADD = stund/libstund.la libstun/libstun_core.la \
	$(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_fleet
