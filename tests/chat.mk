# tests/chat.mk (owner: chatcore): the chat core's unit tests.
check_PROGRAMS += tests/check_chat
tests_check_chat_SOURCES = tests/check_chat.c tests/chat_suites.h \
	tests/chat_crypto.c tests/chat_reliable.c
tests_check_chat_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_chat_LDADD = chat/libchat.la libstun/libstun_core.la \
	$(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_chat

# The hole-punching suite runs in check_libstun (suite_punch).
CHECK_LIBSTUN_SUITES += tests/libstun_punch.c
