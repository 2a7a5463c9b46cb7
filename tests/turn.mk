# tests/turn.mk: TURN relay tests (unit, interop with coturn, peer policy).
