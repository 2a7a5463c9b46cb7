#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# bench/xfer.sh: p2pchat's file transfer rate against iperf3 TCP on the
# same path, both started here, in one run.  As root, the path is a veth
# pair between two network namespaces made here (198.51.100.1 and .2,
# never routed anywhere), with random loss (nftables) on both ends for each
# row of BENCH_XFER_LOSS; otherwise loopback, without loss rows.  Loss is
# taken as a router between the two would take it: packets are dropped as
# they arrive (the sender's stack sees no error, so it cannot just send
# them again), and in the loss rows the veths carry wire-sized packets
# (gso_max_segs 1), so that TCP loses one segment per drop, not a 64 kB
# offload batch.  The clean row keeps the offloads, as a NIC would.  Each
# cell is the median of BENCH_REPS runs, in Mbit/s of file data (p2pchat:
# from the receiver's transfer event to its file event; iperf3: the
# receiver's sum).  Then the relayed rows: the same transfer with both
# peers forced onto a TURN relay (--force-relay), once through a second
# stund and once through coturn's turnserver, both on A's address with
# the same user; each row gives the rate and the relay server's CPU time
# per MiB of file data (utime + stime from /proc, both ways of the
# relay counted), and the ratios stund / coturn.  Each table gives the
# machine's load averages before and after it, since on a shared machine
# they move every figure.  Not part of `make check`.  See bench/README.
#
# Knobs: BENCH_XFER_MB (200), BENCH_REPS (3), BENCH_XFER_LOSS ("0 1 5",
# percent), BENCH_XFER_NS (1: namespaces as root, 0: loopback),
# BENCH_XFER_RELAY (1: the relayed rows, 0: none).
# After the loss rows, bench/cryptorate's figures: the rate the sealing,
# opening and hashing alone would allow, with no I/O at all.

set -u

top_builddir=${top_builddir:-.}
MB=${BENCH_XFER_MB:-200}
REPS=${BENCH_REPS:-3}
LOSSES=${BENCH_XFER_LOSS:-0 1 5}
CHAT=$top_builddir/chat/p2pchat
STUND=$top_builddir/stund/stund
NSA=xfb$$a
NSB=xfb$$b
USE_NS=0
PIDS=""

for v in "$MB" "$REPS" $LOSSES; do
	case $v in
	''|*[!0-9]*) echo "xfer.sh: bad numeric setting '$v'" >&2; exit 2;;
	esac
done
for b in "$CHAT" "$STUND"; do
	[ -x "$b" ] || { echo "xfer.sh: $b not built" >&2; exit 1; }
done
command -v iperf3 >/dev/null 2>&1 ||
    { echo "xfer.sh: iperf3 not installed (install-deps.sh)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/xferbench.XXXXXX") || exit 1

cleanup()
{
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "$USE_NS" = 1 ]; then
		ip netns del "$NSA" 2>/dev/null
		ip netns del "$NSB" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" = 0 ] && [ "${BENCH_XFER_NS:-1}" = 1 ] &&
    command -v ip >/dev/null 2>&1 && command -v nft >/dev/null 2>&1 &&
    ip netns add "$NSA" 2>/dev/null; then
	USE_NS=1
	ip netns add "$NSB" || exit 1
	ip link add xfb$$x netns "$NSA" type veth peer name xfb$$y \
	    netns "$NSB" || exit 1
	ip -n "$NSA" addr add 198.51.100.1/24 dev xfb$$x
	ip -n "$NSB" addr add 198.51.100.2/24 dev xfb$$y
	for n in "$NSA" "$NSB"; do
		ip -n "$n" link set lo up
	done
	ip -n "$NSA" link set xfb$$x up
	ip -n "$NSB" link set xfb$$y up
	A="ip netns exec $NSA"
	B="ip netns exec $NSB"
	IPA=198.51.100.1
	IPB=198.51.100.2
else
	A=""
	B=""
	IPA=127.0.0.1
	IPB=127.0.0.1
	LOSSES=0
fi

# loss PERCENT: drop that share of the packets arriving in each namespace
# (UDP and TCP alike), with nftables as the NAT lab does; with loss, no
# segmentation offload on the veths (one wire packet per drop).
loss()
{
	[ "$USE_NS" = 1 ] || return 0
	_segs=65535
	[ "$1" = 0 ] || _segs=1
	ip -n "$NSA" link set xfb$$x gso_max_segs $_segs 2>/dev/null
	ip -n "$NSB" link set xfb$$y gso_max_segs $_segs 2>/dev/null
	for n in "$NSA" "$NSB"; do
		ip netns exec "$n" nft delete table inet xfbloss 2>/dev/null
		[ "$1" = 0 ] && continue
		ip netns exec "$n" nft -f - <<EOF || exit 1
table inet xfbloss {
	chain in { type filter hook prerouting priority 0; policy accept;
		iifname != "lo" numgen random mod 100 < $1 drop; }
}
EOF
	done
}

median()
{
	sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# The rendezvous server, on A's address.
$A "$STUND" --primary "$IPA" --port 0 --foreground >"$T/stund.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q 'rendezvous on' "$T/stund.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$(sed -n "s/.*$IPA:\([0-9]*\).*/\1/p" "$T/stund.log" | head -n 1)
[ -n "$PORT" ] || { echo "xfer.sh: stund did not start" >&2; exit 1; }
dd if=/dev/urandom of="$T/file" bs=1048576 count="$MB" 2>/dev/null ||
    exit 1
BYTES=$((MB * 1048576))

# p2pchat_once [OPTION...]: Mbit/s of one transfer A -> B, or nothing;
# the options go to both peers.
p2pchat_once()
{
	rm -rf "$T/in" "$T/rx.in" && mkdir "$T/in" && mkfifo "$T/rx.in" ||
	    return
	exec 7<>"$T/rx.in"
	$B timeout 300 "$CHAT" --server "$IPA:$PORT" --name rx --batch \
	    --accept-dir "$T/in" "$@" <"$T/rx.in" >"$T/rx.out" 2>/dev/null \
	    7>&- &
	_rx=$!
	_i=0
	while ! grep -q '"event":"room"' "$T/rx.out" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_code=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$T/rx.out" |
	    head -n 1)
	$A timeout 300 "$CHAT" --server "$IPA:$PORT" --name tx --batch \
	    --linger 30 --send "$T/file" "$@" "$_code" </dev/null \
	    >"$T/tx.out" 2>/dev/null 7>&-
	kill "$_rx" 2>/dev/null
	wait "$_rx" 2>/dev/null
	exec 7>&-
	_t0=$(grep '"event":"transfer"' "$T/rx.out" |
	    sed -n 's/.*"ms":\([0-9]*\).*/\1/p' | head -n 1)
	_t1=$(grep '"event":"file"' "$T/rx.out" | grep '"result":"done"' |
	    sed -n 's/.*"ms":\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$_t0" ] && [ -n "$_t1" ] && cmp -s "$T/file" "$T/in/file" &&
	    awk -v b="$BYTES" -v ms="$((_t1 - _t0))" \
	    'BEGIN { if (ms < 1) ms = 1; printf "%.1f\n", b * 8 / ms / 1000 }'
}

# iperf3_once: Mbit/s of one TCP transfer of the same size A -> B.
iperf3_once()
{
	$B iperf3 -s -1 -B "$IPB" -p 5299 >/dev/null 2>&1 &
	_s=$!
	sleep 0.5
	$A iperf3 -c "$IPB" -p 5299 -n "$BYTES" -J >"$T/iperf.json" \
	    2>/dev/null
	wait "$_s" 2>/dev/null
	awk '/"sum_received"/ { f = 1 }
	    f && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2);
	    printf "%.1f\n", $2 / 1e6; exit }' "$T/iperf.json"
}

# loadavg: the machine's load averages, for the figures' context.
loadavg()
{
	printf 'load average %s\n' "$(cut -d ' ' -f 1-3 /proc/loadavg \
	    2>/dev/null)"
}

# ceiling IPERF: what the cryptography alone allows, timed here by
# bench/cryptorate with p2pchat's own functions (sealing, opening, SHA-256
# of each datagram's file data), beside the clean row's target, half of
# IPERF (iperf3's Mbit/s on that row).
ceiling()
{
	[ -x "$top_builddir/bench/cryptorate" ] || return 0
	printf 'cryptographic ceiling (bench/cryptorate, no I/O at all):\n'
	timeout 60 "$top_builddir/bench/cryptorate" | sed 's/^/  /'
	[ -n "${1:-}" ] && awk -v i="$1" 'BEGIN {
	    printf "  the clean row'"'"'s target, 0.5x iperf3: %.0f Mbit/s\n",
	    i / 2 }'
}

printf '%s, %s MiB, median of %s, ' \
    "$([ "$USE_NS" = 1 ] && echo "veth between namespaces" ||
    echo loopback)" "$MB" "$REPS"
loadavg
printf '%-6s %14s %14s %7s\n' loss "p2pchat Mbit/s" "iperf3 Mbit/s" ratio
for l in $LOSSES; do
	loss "$l"
	: >"$T/p" && : >"$T/i"
	r=0
	while [ $r -lt "$REPS" ]; do
		p2pchat_once >>"$T/p"
		iperf3_once >>"$T/i"
		r=$((r + 1))
	done
	p=$(median <"$T/p")
	i=$(median <"$T/i")
	[ "$l" = 0 ] && i0=${i:-}
	printf '%-6s %14s %14s %7s\n' "$l%" "${p:--}" "${i:--}" \
	    "$(awk -v p="${p:-0}" -v i="${i:-0}" 'BEGIN {
	    if (i > 0 && p > 0) printf "%.2fx", p / i; else print "-" }')"
done

printf 'after the rows: '
loadavg
ceiling "${i0:-}"
[ "${BENCH_XFER_RELAY:-1}" = 1 ] || exit 0
loss 0

# cpu_ticks PID: its user + system time so far, in clock ticks.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

# relay_row NAME PID PORT: REPS relayed transfers through the TURN server
# PID listening on IPA:PORT; prints "Mbit/s ms-of-CPU-per-MiB" (medians).
relay_row()
{
	: >"$T/rp" && : >"$T/rc"
	r=0
	while [ $r -lt "$REPS" ]; do
		c0=$(cpu_ticks "$2")
		v=$(p2pchat_once --force-relay \
		    --relay "turn:bench:b3nch@$IPA:$3")
		c1=$(cpu_ticks "$2")
		if [ -n "$v" ] && [ -n "$c0" ] && [ -n "$c1" ]; then
			echo "$v" >>"$T/rp"
			awk -v t="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
			    -v mb="$MB" 'BEGIN { printf "%.2f\n",
			    t * 1000 / hz / mb }' >>"$T/rc"
		fi
		r=$((r + 1))
	done
	echo "$(median <"$T/rp") $(median <"$T/rc")"
}

# A second stund as a plain TURN server, and coturn, on A's address.
echo "bench:b3nch" >"$T/users"
$A "$STUND" --primary "$IPA" --port 0 --foreground --rendezvous=no \
    --user-file "$T/users" --allow-peer "$IPA/32" --allow-peer "$IPB/32" \
    --rate 0 >"$T/relay-stund.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
i=0
while ! grep -q 'started:' "$T/relay-stund.log" &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
SPORT=$(sed -n "s/.*$IPA:\([0-9]*\).*/\1/p" "$T/relay-stund.log" |
    head -n 1)
CPORT=3578
if command -v turnserver >/dev/null 2>&1; then
	: >"$T/turnserver.conf"
	$A turnserver -c "$T/turnserver.conf" --db "$T/turndb" -n \
	    --pidfile "$T/turnserver.pid" --no-tls --no-dtls --no-tcp \
	    --listening-ip "$IPA" --relay-ip "$IPA" -p "$CPORT" \
	    -u bench:b3nch -r stunkit.bench --lt-cred-mech \
	    --allow-loopback-peers --no-cli --log-file stdout \
	    --simple-log >"$T/turnserver.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	sleep 1
else
	CPID=
	echo "xfer.sh: turnserver (coturn) not installed: no coturn row" >&2
fi
printf '\nrelayed through a TURN server on %s, %s MiB, median of %s, ' \
    "$IPA" "$MB" "$REPS"
loadavg
printf '%-8s %14s %16s\n' server "p2pchat Mbit/s" "CPU ms per MiB"
set -- - -
[ -n "$SPORT" ] && set -- $(relay_row stund "$SPID" "$SPORT")
s_rate=${1:--} s_cpu=${2:--}
printf '%-8s %14s %16s\n' stund "$s_rate" "$s_cpu"
set -- - -
[ -n "$CPID" ] && set -- $(relay_row coturn "$CPID" "$CPORT")
c_rate=${1:--} c_cpu=${2:--}
printf '%-8s %14s %16s\n' coturn "$c_rate" "$c_cpu"
awk -v sr="$s_rate" -v cr="$c_rate" -v sc="$s_cpu" -v cc="$c_cpu" 'BEGIN {
	if (sr + 0 > 0 && cr + 0 > 0)
		printf "stund / coturn: rate %.2fx", sr / cr
	else
		printf "stund / coturn: rate -"
	if (sc + 0 > 0 && cc + 0 > 0)
		printf ", CPU per MiB %.2fx (target: at most 0.5x)\n", sc / cc
	else
		printf ", CPU per MiB -\n" }'
printf 'after the rows: '
loadavg
