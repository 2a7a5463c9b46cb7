#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Interop with STUN implementations we did not write (Debian packages), all
# on loopback: coturn's turnutils_stunclient and turnutils_natdiscovery and
# Vovida's stun client against our stund; our stunpoke against coturn's
# turnserver and Vovida's server; tshark decodes a capture of it all and
# must find no malformed packet.  Parts whose tool is missing are skipped
# with a message.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
[ -x "$POKE" ] || st_skip "$POKE not built"
st_need timeout ss od

VOVIDA_STUND=$(dpkg -L stun-server 2>/dev/null | grep '/stund$' | head -n 1)
[ -n "$VOVIDA_STUND" ] || VOVIDA_STUND=/usr/sbin/stund
DECODE=""		# tshark -d options, one per port we used
PORTS=""		# every port of this run, for the display filter
PARTS=0

have()
{
	command -v "$1" >/dev/null 2>&1
}

add_ports()
{
	for _p in "$@"; do
		[ -n "$_p" ] || continue
		PORTS="$PORTS $_p"
		DECODE="$DECODE -d udp.port==$_p,stun -d tcp.port==$_p,stun"
	done
}

# --- Ports: ours from stund, coturn's and Vovida's picked now.
CP=$(st_free_port) || st_fail "no free port for turnserver"
VP=$(st_free_port) || st_fail "no free port for Vovida's server"
[ "$CP" != "$VP" ] && [ "$CP" != $((VP + 1)) ] && [ "$VP" != $((CP + 1)) ] ||
    VP=$(st_free_port)
add_ports "$CP" $((CP + 1)) "$VP" $((VP + 1))

if [ -x "$STUND" ]; then
	if st_stund_two; then
		add_ports "$P1" "$P2" "$TP1"
		[ "$ST_SELFTEST" = passed ] &&
		    st_ok "stund: rfc5780 self-test passed" ||
		    st_fail "stund: self-test is '$ST_SELFTEST'"
	else
		st_fail "our stund did not start"
		P1=""
	fi
else
	echo "SKIP part: $STUND not built, their clients not run"
	P1=""
fi

# --- tshark captures every port of the run from here to the end.
CAP="$ST_TMP/interop.pcapng"
TSHARK_PID=""
if have tshark; then
	filt=""
	for p in $PORTS; do
		filt="${filt:+$filt or }port $p"
	done
	st_bg "$ST_TMP/tshark.log" timeout 300 tshark -q -i lo \
	    -f "(host 127.0.0.1 or host 127.0.0.2) and ($filt)" -w "$CAP"
	TSHARK_PID=$ST_LASTPID
	if ! st_wait_log "$ST_TMP/tshark.log" "Capturing on" 100; then
		echo "tshark did not start capturing:"
		sed 's/^/  | /' "$ST_TMP/tshark.log"
		st_stop "$TSHARK_PID"
		TSHARK_PID=""
	fi
	sleep 1		# "Capturing on" comes just before the capture does
else
	echo "SKIP part: tshark not installed, no capture check"
fi

if [ -n "$P1" ] && have turnutils_stunclient; then
	PARTS=$((PARTS + 1))
	out=$(timeout 20 turnutils_stunclient -f -p "$P1" "$ST_IP1" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  stunclient| /'
	if [ $rc -eq 0 ] &&
	    echo "$out" | grep -q "UDP reflexive addr: $ST_IP1:" &&
	    echo "$out" | grep -q "Other addr: : $ST_IP2:$P2" &&
	    echo "$out" | grep -q "Response origin: : $ST_IP2:$P2"; then
		st_ok "turnutils_stunclient: reflexive address, OTHER-ADDRESS," \
		    "RESPONSE-ORIGIN after a change request"
	else
		st_fail "turnutils_stunclient against our stund (rc $rc)"
	fi
elif [ -n "$P1" ]; then
	echo "SKIP part: turnutils_stunclient not installed"
fi

if [ -n "$P1" ] && have turnutils_natdiscovery; then
	PARTS=$((PARTS + 1))
	out=$(timeout 30 turnutils_natdiscovery -m -f -L "$ST_IP1" \
	    -p "$P1" "$ST_IP1" 2>&1)
	rc=$?
	echo "$out" | grep -E 'NAT|origin|Other' |
	    sed 's/^/  natdiscovery| /'
	if [ $rc -eq 0 ] &&
	    echo "$out" | grep -q "No NAT! (Endpoint Independent Mapping)" &&
	    echo "$out" | grep -q "Endpoint Independent Filtering" &&
	    ! echo "$out" | grep -Eq "Address (and Port )?Dependent"; then
		st_ok "turnutils_natdiscovery -m -f: no NAT," \
		    "endpoint-independent mapping and filtering"
	else
		st_fail "turnutils_natdiscovery against our stund (rc $rc)"
		echo "$out" | sed 's/^/  natdiscovery| /'
	fi
elif [ -n "$P1" ]; then
	echo "SKIP part: turnutils_natdiscovery not installed"
fi

# Vovida's client: server as HOST:PORT (-p is its source port); its exit
# status is the NAT type: 0x00 Open, |0x10 no hairpin, |0x01 port kept.
if [ -n "$P1" ] && have stun; then
	PARTS=$((PARTS + 1))
	out=$(timeout 30 stun "$ST_IP1:$P1" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  vovida stun| /'
	if echo "$out" | grep -q "Primary: Open" &&
	    [ $((rc & 0x0E)) -eq 0 ] && [ $rc -lt 128 ]; then
		st_ok "vovida stun: Open Internet (exit $rc)"
	else
		st_fail "vovida stun against our stund: exit $rc"
	fi
elif [ -n "$P1" ]; then
	echo "SKIP part: Vovida stun client not installed"
fi

# --- Our stunpoke against their servers.
# check_server NAME IP1 P1 IP2 P2 OTHER ORIGIN: answers from a two-address
# server; OTHER and ORIGIN name the attributes it uses for OTHER-ADDRESS
# and RESPONSE-ORIGIN (RFC 5780), or CHANGED- and SOURCE-ADDRESS (3489).
check_server()
{
	_n=$1 _a=$2 _p=$3 _b=$4 _q=$5 _o=$6 _r=$7
	l=$(st_poke --retries 2 --timeout 500 "$_a:$_p")
	echo "  $_n| $l"
	if [ "$(st_field "$l" class)" = success ] &&
	    [ "$(st_field "$l" xor_mapped)" = "$(st_field "$l" local)" ] &&
	    [ "$(st_field "$l" "$_o")" = "$_b:$_q" ]; then
		st_ok "stunpoke vs $_n: XOR-MAPPED-ADDRESS and $_o"
	else
		st_fail "stunpoke vs $_n: plain request"
	fi
	l=$(st_poke --change-ip --change-port --fingerprint --timeout 500 \
	    --retries 2 "$_a:$_p")
	echo "  $_n| $l"
	[ "$(st_field "$l" from)" = "$_b:$_q" ] &&
	    [ "$(st_field "$l" "$_r")" = "$_b:$_q" ] &&
	    st_ok "stunpoke vs $_n: change IP and port answered from $_b:$_q" ||
	    st_fail "stunpoke vs $_n: change IP and port"
	l=$(st_poke --legacy --change-port --timeout 500 --retries 2 \
	    "$_a:$_p")
	echo "  $_n| $l"
	[ "$(st_field "$l" from)" = "$_a:$_q" ] &&
	    [ "$(st_field "$l" mapped)" = "$(st_field "$l" local)" ] &&
	    [ "$(st_field "$l" changed)" = "$_b:$_q" ] &&
	    st_ok "stunpoke vs $_n: RFC 3489 request, change port" ||
	    st_fail "stunpoke vs $_n: RFC 3489 request"
}

if have turnserver; then
	PARTS=$((PARTS + 1))
	st_bg "$ST_TMP/turnserver.log" timeout 120 turnserver -n --no-cli \
	    --log-file stdout --simple-log --stun-only --no-tls --no-dtls \
	    -L "$ST_IP1" -L "$ST_IP2" -p "$CP" --alt-listening-port \
	    $((CP + 1)) --pidfile "$ST_TMP/turnserver.pid"
	TS_PID=$ST_LASTPID
	if st_poke --retries 40 --timeout 250 "$ST_IP1:$CP" >/dev/null; then
		check_server coturn "$ST_IP1" "$CP" "$ST_IP2" $((CP + 1)) \
		    other response_origin
		l=$(st_poke --tcp --count 5 --quiet "$ST_IP1:$CP")
		[ "$l" = "summary sent=5 answered=5" ] &&
		    st_ok "stunpoke vs coturn: 5 requests on one TCP connection" ||
		    st_fail "stunpoke vs coturn over TCP: $l"
		# coturn pads its reason phrase with NULs inside the length;
		# libstun's ERROR-CODE getter must still read the code.
		l=$(st_poke --unknown-attr 0x7777 --timeout 500 --retries 2 \
		    "$ST_IP1:$CP")
		echo "  coturn| $l"
		[ "$(st_field "$l" code)" = 420 ] &&
		    [ "$(st_field "$l" unknown)" = 0x7777 ] &&
		    st_ok "stunpoke vs coturn: 420 with UNKNOWN-ATTRIBUTES" ||
		    st_fail "stunpoke vs coturn: 420 not read (code" \
		    "'$(st_field "$l" code)')"
	else
		st_fail "coturn's turnserver did not answer"
		sed 's/^/  turnserver| /' "$ST_TMP/turnserver.log" | tail -20
	fi
	st_stop "$TS_PID"
else
	echo "SKIP part: coturn's turnserver not installed"
fi

if [ -x "$VOVIDA_STUND" ]; then
	PARTS=$((PARTS + 1))
	st_bg "$ST_TMP/vovida.log" timeout 120 "$VOVIDA_STUND" \
	    -h "$ST_IP1" -a "$ST_IP2" -p "$VP" -o $((VP + 1))
	VS_PID=$ST_LASTPID
	if st_poke --legacy --retries 40 --timeout 250 "$ST_IP1:$VP" \
	    >/dev/null; then
		check_server vovida "$ST_IP1" "$VP" "$ST_IP2" $((VP + 1)) \
		    changed source
	else
		st_fail "Vovida's server did not answer"
	fi
	st_stop "$VS_PID"
else
	echo "SKIP part: Vovida's server (stun-server) not installed"
fi

[ -n "$P1" ] && st_stop "$ST_PID"

# --- Decode the capture: every answer from a server port is STUN, and no
# packet to or from our ports is malformed.
if [ -n "$TSHARK_PID" ]; then
	sleep 0.5
	st_stop "$TSHARK_PID"
	ports=$(echo $PORTS | tr ' ' ',')
	# One pass: ports, protocol stack and expert severity of every
	# frame on our ports, tab-separated.
	# shellcheck disable=SC2086
	timeout 120 tshark -r "$CAP" $DECODE -T fields \
	    -e udp.srcport -e tcp.srcport -e frame.protocols \
	    -e _ws.expert.severity \
	    -Y "udp.port in {$ports} || tcp.port in {$ports}" \
	    >"$ST_TMP/frames" 2>/dev/null
	ev=$(awk -F '\t' -v ports="$ports" '
	    BEGIN { n = split(ports, p, ","); for (i = 1; i <= n; i++) srv[p[i]] }
	    {
		stun = ($3 ~ /:(classic)?stun(:|$)/)
		# PI_ERROR (0x800000) or worse, or a malformed packet.
		n = split($4, sev, ",")
		for (i = 1; i <= n; i++)
			if (sev[i] + 0 >= 8388608)
				err = 1
		if ($3 ~ /_ws\.malformed/ || err)
			bad++
		err = 0
		if ($3 ~ /:icmp/ || $1 == "")
			next
		if ($1 in srv) {
			all++
			if (stun)
				ans++
		} else if (stun)
			req++
	    }
	    END { printf "%d %d %d %d\n", all, ans, req, bad }' "$ST_TMP/frames")
	set -- $ev
	nall=$1 nstun=$2 nreq=$3 nbad=$4
	bad=""
	[ "$nbad" -eq 0 ] || bad=$(grep -E 'malformed|8388608' "$ST_TMP/frames")
	if [ "$nall" -gt 0 ] && [ "$nall" -eq "$nstun" ] &&
	    [ "$nreq" -gt 0 ] && [ "$nbad" -eq 0 ]; then
		st_ok "tshark: $nstun UDP answers and $nreq requests decoded" \
		    "as STUN, none malformed"
	else
		st_fail "tshark: $nstun of $nall UDP answers are STUN," \
		    "$nreq requests; malformed or in error:"
		echo "$bad" | head -n 20 | sed 's/^/  tshark| /'
	fi
fi

[ $PARTS -gt 0 ] || st_skip "no interop tool installed"
st_done
