# tests/relaylab.mk (owner: chat): p2pchat falling back to a TURN relay in
# the NAT lab (root only; SKIP otherwise).
TESTS += tests/natlab_relay.sh
EXTRA_DIST += tests/natlab_relay.sh
