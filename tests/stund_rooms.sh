#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund serves the rendezvous extension on UDP (doc/rendezvous.md): members
# of one room see each other with their real loopback address as the
# server-reflexive candidate, other rooms stay apart, leave and timeout
# events reach the others, pairs get Go, forged Registers add nobody, the
# caps answer 508, the metrics count it all and Binding still works.
# Loopback only (127.0.0.1 and 127.0.0.2).

. "${top_srcdir:-.}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
ROOM_A=a1a2a3a4a5a6a7a8a9aaabacadaeafb0
ROOM_B=b1b2b3b4b5b6b7b8b9babbbcbdbebfc0
TIMEOUT_S=3	# member-timeout given to stund

st_setup
st_need_bins
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
st_need ss
st_have_http || st_skip "neither curl nor wget installed"

MPORT=$(st_free_port) || st_skip "no free port for metrics"
if ! st_stund_two --workers 2 --metrics "127.0.0.1:$MPORT" --keepalive 1 \
    --member-timeout $TIMEOUT_S --room-max 3 --room-members 3 \
    --register-rate 6000 --register-burst 100; then
	st_fail "stund did not start"
	st_done
fi
SRV="$ST_IP1:$P1"
N=0

# rp_bg NAME ARGS...: rdvpoke in the background, output in $ST_TMP/NAME;
# the server is $TO (default $SRV).
rp_bg()
{
	_n=$1
	shift
	st_bg "$ST_TMP/$_n" timeout 60 "$RDVPOKE" "$@" "${TO:-$SRV}"
	eval "PID_$_n=\$ST_LASTPID"
}

# rp_local NAME: the 127.0.0.1:port rdvpoke NAME bound.
rp_local()
{
	st_wait_log "$ST_TMP/$1" '^local ' 50 || return 1
	sed -n 's/^local //p' "$ST_TMP/$1" | head -n 1
}

# rp_expect DESC NAME REGEX [TENTHS]: NAME's output matches within time.
rp_expect()
{
	if st_wait_log "$ST_TMP/$2" "$3" "${4:-50}"; then
		st_ok "$1"
	else
		st_fail "$1: no line matching '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	fi
}

# rp_never DESC NAME REGEX: NAME's output does not match.
rp_never()
{
	if grep -Eq "$3" "$ST_TMP/$2"; then
		st_fail "$1: unexpected '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	else
		st_ok "$1"
	fi
}

# rp_wait NAME [TENTHS]: wait for rdvpoke NAME to exit.
rp_wait()
{
	eval "_p=\$PID_$1"
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt "${2:-100}" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	st_stop "$_p"
}

metric()
{
	st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# 1. Two members of room A, then a third; one of room B.
rp_bg alice -r $ROOM_A -n alice -H 10.9.9.1:4000 -t 30
A=$(rp_local alice)
rp_expect "alice joined with mapped = her socket" alice \
    "^joined id=[0-9]+ mapped=$A\$"
rp_bg bob -r $ROOM_A -n bob -t 30
B=$(rp_local bob)
rp_expect "bob joined" bob "^joined id=[0-9]+ mapped=$B\$"
rp_expect "bob sees alice, srflx = her real address" bob \
    "^members .*=alice,host=10\.9\.9\.1:4000,srflx=$A( |\$)"
rp_expect "alice hears bob join, srflx = his real address" alice \
    "^members event=join .*=bob,srflx=$B( |\$)"
rp_expect "alice gets go" alice '^go peer=[0-9]+ delay=' 60
rp_expect "bob gets go" bob '^go peer=[0-9]+ delay=' 60
rp_bg carol -r $ROOM_A -n carol -t 30
C=$(rp_local carol)
rp_expect "carol sees alice and bob" carol \
    "^members .*n=2 .*srflx=($A|$B) .*srflx=($A|$B)"
rp_expect "alice hears carol join" alice \
    "^members event=join .*n=2 .*=carol,srflx=$C"
rp_expect "bob hears carol join" bob "^members event=join .*=carol,srflx=$C"
rp_bg dave -r $ROOM_B -n dave -t 30
rp_expect "dave joined room B" dave '^joined '
rp_expect "dave alone in room B" dave '^members .*n=0'
sleep 0.5
rp_never "room A does not see dave" alice 'dave'
rp_never "room B does not see room A" dave 'alice|bob|carol'

# 2. Explicit leave: erin leaves room B, dave hears it.
rp_bg erin -r $ROOM_B -n erin -l 1 -t 5
rp_expect "erin joined room B" erin '^joined '
rp_expect "erin left" erin '^done' 40
rp_expect "dave hears erin leave" dave '^members event=leave .*n=0'

# 3. Room cap (3 rooms: A, B, C) and member cap (3 per room).
rp_bg frank -r c1c2c3c4c5c6c7c8 -n frank -t 30
rp_expect "frank opened a third room" frank '^joined '
# Members registered on the other three sockets are told from the one
# they used (the client ignores anything else, as a NAT would).
if [ "$ST_SELFTEST" = passed ] && [ -n "$P2" ]; then
	Q1=$(st_port_of "$ST_LOG" udp "$ST_IP2" 1)
	TO="$ST_IP1:$P2" rp_bg lee -r c1c2c3c4c5c6c7c8 -n lee -t 30
	rp_expect "lee joined via $ST_IP1:$P2" lee '^joined '
	TO="$ST_IP2:$Q1" rp_bg mia -r c1c2c3c4c5c6c7c8 -n mia -t 30
	rp_expect "mia joined via $ST_IP2:$Q1" mia \
	    '^joined .*mapped=127\.0\.0\.1:'
	rp_expect "lee hears mia join from $ST_IP1:$P2" lee \
	    '^members event=join .*=mia,'
	rp_expect "frank hears lee and mia" frank '^members .*n=2 .*=mia,'
	rp_expect "lee and mia get go" mia '^go peer=' 60
	rp_expect "lee gets go" lee '^go peer=' 60
	st_stop "$PID_lee"
	st_stop "$PID_mia"
	rp_expect "frank hears lee or mia time out" frank \
	    '^members event=timeout' $(( (TIMEOUT_S + 3) * 10 ))
else
	st_fail "rfc5780 self-test $ST_SELFTEST: the four sockets are not up"
fi
rp_bg gina -r d1d2d3d4d5d6d7d8 -n gina -t 3
rp_expect "a fourth room is refused with 508" gina '^failed .*code=508' 40
rp_bg hank -r $ROOM_A -n hank -t 3
rp_expect "a fourth member of A is refused with 508" hank \
    '^failed .*code=508' 40

# 4. A forged Register (MAC with a wrong key) adds nobody.
before=$(metric stund_rdv_members)
bad0=$(metric stund_rdv_bad_integrity_total)
rp_bg ivan -r $ROOM_B -n ivan -w -t 1
rp_wait ivan 30
rp_expect "forged register sent" ivan '^forged sent'
rp_never "forged register unanswered" ivan '^forged answered'
after=$(metric stund_rdv_members)
bad1=$(metric stund_rdv_bad_integrity_total)
if [ -n "$before" ] && [ "$before" = "$after" ] &&
    [ "${bad1:-0}" -gt "${bad0:-0}" ]; then
	st_ok "forged register: members $after, bad_integrity $bad0 -> $bad1"
else
	st_fail "forged register: members $before -> $after," \
	    "bad_integrity $bad0 -> $bad1"
fi
rp_never "dave not told of the forgery" dave 'ivan'

# 5. A silent member times out; the others hear it within the timeout.
rp_bg kim -r $ROOM_B -n kim -k -t 20
rp_expect "kim joined room B (silent)" kim '^joined '
t0=$(date +%s)
rp_expect "dave hears kim join" dave '^members event=join .*=kim'
rp_expect "dave hears kim time out" dave '^members event=timeout .*n=0' \
    $(( (TIMEOUT_S + 3) * 10 ))
t1=$(date +%s)
if [ $((t1 - t0)) -le $((TIMEOUT_S + 2)) ]; then
	st_ok "timeout after $((t1 - t0)) s (member-timeout $TIMEOUT_S s)"
else
	st_fail "timeout took $((t1 - t0)) s (member-timeout $TIMEOUT_S s)"
fi
# The keepalives of the others kept them in.
rp_never "alice did not time out" bob 'event=timeout'

# 6. Metrics.
body=$(st_http_get "http://127.0.0.1:$MPORT/metrics")
for m in stund_rdv_enabled stund_rdv_rooms stund_rdv_members \
    stund_rdv_joins_total stund_rdv_leaves_total stund_rdv_timeouts_total \
    stund_rdv_refused_rooms_total stund_rdv_refused_room_full_total \
    stund_rdv_bad_integrity_total stund_rdv_members_sent_total \
    stund_rdv_go_sent_total stund_rdv_send_errors_total; do
	v=$(echo "$body" | awk -v n="$m" '$1 == n { print $2 }')
	case "$m=$v" in
	stund_rdv_send_errors_total=0 | *_enabled=1) ;;
	*_total=0 | *=) st_fail "metric $m is '$v'"; continue ;;
	esac
	st_ok "metric $m = $v"
done
v=$(echo "$body" | awk '$1 == "stund_rdv_members" { print $2 }')
# lee and mia may still be counted if one has not timed out yet.
[ "$v" -gt 5 ] 2>/dev/null && sleep $TIMEOUT_S &&
    body=$(st_http_get "http://127.0.0.1:$MPORT/metrics") &&
    v=$(echo "$body" | awk '$1 == "stund_rdv_members" { print $2 }')
[ "$v" = 5 ] && st_ok "members gauge 5 (alice bob carol dave frank)" ||
    st_fail "members gauge is '$v', want 5"

# 7. Over TCP the rendezvous methods get 400 (an RDV-Register header);
# Binding is still answered over UDP.
st_hex "$ST_TMP/reg.hex" "02a00000 2112a442 010203040506070809101112"
l=$(st_poke --tcp --timeout 2000 --raw "$ST_TMP/reg.hex" "$ST_IP1:$TP1")
st_check "rdv register over tcp" "$l" code 400
st_alive "binding" "$SRV"
for n in alice bob carol dave frank; do
	eval "st_stop \$PID_$n"
done
for n in alice bob carol dave erin frank lee mia gina hank ivan kim; do
	[ -f "$ST_TMP/$n" ] && st_san_report "$ST_TMP/$n" &&
	    st_fail "sanitizer report from rdvpoke $n"
done
st_stund_term
rc=$?
[ $rc -eq 0 ] && st_ok "stund exits 0 on SIGTERM" ||
    st_fail "stund exit status $rc"
st_done
