#!/bin/sh
# natlab_file.sh: a p2pchat file transfer across two kernel NATs (port-
# restricted cone on both sides) that drop 10% of the UDP packets they
# forward, both ways.  The file arrives byte-identical in the receiver's
# --accept-dir, over a direct path; both sides report it done, the routers
# did drop packets, and a chat line sent by the receiver in the middle of
# the transfer is delivered while the file is still on its way.
#
# Copyright (c) 2026 The stunkit authors.  See COPYING.
#
# NATLAB_FILE_MB sets the file size (default 4 MiB).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
MB=${NATLAB_FILE_MB:-4}
P_SRV=3478

[ -x "$P2PCHAT" ] || lab_skip "natlab_file: p2pchat not built ($P2PCHAT)"
[ -x "$STUND" ] || lab_skip "natlab_file: stund not built ($STUND)"
for c in mkfifo cmp head; do
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
wait_ev "$LAB_TMP/bob.out" '"event":"room"' 100 ||
    lab_fail "natlab_file: bob printed no room event"
CODE=$(sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p' \
    "$LAB_TMP/bob.out" | head -n 1)
lab_bgio cli alice "$LAB_TMP/alice.in" "$P2PCHAT" \
    --server "$LAB_SRV1:$P_SRV" --name alice --batch --linger 30 \
    --send "$F" "$CODE"

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
# The line was delivered before the file was done.
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
if grep -qE 'Sanitizer|runtime error:' "$LAB_TMP"/*.err 2>/dev/null; then
	fail "sanitizer report"
fi
exec 3>&- 4>&-
lab_down
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_file: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_file: a file crossed two lossy NATs intact"
exit 0
