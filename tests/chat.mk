# tests/chat.mk (owner: chat): the chat core's unit tests and p2pchat over
# loopback.
check_PROGRAMS += tests/check_chat
tests_check_chat_SOURCES = tests/check_chat.c tests/chat_suites.h \
	tests/chat_crypto.c tests/chat_reliable.c tests/chat_peer.c \
	tests/chat_relay.c tests/chat_end.c tests/chat_ui.c \
	chat/uitext.c chat/uiedit.c tests/chat_webreq.c chat/webreq.c
tests_check_chat_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_chat_LDADD = chat/libchat.la libstun/libstun_core.la \
	common/libcommon.la $(CHECK_LIBS) $(OPENSSL_LIBS)
TESTS += tests/check_chat
tests_check_chat_SOURCES += tests/chat_bulk.c tests/chat_file.c
# The --relay URIs and --server names (chat/hostaddr.c).
tests_check_chat_SOURCES += tests/chat_uri.c chat/hostaddr.c
# TCP hole punching's schedule and framing (chat/tcpplan.c).
tests_check_chat_SOURCES += tests/chat_tcpplan.c
# When a server reached over a stream is asked over UDP again (udpback.c).
tests_check_chat_SOURCES += tests/chat_udpback.c

TESTS += tests/chat_loopback.sh
EXTRA_DIST += tests/chat-lib.sh
EXTRA_DIST += tests/chat_loopback.sh

# Files over p2pchat: sizes, names, refusal, resume after SIGKILL.
TESTS += tests/chat_file.sh
EXTRA_DIST += tests/chat_file.sh

# p2pchat outlives stund: killed and started again, or gone for good;
# stund applies the rendezvous limits and timers on SIGHUP.
TESTS += tests/chat_restart.sh tests/stund_rdvhup.sh
EXTRA_DIST += tests/chat_restart.sh tests/stund_rdvhup.sh

# The hole-punching suites run in check_libstun (suite_punch, and
# suite_nominate: the nomination race and consent).
CHECK_LIBSTUN_SUITES += tests/libstun_punch.c tests/libstun_nominate.c

# p2pchat through a TURN relay (coturn, stund) on loopback.
TESTS += tests/chat_relay.sh
EXTRA_DIST += tests/chat_relay.sh

# p2pchat reaching stund and coturn over TCP and TLS on loopback.
TESTS += tests/chat_tcp.sh
# --transport auto back on UDP once UDP works again (a namespace, root).
TESTS += tests/chat_udpback.sh
EXTRA_DIST += tests/chat_udpback.sh
EXTRA_DIST += tests/chat_tcp.sh

# The terminal UI through tmux (skips without it).
TESTS += tests/chat_tui.sh
EXTRA_DIST += tests/chat_tui.sh

# p2pchat's command line: help, version, usage errors, where the code
# comes from.
TESTS += tests/chat_cli.sh
EXTRA_DIST += tests/chat_cli.sh
