# chat/local.mk (owner: chat): the I/O-free chat core in libchat.la (crypto,
# delivery, peers, room, TURN relay, ending) and the p2pchat program on top
# of it.
noinst_LTLIBRARIES += chat/libchat.la
chat_libchat_la_SOURCES = chat/crypto.c chat/crypto.h \
	chat/reliable.c chat/reliable.h \
	chat/peer.c chat/peer.h chat/room.c chat/room.h \
	chat/relay.c chat/relay.h chat/end.c chat/end.h \
	chat/tcpplan.c chat/tcpplan.h chat/udpback.c chat/udpback.h
# File transfer: the bulk transport and the file protocol.
chat_libchat_la_SOURCES += chat/bulk.c chat/bulk.h chat/file.c chat/file.h
chat_libchat_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
chat_libchat_la_LIBADD = $(OPENSSL_LIBS)

# The terminal front end: ui.c (the screen, on ncursesw), uimsg.c (what
# it shows), and I/O-free text layout and line editing (uitext.c,
# uiedit.c), which tests/check_chat also links.
bin_PROGRAMS += chat/p2pchat
chat_p2pchat_SOURCES = chat/p2pchat.c chat/p2pchat.h chat/ctx.h \
	chat/batch.c chat/hostaddr.c chat/lines.c chat/setup.c \
	chat/natlearn.c chat/natlearn.h chat/hnsock.c chat/hnsock.h \
	chat/srv.c chat/srv.h chat/tcppunch.c chat/tcppunch.h \
	chat/ui.c chat/ui.h chat/uimsg.c chat/uitext.c chat/uitext.h \
	chat/uiedit.c chat/uiedit.h chat/xfer.c chat/xfer.h \
	chat/udpio.c chat/udpio.h
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

# The web front end (--web): web.c serves the page with libevent's HTTP
# server, webev.c streams the events to it, webreq.c checks each request.
# The page's files (chat/web/) are built into the program by embed.sh,
# with od and awk only: nothing is fetched at build or run time.
WEB_ASSETS = chat/web/index.html chat/web/app.css chat/web/app.js
chat_p2pchat_SOURCES += chat/web.c chat/web.h chat/webev.c chat/webreq.c
nodist_chat_p2pchat_SOURCES = chat/webassets.c
chat/webassets.c: $(srcdir)/chat/web/index.html $(srcdir)/chat/web/app.css \
    $(srcdir)/chat/web/app.js $(srcdir)/chat/web/embed.sh
	$(AM_V_GEN)$(SHELL) $(srcdir)/chat/web/embed.sh \
	    $(srcdir)/chat/web/index.html $(srcdir)/chat/web/app.css \
	    $(srcdir)/chat/web/app.js >$@.tmp && mv $@.tmp $@
CLEANFILES += chat/webassets.c chat/webassets.c.tmp
EXTRA_DIST += $(WEB_ASSETS) chat/web/embed.sh doc/p2pchat-web.png

# The page in a real headless Chromium through selenium, and the
# requests it must refuse (skips without chromium, chromedriver or
# python3-selenium).
TESTS += tests/chat_web.sh
EXTRA_DIST += tests/chat_web.sh tests/chat_web.py
CLEANFILES += tests/chat_web-alice.png tests/chat_web-bob.png
