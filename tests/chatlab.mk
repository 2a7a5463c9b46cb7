# tests/chatlab.mk: p2pchat in the NAT lab (root only; SKIP otherwise).
# natlab_chat.sh runs two p2pchat peers behind every pair of NAT types
# that a direct path should connect, through our stund's rendezvous.
TESTS += tests/natlab_chat.sh
EXTRA_DIST += tests/natlab_chat.sh

# A file across two NATs that drop 10% of UDP both ways (root only).
TESTS += tests/natlab_file.sh
EXTRA_DIST += tests/natlab_file.sh

# natlab_restart.sh: p2pchat across stund restarts (direct and relayed),
# a NAT that maps anew, loss, and the shared-CGNAT pair 20 times.
TESTS += tests/natlab_restart.sh
EXTRA_DIST += tests/natlab_restart.sh

# natlab_tcp.sh: p2pchat from hosts whose firewall drops UDP (or lets out
# only TCP 443), relayed over TCP and TLS to stund (root only).
TESTS += tests/natlab_tcp.sh
EXTRA_DIST += tests/natlab_tcp.sh

# natlab_tcppunch.sh: TCP hole punching between two UDP-blocked hosts:
# direct over TCP by simultaneous open across endpoint-independent NATs,
# relayed over TCP when one NAT maps TCP at random (root only).
TESTS += tests/natlab_tcppunch.sh
EXTRA_DIST += tests/natlab_tcppunch.sh
