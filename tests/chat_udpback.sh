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
# message each way delivered, intact and in order.  (b) The same fallback
# for carol, but dave's path goes through the relay on her connection:
# once UDP is back she sends no probe and stays on TCP, and they chat.
# (c) UDP answers the probe but drops the larger registration: erin goes
# back to the stream she kept, the membership never moves, and frank
# sees no leave.  (d) The same return to UDP from TLS, with UDP and TCP
# to the server's port dropped at first.  $P2PCHAT_UDP_PROBE_MS makes
# the first probe wait 1 s instead of 30.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
N=5

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
[ "$(id -u)" = 0 ] || st_skip "not root: no namespace of our own"
st_need timeout ip nft openssl
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

# writer OUT PEER TEXT [GO]: $N lines once PEER joined in OUT (40 s at
# most), then the end of input once the file GO holds a line (30 s at
# most).
writer()
{
	until_in 400 "$1" "^{\"event\":\"joined\",\"peer\":\"$2\"" ||
	    return 0
	_i=1
	while [ $_i -le $N ]; do
		echo "$MARK $3 $_i"
		_i=$((_i + 1))
	done
	[ -n "${4:-}" ] && until_in 300 "$4" .
	return 0
}

# block: drop UDP to the server's port on the way in.
block()
{
	$NX timeout 10 nft add table inet udpb &&
	    $NX timeout 10 nft add chain inet udpb in \
	    '{ type filter hook input priority 0; }' &&
	    $NX timeout 10 nft add rule inet udpb in udp dport "$P" drop
}

# check_chat LABEL ME OTHER TRANSPORT: ME's $N messages delivered to
# OTHER and OTHER's received intact, in order (chat_in_order), over a
# relayed path whose server leg is TRANSPORT.
check_chat()
{
	f="$T/$2.out"
	if ev "$f" path | tail -n 1 | grep '"kind":"relay"' |
	    grep -q "\"transport\":\"$4\""; then
		st_ok "$1: $2: path to $3 relayed over $4"
	else
		st_fail "$1: $2: path to $3: $(ev "$f" path)"
	fi
	chat_in_order "$1" "$f" "$2" "$3"
}

# The test's certificate, for (d): for localhost.
timeout 60 openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
    st_skip "openssl could not make a test certificate"

st_bg "$T/stund.log" $NX timeout 180 "$STUND" --primary 127.0.0.1 \
    --port 0 --tls-port 0 --cert "$T/cert.pem" --key "$T/key.pem" \
    --foreground
until_in 50 "$T/stund.log" 'rendezvous on' ||
    { st_fail "stund did not start: $(cat "$T/stund.log")"; st_done; }
P=$(sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
    "$T/stund.log" | head -n 1)
[ -n "$P" ] || { st_fail "no UDP port in the stund log"; st_done; }
TLSP=$(sed -n 's/.*listening on tls 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
    "$T/stund.log" | head -n 1)
[ -n "$TLSP" ] || { st_fail "no TLS port in the stund log"; st_done; }

# --- (a) Alone on TCP, then back on UDP; bob joins after. ---
block || st_skip "nft cannot filter in the namespace"

writer "$T/alice.out" bob "alice to bob" |
    P2PCHAT_UDP_PROBE_MS=1000 $NX timeout 90 "$CHAT" \
    --server "127.0.0.1:$P" --name alice --batch -v --linger 10 \
    --force-relay --tls-port 0 >"$T/alice.out" 2>"$T/alice.err" &
A=$!
ST_PIDS="$ST_PIDS $A"

if until_in 100 "$T/alice.out" '"event":"registered".*"transport":"tcp"'; then
	st_ok "alice: registered over TCP, UDP dropped"
else
	st_fail "alice: not registered over TCP: $(ev "$T/alice.out" registered)"
fi
grep -q 'no answer over udp; trying tcp' "$T/alice.err" &&
    st_ok "alice: $(grep -m1 'no answer over udp' "$T/alice.err")" ||
    st_fail "alice: no fallback line"
if until_in 100 "$T/alice.out" '"event":"relay".*"transport":"tcp"'; then
	st_ok "alice: relay allocated over the TCP connection"
else
	st_fail "alice: no relay over TCP: $(ev "$T/alice.out" relay)"
fi
# Two probes (after 1 s, then 2 s) unanswered, still on TCP.
if until_in 100 "$T/alice.err" 'asking over udp (probe 2)' &&
    [ "$(count "$T/alice.out" transport)" -eq 0 ]; then
	st_ok "alice: probes unanswered while UDP is dropped, on TCP still"
else
	st_fail "alice: $(grep 'asking over udp' "$T/alice.err")" \
	    "$(ev "$T/alice.out" transport)"
fi

$NX timeout 10 nft delete table inet udpb ||
    st_fail "nft could not remove the rule"

# The next probe is 4 s later: 10 s is ample.
if until_in 100 "$T/alice.out" \
    '"event":"transport","role":"rendezvous".*"from":"tcp","transport":"udp"'
then
	st_ok "alice: back on UDP: $(ev "$T/alice.out" transport)"
else
	st_fail "alice: not back on UDP: $(grep -v 'send\|recv' "$T/alice.err" |
	    tail -n 20)"
fi
[ "$(grep -c 'udp answers again; leaving tcp' "$T/alice.err")" -eq 1 ] &&
    st_ok "alice: one line: $(grep 'udp answers again' "$T/alice.err")" ||
    st_fail "alice: the switch line: $(grep 'answers again' "$T/alice.err")"
until_in 50 "$T/alice.err" 'registered over udp; closing the stream' &&
    st_ok "alice: the TCP stream closed once registered over UDP" ||
    st_fail "alice: the stream was not closed after registering"
# Given up by alice, the stream is reset: nothing in TIME_WAIT keeps her
# from connecting again from the same port.
sleep 0.5
tw=$($NX timeout 10 ss -tanH state time-wait "( dport = :$P )" 2>&1)
[ -z "$tw" ] && st_ok "alice: no TIME_WAIT left towards the server" ||
    st_fail "alice: TIME_WAIT towards the server: $tw"
if until_in 50 "$T/alice.out" \
    '"event":"relay","addr":"[0-9].*"transport":"udp"'; then
	st_ok "alice: relay allocated anew over UDP"
else
	st_fail "alice: no relay over UDP: $(ev "$T/alice.out" relay)"
fi

CODE=$(field "$(ev "$T/alice.out" room)" code)
writer "$T/bob.out" alice "bob to alice" |
    $NX timeout 60 "$CHAT" --server "127.0.0.1:$P" --name bob --batch \
    --linger 10 --force-relay --transport udp "$CODE" >"$T/bob.out" \
    2>"$T/bob.err" &
B=$!
ST_PIDS="$ST_PIDS $B"
wait $B
rb=$?
wait $A
ra=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] && st_ok "both exited 0" ||
    st_fail "exit alice $ra bob $rb: $(grep -v 'send\|recv' "$T/alice.err" |
    tail -n 5) $(tail -n 5 "$T/bob.err")"

check_chat back alice bob udp
check_chat back bob alice udp

# --- (b) A relayed path holds the stream: carol, on TCP, relays to dave
# (--transport tcp) through the relay on her connection; UDP comes back,
# and she stays, probing nothing, while the chat goes on. ---
rm -f "$T/go"
block || st_fail "nft could not block UDP again"
writer "$T/carol.out" dave "carol to dave" "$T/go" |
    P2PCHAT_UDP_PROBE_MS=1000 $NX timeout 90 "$CHAT" \
    --server "127.0.0.1:$P" --name carol --batch -v --linger 10 \
    --force-relay --tls-port 0 >"$T/carol.out" 2>"$T/carol.err" &
C=$!
ST_PIDS="$ST_PIDS $C"
until_in 100 "$T/carol.out" '"event":"registered".*"transport":"tcp"' ||
    st_fail "held: carol did not register over TCP"
CODE=$(field "$(ev "$T/carol.out" room)" code)
writer "$T/dave.out" carol "dave to carol" "$T/go" |
    $NX timeout 60 "$CHAT" --server "127.0.0.1:$P" --name dave --batch \
    --linger 10 --force-relay --transport tcp "$CODE" >"$T/dave.out" \
    2>"$T/dave.err" &
D=$!
ST_PIDS="$ST_PIDS $D"
if until_in 150 "$T/carol.out" '"event":"path".*"kind":"relay"'; then
	$NX timeout 10 nft delete table inet udpb ||
	    st_fail "nft could not remove the rule"
	before=$(grep -c 'asking over udp' "$T/carol.err")
	# The waits are 1, 2, 4, 8 s: a probe falls due within 8 s.
	sleep 8
	after=$(grep -c 'asking over udp' "$T/carol.err")
	if [ "$(count "$T/carol.out" transport)" -eq 0 ] &&
	    [ "$after" -eq "$before" ]; then
		st_ok "held: carol stays on TCP while dave's path is relayed" \
		    "($before probes before, none since)"
	else
		st_fail "held: carol: $(ev "$T/carol.out" transport)," \
		    "probes $before then $after"
	fi
else
	st_fail "held: no relayed path for carol: $(ev "$T/carol.out" path)"
fi
echo go >"$T/go"
wait $D
rd=$?
wait $C
rc=$?
[ $rc -eq 0 ] && [ $rd -eq 0 ] && st_ok "held: both exited 0" ||
    st_fail "held: exit carol $rc dave $rd"
check_chat held carol dave tcp
check_chat held dave carol tcp
# --- (c) UDP answers the probe, not the registration (a firewall that
# lets small datagrams through and drops the rest): erin, on TCP with
# frank, moves to UDP, gets no registration through, and returns to the
# stream she kept (one log line, a "transport" event from udp back to
# tcp) without a "server unreachable"; the membership never moved, so
# frank sees no leave, and the lines erin sends after the return arrive
# intact and in order. ---
rm -f "$T/go" "$T/more"
block || st_fail "short: nft could not block UDP again"
{
	until_in 900 "$T/more" . || exit 0
	_i=1
	while [ $_i -le $N ]; do
		echo "$MARK erin to frank $_i"
		_i=$((_i + 1))
	done
	until_in 300 "$T/go" .
} | P2PCHAT_UDP_PROBE_MS=1000 $NX timeout 120 "$CHAT" \
    --server "127.0.0.1:$P" --name erin --batch -v --linger 10 \
    --tls-port 0 >"$T/erin.out" 2>"$T/erin.err" &
E=$!
ST_PIDS="$ST_PIDS $E"
until_in 100 "$T/erin.out" '"event":"registered".*"transport":"tcp"' ||
    st_fail "short: erin did not register over TCP"
CODE=$(field "$(ev "$T/erin.out" room)" code)
writer "$T/frank.out" erin "frank to erin" "$T/go" |
    $NX timeout 120 "$CHAT" --server "127.0.0.1:$P" --name frank --batch \
    --linger 10 --transport tcp "$CODE" >"$T/frank.out" \
    2>"$T/frank.err" &
F=$!
ST_PIDS="$ST_PIDS $F"
until_in 150 "$T/erin.out" '"event":"joined","peer":"frank"' ||
    st_fail "short: frank did not join"
# Probes (28 bytes of UDP) pass; anything longer is dropped.
$NX timeout 10 nft flush chain inet udpb in &&
    $NX timeout 10 nft add rule inet udpb in udp dport "$P" \
    udp length gt 60 drop || st_fail "short: nft could not narrow the rule"
if until_in 150 "$T/erin.out" \
    '"event":"transport","role":"rendezvous".*"from":"tcp","transport":"udp"'
then
	st_ok "short: erin tries UDP: $(ev "$T/erin.out" transport | tail -n 1)"
else
	st_fail "short: erin did not try UDP: $(ev "$T/erin.out" transport)"
fi
if until_in 450 "$T/erin.out" \
    '"event":"transport","role":"rendezvous".*"from":"udp","transport":"tcp"'
then
	st_ok "short: erin back on TCP: $(ev "$T/erin.out" transport | tail -n 1)"
else
	st_fail "short: erin not back on TCP: $(grep -v 'send\|recv' \
	    "$T/erin.err" | tail -n 20)"
fi
grep -q 'no registration over udp; back to tcp' "$T/erin.err" &&
    st_ok "short: erin: $(grep -m1 'no registration over' "$T/erin.err")" ||
    st_fail "short: erin: no line for the return"
echo go >"$T/more"
until_in 100 "$T/erin.out" "\"event\":\"delivered\",\"to\":\"frank\".*\"line\":$N," ||
    st_fail "short: erin's lines not delivered after the return"
# Until both end, erin has been a member all along.
[ "$(count "$T/frank.out" left)" -eq 0 ] &&
    st_ok "short: frank saw erin stay" ||
    st_fail "short: frank saw: $(ev "$T/frank.out" left)"
echo go >"$T/go"
wait $F
rf=$?
wait $E
re=$?
[ $re -eq 0 ] && [ $rf -eq 0 ] && st_ok "short: both exited 0" ||
    st_fail "short: exit erin $re frank $rf"
[ "$(count "$T/erin.out" server)" -eq 0 ] &&
    st_ok "short: erin never said the server was unreachable" ||
    st_fail "short: erin: $(ev "$T/erin.out" server)"
chat_in_order short "$T/erin.out" erin frank
chat_in_order short "$T/frank.out" frank erin
# --- (d) From TLS: UDP and TCP to the server's port dropped, gina
# registers over TLS; the rule goes, and she moves to UDP the same way. ---
rm -f "$T/go"
{ $NX timeout 10 nft add table inet udpb &&
    $NX timeout 10 nft add chain inet udpb in \
    '{ type filter hook input priority 0; }' &&
    $NX timeout 10 nft add rule inet udpb in meta l4proto '{ tcp, udp }' \
    th dport "$P" drop; } || st_fail "tls: nft could not block UDP and TCP"
until_in 600 "$T/go" . |
    P2PCHAT_UDP_PROBE_MS=1000 $NX timeout 90 "$CHAT" \
    --server "localhost:$P" --name gina --batch -v --linger 0 \
    --tls-port "$TLSP" --ca "$T/cert.pem" >"$T/gina.out" \
    2>"$T/gina.err" &
G=$!
ST_PIDS="$ST_PIDS $G"
if until_in 200 "$T/gina.out" '"event":"registered".*"transport":"tls"'; then
	st_ok "tls: gina registered over TLS, UDP and TCP dropped"
else
	st_fail "tls: gina not registered over TLS: $(grep -v 'send\|recv' \
	    "$T/gina.err" | tail -n 10)"
fi
$NX timeout 10 nft delete table inet udpb ||
    st_fail "tls: nft could not remove the rule"
if until_in 150 "$T/gina.out" \
    '"event":"transport","role":"rendezvous".*"from":"tls","transport":"udp"'
then
	st_ok "tls: gina back on UDP: $(ev "$T/gina.out" transport)"
else
	st_fail "tls: gina not back on UDP: $(ev "$T/gina.out" transport)"
fi
until_in 50 "$T/gina.err" 'registered over udp; closing the stream' &&
    st_ok "tls: the TLS stream closed once registered over UDP" ||
    st_fail "tls: the stream was not closed after registering"
echo go >"$T/go"
wait $G
rg=$?
[ $rg -eq 0 ] && st_ok "tls: gina exited 0" || st_fail "tls: gina exit $rg"
grep -Eq 'Sanitizer|runtime error' "$T/gina.err" &&
    st_fail "tls: gina: sanitizer report"
st_done
