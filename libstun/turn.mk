# libstun/turn.mk: the I/O-free TURN client machine (libstun/turn.h) and
# its suite in check_libstun.
