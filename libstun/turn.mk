# libstun/turn.mk: the I/O-free TURN client machine (libstun/turn.h) and
# its suite in check_libstun.
LIBSTUN_SRC += libstun/turn.c
nobase_include_HEADERS += libstun/turn.h
CHECK_LIBSTUN_SUITES += tests/libstun_turn.c
