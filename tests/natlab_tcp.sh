#!/bin/sh
# natlab_tcp.sh: p2pchat from a host whose firewall blocks UDP, across
# real kernel NATs.  Our stund on the lab's public address serves the
# rendezvous and TURN over UDP and TCP on 3478 and over TLS on 443 (a
# certificate made here, given to p2pchat with --ca), with no TURN
# option: the relay credential comes with the rendezvous.  p2pchat is
# left to choose its transport.
#   udp-prc:  alice behind a port-restricted cone NAT drops all UDP; bob
#             behind another has UDP.  Alice registers and relays over
#             TCP; the chat is relayed, every message delivered both
#             ways, the first one within 2 s of the join, and a capture
#             shows no text in clear.
#   udp-udp:  both drop all UDP: relay to relay, both over TCP.
#   tcp443:   alice lets out only TCP to port 443: TLS to stund.
# The table gives, per case, when alice registered (ms from her start),
# when bob joined alice (ms from his start, which waits for alice's
# registration) and how long bob's first message took from his join.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_TCP_CASES picks cases (default: udp-prc udp-udp tcp443),
# NATLAB_TCP_MSGS the number of messages each way (10).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}

[ -x "$P2PCHAT" ] || lab_skip "natlab_tcp: p2pchat not built ($P2PCHAT)"
[ -x "$STUND" ] || lab_skip "natlab_tcp: stund not built ($STUND)"
command -v openssl >/dev/null 2>&1 || lab_skip "natlab_tcp: no openssl"
lab_require

P_SRV=3478
N=${NATLAB_TCP_MSGS:-10}
CASES=${NATLAB_TCP_CASES:-"udp-prc udp-udp tcp443"}
LAB_PEER_OPTS="--ca $LAB_TMP/cert.pem"
MARK=tcplab$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
fails=0
table=

# side LABEL OUT ME PEER TRANSPORT: a relayed path whose server leg is
# TRANSPORT, every message delivered and received.  When both sides are
# on TCP a direct TCP path is right too: these routers answer an early
# SYN with a reset, which defeats the simultaneous open unless the two
# SYNs cross in flight (natlab_tcppunch.sh has the NATs that allow it).
side()
{
	_last=$(ev "$2" path | grep -F "\"peer\":\"$4\"" | tail -n 1)
	if [ "$(field "$_last" kind)" = relay ] &&
	    [ "$(field "$_last" transport)" = "$5" ]; then
		r_ok "$1: $3: path to $4 relayed over $5 via" \
		    "$(field "$_last" addr)"
	elif [ "$(field "$_last" kind)" = direct ] && [ "$5" = tcp ] &&
	    [ "$(field "$_last" transport)" = tcp ]; then
		r_ok "$1: $3: path to $4 direct over TCP (the SYNs crossed)"
	else
		r_fail "$1: $3: path to $4: want relay over $5: $_last"
	fi
	lab_delivered "$1" "$2" "$3" "$4"
}

# No text in clear; alice's NAT sent no UDP at all, and TCP with data.
cap_check()
{
	[ -n "$cap_pid" ] || return
	sleep 0.5
	lab_stop "$cap_pid"
	_cap=$LAB_TMP/$1.pcapng
	_hits=$(grep -c -a -F "$MARK" "$_cap")
	_udp=$(tshark -n -r "$_cap" -Y "udp && ip.src == $LAB_WAN" \
	    2>/dev/null | wc -l)
	_tcp=$(tshark -n -r "$_cap" -Y "tcp && ip.src == $LAB_WAN &&
	    tcp.len > 0" 2>/dev/null | wc -l)
	[ "$_hits" -eq 0 ] &&
	    r_ok "$1: the message marker is nowhere in the capture" ||
	    r_fail "$1: message text in clear on the wire ($_hits)"
	[ "$_udp" -eq 0 ] && [ "$_tcp" -ge "$N" ] &&
	    r_ok "$1: from alice's NAT: no UDP, $_tcp TCP segments with" \
	    "data" ||
	    r_fail "$1: from alice's NAT: $_udp UDP packets, $_tcp TCP" \
	    "segments with data"
}

# run LABEL FIREWALL_A FIREWALL_B TRANSPORT_A TRANSPORT_B
run()
{
	_l=$1 _r=$LAB_TMP/$1
	lab_up port-restricted-cone port-restricted-cone
	lab_firewall cli "$2"
	[ "$3" = - ] || lab_firewall clib "$3"
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
		r_fail "$_l: alice did not register: $(cat "$_r.a.err")"
		lab_reap "$_pa" "$_r.a.out"
		return
	fi
	lab_peer clib bob "$_r.b.out" "$_code"
	_pb=$peer_pid
	lab_reap "$_pb" "$_r.b.out"
	_rcb=$rc
	lab_reap "$_pa" "$_r.a.out"
	_rca=$rc
	cap_check "$_l"
	[ "$_rca" = 0 ] && [ "$_rcb" = 0 ] &&
	    r_ok "$_l: both exited 0" ||
	    r_fail "$_l: exit alice $_rca bob $_rcb"
	_reg=$(ev "$_r.a.out" registered)
	[ "$(field "$_reg" transport)" = "$4" ] &&
	    r_ok "$_l: alice registered over $4 at $(field "$_reg" ms) ms" ||
	    r_fail "$_l: alice registered: $_reg"
	_dr=$(lab_firewall_drops cli)
	[ "$_dr" -gt 0 ] &&
	    r_ok "$_l: alice's firewall dropped $_dr packets" ||
	    r_fail "$_l: alice's firewall dropped nothing"
	side "$_l" "$_r.a.out" alice bob "$4"
	side "$_l" "$_r.b.out" bob alice "$5"
	# The first message: from bob's join to alice's delivery of it.
	_tj=$(field "$(ev "$_r.b.out" joined | head -n 1)" ms)
	_tm=$(field "$(ev "$_r.b.out" delivered | head -n 1)" ms)
	if [ -n "$_tj" ] && [ -n "$_tm" ] &&
	    [ $((_tm - _tj)) -le 2000 ]; then
		r_ok "$_l: bob's first message delivered $((_tm - _tj)) ms" \
		    "after the join"
	else
		r_fail "$_l: bob's first message: joined ${_tj:-?} ms," \
		    "delivered ${_tm:-?} ms"
	fi
	table="$table$(printf '%-9s %-22s %-10s %9s %9s %9s' "$_l" \
	    "$2 / $3" "$4 / $5" "$(field "$_reg" ms)" "${_tj:--}" \
	    "$((${_tm:-0} - ${_tj:-0}))")
"
	if [ $fails -ne 0 ]; then
		for _f in "$_r.a.out" "$_r.a.err" "$_r.b.out" "$_r.b.err"; do
			tail -n 6 "$_f" | cut -c1-160 | sed "s|^|  ${_f##*/}: |"
		done
	fi
}

timeout 60 openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=$LAB_SRV1" -addext "subjectAltName=IP:$LAB_SRV1" \
    -keyout "$LAB_TMP/key.pem" -out "$LAB_TMP/cert.pem" >/dev/null 2>&1 ||
    lab_skip "natlab_tcp: openssl could not make a test certificate"
lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --port $P_SRV --tls-port 443 --cert "$LAB_TMP/cert.pem" \
    --key "$LAB_TMP/key.pem"
lab_wait_udp pub $P_SRV "$LAB_SRV1" ||
    lab_fail "natlab_tcp: stund did not start:" \
    "$(tail -3 "$LAB_TMP/stund.log")"

for c in $CASES; do
	echo "natlab_tcp: case $c"
	case $c in
	udp-prc) run $c no-udp - tcp udp ;;
	udp-udp) run $c no-udp no-udp tcp tcp ;;
	tcp443)	run $c tcp443 - tls udp ;;
	*)	r_fail "$c: unknown case" ;;
	esac
done

echo "natlab_tcp: alice registered (ms from her start), bob joined" \
    "(ms from his), bob's first message delivered (ms from his join)"
printf '%-9s %-22s %-10s %9s %9s %9s\n' case "firewall a / b" \
    "transport" registered joined first
printf '%s' "$table"
[ $fails -eq 0 ] || lab_fail "natlab_tcp: $fails failure(s)"
echo "natlab_tcp: all cases passed"
exit 0
