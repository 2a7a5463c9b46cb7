# Codec suites (msg, attr, addr).
CHECK_LIBSTUN_SUITES += tests/libstun_msg.c tests/libstun_attr.c \
	tests/libstun_addr.c tests/testutil.h
