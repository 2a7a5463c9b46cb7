#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund on loopback: every RFC 5780 answer of a two-address server
# (127.0.0.1 + 127.0.0.2), the one-address mode, RFC 3489 clients, many
# requests on one TCP connection, TLS with a throwaway certificate, and
# IPv6 on ::1.  Ports are picked by stund (--port 0) and read back.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
st_need_bins
st_need timeout

# poke DESC ARGS...: run stunpoke, show the line, keep it in $L.
poke()
{
	_d=$1
	shift
	L=$(st_poke --timeout 500 --retries 3 "$@")
	echo "  $_d| $L"
}

# no_answer DESC ARGS...: the request must be dropped silently.
no_answer()
{
	_d=$1
	shift
	L=$(st_poke --timeout 400 "$@")
	if [ $? -eq 1 ] && [ "${L%% *}" = timeout ]; then
		st_ok "$_d: dropped"
	else
		st_fail "$_d: answered [$L]"
	fi
}

# ---------------------------------------------------------------- 2 addrs
st_stund_two || { st_fail "stund did not start"; st_done; }
S="$ST_IP1:$P1"
echo "stund: udp $ST_IP1/$ST_IP2 ports $P1 $P2, tcp $TP1"
[ -n "$P2" ] && [ "$P1" != "$P2" ] ||
    st_fail "two UDP ports expected on $ST_IP1 (got '$P1' '$P2')"
[ "$ST_SELFTEST" = passed ] && st_ok "rfc5780 self-test passed" ||
    st_fail "rfc5780 self-test: $ST_SELFTEST"
for a in "$ST_IP1:$P1" "$ST_IP1:$P2" "$ST_IP2:$P1" "$ST_IP2:$P2"; do
	grep -q "listening on udp $a\$" "$ST_LOG" ||
	    st_fail "no 'listening on udp $a' line"
	grep -q "listening on tcp $a\$" "$ST_LOG" ||
	    st_fail "no 'listening on tcp $a' line"
done

# Test I: plain request to (IP1,P1).
poke "plain" "$S"
st_check "plain" "$L" class success
st_check "plain" "$L" from "$S"
st_check "plain" "$L" xor_mapped "$(st_field "$L" local)"
st_check "plain" "$L" response_origin "$S"
st_check "plain" "$L" other "$ST_IP2:$P2"
st_check "plain" "$L" mapped ""
st_check "plain" "$L" software ""
st_check "plain" "$L" padding ""
st_check "plain" "$L" fingerprint none
st_check "plain" "$L" tid_ok 1

# Every socket answers, naming itself and the diagonal one as the other.
for pair in "$ST_IP1:$P1 $ST_IP2:$P2" "$ST_IP1:$P2 $ST_IP2:$P1" \
    "$ST_IP2:$P1 $ST_IP1:$P2" "$ST_IP2:$P2 $ST_IP1:$P1"; do
	set -- $pair
	poke "to $1" "$1"
	st_check "to $1" "$L" from "$1"
	st_check "to $1" "$L" response_origin "$1"
	st_check "to $1" "$L" other "$2"
done

# CHANGE-REQUEST: the answer comes from the changed socket (RFC 5780 7.2).
poke "change ip" --change-ip "$S"
st_check "change ip" "$L" from "$ST_IP2:$P1"
st_check "change ip" "$L" response_origin "$ST_IP2:$P1"
st_check "change ip" "$L" xor_mapped "$(st_field "$L" local)"
poke "change port" --change-port "$S"
st_check "change port" "$L" from "$ST_IP1:$P2"
st_check "change port" "$L" response_origin "$ST_IP1:$P2"
poke "change both" --change-ip --change-port "$S"
st_check "change both" "$L" from "$ST_IP2:$P2"
st_check "change both" "$L" response_origin "$ST_IP2:$P2"
st_check "change both" "$L" other "$ST_IP2:$P2"
poke "change both to (IP2,P2)" --change-ip --change-port "$ST_IP2:$P2"
st_check "change both to (IP2,P2)" "$L" from "$S"

# RESPONSE-PORT: the answer goes to our IP at that port (RFC 5780 7.5).
poke "response-port" --response-port 0 "$S"
st_check "response-port" "$L" class success
lp=$(st_field "$L" local)
xm=$(st_field "$L" xor_mapped)
if [ -n "$lp" ] && [ -n "$xm" ] && [ "$lp" != "$xm" ] &&
    [ "${lp%:*}" = "${xm%:*}" ]; then
	st_ok "response-port: answer reached $lp, mapped address is $xm"
else
	st_fail "response-port: answer at '$lp', mapped '$xm'"
fi
poke "response-port + padding" --response-port 0 --padding 64 "$S"
st_check "response-port + padding" "$L" code 400

# PADDING (RFC 5780 7.6): the answer is padded, but never beyond the size
# of the request, and a request smaller than the plain answer gets none.
poke "no padding" "$S"
base=$(st_field "$L" bytes_in)
for n in 4 100 1000; do
	poke "padding $n" --padding "$n" "$S"
	st_check "padding $n" "$L" class success
	pad=$(st_field "$L" padding)
	out=$(st_field "$L" bytes_out)
	in=$(st_field "$L" bytes_in)
	if [ "$out" -le "$base" ]; then
		[ -z "$pad" ] && [ "$in" -eq "$base" ] &&
		    st_ok "padding $n: none for a $out-byte request" ||
		    st_fail "padding $n: '$pad', $in bytes for a $out-byte request"
	elif [ -n "$pad" ] && [ "$in" -le "$out" ] && [ "$in" -gt "$base" ]
	then
		st_ok "padding $n: $pad bytes, answer $in for a $out-byte request"
	else
		st_fail "padding $n: '$pad', answer $in for a $out-byte request"
	fi
done

# FINGERPRINT echoed when asked; a wrong one is dropped (RFC 8489 7.3).
poke "fingerprint" --fingerprint "$S"
st_check "fingerprint" "$L" fingerprint ok
st_check "fingerprint" "$L" xor_mapped "$(st_field "$L" local)"
no_answer "bad fingerprint" --bad-fingerprint "$S"

# Unknown attributes: 420 for comprehension-required, ignored otherwise.
poke "unknown 0x7777" --unknown-attr 0x7777 "$S"
st_check "unknown 0x7777" "$L" class error
st_check "unknown 0x7777" "$L" code 420
st_check "unknown 0x7777" "$L" unknown 0x7777
poke "unknown 0x8777" --unknown-attr 0x8777 "$S"
st_check "unknown 0x8777" "$L" class success

# RFC 3489 clients: MAPPED-, SOURCE- and CHANGED-ADDRESS, id echoed.
poke "legacy" --legacy "$S"
st_check "legacy" "$L" class success
st_check "legacy" "$L" legacy 1
st_check "legacy" "$L" cookie_ok 1
st_check "legacy" "$L" tid_ok 1
st_check "legacy" "$L" mapped "$(st_field "$L" local)"
st_check "legacy" "$L" source "$S"
st_check "legacy" "$L" changed "$ST_IP2:$P2"
poke "legacy change both" --legacy --change-ip --change-port "$S"
st_check "legacy change both" "$L" from "$ST_IP2:$P2"
st_check "legacy change both" "$L" source "$ST_IP2:$P2"
poke "legacy change ip" --legacy --change-ip "$S"
st_check "legacy change ip" "$L" from "$ST_IP2:$P1"

# UDP: many requests from one socket.
L=$(st_poke --count 50 --quiet --timeout 500 --retries 2 "$S")
[ "$L" = "summary sent=50 answered=50" ] &&
    st_ok "udp: 50 requests from one socket answered" ||
    st_fail "udp: 50 requests: $L"

# TCP: one connection carries many requests (RFC 8489 6.2.2).
if [ -n "$TP1" ]; then
	poke "tcp" --tcp "$ST_IP1:$TP1"
	st_check "tcp" "$L" class success
	st_check "tcp" "$L" xor_mapped "$(st_field "$L" local)"
	L=$(st_poke --tcp --count 200 --quiet --timeout 2000 "$ST_IP1:$TP1")
	[ "$L" = "summary sent=200 answered=200" ] &&
	    st_ok "tcp: 200 requests on one connection answered" ||
	    st_fail "tcp: 200 requests on one connection: $L"
	poke "tcp to (IP2,P2)" --tcp "$ST_IP2:$P2"
	st_check "tcp to (IP2,P2)" "$L" class success
	poke "tcp change-request" --tcp --change-ip "$ST_IP1:$TP1"
	st_check "tcp change-request" "$L" code 400
	poke "tcp legacy" --tcp --legacy "$ST_IP1:$TP1"
	st_check "tcp legacy" "$L" mapped "$(st_field "$L" local)"
else
	st_fail "no TCP listener reported"
fi
st_stund_term
rc=$?
[ $rc -eq 0 ] && st_ok "SIGTERM: stund exited cleanly" ||
    st_fail "SIGTERM: stund exit status $rc"

# ---------------------------------------------------------------- 1 addr
st_stund_start --primary "$ST_IP1" --port 0 ||
    { st_fail "one-address stund did not start"; st_done; }
S="$ST_IP1:$P1"
[ -z "$P2" ] && st_ok "one address: one UDP socket" ||
    st_fail "one address: second UDP port $P2"
poke "1addr plain" "$S"
st_check "1addr plain" "$L" class success
st_check "1addr plain" "$L" xor_mapped "$(st_field "$L" local)"
st_check "1addr plain" "$L" other ""
st_check "1addr plain" "$L" response_origin ""
poke "1addr change ip" --change-ip "$S"
st_check "1addr change ip" "$L" class error
st_check "1addr change ip" "$L" code 420
st_check "1addr change ip" "$L" from "$S"
poke "1addr change port" --change-port "$S"
st_check "1addr change port" "$L" code 420
poke "1addr legacy" --legacy "$S"
st_check "1addr legacy" "$L" mapped "$(st_field "$L" local)"
st_check "1addr legacy" "$L" changed ""
poke "1addr padding" --padding 200 "$S"
st_check "1addr padding" "$L" class success
st_stop "$ST_PID"

# ------------------------------------------------------- operations
# Two workers (SO_REUSEPORT), privilege drop, the TCP idle timeout, and
# SIGHUP without dropping a TCP connection.
USEROPT=""
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	USEROPT="--user nobody"
fi
# shellcheck disable=SC2086
if st_stund_two --workers 2 --tcp-idle 2 --tcp-max 5 $USEROPT; then
	S="$ST_IP1:$P1"
	[ "$ST_SELFTEST" = passed ] && st_ok "2 workers: self-test passed" ||
	    st_fail "2 workers: self-test $ST_SELFTEST"
	if [ -n "$USEROPT" ]; then
		want=$(id -u nobody)
		uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' \
		    "/proc/$ST_SPID/status")
		[ "$uids" = "$want $want $want $want" ] &&
		    st_ok "--user nobody: every uid is $want" ||
		    st_fail "--user nobody: uids are '$uids', want $want"
	fi
	i=0
	n=0
	while [ $i -lt 10 ]; do
		L=$(st_poke --timeout 500 --retries 2 --change-port "$S")
		[ "$(st_field "$L" from)" = "$ST_IP1:$P2" ] && n=$((n + 1))
		i=$((i + 1))
	done
	[ $n -eq 10 ] && st_ok "2 workers: 10 sockets, 10 changed-port answers" ||
	    st_fail "2 workers: $n of 10 changed-port answers"
	# A connection stays open while used, across a SIGHUP.
	st_poke --tcp --count 3 --interval 800 --quiet --timeout 2000 \
	    "$ST_IP1:$TP1" >"$ST_TMP/hup.out" &
	hp=$!
	sleep 0.4
	kill -HUP "$ST_SPID"
	wait "$hp"
	L=$(cat "$ST_TMP/hup.out")
	[ "$L" = "summary sent=3 answered=3" ] &&
	    st_ok "tcp: one connection, 3 requests 0.8 s apart, SIGHUP between" ||
	    st_fail "tcp across SIGHUP: $L"
	st_wait_log "$ST_LOG" "configuration reloaded" 30 &&
	    st_ok "SIGHUP: configuration reloaded" ||
	    st_fail "SIGHUP: no 'configuration reloaded' in the log"
	st_alive "after SIGHUP" "$S"
	# An idle connection (half a header sent) is closed after --tcp-idle.
	echo "00010000" >"$ST_TMP/idle.hex"
	t0=$(date +%s)
	st_poke --tcp --timeout 10000 --raw "$ST_TMP/idle.hex" \
	    "$ST_IP1:$TP1" >/dev/null
	t=$(($(date +%s) - t0))
	[ $t -ge 1 ] && [ $t -le 6 ] &&
	    st_ok "tcp-idle 2: idle connection closed after ${t} s" ||
	    st_fail "tcp-idle 2: idle connection lasted ${t} s"
	# The connection cap: five held connections, the sixth is shut.
	hp=""
	for i in 1 2 3 4 5; do
		timeout 20 "$POKE" --tcp --timeout 1500 \
		    --raw "$ST_TMP/idle.hex" "$ST_IP1:$TP1" >/dev/null 2>&1 &
		hp="$hp $!"
	done
	sleep 0.5
	L=$(st_poke --tcp --timeout 1000 "$ST_IP1:$TP1")
	[ $? -ne 0 ] && st_ok "tcp-max 5: a sixth connection is refused" ||
	    st_fail "tcp-max 5: a sixth connection was served [$L]"
	for p in $hp; do
		wait "$p"
	done
	sleep 0.2
	L=$(st_poke --tcp --timeout 2000 "$ST_IP1:$TP1")
	st_check "tcp-max 5, the five gone" "$L" class success
	st_stop "$ST_PID"
else
	st_fail "stund with --workers 2 --tcp-idle 2 --tcp-max 5 $USEROPT" \
	    "did not start"
fi

# ---------------------------------------------------------------- TLS
if command -v openssl >/dev/null 2>&1; then
	timeout 60 openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	    -subj /CN=localhost -keyout "$ST_TMP/key.pem" \
	    -out "$ST_TMP/cert.pem" >/dev/null 2>&1 ||
	    st_fail "openssl could not make a test certificate"
	if st_stund_start --primary "$ST_IP1" --port 0 --tls-port 0 \
	    --cert "$ST_TMP/cert.pem" --key "$ST_TMP/key.pem"; then
		if [ -n "$TLSP" ]; then
			poke "tls" --tls "$ST_IP1:$TLSP"
			st_check "tls" "$L" class success
			st_check "tls" "$L" proto tls
			st_check "tls" "$L" xor_mapped "$(st_field "$L" local)"
			L=$(st_poke --tls --count 20 --quiet --timeout 2000 \
			    "$ST_IP1:$TLSP")
			[ "$L" = "summary sent=20 answered=20" ] &&
			    st_ok "tls: 20 requests on one connection" ||
			    st_fail "tls: 20 requests: $L"
		else
			st_fail "tls: no 'listening on tls' line"
		fi
		st_stop "$ST_PID"
	else
		st_fail "stund with a TLS certificate did not start"
	fi
else
	echo "SKIP part: openssl not installed, no TLS test"
fi

# ------------------------------------------------------- config file
cat >"$ST_TMP/stund.conf" <<EOF
# stund_loopback.sh: two addresses, ports picked by the kernel.
primary		$ST_IP1
alternate	$ST_IP2
port		0
alt-port	0
software	"stunkit test"
EOF
if ST_EXPECT_SELFTEST=1 st_stund_start -c "$ST_TMP/stund.conf"; then
	S="$ST_IP1:$P1"
	[ "$ST_SELFTEST" = passed ] && st_ok "config file: self-test passed" ||
	    st_fail "config file: self-test $ST_SELFTEST"
	poke "config file" "$S"
	st_check "config file" "$L" class success
	st_check "config file" "$L" other "$ST_IP2:$P2"
	st_check "config file" "$L" software 1
	# SIGHUP re-reads the file: without "software" the attribute goes.
	sed '/^software/d' "$ST_TMP/stund.conf" >"$ST_TMP/stund.conf.new" &&
	    mv "$ST_TMP/stund.conf.new" "$ST_TMP/stund.conf"
	kill -HUP "$ST_SPID"
	st_wait_log "$ST_LOG" "configuration reloaded" 30 ||
	    st_fail "config file: SIGHUP not acted on"
	poke "config file after SIGHUP" "$S"
	st_check "config file after SIGHUP" "$L" class success
	st_check "config file after SIGHUP" "$L" software ""
	st_check "config file after SIGHUP" "$L" other "$ST_IP2:$P2"
	st_stop "$ST_PID"
else
	st_fail "stund -c FILE did not start"
fi

# ---------------------------------------------------------------- IPv6
if st_have_ipv6; then
	if st_stund_start --primary ::1 --port 0; then
		S="[::1]:$P1"
		poke "ipv6" "$S"
		st_check "ipv6" "$L" class success
		st_check "ipv6" "$L" xor_mapped "$(st_field "$L" local)"
		case "$(st_field "$L" xor_mapped)" in
		"[::1]:"*) st_ok "ipv6: mapped address is ::1" ;;
		*) st_fail "ipv6: mapped address not ::1" ;;
		esac
		if [ -n "$TP1" ]; then
			poke "ipv6 tcp" --tcp "[::1]:$TP1"
			st_check "ipv6 tcp" "$L" xor_mapped \
			    "$(st_field "$L" local)"
		fi
		st_stop "$ST_PID"
	else
		st_fail "stund on ::1 did not start"
	fi
else
	echo "SKIP part: ::1 is not available, no IPv6 test"
fi

st_done
