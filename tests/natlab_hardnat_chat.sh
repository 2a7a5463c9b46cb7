#!/bin/sh
# natlab_hardnat_chat.sh: p2pchat's hard-NAT phase across the lab.  alice
# sits behind a symmetric NAT that allocates ports in sequence, bob behind
# a port-restricted cone: without the phase the pair has no direct path
# (the relay carries it); with it bob probes the ports alice's NAT maps
# next and the pair goes direct, every run.  Two symmetric NATs take the
# relay with no probe at all.  The path event tells the plan, the probes
# and how long they ran.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_HARDNAT_RUNS sets the runs (default 20).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
RUNS=${NATLAB_HARDNAT_RUNS:-20}

[ -x "$P2PCHAT" ] || lab_skip "natlab_hardnat_chat: p2pchat not built"
[ -x "$STUND" ] || lab_skip "natlab_hardnat_chat: stund not built"
for c in jq mkfifo; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_hardnat_chat: '$c' not found"
done
lab_require

P=3478
fails=0

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --alternate "$LAB_SRV2" --port $P --alt-port $((P + 1))
lab_wait_udp pub $P "$LAB_SRV1" "$LAB_SRV2" ||
    lab_fail "natlab_hardnat_chat: stund did not start"
lab_up symmetric-sequential port-restricted-cone

# One run: hc_run LABEL [p2pchat options]; sets hc_a and hc_b (bob's
# and alice's last path events).
hc_run()
{
	hc_l=$1; shift
	hc_r=$LAB_TMP/$hc_l
	mkfifo "$hc_r.a.in" "$hc_r.b.in" ||
	    lab_fail "natlab_hardnat_chat: mkfifo"
	sleep 12 >"$hc_r.a.in" &
	hc_wa=$!
	sleep 10 >"$hc_r.b.in" &
	hc_wb=$!
	lab_bgio cli "$hc_l.a" "$hc_r.a.in" "$P2PCHAT" --server \
	    "$LAB_SRV1:$P" --name alice --batch "$@"
	hc_pa=$LAB_BGPID
	hc_a= hc_b=
	if chat_wait_line "$LAB_TMP/$hc_l.a.out" '"event":"room"' 100; then
		hc_code=$(jq -Rr 'fromjson? | objects |
		    select(.event == "room") | .code' "$LAB_TMP/$hc_l.a.out" |
		    head -1)
		lab_bgio clib "$hc_l.b" "$hc_r.b.in" "$P2PCHAT" --server \
		    "$LAB_SRV1:$P" --name bob --batch "$@" "$hc_code"
		hc_pb=$LAB_BGPID
		# Direct within 8 s, or whatever there is by then.
		hc_k=0
		while [ $hc_k -lt 80 ]; do
			hc_b=$(chat_hardnat_path "$LAB_TMP/$hc_l.b.out")
			hc_a=$(chat_hardnat_path "$LAB_TMP/$hc_l.a.out")
			case "$hc_a/$hc_b" in
			direct*/direct*) break ;;
			esac
			sleep 0.1
			hc_k=$((hc_k + 1))
		done
		lab_stop "$hc_pb"
	fi
	lab_stop "$hc_pa"
	kill "$hc_wa" "$hc_wb" 2>/dev/null
	wait "$hc_wa" "$hc_wb" 2>/dev/null
	rm -f "$hc_r.a.in" "$hc_r.b.in"
}

# Without the phase: no direct path (the control).
hc_run off --no-hard-nat
case $hc_b in
direct*) echo "FAIL: --no-hard-nat: direct anyway ($hc_b): the lab" \
    "does not need the phase"; fails=$((fails + 1)) ;;
*) echo "ok: --no-hard-nat: no direct path (bob: ${hc_b:-none})" ;;
esac

ok=0 sum=0 maxp=0
i=1
while [ $i -le "$RUNS" ]; do
	hc_run "run$i"
	set -- $hc_b
	if [ "$1" = direct ] && [ "${hc_a%% *}" = direct ] &&
	    [ "$2" = predict ]; then
		ok=$((ok + 1))
		sum=$((sum + $5))
		[ "$3" -gt $maxp ] && maxp=$3
		echo "ok: run $i: direct; bob: plan $2, $3 probes over $4 ms," \
		    "path at $5 ms"
	else
		echo "FAIL: run $i: alice: ${hc_a:-no path}; bob: ${hc_b:-no path}"
		for s in a b; do
			grep -E '"(nat|path)"' "$LAB_TMP/run$i.$s.out" |
			    sed "s/^/  $s| /"
			tail -3 "$LAB_TMP/run$i.$s.err" | sed "s/^/  $s.err| /"
		done
		fails=$((fails + 1))
	fi
	case ${3:-0} in
	''|*[!0-9]*) ;;
	*) [ "$3" -le 256 ] || {
		echo "FAIL: run $i: $3 probes"
		fails=$((fails + 1))
	} ;;
	esac
	i=$((i + 1))
done
[ $ok -gt 0 ] && echo "sequential vs port-restricted: direct $ok/$RUNS," \
    "mean $((sum / ok)) ms to the path (bob's clock), at most $maxp probes"

# Two symmetric NATs: the relay at once, no probe from either side.
lab_up symmetric symmetric
hc_run symsym
set -- $hc_b
if [ "$1" = relay ] && [ "$2" = relay ] && [ "$3" = 0 ] &&
    [ "${hc_a%% *}" = relay ]; then
	echo "ok: symmetric vs symmetric: relay, plan relay, no probe"
else
	echo "FAIL: symmetric vs symmetric: alice: ${hc_a:-no path};" \
	    "bob: ${hc_b:-no path}"
	fails=$((fails + 1))
fi
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_hardnat_chat: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_hardnat_chat: direct in every run"
exit 0
