# libstun: the protocol library.  libstun.la is installed with only the
# STUN_API symbols visible; libstun_core.la is the same code for tests.
#
# -version-info current:revision:age, updated before each release
# (the libtool rules, as c-ares writes them):
#  - code changed, interface unchanged: revision++
#  - interfaces added/removed/changed: current++, revision = 0
#  - interfaces added: age++;  interfaces removed or changed: age = 0
LIBSTUN_SRC += \
	libstun/buf.c libstun/buf.h \
	libstun/msg.c libstun/attr.c libstun/attr.h \
	libstun/addr.c libstun/errors.c \
	libstun/integrity.c libstun/hmac.c libstun/hmac.h \
	libstun/fingerprint.c libstun/keys.c \
	libstun/nonce.c libstun/random.c \
	libstun/stream.c libstun/txn.c
nobase_include_HEADERS += libstun/stun.h libstun/txn.h

lib_LTLIBRARIES += libstun/libstun.la
libstun_libstun_la_SOURCES = $(LIBSTUN_SRC)
libstun_libstun_la_CFLAGS = $(AM_CFLAGS) $(VIS_CFLAGS) $(OPENSSL_CFLAGS)
libstun_libstun_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 -no-undefined
libstun_libstun_la_LIBADD = $(OPENSSL_LIBS)

noinst_LTLIBRARIES += libstun/libstun_core.la
libstun_libstun_core_la_SOURCES = $(LIBSTUN_SRC)
libstun_libstun_core_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(FUZZ_CFLAGS)
libstun_libstun_core_la_LIBADD = $(OPENSSL_LIBS)

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA += libstun/libstun.pc
EXTRA_DIST += libstun/libstun.pc.in
