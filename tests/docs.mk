# tests/docs.mk: man page lint (owner: docs).
