# tests/natlab.mk: appended by its owner.
