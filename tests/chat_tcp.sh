#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat reaching its servers over TCP and TLS, on loopback (where a
# direct path always works, so the peers use --force-relay): (a) our
# stund's TURN over TCP (turn:...?transport=tcp) and (b) over TLS
# (turns:, the test's own certificate given with --ca); (c) coturn's
# turnserver over TCP and (d) over TLS.  Each pair gets a relayed path
# both ways whose transport is the one asked for, and every message each
# way intact and in order.  (e) The certificate is checked: without --ca
# it is refused, and so it is for a name it does not carry.  (f) turn:
# alone on a server with no UDP: the relay falls back to TCP by itself.
# (g) The rendezvous itself over TCP and TLS (--transport), and auto
# falling back to TCP from a stund with no UDP.  (i) The TURN server's
# connection drops mid-chat, and (j) the rendezvous server restarts
# under a chat over TCP: p2pchat connects again, registers again,
# allocates anew and loses nothing.  (h) A capture of lo shows
# the marker text in no TCP segment: the streams carry only ciphertext.
# (k) A request the server leaves unanswered is written once over a
# stream, not again on the datagram schedule (RFC 8489 6.2.2).

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
N=10

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout ss od openssl
st_setup
T=$ST_TMP
MARK="tcp$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')mark"

# The test's certificate: for localhost only (not 127.0.0.1), so that
# the name check can be seen to refuse the address.
timeout 60 openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
    st_skip "openssl could not make a test certificate"

# check LABEL KIND TRANSPORT: every path of KIND over TRANSPORT, all
# messages delivered intact and in order.
check()
{
	for p in a b; do
		o=bob
		me=alice
		[ $p = b ] && o=alice && me=bob
		f="$T/$1.$p.out"
		if ev "$f" path | tail -n 1 | grep "\"kind\":\"$2\"" |
		    grep -q "\"transport\":\"$3\""; then
			st_ok "$1: $me: path to $o $2 over $3"
		else
			st_fail "$1: $me: no $2 path over $3: $(ev "$f" path)"
		fi
		chat_in_order "$1" "$f" "$me" "$o"
	done
}

# check_relay LABEL TRANSPORT: both relays allocated over TRANSPORT.
check_relay()
{
	for p in a b; do
		ev "$T/$1.$p.out" relay | grep -q "\"transport\":\"$2\"" &&
		    st_ok "$1: $p: relay allocated over $2" ||
		    st_fail "$1: $p: no relay over $2: $(ev "$T/$1.$p.out" \
		    relay) $(cat "$T/$1.$p.err")"
	done
}

# refused LABEL ARGS...: p2pchat stops with exit 1, the certificate
# refused.
refused()
{
	_l=$1
	shift
	timeout 30 "$CHAT" --server "127.0.0.1:$P1" --name eve --batch \
	    --force-relay "$@" </dev/null >"$T/$_l.out" 2>"$T/$_l.err"
	_rc=$?
	if [ $_rc -eq 1 ] && grep -q 'certificate verify failed' \
	    "$T/$_l.err" && [ "$(count "$T/$_l.out" relay \
	    '"addr":"')" -eq 0 ]; then
		st_ok "$_l: refused: $(grep -m1 'TLS' "$T/$_l.err")"
	else
		st_fail "$_l: exit $_rc: $(cat "$T/$_l.err")"
	fi
}

# --- (h) Capture TCP on lo while the runs go. ---
chat_cap_start tcp 400

# --- (a), (b), (e): our stund, TURN over TCP and TLS. ---
printf 'alice:s3cret\n' >"$T/users"
P_R=$(st_free_port) || st_skip "no free port"
R_LO=$(( (P_R + 300) / 2 * 2 ))
if st_stund_start --primary 127.0.0.1 --port 0 --tls-port 0 \
    --cert "$T/cert.pem" --key "$T/key.pem" --realm stunkit.test \
    --user-file "$T/users" --relay-ports "$R_LO-$((R_LO + 200))" \
    --allow-peer 127.0.0.0/8 && [ -n "$TP1" ] && [ -n "$TLSP" ]; then
	chat_pair stund_tcp "127.0.0.1:$P1" --force-relay \
	    --relay "turn:alice:s3cret@127.0.0.1:$TP1?transport=tcp"
	check_relay stund_tcp tcp
	check stund_tcp relay tcp
	chat_pair stund_tls "127.0.0.1:$P1" --force-relay --ca "$T/cert.pem" \
	    --relay "turns:alice:s3cret@localhost:$TLSP"
	check_relay stund_tls tls
	check stund_tls relay tls
	refused no_ca --relay "turns:alice:s3cret@localhost:$TLSP"
	refused wrong_name --ca "$T/cert.pem" \
	    --relay "turns:alice:s3cret@127.0.0.1:$TLSP"
	# (g) The rendezvous over TCP and TLS; the relay the server
	# offers shares the connection.
	chat_pair rdv_tcp "127.0.0.1:$P1" --transport tcp --force-relay
	check_relay rdv_tcp tcp
	check rdv_tcp relay tcp
	chat_pair rdv_tls "localhost:$P1" --transport tls \
	    --tls-port "$TLSP" --ca "$T/cert.pem" --force-relay
	check_relay rdv_tls tls
	check rdv_tls relay tls
	for p in a b; do
		[ "$(count "$T/rdv_tls.$p.out" registered \
		    '"transport":"tls"')" -eq 1 ] &&
		    st_ok "rdv_tls: $p: registered over TLS" ||
		    st_fail "rdv_tls: $p: $(ev "$T/rdv_tls.$p.out" registered)"
	done
	st_stund_term
else
	st_fail "stund did not start with TURN over TCP and TLS"
fi

# --- (f), (g): a stund with no UDP: turn: alone and --transport auto
# find it over TCP. ---
# (st_stund_start finds no UDP port: its TCP port is read here.)
st_stund_start --primary 127.0.0.1 --port 0 --no-udp --realm \
    stunkit.test --user-file "$T/users" \
    --relay-ports "$R_LO-$((R_LO + 200))" --allow-peer 127.0.0.0/8 \
    >/dev/null 2>&1
NOUDP=$(sed -n 's/.*listening on tcp 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
    "$ST_LOG" | head -n 1)
if [ -n "$NOUDP" ]; then
	NOUDP_PID=$ST_PID
	NOUDP_SPID=$ST_SPID
	if st_stund_start --primary 127.0.0.1 --port 0; then
		chat_pair auto_relay "127.0.0.1:$P1" --force-relay \
		    --relay "turn:alice:s3cret@127.0.0.1:$NOUDP"
		check_relay auto_relay tcp
		check auto_relay relay tcp
		for p in a b; do
			ms=$(ev "$T/auto_relay.$p.out" relay |
			    sed -n 's/.*"ms":\([0-9]*\).*/\1/p' | head -n 1)
			echo "note: auto_relay: $p: relay over TCP at ${ms}ms"
		done
		st_stund_term
	else
		st_fail "stund did not start"
	fi
	# --transport auto against the stund with no UDP.
	timeout 20 "$CHAT" --server "127.0.0.1:$NOUDP" --name probe \
	    --batch --linger 0 --tls-port 0 </dev/null >"$T/auto.out" \
	    2>"$T/auto.err"
	if [ "$(count "$T/auto.out" registered '"transport":"tcp"')" \
	    -eq 1 ]; then
		st_ok "auto: registered over TCP: $(ev "$T/auto.out" \
		    registered)"
	else
		st_fail "auto: $(cat "$T/auto.err")"
	fi
	ST_PID=$NOUDP_PID
	ST_SPID=$NOUDP_SPID
	st_stund_term
else
	st_fail "stund --no-udp did not start"
fi

# --- (i) The TURN server's connection drops mid-chat (a second stund,
# TURN over TCP only, restarted on its port): p2pchat connects again,
# allocates anew, and the chat goes on; nothing is lost. ---
# owriter OUT PEER TEXT: half the lines once PEER joined, the rest once
# $T/go exists (30 s at most each).
owriter()
{
	_i=0
	while [ $_i -lt 150 ] &&
	    ! grep -q "^{\"event\":\"joined\",\"peer\":\"$2\"" "$1" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_i=1
	while [ $_i -le $N ]; do
		if [ $_i -eq $((N / 2 + 1)) ]; then
			_k=0
			while [ $_k -lt 300 ] && [ ! -e "$T/go" ]; do
				sleep 0.1
				_k=$((_k + 1))
			done
		fi
		echo "$MARK $3 $_i"
		_i=$((_i + 1))
	done
}

P_T=$(st_free_port) || st_skip "no free port"
turn_start()
{
	st_stund_start --primary 127.0.0.1 --port "$P_T" --no-udp \
	    --realm stunkit.test --user-file "$T/users" \
	    --relay-ports "$R_LO-$((R_LO + 200))" \
	    --allow-peer 127.0.0.0/8 >/dev/null 2>&1
	grep -q "listening on tcp 127.0.0.1:$P_T\$" "$ST_LOG"
}
if turn_start; then
	TURN_PID=$ST_PID
	TURN_SPID=$ST_SPID
	if st_stund_start --primary 127.0.0.1 --port 0; then
		RDV_PID=$ST_PID
		RDV_SPID=$ST_SPID
		rm -f "$T/go"
		R="turn:alice:s3cret@127.0.0.1:$P_T?transport=tcp"
		owriter "$T/outage.a.out" bob "alice to bob" |
		    timeout 90 "$CHAT" --server "127.0.0.1:$P1" --name alice \
		    --batch --linger 20 --force-relay --relay "$R" \
		    >"$T/outage.a.out" 2>"$T/outage.a.err" &
		OA=$!
		i=0
		while [ $i -lt 100 ] &&
		    [ "$(count "$T/outage.a.out" room)" -eq 0 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		code=$(ev "$T/outage.a.out" room |
		    sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
		owriter "$T/outage.b.out" alice "bob to alice" |
		    timeout 90 "$CHAT" --server "127.0.0.1:$P1" --name bob \
		    --batch --linger 20 --force-relay --relay "$R" "$code" \
		    >"$T/outage.b.out" 2>"$T/outage.b.err" &
		OB=$!
		i=0
		while [ $i -lt 300 ] && [ "$(count "$T/outage.a.out" \
		    delivered)" -lt $((N / 2)) ]; do
			sleep 0.1
			i=$((i + 1))
		done
		ST_PID=$TURN_PID
		ST_SPID=$TURN_SPID
		st_stund_term
		sleep 1
		if turn_start; then
			TURN_PID=$ST_PID
			TURN_SPID=$ST_SPID
			st_ok "outage: the TURN server restarted on port $P_T"
		else
			st_fail "outage: the TURN server did not restart"
		fi
		: >"$T/go"
		wait $OB
		rb=$?
		wait $OA
		ra=$?
		[ $ra -eq 0 ] && [ $rb -eq 0 ] &&
		    st_ok "outage: both exited 0" ||
		    st_fail "outage: exit alice $ra bob $rb:" \
		    "$(cat "$T/outage.a.err" "$T/outage.b.err")"
		for p in a b; do
			n=$(count "$T/outage.$p.out" relay '"transport":"tcp"')
			[ "$n" -ge 2 ] &&
			    st_ok "outage: $p: allocated again over TCP" \
			    "($n relay events)" ||
			    st_fail "outage: $p: $n relay events:" \
			    "$(ev "$T/outage.$p.out" relay)"
		done
		check outage relay tcp
		ST_PID=$RDV_PID
		ST_SPID=$RDV_SPID
		st_stund_term
	else
		st_fail "stund did not start"
	fi
	ST_PID=$TURN_PID
	ST_SPID=$TURN_SPID
	st_stund_term
else
	st_fail "stund with TURN over TCP only did not start"
fi

# --- (j) The rendezvous server itself restarts under a chat whose
# rendezvous and offered relay share one TCP connection: p2pchat
# connects again, registers again, allocates anew; nothing is lost. ---
P_J=$(st_free_port) || st_skip "no free port"
if st_stund_start --primary 127.0.0.1 --port "$P_J" \
    --relay-ports "$R_LO-$((R_LO + 200))"; then
	rm -f "$T/go"
	owriter "$T/rdvout.a.out" bob "alice to bob" |
	    timeout 90 "$CHAT" --server "127.0.0.1:$P_J" --name alice \
	    --batch --linger 20 --force-relay --transport tcp \
	    >"$T/rdvout.a.out" 2>"$T/rdvout.a.err" &
	OA=$!
	i=0
	while [ $i -lt 100 ] && [ "$(count "$T/rdvout.a.out" room)" -eq 0 ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	code=$(ev "$T/rdvout.a.out" room |
	    sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
	owriter "$T/rdvout.b.out" alice "bob to alice" |
	    timeout 90 "$CHAT" --server "127.0.0.1:$P_J" --name bob \
	    --batch --linger 20 --force-relay --transport tcp "$code" \
	    >"$T/rdvout.b.out" 2>"$T/rdvout.b.err" &
	OB=$!
	i=0
	while [ $i -lt 300 ] && [ "$(count "$T/rdvout.a.out" \
	    delivered)" -lt $((N / 2)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	st_stund_term
	sleep 1
	if st_stund_start --primary 127.0.0.1 --port "$P_J" \
	    --relay-ports "$R_LO-$((R_LO + 200))"; then
		st_ok "rdvout: stund restarted on port $P_J"
	else
		st_fail "rdvout: stund did not restart"
	fi
	: >"$T/go"
	wait $OB
	rb=$?
	wait $OA
	ra=$?
	[ $ra -eq 0 ] && [ $rb -eq 0 ] &&
	    st_ok "rdvout: both exited 0" ||
	    st_fail "rdvout: exit alice $ra bob $rb:" \
	    "$(cat "$T/rdvout.a.err" "$T/rdvout.b.err")"
	for p in a b; do
		n=$(count "$T/rdvout.$p.out" relay '"transport":"tcp"')
		[ "$n" -ge 2 ] &&
		    st_ok "rdvout: $p: allocated again over TCP ($n relay" \
		    "events)" ||
		    st_fail "rdvout: $p: $n relay events:" \
		    "$(ev "$T/rdvout.$p.out" relay)"
	done
	check rdvout relay tcp
	st_stund_term
else
	st_fail "stund did not start on port $P_J"
fi

# --- (c), (d): coturn over TCP and TLS. ---
if command -v turnserver >/dev/null 2>&1; then
	P_TURN=$(st_free_port) || st_skip "no free port"
	P_TURNS=$(st_free_port) || st_skip "no free port"
	C_MIN=$((R_LO + 201))
	: >"$T/turnserver.conf"
	st_bg "$T/turnserver.log" timeout 300 turnserver \
	    -c "$T/turnserver.conf" --db "$T/turndb" \
	    --pidfile "$T/turnserver.pid" -n --no-dtls --no-udp \
	    --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 \
	    --listening-port "$P_TURN" --tls-listening-port "$P_TURNS" \
	    --cert "$T/cert.pem" --pkey "$T/key.pem" \
	    --min-port "$C_MIN" --max-port $((C_MIN + 200)) \
	    -u alice:s3cret -r stunkit.test --lt-cred-mech \
	    --allow-loopback-peers --no-cli --log-file stdout --simple-log
	TURN_PID=$ST_LASTPID
	i=0
	while [ $i -lt 50 ] && ! ss -Hant state listening 2>/dev/null |
	    awk '{ print $3 }' | grep -Fxq "127.0.0.1:$P_TURNS"; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! st_stund_start --primary 127.0.0.1 --port 0; then
		st_fail "stund did not start"
	else
		chat_pair coturn_tcp "127.0.0.1:$P1" --force-relay \
		    --relay "turn:alice:s3cret@127.0.0.1:$P_TURN?transport=tcp"
		check_relay coturn_tcp tcp
		check coturn_tcp relay tcp
		chat_pair coturn_tls "127.0.0.1:$P1" --force-relay \
		    --ca "$T/cert.pem" \
		    --relay "turns:alice:s3cret@localhost:$P_TURNS"
		check_relay coturn_tls tls
		check coturn_tls relay tls
		st_stund_term
	fi
	st_stop "$TURN_PID"
else
	echo "note: turnserver not installed: coturn cases (c), (d) not run"
fi

# --- (k) A request goes once over a stream: a server that reads and never
# answers sees each transaction id once, where the machines' datagram
# schedule would have sent the Register four times in 5 s. ---
if command -v python3 >/dev/null 2>&1; then
	cat >"$T/silent.py" <<'PYEOF'
import socket, struct, sys, time
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(4)
print(ls.getsockname()[1], flush=True)
ls.settimeout(0.2)
conns, seen, end = [], {}, time.time() + float(sys.argv[1])
bufs = {}
while time.time() < end:
    try:
        c, _ = ls.accept()
        c.setblocking(False)
        conns.append(c)
        bufs[c] = b""
    except socket.timeout:
        pass
    for c in conns:
        try:
            d = c.recv(65536)
        except BlockingIOError:
            continue
        bufs[c] += d
        b = bufs[c]
        while len(b) >= 20 and b[0] < 0x40:
            n = 20 + struct.unpack("!H", b[2:4])[0]
            if len(b) < n:
                break
            if struct.unpack("!H", b[0:2])[0] & 0x0110 == 0:
                t = b[8:20].hex()
                seen[t] = seen.get(t, 0) + 1
            b = b[n:]
        bufs[c] = b
print(len(seen), max(seen.values()) if seen else 0, flush=True)
PYEOF
	python3 "$T/silent.py" 5 >"$T/silent.out" 2>"$T/silent.err" &
	SIL_PID=$!
	i=0
	while [ $i -lt 50 ] && [ ! -s "$T/silent.out" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	SIL_PORT=$(head -n 1 "$T/silent.out")
	timeout 6 "$CHAT" --server "127.0.0.1:$SIL_PORT" --transport tcp \
	    --name solo --batch </dev/null >"$T/silent.chat.out" 2>&1
	wait $SIL_PID
	set -- $(sed -n 2p "$T/silent.out")
	if [ "${1:-0}" -ge 1 ] && [ "${2:-0}" -eq 1 ]; then
		st_ok "stream: $1 requests, each written once"
	else
		st_fail "stream: requests ${1:-none}, most copies of one ${2:-?}:" \
		    "$(cat "$T/silent.err")"
	fi
else
	echo "note: no python3: case (k) not run"
fi

# --- (h) the marker never crossed lo in clear over TCP. ---
chat_cap_check 50 "TCP packets"
st_done
