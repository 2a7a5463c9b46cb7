# chat/local.mk (owner: chatcore): the I/O-free chat core in libchat.la.
noinst_LTLIBRARIES += chat/libchat.la
chat_libchat_la_SOURCES = chat/crypto.c chat/crypto.h \
	chat/reliable.c chat/reliable.h
chat_libchat_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
chat_libchat_la_LIBADD = $(OPENSSL_LIBS)

# The hole-punching machine lives in libstun (I/O-free, public header).
LIBSTUN_SRC += libstun/punch.c
nobase_include_HEADERS += libstun/punch.h
EXTRA_DIST += doc/p2pchat-wire.md
