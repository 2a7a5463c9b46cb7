# stund/turn.mk: the TURN relay in stund (RFC 8656).
