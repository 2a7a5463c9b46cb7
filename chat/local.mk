# chat/local.mk (owner: chatcore): the I/O-free chat core in libchat.la.
noinst_LTLIBRARIES += chat/libchat.la
chat_libchat_la_SOURCES = chat/crypto.c chat/crypto.h \
	chat/reliable.c chat/reliable.h
chat_libchat_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
chat_libchat_la_LIBADD = $(OPENSSL_LIBS)
