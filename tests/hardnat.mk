# tests/hardnat.mk: hard NATs.  suite_hardnat drives the planner on a fake
# clock; natlab_hardnat_probe.sh proves the lab's predictable symmetric
# NATs and natprobe's reading of them (root only, skips otherwise).
CHECK_LIBSTUN_SUITES += tests/libstun_hardnat.c
TESTS += tests/natlab_hardnat_probe.sh
EXTRA_DIST += tests/natlab_hardnat_probe.sh

# hardpoke runs one side of the hard-NAT machine with real sockets;
# natlab_hardnat.sh runs pairs of it across the lab's NATs for the success
# rates of prediction and the birthday attempt.
check_PROGRAMS += tests/hardpoke
tests_hardpoke_SOURCES = tests/hardpoke.c
tests_hardpoke_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_hardpoke_LDADD = common/libcommon.la libstun/libstun_core.la \
	$(OPENSSL_LIBS)
TESTS += tests/natlab_hardnat.sh
EXTRA_DIST += tests/natlab_hardnat.sh
# p2pchat's hard-NAT phase: sequential vs port-restricted, direct.
TESTS += tests/natlab_hardnat_chat.sh
EXTRA_DIST += tests/natlab_hardnat_chat.sh
# p2pchat's birthday attempt: random symmetric vs port-restricted.
TESTS += tests/natlab_hardnat_birthday.sh
EXTRA_DIST += tests/natlab_hardnat_birthday.sh
# The peer machine's side of it, on a fake clock (in check_chat).
tests_check_chat_SOURCES += tests/chat_hardnat.c
