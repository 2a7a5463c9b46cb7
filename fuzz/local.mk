# fuzz: libFuzzer targets for every parser.  Without --enable-fuzzing they
# are linked with fuzz/driver.c and `make check` replays the seed corpora
# (fuzz/replay.sh); with it (CC=clang) they are real libFuzzer binaries:
#	fuzz/fuzz_msg -jobs=1 -max_total_time=600 fuzz/corpus/msg
FUZZ_TARGETS = fuzz/fuzz_msg fuzz/fuzz_attr fuzz/fuzz_stream fuzz/fuzz_rdv \
	fuzz/fuzz_proxy fuzz/fuzz_rooms fuzz/fuzz_relay fuzz/fuzz_chat \
	fuzz/fuzz_xfer
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += fuzz/replay.sh
EXTRA_DIST += fuzz/replay.sh fuzz/mkcorpus.py fuzz/corpus

if FUZZING
FUZZ_MAIN =
FUZZ_LINK = -fsanitize=fuzzer,address,undefined
else
FUZZ_MAIN = fuzz/driver.c
FUZZ_LINK =
endif
FUZZ_CHECK = fuzz/invariants.c fuzz/invariants.h
FUZZ_LIBS = libstun/libstun_core.la $(OPENSSL_LIBS)
FUZZ_BINFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(OPENSSL_CFLAGS)

fuzz_fuzz_msg_SOURCES = fuzz/fuzz_msg.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_msg_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_msg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_msg_LDADD = $(FUZZ_LIBS)

fuzz_fuzz_attr_SOURCES = fuzz/fuzz_attr.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_attr_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_attr_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_attr_LDADD = $(FUZZ_LIBS)

fuzz_fuzz_stream_SOURCES = fuzz/fuzz_stream.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_stream_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_stream_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_stream_LDADD = $(FUZZ_LIBS)

fuzz_fuzz_rdv_SOURCES = fuzz/fuzz_rdv.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_rdv_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_rdv_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_rdv_LDADD = $(FUZZ_LIBS)

# stund's PROXY protocol v2 decoder (stund/proxy.c in libstund.la).
fuzz_fuzz_proxy_SOURCES = fuzz/fuzz_proxy.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_proxy_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_proxy_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_proxy_LDADD = stund/libstund.la $(FUZZ_LIBS)

# The room table: a script of clients, datagrams and clock steps.
fuzz_fuzz_rooms_SOURCES = fuzz/fuzz_rooms.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_rooms_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_rooms_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_rooms_LDADD = stund/libstund.la $(FUZZ_LIBS)

# The TURN relay table: a script of clients, peers and clock steps.  The
# files under test are compiled in here too, so that with --enable-fuzzing
# they carry libFuzzer's coverage (the libraries are built without it).
fuzz_fuzz_relay_SOURCES = fuzz/fuzz_relay.c stund/relay.c stund/relaypol.c \
	stund/auth.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_relay_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_relay_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_relay_LDADD = stund/libstund.la $(FUZZ_LIBS)

# p2pchat's machines: reliable delivery, a peer pair, the relay client.
fuzz_fuzz_chat_SOURCES = fuzz/fuzz_chat.c chat/reliable.c chat/peer.c \
	chat/relay.c $(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_chat_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_chat_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_chat_LDADD = chat/libchat.la $(FUZZ_LIBS)

# p2pchat's file records and bulk stream (chat/file.c, chat/bulk.c).
fuzz_fuzz_xfer_SOURCES = fuzz/fuzz_xfer.c chat/file.c chat/bulk.c \
	$(FUZZ_CHECK) $(FUZZ_MAIN)
fuzz_fuzz_xfer_CFLAGS = $(FUZZ_BINFLAGS)
fuzz_fuzz_xfer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_xfer_LDADD = $(FUZZ_LIBS)
