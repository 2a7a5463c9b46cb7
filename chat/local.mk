# chat/local.mk (owner: chat): the I/O-free chat core in libchat.la (crypto,
# delivery, peers, room, TURN relay, ending) and the p2pchat program on top
# of it.
noinst_LTLIBRARIES += chat/libchat.la
chat_libchat_la_SOURCES = chat/crypto.c chat/crypto.h \
	chat/reliable.c chat/reliable.h \
	chat/peer.c chat/peer.h chat/room.c chat/room.h \
	chat/relay.c chat/relay.h chat/end.c chat/end.h
chat_libchat_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
chat_libchat_la_LIBADD = $(OPENSSL_LIBS)

# The terminal front end: ui.c (the screen, on ncursesw), uimsg.c (what
# it shows), and I/O-free text layout and line editing (uitext.c,
# uiedit.c), which tests/check_chat also links.
bin_PROGRAMS += chat/p2pchat
chat_p2pchat_SOURCES = chat/p2pchat.c chat/p2pchat.h chat/ctx.h \
	chat/batch.c chat/hostaddr.c chat/lines.c chat/setup.c \
	chat/ui.c chat/ui.h chat/uimsg.c chat/uitext.c chat/uitext.h \
	chat/uiedit.c chat/uiedit.h
chat_p2pchat_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) \
	$(NCURSES_CFLAGS)
chat_p2pchat_LDADD = chat/libchat.la common/libcommon.la \
	libstun/libstun_core.la $(LIBEVENT_LIBS) $(OPENSSL_LIBS) \
	$(NCURSES_LIBS)

# The hole-punching machine lives in libstun (I/O-free, public header).
LIBSTUN_SRC += libstun/punch.c
nobase_include_HEADERS += libstun/punch.h
EXTRA_DIST += doc/p2pchat-wire.md
dist_man_MANS += man/p2pchat.1
