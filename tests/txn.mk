# tests/txn.mk: the transaction machine and stream framing suites, and the
# check that libstun stays free of I/O, clocks and libevent.
CHECK_LIBSTUN_SUITES += tests/libstun_txn.c tests/libstun_stream.c
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh
