#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The TURN client machine against coturn on loopback: turnpoke allocates
# on turnserver, creates a permission for turnutils_peer (a UDP echo
# peer), sends 100 datagrams through it as Send indications, binds a
# channel, sends 100 more as ChannelData, and must get every echo back
# and a confirmed deallocation.  A wrong password must fail with 401.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

TPOKE="$top_builddir/tests/turnpoke"
COUNT=100

st_need turnserver turnutils_peer ss
[ -x "$TPOKE" ] || st_skip "$TPOKE not built"
st_setup

P_TURN=$(st_free_port) || st_skip "no free port"
P_PEER=$(st_free_port) || st_skip "no free port"
[ "$P_TURN" != "$P_PEER" ] && [ "$P_TURN" != $((P_PEER + 1)) ] &&
    [ "$P_PEER" != $((P_TURN + 1)) ] || P_PEER=$((P_TURN + 2))
R_MIN=$((P_TURN + 100))

# wait_udp PORT [ADDR]: until a UDP socket listens on ADDR:PORT (5 s).
wait_udp()
{
	i=0
	while [ $i -lt 50 ]; do
		ss -Hanu 2>/dev/null | awk '{ print $4 }' |
		    grep -Fxq "${2:-127.0.0.1}:$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# An empty config file, so /etc/turnserver.conf is not read, and a
# private user database.  On ::1 too when the host has it.
V6=""
st_have_ipv6 && V6="--listening-ip ::1 --relay-ip ::1"
: >"$ST_TMP/turnserver.conf"
# shellcheck disable=SC2086
st_bg "$ST_TMP/turnserver.log" timeout 120 turnserver \
    -c "$ST_TMP/turnserver.conf" --db "$ST_TMP/turndb" \
    --pidfile "$ST_TMP/turnserver.pid" -n --no-tls --no-dtls --no-tcp \
    --listening-ip 127.0.0.1 --listening-port "$P_TURN" \
    --relay-ip 127.0.0.1 $V6 \
    --min-port "$R_MIN" --max-port $((R_MIN + 200)) \
    -u alice:s3cret -r stunkit.test --lt-cred-mech \
    --allow-loopback-peers --no-cli --log-file stdout --simple-log
st_bg "$ST_TMP/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 \
    -p "$P_PEER"
wait_udp "$P_TURN" ||
    { st_fail "turnserver did not start"; tail -5 "$ST_TMP/turnserver.log"
    st_done; }
wait_udp "$P_PEER" ||
    { st_fail "turnutils_peer did not start"; st_done; }
if [ -n "$V6" ]; then
	st_bg "$ST_TMP/peer6.log" timeout 120 turnutils_peer -L ::1 \
	    -p "$P_PEER"
	wait_udp "$P_TURN" "[::1]" && wait_udp "$P_PEER" "[::1]" ||
	    { st_fail "no ::1 listeners"; V6=""; }
fi

# tshark, when we may capture, decodes the whole exchange afterwards.
CAP=""
if command -v tshark >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	CAP="$ST_TMP/turn.pcap"
	st_bg "$ST_TMP/tshark.log" timeout 120 tshark -q -i lo \
	    -f "udp port $P_TURN" -w "$CAP"
	TSHARK_PID=$ST_LASTPID
	st_wait_log "$ST_TMP/tshark.log" 'Capture started|Capturing on' ||
	    { echo "note: tshark did not start, no decode check"; CAP=""; }
	sleep 0.5
fi

# 1. Allocate, permission, channel, echoes, deallocate.
out="$ST_TMP/poke.out"
timeout 60 "$TPOKE" -s "127.0.0.1:$P_TURN" -u alice -w s3cret \
    -p "127.0.0.1:$P_PEER" -n "$COUNT" -t 40000 >"$out" 2>&1
rc=$?
sed 's/^/  | /' "$out"
if [ $rc -ne 0 ]; then
	st_fail "turnpoke exited $rc"
else
	st_ok "turnpoke exited 0"
fi
grep -Eq '^allocated relayed=127\.0\.0\.1:[0-9]+ ' "$out" &&
    st_ok "allocated a relayed address on 127.0.0.1" ||
    st_fail "no allocation"
grep -q "^permission-ok peer=127.0.0.1:$P_PEER\$" "$out" &&
    st_ok "permission for the peer" || st_fail "no permission"
grep -q "^echoes phase=permission count=$COUNT/$COUNT\$" "$out" &&
    st_ok "$COUNT/$COUNT echoes through the permission" ||
    st_fail "echoes through the permission missing"
grep -q "^channel-ok peer=127.0.0.1:$P_PEER channel=0x4000\$" "$out" &&
    st_ok "channel 0x4000 bound" || st_fail "no channel"
grep -q "^echoes phase=channel count=$COUNT/$COUNT\$" "$out" &&
    st_ok "$COUNT/$COUNT echoes through the channel" ||
    st_fail "echoes through the channel missing"
grep -q '^closed$' "$out" &&
    st_ok "deallocation confirmed" || st_fail "deallocation not confirmed"
grep -q ' rejected=0$' "$out" &&
    st_ok "nothing from coturn was rejected" ||
    st_fail "turnpoke rejected some of coturn's answers"

if [ -n "$CAP" ]; then
	sleep 0.5
	st_stop "$TSHARK_PID"
	dec="$ST_TMP/decode.txt"
	tshark -r "$CAP" -d "udp.port==$P_TURN,stun" >"$dec" 2>/dev/null
	bad=$(tshark -r "$CAP" -d "udp.port==$P_TURN,stun" \
	    -Y '_ws.malformed || _ws.expert.severity >= "warning"' \
	    2>/dev/null | wc -l)
	miss=""
	for m in 'Allocate Request' 'Allocate Success Response' \
	    'CreatePermission Success Response' 'Send Indication' \
	    'Data Indication' 'Channel-Bind Success Response' 'ChannelData' \
	    'Refresh Success Response'; do
		grep -q "$m" "$dec" || miss="$miss, $m"
	done
	if [ "$bad" -eq 0 ] && [ -z "$miss" ]; then
		st_ok "tshark: $(wc -l <"$dec") packets, none malformed"
	else
		st_fail "tshark: $bad malformed or suspicious packets" \
		    "${miss:+; missing$miss}"
		head -n 20 "$dec" | sed 's/^/  | /'
	fi
fi

# 2. The same over IPv6, asking for an IPv6 relayed address.
if [ -n "$V6" ]; then
	out="$ST_TMP/poke6.out"
	timeout 60 "$TPOKE" -f 6 -s "[::1]:$P_TURN" -u alice -w s3cret \
	    -p "[::1]:$P_PEER" -n "$COUNT" -t 40000 >"$out" 2>&1
	rc=$?
	sed 's/^/  | /' "$out"
	if [ $rc -eq 0 ] &&
	    grep -Eq '^allocated relayed=\[::1\]:[0-9]+ ' "$out" &&
	    grep -q "permission=$COUNT/$COUNT channel=$COUNT/$COUNT " \
	    "$out"; then
		st_ok "IPv6: relayed on ::1, $COUNT/$COUNT echoes per phase"
	else
		st_fail "IPv6: turnpoke exited $rc"
	fi
else
	echo "note: ::1 not available, IPv6 part not run"
fi

# 3. A wrong password fails with 401, not a timeout.
out="$ST_TMP/wrong.out"
timeout 30 "$TPOKE" -s "127.0.0.1:$P_TURN" -u alice -w wrong -n 0 \
    -t 20000 >"$out" 2>&1
rc=$?
sed 's/^/  | /' "$out"
if [ $rc -eq 1 ] && grep -q '^failed code=401$' "$out"; then
	st_ok "wrong password: failed with 401"
else
	st_fail "wrong password: exit $rc, no 401"
fi

# 4. An unknown user too.
out="$ST_TMP/nouser.out"
timeout 30 "$TPOKE" -s "127.0.0.1:$P_TURN" -u mallory -w s3cret -n 0 \
    -t 20000 >"$out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^failed code=401$' "$out"; then
	st_ok "unknown user: failed with 401"
else
	st_fail "unknown user: exit $rc, no 401"
	sed 's/^/  | /' "$out"
fi

st_done
