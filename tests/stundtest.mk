# tests/stundtest.mk: stund integration tests (owner: stundtest).
