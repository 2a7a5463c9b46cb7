#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat --transport auto goes back to UDP once UDP works again, in a
# network namespace of the test's own (root only) whose loopback drops
# UDP to the server's port at first (an nftables rule): alice falls back
# to TCP and registers there, with the relay the server offers allocated
# over the same connection; her UDP probes go unanswered.  The rule goes,
# and within the next probe wait she is on UDP again: one log line, a
# "transport" event from tcp to udp, the membership moved (the stream
# closed only once registered over UDP), the relay allocated anew over
# UDP.  Then bob joins over UDP and both chat through the relay: every
# message each way delivered, intact and in order.  $P2PCHAT_UDP_PROBE_MS
# makes the first probe wait 1 s instead of 30.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
N=5

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
[ "$(id -u)" = 0 ] || st_skip "not root: no namespace of our own"
st_need timeout ip nft
st_setup
T=$ST_TMP
MARK="udpb$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')mark"
NS=p2pudpb$$
ip netns add "$NS" 2>/dev/null || st_skip "cannot make a network namespace"
trap 'st_cleanup; ip netns del "$NS" 2>/dev/null' EXIT
ip -n "$NS" link set lo up
NX="ip netns exec $NS"

# until TENTHS FILE PATTERN: until FILE holds a line matching PATTERN.
until_in()
{
	_i=0
	while [ "$_i" -lt "$1" ]; do
		grep -q -- "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# writer OUT PEER TEXT: $N lines once PEER joined in OUT (40 s at most).
writer()
{
	until_in 400 "$1" "^{\"event\":\"joined\",\"peer\":\"$2\"" ||
	    return 0
	_i=1
	while [ $_i -le $N ]; do
		echo "$MARK $3 $_i"
		_i=$((_i + 1))
	done
}

st_bg "$T/stund.log" $NX timeout 120 "$STUND" --primary 127.0.0.1 \
    --port 0 --foreground
until_in 50 "$T/stund.log" 'rendezvous on' ||
    { st_fail "stund did not start: $(cat "$T/stund.log")"; st_done; }
P=$(sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
    "$T/stund.log" | head -n 1)
[ -n "$P" ] || { st_fail "no UDP port in the stund log"; st_done; }

# UDP to the server dropped on the way in.
$NX timeout 10 nft add table inet udpb &&
    $NX timeout 10 nft add chain inet udpb in \
    '{ type filter hook input priority 0; }' &&
    $NX timeout 10 nft add rule inet udpb in udp dport "$P" drop ||
    st_skip "nft cannot filter in the namespace"

writer "$T/a.out" bob "alice to bob" |
    P2PCHAT_UDP_PROBE_MS=1000 $NX timeout 90 "$CHAT" \
    --server "127.0.0.1:$P" --name alice --batch -v --linger 10 \
    --force-relay --tls-port 0 >"$T/a.out" 2>"$T/a.err" &
A=$!
ST_PIDS="$ST_PIDS $A"

if until_in 100 "$T/a.out" '"event":"registered".*"transport":"tcp"'; then
	st_ok "alice: registered over TCP, UDP dropped"
else
	st_fail "alice: not registered over TCP: $(ev "$T/a.out" registered)"
fi
grep -q 'no answer over udp; trying tcp' "$T/a.err" &&
    st_ok "alice: $(grep -m1 'no answer over udp' "$T/a.err")" ||
    st_fail "alice: no fallback line"
if until_in 100 "$T/a.out" '"event":"relay".*"transport":"tcp"'; then
	st_ok "alice: relay allocated over the TCP connection"
else
	st_fail "alice: no relay over TCP: $(ev "$T/a.out" relay)"
fi
# Two probes (after 1 s, then 2 s) unanswered, still on TCP.
if until_in 100 "$T/a.err" 'asking over udp (probe 2)' &&
    [ "$(count "$T/a.out" transport)" -eq 0 ]; then
	st_ok "alice: probes unanswered while UDP is dropped, on TCP still"
else
	st_fail "alice: $(grep 'asking over udp' "$T/a.err")" \
	    "$(ev "$T/a.out" transport)"
fi

$NX timeout 10 nft delete table inet udpb ||
    st_fail "nft could not remove the rule"

# The next probe is 4 s later: 10 s is ample.
if until_in 100 "$T/a.out" \
    '"event":"transport","role":"rendezvous".*"from":"tcp","transport":"udp"'
then
	st_ok "alice: back on UDP: $(ev "$T/a.out" transport)"
else
	st_fail "alice: not back on UDP: $(grep -v 'send\|recv' "$T/a.err" |
	    tail -n 20)"
fi
[ "$(grep -c 'udp answers again; leaving tcp' "$T/a.err")" -eq 1 ] &&
    st_ok "alice: one line: $(grep 'udp answers again' "$T/a.err")" ||
    st_fail "alice: the switch line: $(grep 'answers again' "$T/a.err")"
until_in 50 "$T/a.err" 'registered over udp; closing the stream' &&
    st_ok "alice: the TCP stream closed once registered over UDP" ||
    st_fail "alice: the stream was not closed after registering"
if until_in 50 "$T/a.out" \
    '"event":"relay","addr":"[0-9].*"transport":"udp"'; then
	st_ok "alice: relay allocated anew over UDP"
else
	st_fail "alice: no relay over UDP: $(ev "$T/a.out" relay)"
fi

CODE=$(field "$(ev "$T/a.out" room)" code)
writer "$T/b.out" alice "bob to alice" |
    $NX timeout 60 "$CHAT" --server "127.0.0.1:$P" --name bob --batch \
    --linger 10 --force-relay --transport udp "$CODE" >"$T/b.out" \
    2>"$T/b.err" &
B=$!
ST_PIDS="$ST_PIDS $B"
wait $B
rb=$?
wait $A
ra=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] && st_ok "both exited 0" ||
    st_fail "exit alice $ra bob $rb: $(grep -v 'send\|recv' "$T/a.err" |
    tail -n 5) $(tail -n 5 "$T/b.err")"

for p in a b; do
	o=bob
	me=alice
	[ $p = b ] && o=alice && me=bob
	f="$T/$p.out"
	if ev "$f" path | tail -n 1 | grep '"kind":"relay"' |
	    grep -q '"transport":"udp"'; then
		st_ok "$me: path to $o relayed over UDP"
	else
		st_fail "$me: path to $o: $(ev "$f" path)"
	fi
	n=$(count "$f" delivered "\"to\":\"$o\"")
	[ "$n" -eq $N ] && st_ok "$me: $n/$N delivered to $o" ||
	    st_fail "$me: $n/$N delivered to $o"
	want=$(i=1; while [ $i -le $N ]; do
		echo "$MARK $o to $me $i"; i=$((i + 1)); done)
	got=$(texts "$f" "$o")
	[ "$got" = "$want" ] && st_ok "$me got $o's $N messages in order" ||
	    st_fail "$me: messages from $o differ: $got"
	grep -Eq 'Sanitizer|runtime error' "$T/$p.err" &&
	    st_fail "$me: sanitizer report"
done
st_done
