#!/bin/sh
# natlab_relay.sh: p2pchat falls back to a TURN relay across real kernel
# NATs.  Our stund on the lab's public address serves the rendezvous and
# TURN with no TURN option at all, so the peers get their relay credential
# with the rendezvous (no --relay), bound to their room.  Symmetric
# against symmetric and symmetric against port-restricted cone have no
# direct path: each must report path
# kind "relay" and deliver every message both ways, none undelivered;
# a capture of symmetric against symmetric shows only ciphertext, relayed.
# Full cone against symmetric must connect (direct or relay: reported).
# In "relay-direct", traffic between the two NATs is dropped for the
# first second: the pair starts on the relay and must move to direct.
# In "relay-direct-late" it is dropped for 7 s, past the 5 s punch
# window: the move comes from a recheck round (15 s after the relay was
# chosen), and the direct path event must come after the block ended.
# The table gives, per pair, the fallback time: ms from bob's start to his
# first delivered message (his lines are typed at start).
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_RELAY_CASES picks cases (default: sym-sym sym-prc fc-sym
# relay-direct relay-direct-late),
# NATLAB_RELAY_MSGS the number of messages each way (20).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}

[ -x "$P2PCHAT" ] || lab_skip "natlab_relay: p2pchat not built ($P2PCHAT)"
[ -x "$STUND" ] || lab_skip "natlab_relay: stund not built ($STUND)"
lab_require

P_SRV=3478
N=${NATLAB_RELAY_MSGS:-20}
CASES=${NATLAB_RELAY_CASES:-"sym-sym sym-prc fc-sym relay-direct relay-direct-late"}
MARK=relaylab$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
fails=0
table=

# feed OUT ME PEER WAIT: the N lines ME sends to PEER (after PEER joined
# when WAIT is 1, at once otherwise), then stdin stays open until PEER's
# N messages arrived in OUT (bounded: 60 s each).  With FEED_MOVE set,
# the second half waits (FEED_MOVE s at most) for a direct path in OUT.
feed()
{
	_i=0
	while [ "$4" = 1 ] && [ $_i -lt 600 ] &&
	    [ "$(count "$1" joined "\"peer\":\"$3\"")" -eq 0 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_i=1
	while [ $_i -le "$N" ]; do
		echo "$MARK $2 to $3 $_i"
		if [ -n "$FEED_MOVE" ] && [ $_i -eq $((N / 2)) ]; then
			_k=0
			while [ $_k -lt $((FEED_MOVE * 10)) ] &&
			    ! ev "$1" path | grep -q '"kind":"direct"'; do
				sleep 0.1
				_k=$((_k + 1))
			done
		fi
		_i=$((_i + 1))
	done
	_i=0
	while [ $_i -lt 600 ] &&
	    [ "$(count "$1" message "\"from\":\"$3\"")" -lt "$N" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# peer NS NAME OUT WAIT [CODE]: a p2pchat in namespace NS; sets peer_pid.
peer()
{
	_ns=$1 _nm=$2 _o=$3 _w=$4
	shift 4
	_other=bob
	[ "$_nm" = bob ] && _other=alice
	feed "$_o" "$_nm" "$_other" "$_w" |
	    ip netns exec "$(lab_ns "$_ns")" timeout -k 2 120 "$P2PCHAT" \
	    --server "$LAB_SRV1:$P_SRV" --name "$_nm" --batch --linger 30 \
	    "$@" >"$_o" 2>"${_o%.out}.err" &
	peer_pid=$!
	LAB_PIDS="$LAB_PIDS $peer_pid:$_ns"
}

# side LABEL OUT ME PEER MODE: judge one side; MODE relay or any.
side()
{
	_last=$(ev "$2" path | grep -F "\"peer\":\"$4\"" | tail -n 1)
	_kind=$(field "$_last" kind)
	_addr=$(field "$_last" addr)
	_first=$(field "$(ev "$2" path | grep -F "\"peer\":\"$4\"" |
	    head -n 1)" kind)
	if [ -z "$_last" ]; then
		r_fail "$1: $3: no path to $4"
	elif [ "$5" = relay ] && [ "$_kind" != relay ]; then
		r_fail "$1: $3: path to $4 is $_kind, want relay"
	elif [ "$5" = move ] && { [ "$_first" != relay ] ||
	    [ "$_kind" != direct ]; }; then
		r_fail "$1: $3: paths to $4 went $_first -> $_kind," \
		    "want relay -> direct"
	elif [ "$5" = move ] && [ -n "$MOVE_AFTER_MS" ] &&
	    [ "$(field "$_last" ms)" -lt "$MOVE_AFTER_MS" ]; then
		r_fail "$1: $3: path to $4 direct at $(field "$_last" ms) ms," \
		    "before the block ended ($MOVE_AFTER_MS ms)"
	elif [ "$5" = move ]; then
		r_ok "$1: $3: path to $4 moved from relay to direct via" \
		    "$_addr at $(field "$_last" ms) ms"
	else
		r_ok "$1: $3: path to $4: $_kind via $_addr" \
		    "($(field "$_last" local) -> $(field "$_last" remote))"
	fi
	eval "kind_$3=\$_kind"
	lab_delivered "$1" "$2" "$3" "$4"
}

# Relayed, so: no text in clear, no chat packet (first byte 0xd0-0xd2)
# straight between the NATs, and each NAT exchanges at least one packet
# per message with the server.  Two symmetric NATs relay relay to relay,
# inside the server, so its relay ports send little on the wire: they
# only reach a member at its registered address, which a symmetric NAT
# filters.
cap_check()
{
	[ -n "$cap_pid" ] || return
	sleep 0.5
	lab_stop "$cap_pid"
	_cap=$LAB_TMP/$1.pcapng
	tshark -n -r "$_cap" -Y udp -T fields -e ip.src -e ip.dst \
	    -e udp.srcport -e udp.payload 2>/dev/null |
	    awk '{ print $1, $2, $3, substr($4, 1, 2) }' >"$_cap.txt"
	_hits=$(grep -c -a -F "$MARK" "$_cap")
	_direct=$(awk -v a="$LAB_WAN" -v b="$LAB_WAN_B" \
	    '(($1 == a && $2 == b) || ($1 == b && $2 == a)) &&
	    $4 ~ /^d[0-2]$/' "$_cap.txt" | wc -l)
	# Packets between each NAT and the server, and from the relay ports.
	_ra=$(awk -v s="$LAB_SRV1" -v d="$LAB_WAN" \
	    '($1 == s && $2 == d) || ($1 == d && $2 == s)' "$_cap.txt" |
	    wc -l)
	_rb=$(awk -v s="$LAB_SRV1" -v d="$LAB_WAN_B" \
	    '($1 == s && $2 == d) || ($1 == d && $2 == s)' "$_cap.txt" |
	    wc -l)
	_rp=$(awk -v s="$LAB_SRV1" '$1 == s && $3 >= 49152' "$_cap.txt" |
	    wc -l)
	[ "$_hits" -eq 0 ] &&
	    r_ok "$1: the message marker is nowhere in the capture" \
	    "($(wc -l <"$_cap.txt") UDP packets)" ||
	    r_fail "$1: message text in clear on the wire ($_hits)"
	[ "$_direct" -eq 0 ] &&
	    r_ok "$1: no chat packet straight between the NATs" ||
	    r_fail "$1: $_direct chat packets straight between the NATs"
	[ "$_ra" -ge "$N" ] && [ "$_rb" -ge "$N" ] &&
	    r_ok "$1: via the relay: $_ra and $_rb packets between the NATs" \
	    "and $LAB_SRV1 ($_rp from its relay ports on the wire)" ||
	    r_fail "$1: via the relay: $_ra and $_rb packets between the" \
	    "NATs and $LAB_SRV1; want $N or more"
}

# run LABEL TYPE_A TYPE_B MODE
run()
{
	_l=$1 _mode=$4 _r=$LAB_TMP/$1
	lab_up "$2" "$3"
	cap_pid=
	[ "$_l" = sym-sym ] && lab_cap_start "$_l"
	peer cli alice "$_r.a.out" 1
	_pa=$peer_pid
	_i=0
	while [ $_i -lt 100 ] && [ "$(count "$_r.a.out" room)" -eq 0 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_code=$(field "$(ev "$_r.a.out" room)" code)
	if [ -z "$_code" ]; then
		r_fail "$_l: alice printed no room: $(cat "$_r.a.err")"
		lab_reap "$_pa"
		return
	fi
	peer clib bob "$_r.b.out" 0 "$_code"
	_pb=$peer_pid
	if [ "$_mode" = move ]; then
		sleep "${MOVE_AFTER:-1}"
		ip netns exec "$LAB_PUB" nft delete table inet relaytest
	fi
	lab_reap "$_pb"
	_rcb=$rc
	lab_reap "$_pa"
	_rca=$rc
	cap_check "$_l"
	[ "$_rca" = 0 ] && [ "$_rcb" = 0 ] &&
	    r_ok "$_l: both exited 0" ||
	    r_fail "$_l: exit alice $_rca bob $_rcb"
	ev "$_r.a.out" relay | grep -q "\"server\":\"$LAB_SRV1:$P_SRV\"" &&
	    r_ok "$_l: alice's relay:" \
	    "$(field "$(ev "$_r.a.out" relay)" addr)" ||
	    r_fail "$_l: alice got no relay from the rendezvous server"
	side "$_l" "$_r.a.out" alice bob "$_mode"
	side "$_l" "$_r.b.out" bob alice "$_mode"
	_tp=$(field "$(ev "$_r.b.out" path | head -n 1)" ms)
	_td=$(field "$(ev "$_r.b.out" delivered | head -n 1)" ms)
	table="$table$(printf '%-18s %-36s %-14s %8s %8s' "$_l" \
	    "$2 / $3" "${kind_bob:-none}" "${_tp:--}" "${_td:--}")
"
	if [ $fails -ne 0 ]; then
		for _f in "$_r.a.out" "$_r.a.err" "$_r.b.out" "$_r.b.err"; do
			tail -n 6 "$_f" | cut -c1-160 | sed "s|^|  ${_f##*/}: |"
		done
	fi
}

tstart=$(lab_ms)
lab_pub_up
# No TURN option at all: the rendezvous hands out its own credentials.
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" --port $P_SRV
lab_wait_udp pub $P_SRV "$LAB_SRV1" ||
    lab_fail "natlab_relay: stund did not start:" \
    "$(tail -3 "$LAB_TMP/stund.log")"
grep -q 'turn on' "$LAB_TMP/stund.log" ||
    lab_fail "natlab_relay: stund has no TURN: $(tail -3 "$LAB_TMP/stund.log")"

for c in $CASES; do
	echo "natlab_relay: case $c"
	case $c in
	sym-sym) run $c symmetric symmetric relay ;;
	sym-prc) run $c symmetric port-restricted-cone relay ;;
	fc-sym)	run $c full-cone symmetric any ;;
	relay-direct|relay-direct-late)
		# The public namespace outlives the sites: block there first.
		ip netns exec "$LAB_PUB" nft -f - <<EOF || r_fail "$c: nft"
table inet relaytest {
	chain block {
		type filter hook forward priority -10;
		ip saddr $LAB_WAN ip daddr $LAB_WAN_B drop
		ip saddr $LAB_WAN_B ip daddr $LAB_WAN drop
	}
}
EOF
		if [ $c = relay-direct ]; then
			FEED_MOVE=10 run $c full-cone full-cone move
		else
			FEED_MOVE=40 MOVE_AFTER=7 MOVE_AFTER_MS=6000 \
			    run $c full-cone full-cone move
		fi ;;
	*)	r_fail "$c: unknown case" ;;
	esac
done
lab_down
grep -qE 'Sanitizer|runtime error:' "$LAB_TMP/stund.log" &&
    r_fail "stund: sanitizer report"

echo
echo "Fallback times in ms from bob's start (p2pchat's \"ms\"): his first" \
    "path event and his first delivered message ($N each way)"
printf '%-18s %-36s %-14s %8s %8s\n' case "lab types (alice / bob)" \
    "bob's path" path 1st-dlv
printf '%s' "$table"
echo "natlab_relay: run time $(( ($(lab_ms) - tstart) / 1000 )) s"
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_relay: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_relay: every pair talked, through the relay when it must"
exit 0
