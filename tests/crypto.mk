# tests/crypto.mk: integrity, fingerprint, keys, nonces, the RFC vectors and
# mutation of every vector (suites vectors, mutate, integrity, keys, nonce).
CHECK_LIBSTUN_SUITES += tests/libstun_vectors.c tests/libstun_vectors.h \
	tests/libstun_mutate.c tests/libstun_integrity.c \
	tests/libstun_keys.c tests/libstun_nonce.c
