#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund serves the rendezvous over TCP and TLS as over UDP
# (doc/rendezvous.md, section 10): a member on a stream registers, joins
# and hears the room through its connection; a UDP member and a TCP member
# of one room hear each other, the TCP one listed with its TCP mapping
# only to members that declared a TCP candidate (never as a UDP
# server-reflexive one); closing the connection is a leave the room hears
# at once; a member allocates on the relay with its rendezvous credential
# through its connection; the per-address room cap holds over TCP; bytes
# that are no STUN frame close the connection and stund keeps serving; in
# a fleet a TCP member hears another instance's members.  Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
RDVSTREAM="$top_builddir/tests/rdvstream"
key() { printf "$1%.0s" $(seq 32); }
ROOM_A=$(key a1)
ROOM_B=$(key b2)
ROOM_C=$(key c3)
ROOM_D=$(key d4)

st_setup
st_need_bins
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
[ -x "$RDVSTREAM" ] || st_skip "$RDVSTREAM not built"
st_need openssl
st_have_http || st_skip "neither curl nor wget installed"
timeout 30 openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
    -subj /CN=localhost -keyout "$ST_TMP/key.pem" \
    -out "$ST_TMP/cert.pem" >/dev/null 2>&1 ||
	st_skip "openssl could not make a test certificate"

MPORT=$(st_free_port) || st_skip "no free port for metrics"
# tcp-idle 2: a connection without a member goes after 2 s; members stay
# (member-timeout 4, keepalives each second).
if ! st_stund_start --primary "$ST_IP1" --port 0 --tls-port 0 \
    --cert "$ST_TMP/cert.pem" --key "$ST_TMP/key.pem" --workers 2 \
    --metrics "127.0.0.1:$MPORT" --keepalive 1 --member-timeout 4 \
    --room-prefix-max 3 --tcp-idle 2 --register-rate 6000 \
    --register-burst 100; then
	st_fail "stund did not start"
	st_done
fi
[ -n "$TP1" ] && [ -n "$TLSP" ] || {
	st_fail "no TCP or TLS port in the log"
	st_done
}
UDP="$ST_IP1:$P1"
TCP="$ST_IP1:$TP1"
TLS="$ST_IP1:$TLSP"

# bg NAME PROG ARGS...: a client in the background, output in $ST_TMP/NAME.
bg()
{
	_n=$1
	shift
	st_bg "$ST_TMP/$_n" timeout 60 "$@"
	eval "PID_$_n=\$ST_LASTPID"
}

local_of()
{
	st_wait_log "$ST_TMP/$1" '^local ' 50 || return 1
	sed -n 's/^local //p' "$ST_TMP/$1" | head -n 1
}

expect()
{
	if st_wait_log "$ST_TMP/$2" "$3" "${4:-50}"; then
		st_ok "$1"
	else
		st_fail "$1: no line matching '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	fi
}

never()
{
	if grep -Eq "$3" "$ST_TMP/$2"; then
		st_fail "$1: unexpected '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	else
		st_ok "$1"
	fi
}

metric()
{
	st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# 1. A TCP member and a UDP member of room A; a TLS member that declared
# a TCP candidate of its own.
bg tom "$RDVSTREAM" -r $ROOM_A -n tom -H 10.9.9.1:4000 -t 40 "$TCP"
T=$(local_of tom)
expect "tcp: tom joined, mapped = his connection" tom \
    "^joined id=[0-9]+ mapped=$T( |\$)"
bg ula "$RDVPOKE" -r $ROOM_A -n ula -t 40 "$UDP"
U=$(sed -n 's/^local //p' "$ST_TMP/ula" | head -n 1)
expect "udp: ula joined" ula '^joined '
U=$(sed -n 's/^local //p' "$ST_TMP/ula" | head -n 1)
expect "udp: ula sees tom without his TCP mapping" ula \
    "^members .*=tom,host=10\.9\.9\.1:4000( |\$)"
expect "tcp: tom hears ula join, srflx = her UDP address" tom \
    "^members event=join .*=ula,srflx=$U( |\$)"
expect "tcp: tom gets go" tom '^go peer=[0-9]+ delay=' 60
expect "udp: ula gets go" ula '^go peer=[0-9]+ delay=' 60
bg tia "$RDVSTREAM" -T -r $ROOM_A -n tia -C 10.9.9.2:5000 -t 40 "$TLS"
S=$(local_of tia)
expect "tls: tia joined, mapped = her connection" tia \
    "^joined id=[0-9]+ mapped=$S( |\$)"
expect "tls: tia (declared a tcp candidate) sees tom's TCP mapping" tia \
    "^members .*=tom,host=10\.9\.9\.1:4000,tcp=$T"
expect "tcp: tom hears tia join, without any TCP candidate" tom \
    "^members event=join .*=tia( |\$)"
expect "udp: ula hears tia join" ula "^members event=join .*=tia"
never "udp: nobody gets a TCP mapping as srflx" ula "srflx=($T|$S)"
if grep -q "member-join .*proto=tls" "$ST_LOG" &&
    grep -q "member-join .*proto=tcp" "$ST_LOG"; then
	st_ok "the log names each member's transport"
else
	st_fail "no member-join lines with proto=tcp and proto=tls"
	grep member-join "$ST_LOG" | sed 's/^/  | /'
fi

# 2. Keepalives keep a TCP member past tcp-idle (2 s).
sleep 4
never "tcp: tom still connected past tcp-idle" tom '^closed by server'
never "tcp: tom never re-registered" tom '^server unreachable'

# Five UDP members join room A at once, through both workers: tom hears
# every join as its own delta, in order (a gap would make him fetch the
# list, a second "event=none" line).
for i in 1 2 3 4 5; do
	bg "u$i" "$RDVPOKE" -r $ROOM_A -n "u$i" -t 10 "$UDP"
done
i=0
while [ $i -lt 50 ] && [ "$(grep -c 'event=join' "$ST_TMP/tom")" -lt 7 ]; do
	sleep 0.1
	i=$((i + 1))
done
n=$(grep -c 'event=join' "$ST_TMP/tom")
[ "$n" -eq 7 ] && st_ok "tcp: tom heard all 7 joins as deltas" ||
	st_fail "tcp: tom heard $n joins, not 7"
n=$(grep -c '^members event=none' "$ST_TMP/tom")
[ "$n" -eq 1 ] && st_ok "tcp: in order, no list fetched again" ||
	st_fail "tcp: tom fetched the list $n times"
for i in 1 2 3 4 5; do
	eval "st_stop \$PID_u$i"
done

# 3. Closing the connection without a Leave is a leave, heard at once.
bg vic "$RDVSTREAM" -r $ROOM_B -n vic -t 40 "$TCP"
expect "tcp: vic joined room B" vic '^joined '
bg wes "$RDVSTREAM" -T -r $ROOM_B -n wes -c 2 -t 10 "$TLS"
expect "tls: wes joined room B" wes '^joined '
expect "tcp: vic hears wes join" vic '^members event=join .*=wes'
expect "tls: wes closed his connection" wes '^closing' 40
expect "tcp: vic hears wes leave within 1 s of the close" vic \
    '^members event=leave .*n=0' 15
v=$(metric stund_rdv_stream_closed_total)
[ "${v:-0}" -ge 1 ] && st_ok "stream_closed counted ($v)" ||
	st_fail "stund_rdv_stream_closed_total is '${v}'"
# An explicit Leave over TCP works too.
bg xan "$RDVSTREAM" -r $ROOM_B -n xan -l 1 -t 10 "$TCP"
expect "tcp: xan joined" xan '^joined '
expect "tcp: xan left" xan '^done' 40
expect "tcp: vic hears xan leave" vic '^members event=leave .*n=0' 40

# The relay credential of a stream member works through its connection.
bg ann "$RDVSTREAM" -A -T -r $ROOM_B -n ann -t 5 "$TLS"
expect "tls: ann allocates with her credential, same connection" ann \
    '^allocated relayed=127\.0\.0\.1:[0-9]+$'

# 4. Three rooms per address hold over TCP: A, B (members above from
# 127.0.0.1), C; a fourth, D, is refused with 508.
bg yan "$RDVSTREAM" -r $ROOM_C -n yan -t 20 "$TCP"
expect "tcp: a third room" yan '^joined '
bg zed "$RDVSTREAM" -r $ROOM_D -n zed -t 5 "$TCP"
expect "tcp: a fourth room from one address is refused with 508" zed \
    '^failed .*code=508' 40

# 5. Not STUN: the connection is closed (or answered 400), stund serves on.
bg junk1 "$RDVSTREAM" -r $ROOM_D -t 5 -g ffffffffffffffff "$TCP"
expect "tcp: bytes that are no STUN frame close the connection" junk1 \
    '^closed by server' 40
# A STUN header announcing 65532 bytes: bigger than a request may be.
H=2112a442000000000000000000000000
bg junk2 "$RDVSTREAM" -r $ROOM_D -t 5 -g "00d0fffc$H" "$TLS"
expect "tls: an oversized frame closes the connection" junk2 \
    '^closed by server' 40
# A Register with a bad length inside: a frame, but no message.
bg junk3 "$RDVSTREAM" -r $ROOM_D -t 5 -g "02a00008${H}c0d0000400000000" "$TCP"
expect "tcp: a malformed Register is dropped or refused" junk3 \
    '^(closed by server|answer type=0x01|end)' 60
# A stranger that sends nothing is closed after tcp-idle.
bg idle "$RDVSTREAM" -r $ROOM_D -t 8 -i "$TCP"
expect "tcp: an idle stranger is closed after tcp-idle" idle \
    '^closed by server' 60
expect "tcp: tom is still served" tom '^members' 10
st_alive "stund after bad frames" "$UDP"

# 6. Fleet: a TCP member on one instance hears, through its connection,
# what a UDP member of another instance does, and the other hears it go.
if ! command -v redis-server >/dev/null 2>&1 ||
    ! grep -q '^#define HAVE_HIREDIS 1' "$top_builddir/config.h" 2>/dev/null
then
	echo "note: fleet part skipped: no redis-server or no hiredis"
	st_done
fi
RPORT=$(st_free_port) || st_skip "no free port for redis"
st_bg "$ST_TMP/redis.log" timeout 300 redis-server --port "$RPORT" \
    --bind 127.0.0.1 --save '' --appendonly no --dir "$ST_TMP" \
    --protected-mode yes
st_wait_log "$ST_TMP/redis.log" 'Ready to accept' 50 ||
	st_fail "redis-server did not start"
for n in 1 2; do
	st_stund_start --primary "127.0.0.$n" --port 0 --keepalive 1 \
	    --member-timeout 20 --register-rate 6000 --register-burst 100 \
	    --cluster "redis://127.0.0.1:$RPORT" ||
		st_fail "fleet stund $n did not start"
	st_wait_log "$ST_LOG" 'cluster: connected to Redis' 50 ||
		st_fail "fleet stund $n is not in the fleet"
	eval "FT_$n=\$TP1 FU_$n=\$P1"
done
ROOM_F=$(key f6)
bg fay "$RDVSTREAM" -r $ROOM_F -n fay -t 30 "127.0.0.1:$FT_1"
expect "fleet: fay joined over tcp on instance 1" fay '^joined '
bg gus "$RDVPOKE" -r $ROOM_F -n gus -t 30 "127.0.0.2:$FU_2"
expect "fleet: gus joined over udp on instance 2" gus '^joined '
expect "fleet: fay hears gus join, through her connection" fay \
    '^members event=join .*=gus,srflx=127\.0\.0\.1:'
expect "fleet: gus sees fay, without her TCP mapping" gus \
    '^members .*=fay( |$)'
st_stop "$PID_fay"
expect "fleet: gus hears fay leave when her connection closes" gus \
    '^members event=leave .*n=0' 50
st_done
