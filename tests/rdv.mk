# tests/rdv.mk (owner: rdv).
