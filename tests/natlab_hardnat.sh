#!/bin/sh
# natlab_hardnat.sh: libstun's hard-NAT machine across real kernel NATs.
# Two tests/hardpoke processes, one behind a symmetric NAT (cli) and one
# behind a port-restricted cone or another symmetric NAT (clib), learn
# their mappings from our stund, swap them, and run the plan the machine
# picks from their NAT essentials: port prediction against a sequential
# or port-preserving NAT must get through every run, the birthday attempt
# against a random one in at least half of them, and two symmetric NATs
# must give up at once without a probe.  Every run stays within 1024
# probes and 256 sockets a side, and the hard side's router sees no UDP
# leave for any address but the peer's NAT and the STUN server.  The
# table at the end gives the success rates and times.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_HARDNAT_RUNS sets the runs per case (default 20),
# NATLAB_HARDNAT_CASES picks cases by label.  The birthday attempt gets
# through with a probability of about 1 - (1 - 256/64512)^1024 = 0.98 a
# run (256 sockets against 1024 probes), so "half of 20" failing by
# chance alone is far less likely than one in a million.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

HARDPOKE=${HARDPOKE:-$top_builddir/tests/hardpoke}
STUND=${STUND:-$top_builddir/stund/stund}
RUNS=${NATLAB_HARDNAT_RUNS:-20}
CASES=${NATLAB_HARDNAT_CASES:-"seq-prc pres-prc rand-prc rand-rand"}

[ -x "$HARDPOKE" ] || lab_skip "natlab_hardnat: hardpoke not built ($HARDPOKE)"
[ -x "$STUND" ] || lab_skip "natlab_hardnat: stund not built ($STUND)"
lab_require

P=3478
fails=0
table=

# NAT essentials as hardpoke takes them: mapping, filtering, pattern,
# delta (libstun/nat.h numbers), what natlab_hardnat_probe.sh proves
# natprobe and p2pchat measure for each type.
ess()
{
	case $1 in
	port-restricted-cone) echo 1,3,2,0 ;;
	symmetric) echo 3,3,4,0 ;;
	symmetric-sequential) echo 3,3,3,1 ;;
	symmetric-preserving) echo 3,3,2,0 ;;
	esac
}

# Count UDP the hard side's router forwards from its client to anything
# but the peer's NAT and the STUN server's addresses.
audit_on()
{
	lab_nft "$LAB_NAT" <<EOT
table ip audit {
	chain leak { type filter hook forward priority 10; policy accept;
		iifname "lan0" meta l4proto udp ip daddr != { $LAB_WAN_B, \
		    $LAB_SRV1, $LAB_SRV2 } counter; }
}
EOT
}

audit_count()
{
	ip netns exec "$LAB_NAT" timeout 10 nft list chain ip audit leak \
	    2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# One case: hard TYPE_A (cli) against TYPE_B (clib); MODE all, half or
# relay: how many runs must get through.  Its variables are hn_*: the
# lab's functions use _i, _p and friends.
hn_case()
{
	hn_l=$1 hn_ta=$2 hn_tb=$3 hn_mode=$4
	hn_res=
	[ "$hn_ta" = symmetric-preserving ] && hn_res=--reserve
	lab_up "$hn_ta" "$hn_tb"
	audit_on
	hn_ok=0 hn_okms=0 hn_maxp=0 hn_maxs=0 hn_plans= hn_i=1 hn_bad=0
	while [ $hn_i -le "$RUNS" ]; do
		hn_r=$LAB_TMP/$hn_l.$hn_i
		# Each run is a new client, one the NAT has not met.  The
		# port-preserving NAT remembers for 120 s every inside port
		# that went out; a socket that the kernel gives a port freed
		# by an earlier run counts as that old socket's next flow and
		# is mapped at random (1 run in about 150 measured).
		if [ "$hn_ta" = symmetric-preserving ]; then
			ip netns exec "$LAB_NAT" timeout 10 \
			    nft flush set ip lab used ||
			    lab_fail "natlab_hardnat: the NAT cannot forget"
		fi
		rm -f "$hn_r".a.addr "$hn_r".b.addr
		lab_bg cli "$hn_l.$hn_i.a" "$HARDPOKE" --server "$LAB_SRV1:$P" \
		    --self "$(ess "$hn_ta")" --peer "$(ess "$hn_tb")" \
		    --out "$hn_r.a.addr" --in "$hn_r.b.addr" $hn_res
		hn_pa=$LAB_BGPID
		lab_bg clib "$hn_l.$hn_i.b" "$HARDPOKE" --server "$LAB_SRV1:$P" \
		    --self "$(ess "$hn_tb")" --peer "$(ess "$hn_ta")" \
		    --out "$hn_r.b.addr" --in "$hn_r.a.addr"
		hn_pb=$LAB_BGPID
		for hn_p in $hn_pa $hn_pb; do
			hn_w=0
			while kill -0 "$hn_p" 2>/dev/null && [ $hn_w -lt 200 ]; do
				sleep 0.1
				hn_w=$((hn_w + 1))
			done
			lab_stop "$hn_p"
		done
		hn_a=$(grep '^plan=' "$LAB_TMP/$hn_l.$hn_i.a.log")
		hn_b=$(grep '^plan=' "$LAB_TMP/$hn_l.$hn_i.b.log")
		if [ -z "$hn_a" ] || [ -z "$hn_b" ]; then
			echo "FAIL: $hn_l: run $hn_i: no report"
			sed 's/^/  a| /' "$LAB_TMP/$hn_l.$hn_i.a.log" | head -5
			sed 's/^/  b| /' "$LAB_TMP/$hn_l.$hn_i.b.log" | head -5
			hn_bad=$((hn_bad + 1))
			hn_i=$((hn_i + 1))
			continue
		fi
		hn_fa=$(echo "$hn_a" | sed 's/.*found=\([0-9]*\).*/\1/')
		hn_fb=$(echo "$hn_b" | sed 's/.*found=\([0-9]*\).*/\1/')
		for hn_x in "$hn_a" "$hn_b"; do
			hn_pr=$(echo "$hn_x" | sed 's/.*probes=\([0-9]*\).*/\1/')
			hn_so=$(echo "$hn_x" | sed 's/.*socks=\([0-9]*\).*/\1/')
			[ "$hn_pr" -gt $hn_maxp ] && hn_maxp=$hn_pr
			[ "$hn_so" -gt $hn_maxs ] && hn_maxs=$hn_so
		done
		hn_plans="$hn_plans $(echo "$hn_a" | sed 's/plan=\([a-z]*\).*/\1/')"
		if [ "$hn_fa" = 1 ] && [ "$hn_fb" = 1 ]; then
			hn_ok=$((hn_ok + 1))
			hn_ms=$(echo "$hn_b" | sed 's/.*ms=\([0-9]*\).*/\1/')
			hn_okms=$((hn_okms + hn_ms))
		fi
		echo "$hn_l: run $hn_i: a: $hn_a"
		echo "$hn_l: run $hn_i: b: $hn_b"
		hn_i=$((hn_i + 1))
	done
	hn_plan=$(echo "$hn_plans" | tr ' ' '\n' | sort -u | grep . |
	    tr '\n' ' ' | sed 's/ $//')
	hn_avg=-
	[ $hn_ok -gt 0 ] && hn_avg=$((hn_okms / hn_ok))
	hn_leak=$(audit_count)
	hn_why=
	[ $hn_bad -eq 0 ] || hn_why="$hn_why $hn_bad run(s) without a report"
	[ "$hn_maxp" -le 1024 ] ||
	    hn_why="$hn_why $hn_maxp probes from one side"
	[ "$hn_maxs" -le 256 ] || hn_why="$hn_why $hn_maxs sockets on one side"
	[ "${hn_leak:-x}" = 0 ] ||
	    hn_why="$hn_why $hn_leak UDP packet(s) to another address"
	case $hn_mode in
	all)	[ $hn_ok -eq "$RUNS" ] ||
		    hn_why="$hn_why through $hn_ok/$RUNS, want every run" ;;
	half)	[ $((2 * hn_ok)) -ge "$RUNS" ] ||
		    hn_why="$hn_why through $hn_ok/$RUNS, want half at least" ;;
	relay)	[ "$hn_plan" = relay ] && [ "$hn_maxp" -eq 0 ] ||
		    hn_why="$hn_why plans $hn_plan with $hn_maxp probes, want relay, 0" ;;
	esac
	if [ -n "$hn_why" ]; then
		echo "FAIL: $hn_l ($hn_ta vs $hn_tb):$hn_why"
		fails=$((fails + 1))
	else
		echo "ok: $hn_l ($hn_ta vs $hn_tb): plan $hn_plan, through $hn_ok/$RUNS," \
		    "at most $hn_maxp probes and $hn_maxs sockets a side"
	fi
	table="$table$(printf '%-10s %-22s %-22s %-10s %7s %8s %7s %6s' \
	    "$hn_l" "$hn_ta" "$hn_tb" "$hn_plan" "$hn_ok/$RUNS" "$hn_avg" "$hn_maxp" \
	    "$hn_maxs")
"
}

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --alternate "$LAB_SRV2" --port $P --alt-port $((P + 1))
lab_wait_udp pub $P "$LAB_SRV1" "$LAB_SRV2" ||
    lab_fail "natlab_hardnat: stund did not start: $(tail -3 "$LAB_TMP/stund.log")"

for c in $CASES; do
	case $c in
	seq-prc) hn_case "$c" symmetric-sequential port-restricted-cone all ;;
	pres-prc) hn_case "$c" symmetric-preserving port-restricted-cone all ;;
	rand-prc) hn_case "$c" symmetric port-restricted-cone half ;;
	rand-rand) hn_case "$c" symmetric symmetric relay ;;
	*) lab_fail "natlab_hardnat: unknown case $c" ;;
	esac
done

echo
echo "Hard-NAT plans across the lab (ms: mean time to the first probe" \
    "through, easy side)"
printf '%-10s %-22s %-22s %-10s %7s %8s %7s %6s\n' case "hard side" \
    "other side" plan through ms probes socks
printf '%s' "$table"
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_hardnat: $fails case(s) failed"
	exit 1
fi
echo "PASS: natlab_hardnat: every case within its bounds"
exit 0
