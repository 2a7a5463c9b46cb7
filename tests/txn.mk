# tests/txn.mk: appended by its owner.
