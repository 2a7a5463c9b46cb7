#!/bin/sh
# natlab_hardnat_birthday.sh: p2pchat's birthday attempt across the lab.
# alice sits behind a symmetric NAT that gives every flow a random port,
# bob behind a port-restricted cone.  Bob sends a line at once: it must
# be delivered (over the relay if need be) no later than without the
# attempt, and the pair must move to a direct path in at least half of
# the runs (the birthday bound for 256 sockets against 256 probes over
# 64512 ports is about 63%), the relay carrying the others.  A counter in
# the public namespace shows that every probe (an empty datagram) went
# from one NAT's outside address to the other's and nowhere else, and no
# more than 256 per side and run.  Two random symmetric NATs take the
# relay at once without a single probe.
#
# Copyright (c) 2026 The stunkit authors.  See COPYING.
#
# NATLAB_HARDNAT_RUNS sets the runs (default 20).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
RUNS=${NATLAB_HARDNAT_RUNS:-20}
# The relay fallback's delivery time, plus this much (ms), bounds the
# first line's delivery in a run with the attempt: the control runs and
# the attempt's runs share two loaded cores with other work.
SLACK=500

[ -x "$P2PCHAT" ] || lab_skip "natlab_hardnat_birthday: p2pchat not built"
[ -x "$STUND" ] || lab_skip "natlab_hardnat_birthday: stund not built"
for c in jq mkfifo; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_hardnat_birthday: '$c' not found"
done
lab_require

P=3478
fails=0

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --alternate "$LAB_SRV2" --port $P --alt-port $((P + 1))
lab_wait_udp pub $P "$LAB_SRV1" "$LAB_SRV2" ||
    lab_fail "natlab_hardnat_birthday: stund did not start"

# Empty UDP datagrams (the probes) entering the public namespace: all of
# them, and those from one NAT's outside address to the other's.
hb_counters()
{
	lab_nft "$LAB_PUB" <<EOF
table ip hbprobe
delete table ip hbprobe
table ip hbprobe {
	counter any { }
	counter ab { }
	counter ba { }
	chain pre { type filter hook prerouting priority -300;
		udp length 8 counter name any;
		udp length 8 ip saddr $LAB_WAN ip daddr $LAB_WAN_B \
		    counter name ab;
		udp length 8 ip saddr $LAB_WAN_B ip daddr $LAB_WAN \
		    counter name ba; }
}
EOF
}

# Print counter $1's packets.
hb_count()
{
	ip netns exec "$LAB_PUB" timeout 10 nft list counter ip hbprobe "$1" |
	    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# Wait up to $3 tenths until file $1 has a line matching $2.
hb_wait()
{
	hb_k=0
	while [ $hb_k -lt "$3" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		hb_k=$((hb_k + 1))
	done
	return 1
}

# The last path event of file $1: "kind plan probes probe_ms ms".
hb_path()
{
	jq -Rr 'fromjson? | objects | select(.event == "path") |
	    "\(.kind) \(.hard_nat) \(.probes) \(.probe_ms) \(.ms)"' "$1" \
	    2>/dev/null | tail -1
}

# The first direct path event of file $1: its ms, or nothing.
hb_direct_ms()
{
	jq -Rr 'fromjson? | objects | select(.event == "path" and
	    .kind == "direct") | .ms' "$1" 2>/dev/null | head -1
}

# When bob's first line was delivered (ms from his start), or nothing.
hb_delivered()
{
	jq -Rr 'fromjson? | objects | select(.event == "delivered") | .ms' \
	    "$1" 2>/dev/null | head -1
}

# One run: hb_run LABEL [p2pchat options].  Sets hb_a and hb_b (alice's
# and bob's last path events) and hb_d (bob's delivery, ms).  Bob sends a
# line as he starts; the run ends once both are direct and the line is
# delivered, or after 9 s (the attempt lasts 3).
hb_run()
{
	hb_l=$1; shift
	hb_r=$LAB_TMP/$hb_l
	mkfifo "$hb_r.a.in" "$hb_r.b.in" ||
	    lab_fail "natlab_hardnat_birthday: mkfifo"
	sleep 14 >"$hb_r.a.in" &
	hb_wa=$!
	{ echo "first line from bob"; sleep 12; } >"$hb_r.b.in" &
	hb_wb=$!
	lab_bgio cli "$hb_l.a" "$hb_r.a.in" "$P2PCHAT" --server \
	    "$LAB_SRV1:$P" --name alice --batch "$@"
	hb_pa=$LAB_BGPID
	hb_a= hb_b= hb_d=
	if hb_wait "$LAB_TMP/$hb_l.a.out" '"event":"room"' 100; then
		hb_code=$(jq -Rr 'fromjson? | objects |
		    select(.event == "room") | .code' "$LAB_TMP/$hb_l.a.out" |
		    head -1)
		lab_bgio clib "$hb_l.b" "$hb_r.b.in" "$P2PCHAT" --server \
		    "$LAB_SRV1:$P" --name bob --batch "$@" "$hb_code"
		hb_pb=$LAB_BGPID
		hb_k=0
		while [ $hb_k -lt 90 ]; do
			hb_b=$(hb_path "$LAB_TMP/$hb_l.b.out")
			hb_a=$(hb_path "$LAB_TMP/$hb_l.a.out")
			hb_d=$(hb_delivered "$LAB_TMP/$hb_l.b.out")
			case "$hb_a/$hb_b/$hb_d" in
			direct*/direct*/?*) break ;;
			esac
			sleep 0.1
			hb_k=$((hb_k + 1))
		done
		lab_stop "$hb_pb"
	fi
	lab_stop "$hb_pa"
	kill "$hb_wa" "$hb_wb" 2>/dev/null
	wait "$hb_wa" "$hb_wb" 2>/dev/null
	rm -f "$hb_r.a.in" "$hb_r.b.in"
}

hb_dump()
{
	for s in a b; do
		grep -E '"(nat|path|delivered)"' "$LAB_TMP/$1.$s.out" |
		    sed "s/^/  $s| /"
		tail -3 "$LAB_TMP/$1.$s.err" | sed "s/^/  $s.err| /"
	done
}

lab_up symmetric port-restricted-cone
hb_counters

# Without the attempt: the relay, and when the first line gets through.
relay_ms=0
for c in 1 2; do
	hb_run "off$c" --no-hard-nat
	case $hb_b/$hb_d in
	relay*/?*)
		[ "$hb_d" -gt $relay_ms ] && relay_ms=$hb_d
		echo "ok: --no-hard-nat: relay, first line delivered at" \
		    "$hb_d ms" ;;
	*)	echo "FAIL: --no-hard-nat: bob: ${hb_b:-no path}, first line" \
		    "delivered at ${hb_d:-never}"
		hb_dump "off$c"
		fails=$((fails + 1)) ;;
	esac
done
[ "$(hb_count any)" = 0 ] || {
	echo "FAIL: --no-hard-nat: $(hb_count any) empty datagrams sent"
	fails=$((fails + 1))
}

ok=0 sum=0 dsum=0 maxp=0 dmax=0
i=1
while [ $i -le "$RUNS" ]; do
	hb_counters
	hb_run "run$i"
	set -- $hb_b
	hb_pl=$2 hb_pr=${3:-0}
	set -- $hb_a
	hb_apr=${3:-0}
	hb_all=$(hb_count any) hb_ab=$(hb_count ab) hb_ba=$(hb_count ba)
	hb_dm=$(hb_direct_ms "$LAB_TMP/run$i.b.out")
	case "${hb_a%% *}/${hb_b%% *}" in
	direct/direct)
		ok=$((ok + 1))
		sum=$((sum + hb_dm))
		echo "ok: run $i: direct at $hb_dm ms (bob); bob $hb_pr," \
		    "alice $hb_apr probes; line delivered at $hb_d ms" ;;
	relay/relay)
		echo "ok: run $i: relay (no hit); bob $hb_pr, alice $hb_apr" \
		    "probes; line delivered at $hb_d ms" ;;
	*)	echo "FAIL: run $i: alice: ${hb_a:-no path}; bob:" \
		    "${hb_b:-no path}"
		hb_dump "run$i"
		fails=$((fails + 1)) ;;
	esac
	if [ "$hb_pl" != birthday ]; then
		echo "FAIL: run $i: bob's plan is ${hb_pl:-none}, not birthday"
		fails=$((fails + 1))
	fi
	if [ -z "$hb_d" ] || [ "$hb_d" -gt $((relay_ms + SLACK)) ]; then
		echo "FAIL: run $i: first line delivered at ${hb_d:-never} ms," \
		    "the relay alone took $relay_ms"
		hb_dump "run$i"
		fails=$((fails + 1))
	else
		dsum=$((dsum + hb_d))
		[ "$hb_d" -gt $dmax ] && dmax=$hb_d
	fi
	# Every probe between the two NATs, at most 256 from each side.
	if [ "$hb_all" -gt 0 ] && [ "$hb_all" -eq $((hb_ab + hb_ba)) ] &&
	    [ "$hb_ab" -le 256 ] && [ "$hb_ba" -le 256 ]; then
		echo "ok: run $i: $hb_ab empty datagrams alice's NAT to bob's," \
		    "$hb_ba back, none elsewhere"
	else
		echo "FAIL: run $i: empty datagrams: $hb_all in all, $hb_ab" \
		    "alice's NAT to bob's, $hb_ba back"
		fails=$((fails + 1))
	fi
	[ "$hb_pr" -gt $maxp ] && maxp=$hb_pr
	i=$((i + 1))
done
if [ $((2 * ok)) -ge "$RUNS" ]; then
	echo "ok: random symmetric vs port-restricted: direct $ok/$RUNS"
else
	echo "FAIL: random symmetric vs port-restricted: direct $ok/$RUNS," \
	    "want half at least"
	fails=$((fails + 1))
fi
[ $ok -gt 0 ] && echo "random symmetric vs port-restricted: direct" \
    "$ok/$RUNS, mean $((sum / ok)) ms to the direct path (bob's clock)," \
    "first line delivered at $((dsum / RUNS)) ms mean, $dmax at most" \
    "(relay alone: $relay_ms), at most $maxp probes"

# Two random symmetric NATs: the relay at once, no probe from either.
lab_up symmetric symmetric
hb_counters
hb_run symsym
set -- $hb_b
if [ "$1" = relay ] && [ "$2" = relay ] && [ "$3" = 0 ] &&
    [ "${hb_a%% *}" = relay ] && [ "$(hb_count any)" = 0 ]; then
	echo "ok: symmetric vs symmetric: relay, plan relay, no probe"
else
	echo "FAIL: symmetric vs symmetric: alice: ${hb_a:-no path};" \
	    "bob: ${hb_b:-no path}; $(hb_count any) empty datagrams"
	fails=$((fails + 1))
fi
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_hardnat_birthday: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_hardnat_birthday"
exit 0
