#!/bin/sh
# The main job on its embedded default: start stund on 127.0.0.1 and
# 127.0.0.2 (RFC 5780 mode, ports picked by the kernel), ask it what NAT we
# are behind with natprobe, let two p2pchat peers meet through its
# rendezvous and exchange a line each, and stop it again.  Loopback only.
set -u
top_builddir=${top_builddir:-.}
stund=$top_builddir/stund/stund
natprobe=$top_builddir/natprobe/natprobe
p2pchat=$top_builddir/chat/p2pchat
for p in "$stund" "$natprobe" "$p2pchat"; do
	[ -x "$p" ] || { echo "demo: $p not built (run make)" >&2; exit 1; }
done
log=$(mktemp)
chat=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$log"
	rm -rf "$chat"
}
trap cleanup EXIT INT TERM

"$stund" --primary 127.0.0.1 --alternate 127.0.0.2 --port 0 \
    --foreground 2>"$log" &
pid=$!
port=
i=0
while [ $i -lt 50 ]; do
	port=$(sed -n 's/^.*stund: listening on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$log" | head -n 1)
	grep -q 'self-test' "$log" && [ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	echo "demo: stund did not start:" >&2
	cat "$log" >&2
	exit 1
fi
echo "== stund on 127.0.0.1 and 127.0.0.2, port $port =="
cat "$log"
echo
echo "== natprobe 127.0.0.1:$port =="
timeout 20 "$natprobe" "127.0.0.1:$port"

# Two peers in batch mode: alice creates a room, bob joins with its code;
# each sends one line and leaves once it is delivered (bounded).
echo
echo "== p2pchat: alice creates a room, bob joins it =="
{ sleep 1; echo "hello from alice"; } |
    timeout 30 "$p2pchat" --server "127.0.0.1:$port" --name alice \
    --batch --linger 5 >"$chat/alice" 2>&1 &
apid=$!
code=
i=0
while [ $i -lt 50 ] && [ -z "$code" ]; do
	code=$(sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p' \
	    "$chat/alice" | head -n 1)
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$code" ]; then
	echo "demo: p2pchat printed no room code:" >&2
	cat "$chat/alice" >&2
	exit 1
fi
echo "hello from bob" | timeout 30 "$p2pchat" --server "127.0.0.1:$port" \
    --name bob --batch --linger 5 "$code" >"$chat/bob" 2>&1
wait "$apid"
for n in alice bob; do
	echo "-- $n:"
	cat "$chat/$n"
done
# The demo worked when each peer's line was delivered.
for n in alice bob; do
	grep -q '"event":"delivered"' "$chat/$n" || {
		echo "demo: $n's line was not delivered" >&2
		exit 1
	}
done
echo
echo "demo: ok"
