#!/bin/sh
# natlab_relaysafe.sh: stund's relay as a public service, in the NAT lab
# with stand-in public peers.  stund runs with no TURN option at all; two
# rendezvous members (tests/rdvturn) on public addresses get their relay
# credential with the rendezvous.  A credential relays to the other
# member's server-reflexive and relayed addresses (relay to relay) and
# to nothing else: not to a stranger, not to another port of the member's
# IP (permission, channel, Send), not from another source port, not
# after the member left; its allocation ends when its member leaves.
# Then, with a users file: one source flooding with one user gets 64
# allocations and 486 for the rest, while another user from another
# source still allocates and relays to a public peer but not to the
# server host's own addresses.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

STUND=${STUND:-$top_builddir/stund/stund}
RDVTURN=${RDVTURN:-$top_builddir/tests/rdvturn}

[ -x "$STUND" ] || lab_skip "natlab_relaysafe: stund not built ($STUND)"
[ -x "$RDVTURN" ] || lab_skip "natlab_relaysafe: rdvturn not built"
lab_require

P_SRV=3478
MPORT=9478
ROOM=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
STRANGER=203.0.113.195		# a public host that is no member
SINKP=7777
fails=0

# check DESC CMD...: ok when CMD succeeds.
check()
{
	_d=$1
	shift
	if "$@"; then r_ok "$_d"; else r_fail "$_d"; fi
}

# wait_line FILE ERE [TENTHS]: until a line of FILE matches (5 s).
wait_line()
{
	_i=0
	while [ $_i -lt "${3:-50}" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# lines FILE ERE: how many lines match.
lines()
{
	grep -Ec -- "$2" "$1" 2>/dev/null
}

# log_field FILE ERE KEY: the value of KEY= on the first matching line.
log_field()
{
	grep -E -- "$2" "$1" 2>/dev/null | head -n 1 |
	    sed -n "s/.* $3=\\([^ ]*\\).*/\\1/p"
}

# metric NAME: its value from stund's metrics (empty without a client).
metric()
{
	if command -v curl >/dev/null 2>&1; then
		lab_run pub 5 curl -s "http://127.0.0.1:$MPORT/metrics"
	elif command -v wget >/dev/null 2>&1; then
		lab_run pub 5 wget -q -O - "http://127.0.0.1:$MPORT/metrics"
	fi | awk -v n="$1" '$1 == n { print $2 }'
}

# member NS NAME ADDR FD [-e]: a rdvturn member reading commands from a
# fifo that this shell holds open on FD.
member()
{
	mkfifo "$LAB_TMP/$2.in" || lab_fail "mkfifo"
	lab_bgio "$1" "$2" "$LAB_TMP/$2.in" "$RDVTURN" -r "$ROOM" -n "$2" \
	    -b "$3" $5 -t 120 "$LAB_SRV1:$P_SRV"
	eval "exec $4>\"\$LAB_TMP/\$2.in\""
}

# stund_up NAME ARGS...: stund in the public namespace, its log NAME.log.
stund_up()
{
	_n=$1
	shift
	lab_bg pub "$_n" "$STUND" --foreground --primary "$LAB_SRV1" \
	    --port $P_SRV --metrics "127.0.0.1:$MPORT" "$@"
	STUND_PID=$LAB_BGPID
	lab_wait_udp pub $P_SRV "$LAB_SRV1" ||
	    lab_fail "natlab_relaysafe: stund did not start:" \
	    "$(tail -3 "$LAB_TMP/$_n.log")"
}

tstart=$(lab_ms)
lab_pub_up
lab_up open open
ip -n "$LAB_CLI_B" addr add "$STRANGER/26" dev eth0 ||
    lab_fail "natlab_relaysafe: no stranger address"
A=$LAB_CLIENT
B=$LAB_CLIENT_B

# 1. A bare stund: the rendezvous and its relay, nothing configured.
stund_up stund
check "a bare stund serves TURN" grep -q 'turn on' "$LAB_TMP/stund.log"
lab_bg clib sink-mip "$RDVTURN" -S "$B:$SINKP" -t 120
lab_bg clib sink-str "$RDVTURN" -S "$STRANGER:$SINKP" -t 120
member clib bob "$B" 4 -e
member cli alice "$A" 3
BO=$LAB_TMP/bob.out
AO=$LAB_TMP/alice.out
wait_line "$AO" '^joined .*relay-user=[0-9]+:rdv-' &&
    wait_line "$BO" '^joined .*relay-user=[0-9]+:rdv-' ||
    lab_fail "natlab_relaysafe: no credential with the rendezvous:" \
    "$(cat "$AO" "$BO")"
r_ok "both members got a relay credential from the rendezvous"
echo alloc >&4
echo alloc >&3
wait_line "$AO" "^allocated relayed=$LAB_SRV1:" &&
    wait_line "$BO" "^allocated relayed=$LAB_SRV1:" ||
    lab_fail "natlab_relaysafe: no allocation: $(tail -3 "$AO")"
AR=$(log_field "$AO" '^allocated' relayed)
BR=$(log_field "$BO" '^allocated' relayed)
BS=$(log_field "$BO" '^joined' mapped)
r_ok "allocated from the members' own sockets: alice $AR, bob $BR"

# A stranger: channel, permission, Send.
echo "chan $STRANGER:$SINKP" >&3
check "channel to a stranger: 403" wait_line "$AO" \
    "^chan-failed peer=$STRANGER:$SINKP code=403"
echo "perm $STRANGER:$SINKP" >&3
check "permission for a stranger: 403" wait_line "$AO" \
    "^perm-failed peer=$STRANGER:$SINKP code=403"
echo "send $STRANGER:$SINKP 5" >&3
# bob's server-reflexive address, then another port of his IP.
echo "perm $BS" >&3
check "permission for bob's server-reflexive address" wait_line "$AO" \
    "^perm-ok peer=$BS"
echo "send $B:$SINKP 5" >&3
echo "chan $B:$SINKP" >&3
check "channel to another port of bob's IP: 403" wait_line "$AO" \
    "^chan-failed peer=$B:$SINKP code=403"
echo "send $BS 3" >&3
check "bob hears alice's relay at his own address" wait_line "$BO" \
    "^direct from=$AR .*text=rdvturn-alice-2"
check "alice hears bob's answers through her relay" wait_line "$AO" \
    "^data from=$BS .*text=rdvturn-alice-2"
sleep 1
n=$(lines "$LAB_TMP/sink-str.log" '^sink ')
[ "$n" -eq 0 ] && r_ok "the stranger received nothing" ||
    r_fail "the stranger received $n datagrams"
n=$(lines "$LAB_TMP/sink-mip.log" '^sink ')
[ "$n" -eq 0 ] && r_ok "the other port of bob's IP received nothing" ||
    r_fail "the other port of bob's IP received $n datagrams"

# Relay to relay: both relayed here.
echo "perm $AR" >&4
wait_line "$BO" "^perm-ok peer=$AR" || r_fail "bob: no permission for $AR"
echo "chan $BR" >&3
check "channel to bob's relayed address" wait_line "$AO" \
    "^chan-ok peer=$BR"
echo "send $BR 3" >&3
check "bob gets alice's datagrams relay to relay" wait_line "$BO" \
    "^data from=$AR .*text=rdvturn-alice-2"
check "alice gets bob's answers relay to relay, on her channel" \
    wait_line "$AO" "^data from=$BR channel=0x4.*text=rdvturn-alice-2"

# Not from another source port.
echo alloc2 >&3
check "the credential from another socket: 403" wait_line "$AO" \
    "^alloc2 alloc-failed code=403"

# bob leaves: nothing reaches his addresses, his allocation ends.
ndirect=$(lines "$BO" '^direct ')
ndata=$(lines "$BO" '^data ')
echo leave >&4
wait_line "$BO" '^left$' || r_fail "bob did not leave"
sleep 1
echo "send $BS 3" >&3
echo "send $BR 3" >&3
echo "chan $BS" >&3
check "after bob left: channel to his address 403" wait_line "$AO" \
    "^chan-failed peer=$BS code=403"
sleep 1
[ "$(lines "$BO" '^direct ')" -eq "$ndirect" ] &&
    [ "$(lines "$BO" '^data ')" -eq "$ndata" ] &&
    r_ok "after bob left: nothing relayed to him" ||
    r_fail "after bob left: $(lines "$BO" '^direct ') direct and" \
    "$(lines "$BO" '^data ') relayed datagrams (had $ndirect, $ndata)"
echo leave >&3
wait_line "$AO" '^left$' || r_fail "alice did not leave"
sleep 1.5
v=$(metric stund_turn_allocations)
if [ -z "$v" ]; then
	echo "INFO: no curl or wget: metrics not checked"
else
	[ "$v" = 0 ] && r_ok "both allocations ended with their members" ||
	    r_fail "stund_turn_allocations is $v after both left"
	v=$(metric stund_turn_rendezvous_ended_total)
	[ "${v:-0}" -ge 1 ] &&
	    r_ok "stund_turn_rendezvous_ended_total $v" ||
	    r_fail "stund_turn_rendezvous_ended_total '$v'"
	v=$(metric stund_turn_rendezvous_refused_total)
	[ "${v:-0}" -eq 1 ] &&
	    r_ok "stund_turn_rendezvous_refused_total $v (alloc2)" ||
	    r_fail "stund_turn_rendezvous_refused_total '$v', want 1"
fi
echo quit >&3
echo quit >&4
exec 3>&- 4>&-
lab_stop "$STUND_PID"

# 2. Default caps, with a users file.
printf 'mallory:m4ll0ry\ncarol:c4rol\n' >"$LAB_TMP/users"
stund_up stund2 --user-file "$LAB_TMP/users" --realm natlab.test
lab_bg cli flood "$RDVTURN" -A 100 -u mallory -w m4ll0ry -b "$A" -t 60 \
    "$LAB_SRV1:$P_SRV"
FL=$LAB_TMP/flood.log
wait_line "$FL" '^flood ' 150 || r_fail "flood: no summary"
check "one source, one user, 100 Allocates: 64 then 486" \
    grep -q '^flood ok=64 q486=36 q508=0 other=0$' "$FL"
sed 's/^/  | /' "$FL"
mkfifo "$LAB_TMP/carol.in"
lab_bgio clib carol "$LAB_TMP/carol.in" "$RDVTURN" -u carol -w c4rol \
    -b "$B" -t 60 "$LAB_SRV1:$P_SRV"
exec 5>"$LAB_TMP/carol.in"
CO=$LAB_TMP/carol.out
echo alloc >&5
check "a user from elsewhere still allocates" wait_line "$CO" \
    "^allocated relayed=$LAB_SRV1:"
echo "perm $STRANGER:$SINKP" >&5
wait_line "$CO" "^perm-ok peer=$STRANGER" || r_fail "carol: no permission"
echo "send $STRANGER:$SINKP 3" >&5
check "carol relays to a public peer" wait_line "$CO" \
    "^data from=$STRANGER:$SINKP .*text=rdvturn-rdvturn-2"
for h in "$LAB_SRV2:$P_SRV" "$LAB_SRV1:$P_SRV" "$LAB_PUBGW:53"; do
	echo "perm $h" >&5
	check "the server host's own $h: 403" wait_line "$CO" \
	    "^perm-failed peer=$h code=403"
done
echo quit >&5
exec 5>&-

lab_down
cat "$LAB_TMP/stund.log" "$LAB_TMP/stund2.log" |
    grep -qE 'Sanitizer|runtime error:' && r_fail "stund: sanitizer report"
echo "natlab_relaysafe: run time $(( ($(lab_ms) - tstart) / 1000 )) s"
if [ $fails -ne 0 ]; then
	for f in alice.out bob.out carol.out stund.log stund2.log; do
		tail -n 8 "$LAB_TMP/$f" 2>/dev/null | sed "s|^|  $f: |"
	done
	echo "FAIL: natlab_relaysafe: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_relaysafe: the relay reaches members only, and the" \
    "caps hold"
exit 0
