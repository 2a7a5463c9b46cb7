# tests/stund.mk: appended by its owner.
