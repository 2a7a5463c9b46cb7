#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# System calls per relayed frame on the TURN-over-TCP path, counted with
# strace on our stund while bench/turnload's TCP clients keep ChannelData
# frames in flight (bursts of up to a window each) through a UDP echo
# peer.  The relay must send the frames of one read to the peer together
# (a send per frame fails), and write relayed data to its TCP clients
# without arming EV_WRITE (an epoll_ctl pair per datagram fails).  Then
# UDP clients at a steady pace: a wake-up for relayed data must not read
# its client socket again only to hear EAGAIN.  The bounds are counts,
# not times, so a slow machine only batches more.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

TURNLOAD="$top_builddir/bench/turnload"
ECHO="$top_builddir/bench/echo"
CONNS=4
WINDOW=16

command -v strace >/dev/null 2>&1 ||
    st_skip "strace not installed (install-deps.sh installs it)"
st_need ss timeout
[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$TURNLOAD" ] || st_skip "$TURNLOAD not built"
[ -x "$ECHO" ] || st_skip "$ECHO not built"
st_setup

# strace must be allowed to attach to our own child.
if ! timeout 10 strace -f -o /dev/null true >/dev/null 2>&1; then
	st_skip "strace cannot trace here"
fi

P_PEER=$(st_free_port) || st_skip "no free port"
R_LO=$(st_free_port) || st_skip "no free port"
printf 'load:load\n' >"$ST_TMP/users"

st_bg "$ST_TMP/peer.log" timeout 120 "$ECHO" -r -l "127.0.0.1:$P_PEER"
i=0
while ! ss -Hanu 2>/dev/null | awk '{ print $4 }' |
    grep -q "^127\.0\.0\.1:$P_PEER\$"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { st_fail "echo peer did not start"; st_done; }
	sleep 0.1
done

st_stund_start --primary 127.0.0.1 --port 0 --workers 1 --rate 0 \
    --realm stunkit.test --user-file "$ST_TMP/users" \
    --relay-ports "$R_LO-$((R_LO + 100))" --allow-peer 127.0.0.1/32 ||
    { st_fail "stund did not start"; st_done; }
[ -n "$TP1" ] || { st_fail "no TCP port in the stund log"; st_done; }

# Attach to stund itself (not timeout(1)) for the whole load run.
TRACE="$ST_TMP/strace.out"
st_bg "$ST_TMP/strace.log" timeout -s INT 60 strace -f -c -o "$TRACE" \
    -e trace=sendmmsg,sendmsg,sendto,writev,write,epoll_ctl -p "$ST_SPID"
SPID=$ST_LASTPID
sleep 1
timeout 60 "$TURNLOAD" -t -n "$CONNS" -w "$WINDOW" -d 2 -W 0.2 \
    -u load:load -e "127.0.0.1:$P_PEER" "127.0.0.1:$TP1" \
    >"$ST_TMP/load.out" 2>&1
# SIGINT makes strace detach and write its summary (timeout(1) passes
# the signal on to it).
kill -INT "$SPID" 2>/dev/null
i=0
while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$SPID" 2>/dev/null
st_forget "$SPID"

sed 's/^/  load: /' "$ST_TMP/load.out"
frames=$(sed -n 's/.* total=\([0-9]*\).*/\1/p' "$ST_TMP/load.out")
lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' "$ST_TMP/load.out")
if [ -z "$frames" ] || [ "$frames" -lt 1000 ]; then
	st_fail "too few frames relayed (${frames:-none}) to count"
	st_done
fi
[ "${lost:-1}" -eq 0 ] && st_ok "$frames frames relayed both ways, none lost" ||
    st_fail "$lost frames lost"

if [ ! -s "$TRACE" ]; then
	st_fail "strace wrote no summary"
	st_done
fi
sed 's/^/  strace: /' "$TRACE"
calls() {
	awk -v s="$1" '$NF == s { print $4; f = 1 } END { if (!f) print 0 }' \
	    "$TRACE"
}
sends=$(( $(calls sendmmsg) + $(calls sendmsg) + $(calls sendto) ))
writes=$(( $(calls writev) + $(calls write) ))
ctls=$(calls epoll_ctl)

# per N D BOUND: is N/D <= BOUND?  Prints the ratio.
per() {
	awk -v n="$1" -v d="$2" -v b="$3" 'BEGIN {
		printf "%.3f", n / d; exit !(n / d <= b) }'
}
# Client to peer: one sendmmsg per read of a client's stream; the client
# sends bursts, so well under one per frame.
if r=$(per "$sends" "$frames" 0.6); then
	st_ok "sends to peers: $sends for $frames frames ($r per frame)"
else
	st_fail "sends to peers: $sends for $frames frames ($r per frame," \
	    "bound 0.6)"
fi
# Peer to client: written at the end of a loop pass, EV_WRITE untouched.
# The calls left are the set-up's (accept, relay sockets); the whole
# window in flight is 64 frames, so an epoll_ctl pair per batch is 0.03
# per frame at best.
if r=$(per "$ctls" "$frames" 0.01); then
	st_ok "epoll_ctl: $ctls for $frames frames ($r per frame)"
else
	st_fail "epoll_ctl: $ctls for $frames frames ($r per frame," \
	    "bound 0.01)"
fi
if r=$(per "$writes" "$frames" 1.0); then
	st_ok "writes to clients: $writes for $frames frames ($r per frame)"
else
	st_fail "writes to clients: $writes for $frames frames ($r per" \
	    "frame, bound 1.0)"
fi

# UDP clients at 400 round trips a second each: every datagram from a
# client is relayed, never answered, so after reading it the relay has
# no reason to read that socket again.  strace -c counts the calls that
# failed (EAGAIN) in its errors column; a read to EAGAIN per wake-up
# makes it about one per round trip.
TRACE2="$ST_TMP/strace2.out"
st_bg "$ST_TMP/strace2.log" timeout -s INT 60 strace -f -c -o "$TRACE2" \
    -e trace=recvmmsg,recvmsg,recvfrom,epoll_wait -p "$ST_SPID"
SPID=$ST_LASTPID
sleep 1
timeout 60 "$TURNLOAD" -n "$CONNS" -r 400 -w "$WINDOW" -d 2 -W 0.2 \
    -u load:load -e "127.0.0.1:$P_PEER" "127.0.0.1:$P1" \
    >"$ST_TMP/load2.out" 2>&1
kill -INT "$SPID" 2>/dev/null
i=0
while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$SPID" 2>/dev/null
st_forget "$SPID"
sed 's/^/  load: /' "$ST_TMP/load2.out"
rtts=$(sed -n 's/.* total=\([0-9]*\).*/\1/p' "$ST_TMP/load2.out")
if [ -z "$rtts" ] || [ "$rtts" -lt 1000 ]; then
	st_fail "too few UDP round trips relayed (${rtts:-none}) to count"
	st_done
fi
if [ ! -s "$TRACE2" ]; then
	st_fail "strace wrote no summary of the UDP run"
	st_done
fi
sed 's/^/  strace: /' "$TRACE2"
# The errors column is empty when a call never failed.
eagain=$(awk '$NF == "recvmmsg" { print (NF == 6 ? $5 : 0); f = 1 }
    END { if (!f) print 0 }' "$TRACE2")
TRACE=$TRACE2
wakes=$(calls epoll_wait)
if r=$(per "$eagain" "$rtts" 0.1); then
	st_ok "UDP reads to EAGAIN: $eagain for $rtts round trips" \
	    "($r per round trip, $wakes epoll_wait)"
else
	st_fail "UDP reads to EAGAIN: $eagain for $rtts round trips ($r" \
	    "per round trip, $wakes epoll_wait, bound 0.1)"
fi
st_done
