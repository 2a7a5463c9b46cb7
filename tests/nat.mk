# tests/nat.mk: appended by its owner.
