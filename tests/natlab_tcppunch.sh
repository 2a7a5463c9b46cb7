#!/bin/sh
# natlab_tcppunch.sh: TCP hole punching between two p2pchat peers whose
# hosts drop all UDP, across real kernel NATs.  Our stund on the lab's
# public address serves the rendezvous and TURN over UDP and TCP; alice
# is left to choose her transport (UDP gets no answer: she steps to TCP),
# bob asks for TCP (--transport tcp).  Each registers a TCP candidate
# from the port it listens on, the rendezvous connection bound to it.
# Both routers drop TCP from outside that no mapping claims instead of
# answering it with a reset, as RFC 5382 asks of a NAT (lab_tcp_quiet).
#   eim:  both NATs map TCP endpoint-independently (masquerade keeps the
#         port): at the go both sides connect to the other's mapping
#         from that port (simultaneous open).  The path is direct over
#         TCP both ways; a capture on the routers' public side shows SYNs
#         from each NAT to the other and the chat's data straight
#         between them, never the text in clear; every message arrives.
#   sym:  bob's NAT maps each TCP connection to a random port: no
#         connect gets through, and the chat stays relayed (TURN over
#         TCP to stund), every message delivered.
# The table gives, per case, when bob joined alice (ms from his start)
# and how long his first message took from the join to its delivery,
# and when the path became direct.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_TCPPUNCH_CASES picks cases (default: eim sym),
# NATLAB_TCPPUNCH_MSGS the number of messages each way (10).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}

[ -x "$P2PCHAT" ] || lab_skip "natlab_tcppunch: p2pchat not built"
[ -x "$STUND" ] || lab_skip "natlab_tcppunch: stund not built"
command -v tshark >/dev/null 2>&1 ||
    lab_skip "natlab_tcppunch: no tshark for the capture"
lab_require

P_SRV=3478
N=${NATLAB_TCPPUNCH_MSGS:-10}
CASES=${NATLAB_TCPPUNCH_CASES:-"eim sym"}
MARK=tcppunch$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
# The first message, from bob's join to its delivery: the bound (ms;
# 45 to 275 measured).
FIRST_MAX=2000
fails=0
table=

# side LABEL OUT ME PEER KIND: the last path to PEER is KIND (direct or
# relay) over TCP; every message delivered and received.
side()
{
	_last=$(ev "$2" path | grep -F "\"peer\":\"$4\"" | tail -n 1)
	if [ "$(field "$_last" kind)" = "$5" ] &&
	    [ "$(field "$_last" transport)" = tcp ]; then
		r_ok "$1: $3: path to $4 $5 over tcp," \
		    "$(field "$_last" local)/$(field "$_last" remote)" \
		    "to $(field "$_last" peer_addr)"
	else
		r_fail "$1: $3: path to $4: want $5 over tcp: $_last"
	fi
	lab_delivered "$1" "$2" "$3" "$4"
}

# tcount CAPTURE FILTER: packets matching FILTER.
tcount()
{
	timeout 60 tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# cap_check LABEL KIND: no text in clear, no UDP from either NAT, and for
# a direct path SYNs and data each way between the NATs.
cap_check()
{
	sleep 0.5
	lab_stop "$cap_pid"
	_cap=$LAB_TMP/$1.pcapng
	_hits=$(grep -c -a -F "$MARK" "$_cap")
	[ "$_hits" -eq 0 ] &&
	    r_ok "$1: the message marker is nowhere in the capture" ||
	    r_fail "$1: message text in clear on the wire ($_hits)"
	_udp=$(tcount "$_cap" "udp && (ip.src == $LAB_WAN ||
	    ip.src == $LAB_WAN_B)")
	[ "$_udp" -eq 0 ] && r_ok "$1: no UDP from either NAT" ||
	    r_fail "$1: $_udp UDP packets from the NATs"
	_ab=$(tcount "$_cap" "ip.src == $LAB_WAN && ip.dst == $LAB_WAN_B &&
	    tcp.flags.syn == 1 && tcp.flags.ack == 0")
	_ba=$(tcount "$_cap" "ip.src == $LAB_WAN_B && ip.dst == $LAB_WAN &&
	    tcp.flags.syn == 1 && tcp.flags.ack == 0")
	_dab=$(tcount "$_cap" "ip.src == $LAB_WAN && ip.dst == $LAB_WAN_B &&
	    tcp.len > 0")
	_dba=$(tcount "$_cap" "ip.src == $LAB_WAN_B && ip.dst == $LAB_WAN &&
	    tcp.len > 0")
	_srv=$(tcount "$_cap" "ip.addr == $LAB_SRV1 && tcp.len > 0")
	echo "INFO: $1: SYNs a->b $_ab, b->a $_ba; data segments a->b" \
	    "$_dab, b->a $_dba; with stund $_srv"
	if [ "$2" = direct ]; then
		[ "$_ab" -gt 0 ] && [ "$_ba" -gt 0 ] &&
		    r_ok "$1: SYNs crossed: $_ab from alice's NAT to bob's," \
		    "$_ba back" ||
		    r_fail "$1: SYNs a->b $_ab, b->a $_ba"
		[ "$_dab" -ge "$N" ] && [ "$_dba" -ge "$N" ] &&
		    r_ok "$1: data straight between the NATs: $_dab and" \
		    "$_dba segments" ||
		    r_fail "$1: data between the NATs: $_dab and $_dba"
	else
		[ "$_dab" -eq 0 ] && [ "$_dba" -eq 0 ] &&
		    r_ok "$1: no data between the NATs" ||
		    r_fail "$1: data between the NATs: $_dab and $_dba"
	fi
}

# run LABEL NAT_B KIND
run()
{
	_l=$1 _r=$LAB_TMP/$1
	lab_up port-restricted-cone "$2"
	lab_firewall cli no-udp
	lab_firewall clib no-udp
	lab_tcp_quiet nat
	lab_tcp_quiet natb
	lab_cap_start "$_l"
	lab_peer cli alice "$_r.a.out"
	_pa=$peer_pid
	_i=0
	while [ $_i -lt 150 ] && [ "$(count "$_r.a.out" registered)" -eq 0 ] &&
	    kill -0 "$_pa" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_code=$(field "$(ev "$_r.a.out" room)" code)
	if [ "$(count "$_r.a.out" registered)" -eq 0 ] || [ -z "$_code" ]
	then
		r_fail "$_l: alice did not register: $(tail -3 "$_r.a.err")"
		lab_reap "$_pa" "$_r.a.out"
		lab_stop "$cap_pid"
		return
	fi
	lab_peer clib bob "$_r.b.out" --transport tcp "$_code"
	_pb=$peer_pid
	lab_reap "$_pb" "$_r.b.out"
	_rcb=$rc
	lab_reap "$_pa" "$_r.a.out"
	_rca=$rc
	cap_check "$_l" "$3"
	[ "$_rca" = 0 ] && [ "$_rcb" = 0 ] &&
	    r_ok "$_l: both exited 0" ||
	    r_fail "$_l: exit alice $_rca bob $_rcb"
	side "$_l" "$_r.a.out" alice bob "$3"
	side "$_l" "$_r.b.out" bob alice "$3"
	_tj=$(field "$(ev "$_r.b.out" joined | head -n 1)" ms)
	_tm=$(field "$(ev "$_r.b.out" delivered | head -n 1)" ms)
	_td=$(field "$(ev "$_r.b.out" path | grep -F '"kind":"direct"' |
	    head -n 1)" ms)
	if [ -n "$_tj" ] && [ -n "$_tm" ] &&
	    [ $((_tm - _tj)) -le $FIRST_MAX ]; then
		r_ok "$_l: bob's first message delivered $((_tm - _tj)) ms" \
		    "after the join"
	else
		r_fail "$_l: bob's first message: joined ${_tj:-?} ms," \
		    "delivered ${_tm:-?} ms (bound $FIRST_MAX ms)"
	fi
	table="$table$(printf '%-5s %-22s %-7s %9s %9s %9s' "$_l" \
	    "prc / $2" "$3" "${_tj:--}" "$((${_tm:-0} - ${_tj:-0}))" \
	    "${_td:--}")
"
	if [ $fails -ne 0 ]; then
		for _f in "$_r.a.out" "$_r.a.err" "$_r.b.out" "$_r.b.err"; do
			tail -n 8 "$_f" | cut -c1-200 | sed "s|^|  ${_f##*/}: |"
		done
	fi
}

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --port $P_SRV
lab_wait_udp pub $P_SRV "$LAB_SRV1" ||
    lab_fail "natlab_tcppunch: stund did not start:" \
    "$(tail -3 "$LAB_TMP/stund.log")"

for c in $CASES; do
	echo "natlab_tcppunch: case $c"
	case $c in
	eim)	run $c port-restricted-cone direct ;;
	sym)	run $c symmetric relay ;;
	*)	r_fail "$c: unknown case" ;;
	esac
done

echo "natlab_tcppunch: bob joined (ms from his start), his first message" \
    "delivered (ms from the join), path direct (ms from his start)"
printf '%-5s %-22s %-7s %9s %9s %9s\n' case "NAT a / b" path joined \
    first direct
printf '%s' "$table"
[ $fails -eq 0 ] || lab_fail "natlab_tcppunch: $fails failure(s)"
echo "natlab_tcppunch: all cases passed"
exit 0
