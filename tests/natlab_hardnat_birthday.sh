#!/bin/sh
# natlab_hardnat_birthday.sh: p2pchat's birthday attempt across the lab.
# alice sits behind a symmetric NAT that gives every flow a random port,
# bob behind a port-restricted cone.  Bob sends a line at once: it must
# be delivered (over the relay if need be) no later than without the
# attempt, and the pair must move to a direct path in at least half of
# the runs (the birthday bound for 256 sockets against 1024 probes over
# 64512 ports is about 98%), the relay carrying the others.  A counter in
# the public namespace shows that every probe (an empty datagram) went to
# the other side's NAT address and nowhere else, no more than 256 from
# alice (one a socket) and 1024 from bob a run.  Under a descriptor limit of 150 alice opens only the 22
# sockets that leave 128 spare, and the chat goes on.  Two random
# symmetric NATs take the relay at once without a single probe.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_HARDNAT_RUNS sets the runs (default 20), NATLAB_HARDNAT_HARD
# alice's NAT type (default symmetric).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
RUNS=${NATLAB_HARDNAT_RUNS:-20}
# alice's NAT: symmetric (random ports) unless set, for instance to
# symmetric-preserving (which p2pchat also meets with the attempt).
HARD=${NATLAB_HARDNAT_HARD:-symmetric}
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
# them, those to each NAT's outside address, and those from neither
# (a NAT that let one out unmapped).  Now and then (about once in 20
# runs, with --no-hard-nat too) one goes from a NAT to a high port of a
# server address; it is not a probe (they are counted by destination,
# and the server addresses are not the peer's), so those are counted
# apart, in srv, and shown.
hb_counters()
{
	lab_nft "$LAB_PUB" <<EOF
table ip hbprobe
delete table ip hbprobe
table ip hbprobe {
	counter any { }
	counter toa { }
	counter tob { }
	counter stray { }
	counter srv { }
	set odd { type ipv4_addr . ipv4_addr . inet_service; size 64; }
	chain pre { type filter hook prerouting priority -300;
		udp length 8 ip daddr != { $LAB_WAN, $LAB_WAN_B } \
		    add @odd { ip saddr . ip daddr . udp dport };
		udp length 8 ip daddr 198.51.100.0/24 counter name srv \
		    return;
		udp length 8 counter name any;
		udp length 8 ip daddr $LAB_WAN counter name toa;
		udp length 8 ip daddr $LAB_WAN_B counter name tob;
		udp length 8 ip saddr != { $LAB_WAN, $LAB_WAN_B } \
		    counter name stray; }
}
EOF
}

# Print counter $1's packets.
hb_count()
{
	ip netns exec "$LAB_PUB" timeout 10 nft list counter ip hbprobe "$1" |
	    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# Where empty datagrams went that did not go to a NAT.
hb_odd()
{
	hb_o=$(ip netns exec "$LAB_PUB" timeout 10 nft list set ip hbprobe \
	    odd | tr -d '\n\t' | sed -n 's/.*elements = {\([^}]*\)}.*/\1/p')
	echo "${hb_o:-none}"
}

# The first direct path event of file $1: its ms, or nothing.
hb_direct_ms()
{
	jq -Rr 'fromjson? | objects | select(.event == "path" and
	    .kind == "direct") | .ms' "$1" 2>/dev/null | head -1
}

# Is path event $1 ("kind plan probes probe_ms ms") on the relay with
# the hard-NAT phase over: a birthday attempt that ran its 3 s, or a plan
# (relay, none) without one?  No plan (null) only counts with
# --no-hard-nat (hb_off set).
hb_over()
{
	set -- $1
	[ "$1" = relay ] || return 1
	case $2 in
	relay|none) return 0 ;;
	null) [ -n "$hb_off" ] ;;
	birthday) [ "${4:-0}" -ge 3000 ] && [ "${4:-0}" -lt 60000 ] ;;
	*) return 1 ;;
	esac
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
	case "$*" in
	*--no-hard-nat*) hb_off=1 ;;
	*) hb_off= ;;
	esac
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
	if chat_wait_line "$LAB_TMP/$hb_l.a.out" '"event":"room"' 100; then
		hb_code=$(jq -Rr 'fromjson? | objects |
		    select(.event == "room") | .code' "$LAB_TMP/$hb_l.a.out" |
		    head -1)
		lab_bgio clib "$hb_l.b" "$hb_r.b.in" "$P2PCHAT" --server \
		    "$LAB_SRV1:$P" --name bob --batch "$@" "$hb_code"
		hb_pb=$LAB_BGPID
		hb_k=0
		while [ $hb_k -lt 90 ]; do
			hb_b=$(chat_hardnat_path "$LAB_TMP/$hb_l.b.out")
			hb_a=$(chat_hardnat_path "$LAB_TMP/$hb_l.a.out")
			hb_d=$(hb_delivered "$LAB_TMP/$hb_l.b.out")
			case "$hb_a/$hb_b/$hb_d" in
			direct*/direct*/?*) break ;;
			esac
			# Both attempts over on the relay (or none at all).
			hb_over "$hb_a" && hb_over "$hb_b" && [ -n "$hb_d" ] &&
			    break
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

lab_up "$HARD" port-restricted-cone
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
echo "--no-hard-nat: $(hb_count srv) empty datagram(s) to a server address"
[ "$(hb_count any)" = 0 ] || {
	echo "FAIL: --no-hard-nat: $(hb_count any) empty datagrams sent:" \
	    "$(hb_odd)"
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
	hb_all=$(hb_count any) hb_ab=$(hb_count tob) hb_ba=$(hb_count toa)
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
		hb_dump "run$i"
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
	# Every probe to the other side's NAT: alice one a socket, bob 1024.
	if [ "$hb_all" -gt 0 ] && [ "$hb_all" -eq $((hb_ab + hb_ba)) ] &&
	    [ "$hb_ab" -le 256 ] && [ "$hb_ba" -le 1024 ]; then
		echo "ok: run $i: $hb_ab empty datagrams to bob's NAT," \
		    "$hb_ba to alice's, none elsewhere" \
		    "($(hb_count stray) left a NAT unmapped," \
		    "$(hb_count srv) to a server address: $(hb_odd))"
	else
		echo "FAIL: run $i: empty datagrams: $hb_all in all, $hb_ab" \
		    "to bob's NAT, $hb_ba to alice's," \
		    "$(hb_count stray) from neither NAT; elsewhere: $(hb_odd)"
		fails=$((fails + 1))
	fi
	[ "$hb_pr" -gt $maxp ] && maxp=$hb_pr
	i=$((i + 1))
done
if [ $((2 * ok)) -ge "$RUNS" ]; then
	echo "ok: $HARD vs port-restricted: direct $ok/$RUNS"
else
	echo "FAIL: $HARD vs port-restricted: direct $ok/$RUNS," \
	    "want half at least"
	fails=$((fails + 1))
fi
[ $ok -gt 0 ] && echo "$HARD vs port-restricted: direct" \
    "$ok/$RUNS, mean $((sum / ok)) ms to the direct path (bob's clock)," \
    "first line delivered at $((dsum / RUNS)) ms mean, $dmax at most" \
    "(relay alone: $relay_ms), at most $maxp probes"

# A low descriptor limit: alice opens what leaves 128 spare (22 of 150)
# and the attempt runs with those, one probe each until one gets
# through; the line still gets through.
printf '#!/bin/sh\nulimit -n 150 || exit 1\nexec "%s" "$@"\n' "$P2PCHAT" \
    >"$LAB_TMP/p2pchat-150"
chmod +x "$LAB_TMP/p2pchat-150"
hb_full=$P2PCHAT
P2PCHAT=$LAB_TMP/p2pchat-150
hb_counters
hb_run fdlimit
P2PCHAT=$hb_full
set -- $hb_a
# One probe a socket, paced: all 22 go out unless a probe got through
# first (the direct path), which ends the attempt.
hb_tob=$(hb_count tob)
if [ "$2" = birthday ] && [ -n "$hb_d" ] && [ "${3:-0}" = "$hb_tob" ] &&
    { [ "$hb_tob" = 22 ] || { [ "$1" = direct ] &&
    [ "$hb_tob" -gt 0 ] && [ "$hb_tob" -lt 22 ]; }; }; then
	echo "ok: descriptor limit 150: alice probed from $hb_tob of 22" \
	    "sockets, ${hb_a%% *} path, line delivered at $hb_d ms"
else
	echo "FAIL: descriptor limit 150: alice: ${hb_a:-no path}," \
	    "$(hb_count tob) empty datagrams to bob's NAT, line delivered" \
	    "at ${hb_d:-never} ms"
	hb_dump fdlimit
	fails=$((fails + 1))
fi

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
