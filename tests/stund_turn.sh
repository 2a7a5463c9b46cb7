#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Our stund as a TURN server for coturn's client: turnutils_uclient
# allocates on stund (127.0.0.1), relays to turnutils_peer (a UDP echo
# peer on 127.0.0.1, allowed with --allow-peer 127.0.0.0/8) and must get
# every datagram back: long-term credentials over UDP, TCP and TLS, TURN
# REST credentials from a shared secret, Send indications and channels,
# IPv6.  A
# wrong password is refused with 401, and a stund without the allow rule
# refuses the loopback peer with 403.  The metrics count it all.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

N=20
SECRET=rest-secret-for-tests

st_need turnutils_uclient turnutils_peer ss curl
[ -x "$STUND" ] || st_skip "$STUND not built"
st_setup

P_PEER=$(st_free_port) || st_skip "no free port"
MPORT=$(st_free_port) || st_skip "no free port"
R_LO=$(st_free_port) || st_skip "no free port"
R_LO=$(( (R_LO / 2) * 2 ))
R_HI=$((R_LO + 200))

printf '# test users\nalice:s3cret\n' >"$ST_TMP/users"

st_bg "$ST_TMP/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 \
    -p "$P_PEER"
i=0
while ! ss -Hanu 2>/dev/null | awk '{ print $4 }' |
    grep -q "^127\.0\.0\.1:$P_PEER\$"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { st_fail "turnutils_peer did not start"; st_done; }
	sleep 0.1
done

# TLS too, when openssl can make a throwaway certificate.
set --
if command -v openssl >/dev/null 2>&1 &&
    timeout 30 openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
    -subj /CN=localhost -keyout "$ST_TMP/key.pem" \
    -out "$ST_TMP/cert.pem" >/dev/null 2>&1; then
	set -- --tls-port 0 --cert "$ST_TMP/cert.pem" --key "$ST_TMP/key.pem"
fi
st_stund_start --primary 127.0.0.1 --port 0 --workers 2 \
    --metrics "127.0.0.1:$MPORT" --realm stunkit.test \
    --user-file "$ST_TMP/users" --static-auth-secret "$SECRET" \
    --relay-ports "$R_LO-$R_HI" --allow-peer 127.0.0.0/8 "$@" ||
    { st_fail "stund did not start"; st_done; }

# uclient NAME ARGS...: run turnutils_uclient against stund (bounded),
# output in $ST_TMP/NAME.out; returns its exit status.  -c: no RTCP
# allocation (EVEN-PORT with R=1, which stund answers with 508).
uclient()
{
	_name=$1
	shift
	timeout 60 turnutils_uclient -c -n "$N" -l 120 -z 5 \
	    -e 127.0.0.1 -r "$P_PEER" "$@" 127.0.0.1 \
	    >"$ST_TMP/$_name.out" 2>&1
}

# relayed NAME WHAT: every datagram went out and came back.
relayed()
{
	_o="$ST_TMP/$1.out"
	if grep -q "tot_send_msgs=$N, tot_recv_msgs=$N" "$_o" &&
	    grep -q 'Total lost packets 0 ' "$_o"; then
		st_ok "$2: $N/$N datagrams relayed, 0 lost"
	else
		st_fail "$2: datagrams lost or not sent"
		tail -n 8 "$_o" | sed 's/^/  | /'
	fi
}

uclient udp-lt-send -s -u alice -w s3cret -p "$P1"
relayed udp-lt-send "udp, long-term credentials, send indications"

uclient udp-rest-send -s -u carol -W "$SECRET" -p "$P1"
relayed udp-rest-send "udp, rest credentials, send indications"

# DONT-FRAGMENT (-g) in the Allocate: granted, DF set on the relay socket.
uclient udp-df -g -u alice -w s3cret -p "$P1"
relayed udp-df "udp, DONT-FRAGMENT, channels"

uclient tcp-lt-send -t -s -u alice -w s3cret -p "$TP1"
relayed tcp-lt-send "tcp, long-term credentials, send indications"

if [ -n "$TLSP" ]; then
	uclient tls-rest-send -t -S -s -u carol -W "$SECRET" -p "$TLSP"
	relayed tls-rest-send "tls, rest credentials, send indications"
	# uclient takes each TLS record it reads for one message: two Data
	# indications in one record lost the second.  A datagram every
	# millisecond made that likely (40% lost); stund now writes one
	# message per record.
	timeout 60 turnutils_uclient -c -n 100 -l 120 -z 1 -e 127.0.0.1 \
	    -r "$P_PEER" -t -S -s -u alice -w s3cret -p "$TLSP" 127.0.0.1 \
	    >"$ST_TMP/tls-fast.out" 2>&1
	if grep -q 'tot_send_msgs=100, tot_recv_msgs=100' \
	    "$ST_TMP/tls-fast.out" &&
	    grep -q 'Total lost packets 0 ' "$ST_TMP/tls-fast.out"; then
		st_ok "tls, a datagram a millisecond: 100/100, one per record"
	else
		st_fail "tls, a datagram a millisecond: datagrams lost"
		tail -n 4 "$ST_TMP/tls-fast.out" | sed 's/^/  | /'
	fi
else
	echo "note: tls run skipped: no certificate"
fi

# Channels: coturn's client draws channel numbers from RFC 5766's
# 0x4000-0x7FFF, which stund accepts (STUN_CHANNEL_ACCEPT_MAX).
uclient udp-lt-chan -u alice -w s3cret -p "$P1"
relayed udp-lt-chan "udp, long-term credentials, channels"
uclient tcp-rest-chan -t -u carol -W "$SECRET" -p "$TP1"
relayed tcp-rest-chan "tcp, rest credentials, channels"

metric()
{
	curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# A wrong password: every Allocate answered 401 (uclient retries the
# challenge and gives up), nothing relayed.
before=$(metric stund_turn_auth_failures_total)
uclient udp-bad -s -u alice -w wrong -p "$P1"
rc=$?
after=$(metric stund_turn_auth_failures_total)
if grep -q "tot_recv_msgs=$N" "$ST_TMP/udp-bad.out"; then
	st_fail "wrong password: datagrams relayed"
elif [ $rc -ne 0 ] && grep -q 'Cannot complete Allocation' \
    "$ST_TMP/udp-bad.out" && [ -n "$before" ] && [ -n "$after" ] &&
    [ "$after" -gt "$before" ]; then
	st_ok "wrong password refused ($((after - before)) answers 401)"
else
	st_fail "wrong password: not refused as expected (rc $rc, 401s" \
	    "$before -> $after)"
	tail -n 5 "$ST_TMP/udp-bad.out" | sed 's/^/  | /'
fi
v=$(metric stund_turn_allocations_created_total)
[ -n "$v" ] && [ "$v" -ge 3 ] &&
    st_ok "metrics: $v allocations created" ||
    st_fail "metrics: allocations created is '$v'"
v=$(metric stund_turn_peer_packets_total)
[ -n "$v" ] && [ "$v" -ge $((3 * N)) ] &&
    st_ok "metrics: $v datagrams to peers" ||
    st_fail "metrics: peer packets is '$v'"
v=$(metric stund_turn_auth_failures_total)
[ -n "$v" ] && [ "$v" -ge 1 ] &&
    st_ok "metrics: $v auth failures" ||
    st_fail "metrics: auth failures is '$v'"
# TURN answers count with the other methods (amplification figures).
v=$(metric 'stund_messages_out_total{method="other",class="success"}')
[ -n "$v" ] && [ "$v" -ge 6 ] &&
    st_ok "metrics: $v TURN success answers counted out" ||
    st_fail "metrics: TURN success answers out is '$v'"

# SIGHUP reads the users file again and keeps the allocations.
before=$(metric stund_turn_allocations)
printf 'alice:s3cret
bob:b0bpass
' >"$ST_TMP/users"
kill -HUP "$ST_SPID"
st_wait_log "$ST_LOG" 'configuration reloaded' 50 ||
    st_fail "no reload logged"
after=$(metric stund_turn_allocations)
[ -n "$before" ] && [ "$before" -gt 0 ] && [ "$after" = "$before" ] &&
    st_ok "reload kept the $after allocations" ||
    st_fail "reload: allocations $before -> $after"
uclient udp-bob -s -u bob -w b0bpass -p "$P1"
relayed udp-bob "udp, user added by SIGHUP"
st_stop "$ST_PID"

# Without --allow-peer the loopback peer is refused (403).
st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --user-file "$ST_TMP/users" --relay-ports "$R_LO-$R_HI" ||
    { st_fail "stund did not start"; st_done; }
uclient udp-policy -s -u alice -w s3cret -p "$P1"
if grep -q "tot_recv_msgs=$N" "$ST_TMP/udp-policy.out"; then
	st_fail "policy: loopback peer reached without --allow-peer"
elif grep -q '403' "$ST_TMP/udp-policy.out"; then
	st_ok "policy: loopback peer refused with 403"
else
	st_fail "policy: no 403 seen"
	tail -n 5 "$ST_TMP/udp-policy.out" | sed 's/^/  | /'
fi
st_stop "$ST_PID"

# A byte cap ends the allocation part way through the run.
st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --metrics "127.0.0.1:$MPORT" --user-file "$ST_TMP/users" \
    --relay-ports "$R_LO-$R_HI" --allow-peer 127.0.0.0/8 \
    --max-alloc-bytes 600 ||
    { st_fail "stund did not start"; st_done; }
uclient udp-bytes -s -u alice -w s3cret -p "$P1"
v=$(metric stund_turn_allocations_bytes_capped_total)
if grep -q "tot_recv_msgs=$N" "$ST_TMP/udp-bytes.out"; then
	st_fail "byte cap: all $N datagrams relayed past 600 bytes"
elif [ -n "$v" ] && [ "$v" -ge 1 ]; then
	st_ok "byte cap: allocation ended ($v capped)"
else
	st_fail "byte cap: not counted ('$v')"
fi
st_stop "$ST_PID"

# One allocation per user: uclient's second one gets 486.
st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --user-file "$ST_TMP/users" --relay-ports "$R_LO-$R_HI" \
    --allow-peer 127.0.0.0/8 --user-quota 1 ||
    { st_fail "stund did not start"; st_done; }
uclient udp-quota -s -u alice -w s3cret -p "$P1"
grep -q 'error 486' "$ST_TMP/udp-quota.out" &&
    st_ok "user quota: 486 for a second allocation" ||
    { st_fail "user quota: no 486"
    tail -n 5 "$ST_TMP/udp-quota.out" | sed 's/^/  | /'; }
st_stop "$ST_PID"

# Four relay ports, two workers, eight allocations: exactly four get a
# port, each its own, and every datagram comes back to the client that
# sent it.  (A relay socket bound with SO_REUSEADDR once shared its port
# with a later allocation, which then received the first one's traffic.)
TURNLOAD="$top_builddir/bench/turnload"
if [ -x "$TURNLOAD" ]; then
	st_stund_start --primary 127.0.0.1 --port 0 --workers 2 \
	    --realm stunkit.test --user-file "$ST_TMP/users" \
	    --relay-ports "$R_LO-$((R_LO + 3))" --allow-peer 127.0.0.0/8 ||
	    { st_fail "stund did not start"; st_done; }
	timeout 30 "$TURNLOAD" -n 8 -w 1 -d 0.5 -W 0 -u alice:s3cret \
	    -e "127.0.0.1:$P_PEER" "127.0.0.1:$P1" >"$ST_TMP/ports.out" 2>&1
	if grep -q 'allocations=4 .*lost=0 invalid=0 .*setupfail=4$' \
	    "$ST_TMP/ports.out"; then
		st_ok "4 relay ports: 4 allocations, 4 refused, no crossed data"
	else
		st_fail "4 relay ports: wrong allocation count or crossed data"
		sed 's/^/  | /' "$ST_TMP/ports.out"
	fi
	st_stop "$ST_PID"
else
	echo "note: relay port test skipped: $TURNLOAD not built"
fi

# IPv6: stund on ::1 with IPv6 relays, the peer on ::1.
if st_have_ipv6; then
	P6=$(st_free_port) || st_skip "no free port"
	st_bg "$ST_TMP/peer6.log" timeout 60 turnutils_peer -L ::1 -p "$P6"
	st_stund_start --primary ::1 --port 0 --realm stunkit.test \
	    --user-file "$ST_TMP/users" --relay-ports "$R_LO-$R_HI" \
	    --allow-peer ::1 ||
	    { st_fail "stund did not start on ::1"; st_done; }
	sleep 0.3
	timeout 60 turnutils_uclient -c -s -x -n "$N" -l 120 -z 5 \
	    -e ::1 -r "$P6" -u alice -w s3cret -p "$P1" ::1 \
	    >"$ST_TMP/udp6.out" 2>&1
	relayed udp6 "udp over ipv6, ipv6 relay"
	st_stop "$ST_PID"
else
	echo "note: ipv6 run skipped: no ::1"
fi
st_done
