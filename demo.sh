#!/bin/sh
# The main job on its embedded default: start stund on 127.0.0.1 and
# 127.0.0.2 (RFC 5780 mode, ports picked by the kernel), ask it what NAT we
# are behind with natprobe, and stop it again.  Loopback only.
set -u
top_builddir=${top_builddir:-.}
stund=$top_builddir/stund/stund
natprobe=$top_builddir/natprobe/natprobe
for p in "$stund" "$natprobe"; do
	[ -x "$p" ] || { echo "demo: $p not built (run make)" >&2; exit 1; }
done
log=$(mktemp)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT INT TERM

"$stund" --primary 127.0.0.1 --alternate 127.0.0.2 --port 0 \
    --foreground 2>"$log" &
pid=$!
port=
i=0
while [ $i -lt 50 ]; do
	port=$(sed -n 's/^stund: listening on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
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
