# tests/crypto.mk: appended by its owner.
