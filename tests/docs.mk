# tests/docs.mk: manual pages (owner: docs).  manlint.sh runs mandoc -Tlint
# on every man/*.[1-9]; apidoc.sh fails when a STUN_API function in the
# headers libstun(3) covers is not documented there; mlinks.sh checks that
# every documented function gets its manual link; manex compiles and runs
# the examples of libstun(3), cut out of the page by manex.sh.
TESTS += tests/manlint.sh tests/apidoc.sh tests/mlinks.sh tests/manex
EXTRA_DIST += tests/manlint.sh tests/apidoc.sh tests/mlinks.sh \
	tests/manex.sh

check_PROGRAMS += tests/manex
tests_manex_SOURCES = tests/manex.c
tests_manex_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_manex_LDADD = libstun/libstun_core.la $(OPENSSL_LIBS)
# manex.c includes the page's code, cut out again whenever the page changes.
tests/manex-manex.$(OBJEXT): tests/manex_page.c
tests/manex_page.c: $(top_srcdir)/man/libstun.3 $(top_srcdir)/tests/manex.sh
	$(AM_V_GEN)$(MKDIR_P) tests && \
	$(SHELL) $(top_srcdir)/tests/manex.sh $(top_srcdir)/man/libstun.3 \
	    >$@.tmp && mv $@.tmp $@
CLEANFILES += tests/manex_page.c tests/manex_page.c.tmp

# demo_run.sh runs the README's make demo and requires it to end "demo: ok".
TESTS += tests/demo_run.sh
EXTRA_DIST += tests/demo_run.sh
