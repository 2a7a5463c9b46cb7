#!/bin/sh
# natlab_file.sh: a p2pchat file transfer across two kernel NATs (port-
# restricted cone on both sides) that drop 10% of the UDP packets they
# forward, both ways.  The file arrives byte-identical in the receiver's
# --accept-dir, over a direct path; both sides report it done, the routers
# did drop packets, and a chat line sent by the receiver in the middle of
# the transfer is delivered while the file is still on its way.
# A second case moves a transfer from one path to another mid-way: with
# UDP between the two NATs dropped, the pair starts on the TURN relay (file
# data towards it policed to NATLAB_FILE_RELAY_KBS kB/s, so that a fast
# relay cannot end the file before the move); once data flows (a progress
# event, sent only for data received) the block is lifted, the path moves
# to direct (in the punch window or at the next recheck round), and the
# file still arrives with the same SHA-256, each side reporting it done,
# the direct path event lying between the first progress and the end.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_FILE_MB sets the file size (default 4 MiB), NATLAB_FILE_MOVE_MB
# the second case's (default 24 MiB).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
MB=${NATLAB_FILE_MB:-4}
MOVE_MB=${NATLAB_FILE_MOVE_MB:-24}
RELAY_KBS=${NATLAB_FILE_RELAY_KBS:-1000}
P_SRV=3478

[ -x "$P2PCHAT" ] || lab_skip "natlab_file: p2pchat not built ($P2PCHAT)"
[ -x "$STUND" ] || lab_skip "natlab_file: stund not built ($STUND)"
for c in mkfifo cmp head sha256sum; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_file: '$c' not found"
done
lab_require

fails=0
ok()
{
	echo "ok: $*"
}
fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# wait_ev FILE PATTERN TENTHS: until a line matches.
wait_ev()
{
	_i=0
	while [ $_i -lt "$3" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --alternate "$LAB_SRV2" --port $P_SRV --alt-port $((P_SRV + 1))
lab_wait_udp pub $P_SRV "$LAB_SRV1" "$LAB_SRV2" ||
    lab_fail "natlab_file: stund did not start"
lab_up port-restricted-cone port-restricted-cone
lab_loss nat 10
lab_loss natb 10

F=$LAB_TMP/file
head -c $((MB * 1048576)) /dev/urandom >"$F" || lab_fail "natlab_file: file"
mkdir "$LAB_TMP/in" && mkfifo "$LAB_TMP/bob.in" "$LAB_TMP/alice.in" ||
    lab_fail "natlab_file: mkfifo"
exec 3<>"$LAB_TMP/bob.in" 4<>"$LAB_TMP/alice.in"

lab_bgio clib bob "$LAB_TMP/bob.in" "$P2PCHAT" --server "$LAB_SRV1:$P_SRV" \
    --name bob --batch --accept-dir "$LAB_TMP/in"
bob_pid=$LAB_BGPID
wait_ev "$LAB_TMP/bob.out" '"event":"room"' 100 ||
    lab_fail "natlab_file: bob printed no room event"
CODE=$(sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p' \
    "$LAB_TMP/bob.out" | head -n 1)
lab_bgio cli alice "$LAB_TMP/alice.in" "$P2PCHAT" \
    --server "$LAB_SRV1:$P_SRV" --name alice --batch --linger 30 \
    --send "$F" "$CODE"
alice_pid=$LAB_BGPID

# A line from bob once data flows: it goes before the file's data.
if wait_ev "$LAB_TMP/bob.out" '"event":"progress"' 600; then
	echo "hello during the transfer" >&3
fi
if wait_ev "$LAB_TMP/bob.out" '"event":"file"' 1800; then
	r=$(grep '"event":"file"' "$LAB_TMP/bob.out" | head -n 1)
	if echo "$r" | grep -q '"result":"done"' &&
	    cmp -s "$F" "$LAB_TMP/in/file"; then
		ok "$MB MiB arrived byte-identical under 10% loss: $r"
	else
		fail "bob: $r"
	fi
else
	fail "bob got no file: $(tail -n 3 "$LAB_TMP/bob.out")"
fi
if grep '"event":"path"' "$LAB_TMP/bob.out" | grep -q '"kind":"direct"'; then
	ok "the path was direct"
else
	fail "no direct path: $(grep '"event":"path"' "$LAB_TMP/bob.out")"
fi
# The line was delivered before the file was done.  Alice learns the
# end from bob's last acknowledgement, which the 10% loss may delay past
# bob's own file event: wait for hers.
wait_ev "$LAB_TMP/alice.out" '"event":"file"' 300
tl=$(sed -n 's/.*"event":"message".*"ms":\([0-9]*\).*/\1/p' \
    "$LAB_TMP/alice.out" | head -n 1)
tf=$(grep '"event":"file"' "$LAB_TMP/alice.out" |
    sed -n 's/.*"ms":\([0-9]*\).*/\1/p' | head -n 1)
if [ -n "$tl" ] && [ -n "$tf" ] && [ "$tl" -lt "$tf" ]; then
	ok "bob's line reached alice at $tl ms, the file ended at $tf ms"
else
	fail "bob's line: at '$tl' ms, file done at '$tf' ms"
fi
if grep '"event":"file"' "$LAB_TMP/alice.out" | grep -q '"result":"done"'
then
	ok "alice saw the transfer done"
else
	fail "alice: $(grep '"event":"file"' "$LAB_TMP/alice.out")"
fi
la=$(lab_loss_count nat) lb=$(lab_loss_count natb)
if [ "${la:-0}" -gt 0 ] && [ "${lb:-0}" -gt 0 ]; then
	ok "the routers dropped $la and $lb UDP packets"
else
	fail "the routers dropped '$la' and '$lb' packets: no loss to survive"
fi
exec 3>&- 4>&-
lab_stop "$bob_pid"
lab_stop "$alice_pid"

# ms NAME PATTERN: the "ms" of the first event of NAME's output matching.
ms()
{
	grep -- "$2" "$LAB_TMP/$1.out" 2>/dev/null | head -n 1 |
	    sed -n 's/.*"ms":\([0-9]*\).*/\1/p'
}

# Case 2: relayed, then direct, in the middle of a transfer.
echo "natlab_file: case relay-direct"
lab_up full-cone full-cone
ip netns exec "$LAB_PUB" nft -f - <<EOF || lab_fail "natlab_file: nft block"
table inet fileblock {
	chain block {
		type filter hook forward priority -10;
		ip saddr $LAB_WAN ip daddr $LAB_WAN_B drop
		ip saddr $LAB_WAN_B ip daddr $LAB_WAN drop
	}
}
EOF
# File data (large datagrams) from alice's NAT to the relay, policed.
lab_nft "$(lab_ns nat)" <<EOF
table ip police {
	chain pol { type filter hook forward priority -10; policy accept;
		ip daddr { $LAB_SRV1, $LAB_SRV2 } meta l4proto udp \
		    meta length > 600 \
		    limit rate over $RELAY_KBS kbytes/second burst 64 kbytes \
		    counter drop; }
}
EOF
F2=$LAB_TMP/file2
head -c $((MOVE_MB * 1048576)) /dev/urandom >"$F2" ||
    lab_fail "natlab_file: file2"
mkdir "$LAB_TMP/in2" && mkfifo "$LAB_TMP/bob2.in" ||
    lab_fail "natlab_file: mkfifo"
exec 3<>"$LAB_TMP/bob2.in"
lab_bgio clib bob2 "$LAB_TMP/bob2.in" "$P2PCHAT" \
    --server "$LAB_SRV1:$P_SRV" --name bob --batch --accept-dir "$LAB_TMP/in2"
wait_ev "$LAB_TMP/bob2.out" '"event":"room"' 100 ||
    lab_fail "natlab_file: bob printed no room event"
CODE=$(sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p' \
    "$LAB_TMP/bob2.out" | head -n 1)
lab_bgio cli alice2 /dev/null "$P2PCHAT" --server "$LAB_SRV1:$P_SRV" \
    --name alice --batch --linger 30 --send "$F2" "$CODE"
moved=0
if wait_ev "$LAB_TMP/bob2.out" '"event":"progress"' 600; then
	ip netns exec "$LAB_PUB" nft delete table inet fileblock ||
	    fail "nft: the block stays"
	moved=1
else
	fail "no progress on the relay: $(tail -n 3 "$LAB_TMP/bob2.out")"
fi
if [ $moved = 1 ] && wait_ev "$LAB_TMP/bob2.out" '"event":"file"' 1800; then
	r=$(grep '"event":"file"' "$LAB_TMP/bob2.out" | head -n 1)
	h1=$(sha256sum <"$F2" | cut -d ' ' -f 1)
	h2=$(sha256sum <"$LAB_TMP/in2/file2" 2>/dev/null | cut -d ' ' -f 1)
	if echo "$r" | grep -q '"result":"done"' && [ "$h1" = "$h2" ]; then
		ok "$MOVE_MB MiB arrived across the path change, SHA-256 $h1"
	else
		fail "bob: $r (SHA-256 $h2, want $h1)"
	fi
else
	fail "bob got no file: $(tail -n 3 "$LAB_TMP/bob2.out")"
fi
paths=$(grep '"event":"path"' "$LAB_TMP/bob2.out" |
    sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p' | tr '\n' ' ')
case $paths in
relay*direct*)	ok "bob's paths: $paths" ;;
*)		fail "bob's paths: '$paths', want relay, then direct" ;;
esac
tp=$(ms bob2 '"event":"progress"')
bp=$(grep '"event":"progress"' "$LAB_TMP/bob2.out" | head -n 1 |
    sed -n 's/.*"bytes":\([0-9]*\).*/\1/p')
td=$(grep '"event":"path"' "$LAB_TMP/bob2.out" | grep '"kind":"direct"' |
    head -n 1 | sed -n 's/.*"ms":\([0-9]*\).*/\1/p')
tf=$(ms bob2 '"event":"file"')
if [ -n "$tp" ] && [ -n "$td" ] && [ -n "$tf" ] && [ "$tp" -le "$td" ] &&
    [ "$td" -lt "$tf" ]; then
	ok "relayed: $bp bytes by $tp ms; direct from $td ms; done at $tf ms"
else
	fail "not mid-way: progress at '$tp', direct at '$td', done at '$tf' ms"
fi
pd=$(ip netns exec "$(lab_ns nat)" timeout 10 nft list chain ip police pol \
    2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
echo "natlab_file: the relay's policer dropped ${pd:-0} packets"
if wait_ev "$LAB_TMP/alice2.out" '"event":"file"' 100 &&
    grep '"event":"file"' "$LAB_TMP/alice2.out" | grep -q '"result":"done"'
then
	ok "alice saw the transfer done"
else
	fail "alice: $(grep '"event":"file"' "$LAB_TMP/alice2.out")"
fi
if grep -qE 'Sanitizer|runtime error:' "$LAB_TMP"/*.err 2>/dev/null; then
	fail "sanitizer report"
fi
exec 3>&-
lab_down
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_file: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_file: files crossed lossy NATs and a path change intact"
exit 0
