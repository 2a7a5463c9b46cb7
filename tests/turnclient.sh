#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The TURN client machine against coturn and against our stund, on
# loopback: turnpoke allocates, creates a permission for turnutils_peer
# (a UDP echo peer), sends 100 datagrams through it as Send indications,
# binds a channel, sends 100 more as ChannelData, and must get every echo
# back and a confirmed deallocation.  A wrong password must fail with
# 401.  coturn offers MD5 only, stund SHA-256 as well, so both key
# derivations meet a server we did not script.  Last, a server that
# knows only RFC 5766 (tests/turn5766), which refuses
# REQUESTED-ADDRESS-FAMILY with 420: IPv4 clients never send it, IPv6
# clients ask again without it.  And stund's TURN REST secret from a
# file (reloaded on SIGHUP) or the environment, or wiped from argv.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

TPOKE="$top_builddir/tests/turnpoke"
COUNT=100

st_need turnutils_peer ss
[ -x "$TPOKE" ] || st_skip "$TPOKE not built"
HAVE_COTURN=0
HAVE_STUND=0
command -v turnserver >/dev/null 2>&1 && HAVE_COTURN=1
[ -x "$STUND" ] && HAVE_STUND=1
st_setup

P_PEER=$(st_free_port) || st_skip "no free port"
P_TURN=$(st_free_port) || st_skip "no free port"
P_STUND=$(st_free_port) || st_skip "no free port"
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

# check_run WHAT OUT RC ALG: turnpoke's output OUT (exit status RC)
# shows a full run on 127.0.0.1 with key algorithm ALG.
check_run()
{
	sed 's/^/  | /' "$2"
	if [ "$3" -ne 0 ]; then
		st_fail "$1: turnpoke exited $3"
	else
		st_ok "$1: turnpoke exited 0"
	fi
	grep -Eq "^allocated relayed=127\\.0\\.0\\.1:[0-9]+ .* alg=$4\$" "$2" &&
	    st_ok "$1: relayed address on 127.0.0.1, key by $4" ||
	    st_fail "$1: no allocation with $4"
	grep -q "^permission-ok peer=127.0.0.1:$P_PEER\$" "$2" &&
	    st_ok "$1: permission for the peer" ||
	    st_fail "$1: no permission"
	grep -q "^echoes phase=permission count=$COUNT/$COUNT\$" "$2" &&
	    st_ok "$1: $COUNT/$COUNT echoes through the permission" ||
	    st_fail "$1: echoes through the permission missing"
	grep -q "^channel-ok peer=127.0.0.1:$P_PEER channel=0x4000\$" "$2" &&
	    st_ok "$1: channel 0x4000 bound" || st_fail "$1: no channel"
	grep -q "^echoes phase=channel count=$COUNT/$COUNT\$" "$2" &&
	    st_ok "$1: $COUNT/$COUNT echoes through the channel" ||
	    st_fail "$1: echoes through the channel missing"
	grep -q '^closed$' "$2" &&
	    st_ok "$1: deallocation confirmed" ||
	    st_fail "$1: deallocation not confirmed"
	grep -q ' rejected=0$' "$2" &&
	    st_ok "$1: no answer was rejected" ||
	    st_fail "$1: turnpoke rejected some answers"
}

# poke SERVER OUT ARGS...: run turnpoke (bounded), output in OUT.
poke()
{
	_srv=$1
	_out=$2
	shift 2
	timeout 60 "$TPOKE" -s "$_srv" -t 40000 "$@" >"$_out" 2>&1
}

# check_denied WHAT SERVER USER PASSWORD: the run fails with 401.
check_denied()
{
	_o="$ST_TMP/denied.out"
	timeout 30 "$TPOKE" -s "$2" -u "$3" -w "$4" -n 0 -t 20000 \
	    >"$_o" 2>&1
	_rc=$?
	if [ $_rc -eq 1 ] && grep -q '^failed code=401$' "$_o"; then
		st_ok "$1: failed with 401"
	else
		st_fail "$1: exit $_rc, no 401"
		sed 's/^/  | /' "$_o"
	fi
}

V6=""
st_have_ipv6 && V6=1

st_bg "$ST_TMP/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 \
    -p "$P_PEER"
wait_udp "$P_PEER" ||
    { st_fail "turnutils_peer did not start"; st_done; }
if [ -n "$V6" ]; then
	st_bg "$ST_TMP/peer6.log" timeout 120 turnutils_peer -L ::1 \
	    -p "$P_PEER"
	wait_udp "$P_PEER" "[::1]" ||
	    { st_fail "turnutils_peer did not start on ::1"; V6=""; }
fi

if [ $HAVE_COTURN -eq 1 ]; then
	# An empty config file, so /etc/turnserver.conf is not read, and
	# a private user database.  On ::1 too when the host has it.
	: >"$ST_TMP/turnserver.conf"
	st_bg "$ST_TMP/turnserver.log" timeout 120 turnserver \
	    -c "$ST_TMP/turnserver.conf" --db "$ST_TMP/turndb" \
	    --pidfile "$ST_TMP/turnserver.pid" -n --no-tls --no-dtls \
	    --no-tcp --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 \
	    ${V6:+--listening-ip ::1 --relay-ip ::1} \
	    --listening-port "$P_TURN" \
	    --min-port "$R_MIN" --max-port $((R_MIN + 200)) \
	    -u alice:s3cret -r stunkit.test --lt-cred-mech \
	    --allow-loopback-peers --no-cli --log-file stdout --simple-log
	wait_udp "$P_TURN" ||
	    { st_fail "turnserver did not start"
	    tail -5 "$ST_TMP/turnserver.log"; st_done; }
	if [ -n "$V6" ] && ! wait_udp "$P_TURN" "[::1]"; then
		st_fail "turnserver did not start on ::1"
		V6=""
	fi

	# tshark, when we may capture, decodes the exchange afterwards.
	CAP=""
	if command -v tshark >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
		CAP="$ST_TMP/turn.pcap"
		st_bg "$ST_TMP/tshark.log" timeout 120 tshark -q -i lo \
		    -f "udp port $P_TURN" -w "$CAP"
		TSHARK_PID=$ST_LASTPID
		if st_wait_log "$ST_TMP/tshark.log" \
		    'Capture started|Capturing on'; then
			sleep 0.5
		else
			echo "note: tshark did not start, no decode check"
			CAP=""
		fi
	fi

	out="$ST_TMP/coturn.out"
	poke "127.0.0.1:$P_TURN" "$out" -u alice -w s3cret \
	    -p "127.0.0.1:$P_PEER" -n "$COUNT"
	check_run coturn "$out" $? md5

	if [ -n "$CAP" ]; then
		sleep 0.5
		st_stop "$TSHARK_PID"
		dec="$ST_TMP/decode.txt"
		tshark -r "$CAP" -d "udp.port==$P_TURN,stun" >"$dec" \
		    2>/dev/null
		bad=$(tshark -r "$CAP" -d "udp.port==$P_TURN,stun" \
		    -Y '_ws.malformed || _ws.expert.severity >= "warning"' \
		    2>/dev/null | wc -l)
		miss=""
		for m in 'Allocate Request' 'Allocate Success Response' \
		    'CreatePermission Success Response' 'Send Indication' \
		    'Data Indication' 'Channel-Bind Success Response' \
		    'ChannelData' 'Refresh Success Response'; do
			grep -q "$m" "$dec" || miss="$miss, $m"
		done
		if [ "$bad" -eq 0 ] && [ -z "$miss" ]; then
			st_ok "tshark: $(wc -l <"$dec") packets, none malformed"
		else
			st_fail "tshark: $bad malformed or flagged packets" \
			    "${miss:+; missing$miss}"
			head -n 20 "$dec" | sed 's/^/  | /'
		fi
	fi

	# The same over IPv6, asking for an IPv6 relayed address.
	if [ -n "$V6" ]; then
		out="$ST_TMP/coturn6.out"
		poke "[::1]:$P_TURN" "$out" -f 6 -u alice \
		    -w s3cret -p "[::1]:$P_PEER" -n "$COUNT"
		rc=$?
		sed 's/^/  | /' "$out"
		if [ $rc -eq 0 ] &&
		    grep -Eq '^allocated relayed=\[::1\]:[0-9]+ ' "$out" &&
		    grep -q "permission=$COUNT/$COUNT channel=$COUNT/$COUNT " \
		    "$out"; then
			st_ok "coturn IPv6: relayed on ::1, $COUNT/$COUNT" \
			    "echoes per phase"
		else
			st_fail "coturn IPv6: turnpoke exited $rc"
		fi
	else
		echo "note: ::1 not available, IPv6 part not run"
	fi

	check_denied "coturn, wrong password" "127.0.0.1:$P_TURN" alice wrong
	check_denied "coturn, unknown user" "127.0.0.1:$P_TURN" mallory s3cret
else
	echo "note: turnserver not installed, coturn part not run"
fi

if [ $HAVE_STUND -eq 1 ]; then
	printf '# test users\nalice:s3cret\n' >"$ST_TMP/users"
	R_LO=$(( (P_STUND + 300) / 2 * 2 ))
	if st_stund_start --primary 127.0.0.1 --port 0 \
	    --realm stunkit.test --user-file "$ST_TMP/users" \
	    --relay-ports "$R_LO-$((R_LO + 200))" \
	    --allow-peer 127.0.0.0/8; then
		out="$ST_TMP/stund.out"
		poke "127.0.0.1:$P1" "$out" -u alice -w s3cret \
		    -p "127.0.0.1:$P_PEER" -n "$COUNT"
		check_run stund "$out" $? sha256
		check_denied "stund, wrong password" "127.0.0.1:$P1" alice \
		    wrong
		st_stund_term
	else
		st_fail "stund did not start with TURN"
	fi
	if [ -n "$V6" ] && st_stund_start --primary ::1 --port 0 \
	    --realm stunkit.test --user-file "$ST_TMP/users" \
	    --relay-ports "$R_LO-$((R_LO + 200))" --allow-peer ::1; then
		out="$ST_TMP/stund6.out"
		poke "[::1]:$P1" "$out" -f 6 -u alice -w s3cret \
		    -p "[::1]:$P_PEER" -n "$COUNT"
		rc=$?
		sed 's/^/  | /' "$out"
		if [ $rc -eq 0 ] &&
		    grep -Eq '^allocated relayed=\[::1\]:[0-9]+ ' "$out" &&
		    grep -q "permission=$COUNT/$COUNT channel=$COUNT/$COUNT " \
		    "$out"; then
			st_ok "stund IPv6: relayed on ::1, $COUNT/$COUNT" \
			    "echoes per phase"
		else
			st_fail "stund IPv6: turnpoke exited $rc"
		fi
	elif [ -n "$V6" ]; then
		st_fail "stund did not start on ::1"
	fi
else
	echo "note: $STUND not built, stund part not run"
fi

# TURN REST secrets kept out of argv: --static-auth-secret-file (read
# again on SIGHUP), $STUND_STATIC_AUTH_SECRET, and a secret given on the
# command line wiped from it.  rest SECRET: a credential for it, as
# "user password".
rest()
{
	_u="$(($(date +%s) + 3600)):carol"
	echo "$_u $(printf '%s' "$_u" | openssl dgst -sha1 -hmac "$1" \
	    -binary | base64)"
}
# rest_poke WHAT SECRET WANT: allocate with a credential made with SECRET;
# WANT is ok or 401.
rest_poke()
{
	set -- "$1" "$2" "$3" $(rest "$2")
	_o="$ST_TMP/rest.out"
	timeout 30 "$TPOKE" -s "127.0.0.1:$P1" -u "$4" -w "$5" -n 0 \
	    -t 10000 >"$_o" 2>&1
	_rc=$?
	if [ "$3" = ok ] && [ $_rc -eq 0 ] && grep -q '^allocated ' "$_o"; then
		st_ok "$1: allocated"
	elif [ "$3" = 401 ] && grep -q '^failed code=401$' "$_o"; then
		st_ok "$1: 401"
	else
		st_fail "$1: exit $_rc, want $3"
		sed 's/^/  | /' "$_o"
	fi
}
if [ $HAVE_STUND -eq 1 ] && command -v openssl >/dev/null 2>&1 &&
    command -v base64 >/dev/null 2>&1; then
	R_LO=$(( (P_STUND + 300) / 2 * 2 ))
	RELAYOPTS="--realm stunkit.test --relay-ports $R_LO-$((R_LO + 200))"
	printf 'first-secret\n' >"$ST_TMP/secret"
	# shellcheck disable=SC2086
	if st_stund_start --primary 127.0.0.1 --port 0 $RELAYOPTS \
	    --static-auth-secret-file "$ST_TMP/secret"; then
		rest_poke "--static-auth-secret-file" first-secret ok
		printf 'second-secret\n' >"$ST_TMP/secret"
		kill -HUP "$ST_SPID"
		st_wait_log "$ST_LOG" "configuration reloaded" 30 ||
		    st_fail "no reload after SIGHUP"
		rest_poke "secret file after SIGHUP, new secret" \
		    second-secret ok
		rest_poke "secret file after SIGHUP, old secret" \
		    first-secret 401
		st_stund_term
	else
		st_fail "stund did not start with --static-auth-secret-file"
	fi
	STUND_STATIC_AUTH_SECRET=env-secret
	export STUND_STATIC_AUTH_SECRET
	# shellcheck disable=SC2086
	if st_stund_start --primary 127.0.0.1 --port 0 $RELAYOPTS; then
		rest_poke "\$STUND_STATIC_AUTH_SECRET" env-secret ok
		st_stund_term
	else
		st_fail "stund did not start with \$STUND_STATIC_AUTH_SECRET"
	fi
	unset STUND_STATIC_AUTH_SECRET
	# shellcheck disable=SC2086
	if st_stund_start --primary 127.0.0.1 --port 0 $RELAYOPTS \
	    --static-auth-secret argv-secret-42; then
		rest_poke "--static-auth-secret" argv-secret-42 ok
		if tr '\0' ' ' <"/proc/$ST_SPID/cmdline" |
		    grep -q argv-secret-42; then
			st_fail "--static-auth-secret still in argv"
		else
			st_ok "--static-auth-secret wiped from argv:" \
			    "$(tr '\0' ' ' <"/proc/$ST_SPID/cmdline")"
		fi
		st_stund_term
	else
		st_fail "stund did not start with --static-auth-secret"
	fi
	timeout 10 "$STUND" --primary 127.0.0.1 --port 0 \
	    --static-auth-secret x --static-auth-secret-file "$ST_TMP/secret" \
	    >"$ST_TMP/both.out" 2>&1
	rc=$?
	[ $rc -ne 0 ] && grep -q 'not both' "$ST_TMP/both.out" &&
	    st_ok "both secret options: refused (exit $rc)" ||
	    st_fail "both secret options: exit $rc: $(cat "$ST_TMP/both.out")"
else
	echo "note: no stund, openssl or base64: REST secret part not run"
fi

# A server that knows only RFC 5766 (tests/turn5766): IPv4 clients do not
# name the family it does not know; an IPv6 client does, gets 420 and
# asks again without, for the IPv4 relayed address such a server gives.
T5766="$top_builddir/tests/turn5766"
if [ -x "$T5766" ]; then
	st_bg "$ST_TMP/t5766.log" timeout 120 "$T5766" -l 127.0.0.1:0 \
	    -r 127.0.0.1 -u alice:s3cret -R stunkit.test
	st_wait_log "$ST_TMP/t5766.log" '^listening ' ||
	    st_fail "turn5766 did not start"
	P5=$(sed -n 's/^listening 127\.0\.0\.1://p' "$ST_TMP/t5766.log")
	out="$ST_TMP/t5766.out"
	poke "127.0.0.1:$P5" "$out" -f 4 -u alice -w s3cret \
	    -p "127.0.0.1:$P_PEER" -n "$COUNT"
	check_run "rfc 5766 server" "$out" $? md5
	grep -q '^420 ' "$ST_TMP/t5766.log" &&
	    st_fail "rfc 5766 server: an IPv4 client got a 420:" \
	    "$(grep '^420 ' "$ST_TMP/t5766.log")" ||
	    st_ok "rfc 5766 server: the IPv4 client sent nothing it refused"
	check_denied "rfc 5766 server, wrong password" "127.0.0.1:$P5" \
	    alice wrong
	if [ -n "$V6" ]; then
		st_bg "$ST_TMP/t5766v6.log" timeout 120 "$T5766" -l '[::1]:0' \
		    -r 127.0.0.1 -u alice:s3cret -R stunkit.test
		st_wait_log "$ST_TMP/t5766v6.log" '^listening ' ||
		    st_fail "turn5766 did not start on ::1"
		P6=$(sed -n 's/^listening \[::1\]://p' "$ST_TMP/t5766v6.log")
		out="$ST_TMP/t5766v6.out"
		poke "[::1]:$P6" "$out" -f 6 -u alice -w s3cret \
		    -p "127.0.0.1:$P_PEER" -n "$COUNT"
		rc=$?
		sed 's/^/  | /' "$out"
		if [ $rc -eq 0 ] &&
		    grep -q '^420 type=0x0017$' "$ST_TMP/t5766v6.log" &&
		    grep -Eq '^allocated relayed=127\.0\.0\.1:[0-9]+ ' "$out" &&
		    grep -q "permission=$COUNT/$COUNT channel=$COUNT/$COUNT " \
		    "$out"; then
			st_ok "rfc 5766 server over ::1: 420 for" \
			    "REQUESTED-ADDRESS-FAMILY, asked again without," \
			    "relayed on 127.0.0.1, $COUNT/$COUNT echoes per phase"
		else
			st_fail "rfc 5766 server over ::1: turnpoke exited $rc"
			sed 's/^/  | /' "$ST_TMP/t5766v6.log"
		fi
	fi
else
	st_fail "$T5766 not built"
fi
st_done
